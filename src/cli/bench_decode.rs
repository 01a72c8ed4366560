//! `tiepdon bench-decode [DIR…] [--synthetic]`: the decoder cascade against the corpora, with zxing-cpp
//! (Python wheel; as is, enlarged 2×, turned) measured in the same run on the same files. A zxing-style
//! corpus has `index.tsv` (set, image, expected-text file) and `*falsepositives*` folders of photos
//! without a QR; a synthetic corpus has `manifest.jsonl` (image, exact payload or null, and the frame's
//! size if not 1280×720); `--synthetic` makes the modelled ones (`scan::synth`) first.

use super::{CommandResult, Outcome};
use crate::card;
use crate::scan::decode::{
    Assembler, Decoder, Halved, Inverted, Named, Rqrr, RxingGlobal, RxingHybrid, RxingMulti, Smoothed, Stage,
    Upscaled, Zoom, ZxingCpp,
};
use crate::scan::frame::Frame;
use crate::scan::source::image_files;
use crate::scan::synth;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct BenchDecodeArgs {
    /// Corpus folders (e.g. ../shared/corpus/zxing ../shared/corpus/synthetic-dev).
    pub dirs: Vec<PathBuf>,
    /// Also make (once, cached under --work) and score the modelled corpora: QR codes on phone screens
    /// photographed by a webcam, and small dense chip-CCCD codes (src/scan/synth.rs).
    #[arg(long)]
    pub synthetic: bool,
    /// Frames per modelled corpus.
    #[arg(long, default_value_t = 140)]
    pub synthetic_count: usize,
    /// Seed of the modelled corpora.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Also run each candidate stage alone on every image: its reads, the reads no other stage of the
    /// cascade makes, false positives and cost (how the cascade was chosen).
    #[arg(long)]
    pub stages: bool,
    /// Skip the zxing-cpp reference (needs `pip install zxing-cpp pillow`).
    #[arg(long)]
    pub no_reference: bool,
    /// Also decode every zxing image rotated by 90°, 180° and 270° (counts and panics).
    #[arg(long)]
    pub rotations: bool,
    /// Also measure rqrr alone on the same images.
    #[arg(long)]
    pub rqrr: bool,
    /// Where resized frames and the file list are written.
    #[arg(long, default_value = "target/bench-decode")]
    pub work: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Group {
    /// An image with a QR code and its exact expected text.
    Qr,
    /// A photo without any QR code (any read is a false positive).
    NoQr,
}

struct Case {
    corpus: String,
    path: PathBuf,
    group: Group,
    expected: Option<Vec<u8>>,
    /// A webcam-sized frame ("1280×720", "1920×1080"), timed apart; `None` for other images.
    frame: Option<&'static str>,
    /// Also decoded rotated with `--rotations` (the zxing-style corpora).
    rotate: bool,
}

fn zxing_cases(dir: &Path, work: &Path) -> Result<Vec<Case>, String> {
    let corpus = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let index =
        std::fs::read_to_string(dir.join("index.tsv")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut cases = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(set), Some(image), Some(text)) = (cols.first(), cols.get(1), cols.get(2)) else { continue };
        let expected = std::fs::read(dir.join(set).join(text)).map_err(|e| format!("{set}/{text}: {e}"))?;
        let path = dir.join(set).join(image);
        cases.push(Case {
            corpus: corpus.clone(),
            path,
            group: Group::Qr,
            expected: Some(expected),
            frame: None,
            rotate: true,
        });
    }
    let fp720 = work.join("fp720");
    std::fs::create_dir_all(&fp720).map_err(|e| format!("{}: {e}", fp720.display()))?;
    let mut sets: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("falsepositives")))
        .collect();
    sets.sort();
    for set in sets {
        for path in image_files(&set).map_err(|e| e.to_string())? {
            // The same photo at webcam size: what a frame with no card costs.
            let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let name = format!("{}-{stem}.png", set.file_name().unwrap_or_default().to_string_lossy());
            let resized = fp720.join(name);
            if !resized.exists() {
                let frame = Frame::open(&path).map_err(|e| e.to_string())?.resized(1280, 720);
                image::GrayImage::from_raw(1280, 720, frame.luma)
                    .ok_or("resize failed")?
                    .save(&resized)
                    .map_err(|e| format!("{}: {e}", resized.display()))?;
            }
            cases.push(Case {
                corpus: corpus.clone(),
                path,
                group: Group::NoQr,
                expected: None,
                frame: None,
                rotate: true,
            });
            cases.push(Case {
                corpus: corpus.clone(),
                path: resized,
                group: Group::NoQr,
                expected: None,
                frame: Some(SIZE_720),
                rotate: false,
            });
        }
    }
    Ok(cases)
}

