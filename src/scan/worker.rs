//! The scan worker: one thread captures frames into a single "latest frame" slot (a slow decode drops
//! frames instead of queueing them), another decodes the latest frame and reports each new presentation
//! of a QR code. Events go to a channel; `wake` is called after each (the window's repaint). A failing
//! source is reported and reopened with a growing pause; the app never stops because a camera did.

use super::decode::{Assembler, Decoder};
use super::frame::{Frame, FrameError};
use super::presentation::Presentations;
use super::source::SourceSpec;
use crate::card::{self, Detection};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A QR code presented to the camera.
#[derive(Debug, Clone)]
pub struct CodeEvent {
    pub text: String,
    /// What the payload is (BHYT, CCCD, …) or why it is unusable.
    pub detection: Detection,
    /// Where the code is in the frame.
    pub corners: Vec<(f32, f32)>,
    pub frame_size: (u32, u32),
    /// When the frame that was read arrived from the source.
    pub captured_at: Instant,
    pub decode_ms: f64,
}

/// What the worker reports.
#[derive(Debug, Clone)]
pub enum ScanEvent {
    /// The source is running (at start or after a failure): what it is.
    SourceReady(String),
    /// A frame for the preview.
    Frame(Arc<Frame>),
    /// A new presentation of a QR code.
    Code(Box<CodeEvent>),
    /// The source failed (unplugged camera, unreadable image); it is retried.
    SourceError(String),
    /// A decoder stage panicked on a frame; it was contained and skipped.
    DecoderPanic(&'static str),
    /// A finite source has no more frames.
    Ended,
}

/// Longest pause between two attempts to reopen a failed source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long `stop` waits for the threads.
pub const STOP_WAIT: Duration = Duration::from_secs(2);
/// Widest preview frame sent to the window (larger frames are halved until they fit).
pub const PREVIEW_MAX_WIDTH: u32 = 800;
/// Consecutive failed frames after which the source is closed and reopened.
const FAILURES_BEFORE_REOPEN: u32 = 3;

#[derive(Default)]
struct Slot {
    frame: Option<(Arc<Frame>, Instant)>,
    /// The newest frame captured, kept after the decoder took it (for OCR).
    newest: Option<Arc<Frame>>,
    /// When the decoder last read a code on a frame (new presentation or not).
    code_seen_at: Option<Instant>,
    ended: bool,
}

type Shared = Arc<(Mutex<Slot>, Condvar)>;

/// A running worker; stopping (or dropping) it ends both threads.
pub struct ScanWorker {
    stop: Arc<AtomicBool>,
    shared: Shared,
    threads: Vec<JoinHandle<()>>,
}

type Wake = Arc<dyn Fn() + Send + Sync>;

/// A view of the newest full-size frame a worker captured (for reading the card's text off it).
#[derive(Clone)]
pub struct FrameTap(Shared);

impl FrameTap {
    pub fn newest(&self) -> Option<Arc<Frame>> {
        self.0.0.lock().ok().and_then(|s| s.newest.clone())
    }

    /// How long ago a code was last read on a frame; `None` if never.
    pub fn since_code(&self) -> Option<Duration> {
        self.0.0.lock().ok().and_then(|s| s.code_seen_at).map(|t| t.elapsed())
    }
}

impl ScanWorker {
    /// The newest full-size frame, now and later.
    pub fn tap(&self) -> FrameTap {
        FrameTap(self.shared.clone())
    }

    pub fn start(spec: SourceSpec, decoder: Decoder, events: Sender<ScanEvent>, wake: Wake) -> ScanWorker {
        let stop = Arc::new(AtomicBool::new(false));
        let shared: Shared = Arc::default();
        let capture = {
            let (stop, shared, events, wake) = (stop.clone(), shared.clone(), events.clone(), wake.clone());
            std::thread::Builder::new()
                .name("tiepdon-capture".into())
                .spawn(move || capture(spec, &stop, &shared, &events, &*wake))
        };
        let decode = {
            let (stop, shared) = (stop.clone(), shared.clone());
            std::thread::Builder::new()
                .name("tiepdon-decode".into())
                .spawn(move || decode_loop(decoder, &stop, &shared, &events, &*wake))
        };
        let threads = [capture, decode].into_iter().filter_map(Result::ok).collect();
        ScanWorker { stop, shared, threads }
    }

    /// Stops both threads and waits for them, at most [`STOP_WAIT`]: a camera that went silent can block
    /// its read forever, and that thread is then left to end on its own.
    pub fn stop(mut self) {
        self.halt();
        let deadline = Instant::now() + STOP_WAIT;
        for t in self.threads.drain(..) {
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }

    fn halt(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.shared.1.notify_all();
    }
}

impl Drop for ScanWorker {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Sleeps up to `d`, waking early when asked to stop.
fn pause(stop: &AtomicBool, d: Duration) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::SeqCst) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
    }
}

