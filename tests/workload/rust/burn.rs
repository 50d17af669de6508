// A known chain in Rust: main -> outer -> middle::<u64> -> hot, in a
// module, for SECONDS: legacy (_ZN...17h<hash>E) or v0 (_R...) names.
//   burn SECONDS
mod work {
    #[inline(never)]
    pub fn hot(n: u64) -> u64 {
        let mut x: u64 = 0;
        for i in 0..n {
            x = x.wrapping_add(i.wrapping_mul(31) ^ (x >> 3));
        }
        x
    }

    #[inline(never)]
    pub fn middle<T: Into<u64>>(n: T) -> u64 {
        hot(std::hint::black_box(n.into())) + 1
    }

    #[inline(never)]
    pub fn outer(n: u64) -> u64 {
        middle::<u64>(n) + 1
    }
}

fn main() {
    let secs: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let mut sum: u64 = 0;
    while std::time::Instant::now() < end {
        sum = sum.wrapping_add(work::outer(std::hint::black_box(1_000_000)));
    }
    println!("{}", sum);
}
