#!/usr/bin/env bash
# Fuzzes tiepdon with cargo-fuzz (libFuzzer + AddressSanitizer): each target for MINUTES minutes
# (default 10), PARALLEL at a time (default 2, the machine's cores), then prints a table: runs,
# coverage, corpus, crashes. Crashes land in fuzz/artifacts/TARGET/ (re-run one with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-…`).
# Usage: scripts/fuzz.sh [MINUTES] [TARGET…]   (targets: payload typed_number roster_row image xml_export)
# The stable toolchain runs cargo-fuzz's nightly flags through RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(payload typed_number roster_row image xml_export)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cd fuzz
cargo fuzz build -O
mkdir -p logs
run() {
    local t="$1"
    mkdir -p "corpus/$t"
    cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time=$((minutes * 60)) -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 > "logs/$t.log" 2>&1 || true
}
i=0
for t in "${targets[@]}"; do
    run "$t" &
    i=$((i + 1))
    if [ $((i % ${PARALLEL:-2})) -eq 0 ]; then wait; fi
done
wait
echo "| target | minutes | runs | coverage (edges) | corpus | crashes |"
echo "|---|---:|---:|---:|---:|---:|"
for t in "${targets[@]}"; do
    log="logs/$t.log"
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    corp=$(ls "corpus/$t" 2>/dev/null | wc -l)
    crashes=$(ls "artifacts/$t" 2>/dev/null | grep -c -E '^(crash|leak|oom|timeout)-' || true)
    echo "| $t | $minutes | ${runs:-?} | ${cov:-?} | $corp | $crashes |"
done
