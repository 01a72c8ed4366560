//! Two processes checking in at once against one database file: every visit recorded, no duplicate
//! ticket, and no "database is locked" reaching the user.

use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};
use tiepdon::store::Store;

#[test]
fn two_processes_200_visits_each() {
    let dir = std::env::temp_dir().join(format!("tiepdon-writers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("desk.db");
    // Create the schema first so that both writers start on an existing file.
    drop(Store::open(&db).unwrap());
    let children: Vec<_> = (0..2_u64)
        .map(|w| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
                .arg("--db")
                .arg(&db)
                .args(["checkin", "--stdin", "--operator", &format!("writer-{w}")])
                .env_remove("TIEPDON_DB")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let ids: String = (0..200).map(|i| format!("{:012}\n", w * 1_000 + i)).collect();
            child.stdin.take().unwrap().write_all(ids.as_bytes()).unwrap();
            child
        })
        .collect();
    let mut tickets = HashSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "writer failed: {stderr}");
        assert!(!stderr.to_lowercase().contains("locked") && !stderr.contains("busy"), "{stderr}");
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(
                tickets.insert(v["ticket"].as_str().unwrap().to_string()),
                "duplicate ticket {}",
                v["ticket"]
            );
        }
    }
    assert_eq!(tickets.len(), 400);
    let store = Store::open(&db).unwrap();
    let (rows, distinct): (i64, i64) = store
        .conn()
        .query_row("SELECT COUNT(*), COUNT(DISTINCT desk || day || ticket) FROM visits", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((rows, distinct), (400, 400));
    let _ = std::fs::remove_dir_all(&dir);
}
