//! Benchmark (integer, branchy): insertion sort and heap sort of pseudo-random arrays,
//! repeated; checks the result is sorted.
#![no_std]
#![no_main]

use isa_tests::{entry, println};

entry!(main);

const N: usize = 4096;
static mut A: [u32; N] = [0; N];

fn fill(a: &mut [u32], seed: u32) {
    let mut x = seed;
    for e in a.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *e = x;
    }
}

fn heapsort(a: &mut [u32]) {
    let n = a.len();
    let sift = |a: &mut [u32], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && a[child] < a[child + 1] {
            child += 1;
        }
        if a[root] >= a[child] {
            break;
        }
        a.swap(root, child);
        root = child;
    };
    for i in (0..n / 2).rev() {
        sift(a, i, n);
    }
    for end in (1..n).rev() {
        a.swap(0, end);
        sift(a, 0, end);
    }
}

fn insertion(a: &mut [u32]) {
    for i in 1..a.len() {
        let v = a[i];
        let mut j = i;
        while j > 0 && a[j - 1] > v {
            a[j] = a[j - 1];
            j -= 1;
        }
        a[j] = v;
    }
}

fn main() -> u32 {
    // SAFETY: single-threaded bare-metal program; A is only used here.
    let a = unsafe { &mut *core::ptr::addr_of_mut!(A) };
    let mut sum = 0u64;
    for round in 0..300 {
        fill(a, 0x9e37_79b9 ^ round);
        heapsort(a);
        if a.windows(2).any(|w| w[0] > w[1]) {
            println!("bench_sort: heapsort failed");
            return 1;
        }
        sum = sum.wrapping_add(a[N / 2] as u64);
    }
    for round in 0..2 {
        fill(&mut a[..1024], 0x1234_5678 ^ round);
        insertion(&mut a[..1024]);
        if a[..1024].windows(2).any(|w| w[0] > w[1]) {
            println!("bench_sort: insertion sort failed");
            return 1;
        }
    }
    println!("bench_sort: ok, median sum {sum}");
    0
}
