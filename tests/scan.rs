//! The scanner end to end: generated QR codes pasted into noisy webcam-sized frames (plain, inverted,
//! rotated), frames with no code, a contained decoder panic, the folder and demo sources, the worker's
//! once-per-presentation events and failing source, and `tiepdon scan --json` through the binary.

mod common;

use common::{json_lines, tiepdon};
use qrcode::{Color, QrCode};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};
use tiepdon::card;
use tiepdon::scan::decode::{Decoded, RxingHybrid, Stage};
use tiepdon::scan::presentation::DEFAULT_GONE_AFTER;
use tiepdon::scan::{Decoder, Frame, ScanEvent, ScanWorker, SourceSpec};

const BHYT: &str = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|20/10/1990|1|-|01 - 065|09/01/2018|31/12/2018|10/01/2018|01090123456789|-|4| 01/08/2019|0a1b2c3d4e5f6a7b-7102|$";
const CCCD: &str = "001090123456|012345678|Nguyễn Văn An|01011990|Nam|Số 1 Ngõ 2, Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021";

/// xorshift64*: deterministic noise.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// A value in `lo..hi`.
    fn between(&mut self, lo: u8, hi: u8) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        lo + ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % u64::from(hi - lo)) as u8
    }
}

/// A `w`×`h` frame of noise in 60..200 (a busy desk, no code).
fn noise(w: u32, h: u32, seed: u64) -> Frame {
    let mut rng = Rng::new(seed);
    Frame::new(w, h, (0..w * h).map(|_| rng.between(60, 200)).collect()).expect("buffer matches")
}

/// Where a QR code sits in a frame, in pixels, quiet zone excluded.
#[derive(Debug, Clone, Copy)]
struct Placed {
    x: f32,
    y: f32,
    side: f32,
    module: f32,
}

/// Paints `text` as a QR code at 4 px per module with a 4-module quiet zone whose top-left corner is
/// (x, y); dark modules in 20..60, light ones in 200..240 (noise on the code itself).
fn paste_qr(frame: &mut Frame, text: &str, x: usize, y: usize, seed: u64) -> Placed {
    const MODULE: usize = 4;
    const QUIET: usize = 4;
    let code = QrCode::new(text.as_bytes()).expect("the payload fits a QR code");
    let (n, colors) = (code.width(), code.to_colors());
    let total = (n + 2 * QUIET) * MODULE;
    let w = frame.width as usize;
    assert!(x + total <= w && y + total <= frame.height as usize, "the code fits the frame");
    let mut rng = Rng::new(seed);
    for py in 0..total {
        for px in 0..total {
            let (mx, my) = ((px / MODULE).wrapping_sub(QUIET), (py / MODULE).wrapping_sub(QUIET));
            let dark = mx < n && my < n && colors[my * n + mx] == Color::Dark;
            frame.luma[(y + py) * w + x + px] =
                if dark { rng.between(20, 60) } else { rng.between(200, 240) };
        }
    }
    let at = |v: usize| (v + QUIET * MODULE) as f32;
    Placed { x: at(x), y: at(y), side: (n * MODULE) as f32, module: MODULE as f32 }
}

/// A noisy frame with `text` pasted at (x, y).
fn qr_frame(w: u32, h: u32, text: &str, x: usize, y: usize, seed: u64) -> (Frame, Placed) {
    let mut frame = noise(w, h, seed);
    let placed = paste_qr(&mut frame, text, x, y, seed + 1000);
    (frame, placed)
}

/// The 720p test frame: the BHYT payload at an odd offset.
fn bhyt_720p() -> (Frame, Placed) {
    qr_frame(1280, 720, BHYT, 517, 203, 1)
}

/// Decodes with the standard cascade; asserts no stage panicked.
fn read(frame: &Frame) -> Option<Decoded> {
    let outcome = Decoder::standard().decode(frame);
    assert_eq!(outcome.panicked, Vec::<&str>::new(), "no stage panicked on {frame:?}");
    outcome.decoded
}

