// One CPU-bound thread in a JVM: the VM's own threads (GC workers,
// compiler, finalizer, service threads) wait idle around it, some woken
// by others at start-up and exit. Runs SECONDS.   java Burn SECONDS
public class Burn {
    static long hot(long n) {
        long x = 0;
        for (long i = 0; i < n; i++)
            x += i * 31 ^ (x >>> 3);
        return x;
    }

    public static void main(String[] args) {
        long end = System.nanoTime() + Long.parseLong(args[0]) * 1000000000L, sum = 0;
        while (System.nanoTime() < end)
            sum += hot(1000000);
        System.out.println(sum);
    }
}
