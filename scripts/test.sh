#!/usr/bin/env bash
# Runs every check and test of tiepdon: formatting, lints, then `cargo test` (the window tests run
# headless through egui_kittest, one rendering on the CPU through Mesa; the real-window tests start the
# window on Xvfb with openbox and type into it with xdotool; the store and server tests start a
# throwaway PostgreSQL of their own, Unix socket only, and stop it when they end, also on failure). Works on a fresh Debian 12 machine with
# the Rust toolchain; installs the packages it needs when missing (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
deps_need build test realwindow ocr server

if command -v rustfmt >/dev/null 2>&1; then
    cargo fmt --all -- --check
fi
if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --locked --all-targets -- -D warnings
fi
cargo test --locked
