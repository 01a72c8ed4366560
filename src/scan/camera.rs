//! The webcam through nokhwa 0.10: a plain `Camera` owned by the capture thread (not `CallbackCamera`,
//! whose stop deadlocks). The format is chosen from what the device offers ([`choose_format`]): the
//! wanted size (1920×1080 by default) in MJPEG at 15 fps or more, else 1280×720, else the closest the
//! device has. Raw frames (MJPEG straight to luma, YUYV, NV12, grey) become luminance here.

use super::frame::{Frame, FrameError};
use super::source::FrameSource;
use nokhwa::Camera;
use nokhwa::pixel_format::LumaFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};
use serde::Serialize;

/// A camera the system knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CameraDevice {
    pub index: String,
    pub name: String,
    pub description: String,
}

/// The cameras present now (empty when there are none or the system cannot list them).
pub fn list() -> Result<Vec<CameraDevice>, FrameError> {
    let devices =
        nokhwa::query(ApiBackend::Auto).map_err(|e| FrameError(format!("cannot list cameras: {e}")))?;
    Ok(devices
        .iter()
        .map(|d| CameraDevice {
            index: d.index().to_string(),
            name: d.human_name(),
            description: d.description().to_string(),
        })
        .collect())
}

/// A camera with the resolutions it offers (for choosing in the window's Settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraInfo {
    pub device: CameraDevice,
    /// Width × height, smallest first; empty when the device would not say.
    pub resolutions: Vec<(u32, u32)>,
}

/// The cameras present now, each with the resolutions it offers (each is opened briefly: call it off
/// the UI thread).
pub fn list_with_resolutions() -> Result<Vec<CameraInfo>, FrameError> {
    Ok(list()?
        .into_iter()
        .map(|device| {
            let resolutions = resolutions(&device.index).unwrap_or_default();
            CameraInfo { device, resolutions }
        })
        .collect())
}

fn resolutions(index: &str) -> Result<Vec<(u32, u32)>, nokhwa::NokhwaError> {
    let index = match index.parse::<u32>() {
        Ok(n) => CameraIndex::Index(n),
        Err(_) => CameraIndex::String(index.to_string()),
    };
    let requested = RequestedFormat::new::<LumaFormat>(RequestedFormatType::None);
    let mut camera = Camera::new(index, requested)?;
    let mut sizes: Vec<(u32, u32)> = camera
        .compatible_camera_formats()?
        .iter()
        .map(|f| (f.resolution().width(), f.resolution().height()))
        .filter(|&(w, h)| w >= 320 && h >= 240)
        .collect();
    sizes.sort_by_key(|&(w, h)| (u64::from(w) * u64::from(h), w));
    sizes.dedup();
    Ok(sizes)
}

/// Picks a camera by index (`0`) or by a part of its name (case-insensitive).
fn resolve(which: &str) -> Result<CameraIndex, FrameError> {
    if let Ok(n) = which.trim().parse::<u32>() {
        return Ok(CameraIndex::Index(n));
    }
    let wanted = which.to_lowercase();
    list()?
        .into_iter()
        .find(|d| d.name.to_lowercase().contains(&wanted))
        .map(|d| CameraIndex::String(d.index))
        .ok_or_else(|| FrameError(format!("no camera named “{which}”")))
}

/// Frames per second below which a format is too slow for a desk (a hand moves the card).
pub const MIN_FPS: u32 = 15;
/// The size to fall back to when the wanted one is not offered fast enough.
pub const FALLBACK_SIZE: (u32, u32) = (1280, 720);

/// The format to ask for, from those the device offers: the wanted size in MJPEG at ≥ [`MIN_FPS`]
/// (the fastest up to 30 fps); a larger-than-720p wish not offered so falls back to 1280×720 in MJPEG;
/// then the wanted size in any format at ≥ [`MIN_FPS`]. `None`: leave it to the device's closest.
/// (A cheap webcam offers 1080p only at 5 fps in raw YUYV over USB 2, which would halve what it sees.)
pub fn choose_format(offered: &[CameraFormat], wanted: (u32, u32)) -> Option<CameraFormat> {
    let at = |size: (u32, u32), mjpeg_only: bool| {
        offered
            .iter()
            .filter(|f| (f.resolution().width(), f.resolution().height()) == size)
            .filter(|f| f.frame_rate() >= MIN_FPS && (!mjpeg_only || f.format() == FrameFormat::MJPEG))
            // Up to 30 fps the faster the better; above, the fewer frames to unpack the better.
            .max_by_key(|f| {
                (f.frame_rate().min(30), std::cmp::Reverse(f.frame_rate()), f.format() == FrameFormat::MJPEG)
            })
            .copied()
    };
    let larger = u64::from(wanted.0) * u64::from(wanted.1) > 1280 * 720;
    at(wanted, true)
        .or_else(|| larger.then(|| at(FALLBACK_SIZE, true)).flatten())
        .or_else(|| at(wanted, false))
}

