//! Scanning: frame sources (webcam, file, folder, demo), the QR decoder cascade, once-per-presentation
//! tracking and the worker threads that tie them together. Uses `card` to classify what it reads; no
//! SQLite, no UI.

pub mod camera;
pub mod decode;
pub mod frame;
pub mod presentation;
pub mod source;
pub mod synth;
pub mod worker;

pub use decode::{Decoded, Decoder};
pub use frame::{Frame, FrameError};
pub use presentation::Presentations;
pub use source::{FrameSource, SourceSpec};
pub use worker::{CodeEvent, FrameTap, ScanEvent, ScanWorker};
