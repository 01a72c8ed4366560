//! `tiepdon ocr IMAGE…` (the card's printed text, one JSON line per image) and `tiepdon bench-ocr DIR`
//! (every field of the development set scored, and the time per image).

use super::{CommandResult, Outcome, print_json};
use crate::ocr::{self, CERTAIN, Engine, Fields, Grey, ImageLayout, Reading};
use crate::scan::source::image_files;
use serde::Serialize;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, clap::Args)]
pub struct OcrArgs {
    /// Images (PNG, JPEG, WebP) or folders of images.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// One JSON object per image (the output is JSON lines either way; kept for scripts that pass it).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct OcrReport<'a> {
    image: String,
    layout: Option<ImageLayout>,
    fields: &'a Fields,
    confidence: &'a ocr::Confidence,
    ms: u64,
}

#[derive(Serialize)]
struct OcrFailure {
    image: String,
    layout: Option<ImageLayout>,
    fields: Fields,
    confidence: ocr::Confidence,
    ms: u64,
    error: String,
    error_vi: String,
}

/// Finds the engine, or the message to stop with.
pub fn engine() -> Result<Engine, Outcome> {
    Engine::find().map_err(|e| {
        let (vi, en) = e.message();
        Outcome::Failed(format!("{vi} / {en}"))
    })
}

