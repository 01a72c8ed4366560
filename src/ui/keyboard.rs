//! Where typed text goes — one rule for the whole window:
//!
//! 1. Text goes to the text field that has the keyboard (the scanner field on Check-in, unless the
//!    receptionist clicked another field).
//! 2. With no text field holding the keyboard, on any screen, text goes to the scanner field on
//!    Check-in, and Enter there looks it up.
//! 3. A burst faster than anyone types (at least [`BURST_CHARS`] characters at more than
//!    [`BURST_RATE`] a second, ending in Enter) is a scanner: it goes to Check-in whole, whatever
//!    field has the keyboard, and that field keeps its text.
//!
//! For rule 3, while another field has the keyboard, its keystrokes are held back for
//! [`HOLD`] (too short to notice) until it is clear whether they are a person's or a scanner's.

use egui::{Event, ImeEvent, Key};
use std::time::{Duration, Instant};

/// How many characters make a scanner burst at the least (a typed card code has 15).
pub const BURST_CHARS: usize = 8;
/// Characters a second above which nobody types (fast typists sustain about 10).
pub const BURST_RATE: f64 = 25.0;
/// How long keystrokes into a field other than the scanner's are held back.
pub const HOLD: Duration = Duration::from_millis(80);

/// Keystrokes held back while it is not yet clear who is typing.
#[derive(Debug, Default)]
pub struct Keyboard {
    /// Events that came after held characters: handed on the next frame, once the field has taken
    /// the characters (a click in the same frame would take the keyboard away from it first).
    deferred: Vec<Event>,
    held: String,
    chars: usize,
    first_at: Option<Instant>,
    last_at: Option<Instant>,
}

/// Text from an event, if it inserts text (typed characters or an input method's committed text).
fn text_of(event: &Event) -> Option<&str> {
    match event {
        Event::Text(t) | Event::Ime(ImeEvent::Commit(t)) => Some(t.as_str()),
        _ => None,
    }
}

fn is_enter(event: &Event) -> bool {
    matches!(event, Event::Key { key: Key::Enter, pressed: true, .. })
}

/// Whether a key edits or leaves a field rather than typing a character (Enter, Backspace, arrows,
/// F-keys… or any key with Ctrl, Alt or Command). A character key arrives as a key event beside its text
/// event, and only the text counts.
fn is_command_key(key: Key, modifiers: egui::Modifiers) -> bool {
    use Key::*;
    let function_key =
        key.name().len() > 1 && key.name().starts_with('F') && key.name()[1..].parse::<u8>().is_ok();
    modifiers.command
        || modifiers.ctrl
        || modifiers.alt
        || function_key
        || matches!(
            key,
            Enter
                | Tab
                | Backspace
                | Delete
                | Insert
                | Escape
                | Home
                | End
                | PageUp
                | PageDown
                | ArrowUp
                | ArrowDown
                | ArrowLeft
                | ArrowRight
        )
}

/// Whether an event may pass characters held before it: everything but what acts on a field or on a
/// button reading it. A command key, a paste, a click or an accessibility action comes after the
/// characters typed before it.
fn passes_held(event: &Event) -> bool {
    match event {
        Event::Key { pressed: true, key, modifiers, .. } => !is_command_key(*key, *modifiers),
        Event::Paste(_)
        | Event::Cut
        | Event::Copy
        | Event::PointerButton { pressed: true, .. }
        | Event::AccessKitActionRequest(_) => false,
        _ => true,
    }
}

impl Keyboard {
    /// Whether the characters held form a scanner's burst.
    fn is_burst(&self) -> bool {
        let (Some(first), Some(last)) = (self.first_at, self.last_at) else { return false };
        let seconds = (last - first).as_secs_f64().max(0.001);
        self.chars >= BURST_CHARS && self.chars as f64 / seconds > BURST_RATE
    }

    fn take(&mut self) -> String {
        self.chars = 0;
        self.first_at = None;
        self.last_at = None;
        std::mem::take(&mut self.held)
    }

    /// Folds this frame's `events` while a field other than the scanner's has the keyboard: typed text
    /// is held back and given to the field once it is clearly a person's; a scanner's burst ending in
    /// Enter is taken out and returned. With `foreign_field` false, anything held is given back at once.
    pub fn filter(&mut self, events: &mut Vec<Event>, now: Instant, foreign_field: bool) -> Option<String> {
        if !self.deferred.is_empty() {
            events.splice(0..0, std::mem::take(&mut self.deferred));
        }
        if !foreign_field {
            if !self.held.is_empty() {
                events.insert(0, Event::Text(self.take()));
            }
            return None;
        }
        let mut scan = None;
        let mut out = Vec::with_capacity(events.len());
        let mut typed_now = false;
        let mut incoming = std::mem::take(events).into_iter();
        while let Some(event) = incoming.next() {
            if let Some(t) = text_of(&event) {
                if !t.is_empty() {
                    self.held.push_str(t);
                    self.chars += t.chars().count();
                    self.first_at.get_or_insert(now);
                    self.last_at = Some(now);
                    typed_now = true;
                }
                continue;
            }
            if is_enter(&event) && self.is_burst() {
                scan = Some(self.take());
                continue; // the scanner's Enter is not the field's
            }
            if !passes_held(&event) && !self.held.is_empty() {
                // The field takes the characters this frame; this event and the rest follow next frame.
                out.push(Event::Text(self.take()));
                self.deferred.push(event);
                self.deferred.extend(incoming.by_ref());
                break;
            }
            out.push(event);
        }
        let quiet = self.last_at.is_some_and(|last| now.duration_since(last) >= HOLD);
        if !typed_now && quiet && !self.held.is_empty() {
            out.push(Event::Text(self.take()));
        }
        *events = out;
        scan
    }