pub struct CameraSource {
    camera: Camera,
    name: String,
}

impl CameraSource {
    /// Opens the camera and starts its stream.
    pub fn open(which: &str, size: (u32, u32)) -> Result<CameraSource, FrameError> {
        let index = resolve(which)?;
        let wanted = CameraFormat::new(Resolution::new(size.0, size.1), FrameFormat::MJPEG, 30);
        let requested = RequestedFormat::new::<LumaFormat>(RequestedFormatType::Closest(wanted));
        let mut camera = Camera::new(index, requested)
            .map_err(|e| FrameError(format!("cannot open camera {which}: {e}")))?;
        // A device that will not list its formats keeps the closest one nokhwa found.
        if let Some(format) = camera.compatible_camera_formats().ok().and_then(|f| choose_format(&f, size)) {
            let exact = RequestedFormat::new::<LumaFormat>(RequestedFormatType::Exact(format));
            if let Err(e) = camera.set_camera_requset(exact) {
                log::warn!("camera {which}: could not switch to {format}: {e}");
            }
        }
        camera.open_stream().map_err(|e| FrameError(format!("cannot start camera {which}: {e}")))?;
        let format = camera.camera_format();
        let name = format!("{} ({} {:?})", camera.info().human_name(), format.resolution(), format.format());
        Ok(CameraSource { camera, name })
    }
}

impl FrameSource for CameraSource {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        let buffer = self.camera.frame().map_err(|e| FrameError(format!("camera stopped: {e}")))?;
        let res = buffer.resolution();
        let data = buffer.buffer();
        let frame = match buffer.source_frame_format() {
            FrameFormat::MJPEG => {
                Some(std::panic::catch_unwind(|| Frame::from_jpeg_luma(data)).unwrap_or_else(|_| {
                    Err(FrameError("the JPEG decoder failed on a camera frame".into()))
                })?)
            }
            FrameFormat::YUYV => Frame::from_yuyv(res.width(), res.height(), data),
            FrameFormat::NV12 | FrameFormat::GRAY => {
                usize::try_from(u64::from(res.width()) * u64::from(res.height()))
                    .ok()
                    .and_then(|n| data.get(..n))
                    .and_then(|y| Frame::new(res.width(), res.height(), y.to_vec()))
            }
            FrameFormat::RAWRGB | FrameFormat::RAWBGR => {
                let luma = data
                    .chunks_exact(3)
                    .map(|p| ((u16::from(p[0]) + 2 * u16::from(p[1]) + u16::from(p[2])) / 4) as u8);
                Frame::new(res.width(), res.height(), luma.collect())
            }
        };
        frame.map(Some).ok_or_else(|| FrameError("the camera sent a frame of the wrong size".into()))
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        let _ = self.camera.stop_stream();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(w: u32, h: u32, format: FrameFormat, fps: u32) -> CameraFormat {
        CameraFormat::new(Resolution::new(w, h), format, fps)
    }

    #[test]
    fn full_hd_is_taken_only_in_mjpeg_at_15_fps_or_more() {
        use FrameFormat::{MJPEG, YUYV};
        let good = [
            f(640, 480, YUYV, 30),
            f(1280, 720, MJPEG, 30),
            f(1920, 1080, MJPEG, 30),
            f(1920, 1080, YUYV, 5),
        ];
        assert_eq!(choose_format(&good, (1920, 1080)), Some(f(1920, 1080, MJPEG, 30)));
        // A cheap webcam: 1080p only raw at 5 fps, or MJPEG at 10 → 720p MJPEG.
        let cheap = [f(1280, 720, MJPEG, 30), f(1920, 1080, YUYV, 5), f(1920, 1080, MJPEG, 10)];
        assert_eq!(choose_format(&cheap, (1920, 1080)), Some(f(1280, 720, MJPEG, 30)));
        // 15 fps is enough.
        let slow = [f(1920, 1080, MJPEG, 15), f(1280, 720, MJPEG, 30)];
        assert_eq!(choose_format(&slow, (1920, 1080)), Some(f(1920, 1080, MJPEG, 15)));
        let fast = [f(1920, 1080, MJPEG, 60), f(1920, 1080, MJPEG, 30)];
        assert_eq!(
            choose_format(&fast, (1920, 1080)),
            Some(f(1920, 1080, MJPEG, 30)),
            "30 fps: half the frames to unpack"
        );
    }

    #[test]
    fn a_chosen_smaller_size_is_kept_and_raw_formats_are_a_last_resort() {
        use FrameFormat::{MJPEG, YUYV};
        let offered = [f(640, 480, YUYV, 30), f(1280, 720, YUYV, 10), f(1920, 1080, MJPEG, 30)];
        assert_eq!(choose_format(&offered, (640, 480)), Some(f(640, 480, YUYV, 30)), "what the clinic chose");
        assert_eq!(choose_format(&offered, (1280, 720)), None, "720p only at 10 fps: the device's closest");
        assert_eq!(choose_format(&[], (1920, 1080)), None);
    }
}
