//! `tiepdon` / `tiepdon window`: opens the desk window.

use super::{CommandResult, Outcome};
use crate::scan::source::{DemoPace, SourceSpec};
use crate::ui::{self, Launch, RunPlan};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Default, clap::Args)]
pub struct WindowArgs {
    /// Frame source: demo, camera, camera:N, camera:N@WxH, an image file or a folder (default: the
    /// first webcam, or the demo frames when there is none).
    #[arg(long)]
    pub source: Option<String>,
    /// Demo mode: the demo database (invented people) and, unless --source says otherwise, demo frames.
    #[arg(long)]
    pub demo: bool,
    /// The operator of this shift (otherwise asked in the window).
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
    /// Benchmark: read this many presentations from the demo frames (at 60 frames a second unless
    /// --source says otherwise), then close and write the figures to --metrics.
    #[arg(long, requires = "metrics")]
    pub bench_scans: Option<u64>,
    /// Benchmark: draw this many frames back to back while the camera runs and record each one's
    /// wall-clock time (after --bench-scans, if both are given).
    #[arg(long, requires = "metrics")]
    pub bench_frames: Option<u64>,
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Check three demo patients in, save checkin.png and today.png into this folder, then close.
    #[arg(long)]
    pub screenshots: Option<PathBuf>,
    /// Open on Settings with this roster file ready to import (its columns shown), as if dropped.
    #[arg(long)]
    pub roster: Option<PathBuf>,
}

pub fn window(db: Option<&str>, args: &WindowArgs) -> CommandResult {
    let started = Instant::now();
    let mut source = args.source.as_deref().map(SourceSpec::parse).transpose().map_err(Outcome::Failed)?;
    if args.bench_scans.is_some_and(|n| n > 0) && source.is_none() {
        source = Some(SourceSpec::Demo(DemoPace::BENCH));
    }
    // A server URL is never a file name (a `postgresql:/…` folder would be created): the desk works
    // on the server with its roster replica as its own file.
    let (db, server) = match db.map(|d| super::location(Some(d))).transpose()? {
        None => (None, None),
        Some(crate::store::Location::File(path)) => (Some(path), None),
        #[cfg(feature = "server")]
        Some(crate::store::Location::Server(url)) => {
            let replica = crate::store::server::replica_for(&url)
                .ok_or_else(|| Outcome::Failed("không có thư mục dữ liệu / no data directory".into()))?;
            (Some(replica), Some(url))
        }
        #[cfg(not(feature = "server"))]
        Some(crate::store::Location::Server(_)) => {
            return Err(Outcome::Failed("built without the clinic server (feature server)".into()));
        }
    };
    if server.is_some() && args.demo {
        return Err(Outcome::Failed(
            "chế độ demo không dùng máy chủ / demo mode does not use a clinic server".into(),
        ));
    }
    let mut launch = Launch::decide(db, source, args.demo).map_err(Outcome::Failed)?;
    // A server named here; else the one remembered from Settings (`Launch::decide`), if any.
    if server.is_some() {
        launch.server = server;
    }
    launch.started = started;
    // Plain `tiepdon` (no subcommand) has no parsed arguments: TIEPDON_OPERATOR is read here too.
    let operator = args.operator.clone().or_else(|| std::env::var("TIEPDON_OPERATOR").ok());
    // The same rule as every other operator name (an empty one: asked in the window).
    launch.operator = match operator.filter(|o| !o.trim().is_empty()) {
        Some(name) => Some(crate::desk::Operator::parse(&name)?.as_str().to_string()),
        None => None,
    };
    launch.roster = args.roster.clone();
    let benching = args.bench_scans.is_some() || args.bench_frames.is_some();
    launch.plan = match (benching, &args.metrics, &args.screenshots) {
        (true, Some(out), _) => RunPlan::Bench {
            scans: args.bench_scans.unwrap_or(0),
            frames: args.bench_frames.unwrap_or(0),
            out: out.clone(),
        },
        (_, _, Some(dir)) => RunPlan::Screenshots { dir: dir.clone() },
        _ => RunPlan::Desk,
    };
    if launch.plan != RunPlan::Desk && launch.operator.is_none() {
        launch.operator = Some("demo".into());
    }
    launch.prepare().map_err(Outcome::Failed)?;
    ui::run(launch).map_err(Outcome::Failed)?;
    Ok(Outcome::Done)
}