    /// Whether keystrokes are held (the window must wake after [`HOLD`] to hand them on).
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// Whether events wait for the next frame (the window must wake at once).
    pub fn deferring(&self) -> bool {
        !self.deferred.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Event {
        Event::Text(t.into())
    }

    fn enter() -> Event {
        Event::Key {
            key: Key::Enter,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Default::default(),
        }
    }

    fn texts(events: &[Event]) -> String {
        events.iter().filter_map(text_of).collect()
    }

    #[test]
    fn a_scanner_burst_is_taken_out_whole_and_the_field_gets_nothing() {
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let payload = "HT3797917199208|42c3b9692056c4836e|04/03/1962|1|-|79 - 228|01/02/2021|-|";
        // Spread over three frames 20 ms apart, as a slow window sees it.
        let (a, rest) = payload.split_at(30);
        let (b, c) = rest.split_at(30);
        let mut f1 = vec![text(a)];
        assert_eq!(k.filter(&mut f1, t0, true), None);
        assert!(f1.is_empty());
        let mut f2 = vec![text(b)];
        assert_eq!(k.filter(&mut f2, t0 + Duration::from_millis(20), true), None);
        let mut f3 = vec![text(c), enter()];
        assert_eq!(k.filter(&mut f3, t0 + Duration::from_millis(40), true).as_deref(), Some(payload));
        assert!(f3.is_empty(), "neither the text nor the Enter reach the field: {f3:?}");
    }

    #[test]
    fn a_person_typing_gets_every_key_in_order() {
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let mut given = String::new();
        // "nham nguoi" at 8 keys a second, then Enter.
        for (i, ch) in "nham nguoi".chars().enumerate() {
            let at = t0 + Duration::from_millis(125 * i as u64);
            let mut ev = vec![text(&ch.to_string())];
            assert_eq!(k.filter(&mut ev, at, true), None);
            given.push_str(&texts(&ev));
            // The next frame, HOLD later, hands the key on.
            let mut later = vec![];
            k.filter(&mut later, at + HOLD, true);
            given.push_str(&texts(&later));
        }
        assert_eq!(given, "nham nguoi");
        let mut ev = vec![enter()];
        assert_eq!(k.filter(&mut ev, t0 + Duration::from_secs(3), true), None);
        assert!(is_enter(&ev[0]));
    }

    #[test]
    fn held_keys_go_before_a_backspace_and_before_enter() {
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let backspace = Event::Key {
            key: Key::Backspace,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Default::default(),
        };
        let mut ev = vec![text("ab"), backspace.clone(), text("c"), enter()];
        assert_eq!(k.filter(&mut ev, t0, true), None);
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(text_of(&ev[0]), Some("ab"), "the field takes the characters first");
        let mut next = vec![];
        assert_eq!(k.filter(&mut next, t0 + Duration::from_millis(16), true), None);
        assert_eq!(next.len(), 2, "{next:?}");
        assert_eq!(next[0], backspace, "the Backspace follows on the next frame");
        assert_eq!(text_of(&next[1]), Some("c"));
        let mut last = vec![];
        k.filter(&mut last, t0 + Duration::from_millis(32), true);
        assert!(is_enter(&last[0]), "and Enter after the c: {last:?}");
    }

    #[test]
    fn the_key_events_beside_typed_characters_do_not_release_them() {
        // A real keyboard (and a wedge scanner) sends a key event before each character's text.
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let key = |key| Event::Key {
            key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Default::default(),
        };
        let mut ev = vec![];
        for (k_, t) in
            [(Key::H, "H"), (Key::T, "T"), (Key::Pipe, "|"), (Key::Num3, "3")].into_iter().cycle().take(40)
        {
            ev.push(key(k_));
            ev.push(text(t));
        }
        assert_eq!(k.filter(&mut ev, t0, true), None);
        assert_eq!(texts(&ev), "", "nothing reaches the field while the burst runs");
        let mut end = vec![enter()];
        let scan = k.filter(&mut end, t0 + Duration::from_millis(20), true).expect("a scan");
        assert_eq!(scan.len(), 40);
        assert!(scan.starts_with("HT|3HT|3"));
    }

    #[test]
    fn short_fast_text_is_a_person_not_a_scanner() {
        // Seven characters at once (a rolled-over word) then Enter: below the burst length.
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let mut ev = vec![text("nguyenv"), enter()];
        assert_eq!(k.filter(&mut ev, t0, true), None);
        assert_eq!(texts(&ev), "nguyenv");
        let mut next = vec![];
        assert_eq!(k.filter(&mut next, t0 + Duration::from_millis(16), true), None);
        assert!(is_enter(&next[0]), "Enter reaches the field: {next:?}");
    }

    #[test]
    fn nothing_is_held_when_the_scanner_field_has_the_keyboard() {
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let mut ev = vec![text("abc")];
        k.filter(&mut ev, t0, true);
        assert!(k.holding());
        let mut next = vec![text("d")];
        k.filter(&mut next, t0, false);
        assert_eq!(texts(&next), "abcd", "what was held comes first");
        assert!(!k.holding());
    }
}
