//! Frame sources behind one trait: a still image, a folder replayed at a frame rate, the built-in demo
//! (sample card frames from `assets/demo/`, each held for a while, then a blank gap) and the webcam
//! (`camera`). A source is opened on the capture thread from a [`SourceSpec`].

use super::camera::CameraSource;
use super::frame::{Frame, FrameError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Something that delivers frames, one at a time, blocking until the next is due.
pub trait FrameSource {
    /// What it is, for the header and the logs (`webcam 0: …`, `demo`, a file name).
    fn describe(&self) -> String;
    /// The next frame; `Ok(None)` when a finite source has ended.
    fn next_frame(&mut self) -> Result<Option<Frame>, FrameError>;
    /// True when an error concerns one item only (a broken image in a folder, already skipped), not
    /// the source: the worker reports it and goes on instead of reopening the source.
    fn errors_are_per_item(&self) -> bool {
        false
    }
}

/// Which source to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A webcam by index (`0`) or by (part of its) name, at the resolution closest to `size`.
    Camera { which: String, size: (u32, u32) },
    /// One image, delivered once.
    File(PathBuf),
    /// Every image of a folder in name order, at `fps`, looping or not.
    Folder { path: PathBuf, fps: u32, looping: bool },
    /// The demo card frames, looping at a pace.
    Demo(DemoPace),
}

/// The demo frames shipped with the app.
pub fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo")
}

impl SourceSpec {
    /// Opens the source (on the thread that will read it: a webcam handle stays on its thread).
    pub fn open(&self) -> Result<Box<dyn FrameSource>, FrameError> {
        Ok(match self {
            SourceSpec::Camera { which, size } => Box::new(CameraSource::open(which, *size)?),
            SourceSpec::File(path) => {
                // Read now: an unreadable file is a failure to open (retried), not a source that ends.
                let mut source = FolderSource::new(vec![path.clone()], 0, false, 1, 0)?;
                source.current = Some(Frame::open(path)?);
                Box::new(source)
            }
            SourceSpec::Folder { path, fps, looping } => {
                Box::new(FolderSource::new(image_files(path)?, *fps, *looping, 1, 0)?)
            }
            SourceSpec::Demo(p) => {
                Box::new(FolderSource::new(image_files(&demo_dir())?, p.fps, true, p.hold, p.gap)?)
            }
        })
    }
}

/// The demo source's frame rate, and how many frames each card is held and each gap between cards lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPace {
    pub fps: u32,
    pub hold: u32,
    pub gap: u32,
}

impl DemoPace {
    /// As at a desk: 15 frames a second, each card shown 3 s, 1.3 s between cards.
    pub const DESK: DemoPace = DemoPace { fps: 15, hold: 45, gap: 20 };
    /// For benchmarks: 60 frames a second, each card 3 frames, gaps long enough for a new presentation.
    pub const BENCH: DemoPace = DemoPace { fps: 60, hold: 3, gap: 18 };
}

/// The default camera resolution asked for: 1080p in MJPEG at 15 fps or more, or else 720p (see
/// `camera::choose_format`; a chip CCCD's small code reads twice as often at 1080p, BENCHMARKS.md).
pub const CAMERA_SIZE: (u32, u32) = (1920, 1080);

impl SourceSpec {
    /// Reads a source from the command line: `demo`, `camera`, `camera:1`, `camera:1@640x480`, an image
    /// file or a folder of images (played at 15 frames a second, looping).
    pub fn parse(s: &str) -> Result<SourceSpec, String> {
        let s = s.trim();
        if s == "demo" {
            return Ok(SourceSpec::Demo(DemoPace::DESK));
        }
        if let Some(rest) = s.strip_prefix("camera") {
            let rest = rest.strip_prefix(':').unwrap_or(rest);
            let (which, size) = match rest.split_once('@') {
                Some((w, size)) => {
                    let (x, y) =
                        size.split_once('x').ok_or_else(|| format!("bad resolution {size}: use WxH"))?;
                    let px = |v: &str| v.parse::<u32>().ok().filter(|n| (16..=8192).contains(n));
                    (w, (px(x).ok_or("bad width")?, px(y).ok_or("bad height")?))
                }
                None => (rest, CAMERA_SIZE),
            };
            let which = if which.is_empty() { "0" } else { which };
            return Ok(SourceSpec::Camera { which: which.to_string(), size });
        }
        let path = PathBuf::from(s);
        if path.is_dir() {
            Ok(SourceSpec::Folder { path, fps: 15, looping: true })
        } else if path.is_file() {
            Ok(SourceSpec::File(path))
        } else {
            Err(format!("no such source: {s} (use demo, camera, camera:N, an image file or a folder)"))
        }
    }
}

/// The image files of a folder (PNG, JPEG, WebP), in name order.
pub fn image_files(dir: &Path) -> Result<Vec<PathBuf>, FrameError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| FrameError(format!("cannot read {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg" | "webp"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(FrameError(format!("no images in {}", dir.display())));
    }
    Ok(files)
}

/// Images replayed in order: each held for `hold` frames, then `gap` frames of the same scene out of
/// focus (the card taken away); at `fps` (0 = as fast as asked).
pub struct FolderSource {
    files: Vec<PathBuf>,
    interval: Option<Duration>,
    looping: bool,
    hold: u32,
    gap: u32,
    index: usize,
    step: u32,
    current: Option<Frame>,
    /// The current image out of focus, for the gap.
    gap_frame: Option<Frame>,
    next_due: Instant,
}

impl FolderSource {
    pub fn new(
        files: Vec<PathBuf>,
        fps: u32,
        looping: bool,
        hold: u32,
        gap: u32,
    ) -> Result<FolderSource, FrameError> {
        if files.is_empty() {
            return Err(FrameError("no images to replay".into()));
        }
        Ok(FolderSource {
            files,
            interval: (fps > 0).then(|| Duration::from_secs(1) / fps),
            looping,
            hold: hold.max(1),
            gap,
            index: 0,
            step: 0,
            current: None,
            gap_frame: None,
            next_due: Instant::now(),
        })
    }
}

impl FrameSource for FolderSource {
    fn errors_are_per_item(&self) -> bool {
        self.files.len() > 1
    }

    fn describe(&self) -> String {
        match self.files.as_slice() {
            [one] => one.display().to_string(),
            many => format!("{} images", many.len()),
        }
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.index >= self.files.len() {
            if !self.looping {
                return Ok(None);
            }
            self.index = 0;
        }
        if let Some(interval) = self.interval {
            let now = Instant::now();
            if self.next_due > now {
                std::thread::sleep(self.next_due - now);
            }
            self.next_due = self.next_due.max(now) + interval;
        }
        if self.current.is_none() {
            match Frame::open(&self.files[self.index]) {
                Ok(frame) => self.current = Some(frame),
                Err(e) => {
                    self.index += 1; // a broken image is skipped, not retried forever
                    return Err(e);
                }
            }
        }
        let frame = match &self.current {
            Some(f) if self.step < self.hold => f.clone(),
            Some(f) => self.gap_frame.get_or_insert_with(|| f.defocused()).clone(),
            None => return Ok(None),
        };
        self.step += 1;
        if self.step >= self.hold + self.gap {
            self.step = 0;
            self.current = None;
            self.gap_frame = None;
            self.index += 1;
        }
        Ok(Some(frame))
    }
}
