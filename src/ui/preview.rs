//! The camera preview: the latest frame as a texture (replaced in place, never queued), with the outline
//! of the last QR code read drawn over it for a moment.

use crate::scan::frame::Frame;
use egui::{Color32, ColorImage, Pos2, Stroke, TextureHandle, TextureOptions, Ui, Vec2};
use std::time::{Duration, Instant};

/// How long a code's outline stays on the preview.
const OUTLINE_FOR: Duration = Duration::from_millis(1500);

/// Where a code was read: its corners, the frame's size, and when.
struct Outline {
    corners: Vec<(f32, f32)>,
    frame_size: (u32, u32),
    at: Instant,
}

/// The preview's state.
#[derive(Default)]
pub struct Preview {
    texture: Option<TextureHandle>,
    size: (u32, u32),
    outline: Option<Outline>,
    /// Frames shown since start.
    pub frames: u64,
    /// When the first frame was uploaded.
    pub first_frame_at: Option<Instant>,
}

impl Preview {
    /// Uploads a frame (on the UI thread, in `logic`; the frame is dropped right after, which lets the
    /// worker send the next one).
    pub fn show_frame(&mut self, ctx: &egui::Context, frame: &Frame) {
        let size = [frame.width as usize, frame.height as usize];
        let image = ColorImage::from_gray(size, &frame.luma);
        match &mut self.texture {
            Some(t) => t.set(image, TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("camera", image, TextureOptions::LINEAR)),
        }
        self.size = (frame.width, frame.height);
        self.frames += 1;
        self.first_frame_at.get_or_insert_with(Instant::now);
    }

    /// Marks where a code was read.
    pub fn mark(&mut self, corners: Vec<(f32, f32)>, frame_size: (u32, u32)) {
        self.outline = Some(Outline { corners: around_centre(corners), frame_size, at: Instant::now() });
    }

    /// Whether a code was read in the last moment (its outline is on screen).
    pub fn marked_recently(&self) -> bool {
        self.outline.as_ref().is_some_and(|o| o.at.elapsed() < OUTLINE_FOR / 2)
    }

    /// Draws the preview into `max` (keeping its aspect), or a placeholder.
    pub fn draw(&self, ui: &mut Ui, max: Vec2, status: &str) {
        let Some(texture) = &self.texture else {
            let (rect, _) =
                ui.allocate_exact_size(Vec2::new(max.x, max.x * 9.0 / 16.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 6.0, Color32::from_gray(40));
            ui.label(egui::RichText::new(status).size(16.0));
            return;
        };
        let (w, h) = (self.size.0.max(1) as f32, self.size.1.max(1) as f32);
        let scale = (max.x / w).min(max.y / h);
        let response =
            ui.add(egui::Image::new((texture.id(), Vec2::new(w * scale, h * scale))).corner_radius(6.0));
        let rect = response.rect;
        if let Some(Outline { corners, frame_size: (fw, fh), at }) = &self.outline
            && at.elapsed() < OUTLINE_FOR
            && corners.len() >= 3
        {
            let to_screen = |(x, y): (f32, f32)| {
                Pos2::new(
                    rect.min.x + x / *fw as f32 * rect.width(),
                    rect.min.y + y / *fh as f32 * rect.height(),
                )
            };
            let mut points: Vec<Pos2> = corners.iter().copied().map(to_screen).collect();
            points.push(points[0]);
            ui.painter()
                .add(egui::Shape::line(points, Stroke::new(4.0, Color32::from_rgb(0x22, 0xdd, 0x66))));
            ui.ctx().request_repaint_after(OUTLINE_FOR);
        }
        ui.label(egui::RichText::new(status).weak());
    }
}

/// The points in order around their centre (decoders give finder patterns in their own order), so that
/// joining them draws an outline, not a cross.
fn around_centre(mut points: Vec<(f32, f32)>) -> Vec<(f32, f32)> {
    let n = points.len().max(1) as f32;
    let (cx, cy) = points.iter().fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
    points.sort_by(|a, b| (a.1 - cy).atan2(a.0 - cx).total_cmp(&(b.1 - cy).atan2(b.0 - cx)));
    points
}

#[cfg(test)]
mod tests {
    #[test]
    fn corners_are_joined_around_the_code() {
        // A square given corner, opposite corner, corner, opposite corner.
        let crossed = vec![(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)];
        let ring = super::around_centre(crossed);
        // Consecutive points are neighbours: they share an x or a y.
        for i in 0..4 {
            let (a, b) = (ring[i], ring[(i + 1) % 4]);
            assert!(a.0 == b.0 || a.1 == b.1, "{ring:?}");
        }
    }
}
