//! Writing export files safely: owner-only, atomically (a temporary file, synced, then renamed), so a
//! crash or a full disk never leaves half a file under the real name.

use crate::store::StoreError;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically, mode 0600.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_many(&[(path, bytes)])
}

/// Writes many files, each atomically and owner-only (see [`write_many`]). Returns the paths, in order.
pub fn write_all_atomic(items: &[(PathBuf, Vec<u8>)]) -> Result<Vec<PathBuf>, StoreError> {
    let borrowed: Vec<(&Path, &[u8])> = items.iter().map(|(p, b)| (p.as_path(), b.as_slice())).collect();
    write_many(&borrowed)?;
    Ok(items.iter().map(|(p, _)| p.clone()).collect())
}

/// Above this many files, one `syncfs` of the file system replaces an fsync per file: a day's per-visit
/// check-in files are thousands of small files, and an fsync each costs seconds.
const SYNC_EACH_UP_TO: usize = 16;

/// Every file first written to a temporary file of a fresh name (`create_new`: two exports at once, or
/// a stale or planted temporary file, can never share or reuse one) and made durable (an fsync each,
/// or for many files one `syncfs`); then all renamed; then each folder synced once, so the renames
/// are durable. A crash at any point leaves each real name with its old or its new complete content. On
/// an error the temporary files are removed.
fn write_many(items: &[(&Path, &[u8])]) -> Result<(), StoreError> {
    let one_sync = items.len() > SYNC_EACH_UP_TO;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut temps: Vec<PathBuf> = Vec::with_capacity(items.len());
    let fail = |temps: &[PathBuf], path: &Path, e: std::io::Error| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
        StoreError::io(path, e)
    };
    for (path, bytes) in items {
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp =
            dir.join(format!(".{name}.tmp-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let written = (|| {
            let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
            temps.push(temp.clone());
            file.write_all(bytes)?;
            if one_sync { Ok(()) } else { file.sync_all() }
        })();
        if let Err(e) = written {
            return Err(fail(&temps, path, e));
        }
    }
    let mut dirs: Vec<&Path> = Vec::new();
    for (path, _) in items {
        let dir = path.parent().unwrap_or(Path::new("."));
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    if one_sync {
        for dir in &dirs {
            let synced =
                std::fs::File::open(dir).and_then(|d| rustix::fs::syncfs(&d).map_err(std::io::Error::from));
            if let Err(e) = synced {
                return Err(fail(&temps, dir, e));
            }
        }
    }
    for ((path, _), temp) in items.iter().zip(&temps) {
        if let Err(e) = std::fs::rename(temp, path) {
            return Err(fail(&temps, path, e));
        }
    }
    for dir in dirs {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io(dir, e))?;
    }
    Ok(())
}

/// Writes `files` (name → bytes) as the folder `dir`, replacing it whole: they are written into a new
/// hidden folder beside it (owner-only), made durable, and swapped in by one atomic rename
/// (`RENAME_EXCHANGE`), so `dir` holds the old set or the new one, never a mix or a stale file; the old
/// set is then removed. One file created per file (no temporary name each): a day's thousands of
/// per-visit check-in files cost a fraction of writing each atomically. Returns the final paths.
pub fn replace_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<Vec<PathBuf>, StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let parent = dir.parent().unwrap_or(Path::new("."));
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let fresh = |what: &str| {
        parent.join(format!(".{name}.{what}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)))
    };
    let new = fresh("new");
    std::fs::DirBuilder::new().mode(0o700).create(&new).map_err(|e| StoreError::io(&new, e))?;
    let one_sync = files.len() > SYNC_EACH_UP_TO;
    let filled = (|| -> std::io::Result<()> {
        for (file, bytes) in files {
            let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(new.join(file))?;
            f.write_all(bytes)?;
            if !one_sync {
                f.sync_all()?;
            }
        }
        let folder = std::fs::File::open(&new)?;
        if one_sync {
            rustix::fs::syncfs(&folder)?;
        }
        folder.sync_all()
    })();
    if let Err(e) = filled {
        let _ = std::fs::remove_dir_all(&new);
        return Err(StoreError::io(dir, e));
    }
    let swapped = if dir.exists() {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, &new, CWD, dir, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(Some(new.clone())),
            // A file system without an atomic exchange: move the old folder aside, then the new in.
            Err(_) => {
                let old = fresh("old");
                std::fs::rename(dir, &old).and_then(|()| std::fs::rename(&new, dir)).map(|()| Some(old))
            }
        }
    } else {
        std::fs::rename(&new, dir).map(|()| None)
    };
    let old = match swapped {
        Ok(old) => old,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&new);
            return Err(StoreError::io(dir, e));
        }
    };
    std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(|e| StoreError::io(parent, e))?;
    if let Some(old) = old {
        std::fs::remove_dir_all(&old).map_err(|e| StoreError::io(&old, e))?;
    }
    Ok(files.iter().map(|(file, _)| dir.join(file)).collect())
}

/// Creates the output folder (owner-only) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| StoreError::io(dir, e))
}
