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

use egui::{Event, Id, Key};
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
    /// Key events that came after held characters: handed on the next frame, once the field has taken
    /// the characters.
    deferred: Vec<Event>,
    held: String,
    /// The field the held characters were typed into.
    held_for: Option<Id>,
    chars: usize,
    first_at: Option<Instant>,
    last_at: Option<Instant>,
}

/// Typed characters in an event. An input method's committed text is not counted: a person composes
/// it (it is handed on at once, after anything held).
fn text_of(event: &Event) -> Option<&str> {
    match event {
        Event::Text(t) => Some(t.as_str()),
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

/// What an event does to characters held before it.
enum Order {
    /// It cannot act on the field: it may pass them (pointer motion, key releases, character keys).
    Passes,
    /// It acts on the field or on a button reading it, and egui has already taken it into account
    /// (a click, an accessibility action): the held characters go first, in the same frame.
    After,
    /// It edits or leaves the field (a command key, a paste, input-method text): the held characters go
    /// this frame, the event and everything after it next frame.
    NextFrame,
}

fn order(event: &Event) -> Order {
    match event {
        Event::Key { pressed: true, key, modifiers, .. } if is_command_key(*key, *modifiers) => {
            Order::NextFrame
        }
        Event::Paste(_) | Event::Cut | Event::Copy | Event::Ime(_) => Order::NextFrame,
        Event::PointerButton { pressed: true, .. } | Event::AccessKitActionRequest(_) => Order::After,
        _ => Order::Passes,
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
        self.held_for = None;
        std::mem::take(&mut self.held)
    }

    /// Forgets everything held and deferred (the operator prompt opened, say).
    pub fn reset(&mut self) {
        self.take();
        self.deferred.clear();
    }

    /// Folds this frame's `events`. While `field`, a text field other than the scanner's, has the
    /// keyboard, typed characters are held back and given to it once they are clearly a person's; a
    /// scanner's burst ending in Enter is taken out and returned. Characters held for a field that has
    /// lost the keyboard since (Esc, a click elsewhere) are dropped: they were that field's, never the
    /// scanner field's.
    pub fn filter(&mut self, events: &mut Vec<Event>, now: Instant, field: Option<Id>) -> Option<String> {
        if !self.deferred.is_empty() {
            events.splice(0..0, std::mem::take(&mut self.deferred));
        }
        if !self.held.is_empty() && self.held_for != field {
            self.take();
        }
        let field = field?;
        let mut scan = None;
        let mut out = Vec::with_capacity(events.len());
        let mut typed_now = false;
        let mut incoming = std::mem::take(events).into_iter();
        while let Some(event) = incoming.next() {
            if let Some(t) = text_of(&event) {
                if !t.is_empty() {
                    self.held.push_str(t);
                    self.held_for = Some(field);
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
            if !self.held.is_empty() {
                match order(&event) {
                    Order::Passes => {}
                    Order::After => out.push(Event::Text(self.take())),
                    Order::NextFrame => {
                        out.push(Event::Text(self.take()));
                        self.deferred.push(event);
                        self.deferred.extend(incoming.by_ref());
                        break;
                    }
                }
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

    const F: Option<Id> = Some(Id::NULL);

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
        assert_eq!(k.filter(&mut f1, t0, F), None);
        assert!(f1.is_empty());
        let mut f2 = vec![text(b)];
        assert_eq!(k.filter(&mut f2, t0 + Duration::from_millis(20), F), None);
        let mut f3 = vec![text(c), enter()];
        assert_eq!(k.filter(&mut f3, t0 + Duration::from_millis(40), F).as_deref(), Some(payload));
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
            assert_eq!(k.filter(&mut ev, at, F), None);
            given.push_str(&texts(&ev));
            // The next frame, HOLD later, hands the key on.
            let mut later = vec![];
            k.filter(&mut later, at + HOLD, F);
            given.push_str(&texts(&later));
        }
        assert_eq!(given, "nham nguoi");
        let mut ev = vec![enter()];
        assert_eq!(k.filter(&mut ev, t0 + Duration::from_secs(3), F), None);
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
        assert_eq!(k.filter(&mut ev, t0, F), None);
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(text_of(&ev[0]), Some("ab"), "the field takes the characters first");
        let mut next = vec![];
        assert_eq!(k.filter(&mut next, t0 + Duration::from_millis(16), F), None);
        assert_eq!(next.len(), 2, "{next:?}");
        assert_eq!(next[0], backspace, "the Backspace follows on the next frame");
        assert_eq!(text_of(&next[1]), Some("c"));
        let mut last = vec![];
        k.filter(&mut last, t0 + Duration::from_millis(32), F);
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
        assert_eq!(k.filter(&mut ev, t0, F), None);
        assert_eq!(texts(&ev), "", "nothing reaches the field while the burst runs");
        let mut end = vec![enter()];
        let scan = k.filter(&mut end, t0 + Duration::from_millis(20), F).expect("a scan");
        assert_eq!(scan.len(), 40);
        assert!(scan.starts_with("HT|3HT|3"));
    }

    #[test]
    fn short_fast_text_is_a_person_not_a_scanner() {
        // Seven characters at once (a rolled-over word) then Enter: below the burst length.
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let mut ev = vec![text("nguyenv"), enter()];
        assert_eq!(k.filter(&mut ev, t0, F), None);
        assert_eq!(texts(&ev), "nguyenv");
        let mut next = vec![];
        assert_eq!(k.filter(&mut next, t0 + Duration::from_millis(16), F), None);
        assert!(is_enter(&next[0]), "Enter reaches the field: {next:?}");
    }

    #[test]
    fn characters_held_for_a_field_that_lost_the_keyboard_go_nowhere() {
        // Esc (or a click elsewhere) took the keyboard from the field: its last letters are dropped,
        // never sent to the scanner field.
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let mut ev = vec![text("abc")];
        k.filter(&mut ev, t0, F);
        assert!(k.holding());
        let mut next = vec![text("d")];
        k.filter(&mut next, t0, None);
        assert_eq!(texts(&next), "d", "nothing held comes back: {next:?}");
        assert!(!k.holding());
        let mut other = vec![text("x")];
        k.filter(&mut other, t0, Some(Id::unique("another")));
        assert!(k.holding(), "a new field holds its own");
    }

    #[test]
    fn a_click_follows_the_held_characters_in_the_same_frame() {
        let mut k = Keyboard::default();
        let t0 = Instant::now();
        let click = Event::PointerButton {
            pos: egui::pos2(1.0, 1.0),
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: Default::default(),
        };
        let mut ev = vec![text("B"), click.clone()];
        k.filter(&mut ev, t0, F);
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert_eq!(text_of(&ev[0]), Some("B"));
        assert_eq!(ev[1], click, "not deferred: egui has already seen the press");
        assert!(!k.deferring());
    }
}
