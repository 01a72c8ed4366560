//! The desk window (eframe/egui). [`App`] drains the workers' channels in `logic` and folds what they
//! say into [`state::DeskState`]; `ui` draws one screen, and each screen returns the [`Action`] the
//! receptionist chose, which `App` hands to a worker. The camera, the decoder and SQLite never run on
//! the UI thread.

mod app;
pub mod checkin;
pub mod day_end;
pub mod desk;
pub mod fonts;
pub mod keyboard;
pub mod lang;
pub mod launch;
pub mod logfile;
pub mod metrics;
pub mod preview;
pub mod probe;
pub mod settings;
pub mod state;
pub mod today;
pub mod verdict_card;

pub use app::{App, Prefs, Screen};
pub use launch::{Launch, RunPlan};

use crate::scan::source::SourceSpec;
use desk::Origin;
use lang::Lang;
use std::path::PathBuf;

/// What a screen asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Look up a payload or number (nothing recorded yet).
    Look {
        text: String,
        origin: Origin,
    },
    /// Record the visit of the presentation on screen.
    CheckIn {
        force: bool,
        /// The supervisor PIN typed beside an override's button, when one is set.
        pin: Option<String>,
    },
    /// Show the earlier ticket of a repeat again.
    Reprint,
    /// Dismiss the presentation on screen.
    Clear,
    /// Show the camera read waiting in the "next" slot now.
    ShowNext,
    /// The visit's kind or a fact told at the desk changed (the verdict is looked up again).
    SetVisit(crate::coverage::VisitFacts),
    /// Open the system's file or folder dialog (on its own thread).
    Pick(Pick),
    /// Open a folder in the system's file manager.
    OpenFolder(PathBuf),
    Void {
        ticket: String,
        reason: String,
    },
    ReloadDay,
    SetSetting {
        key: String,
        value: String,
    },
    Backup,
    /// Check that the clinic server answers (Settings).
    TestLink,
    /// Work on the clinic server (or the file) Settings' field names.
    OpenLocation(String),
    Export {
        out: PathBuf,
        mask_ids: bool,
    },
    /// Seal the day into `out` (never masked).
    CloseDay {
        out: PathBuf,
    },
    Import {
        path: PathBuf,
        replace: bool,
        /// `Header=column` mappings chosen in the preview (as `import-roster --map`).
        map: Vec<String>,
    },
    /// Read the QR of an image file (opened or dropped); with none, its printed text (OCR).
    OpenImage(PathBuf),
    /// Read the card's printed text off the sharpest of the next camera frames (F6), on its own thread.
    ReadCardText,
    /// Switch the frame source (None: no camera).
    UseSource(Option<SourceSpec>),
    /// Leave demo mode for the real database.
    LeaveDemo,
    /// List the webcams (off the UI thread).
    ListCameras,
    /// Log in to the VSS gateway with the account in Settings (off the UI thread and the desk's).
    TestVss,
    SetLang(Lang),
    AskOperator,
}

/// What a file or folder dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The roster file to import (CSV).
    Roster,
    /// The folder the day's files are exported into.
    ExportFolder,
    /// Another existing database file.
    Database,
    /// A new database file.
    NewDatabase,
}

/// The window's title in `lang`.
pub fn title(lang: Lang) -> &'static str {
    lang.tr("tiepdon — Tiếp đón người bệnh BHYT", "tiepdon — BHYT patient check-in")
}

/// The window's size when it is not maximised: fits a 1280×720 screen with its panels.
pub const WINDOW_SIZE: [f32; 2] = [1240.0, 680.0];

/// Opens the window and runs it until closed.
pub fn run(launch: Launch) -> Result<(), String> {
    let icon = eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")).ok();
    // Maximised on the desk's screen (most clinic PCs have 1366×768): everything is reachable on
    // 1366×768 and 1280×720. The size is not restored from the last run, so a window saved on a bigger
    // screen never opens partly off this one.
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(title(Lang::Vi))
        .with_app_id("tiepdon")
        .with_inner_size(WINDOW_SIZE)
        .with_min_inner_size([800.0, 560.0])
        .with_maximized(true);
    if let Some(icon) = icon {
        viewport = viewport.with_icon(icon);
    }
    let mut options = eframe::NativeOptions { viewport, persist_window: false, ..Default::default() };
    // OpenGL by default: measured 4–5× cheaper per frame than wgpu on a machine that renders on the CPU
    // (Mesa llvmpipe vs lavapipe, BENCHMARKS.md), and present on old office PCs that lack Vulkan.
    // `TIEPDON_RENDERER=wgpu` picks wgpu. No waiting for vertical sync either way: a verdict is drawn as
    // soon as it is known, and frames are drawn only when something changed, so idle costs nothing.
    let wgpu = std::env::var("TIEPDON_RENDERER").is_ok_and(|r| r.eq_ignore_ascii_case("wgpu"));
    options.renderer = if wgpu { eframe::Renderer::Wgpu } else { eframe::Renderer::Glow };
    options.glow_options.vsync = false;
    options.wgpu_options.surface.present_mode = eframe::wgpu::PresentMode::AutoNoVsync;
    eframe::run_native("tiepdon", options, Box::new(move |cc| Ok(Box::new(App::new(cc, launch))))).map_err(
        |e| {
            format!(
                "không mở được cửa sổ / cannot open the window ({e}). Với máy không có màn hình / with no \
                 display: bash scripts/run.sh (Xvfb), or use the command line (tiepdon --help)."
            )
        },
    )
}