fn paths(images: &[PathBuf]) -> Result<Vec<PathBuf>, Outcome> {
    let mut out = Vec::new();
    for p in images {
        if p.is_dir() {
            out.extend(image_files(p).map_err(|e| Outcome::Failed(e.to_string()))?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Reads one image file.
pub fn read_file(engine: &Engine, path: &Path) -> Result<Reading, (String, String)> {
    let bytes = std::fs::read(path)
        .map_err(|e| (format!("không đọc được tệp ảnh: {e}"), format!("cannot read the image file: {e}")))?;
    let grey = Grey::decode(&bytes)
        .map_err(|e| (format!("không phải ảnh đọc được: {e}"), format!("not a readable image: {e}")))?;
    ocr::read(engine, &grey).map_err(|e| e.message())
}

pub fn ocr(args: &OcrArgs) -> CommandResult {
    let engine = engine()?;
    let mut all = true;
    for path in paths(&args.images)? {
        let image = path.display().to_string();
        match read_file(&engine, &path) {
            Ok(r) => {
                all &= r.fields.card_number.is_some() || r.fields.bhxh_number.is_some();
                print_json(&OcrReport {
                    image,
                    layout: r.layout,
                    fields: &r.fields,
                    confidence: &r.confidence,
                    ms: r.ms,
                });
            }
            Err((vi, en)) => {
                all = false;
                eprintln!("tiepdon: {image}: {vi} / {en}");
                print_json(&OcrFailure {
                    image,
                    layout: None,
                    fields: Fields::default(),
                    confidence: ocr::Confidence::default(),
                    ms: 0,
                    error: en,
                    error_vi: vi,
                });
            }
        }
    }
    Ok(if all { Outcome::Done } else { Outcome::Rejected })
}

#[derive(Debug, clap::Args)]
pub struct BenchOcrArgs {
    /// The development set: a folder with manifest.jsonl (made there first when it has none).
    pub dir: PathBuf,
    /// Make the set anew with this many cards (each a clean image and a webcam photograph).
    #[arg(long)]
    pub make: Option<usize>,
    /// Seed of the made set.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Score only the first N images of the manifest.
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(serde::Deserialize)]
struct Entry {
    image: String,
    layout: String,
    degraded: bool,
    fields: Fields,
}

#[derive(Default, Clone)]
struct Tally {
    images: usize,
    number: usize,
    birth: usize,
    valid_to: usize,
    name: usize,
    /// Names read wrong and shown as certain (must be 0).
    wrong_certain_names: usize,
    /// Numbers read wrong and shown as certain (must be 0).
    wrong_certain_numbers: usize,
    ms: Vec<u64>,
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 { "–".into() } else { format!("{:.1} % ({n}/{d})", 100.0 * n as f64 / d as f64) }
}

fn quantile(v: &mut [u64], q: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * q).round() as usize]
}

pub fn bench_ocr(args: &BenchOcrArgs) -> CommandResult {
    let engine = engine()?;
    let manifest = args.dir.join("manifest.jsonl");
    if args.make.is_some() || !manifest.exists() {
        let n = args.make.unwrap_or(60);
        eprintln!("tiepdon: making {n} cards in {} …", args.dir.display());
        ocr::synth::write_set(n, args.seed, &args.dir).map_err(|e| Outcome::Failed(e.to_string()))?;
    }
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| Outcome::Failed(format!("{}: {e}", manifest.display())))?;
    let entries: Vec<Entry> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .map_err(|e| Outcome::Failed(format!("{}: {e}", manifest.display())))?;
    let entries = &entries[..args.limit.unwrap_or(entries.len()).min(entries.len())];
    // [clean, degraded] in all, and per layout.
    let mut all = [Tally::default(), Tally::default()];
    let mut by_layout: std::collections::BTreeMap<(String, bool), Tally> = Default::default();
    let mut misses = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let path = args.dir.join(&e.image);
        let r = read_file(&engine, &path)
            .map_err(|(vi, en)| Outcome::Failed(format!("{}: {vi} / {en}", e.image)))?;
        let t = &e.fields;
        let f = &r.fields;
        let sure = |k: Option<f32>| k.is_some_and(|k| k >= CERTAIN);
        let number_ok = match &t.card_number {
            Some(code) => f.card_number.as_ref() == Some(code),
            None => f.bhxh_number == t.bhxh_number,
        } && (sure(r.confidence.bhxh_number) || sure(r.confidence.card_number));
        let wrong_number = (f.card_number.is_some()
            && f.card_number != t.card_number
            && t.card_number.is_some()
            && sure(r.confidence.card_number))
            || (f.bhxh_number.is_some() && f.bhxh_number != t.bhxh_number && sure(r.confidence.bhxh_number));
        let nfc = |s: &Option<String>| s.as_ref().map(|s| s.nfc().collect::<String>());
        let name_ok = nfc(&f.full_name) == nfc(&t.full_name);
        let wrong_name = f.full_name.is_some() && !name_ok && sure(r.confidence.full_name);
        let birth_ok = f.birth_date == t.birth_date;
        let valid_to_ok = f.valid_to == t.valid_to;
        for tally in
            [&mut all[usize::from(e.degraded)], by_layout.entry((e.layout.clone(), e.degraded)).or_default()]
        {
            tally.images += 1;
            tally.number += usize::from(number_ok);
            tally.birth += usize::from(birth_ok);
            tally.valid_to += usize::from(valid_to_ok);
            tally.name += usize::from(name_ok);
            tally.wrong_certain_names += usize::from(wrong_name);
            tally.wrong_certain_numbers += usize::from(wrong_number);
            tally.ms.push(r.ms);
        }
        if !(number_ok && name_ok && birth_ok && valid_to_ok) {
            misses.push(format!(
                "{}: number {} name {} birth {} valid_to {}{}",
                e.image,
                mark(number_ok),
                mark(name_ok),
                mark(birth_ok),
                mark(valid_to_ok),
                if wrong_name { " (WRONG NAME SHOWN AS CERTAIN)" } else { "" }
            ));
        }
        if (i + 1) % 20 == 0 {
            eprintln!("tiepdon: {}/{} images", i + 1, entries.len());
        }
    }
    println!(
        "| set | images | code or BHXH no. exact | birth date exact | valid-to exact | full name exact | wrong names shown certain | wrong numbers shown certain | median ms | p95 ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows: Vec<(String, Tally)> =
        vec![("screenshots (all)".into(), all[0].clone()), ("webcam-degraded (all)".into(), all[1].clone())];
    for ((layout, degraded), t) in by_layout {
        rows.push((format!("{layout} {}", if degraded { "webcam" } else { "clean" }), t));
    }
    for (name, mut t) in rows {
        let (median, p95) = (quantile(&mut t.ms, 0.5), quantile(&mut t.ms, 0.95));
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {median} | {p95} |",
            t.images,
            pct(t.number, t.images),
            pct(t.birth, t.images),
            pct(t.valid_to, t.images),
            pct(t.name, t.images),
            t.wrong_certain_names,
            t.wrong_certain_numbers
        );
    }
    for m in &misses {
        eprintln!("miss: {m}");
    }
    Ok(Outcome::Done)
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISS" }
}