/// The corners (mapped by `back` into the unrotated frame) lie on the pasted square, within 3 modules,
/// and span most of it.
fn assert_corners_on(d: &Decoded, at: Placed, back: impl Fn((f32, f32)) -> (f32, f32)) {
    assert!(d.corners.len() >= 3, "at least three corner points: {:?}", d.corners);
    let pts: Vec<(f32, f32)> = d.corners.iter().copied().map(back).collect();
    let slack = 3.0 * at.module;
    for &(x, y) in &pts {
        assert!(
            (at.x - slack..=at.x + at.side + slack).contains(&x)
                && (at.y - slack..=at.y + at.side + slack).contains(&y),
            "corner ({x}, {y}) outside the code at {at:?}; all: {pts:?}"
        );
    }
    let span = |f: fn(&(f32, f32)) -> f32| {
        let v: Vec<f32> = pts.iter().map(f).collect();
        v.iter().copied().fold(f32::MIN, f32::max) - v.iter().copied().fold(f32::MAX, f32::min)
    };
    assert!(span(|p| p.0) > at.side / 2.0 && span(|p| p.1) > at.side / 2.0, "corners span the code: {pts:?}");
}

/// A fresh, empty folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tiepdon-scan-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write_png(path: &Path, frame: &Frame) {
    image::GrayImage::from_raw(frame.width, frame.height, frame.luma.clone())
        .expect("buffer matches")
        .save(path)
        .expect("PNG written");
}

/// Small frames for the folder, worker and CLI tests (over 512 px, so only the 720p stages run).
fn small_qr(text: &str, seed: u64) -> Frame {
    qr_frame(640, 360, text, 101, 37, seed).0
}

#[test]
fn reads_a_generated_bhyt_qr_in_a_noisy_720p_frame() {
    let (frame, at) = bhyt_720p();
    let d = read(&frame).expect("the pasted code is read");
    assert_eq!(d.text, BHYT);
    let detection = card::detect(&d.text);
    assert!(detection.result.is_ok(), "the read payload parses: {detection:?}");
    assert_corners_on(&d, at, |p| p);
}

#[test]
fn reads_an_inverted_code_light_on_dark() {
    let (frame, at) = bhyt_720p();
    let dark_mode = frame.inverted();
    assert!(dark_mode.luma[(at.y as usize - 2) * 1280 + at.x as usize] < 60, "the quiet zone is dark");
    let d = read(&dark_mode).expect("the inverted code is read");
    assert_eq!(d.text, BHYT);
    assert_corners_on(&d, at, |p| p);
}

#[test]
fn reads_a_rotated_code() {
    let (frame, at) = bhyt_720p();
    let (w, h) = (frame.width as f32, frame.height as f32);
    for turns in 1..=3 {
        let rotated = frame.rotated(turns);
        let d = read(&rotated).unwrap_or_else(|| panic!("read after {turns} quarter turns"));
        assert_eq!(d.text, BHYT, "{turns} quarter turns");
        // Back from the rotated frame (clockwise turns) to the original one.
        assert_corners_on(&d, at, |(x, y)| match turns {
            1 => (y, h - x),
            2 => (w - x, h - y),
            _ => (w - y, x),
        });
    }
}

#[test]
fn a_frame_without_a_code_reads_nothing() {
    let frames = [noise(1280, 720, 7), noise(1280, 720, 8), noise(480, 320, 9), Frame::blank(1280, 720, 200)];
    for frame in &frames {
        assert_eq!(read(frame), None, "no false positive on {frame:?}");
    }
}

struct PanickingStage;

impl Stage for PanickingStage {
    fn name(&self) -> &'static str {
        "panicking-stage"
    }
    fn read(&self, _: &Frame) -> Option<Decoded> {
        panic!("a decoder bug (deliberate, contained by the cascade)")
    }
}

#[test]
fn a_panicking_stage_is_contained_and_the_next_stage_reads() {
    let decoder = Decoder::with_stages(vec![Box::new(PanickingStage), Box::new(RxingHybrid)]);
    assert_eq!(decoder.stage_names(), ["panicking-stage", "rxing-hybrid"]);
    let outcome = decoder.decode(&bhyt_720p().0);
    assert_eq!(outcome.decoded.map(|d| (d.text, d.stage)), Some((BHYT.to_string(), "rxing-hybrid")));
    assert_eq!(outcome.panicked, ["panicking-stage"]);
}

