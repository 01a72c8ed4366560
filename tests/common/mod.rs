//! Helpers shared by the integration tests: running the real `tiepdon` binary.

#![allow(dead_code)]

pub mod desk;
pub mod pg;
pub mod vss;
pub mod xml0;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `tiepdon ARGS` with `stdin` piped in; returns the finished process output.
pub fn tiepdon(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tiepdon binary starts");
    child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()).expect("stdin accepts the input");
    child.wait_with_output().expect("tiepdon finishes")
}

/// Every stdout line parsed as a JSON object.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}
