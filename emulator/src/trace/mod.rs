//! Observing execution: the Spike-format commit log, the disassembly trace, the JSON-lines
//! event trace and the end-of-run statistics.
