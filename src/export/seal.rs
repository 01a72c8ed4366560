//! The sealed close of a day: every export file, and a manifest with the SHA-256 of each; verifying a
//! folder recomputes the hashes and says which file changed, went missing, or was added.

use super::files::write_atomic;
use super::xml0::is_visit_dir;
use crate::store::StoreError;
use crate::store::audit::sha256_hex;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "MANIFEST.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub day: String,
    pub facility_code: Option<String>,
    pub closed_at: String,
    pub closed_by: String,
    pub visits: usize,
    pub files: Vec<Entry>,
}

fn entry(dir: &Path, path: &Path) -> Result<Entry, StoreError> {
    let bytes = std::fs::read(path).map_err(|e| StoreError::io(path, e))?;
    let relative = path.strip_prefix(dir).unwrap_or(path);
    let file = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    Ok(Entry { file, bytes: bytes.len() as u64, sha256: sha256_hex(&bytes) })
}

/// Whether a manifest may name `file`: a file of the folder, or of its per-visit check-in folder —
/// nothing else.
fn allowed(file: &str) -> bool {
    let plain = |n: &str| !n.is_empty() && !n.starts_with('.') && !n.contains(['/', '\\']);
    match file.split_once('/') {
        None => plain(file),
        Some((dir, name)) => is_visit_dir(dir) && plain(name),
    }
}

/// Every file of `dir` and of its per-visit check-in folders, as manifest names.
fn present(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let list = |d: &Path| -> Vec<(String, bool)> {
        std::fs::read_dir(d)
            .map(|it| {
                it.filter_map(|e| e.ok())
                    .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path().is_dir()))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (name, is_dir) in list(dir) {
        if is_dir && is_visit_dir(&name) {
            names.extend(list(&dir.join(&name)).into_iter().map(|(n, _)| format!("{name}/{n}")));
        } else {
            names.push(name);
        }
    }
    names
}

/// Writes the manifest of `files` into `dir`; returns its own SHA-256 (kept in the store and the audit).
pub fn write_manifest(
    dir: &Path,
    files: &[PathBuf],
    header: (String, Option<String>, String, String, usize),
) -> Result<String, StoreError> {
    let (day, facility_code, closed_at, closed_by, visits) = header;
    let files = files.iter().map(|f| entry(dir, f)).collect::<Result<Vec<_>, _>>()?;
    let manifest = Manifest { day, facility_code, closed_at, closed_by, visits, files };
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    write_atomic(&dir.join(MANIFEST), &bytes)?;
    Ok(sha256_hex(&bytes))
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub ok: bool,
    pub day: String,
    pub manifest_sha256: String,
    /// Whether the manifest is the one sealed in the database at close (`None`: no database record to
    /// compare with). A manifest rewritten to match edited files fails here.
    pub manifest_matches_seal: Option<bool>,
    /// The seal's state in the database, when one was at hand.
    pub seal: Option<&'static str>,
    pub checked: usize,
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    /// Files in the folder that the manifest does not list.
    pub extra: Vec<String>,
}

/// Recomputes every hash of the manifest in `dir`.
pub fn verify(dir: &Path) -> Result<Verification, StoreError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        StoreError::invalid(format!("{MANIFEST} hỏng: {e}"), format!("{MANIFEST} is damaged: {e}"))
    })?;
    let mut v = Verification {
        ok: true,
        manifest_sha256: sha256_hex(&text),
        manifest_matches_seal: None,
        seal: None,
        day: manifest.day.clone(),
        checked: 0,
        changed: Vec::new(),
        missing: Vec::new(),
        extra: Vec::new(),
    };
    for e in &manifest.files {
        // A manifest names files of its own folder (and its per-visit folder), nothing else.
        if !allowed(&e.file) {
            v.changed.push(e.file.clone());
            continue;
        }
        let file = dir.join(&e.file);
        match std::fs::read(&file) {
            Ok(bytes) if sha256_hex(&bytes) == e.sha256 => v.checked += 1,
            Ok(_) => v.changed.push(e.file.clone()),
            Err(_) => v.missing.push(e.file.clone()),
        }
    }
    let listed: std::collections::HashSet<&str> = manifest.files.iter().map(|e| e.file.as_str()).collect();
    for name in present(dir) {
        if name != MANIFEST && !listed.contains(&name.as_str()) {
            v.extra.push(name);
        }
    }
    v.extra.sort();
    v.ok = v.changed.is_empty() && v.missing.is_empty() && v.extra.is_empty();
    Ok(v)
}

/// Records what the database says of this manifest: anything but a standing seal fails.
pub fn check_seal(v: &mut Verification, seal: crate::store::closure::Seal) {
    use crate::store::closure::Seal;
    v.manifest_matches_seal = Some(seal == Seal::Standing);
    v.seal = Some(match seal {
        Seal::Standing => "sealed",
        Seal::Reopened => "reopened after this seal",
        Seal::Unknown => "not sealed by this database",
    });
    if seal != Seal::Standing {
        v.ok = false;
    }
}
