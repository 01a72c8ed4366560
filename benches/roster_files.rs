//! Roster files benchmark (issue 17): the same rows imported from tiepdon's CSV and from an Excel
//! workbook with Vietnamese headers (a two-row merged header over a title block), each by the real
//! `tiepdon import-roster` process into a new database; wall time and the process's peak memory
//! (`ru_maxrss`), median of the runs.
//!
//! ```sh
//! cargo bench --bench roster_files                      # 1M rows
//! cargo bench --bench roster_files -- --rows 100000
//! ```

use rust_xlsxwriter::{Format, Workbook};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tiepdon::demo;

fn rows_arg() -> u64 {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == "--rows")
        .and_then(|i| argv.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn write_csv(path: &Path, rows: u64) {
    use std::io::Write;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(w, "{}", demo::csv_header()).unwrap();
    for i in 0..rows {
        writeln!(w, "{}", demo::csv_line(&demo::person(i, 2025, today()))).unwrap();
    }
    w.flush().unwrap();
}

/// The same rows as an Excel list a clinic gets: a title, a merged two-row header in Vietnamese, ids
/// typed as numbers (leading zeros lost), dates as dd/MM/yyyy text.
fn write_xlsx(path: &Path, rows: u64) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    sheet.write_string(0, 0, "DANH SÁCH THẺ BHYT ĐĂNG KÝ KCB BAN ĐẦU — Quý IV năm 2026").unwrap();
    let heads = [
        "Mã thẻ BHYT",
        "Mã số BHXH",
        "Số CCCD",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Địa chỉ",
        "Nơi ĐKKCB BĐ",
    ];
    for (c, h) in heads.iter().enumerate() {
        sheet.merge_range(2, c as u16, 3, c as u16, h, &bold).unwrap();
    }
    sheet.merge_range(2, 8, 2, 9, "Giá trị sử dụng", &bold).unwrap();
    sheet.write_string(3, 8, "Từ ngày").unwrap();
    sheet.write_string(3, 9, "Đến ngày").unwrap();
    sheet.write_string(2, 10, "Trạng thái thẻ").unwrap();
    sheet.write_string(2, 11, "Ngày tra cứu").unwrap();
    let dmy = |iso: &Option<String>| {
        iso.as_deref().map(|d| format!("{}/{}/{}", &d[8..10], &d[5..7], &d[..4])).unwrap_or_default()
    };
    for i in 0..rows {
        let p = demo::person(i, 2025, today());
        let r = i as u32 + 4;
        let num = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<f64>().ok());
        sheet.write_string(r, 0, p.card_number.clone().unwrap_or_default()).unwrap();
        if let Some(n) = num(&p.bhxh_number) {
            sheet.write_number(r, 1, n).unwrap();
        }
        if let Some(n) = num(&p.citizen_id) {
            sheet.write_number(r, 2, n).unwrap();
        }
        sheet.write_string(r, 3, p.full_name.clone().unwrap_or_default()).unwrap();
        sheet.write_string(r, 4, dmy(&p.birth_date)).unwrap();
        sheet.write_string(r, 5, if p.sex == Some("male") { "Nam" } else { "Nữ" }).unwrap();
        sheet.write_string(r, 6, p.address.clone().unwrap_or_default()).unwrap();
        sheet.write_string(r, 7, p.facility_code.clone().unwrap_or_default()).unwrap();
        sheet.write_string(r, 8, dmy(&p.valid_from)).unwrap();
        sheet.write_string(r, 9, dmy(&p.valid_to)).unwrap();
        sheet.write_string(r, 10, p.status).unwrap();
        sheet.write_string(r, 11, dmy(&Some(p.as_of.clone()))).unwrap();
    }
    book.save(path).unwrap();
}

/// Runs the import as its own process: wall time and peak resident memory (MB).
fn import(db: &Path, file: &Path) -> (Duration, f64) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let started = Instant::now();
    // Reaped by `wait4` below, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_tiepdon"))
        .arg("--db")
        .arg(db)
        .args(["import-roster", "--operator", "bench", "--source", "vss-list", "--as-of", "2026-11-20"])
        .arg(file)
        .env_remove("TIEPDON_DB")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("tiepdon starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into locals of the right types.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    assert!(
        waited == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "import of {file:?} failed"
    );
    (took, usage.ru_maxrss as f64 / 1024.0)
}

fn main() {
    let rows = rows_arg();
    let dir = PathBuf::from("target/bench-roster-files");
    std::fs::create_dir_all(&dir).unwrap();
    let (csv, xlsx) = (dir.join(format!("roster-{rows}.csv")), dir.join(format!("roster-{rows}.xlsx")));
    if !csv.exists() {
        eprintln!("generating {}", csv.display());
        write_csv(&csv, rows);
    }
    if !xlsx.exists() {
        eprintln!("generating {}", xlsx.display());
        write_xlsx(&xlsx, rows);
    }
    let db = dir.join("bench.db");
    let (mut c, mut x) = (Vec::new(), Vec::new());
    // Interleaved, so that a noisy moment hits both alike.
    for run in 0..3 {
        eprintln!("run {}/3", run + 1);
        c.push(import(&db, &csv));
        x.push(import(&db, &xlsx));
    }
    let median = |mut v: Vec<(Duration, f64)>| {
        v.sort_by_key(|(d, _)| *d);
        v[v.len() / 2]
    };
    let ((ct, cm), (xt, xm)) = (median(c), median(x));
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    println!("| {rows} rows | file MB | import s (median of 3) | peak memory MB |\n|---|---:|---:|---:|");
    println!("| tiepdon CSV | {:.0} | {:.1} | {cm:.0} |", size(&csv), ct.as_secs_f64());
    println!(
        "| Excel .xlsx, Vietnamese two-row header | {:.0} | {:.1} | {xm:.0} |",
        size(&xlsx),
        xt.as_secs_f64()
    );
    println!("| ratio xlsx / CSV | | **{:.2}×** | |", xt.as_secs_f64() / ct.as_secs_f64());
}
