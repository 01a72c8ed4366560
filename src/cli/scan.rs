//! `tiepdon scan IMAGE…` (a folder scans every image in it) and `tiepdon cameras`.

use super::{CommandResult, Outcome, print_json};
use crate::card::{self, ParseReport};
use crate::scan::camera;
use crate::scan::decode::{Assembler, Decoder};
use crate::scan::frame::Frame;
use crate::scan::source::image_files;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Images (PNG, JPEG, WebP) or folders of images.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// One JSON object per image (the default prints one short line per image).
    #[arg(long, conflicts_with = "payloads")]
    pub json: bool,
    /// Only the exact payload of each code read, one per line (to pipe into `checkin --stdin`).
    #[arg(long)]
    pub payloads: bool,
}

#[derive(Serialize)]
struct Code {
    text: String,
    #[serde(flatten)]
    report: ParseReport,
    corners: Vec<(f32, f32)>,
}

#[derive(Serialize)]
struct ImageReport {
    image: String,
    codes: Vec<Code>,
    ms: f64,
    /// Why the image could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    image_error: Option<String>,
    /// The image holds one symbol of a structured-append message, "2/4": the message is reported (in
    /// `codes`) with the image that completes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    part: Option<String>,
}

pub fn scan(args: &ScanArgs) -> CommandResult {
    let mut paths = Vec::new();
    for p in &args.images {
        if p.is_dir() {
            paths.extend(image_files(p).map_err(|e| Outcome::Failed(e.to_string()))?);
        } else {
            paths.push(p.clone());
        }
    }
    let decoder = Decoder::standard();
    let mut assembler = Assembler::default();
    let mut all_read = true;
    for path in paths {
        let mut report = ImageReport {
            image: path.display().to_string(),
            codes: Vec::new(),
            ms: 0.0,
            image_error: None,
            part: None,
        };
        match Frame::open(&path) {
            Err(e) => {
                eprintln!("tiepdon: không đọc được ảnh / cannot read image {}: {e}", path.display());
                report.image_error = Some(e.to_string());
            }
            Ok(frame) => {
                let started = Instant::now();
                let outcome = decoder.decode(&frame);
                report.ms = started.elapsed().as_secs_f64() * 1e3;
                for stage in outcome.panicked {
                    eprintln!("tiepdon: decoder stage {stage} failed on {} (skipped)", path.display());
                }
                if let Some(seq) = outcome.decoded.as_ref().and_then(|d| d.sequence.as_ref()) {
                    report.part = Some(format!("{}/{}", seq.index + 1, seq.size));
                }
                if let Some(d) = outcome.decoded.and_then(|d| assembler.add(d, Instant::now())) {
                    let detection = card::detect(&d.text);
                    report.codes.push(Code {
                        report: ParseReport::from(&detection),
                        text: d.text,
                        corners: d.corners,
                    });
                }
            }
        }
        all_read &= report.image_error.is_none() && (!report.codes.is_empty() || report.part.is_some());
        if args.payloads {
            let mut out = std::io::stdout().lock();
            for c in &report.codes {
                let _ = writeln!(out, "{}", c.text);
            }
        } else if args.json {
            print_json(&report);
        } else {
            let what = match report.codes.first() {
                Some(c) => {
                    let layout = c.report.layout.map(|l| l.to_string()).unwrap_or_default();
                    format!(
                        "{} {layout} {}…",
                        c.report.kind.as_str(),
                        c.text.chars().take(40).collect::<String>()
                    )
                }
                None => match (&report.image_error, &report.part) {
                    (Some(e), _) => e.clone(),
                    (None, Some(part)) => format!("phần / part {part}"),
                    (None, None) => "no QR code / không thấy mã QR".into(),
                },
            };
            let _ = writeln!(std::io::stdout().lock(), "{}\t{:.1} ms\t{what}", report.image, report.ms);
        }
    }
    Ok(if all_read { Outcome::Done } else { Outcome::Rejected })
}

pub fn cameras() -> CommandResult {
    let list = camera::list().map_err(|e| Outcome::Failed(e.to_string()))?;
    if list.is_empty() {
        eprintln!(
            "tiepdon: không có camera / no camera found (the demo frames in assets/demo/ still work: `tiepdon scan assets/demo`)"
        );
    }
    list.iter().for_each(print_json);
    Ok(Outcome::Done)
}