#[test]
fn folder_source_replays_every_image_once_then_ends() {
    let dir = temp_dir("folder");
    let frames = [small_qr(BHYT, 11), small_qr(CCCD, 12), noise(640, 360, 13)];
    for (name, frame) in ["1-a.png", "2-b.png", "3-blank.png"].iter().zip(&frames) {
        write_png(&dir.join(name), frame);
    }
    std::fs::write(dir.join("notes.txt"), "not an image").unwrap();
    let spec = SourceSpec::Folder { path: dir.clone(), fps: 0, looping: false };
    let mut source = spec.open().unwrap_or_else(|e| panic!("folder opens: {e}"));
    assert_eq!(source.describe(), "3 images");
    for (i, want) in frames.iter().enumerate() {
        assert_eq!(source.next_frame().unwrap().as_ref(), Some(want), "frame {i} in name order");
    }
    assert_eq!(source.next_frame(), Ok(None));
    assert_eq!(source.next_frame(), Ok(None), "a finished source stays finished");

    let empty = temp_dir("folder-empty");
    std::fs::write(empty.join("readme.txt"), "no images here").unwrap();
    let err = SourceSpec::Folder { path: empty.clone(), fps: 0, looping: false }.open().err();
    assert!(err.is_some_and(|e| e.0.contains("no images")), "a folder without images is an error");

    let broken = temp_dir("folder-broken");
    write_png(&broken.join("1.png"), &frames[0]);
    std::fs::write(broken.join("2.png"), b"\x89PNG\r\n\x1a\n truncated").unwrap();
    write_png(&broken.join("3.png"), &frames[1]);
    let mut source = SourceSpec::Folder { path: broken.clone(), fps: 0, looping: false }.open().unwrap();
    assert_eq!(source.next_frame().unwrap().as_ref(), Some(&frames[0]));
    assert!(source.next_frame().is_err(), "the broken image is an error");
    assert_eq!(source.next_frame().unwrap().as_ref(), Some(&frames[1]), "and is skipped");
    assert_eq!(source.next_frame(), Ok(None));
    for d in [dir, empty, broken] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn demo_source_shows_sample_cards_from_the_manifest() {
    let manifest = std::fs::read_to_string(tiepdon::scan::source::demo_dir().join("manifest.jsonl")).unwrap();
    let payloads: Vec<String> = manifest
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["payload"].as_str().unwrap().to_string())
        .collect();
    let mut source = SourceSpec::Demo(tiepdon::scan::source::DemoPace::DESK)
        .open()
        .unwrap_or_else(|e| panic!("demo opens: {e}"));
    let decoder = Decoder::standard();
    // Each card is held 45 frames, then 20 frames of the scene out of focus: the second card shows from
    // frame 65 on. A frame equal to the previous one is not decoded again.
    let (mut last, mut read): (Option<Frame>, Vec<String>) = (None, Vec::new());
    for i in 0..70 {
        let frame = source.next_frame().unwrap().unwrap_or_else(|| panic!("the demo loops, frame {i}"));
        assert_eq!((frame.width, frame.height), (1280, 720));
        if last.as_ref() != Some(&frame) {
            if let Some(d) = decoder.decode(&frame).decoded {
                assert!(payloads.contains(&d.text), "frame {i} read a manifest payload: {}", d.text);
                if !read.contains(&d.text) {
                    read.push(d.text);
                }
            }
            last = Some(frame);
        }
    }
    assert!(read.len() >= 2, "at least two distinct cards in 70 frames: {read:?}");
}

#[test]
fn the_demo_gap_shows_the_desk_out_of_focus_not_a_blank_grey_frame() {
    let mut source = SourceSpec::Demo(tiepdon::scan::source::DemoPace::DESK)
        .open()
        .unwrap_or_else(|e| panic!("demo opens: {e}"));
    let card = source.next_frame().unwrap().expect("a card frame");
    for _ in 1..45 {
        source.next_frame().unwrap();
    }
    let gap = source.next_frame().unwrap().expect("a gap frame");
    assert_ne!(gap, card);
    let (lo, hi) = gap.luma.iter().fold((255u8, 0u8), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    assert!(hi - lo > 40, "the gap still shows the scene (luma {lo}..{hi}), not one flat grey");
    let mean = |f: &Frame| f.luma.iter().map(|&p| u64::from(p)).sum::<u64>() / f.luma.len() as u64;
    assert!(mean(&gap).abs_diff(mean(&card)) < 12, "the same scene, only out of focus");
    assert!(Decoder::standard().decode(&gap).decoded.is_none(), "no code can be read in it");
}

/// Events until `Ended` (or `limit`), without the preview frames; also how many frames there were.
fn events_until_ended(rx: &Receiver<ScanEvent>, limit: Duration) -> (Vec<ScanEvent>, usize) {
    let (deadline, mut events, mut frames) = (Instant::now() + limit, Vec::new(), 0);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(ScanEvent::Frame(_)) => frames += 1,
            Ok(ScanEvent::Ended) => {
                events.push(ScanEvent::Ended);
                break;
            }
            Ok(e) => events.push(e),
            Err(_) => break,
        }
    }
    (events, frames)
}

