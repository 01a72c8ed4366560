//! The online re-check through the VSS gateway (issue 21), against a fake gateway on 127.0.0.1: every
//! result code, a token expiring mid-run, a gateway that is slow, failing or answering nonsense, wrong
//! credentials, a thousand queued visits, and a check-in never kept waiting by the gateway.

mod common;

use common::desk::{Db, Run, run_at};
use common::vss::{FakeVss, OFFICER_CCCD, PASSWORD, USER};
use serde_json::Value;
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-23T02:00:00Z";
const DAY: &str = "2026-11-23";

/// A card code (not in any roster: checked in card-only, CANNOT_VERIFY) whose last three digits are
/// `tail` — what the fake gateway answers for it.
fn card(n: u32, tail: &str) -> String {
    format!("DN401{n:07}{tail}")
}

fn run(db: &Db, args: &[&str]) -> Run {
    run_at(NOW, db, args)
}

/// A desk whose gateway account points at `fake` (timeout 1 s), with `password`.
fn desk(name: &str, fake: &FakeVss, password: &str) -> Db {
    let db = Db::new(name);
    for (k, v) in [
        ("vss_url", fake.url.as_str()),
        ("vss_username", USER),
        ("vss_password", password),
        ("vss_officer_cccd", OFFICER_CCCD),
        ("vss_timeout_seconds", "1"),
    ] {
        let r = run(&db, &["settings", "set", k, v]);
        assert_eq!(r.code, 0, "{k}: {}", r.err);
    }
    db
}

/// Checks `cards` in at `db` from one scanner pipe; the tickets, in order.
fn check_in(db: &Db, cards: &[String]) -> Vec<String> {
    common::desk::check_in_lines(NOW, &db.arg(), cards)
}

fn by_ticket(lines: &[Value]) -> HashMap<String, Value> {
    lines.iter().map(|l| (l["ticket"].as_str().unwrap().to_string(), l.clone())).collect()
}