const SIZE_720: &str = "1280×720";
const SIZE_1080: &str = "1920×1080";

fn manifest_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let corpus = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let text =
        std::fs::read_to_string(dir.join("manifest.jsonl")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut cases = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let entry: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let path = dir.join(entry["image"].as_str().unwrap_or_default());
        let expected = entry["payload"].as_str().map(|p| p.as_bytes().to_vec());
        let group = if expected.is_some() { Group::Qr } else { Group::NoQr };
        // The synthetic-dev frames are all 1280×720; the modelled corpora say their size.
        let frame = match (entry["width"].as_u64(), entry["height"].as_u64()) {
            (None, None) | (Some(1280), Some(720)) => Some(SIZE_720),
            (Some(1920), Some(1080)) => Some(SIZE_1080),
            _ => None,
        };
        cases.push(Case { corpus: corpus.clone(), path, group, expected, frame, rotate: true });
    }
    Ok(cases)
}

/// What one decoder made of one image.
#[derive(Clone, Default)]
struct Read {
    texts: Vec<Vec<u8>>,
    ms: f64,
    panicked: bool,
    /// zxing-cpp on the image enlarged 2× first.
    texts2x: Vec<Vec<u8>>,
    /// zxing-cpp on the image turned by 90, 180 and 270° (with `--rotations`).
    rotated: Vec<Vec<Vec<u8>>>,
}

/// A decoder's read of one frame, and the stage that made it. With an assembler, the parts of a
/// structured-append message, one image each, are joined in corpus order (as a webcam sees them one
/// after another); a lone part counts as a different text.
fn ours(decoder: &Decoder, frame: &Frame, assembler: Option<&mut Assembler>) -> (Read, &'static str) {
    let started = Instant::now();
    let outcome = decoder.decode(frame);
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let stage = outcome.decoded.as_ref().map_or("", |d| d.stage);
    let decoded = match (outcome.decoded, assembler) {
        (Some(d), Some(assembler)) if d.sequence.is_some() => {
            Some(assembler.add(d.clone(), Instant::now()).unwrap_or(d))
        }
        (decoded, _) => decoded,
    };
    let read = Read {
        ms,
        texts: decoded.map(|d| d.text.into_bytes()).into_iter().collect(),
        panicked: !outcome.panicked.is_empty(),
        ..Read::default()
    };
    (read, stage)
}

fn reference(cases: &[Case], work: &Path, rotations: bool) -> Result<HashMap<PathBuf, Read>, String> {
    let list = work.join("images.tsv");
    let body: String = cases.iter().map(|c| format!("{}\n", c.path.display())).collect();
    std::fs::write(&list, body).map_err(|e| e.to_string())?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/zxingcpp_decode.py");
    let mut command = Command::new("python3");
    command.arg(&script).arg(&list);
    if rotations {
        command.arg("--rotations");
    }
    let out = command.output().map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "zxing-cpp reference failed (pip install zxing-cpp pillow): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut reads = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let list = |v: &serde_json::Value| -> Vec<Vec<u8>> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str())
                .map(|t| t.as_bytes().to_vec())
                .collect()
        };
        let texts = |key: &str| list(&v[key]);
        let read = Read {
            texts: texts("texts"),
            ms: v["ms"].as_f64().unwrap_or(0.0),
            panicked: false,
            texts2x: texts("texts2x"),
            rotated: v["rotated"].as_array().into_iter().flatten().map(list).collect(),
        };
        reads.insert(PathBuf::from(v["image"].as_str().unwrap_or_default()), read);
    }
    Ok(reads)
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

