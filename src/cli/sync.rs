//! `sync`, and the push that follows each write of a desk whose file is joined to a clinic server.

use super::{CommandResult, Outcome, open_store, print_json};
use crate::store::Store;
use crate::store::journal;
use std::time::{Duration, Instant};

/// Sends what a joined desk's journal holds, at once after a write, over one connection kept for the
/// run; after a failure it waits a few seconds before trying again (a scanner pipe is not slowed by a
/// server that is away).
pub struct Pusher {
    after: Option<Instant>,
    sender: journal::Sender,
}

impl Pusher {
    pub fn new() -> Pusher {
        Pusher { after: None, sender: journal::Sender::staying() }
    }

    /// Tries to send now (quietly: a server away is told once on stderr; the visits wait).
    pub fn push(&mut self, local: &Store) {
        if self.after.is_some_and(|t| Instant::now() < t) {
            return;
        }
        match self.sender.send(local) {
            Ok(Some(s)) if s.waiting > 0 => {
                tell_refused(&s);
                if self.after.is_none() {
                    eprintln!(
                        "tiepdon: máy chủ chưa nhận: {} lượt chờ đồng bộ (tiepdon sync) / the server did not take \
                         them yet: {} visits waiting (tiepdon sync)",
                        s.waiting, s.waiting
                    );
                }
                self.after = Some(Instant::now() + Duration::from_secs(10));
            }
            Ok(_) => self.after = None,
            Err(e) => {
                eprintln!("tiepdon: {e}");
                self.after = Some(Instant::now() + Duration::from_secs(10));
            }
        }
    }
}

/// Says on stderr what the server refused (it stays waiting, with its reason, and is offered again).
fn tell_refused(s: &journal::Synced) {
    for r in &s.refused {
        eprintln!("tiepdon: máy chủ không nhận / the server refused: {r}");
    }
}

/// `tiepdon --db desk.db sync`: `{"sent", "waiting", "server"}`; exit 0 when nothing is left waiting.
pub fn sync(db: Option<&str>) -> CommandResult {
    let local = open_store(db)?;
    // `sync` is how a desk says it is done: once nothing waits, its silence holds no close back.
    match journal::Sender::default().send(&local)? {
        None => Err(Outcome::Failed(
            "quầy này chưa nối với máy chủ: tiepdon --db TỆP settings set server URL / this desk is not joined to a \
             server: tiepdon --db FILE settings set server URL"
                .into(),
        )),
        Some(s) => {
            tell_refused(&s);
            print_json(&s);
            Ok(if s.waiting == 0 { Outcome::Done } else { Outcome::Rejected })
        }
    }
}
