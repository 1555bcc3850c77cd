//! The order in which Spike prints an instruction's register writes: a model of the
//! libstdc++ `std::unordered_map<reg_t, freg_t>` Spike keeps them in (`state_t::
//! log_reg_write`, riscv/processor.h) and iterates in riscv/execute.cc
//! `commit_log_print_insn`.
//!
//! The map is not sorted: its iteration order is libstdc++'s singly linked node list.
//! The facts modelled (libstdc++-v3/include/bits/hashtable.h and
//! libstdc++-v3/src/c++11/hashtable_c++0x.cc, GCC 11 and later):
//! - `std::hash<unsigned long>` is the identity, so a key's bucket is `key % buckets`;
//! - `_M_insert_unique_node` first asks `_Prime_rehash_policy::_M_need_rehash` whether to
//!   grow, then inserts the node at the front of its bucket: into an empty bucket means at
//!   the front of the whole list, into a non-empty one means just before the bucket's first
//!   node;
//! - `_M_rehash_aux` re-links the old list, in its order, into the new buckets by the same
//!   rule (so it is equivalent to re-inserting the keys in list order);
//! - assigning to an existing key keeps its node where it is;
//! - `clear()` (Spike's `commit_log_reset`, before every instruction) drops the nodes but
//!   keeps the bucket count and the policy's `_M_next_resize`, so the table only grows;
//! - `_M_need_rehash(n_bkt, n_elt, 1)`: when `n_elt + 1 > next_resize`, the minimum bucket
//!   count is `max(n_elt + 1, next_resize == 0 ? 11 : 0)` (max load factor 1.0); when that is
//!   `>= n_bkt` the table grows to `_M_next_bkt(max(min + 1, 2 * n_bkt))`, otherwise
//!   `next_resize = n_bkt`;
//! - `_M_next_bkt(n)`: for `n < 14` the table `{2,2,2,3,5,5,7,7,11,11,11,11,13,13}[n]`
//!   (`n == 0` gives 1 and leaves `next_resize`), else the first prime `>= n` of
//!   `__prime_list`; `next_resize` becomes the new bucket count.
//!
//! So the first insertion ever makes 13 buckets, and a scalar instruction (at most a
//! handful of writes) never grows the table beyond that; the model keeps the general rule
//! anyway, one instance per hart, living across instructions as Spike's map does.

/// Spike's key for a register write: `reg << 4 | kind` (riscv/decode_macros.h `WRITE_REG`,
/// `WRITE_FREG`; riscv/csrs.cc `csr_t::log_special_write`).
pub mod key {
    /// An integer register (x0 is inserted too, but never printed).
    pub fn x(r: u8) -> u64 {
        (r as u64 & 31) << 4
    }
    /// An FP register.
    pub fn f(r: u8) -> u64 {
        (r as u64 & 31) << 4 | 1
    }
    /// A CSR.
    pub fn csr(addr: u16) -> u64 {
        (addr as u64 & 0xfff) << 4 | 4
    }
}

/// `__fast_bkt` of `_Prime_rehash_policy::_M_next_bkt`.
const FAST_BKT: [usize; 14] = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];

/// The start of libstdc++'s `__prime_list` (libstdc++-v3/src/shared/hashtable-aux.cc), far
/// beyond what a scalar instruction's handful of writes can reach.
const PRIMES: [usize; 40] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109, 113, 127,
    137, 139, 149, 157, 167, 179, 193, 199, 211, 227, 241,
];

/// The node order of one `std::unordered_map<reg_t, _>` with identity hashing.
#[derive(Clone, Debug)]
pub struct StdHashOrder {
    buckets: usize,
    next_resize: usize,
    /// The keys in list (iteration) order.
    list: Vec<u64>,
}

impl Default for StdHashOrder {
    fn default() -> Self {
        StdHashOrder::new()
    }
}

impl StdHashOrder {
    /// A default-constructed map: one bucket, nothing allocated (`_M_next_resize == 0`).
    pub fn new() -> StdHashOrder {
        StdHashOrder { buckets: 1, next_resize: 0, list: Vec::with_capacity(16) }
    }

    /// The current bucket count.
    pub fn bucket_count(&self) -> usize {
        self.buckets
    }

    /// `clear()`: no nodes, same buckets and rehash threshold.
    pub fn clear(&mut self) {
        self.list.clear();
    }

    /// The keys in iteration order.
    pub fn keys(&self) -> &[u64] {
        &self.list
    }

    /// `map[key] = ...`: inserts `key` if absent (an existing key keeps its place).
    pub fn insert(&mut self, key: u64) {
        if self.list.contains(&key) {
            return;
        }
        if let Some(n) = self.need_rehash(self.list.len()) {
            self.rehash(n);
        }
        link(&mut self.list, key, self.buckets);
    }

    /// `_M_need_rehash(buckets, n_elt, 1)`: the new bucket count, if the table grows.
    fn need_rehash(&mut self, n_elt: usize) -> Option<usize> {
        // `n_elt + 1 > next_resize` is the libstdc++ test.
        if n_elt < self.next_resize {
            return None;
        }
        let min_bkts = (n_elt + 1).max(if self.next_resize == 0 { 11 } else { 0 });
        if min_bkts >= self.buckets {
            return Some(self.next_bkt((min_bkts + 1).max(self.buckets * 2)));
        }
        self.next_resize = self.buckets;
        None
    }

