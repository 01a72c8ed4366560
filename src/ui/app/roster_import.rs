//! Roster import from the window: on its own thread with its own database connection, its progress
//! read from two counters each frame.

use super::App;
use crate::store::Store;
use crate::store::StoreError;
use crate::store::import::{self, Mode, Options};
use crate::ui::lang::Message;
use crate::ui::state::{ImportProgress, RosterPreview};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, channel};

/// A roster import on its own thread (its own database connection).
pub(super) struct ImportTask {
    pub(super) done: Arc<AtomicU64>,
    pub(super) total: Arc<AtomicU64>,
    pub(super) result: Receiver<Result<import::Summary, StoreError>>,
}

impl App {
    /// Reads how `path` would be imported (its header and mapping, masked samples) on a thread.
    pub(super) fn start_preview(&mut self, path: std::path::PathBuf) {
        let (tx, rx) = channel();
        let (db, wake) = (self.launch.db.clone(), self.wake.clone());
        self.state.roster_preview = None;
        std::thread::spawn(move || {
            let read = || Store::open(&db).and_then(|store| import::inspect(&store, &path, &[]));
            let preview = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
                Ok(Ok(v)) => preview_of(path, &v),
                Ok(Err(e)) => RosterPreview { path, problems: vec![Message::from(e)], ..Default::default() },
                Err(_) => RosterPreview {
                    path,
                    problems: vec![Message::new(
                        "Lỗi nội bộ khi đọc tệp.",
                        "Internal error reading the file.",
                    )],
                    ..Default::default()
                },
            };
            let _ = tx.send(preview);
            wake();
        });
        self.roster_preview = Some(rx);
    }

    pub(super) fn start_import(&mut self, path: std::path::PathBuf, replace: bool, map: Vec<String>) {
        if self.import.is_some() {
            return;
        }
        let done = Arc::new(AtomicU64::new(0));
        let total = Arc::new(AtomicU64::new(0));
        let (tx, result) = channel();
        let wake = self.wake.clone();
        let (d, t, db, operator, clock) =
            (done.clone(), total.clone(), self.launch.db.clone(), self.operator(), self.launch.clock.clone());
        let file = path.display().to_string();
        std::thread::spawn(move || {
            let opts = Options {
                mode: if replace { Mode::Replace } else { Mode::Merge },
                skip_bad: false,
                reject_file: None,
                default_as_of: None,
                origin: None,
                map,
            };
            let run = || {
                Store::open(&db).and_then(|mut store| {
                    import::import(&mut store, &path, &opts, &operator, clock(), &mut |n, of| {
                        d.store(n, Ordering::Relaxed);
                        t.store(of, Ordering::Relaxed);
                    })
                })
            };
            // A panic is an error like any other (the transaction rolls back: nothing half-imported).
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
                Err(StoreError::invalid(
                    "Lỗi nội bộ khi nhập; không có gì được ghi.",
                    "Internal error during the import; nothing was written.",
                ))
            });
            let _ = tx.send(r);
            wake();
        });
        self.state.import = Some(ImportProgress { file, ..Default::default() });
        self.import = Some(ImportTask { done, total, result });
    }
}

/// The preview the Settings screen draws, from `import::inspect`'s answer.
fn preview_of(path: std::path::PathBuf, v: &serde_json::Value) -> RosterPreview {
    let text = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
    let columns = v["columns"]
        .as_array()
        .map(|cols| {
            cols.iter()
                .filter(|c| c.is_object())
                .map(|c| {
                    let samples = c["samples_masked"]
                        .as_array()
                        .map(|s| s.iter().map(text).collect())
                        .unwrap_or_default();
                    (text(&c["header"]), text(&c["maps_to"]), samples)
                })
                .collect()
        })
        .unwrap_or_default();
    let problems = v["problems"]
        .as_array()
        .map(|p| p.iter().map(|m| Message::new(text(&m["vi"]), text(&m["en"]))).collect())
        .unwrap_or_default();
    RosterPreview { path, columns, problems, kind: text(&v["kind"]) }
}

/// What an import did, in words.
pub(super) fn import_message(s: &import::Summary) -> Message {
    let mut m = Message::new(
        format!(
            "Đã nhập {}: {} dòng, {} thẻ mới, {} cập nhật, {} dòng lỗi.",
            s.file, s.rows_read, s.inserted, s.updated, s.rejected
        ),
        format!(
            "Imported {}: {} rows, {} new, {} updated, {} bad rows.",
            s.file, s.rows_read, s.inserted, s.updated, s.rejected
        ),
    );
    if !s.unknown_columns.is_empty() {
        let cols = s.unknown_columns.join(", ");
        m.vi.push_str(&format!(" Cột không dùng: {cols}."));
        m.en.push_str(&format!(" Columns not used: {cols}."));
    }
    if !s.committed {
        m.vi.push_str(" Không ghi gì vì có dòng lỗi; sửa tệp rồi nhập lại.");
        m.en.push_str(" Nothing was written because of bad rows; fix the file and import again.");
    }
    m
}