#[test]
fn worker_reports_each_presentation_once() {
    let gap = DEFAULT_GONE_AFTER as usize + 5;
    let dir = temp_dir("worker");
    let (a, b, blank) = (small_qr(BHYT, 21), small_qr(CCCD, 22), noise(640, 360, 23));
    let mut sequence = vec![&a; 4];
    sequence.extend(vec![&blank; gap]);
    sequence.extend([&a, &a, &b, &b]);
    for (i, frame) in sequence.iter().enumerate() {
        write_png(&dir.join(format!("{i:03}.png")), frame);
    }
    // A debug build decodes a 640×360 noise frame in ~90 ms; at 5 fps no frame is dropped (the worker
    // keeps only the latest frame), so the decoder sees all the blank frames of the gap.
    let (tx, rx) = mpsc::channel();
    let spec = SourceSpec::Folder { path: dir.clone(), fps: 5, looping: false };
    let worker = ScanWorker::start(spec, Decoder::standard(), tx, Arc::new(|| {}));
    let (events, frames) = events_until_ended(&rx, Duration::from_secs(30));
    worker.stop();
    let _ = std::fs::remove_dir_all(&dir);

    assert!(
        matches!(events.first(), Some(ScanEvent::SourceReady(what)) if what == &format!("{} images", sequence.len())),
        "SourceReady first: {events:?}"
    );
    assert!(matches!(events.last(), Some(ScanEvent::Ended)), "the folder ends: {events:?}");
    assert_eq!(frames, sequence.len(), "every frame previewed");
    let codes: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            ScanEvent::Code(c) => Some(c.text.as_str()),
            ScanEvent::SourceReady(_) | ScanEvent::Ended => None,
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    assert_eq!(codes, [BHYT, BHYT, CCCD], "A, A again after it was gone, then B");
    for event in &events {
        if let ScanEvent::Code(c) = event {
            assert_eq!(c.frame_size, (640, 360));
            assert!(c.detection.result.is_ok() && c.corners.len() >= 3, "{c:?}");
        }
    }
}

/// The next `SourceError` within 10 s (skipping `SourceReady`).
fn next_source_error(rx: &Receiver<ScanEvent>) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(ScanEvent::SourceError(e)) => return e,
            Ok(ScanEvent::SourceReady(_)) => {}
            other => panic!("expected a source error, got {other:?}"),
        }
    }
}

