//! The arrays the policies share: a dense set of resident page ids and an intrusive
//! doubly linked ring over them (2-byte indices), with capacity checked at compile time.

use super::{PageId, ReplaceError};

/// The index type of the policies' arrays: 2 bytes per page id and link, which halves
/// their size (the kernel keeps several policies of 32,768 ids in `static`s); hence
/// capacities up to `u16::MAX` ids (256 MiB of 4 KiB pages), checked at compile time.
pub(super) type Ix = u16;
pub(super) const NIL: Ix = Ix::MAX;

/// Compile-time check of a capacity (evaluated when a policy of capacity `N` is built).
pub(super) struct Capacity<const N: usize>;

impl<const N: usize> Capacity<N> {
    pub(super) const OK: () = assert!(N <= NIL as usize, "replacement policies hold at most u16::MAX page ids");
}

pub(super) fn check<const N: usize>(page: PageId) -> Result<usize, ReplaceError> {
    if page.idx() < N {
        Ok(page.idx())
    } else {
        Err(ReplaceError::OutOfRange)
    }
}

/// The set of tracked page ids as a dense array plus a position index: O(1) insert,
/// O(1) remove (the last id moves into the hole) and iteration over the tracked ids only,
/// whatever the capacity. Used by [`Aging`] and [`RandomPolicy`].
#[derive(Clone, Debug)]
pub(super) struct Resident<const N: usize> {
    /// `dense[..len]`: the tracked ids, in no particular order.
    pub(super) dense: [Ix; N],
    /// `pos[id]`: where `id` sits in `dense`, or `NIL` when untracked.
    pub(super) pos: [Ix; N],
    pub(super) len: usize,
}

impl<const N: usize> Resident<N> {
    pub(super) const fn new() -> Self {
        let () = Capacity::<N>::OK;
        Self { dense: [NIL; N], pos: [NIL; N], len: 0 }
    }

    /// Starts tracking `page`; its index.
    pub(super) fn add(&mut self, page: PageId) -> Result<usize, ReplaceError> {
        let i = check::<N>(page)?;
        if self.pos[i] != NIL {
            return Err(ReplaceError::AlreadyPresent);
        }
        self.dense[self.len] = i as Ix;
        self.pos[i] = self.len as Ix;
        self.len += 1;
        Ok(i)
    }

    /// Stops tracking `page`; its index.
    pub(super) fn remove(&mut self, page: PageId) -> Result<usize, ReplaceError> {
        let i = check::<N>(page)?;
        let k = self.pos[i];
        if k == NIL {
            return Err(ReplaceError::NotPresent);
        }
        self.take(k as usize);
        Ok(i)
    }

    /// Stops tracking the id at `dense[k]` (`k < len`) and returns it.
    pub(super) fn take(&mut self, k: usize) -> PageId {
        let id = self.dense[k];
        let last = self.dense[self.len - 1];
        self.dense[k] = last;
        self.pos[last as usize] = k as Ix;
        self.pos[id as usize] = NIL;
        self.len -= 1;
        PageId(id as u32)
    }

    /// The `k`-th tracked id (`k < len`).
    pub(super) fn id(&self, k: usize) -> u32 {
        self.dense[k] as u32
    }

    pub(super) fn has(&self, i: usize) -> bool {
        self.pos[i] != NIL
    }

    pub(super) fn contains(&self, page: PageId) -> bool {
        page.idx() < N && self.has(page.idx())
    }

    /// Untracks everything (O(tracked)).
    pub(super) fn clear(&mut self) {
        for &id in &self.dense[..self.len] {
            self.pos[id as usize] = NIL;
        }
        self.len = 0;
    }
}

/// The tracked page ids as a circular doubly linked list threaded through two arrays
/// (O(1) insert and remove, walks over tracked ids only). `head` is the oldest entry for
/// [`Fifo`] and the hand for [`Clock`]; new ids go just before it (at the tail).
#[derive(Clone, Debug)]
pub(super) struct Ring<const N: usize> {
    /// `next[id]`: the following id, or `NIL` when `id` is untracked.
    pub(super) next: [Ix; N],
    pub(super) prev: [Ix; N],
    pub(super) head: Ix,
    pub(super) len: usize,
}

impl<const N: usize> Ring<N> {
    pub(super) const fn new() -> Self {
        let () = Capacity::<N>::OK;
        Self { next: [NIL; N], prev: [NIL; N], head: NIL, len: 0 }
    }

    pub(super) fn contains(&self, page: PageId) -> bool {
        page.idx() < N && self.next[page.idx()] != NIL
    }

    /// Adds `page` just before the head (the tail of a FIFO; behind a clock's hand).
    pub(super) fn push_back(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = check::<N>(page)?;
        if self.next[i] != NIL {
            return Err(ReplaceError::AlreadyPresent);
        }
        let id = i as Ix;
        if self.head == NIL {
            self.next[i] = id;
            self.prev[i] = id;
            self.head = id;
        } else {
            let h = self.head;
            let t = self.prev[h as usize];
            self.next[i] = h;
            self.prev[i] = t;
            self.next[t as usize] = id;
            self.prev[h as usize] = id;
        }
        self.len += 1;
        Ok(())
    }

    /// Removes `page`; if it was the head, the head moves to its successor.
    pub(super) fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = check::<N>(page)?;
        if self.next[i] == NIL {
            return Err(ReplaceError::NotPresent);
        }
        self.unlink(i);
        Ok(())
    }

    /// Removes tracked index `i`.
    pub(super) fn unlink(&mut self, i: usize) {
        let (p, n) = (self.prev[i], self.next[i]);
        if n as usize == i {
            self.head = NIL;
        } else {
            self.next[p as usize] = n;
            self.prev[n as usize] = p;
            if self.head as usize == i {
                self.head = n;
            }
        }
        self.next[i] = NIL;
        self.prev[i] = NIL;
        self.len -= 1;
    }

    /// Calls `f` on every tracked id, from the head on.
    pub(super) fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        let mut cur = self.head;
        for _ in 0..self.len {
            f(PageId(cur as u32));
            cur = self.next[cur as usize];
        }
    }

    /// Untracks everything (O(tracked)).
    pub(super) fn clear(&mut self) {
        let mut cur = self.head;
        for _ in 0..self.len {
            let n = self.next[cur as usize];
            self.next[cur as usize] = NIL;
            self.prev[cur as usize] = NIL;
            cur = n;
        }
        self.head = NIL;
        self.len = 0;
    }
}