    /// `_M_next_bkt(n)`, updating the rehash threshold.
    fn next_bkt(&mut self, n: usize) -> usize {
        if n < FAST_BKT.len() {
            if n == 0 {
                return 1;
            }
            self.next_resize = FAST_BKT[n];
            return FAST_BKT[n];
        }
        // lower_bound over the list from its 7th entry; past the stored part, stop growing.
        let p = PRIMES[6..].iter().copied().find(|&p| p >= n).unwrap_or(PRIMES[PRIMES.len() - 1]);
        self.next_resize = p;
        p
    }

    /// `_M_rehash_aux(n, true_type)`: re-links the nodes, in list order, into `n` buckets.
    fn rehash(&mut self, n: usize) {
        let old = std::mem::take(&mut self.list);
        self.buckets = n;
        for k in old {
            link(&mut self.list, k, n);
        }
    }
}

/// Links a new node for `key` as `_M_insert_bucket_begin` does: first in its bucket if the
/// bucket has nodes, else at the front of the list.
fn link(list: &mut Vec<u64>, key: u64, buckets: usize) {
    let b = key % buckets as u64;
    match list.iter().position(|&k| k % buckets as u64 == b) {
        Some(i) => list.insert(i, key),
        None => list.insert(0, key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(keys: &[u64]) -> Vec<u64> {
        let mut m = StdHashOrder::new();
        for &k in keys {
            m.insert(k);
        }
        m.keys().to_vec()
    }

    #[test]
    fn first_insert_allocates_13_buckets() {
        let mut m = StdHashOrder::new();
        assert_eq!(m.bucket_count(), 1);
        m.insert(160);
        // max(1, 11) = 11 >= 1: _M_next_bkt(max(12, 2)) = __fast_bkt[12] = 13.
        assert_eq!(m.bucket_count(), 13);
        m.clear();
        assert_eq!(m.bucket_count(), 13, "clear keeps the buckets");
        assert!(m.keys().is_empty());
    }

    #[test]
    fn distinct_buckets_print_newest_first() {
        // x10 (160 % 13 = 4) then mscratch (0x340 << 4 | 4 = 13316, % 13 = 4): same bucket,
        // the later one goes first in it.
        assert_eq!(run(&[key::csr(0x340), key::x(10)]), vec![key::x(10), key::csr(0x340)]);
        // fflags (20 % 13 = 7) then x10 (bucket 4): empty bucket, x10 to the front.
        assert_eq!(run(&[key::csr(1), key::x(10)]), vec![key::x(10), key::csr(1)]);
        // f1 (17 % 13 = 4), mstatus (12292 % 13 = 7), fflags (20 % 13 = 7): mstatus to the
        // front, fflags before mstatus in bucket 7.
        assert_eq!(run(&[key::f(1), key::csr(0x300), key::csr(1)]), vec![key::csr(1), key::csr(0x300), key::f(1)]);
    }

    #[test]
    fn x0_holds_a_place_in_bucket_0() {
        // 0, then x1 (bucket 3) to the front, then x13 (208 % 13 = 0) just before x0.
        assert_eq!(run(&[0, key::x(1), key::x(13)]), vec![key::x(1), key::x(13), 0]);
        // Without x0 the bucket is empty and x13 goes to the front.
        assert_eq!(run(&[key::x(1), key::x(13)]), vec![key::x(13), key::x(1)]);
    }

    #[test]
    fn reassigning_keeps_the_node() {
        assert_eq!(run(&[key::csr(0x300), key::x(5), key::csr(0x300)]), vec![key::x(5), key::csr(0x300)]);
    }

    #[test]
    fn growth_past_13_rehashes_in_list_order() {
        let mut m = StdHashOrder::new();
        for r in 1..=13 {
            m.insert(key::x(r));
        }
        assert_eq!(m.bucket_count(), 13);
        // 14 > next_resize 13: min 14 >= 13, _M_next_bkt(max(15, 26)) = 29.
        m.insert(key::x(14));
        assert_eq!(m.bucket_count(), 29);
        assert_eq!(m.keys().len(), 14);
        // Hand-checked: x14 (224 % 29 = 21) lands in an empty bucket, so at the front.
        assert_eq!(m.keys()[0], key::x(14));
        // Re-linking is re-inserting in the old list order.
        let before: Vec<u64> = {
            let mut n = StdHashOrder::new();
            for r in 1..=13 {
                n.insert(key::x(r));
            }
            n.keys().to_vec()
        };
        let mut expect = Vec::new();
        for &k in &before {
            link(&mut expect, k, 29);
        }
        link(&mut expect, key::x(14), 29);
        assert_eq!(m.keys(), &expect[..]);
    }

    #[test]
    fn buckets_only_grow_across_clears() {
        let mut m = StdHashOrder::new();
        for r in 1..=14 {
            m.insert(key::x(r));
        }
        m.clear();
        m.insert(key::x(1));
        assert_eq!(m.bucket_count(), 29);
    }
}