#[test]
fn worker_reports_a_missing_file() {
    let dir = temp_dir("worker-missing");
    let missing = dir.join("no-such-card.png");
    let (tx, rx) = mpsc::channel();
    let worker = ScanWorker::start(SourceSpec::File(missing), Decoder::standard(), tx, Arc::new(|| {}));
    let error = next_source_error(&rx);
    assert!(error.contains("no-such-card.png"), "the error names the file: {error}");
    let started = Instant::now();
    worker.stop();
    assert!(started.elapsed() < Duration::from_secs(1), "stop took {:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn worker_retries_a_failing_source_and_stops_promptly_while_waiting() {
    let dir = temp_dir("worker-gone");
    let missing = dir.join("unplugged");
    let (tx, rx) = mpsc::channel();
    let spec = SourceSpec::Folder { path: missing, fps: 30, looping: true };
    let worker = ScanWorker::start(spec, Decoder::standard(), tx, Arc::new(|| {}));
    // Reopened after 250 ms, then 500 ms: the third error starts a 1 s pause that stop must cut short.
    for attempt in 0..3 {
        let error = next_source_error(&rx);
        assert!(error.contains("unplugged"), "attempt {attempt}: {error}");
    }
    let started = Instant::now();
    worker.stop();
    assert!(started.elapsed() < Duration::from_millis(500), "stop took {:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn worker_keeps_retrying_a_missing_file() {
    let dir = temp_dir("worker-retry");
    let (tx, rx) = mpsc::channel();
    let worker =
        ScanWorker::start(SourceSpec::File(dir.join("later.png")), Decoder::standard(), tx, Arc::new(|| {}));
    let (events, _) = events_until_ended(&rx, Duration::from_secs(3));
    worker.stop();
    let _ = std::fs::remove_dir_all(dir);
    let errors = events.iter().filter(|e| matches!(e, ScanEvent::SourceError(_))).count();
    assert!(errors >= 2, "the unreadable file is retried: {events:?}");
    assert!(!events.iter().any(|e| matches!(e, ScanEvent::Ended)), "the worker does not give up: {events:?}");
}

#[test]
fn cli_scan_json_reports_every_image_of_a_folder() {
    let dir = temp_dir("cli");
    write_png(&dir.join("a-bhyt.png"), &small_qr(BHYT, 31));
    write_png(&dir.join("b-cccd.png"), &small_qr(CCCD, 32));
    let out = tiepdon(&["scan", "--json", dir.to_str().unwrap()], "");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "all read, stderr: {stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "one line per image: {lines:?}");
    for (line, (name, text)) in lines.iter().zip([("a-bhyt.png", BHYT), ("b-cccd.png", CCCD)]) {
        let mut keys: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["codes", "image", "ms"], "no image_error when read: {line}");
        assert_eq!(line["image"].as_str(), Some(dir.join(name).to_str().unwrap()));
        assert!(line["ms"].as_f64().is_some_and(|ms| ms > 0.0), "{line}");
        let codes = line["codes"].as_array().unwrap();
        assert_eq!(codes.len(), 1, "{line}");
        let code = &codes[0];
        for key in ["text", "kind", "layout", "card", "error", "corners"] {
            assert!(code.get(key).is_some(), "code has {key}: {code}");
        }
        assert_eq!(code["text"].as_str(), Some(text));
        assert_eq!(code["error"], Value::Null, "{code}");
        assert!(
            code["corners"].as_array().is_some_and(|c| c.len() >= 3 && c[0].as_array().unwrap().len() == 2)
        );
    }
    let cccd = &lines[1]["codes"][0];
    assert_eq!((cccd["kind"].as_str(), cccd["layout"].as_str()), (Some("cccd"), Some("cccd-7")));
    assert_eq!(cccd["card"]["full_name"].as_str(), Some("Nguyễn Văn An"));
    assert_eq!(lines[0]["codes"][0]["kind"].as_str(), Some("bhyt"));

    std::fs::write(dir.join("c-broken.png"), b"\x89PNG\r\n\x1a\n truncated").unwrap();
    let out = tiepdon(&["scan", "--json", dir.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1), "a broken image is a rejection");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["codes"][0]["text"].as_str(), Some(BHYT), "the good images are still read");
    let broken = &lines[2];
    assert_eq!(broken["image"].as_str(), Some(dir.join("c-broken.png").to_str().unwrap()));
    assert!(broken["image_error"].as_str().is_some_and(|e| !e.is_empty()), "{broken}");
    assert_eq!(broken["codes"], Value::Array(vec![]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_frames_scan_into_check_ins_of_demo_patients() {
    let dir = std::env::temp_dir().join(format!("tiepdon-scan-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let scanned = tiepdon(&["scan", "--payloads", demo.to_str().unwrap()], "");
    assert!(scanned.status.success());
    let payloads = String::from_utf8(scanned.stdout).unwrap();
    assert_eq!(payloads.lines().count(), 6, "every demo frame reads");
    let db_arg = db.to_str().unwrap();
    assert!(tiepdon(&["--db", db_arg, "demo-data", "--cards", "20"], "").status.success());
    let out = tiepdon(&["--db", db_arg, "checkin", "--stdin", "--operator", "t", "--force"], &payloads);
    let visits = json_lines(&out);
    assert_eq!(visits.len(), 6, "{}", String::from_utf8_lossy(&out.stderr));
    for v in &visits {
        assert_eq!(v["verdict"]["source"], "roster", "every demo patient is in the demo roster: {v}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The four symbols of one structured-append message (zxing-cpp's samples), in order.
fn structured_append_parts() -> (Vec<PathBuf>, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/structured-append");
    let parts = (1..=4).map(|i| dir.join(format!("01-0{i}.png"))).collect();
    let whole = std::fs::read_to_string(dir.join("01.txt")).expect("the whole message");
    (parts, whole)
}

#[test]
fn one_symbol_of_a_structured_append_message_is_a_part_not_a_read() {
    let (parts, whole) = structured_append_parts();
    let outcome = Decoder::standard().decode(&Frame::open(&parts[1]).unwrap());
    let d = outcome.decoded.expect("the symbol is read");
    let seq = d.sequence.expect("and known to be a part");
    assert_eq!((seq.index, seq.size), (1, 4));
    assert!(whole.contains(&d.text) && d.text.len() < whole.len() / 2, "its text is a piece of the message");
}

#[test]
fn cli_scan_joins_the_parts_of_a_structured_append_message_shown_in_turn() {
    let (parts, whole) = structured_append_parts();
    let dir = temp_dir("structured-append");
    // Out of order, as a receptionist might show them.
    for (i, from) in [2usize, 0, 3, 1].iter().enumerate() {
        std::fs::copy(&parts[*from], dir.join(format!("{i}.png"))).unwrap();
    }
    let out = tiepdon(&["scan", "--json", dir.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "every image read: {}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4);
    let shown: Vec<&str> = lines.iter().map(|l| l["part"].as_str().unwrap_or("-")).collect();
    assert_eq!(shown, ["3/4", "1/4", "4/4", "2/4"]);
    for line in &lines[..3] {
        assert_eq!(line["codes"], Value::Array(vec![]), "no read before the last part: {line}");
    }
    assert_eq!(lines[3]["codes"][0]["text"].as_str(), Some(whole.as_str()), "the whole message, in order");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_worker_reports_a_structured_append_message_once_all_parts_were_seen() {
    let (parts, whole) = structured_append_parts();
    let dir = temp_dir("structured-append-worker");
    for (i, p) in parts.iter().enumerate() {
        std::fs::copy(p, dir.join(format!("{i}.png"))).unwrap();
    }
    let (tx, rx) = mpsc::channel();
    // At 5 fps no part is dropped (the worker keeps only the latest frame).
    let spec = SourceSpec::Folder { path: dir.clone(), fps: 5, looping: false };
    let worker = ScanWorker::start(spec, Decoder::standard(), tx, Arc::new(|| {}));
    let (events, _) = events_until_ended(&rx, Duration::from_secs(30));
    worker.stop();
    let texts: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            ScanEvent::Code(c) => Some(c.text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec![whole], "one event, the joined message, never a part");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A modelled chip-CCCD frame (src/scan/synth.rs) the zoom reads: its small dense code is located by
/// zxing-cpp but not decoded until cut out and enlarged.
#[test]
fn the_zoom_reads_a_small_dense_cccd_code_zxing_cpp_alone_cannot() {
    use tiepdon::scan::decode::{ZOOM_STAGE, ZxingCpp};
    use tiepdon::scan::synth::render;
    let (kind, index) = ZOOMED_FRAME;
    let shot = render(kind, index, SYNTH_SEED);
    let frame = Frame::decode(&{
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, shot.jpeg_quality)
            .encode(&shot.rgb, shot.width, shot.height, image::ExtendedColorType::Rgb8)
            .unwrap();
        jpeg
    })
    .unwrap();
    let payload = shot.payload.expect("the frame shows a code");
    assert_eq!(payload.split('|').count() % 4, 3, "a 7- or 11-field CCCD payload: {payload}");
    let alone = ZxingCpp { zoom: &[], ..ZxingCpp::STANDARD };
    assert_eq!(alone.read(&frame), None, "zxing-cpp alone does not read it");
    let d = read(&frame).expect("the cascade reads it");
    assert_eq!((d.text.as_str(), d.stage), (payload.as_str(), ZOOM_STAGE));
}

/// The seed `tiepdon bench-decode --synthetic` uses, and a frame of it the zoom reads (from
/// `target/bench-decode/reads.tsv`).
const SYNTH_SEED: u64 = 2026;
const ZOOMED_FRAME: (tiepdon::scan::synth::Kind, u64) = (tiepdon::scan::synth::Kind::SmallCode, 24);
