//! Fault injection for the block device (`--drive FILE,errors=...`, docs/platform.md):
//! which read and write requests fail with `VIRTIO_BLK_S_IOERR` (virtio 1.2 5.2.6).
//!
//! Every choice is deterministic: the Nth read or Mth write request (counted from 1 on
//! this drive), every request (or every write) covering one sector (a bad spot on the
//! medium), or each (or each write)
//! request with probability P from a seeded generator. A failed request moves no data:
//! the image is unchanged and the driver's buffers are not written.

/// What to fail. Parsed from the `errors=` items of `--drive` ([`FaultPlan::parse_item`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    /// Fail the Nth read (IN) request.
    pub read: Option<u64>,
    /// Fail the Mth write (OUT) request.
    pub write: Option<u64>,
    /// Fail every read or write request that covers this sector.
    pub sector: Option<u64>,
    /// Fail every write request that covers this sector (reads of it succeed).
    pub wsector: Option<u64>,
    /// Fail each read or write request with this probability (0..=1).
    pub rate: f64,
    /// Fail each write request with this probability (reads are not drawn for).
    pub wrate: f64,
    /// Seed of the generator behind `rate`.
    pub seed: u64,
}

/// A malformed `errors=` item.
#[derive(Debug, thiserror::Error)]
#[error(
    "bad --drive error item `{0}`: expected read:N, write:M, sector:S, wsector:S, rate:P, wrate:P (0..=1) or seed:S"
)]
pub struct BadFaultItem(pub String);

impl FaultPlan {
    /// Applies one `key:value` item (`read:3`, `write:10`, `sector:2048`, `rate:0.01`,
    /// `seed:7`). Counts are 1-based: `read:0` is refused.
    pub fn parse_item(&mut self, item: &str) -> Result<(), BadFaultItem> {
        let bad = || BadFaultItem(item.to_string());
        let (k, v) = item.split_once(':').ok_or_else(bad)?;
        let num = || v.parse::<u64>().map_err(|_| bad());
        match k {
            "read" | "write" => {
                let n = num()?;
                if n == 0 {
                    return Err(bad());
                }
                *if k == "read" { &mut self.read } else { &mut self.write } = Some(n);
            }
            "sector" => self.sector = Some(num()?),
            "wsector" => self.wsector = Some(num()?),
            "seed" => self.seed = num()?,
            "rate" | "wrate" => {
                let p: f64 = v.parse().map_err(|_| bad())?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(bad());
                }
                *if k == "rate" { &mut self.rate } else { &mut self.wrate } = p;
            }
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// Whether anything is to fail.
    pub fn active(&self) -> bool {
        self.read.is_some()
            || self.write.is_some()
            || self.sector.is_some()
            || self.wsector.is_some()
            || self.rate > 0.0
            || self.wrate > 0.0
    }
}

/// The plan and its state on one drive.
#[derive(Clone, Debug, Default)]
pub struct Injector {
    plan: FaultPlan,
    reads: u64,
    writes: u64,
    rng: u64,
    /// Requests failed on purpose (reads, writes).
    pub failed_reads: u64,
    pub failed_writes: u64,
}

impl Injector {
    /// An injector following `plan`.
    pub fn new(plan: FaultPlan) -> Injector {
        let rng = plan.seed;
        Injector { plan, rng, ..Injector::default() }
    }

    /// splitmix64: a small, well-mixed generator (reproducible from the seed).
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Called once per well-formed read (`write == false`) or write request for sectors
    /// `sector..sector + count`: whether it is to fail (and counts it if so).
    pub fn fails(&mut self, write: bool, sector: u64, count: u64) -> bool {
        if !self.plan.active() {
            return false;
        }
        let n = if write { &mut self.writes } else { &mut self.reads };
        *n += 1;
        let nth = if write { self.plan.write } else { self.plan.read };
        let mut fail = nth == Some(*n);
        let covers = |s: u64| s >= sector && s - sector < count;
        fail |= self.plan.sector.is_some_and(covers);
        fail |= write && self.plan.wsector.is_some_and(covers);
        let p = if write { self.plan.rate.max(self.plan.wrate) } else { self.plan.rate };
        if p > 0.0 {
            // 53 random bits as a fraction in [0, 1).
            let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
            fail |= x < p;
        }
        if fail {
            if write {
                self.failed_writes += 1;
            } else {
                self.failed_reads += 1;
            }
        }
        fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(items: &[&str]) -> FaultPlan {
        let mut p = FaultPlan::default();
        for i in items {
            p.parse_item(i).unwrap();
        }
        p
    }

    #[test]
    fn nth_read_and_write() {
        let mut j = Injector::new(plan(&["read:2", "write:1"]));
        assert!(!j.fails(false, 0, 1));
        assert!(j.fails(true, 0, 1));
        assert!(j.fails(false, 0, 1));
        assert!(!j.fails(false, 0, 1));
        assert!(!j.fails(true, 0, 1));
        assert_eq!((j.failed_reads, j.failed_writes), (1, 1));
    }

    #[test]
    fn sector_fails_every_covering_request() {
        let mut j = Injector::new(plan(&["sector:10"]));
        assert!(!j.fails(false, 0, 10));
        assert!(j.fails(false, 8, 4));
        assert!(j.fails(true, 10, 1));
        assert!(!j.fails(false, 11, 1));
        let mut j = Injector::new(plan(&["wsector:10"]));
        assert!(!j.fails(false, 10, 1));
        assert!(j.fails(true, 9, 2));
    }

    #[test]
    fn rate_is_deterministic_and_near_p() {
        let run = |seed| {
            let mut j = Injector::new(plan(&["rate:0.1", &format!("seed:{seed}")]));
            (0..10_000).map(|i| j.fails(i % 2 == 0, 0, 1)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let n = run(7).iter().filter(|&&f| f).count();
        assert!((800..1200).contains(&n), "{n} failures of 10000 at rate 0.1");
    }

    #[test]
    fn bad_items_are_refused() {
        let mut p = FaultPlan::default();
        for bad in ["read:0", "read", "rate:2", "rate:x", "bogus:1", "write:-1"] {
            assert!(p.parse_item(bad).is_err(), "{bad}");
        }
    }
}
