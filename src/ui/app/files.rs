//! Files and folders a receptionist chooses: the system's file dialog (xdg-desktop-portal, or zenity
//! where no portal runs) on its own thread, never a typed path; opening a folder in the system's file
//! manager; switching to another database.

use super::{App, Screen};
use crate::ui::Pick;
use crate::ui::lang::Message;
use crate::ui::state::Notice;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

/// A dialog open on its own thread: what it is for, and its answer (None: cancelled).
pub(in crate::ui) struct Picking {
    what: Pick,
    answer: Receiver<Option<PathBuf>>,
    opened: std::time::Instant,
}

/// An answer quicker than this is no person's: the dialog could not open.
const NO_DIALOG: std::time::Duration = std::time::Duration::from_millis(400);

/// Where a dialog starts: the folder of `path`, if it exists.
fn start_in(path: &Path) -> Option<PathBuf> {
    let dir = if path.is_dir() { Some(path) } else { path.parent() };
    dir.filter(|d| d.is_dir()).map(Path::to_path_buf)
}

impl App {
    /// Opens the dialog for `what` (one at a time).
    pub(super) fn pick(&mut self, what: Pick) {
        if self.picking.is_some() {
            return;
        }
        let lang = self.lang();
        let mut dialog = rfd::FileDialog::new();
        dialog = match what {
            Pick::Roster => dialog
                .set_title(lang.tr("Chọn tệp danh sách thẻ BHYT", "Choose the coverage roster file"))
                .add_filter(
                    lang.tr("Danh sách thẻ (CSV, Excel, XML 130)", "Card list (CSV, Excel, XML 130)"),
                    &[
                        "csv", "CSV", "tsv", "txt", "xlsx", "XLSX", "xlsm", "xls", "XLS", "xlsb", "ods",
                        "xml", "XML",
                    ],
                ),
            Pick::ExportFolder => dialog.set_title(lang.tr("Chọn thư mục xuất", "Choose the export folder")),
            Pick::Database | Pick::NewDatabase => dialog
                .set_title(lang.tr("Chọn tệp cơ sở dữ liệu", "Choose the database file"))
                .add_filter(lang.tr("Cơ sở dữ liệu tiepdon", "tiepdon database"), &["db", "sqlite"]),
        };
        let current = match what {
            Pick::Roster => PathBuf::from(self.settings.roster_path.trim()),
            Pick::ExportFolder => PathBuf::from(self.day_end.folder.trim()),
            Pick::Database | Pick::NewDatabase => self.launch.db.clone(),
        };
        if let Some(dir) =
            start_in(&current).or_else(|| directories::UserDirs::new().map(|u| u.home_dir().into()))
        {
            dialog = dialog.set_directory(dir);
        }
        let (tx, answer) = channel();
        let wake = self.wake.clone();
        std::thread::spawn(move || {
            let chosen = match what {
                Pick::Roster | Pick::Database => dialog.pick_file(),
                Pick::ExportFolder => dialog.pick_folder(),
                Pick::NewDatabase => dialog.set_file_name("tiepdon.db").save_file(),
            };
            let _ = tx.send(chosen);
            wake();
        });
        self.picking = Some(Picking { what, answer, opened: std::time::Instant::now() });
        log::info!(target: "tiepdon", "file dialog opened ({what:?})");
    }

    /// Folds a dialog's answer.
    pub(super) fn drain_picks(&mut self) {
        let Some(p) = &self.picking else { return };
        let answer = match p.answer.try_recv() {
            Ok(answer) => answer,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => None,
        };
        let (what, quick) = (p.what, p.opened.elapsed() < NO_DIALOG);
        self.picking = None;
        let Some(path) = answer else {
            if quick {
                // rfd says "cancelled" both for a cancel and for a dialog that could not open.
                self.state.notice = Some(Notice {
                    message: Message::new(
                        "Không mở được hộp chọn tệp trên máy này: nhờ người quản trị máy cài xdg-desktop-portal hoặc zenity.",
                        "The file dialog did not open on this computer: ask its administrator to install xdg-desktop-portal or zenity.",
                    ),
                    error: true,
                });
            }
            return;
        };
        match what {
            Pick::Roster => {
                self.settings.roster_path = path.display().to_string();
                self.settings.reveal_import = true;
                self.settings.preview_wanted = true;
                self.screen = Screen::Settings;
            }
            Pick::ExportFolder => self.day_end.folder = path.display().to_string(),
            Pick::Database | Pick::NewDatabase => self.open_database(path),
        }
    }

    /// Shows `path` in the system's file manager.
    pub(super) fn open_folder(&mut self, path: &Path) {
        let opened = std::process::Command::new("xdg-open")
            .arg(path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match opened {
            // Reaped on a helper thread: xdg-open may wait for the file manager.
            Ok(mut child) => drop(std::thread::spawn(move || child.wait())),
            Err(e) => {
                self.state.notice = Some(Notice {
                    message: Message::new(
                        format!("Không mở được thư mục {} ({e}).", path.display()),
                        format!("Cannot open the folder {} ({e}).", path.display()),
                    ),
                    error: true,
                });
            }
        }
    }
}
