//! tiepdon — the reception desk of a Vietnamese clinic: read BHYT and CCCD QR codes, decide coverage
//! offline, record visits.
//!
//! Layers, inner to outer: [`card`] (text → typed card) and [`coverage`] (card + local data + clinic +
//! time → verdict) are the pure domain core: no I/O, no SQLite, no camera, no UI. [`clock`] reads the
//! time; [`cli`] is the command-line adapter and [`ui`] the desk window.

pub mod card;
pub mod cli;
pub mod clock;
pub mod coverage;
pub mod demo;
pub mod desk;
pub mod export;
pub mod gateway;
pub mod ocr;
pub mod scan;
pub mod store;
#[cfg(feature = "window")]
pub mod ui;
