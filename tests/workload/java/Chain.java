// A known call chain for JIT-compiled code: main -> outer -> middle ->
// hot, each a method of its own (not inlined: -XX:CompileCommand=dontinline
// keeps the frames).   java Chain SECONDS
public class Chain {
    static long hot(long n) {
        long x = 0;
        for (long i = 0; i < n; i++)
            x += i * 31 ^ (x >>> 3);
        return x;
    }

    static long middle(long n) {
        return hot(n) + 1;
    }

    static long outer(long n) {
        return middle(n) + 1;
    }

    public static void main(String[] args) {
        long end = System.nanoTime() + Long.parseLong(args[0]) * 1000000000L, sum = 0;
        while (System.nanoTime() < end)
            sum += outer(1000000);
        System.out.println(sum);
    }
}
