//! Address translation (Privileged spec ch. 4.3-4.6). Placeholder until the MMU work lands:
//! only `satp.MODE = Bare` is accepted, so translation is never switched on.

use crate::bus::Bus;
use crate::hart::{Exception, Privilege};

/// The kind of access being translated; selects permission checks and the fault cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Fetch,
    Load,
    /// Stores and AMOs (including SC).
    Store,
}

/// What the hart tells the MMU about an access.
#[derive(Clone, Copy, Debug)]
pub struct TranslateCtx {
    pub satp: u64,
    /// Effective privilege of the access (MPRV already applied for loads and stores).
    pub prv: Privilege,
    pub sum: bool,
    pub mxr: bool,
}

/// MMU configuration from the command line.
#[derive(Clone, Copy, Debug, Default)]
pub struct MmuConfig {}

pub struct Mmu {
    _cfg: MmuConfig,
}

impl Mmu {
    pub fn new(cfg: MmuConfig) -> Mmu {
        Mmu { _cfg: cfg }
    }

    /// Whether a `satp.MODE` value is supported (unsupported writes are ignored).
    pub fn satp_mode_supported(&self, mode: u64) -> bool {
        mode == 0
    }

    /// Translates `va`; only called while paging is on.
    pub fn translate(
        &mut self,
        va: u64,
        access: Access,
        _ctx: &TranslateCtx,
        _bus: &mut Bus,
    ) -> Result<u64, Exception> {
        Err(match access {
            Access::Fetch => Exception::InstructionPageFault(va),
            Access::Load => Exception::LoadPageFault(va),
            Access::Store => Exception::StorePageFault(va),
        })
    }

    /// SFENCE.VMA with optional address and ASID (Privileged 4.2.1).
    pub fn sfence_vma(&mut self, _vaddr: Option<u64>, _asid: Option<u64>) {}
}