#[test]
fn every_result_code_is_mapped_stored_beside_its_visit_and_audited() {
    let fake = FakeVss::start();
    let db = desk("recheck-codes", &fake, PASSWORD);
    let table = [
        ("000", "confirmed"),
        ("001", "confirmed"),
        ("002", "confirmed"),
        ("003", "different"),
        ("004", "confirmed"),
        ("010", "different"),
        ("050", "refused"),
        ("051", "refused"),
        ("052", "refused"),
        ("053", "refused"),
        ("060", "different"),
        ("061", "different"),
        ("070", "different"),
        ("110", "different"),
        ("120", "different"),
        ("121", "different"),
        ("122", "different"),
        ("123", "different"),
        ("124", "different"),
        ("130", "refused"),
        ("205", "refused"),
    ];
    let cards: Vec<String> = table.iter().enumerate().map(|(i, (code, _))| card(i as u32, code)).collect();
    let tickets = check_in(&db, &cards);
    let r = run(&db, &["recheck", "--date", DAY]);
    assert_eq!(r.code, 0, "the queue is drained whatever the answers: {}", r.err);
    assert_eq!(r.out.len(), table.len());
    let lines = by_ticket(&r.out);
    for ((code, outcome), (ticket, card)) in table.iter().zip(tickets.iter().zip(&cards)) {
        let l = &lines[ticket];
        assert_eq!(l["result_code"], *code, "{l}");
        assert_eq!(l["outcome"], *outcome, "{code}: {l}");
        assert_eq!(l["card_number"], card.as_str());
        assert_eq!(l["gateway"]["maThe"], card.as_str(), "the card fields returned");
        assert!(l["gateway"].get("dsLichSuKT2018").is_none(), "histories are not kept: {l}");
        assert!(l["note"].as_str().unwrap().contains(code));
    }
    assert!(fake.state().officers.contains(&(OFFICER_CCCD.to_string(), "test-op".to_string())));
    // Stored beside each visit, in the audit chain, and never asked again.
    let visits = run(&db, &["visits", "--date", DAY]).out;
    for v in &visits {
        let rc = &v["recheck"];
        assert_eq!(rc["outcome"], lines[v["ticket"].as_str().unwrap()]["outcome"], "{v}");
    }
    let audit = run(&db, &["audit", "verify"]);
    assert_eq!(audit.only(0)["ok"], true);
    let store = tiepdon::store::Store::open(&db.path).unwrap();
    let audited: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM audit WHERE action = 'recheck'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(audited, table.len() as i64);
    let secrets: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE ?1 OR detail LIKE '%access-%'",
            [format!("%{PASSWORD}%")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(secrets, 0, "no credential in the audit trail");
    let again = run(&db, &["recheck", "--date", DAY]);
    assert_eq!((again.code, again.out.len()), (0, 0), "nothing left to ask");
    let checks = fake.state().checks;
    assert_eq!(checks, table.len() as u64);
}

#[test]
fn a_token_that_expires_mid_run_is_taken_again_and_every_visit_answered() {
    let fake = FakeVss::start();
    fake.state().token_checks = Some(4);
    let db = desk("recheck-token", &fake, PASSWORD);
    let cards: Vec<String> = (0..15).map(|i| card(i, "000")).collect();
    check_in(&db, &cards);
    let r = run(&db, &["recheck"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.iter().all(|l| l["outcome"] == "confirmed"), "{:?}", r.out);
    assert_eq!(r.out.len(), 15);
    assert!(fake.state().tokens_issued >= 4, "a new token each time one expired");
}

#[test]
fn a_slow_failing_or_nonsense_answer_leaves_the_visit_queued_with_the_reason() {
    let fake = FakeVss::start();
    let db = desk("recheck-faults", &fake, PASSWORD);
    // Answers between the faults, so the run never meets three in a row.
    let tails = ["901", "000", "902", "000", "903", "000", "904", "000", "905", "000"];
    let cards: Vec<String> = tails.iter().enumerate().map(|(i, t)| card(i as u32, t)).collect();
    let tickets = check_in(&db, &cards);
    let started = Instant::now();
    let r = run(&db, &["recheck"]);
    assert!(started.elapsed() < Duration::from_secs(15), "the timeout holds");
    assert_eq!(r.code, 1, "some visits wait: {}", r.err);
    let lines = by_ticket(&r.out);
    let reason = |i: usize| lines[&tickets[i]]["note"].as_str().unwrap().to_string();
    for i in [0, 2, 4, 6, 8] {
        assert_eq!(lines[&tickets[i]]["outcome"], "waiting", "{}", reason(i));
    }
    for i in [1, 3, 5, 7, 9] {
        assert_eq!(lines[&tickets[i]]["outcome"], "confirmed");
    }
    assert!(reason(0).contains("HTTP 500"), "{}", reason(0));
    assert!(reason(2).contains("timeout"), "{}", reason(2));
    assert!(reason(4).contains("malformed"), "{}", reason(4));
    assert!(reason(6).contains("HTML"), "{}", reason(6));
    assert!(reason(8).contains("100"), "{}", reason(8));
    // Still queued, with the reason beside the visit.
    let queued = run(&db, &["recheck", "--dry-run"]);
    assert_eq!(queued.out.len(), 5);
    let visits = run(&db, &["visits"]).out;
    let waiting: Vec<&Value> = visits.iter().filter(|v| v["recheck"]["outcome"] == "waiting").collect();
    assert_eq!(waiting.len(), 5);
    assert!(waiting.iter().any(|v| v["recheck"]["note"].as_str().unwrap().contains("HTML")));
}

#[test]
fn a_gateway_away_is_given_up_after_three_visits_and_the_rest_wait() {
    let fake = FakeVss::start();
    let db = desk("recheck-away", &fake, PASSWORD);
    let cards: Vec<String> = (0..8).map(|i| card(i, "901")).collect();
    check_in(&db, &cards);
    let r = run(&db, &["recheck"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.out.len(), 8, "one line per visit");
    assert!(r.out.iter().all(|l| l["outcome"] == "waiting"));
    assert_eq!(fake.state().checks, 3, "no storm: three tries, then the rest wait");
}

#[test]
fn wrong_credentials_stop_the_run_with_one_message_and_no_retry_storm() {
    let fake = FakeVss::start();
    let db = desk("recheck-password", &fake, "wrong password");
    let cards: Vec<String> = (0..6).map(|i| card(i, "000")).collect();
    check_in(&db, &cards);
    let r = run(&db, &["recheck"]);
    assert_eq!(r.code, 2, "a configuration error");
    assert_eq!(r.err.lines().count(), 1, "one message: {}", r.err);
    assert!(r.err.contains("vss_password"), "{}", r.err);
    assert!(!r.err.contains("wrong password"), "the password is never shown: {}", r.err);
    let s = fake.state();
    assert_eq!((s.token_requests, s.checks), (1, 0), "one login tried, no check sent");
    drop(s);
    assert_eq!(run(&db, &["recheck", "--dry-run"]).out.len(), 6, "every visit still queued");
    // Unset: a configuration error too, said before anything is sent.
    let unset = Db::new("recheck-unset");
    let r = run(&unset, &["recheck"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("vss_url"), "{}", r.err);
}

#[test]
fn the_settings_show_the_password_masked_and_the_verdict_promises_a_recheck_only_when_configured() {
    let fake = FakeVss::start();
    let plain = Db::new("recheck-promise");
    let typed = card(1, "000");
    let unconfigured = run(&plain, &["lookup", &typed]);
    let next = unconfigured.out[0]["verdict"]["next_step_en"].as_str().unwrap().to_string();
    assert!(!next.contains("re-check"), "no promise without an account: {next}");
    assert!(next.contains("VSS portal or by phone"), "{next}");
    let db = desk("recheck-promise-on", &fake, PASSWORD);
    let configured = run(&db, &["lookup", &typed]);
    let next = configured.out[0]["verdict"]["next_step_en"].as_str().unwrap().to_string();
    assert!(next.contains("re-check online"), "{next}");
    let shown = run(&db, &["settings", "show"]);
    let text = shown.out[0].to_string();
    assert!(!text.contains(PASSWORD));
    assert_eq!(shown.out[0]["vss_password"], "********");
}

#[test]
fn vss_check_answers_one_card() {
    let fake = FakeVss::start();
    let db = desk("recheck-one", &fake, PASSWORD);
    let r = run(&db, &["vss", "check", &card(3, "010"), "--name", "Nguyễn Văn An", "--birth", "1990-10-20"]);
    let l = r.only(0);
    assert_eq!((l["result_code"].as_str(), l["outcome"].as_str()), (Some("010"), Some("different")));
    assert_eq!(l["gateway"]["ngaySinh"], "20/10/1990", "the birth date as the gateway takes it");
    assert_eq!(l["gateway"]["hoTen"], "Nguyễn Văn An");
}

#[test]
fn a_thousand_queued_visits_are_drained_with_their_answers_and_audit_rows() {
    let fake = FakeVss::start();
    let db = desk("recheck-thousand", &fake, PASSWORD);
    let tails = ["000", "010", "050", "004"];
    let cards: Vec<String> = (0..1000).map(|i| card(i, tails[i as usize % 4])).collect();
    check_in(&db, &cards);
    let started = Instant::now();
    let r = run(&db, &["recheck"]);
    eprintln!("1,000 visits re-checked in {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out.len(), 1000);
    let count = |o: &str| r.out.iter().filter(|l| l["outcome"] == o).count();
    assert_eq!((count("confirmed"), count("different"), count("refused")), (500, 250, 250));
    let store = tiepdon::store::Store::open(&db.path).unwrap();
    let audited: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM audit WHERE action = 'recheck'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(audited, 1000);
    assert_eq!(run(&db, &["audit", "verify"]).only(0)["ok"], true);
}

#[test]
fn a_check_in_is_not_slowed_while_the_recheck_runs() {
    let fake = FakeVss::start();
    fake.state().delay = Duration::from_millis(20);
    let db = desk("recheck-parallel", &fake, PASSWORD);
    let cards: Vec<String> = (0..150).map(|i| card(i, "000")).collect();
    check_in(&db, &cards);
    // One check-in at a time, timed from the outside (a whole process each, as a script would).
    let time_check_ins = |from: u32| -> Vec<f64> {
        (0..12)
            .map(|i| {
                let t = Instant::now();
                let r =
                    run(&db, &["checkin", "--id", &card(from + i, "000"), "--force", "--operator", "Lan"]);
                assert_eq!(r.code, 0, "{}", r.err);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect()
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let alone = median(time_check_ins(5000));
    let db_arg = db.arg();
    let worker = std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_tiepdon"))
            .args(["--db", &db_arg, "recheck"])
            .env("TIEPDON_NOW", NOW)
            .env("TIEPDON_OPERATOR", "worker")
            .output()
            .unwrap()
    });
    std::thread::sleep(Duration::from_millis(300));
    let during = median(time_check_ins(6000));
    let out = worker.join().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("check-in median alone {alone:.1} ms, while the re-check runs {during:.1} ms");
    assert!(during < alone * 2.0 + 30.0, "a check-in waited for the gateway: {alone:.1} vs {during:.1} ms");
}
