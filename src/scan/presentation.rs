//! Once per presentation: a card held in front of the camera is read on many frames, but the desk must
//! hear about it once. A payload fires when it was not read in the last `gone_after` decoded frames: a
//! new card at once, the same card again only after it was gone a while (a decode that misses a frame
//! is not the card leaving). Every payload read recently is remembered, so two codes in view at once do
//! not fire on every frame.

use std::collections::HashMap;

/// Tracks what is in front of the camera.
#[derive(Debug, Clone)]
pub struct Presentations {
    /// Payload → number of the last decoded frame it was read on.
    seen: HashMap<String, u64>,
    frame: u64,
    gone_after: u32,
}

/// Frames without the payload after which it counts as gone (about half a second at 30 fps).
pub const DEFAULT_GONE_AFTER: u32 = 15;

impl Default for Presentations {
    fn default() -> Presentations {
        Presentations::new(DEFAULT_GONE_AFTER)
    }
}

impl Presentations {
    pub fn new(gone_after: u32) -> Presentations {
        Presentations { seen: HashMap::new(), frame: 0, gone_after: gone_after.max(1) }
    }

    /// Feeds one decoded frame's read (or `None`); returns the payload when it is a new presentation.
    pub fn observe(&mut self, read: Option<&str>) -> Option<String> {
        self.frame += 1;
        let (frame, gone_after) = (self.frame, u64::from(self.gone_after));
        // Forget payloads gone for longer than the window.
        self.seen.retain(|_, last| frame - *last <= gone_after);
        let text = read?;
        let fresh = !self.seen.contains_key(text);
        self.seen.insert(text.to_string(), frame);
        fresh.then(|| text.to_string())
    }

    /// Forgets every card (e.g. after the receptionist dismissed one), so they may fire again.
    pub fn reset(&mut self) {
        self.seen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_once_per_presentation() {
        let mut p = Presentations::new(3);
        assert_eq!(p.observe(Some("A")).as_deref(), Some("A"));
        assert_eq!(p.observe(Some("A")), None);
        assert_eq!(p.observe(None), None); // one missed decode
        assert_eq!(p.observe(Some("A")), None, "a flicker is not a new presentation");
        assert_eq!(p.observe(Some("B")).as_deref(), Some("B"), "a new card fires at once");
        for _ in 0..4 {
            assert_eq!(p.observe(None), None);
        }
        assert_eq!(p.observe(Some("B")).as_deref(), Some("B"), "the same card after it left");
        p.reset();
        assert_eq!(p.observe(Some("B")).as_deref(), Some("B"));
    }

    #[test]
    fn two_codes_in_view_fire_once_each() {
        let mut p = Presentations::new(3);
        let fired: Vec<_> =
            ["A", "B", "A", "B", "A", "B"].iter().filter_map(|t| p.observe(Some(t))).collect();
        assert_eq!(fired, ["A", "B"]);
    }
}
