//! Any bytes as an image file (a dropped screenshot, a frame from disk) or a webcam's MJPEG frame: load
//! it within the bounds, then run the whole decoder cascade (zxing-cpp's C++ included). Must never
//! panic, crash or take unbounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tiepdon::scan::frame::Frame::from_jpeg_luma(data);
    if let Ok(frame) = tiepdon::scan::frame::Frame::decode(data) {
        let outcome = tiepdon::scan::decode::Decoder::standard().decode(&frame);
        if let Some(d) = outcome.decoded {
            let _ = tiepdon::card::detect(&d.text);
        }
    }
});