/// The figures of one decoder on one corpus.
#[derive(Default)]
struct Score {
    qr: usize,
    exact: usize,
    parsed: usize,
    wrong: usize,
    no_qr: usize,
    false_positives: usize,
    panics: usize,
    /// zxing-cpp only: exact reads of the image enlarged 2×.
    exact2x: usize,
    /// Milliseconds per image, by (frame size or "image", with a QR).
    ms: Vec<((&'static str, bool), Vec<f64>)>,
    /// Exact reads and images with a QR, by frame size.
    by_size: Vec<(&'static str, usize, usize)>,
}

impl Score {
    fn add(&mut self, case: &Case, read: &Read) {
        self.panics += usize::from(read.panicked);
        let key = (case.frame.unwrap_or("image"), case.group == Group::Qr);
        match self.ms.iter_mut().find(|(k, _)| *k == key) {
            Some((_, times)) => times.push(read.ms),
            None => self.ms.push((key, vec![read.ms])),
        }
        match &case.expected {
            Some(want) => {
                self.qr += 1;
                self.exact2x += usize::from(read.texts2x.iter().any(|t| t == want));
                let hit = read.texts.iter().any(|t| t == want);
                let size = case.frame.unwrap_or("image");
                match self.by_size.iter_mut().find(|(k, _, _)| *k == size) {
                    Some((_, e, n)) => (*e, *n) = (*e + usize::from(hit), *n + 1),
                    None => self.by_size.push((size, usize::from(hit), 1)),
                }
                if hit {
                    self.exact += 1;
                    let parses =
                        String::from_utf8(want.clone()).is_ok_and(|t| card::detect(&t).result.is_ok());
                    self.parsed += usize::from(parses);
                } else if !read.texts.is_empty() {
                    self.wrong += 1;
                }
            }
            None => {
                self.no_qr += 1;
                self.false_positives += usize::from(!read.texts.is_empty());
            }
        }
    }
}

fn row(name: &str, ours: String, theirs: Option<String>, ratio: Option<String>) {
    println!(
        "| {name} | {ours} | {} | {} |",
        theirs.unwrap_or_else(|| "—".into()),
        ratio.unwrap_or_else(|| "—".into())
    );
}

fn print_corpus(corpus: &str, ours: &mut Score, theirs: Option<&mut Score>, rqrr: Option<&Score>) {
    println!("\n### {corpus}\n");
    println!("| measure | tiepdon | zxing-cpp | tiepdon / zxing-cpp |");
    println!("|---|---:|---:|---:|");
    let count = |s: &Score| format!("{} / {}", s.exact, s.qr);
    let ratio = |a: f64, b: f64| format!("{:.2}", a / b);
    let t = theirs.map(|s| s as &mut Score);
    match t {
        Some(t) => {
            row(
                "exact decodes",
                count(ours),
                Some(count(t)),
                Some(format!("{:+}", ours.exact as i64 - t.exact as i64)),
            );
            if ours.by_size.len() > 1 {
                for (i, (size, e, n)) in ours.by_size.iter().enumerate() {
                    let (te, tn) = t.by_size.get(i).map_or((0, 0), |(_, e, n)| (*e, *n));
                    row(
                        &format!("exact decodes, {size} frames"),
                        format!("{e} / {n}"),
                        Some(format!("{te} / {tn}")),
                        Some(format!("{:+}", *e as i64 - te as i64)),
                    );
                }
            }
            row("decoded but different text", ours.wrong.to_string(), Some(t.wrong.to_string()), None);
            row(
                "exact decodes that parse as a card",
                ours.parsed.to_string(),
                Some(t.parsed.to_string()),
                None,
            );
            row(
                "false positives (no-QR images)",
                format!("{} / {}", ours.false_positives, ours.no_qr),
                Some(format!("{} / {}", t.false_positives, t.no_qr)),
                None,
            );
            row("decoder panics (contained)", ours.panics.to_string(), Some("—".into()), None);
            row(
                "zxing-cpp on the image enlarged 2× (bicubic)",
                "—".into(),
                Some(format!("{} / {}", t.exact2x, t.qr)),
                Some(format!("{:+}", ours.exact as i64 - t.exact2x as i64)),
            );
            let mut keys: Vec<(&str, bool)> = ours.ms.iter().map(|(k, _)| *k).collect();
            keys.sort_by_key(|(size, qr)| (*size == "image", size.to_string(), !qr));
            for key in keys {
                let mut a =
                    ours.ms.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default();
                let mut b = t.ms.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default();
                let name = match key {
                    ("image", true) => "ms per QR image".to_string(),
                    ("image", false) => "ms per no-QR image".to_string(),
                    (size, true) => format!("ms per {size} frame with a QR"),
                    (size, false) => format!("ms per {size} frame without a QR"),
                };
                let (am, ap, bm, bp) = (
                    percentile(&mut a, 0.5),
                    percentile(&mut a, 0.95),
                    percentile(&mut b, 0.5),
                    percentile(&mut b, 0.95),
                );
                row(
                    &format!("{name}, median"),
                    format!("{am:.1}"),
                    Some(format!("{bm:.1}")),
                    Some(ratio(am, bm)),
                );
                row(
                    &format!("{name}, p95"),
                    format!("{ap:.1}"),
                    Some(format!("{bp:.1}")),
                    Some(ratio(ap, bp)),
                );
            }
        }
        None => {
            row("exact decodes", count(ours), None, None);
            row(
                "false positives (no-QR images)",
                format!("{} / {}", ours.false_positives, ours.no_qr),
                None,
                None,
            );
            row("decoder panics (contained)", ours.panics.to_string(), None, None);
            for (key, times) in &mut ours.ms {
                if let (size, true) = *key {
                    let (m, p) = (percentile(times, 0.5), percentile(times, 0.95));
                    row(
                        &format!("ms per {size} frame with a QR, median / p95"),
                        format!("{m:.1} / {p:.1}"),
                        None,
                        None,
                    );
                }
            }
        }
    }
    if let Some(r) = rqrr {
        row("rqrr alone: exact decodes / panics", format!("{} / {}", r.exact, r.panics), None, None);
    }
}

/// The stages measured one by one with `--stages`.
fn candidate_stages() -> Vec<Box<dyn Stage>> {
    let plain = ZxingCpp { zoom: &[], ..ZxingCpp::STANDARD };
    let zoomed = |name, zoom| Box::new(ZxingCpp { name, zoom, ..ZxingCpp::STANDARD }) as Box<dyn Stage>;
    vec![
        Box::new(ZxingCpp::STANDARD),
        Box::new(ZxingCpp { name: "zxing-cpp-no-zoom", ..plain }),
        zoomed("zxing-cpp-zoom-tight-3", &[Zoom::Tight { factor: 3 }]),
        zoomed("zxing-cpp-zoom-tight-2", &[Zoom::Tight { factor: 2 }]),
        zoomed("zxing-cpp-zoom-wide-400-2", &[Zoom::Wide { side: 400.0, factor: 2 }]),
        zoomed("zxing-cpp-zoom-wide-600-2", &[Zoom::Wide { side: 600.0, factor: 2 }]),
        zoomed(
            "zxing-cpp-zoom-tight-3-wide-400-3",
            &[Zoom::Tight { factor: 3 }, Zoom::Wide { side: 400.0, factor: 3 }],
        ),
        Box::new(ZxingCpp {
            name: "zxing-cpp-fast",
            try_harder: false,
            try_invert: false,
            try_downscale: false,
            ..plain
        }),
        Box::new(ZxingCpp { name: "zxing-cpp-no-invert", try_invert: false, ..plain }),
        Box::new(ZxingCpp { name: "zxing-cpp-no-downscale", try_downscale: false, ..plain }),
        Box::new(ZxingCpp {
            name: "zxing-cpp-global-histogram",
            binarizer: zxingcpp::Binarizer::GlobalHistogram,
            ..plain
        }),
        Box::new(Named(Halved(plain), "zxing-cpp-halved")),
        Box::new(Named(Smoothed(plain), "zxing-cpp-smoothed")),
        Box::new(RxingGlobal),
        Box::new(RxingHybrid),
        Box::new(RxingMulti),
        Box::new(Named(Inverted(RxingMulti), "rxing-multi-inverted")),
        Box::new(Named(Upscaled(RxingMulti), "rxing-multi-upscaled")),
        Box::new(Rqrr),
    ]
}

/// One candidate stage's figures over all the cases.
#[derive(Default)]
struct StageFigures {
    exact: Vec<bool>,
    false_positives: usize,
    wrong: usize,
    panics: usize,
    ms_720_no_qr: Vec<f64>,
    ms_720_qr: Vec<f64>,
}

/// Makes the modelled corpora under the work folder once (their folder names carry the model version
/// and seed) and returns their folders.
fn synthetic_corpora(args: &BenchDecodeArgs) -> Result<Vec<PathBuf>, String> {
    let mut dirs = Vec::new();
    for kind in [synth::Kind::Screen, synth::Kind::SmallCode, synth::Kind::DeskCard] {
        let dir = args.work.join(format!(
            "corpora/v{}-seed{}-n{}/{}",
            synth::MODEL_VERSION,
            args.seed,
            args.synthetic_count,
            kind.folder()
        ));
        if !dir.join("manifest.jsonl").exists() {
            eprintln!("Making {} frames of {} in {} …", args.synthetic_count, kind.folder(), dir.display());
            synth::write_corpus(kind, args.synthetic_count, args.seed, &dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        dirs.push(dir);
    }
    Ok(dirs)
}

pub fn bench_decode(args: &BenchDecodeArgs) -> CommandResult {
    std::fs::create_dir_all(&args.work)
        .map_err(|e| Outcome::Failed(format!("{}: {e}", args.work.display())))?;
    let mut dirs = args.dirs.clone();
    if args.synthetic {
        dirs.extend(synthetic_corpora(args).map_err(Outcome::Failed)?);
    }
    if dirs.is_empty() {
        return Err(Outcome::Failed("name corpus folders, or --synthetic".into()));
    }
    let mut cases = Vec::new();
    for dir in &dirs {
        let loaded =
            if dir.join("index.tsv").exists() { zxing_cases(dir, &args.work) } else { manifest_cases(dir) };
        cases.extend(loaded.map_err(Outcome::Failed)?);
    }
    let decoder = Decoder::standard();
    let rqrr_only = Decoder::with_stages(vec![Box::new(Rqrr) as Box<dyn Stage>]);
    let candidates: Vec<(&'static str, Decoder)> = if args.stages {
        candidate_stages().into_iter().map(|s| (s.name(), Decoder::with_stages(vec![s]))).collect()
    } else {
        Vec::new()
    };
    let mut figures: Vec<StageFigures> = candidates.iter().map(|_| StageFigures::default()).collect();
    let reference = if args.no_reference {
        None
    } else {
        Some(reference(&cases, &args.work, args.rotations).map_err(Outcome::Failed)?)
    };
    // Per corpus: ours, zxing-cpp, rqrr, ours turned, zxing-cpp turned.
    let mut scores: Vec<(String, Score, Score, Score, Score, Score)> = Vec::new();
    let mut assembler = Assembler::default();
    let mut cascade_exact = Vec::new();
    // Every image with a QR: corpus, image, tiepdon, zxing-cpp (1 = exact), the stage that read it.
    let mut reads = String::from("corpus\timage\ttiepdon\tzxing-cpp\tstage\n");
    let (mut jpeg_ms, mut luma_ms, mut luma1080_ms) = (Vec::new(), Vec::new(), Vec::new());
    for case in &cases {
        let started = Instant::now();
        let frame = Frame::open(&case.path).map_err(|e| Outcome::Failed(e.to_string()))?;
        // What a webcam's MJPEG frame costs to unpack: the image crate (colour, then grey) and straight
        // to luma, on the corpora's webcam-sized JPEGs.
        let jpeg = case.path.extension().is_some_and(|e| e == "jpg");
        if jpeg && case.frame == Some(SIZE_720) {
            jpeg_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        let luma_times = match case.frame {
            Some(SIZE_720) => Some(&mut luma_ms),
            Some(SIZE_1080) => Some(&mut luma1080_ms),
            _ => None,
        };
        if let Some(times) = luma_times.filter(|_| jpeg)
            && let Ok(bytes) = std::fs::read(&case.path)
        {
            let started = Instant::now();
            if Frame::from_jpeg_luma(&bytes).is_ok() {
                times.push(started.elapsed().as_secs_f64() * 1e3);
            }
        }
        if !scores.iter().any(|s| s.0 == case.corpus) {
            let d = Score::default;
            scores.push((case.corpus.clone(), d(), d(), d(), d(), d()));
        }
        let Some(score) = scores.iter_mut().find(|s| s.0 == case.corpus) else { continue };
        let (read, stage) = ours(&decoder, &frame, Some(&mut assembler));
        score.1.add(case, &read);
        cascade_exact.push(case.expected.as_ref().is_some_and(|want| read.texts.iter().any(|t| t == want)));
        let theirs = reference.as_ref().and_then(|r| r.get(&case.path));
        if let Some(r) = theirs {
            score.2.add(case, r);
        }
        if let Some(want) = &case.expected {
            let hit = |texts: &[Vec<u8>]| u8::from(texts.iter().any(|t| t == want));
            let (a, b) = (hit(&read.texts), theirs.map_or(0, |r| hit(&r.texts)));
            reads.push_str(&format!("{}\t{}\t{a}\t{b}\t{stage}\n", case.corpus, case.path.display()));
        }
        if args.rqrr {
            score.3.add(case, &ours(&rqrr_only, &frame, None).0);
        }
        if args.rotations && case.rotate {
            for turn in 1..4 {
                score.4.add(case, &ours(&decoder, &frame.rotated(turn), None).0);
                if let Some(texts) = theirs.and_then(|r| r.rotated.get(turn as usize - 1)) {
                    score.5.add(case, &Read { texts: texts.clone(), ..Read::default() });
                }
            }
        }
        for ((_, d), f) in candidates.iter().zip(figures.iter_mut()) {
            let read = ours(d, &frame, None).0;
            let exact = case.expected.as_ref().is_some_and(|want| read.texts.iter().any(|t| t == want));
            f.exact.push(exact);
            f.panics += usize::from(read.panicked);
            match case.group {
                Group::NoQr => f.false_positives += usize::from(!read.texts.is_empty()),
                Group::Qr => f.wrong += usize::from(!exact && !read.texts.is_empty()),
            }
            match (case.frame, case.group) {
                (Some(SIZE_720), Group::NoQr) => f.ms_720_no_qr.push(read.ms),
                (Some(SIZE_720), Group::Qr) => f.ms_720_qr.push(read.ms),
                _ => {}
            }
        }
    }
    let _ = std::fs::write(args.work.join("reads.tsv"), reads);
    println!("## Decoding (tiepdon cascade: {})", decoder.stage_names().join(" → "));
    for (corpus, ours, theirs, rq, _, _) in &mut scores {
        let theirs = reference.as_ref().map(|_| theirs);
        print_corpus(corpus, ours, theirs, args.rqrr.then_some(&*rq));
    }
    if !jpeg_ms.is_empty() {
        println!(
            "\nReading a 1280×720 MJPEG frame into luminance (before decoding): through the image crate \
             (colour, then grey) median {:.1} ms, p95 {:.1} ms; straight to luma (what the camera does) \
             median {:.1} ms, p95 {:.1} ms.",
            percentile(&mut jpeg_ms.clone(), 0.5),
            percentile(&mut jpeg_ms, 0.95),
            percentile(&mut luma_ms.clone(), 0.5),
            percentile(&mut luma_ms, 0.95)
        );
    }
    if !luma1080_ms.is_empty() {
        println!(
            "A 1920×1080 MJPEG frame straight to luma: median {:.1} ms, p95 {:.1} ms.",
            percentile(&mut luma1080_ms.clone(), 0.5),
            percentile(&mut luma1080_ms, 0.95)
        );
    }
    if args.rotations {
        println!("\nTurned by 90/180/270°:\n");
        println!(
            "| corpus | tiepdon exact | zxing-cpp exact | tiepdon − zxing-cpp | tiepdon false positives | \
             zxing-cpp false positives | tiepdon panics (contained) |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for (corpus, _, _, _, r, z) in &scores {
            if r.qr + r.no_qr > 0 {
                println!(
                    "| {corpus} | {} / {} | {} / {} | {:+} | {} / {} | {} / {} | {} |",
                    r.exact,
                    r.qr,
                    z.exact,
                    z.qr,
                    r.exact as i64 - z.exact as i64,
                    r.false_positives,
                    r.no_qr,
                    z.false_positives,
                    z.no_qr,
                    r.panics
                );
            }
        }
    }
    if args.stages {
        print_stages(&cases, &candidates, &mut figures, &cascade_exact);
    }
    Ok(Outcome::Done)
}

fn print_stages(
    cases: &[Case],
    candidates: &[(&'static str, Decoder)],
    figures: &mut [StageFigures],
    cascade: &[bool],
) {
    println!("\n### Each stage alone, on every image above\n");
    println!(
        "| stage | exact | not read by zxing-cpp (with zoom) | not read by the cascade | read by no other stage | wrong text | false positives | panics | \
         ms 720p no QR, median / p95 | ms 720p with QR, median / p95 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let first: Vec<bool> = figures.first().map(|f| f.exact.clone()).unwrap_or_default();
    for (i, (name, _)) in candidates.iter().enumerate() {
        let f = &figures[i];
        let beyond_first = f.exact.iter().zip(&first).filter(|(a, b)| **a && !**b).count();
        let beyond_cascade = f.exact.iter().zip(cascade).filter(|(a, b)| **a && !**b).count();
        let unique = (0..cases.len())
            .filter(|&c| f.exact[c] && figures.iter().enumerate().all(|(j, g)| j == i || !g.exact[c]))
            .count();
        let exact = f.exact.iter().filter(|e| **e).count();
        let (mut a, mut b) = (figures[i].ms_720_no_qr.clone(), figures[i].ms_720_qr.clone());
        let f = &figures[i];
        println!(
            "| {name} | {exact} | {beyond_first} | {beyond_cascade} | {unique} | {} | {} | {} | {:.1} / {:.1} | {:.1} / {:.1} |",
            f.wrong,
            f.false_positives,
            f.panics,
            percentile(&mut a.clone(), 0.5),
            percentile(&mut a, 0.95),
            percentile(&mut b.clone(), 0.5),
            percentile(&mut b, 0.95)
        );
    }
}
