//! Adapters to services outside the clinic: the VSS gateway's online card check (`vss`), and what its
//! answers mean for a visit (`recheck`).

pub mod recheck;
pub mod vss;
