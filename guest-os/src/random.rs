//! Pseudo-random bytes for AT_RANDOM and getrandom: a xorshift generator seeded from the
//! time base at first use. The machine is deterministic, so the bytes are reproducible
//! run to run; they are unpredictable only to a program that cannot read the clock.

use spin::Mutex;

static STATE: Mutex<u64> = Mutex::new(0);

/// The next 64 pseudo-random bits.
pub fn next_u64() -> u64 {
    let mut s = STATE.lock();
    if *s == 0 {
        *s = crate::time::now().wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    }
    // xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators").
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_f491_4f6c_dd1d)
}
