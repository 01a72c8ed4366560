//! Once per presentation: a card held in front of the camera is read on many frames, but the desk must
//! hear about it once. A new payload fires at once; the same payload fires again only after it was gone
//! (not read) for a number of frames in a row — a decode that misses one frame is not the card leaving.

/// Tracks what is in front of the camera.
#[derive(Debug, Clone)]
pub struct Presentations {
    current: Option<String>,
    missing: u32,
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
        Presentations { current: None, missing: 0, gone_after: gone_after.max(1) }
    }

    /// Feeds one frame's read (or `None`); returns the payload when it is a new presentation.
    pub fn observe(&mut self, read: Option<&str>) -> Option<String> {
        match read {
            Some(text) if self.current.as_deref() == Some(text) => {
                self.missing = 0;
                None
            }
            Some(text) => {
                self.current = Some(text.to_string());
                self.missing = 0;
                Some(text.to_string())
            }
            None => {
                self.missing = self.missing.saturating_add(1);
                if self.missing >= self.gone_after {
                    self.current = None;
                }
                None
            }
        }
    }

    /// Forgets the current card (e.g. after the receptionist dismissed it), so it may fire again.
    pub fn reset(&mut self) {
        self.current = None;
        self.missing = 0;
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
        for _ in 0..3 {
            assert_eq!(p.observe(None), None);
        }
        assert_eq!(p.observe(Some("B")).as_deref(), Some("B"), "the same card after it left");
        p.reset();
        assert_eq!(p.observe(Some("B")).as_deref(), Some("B"));
    }
}
