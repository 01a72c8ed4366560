//! `sync`, and the push that follows each write of a desk whose file is joined to a clinic server.

use super::{CommandResult, Outcome, open_store, print_json};
use crate::store::journal::{self, Synced};
use crate::store::{Location, Store, settings};
use std::time::{Duration, Instant};

/// Sends what a joined desk's journal holds, at once after a write, over one connection kept for the
/// run; after a failure it waits a few seconds before trying again (a scanner pipe is not slowed by a
/// server that is away).
pub struct Pusher {
    after: Option<Instant>,
    #[cfg(feature = "server")]
    server: Option<crate::store::server::PgStore>,
}

impl Pusher {
    pub fn new() -> Pusher {
        Pusher {
            after: None,
            #[cfg(feature = "server")]
            server: None,
        }
    }

    /// Tries to send now (quietly: a server away is told once on stderr; the visits wait).
    pub fn push(&mut self, local: &Store) {
        if self.after.is_some_and(|t| Instant::now() < t) {
            return;
        }
        match self.send(local) {
            Ok(Some(s)) if s.waiting > 0 => {
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

    #[cfg(feature = "server")]
    fn send(&mut self, local: &Store) -> Result<Option<Synced>, crate::store::StoreError> {
        let s = settings::load(local.conn())?;
        let Some(Ok(Location::Server(url))) = s.server.as_deref().map(Location::parse) else {
            return Ok(None);
        };
        if self.server.is_none() {
            match crate::store::server::PgStore::open(&url, local.path()) {
                Ok(server) => self.server = Some(server),
                Err(_) => {
                    let waiting = journal::waiting(local)?;
                    return Ok(Some(Synced { sent: 0, waiting, server: "unreachable" }));
                }
            }
        }
        let Some(server) = self.server.as_mut() else { return Ok(None) };
        let pushed = journal::push(local, server, &s.desk)?;
        if pushed.server == "unreachable" {
            self.server = None;
        }
        Ok(Some(pushed))
    }

    #[cfg(not(feature = "server"))]
    fn send(&mut self, local: &Store) -> Result<Option<Synced>, crate::store::StoreError> {
        sync_now(local)
    }
}

/// Sends the waiting events of the joined desk `local`; `None` when it is not joined to a server.
pub fn sync_now(local: &Store) -> Result<Option<Synced>, crate::store::StoreError> {
    let s = settings::load(local.conn())?;
    let Some(url) = s.server else { return Ok(None) };
    let Ok(Location::Server(url)) = Location::parse(&url) else { return Ok(None) };
    let waiting = journal::waiting(local)?;
    #[cfg(feature = "server")]
    {
        // The desk's own file is its roster copy too: a newer roster on the server is taken first.
        match crate::store::server::PgStore::open(&url, local.path()) {
            Ok(mut server) => Ok(Some(journal::push(local, &mut server, &s.desk)?)),
            Err(_) => Ok(Some(Synced { sent: 0, waiting, server: "unreachable" })),
        }
    }
    #[cfg(not(feature = "server"))]
    {
        let _ = url;
        Ok(Some(Synced { sent: 0, waiting, server: "unreachable" }))
    }
}

/// `tiepdon --db desk.db sync`: `{"sent", "waiting", "server"}`; exit 0 when nothing is left waiting.
pub fn sync(db: Option<&str>) -> CommandResult {
    let local = open_store(db)?;
    match sync_now(&local)? {
        None => Err(Outcome::Failed(
            "quầy này chưa nối với máy chủ: tiepdon --db TỆP settings set server URL / this desk is not joined to a \
             server: tiepdon --db FILE settings set server URL"
                .into(),
        )),
        Some(s) => {
            print_json(&s);
            Ok(if s.waiting == 0 { Outcome::Done } else { Outcome::Rejected })
        }
    }
}
