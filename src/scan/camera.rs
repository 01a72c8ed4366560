//! The webcam through nokhwa 0.10: a plain `Camera` owned by the capture thread (not `CallbackCamera`,
//! whose stop deadlocks), asking for the format closest to the wanted size (1280×720 by default) in
//! MJPEG at 30 fps and taking what the device offers. Raw frames (MJPEG, YUYV, NV12, grey) become luminance here.

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
                Some(std::panic::catch_unwind(|| Frame::decode(data)).unwrap_or_else(|_| {
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