fn capture(
    spec: SourceSpec,
    stop: &AtomicBool,
    shared: &Shared,
    events: &Sender<ScanEvent>,
    wake: &(dyn Fn() + Send + Sync),
) {
    let send = |e: ScanEvent| {
        let _ = events.send(e);
        wake();
    };
    let mut backoff = Duration::from_millis(250);
    // The preview last sent: a new one goes out only once the receiver has dropped it, so a slow or
    // paused window never lets previews pile up in the channel.
    let mut preview: Option<Arc<Frame>> = None;
    'open: while !stop.load(Ordering::SeqCst) {
        // Opening and reading run third-party code (camera driver bindings, image decoders): a panic
        // there is a source failure like any other.
        let opened = catch_unwind(AssertUnwindSafe(|| spec.open()))
            .unwrap_or_else(|_| Err(FrameError("the frame source failed unexpectedly".into())));
        let mut source = match opened {
            Ok(s) => s,
            Err(e) => {
                send(ScanEvent::SourceError(e.to_string()));
                pause(stop, backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        send(ScanEvent::SourceReady(source.describe()));
        let mut failures = 0;
        while !stop.load(Ordering::SeqCst) {
            let next = catch_unwind(AssertUnwindSafe(|| source.next_frame()))
                .unwrap_or_else(|_| Err(FrameError("the frame source failed unexpectedly".into())));
            match next {
                Ok(Some(frame)) => {
                    failures = 0;
                    backoff = Duration::from_millis(250);
                    let frame = Arc::new(frame);
                    if preview.as_ref().is_none_or(|p| Arc::strong_count(p) == 1) {
                        let copy = Arc::new(frame.for_preview(PREVIEW_MAX_WIDTH));
                        preview = Some(copy.clone());
                        send(ScanEvent::Frame(copy));
                    }
                    if let Ok(mut slot) = shared.0.lock() {
                        slot.newest = Some(frame.clone());
                        slot.frame = Some((frame, Instant::now()));
                    }
                    shared.1.notify_all();
                }
                Ok(None) => {
                    if let Ok(mut slot) = shared.0.lock() {
                        slot.ended = true;
                    }
                    shared.1.notify_all();
                    return;
                }
                Err(e) => {
                    send(ScanEvent::SourceError(e.to_string()));
                    if source.errors_are_per_item() {
                        continue; // that item was skipped; the source goes on
                    }
                    failures += 1;
                    if failures >= FAILURES_BEFORE_REOPEN {
                        drop(source);
                        pause(stop, backoff);
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue 'open;
                    }
                }
            }
        }
    }
}

fn decode_loop(
    decoder: Decoder,
    stop: &AtomicBool,
    shared: &Shared,
    events: &Sender<ScanEvent>,
    wake: &(dyn Fn() + Send + Sync),
) {
    let mut presentations = Presentations::default();
    let mut assembler = Assembler::default();
    loop {
        let next = {
            let Ok(mut slot) = shared.0.lock() else { return };
            loop {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(frame) = slot.frame.take() {
                    break Some(frame);
                }
                if slot.ended {
                    break None;
                }
                slot = match shared.1.wait_timeout(slot, Duration::from_millis(200)) {
                    Ok((s, _)) => s,
                    Err(_) => return,
                };
            }
        };
        let Some((frame, captured_at)) = next else {
            let _ = events.send(ScanEvent::Ended);
            wake();
            return;
        };
        let started = Instant::now();
        let outcome = decoder.decode(&frame);
        let decode_ms = started.elapsed().as_secs_f64() * 1e3;
        for stage in outcome.panicked {
            let _ = events.send(ScanEvent::DecoderPanic(stage));
        }
        // One part of a multi-symbol code is not a read until the others have been shown.
        let decoded = outcome.decoded.and_then(|d| assembler.add(d, Instant::now()));
        let read = decoded.as_ref().map(|d| d.text.as_str());
        if read.is_some()
            && let Ok(mut slot) = shared.0.lock()
        {
            slot.code_seen_at = Some(Instant::now());
        }
        if let (Some(text), Some(d)) = (presentations.observe(read), decoded) {
            let event = CodeEvent {
                detection: card::detect(&text),
                text,
                corners: d.corners,
                frame_size: (frame.width, frame.height),
                captured_at,
                decode_ms,
            };
            let _ = events.send(ScanEvent::Code(Box::new(event)));
            wake();
        }
    }
}
