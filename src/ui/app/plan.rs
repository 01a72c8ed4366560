//! Special runs of the window: a benchmark (read N presentations, record the figures, close) and a
//! screenshot session (check three demo patients in, save the check-in and Today screens, close).

use super::{Action, App, Screen};
use crate::ui::launch::RunPlan;
use crate::ui::metrics;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Steps of a screenshot session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Shot {
    #[default]
    CheckingIn,
    Capture(&'static str),
    /// Until this many images are saved.
    Waiting(u32),
}

/// Progress of a screenshot session.
#[derive(Default)]
pub(super) struct Screenshots {
    checked_in: u32,
    step: Shot,
    wait_frames: u32,
    saved: Arc<AtomicU32>,
}

impl App {
    /// Benchmark and screenshot runs: what to do after this frame.
    pub(super) fn follow_plan(&mut self, ctx: &egui::Context, frame: &eframe::Frame) {
        match self.launch.plan.clone() {
            RunPlan::Desk => {}
            RunPlan::Bench { scans, frames, out } => {
                // A receptionist who dismisses each verdict once it is drawn: every camera read then
                // finds the screen free (a read arriving while one is shown would wait its turn).
                if self.state.current.is_some() && !self.state.current_fresh && !self.state.busy {
                    self.act(Action::Clear);
                }
                let m = &mut self.metrics;
                if self.preview.frames > 0 {
                    m.ui_frame_ms.push(f64::from(frame.info().cpu_usage.unwrap_or(0.0)) * 1000.0);
                }
                let n = m.scan_to_verdict_ms.len() as u64;
                if n > 0 && n.is_multiple_of(100) && m.rss_kb.last().map(|r| r.0) != Some(n) {
                    m.rss_kb.push((n, metrics::rss_kb()));
                }
                if n < scans {
                    return;
                }
                // Back-to-back frames: each interval is one whole frame (egui, paint, present).
                if (m.frame_interval_ms.len() as u64) < frames {
                    let now = std::time::Instant::now();
                    if let Some(last) = m.last_frame_at.replace(now) {
                        m.frame_interval_ms.push((now - last).as_secs_f64() * 1000.0);
                    }
                    ctx.request_repaint();
                    return;
                }
                m.rss_kb.push((n, metrics::rss_kb()));
                let _ = std::fs::write(&out, serde_json::to_string_pretty(&m.report()).unwrap_or_default());
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            RunPlan::Screenshots { dir } => self.screenshot_step(ctx, &dir),
        }
    }

    /// Screenshot session: check three demo patients in, capture the next verdict, then Today.
    fn screenshot_step(&mut self, ctx: &egui::Context, dir: &std::path::Path) {
        let shots = &mut self.screenshots;
        ctx.request_repaint();
        if shots.wait_frames > 0 {
            shots.wait_frames -= 1;
            return;
        }
        let saved = shots.saved.load(Ordering::Acquire);
        match shots.step {
            Shot::CheckingIn => {
                let Some(look) = self.state.current.as_ref().and_then(|c| c.look.as_ref()) else { return };
                if look.earlier.is_some() || self.state.busy {
                    return;
                }
                if shots.checked_in >= 3 {
                    // While the card is still in front of the camera, with its outline drawn.
                    if self.preview.marked_recently() {
                        shots.step = Shot::Capture("checkin.png");
                        shots.wait_frames = 3;
                    }
                } else if look.verdict.status != crate::coverage::Status::NotEligible {
                    shots.checked_in += 1;
                    self.act(Action::CheckIn { force: false, pin: None });
                }
            }
            Shot::Capture(name) => {
                let (done, path) = (shots.saved.clone(), dir.join(name));
                let _ = std::fs::create_dir_all(dir);
                ctx.request_screenshot(move |image| {
                    let [w, h] = image.size;
                    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
                    if let Some(img) = image::RgbaImage::from_raw(w as u32, h as u32, bytes) {
                        let _ = img.save(&path);
                    }
                    done.fetch_add(1, Ordering::Release);
                });
                shots.step = Shot::Waiting(saved + 1);
            }
            Shot::Waiting(n) if saved >= n && n == 1 => {
                shots.step = Shot::Capture("today.png");
                shots.wait_frames = 30;
                self.go(Screen::Today);
            }
            Shot::Waiting(n) if saved >= n => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Shot::Waiting(_) => {}
        }
    }
}
