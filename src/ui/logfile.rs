//! The window's log: `tiepdon.log` in the data directory, owner-only, appended. Events only — tickets,
//! outcomes, errors — never names, card numbers or payloads (personal data).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;

/// The log file name.
pub const LOG_FILE: &str = "tiepdon.log";

struct FileLog(Mutex<File>);

impl log::Log for FileLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        // tiepdon's own events; only warnings and errors from the libraries (wgpu is talkative).
        m.level() <= if m.target().starts_with("tiepdon") { log::Level::Info } else { log::Level::Warn }
    }

    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata())
            && let Ok(mut f) = self.0.lock()
        {
            let at = crate::clock::rfc3339(crate::clock::now_utc());
            let _ = writeln!(f, "{at} {} {}: {}", r.level(), r.target(), r.args());
        }
    }

    fn flush(&self) {
        if let Ok(mut f) = self.0.lock() {
            let _ = f.flush();
        }
    }
}

/// Sends `log` records to `dir/tiepdon.log`. Does nothing if a logger is already set or the file
/// cannot be opened (the desk works without a log).
pub fn install(dir: &Path) {
    let _ = std::fs::create_dir_all(dir);
    let Ok(file) = OpenOptions::new().create(true).append(true).mode(0o600).open(dir.join(LOG_FILE)) else {
        return;
    };
    if log::set_boxed_logger(Box::new(FileLog(Mutex::new(file)))).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}
