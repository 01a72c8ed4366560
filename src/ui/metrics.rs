//! Figures a benchmark run of the window records: cold start to the first camera frame drawn, each
//! scan's time from frame arrival to verdict drawn, each UI frame's CPU time, resident memory.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What a run measured.
#[derive(Debug, Default)]
pub struct Metrics {
    /// From the start of `main`'s window command to the first camera frame drawn.
    pub first_frame: Option<Duration>,
    /// The wall-clock time of the first frame drawn, in ms since 1970 (a script that noted when it
    /// started the process gets the whole cold start from it).
    pub first_frame_unix_ms: Option<u128>,
    /// Frame arrival (capture) to verdict drawn, per scan, in milliseconds.
    pub scan_to_verdict_ms: Vec<f64>,
    /// The same scans, frame arrival to the code reaching the UI thread (decode included).
    pub scan_to_code_ms: Vec<f64>,
    /// The same scans, frame arrival to the verdict reaching the UI thread (database look-up included).
    pub scan_to_look_ms: Vec<f64>,
    /// CPU time of each UI frame as eframe counts it (egui pass and paint calls, not the wait for the
    /// driver to present), while the camera ran, in milliseconds.
    pub ui_frame_ms: Vec<f64>,
    /// Wall-clock time from one frame's start to the next's, frames drawn back to back while the
    /// camera runs: the whole cost of a frame (egui, paint, present).
    pub frame_interval_ms: Vec<f64>,
    /// When the last frame started.
    pub last_frame_at: Option<Instant>,
    /// Resident memory (kB) after a number of scans.
    pub rss_kb: Vec<(u64, u64)>,
}

/// The resident memory of this process, in kB (Linux; 0 elsewhere).
pub fn rss_kb() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(values: &[f64]) -> Value {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    json!({"n": v.len(), "median": percentile(&v, 0.5), "p95": percentile(&v, 0.95),
           "max": v.last().copied().unwrap_or(f64::NAN)})
}

impl Metrics {
    pub fn frame_drawn(&mut self, started: Instant) {
        if self.first_frame.is_none() {
            self.first_frame = Some(started.elapsed());
            self.first_frame_unix_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_millis());
        }
    }

    /// The figures as JSON.
    pub fn report(&self) -> Value {
        json!({
            "cold_start_to_first_frame_ms": self.first_frame.map(|d| d.as_secs_f64() * 1000.0),
            "first_frame_unix_ms": self.first_frame_unix_ms.map(|t| t as u64),
            "scan_to_verdict_ms": summary(&self.scan_to_verdict_ms),
            "scan_to_code_ms": summary(&self.scan_to_code_ms),
            "scan_to_look_ms": summary(&self.scan_to_look_ms),
            "ui_frame_ms": summary(&self.ui_frame_ms),
            "frame_interval_ms": summary(&self.frame_interval_ms),
            "rss_kb": self.rss_kb.iter().map(|(n, kb)| json!({"scans": n, "kb": kb})).collect::<Vec<_>>(),
        })
    }
}
