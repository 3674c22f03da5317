//! Helpers shared by unit tests (compiled only for tests).

/// A deterministic xorshift64 generator: the returned closure gives a number in `0..n` on each
/// call, the same sequence for the same `seed` on every platform. For property tests that
/// compare a fast path with a reference on many generated inputs.
pub fn xorshift(seed: u64) -> impl FnMut(usize) -> usize {
    let mut x = seed;
    move |n| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    }
}
