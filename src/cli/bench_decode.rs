//! `tiepdon bench-decode DIR…`: the decoder cascade against the corpora, with zxing-cpp (Python wheel)
//! measured in the same run on the same files. A zxing-style corpus has `index.tsv` (set, image,
//! expected-text file) and `*falsepositives*` folders of photos without a QR; a synthetic corpus has
//! `manifest.jsonl` (image, exact payload or null).

use super::{CommandResult, Outcome};
use crate::card;
use crate::scan::decode::{Decoder, Rqrr, Stage};
use crate::scan::frame::Frame;
use crate::scan::source::image_files;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct BenchDecodeArgs {
    /// Corpus folders (e.g. ../shared/corpus/zxing ../shared/corpus/synthetic-dev).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
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
    /// A 1280×720 frame (webcam size), for the per-frame cost.
    frame720: bool,
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
            frame720: false,
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
                frame720: false,
                rotate: true,
            });
            cases.push(Case {
                corpus: corpus.clone(),
                path: resized,
                group: Group::NoQr,
                expected: None,
                frame720: true,
                rotate: false,
            });
        }
    }
    Ok(cases)
}

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
        cases.push(Case { corpus: corpus.clone(), path, group, expected, frame720: true, rotate: false });
    }
    Ok(cases)
}

/// What one decoder made of one image.
#[derive(Clone, Default)]
struct Read {
    texts: Vec<Vec<u8>>,
    ms: f64,
    panicked: bool,
}

fn ours(decoder: &Decoder, frame: &Frame) -> Read {
    let started = Instant::now();
    let outcome = decoder.decode(frame);
    Read {
        ms: started.elapsed().as_secs_f64() * 1e3,
        texts: outcome.decoded.map(|d| d.text.into_bytes()).into_iter().collect(),
        panicked: !outcome.panicked.is_empty(),
    }
}

fn reference(cases: &[Case], work: &Path) -> Result<HashMap<PathBuf, Read>, String> {
    let list = work.join("images.tsv");
    let body: String = cases.iter().map(|c| format!("{}\n", c.path.display())).collect();
    std::fs::write(&list, body).map_err(|e| e.to_string())?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/zxingcpp_decode.py");
    let out =
        Command::new("python3").arg(&script).arg(&list).output().map_err(|e| format!("python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "zxing-cpp reference failed (pip install zxing-cpp pillow): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut reads = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let texts = v["texts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str())
            .map(|t| t.as_bytes().to_vec());
        let read = Read { texts: texts.collect(), ms: v["ms"].as_f64().unwrap_or(0.0), panicked: false };
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
    ms_qr: Vec<f64>,
    ms_no_qr: Vec<f64>,
    ms_720_qr: Vec<f64>,
    ms_720_no_qr: Vec<f64>,
}

impl Score {
    fn add(&mut self, case: &Case, read: &Read) {
        self.panics += usize::from(read.panicked);
        let times = match (case.frame720, case.group) {
            (true, Group::Qr) => &mut self.ms_720_qr,
            (true, Group::NoQr) => &mut self.ms_720_no_qr,
            (false, Group::Qr) => &mut self.ms_qr,
            (false, Group::NoQr) => &mut self.ms_no_qr,
        };
        times.push(read.ms);
        match &case.expected {
            Some(want) => {
                self.qr += 1;
                if read.texts.iter().any(|t| t == want) {
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
            for (name, a, b) in [
                ("ms per QR image", &mut ours.ms_qr, &mut t.ms_qr),
                ("ms per no-QR image", &mut ours.ms_no_qr, &mut t.ms_no_qr),
                ("ms per 1280×720 frame with a QR", &mut ours.ms_720_qr, &mut t.ms_720_qr),
                ("ms per 1280×720 frame without a QR", &mut ours.ms_720_no_qr, &mut t.ms_720_no_qr),
            ] {
                if a.is_empty() {
                    continue;
                }
                let (am, ap, bm, bp) =
                    (percentile(a, 0.5), percentile(a, 0.95), percentile(b, 0.5), percentile(b, 0.95));
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
        }
    }
    if let Some(r) = rqrr {
        row("rqrr alone: exact decodes / panics", format!("{} / {}", r.exact, r.panics), None, None);
    }
}

pub fn bench_decode(args: &BenchDecodeArgs) -> CommandResult {
    std::fs::create_dir_all(&args.work)
        .map_err(|e| Outcome::Failed(format!("{}: {e}", args.work.display())))?;
    let mut cases = Vec::new();
    for dir in &args.dirs {
        let loaded =
            if dir.join("index.tsv").exists() { zxing_cases(dir, &args.work) } else { manifest_cases(dir) };
        cases.extend(loaded.map_err(Outcome::Failed)?);
    }
    let decoder = Decoder::standard();
    let rqrr_only = Decoder::with_stages(vec![Box::new(Rqrr) as Box<dyn Stage>]);
    let reference =
        if args.no_reference { None } else { Some(reference(&cases, &args.work).map_err(Outcome::Failed)?) };
    let mut scores: Vec<(String, Score, Score, Score)> = Vec::new();
    let mut rotated = Score::default();
    let mut jpeg_ms = Vec::new();
    for case in &cases {
        let started = Instant::now();
        let frame = Frame::open(&case.path).map_err(|e| Outcome::Failed(e.to_string()))?;
        if case.frame720 && case.path.extension().is_some_and(|e| e == "jpg") {
            jpeg_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        if !scores.iter().any(|s| s.0 == case.corpus) {
            scores.push((case.corpus.clone(), Score::default(), Score::default(), Score::default()));
        }
        let Some(score) = scores.iter_mut().find(|s| s.0 == case.corpus) else { continue };
        score.1.add(case, &ours(&decoder, &frame));
        if let Some(r) = reference.as_ref().and_then(|r| r.get(&case.path)) {
            score.2.add(case, r);
        }
        if args.rqrr {
            score.3.add(case, &ours(&rqrr_only, &frame));
        }
        if args.rotations && case.rotate {
            for turn in 1..4 {
                rotated.add(case, &ours(&decoder, &frame.rotated(turn)));
            }
        }
    }
    println!("## Decoding (tiepdon cascade: {})", decoder.stage_names().join(" → "));
    for (corpus, ours, theirs, rq) in &mut scores {
        let theirs = reference.as_ref().map(|_| theirs);
        print_corpus(corpus, ours, theirs, args.rqrr.then_some(&*rq));
    }
    if !jpeg_ms.is_empty() {
        println!(
            "\nReading a 1280×720 JPEG into luminance (what each MJPEG webcam frame costs before decoding): \
             median {:.1} ms, p95 {:.1} ms.",
            percentile(&mut jpeg_ms.clone(), 0.5),
            percentile(&mut jpeg_ms, 0.95)
        );
    }
    if args.rotations {
        println!(
            "\nRotated 90/180/270°: {} / {} exact, {} / {} false positives, {} panics (contained).",
            rotated.exact, rotated.qr, rotated.false_positives, rotated.no_qr, rotated.panics
        );
    }
    Ok(Outcome::Done)
}
