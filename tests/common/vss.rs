//! A fake VSS gateway for the tests: a small HTTP/1.1 server on 127.0.0.1 speaking the JSON of
//! `/api/token/take` and `/api/egw/KQNhanLichSuKCB2024` (CV 1923). Nothing in the tests reaches any
//! other address.
//!
//! The answer for a card is chosen by its last three digits: a documented result code (`000`…`130`,
//! `205`, `401`) answers that code; `901` an HTTP 500, `902` an answer slower than any test's timeout,
//! `903` malformed JSON, `904` an HTML error page, `905` the gateway's own server error (`100`);
//! anything else `000`.

use md5::{Digest, Md5};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const USER: &str = "tiepdon-test";
pub const PASSWORD: &str = "s3cret-mật-khẩu";
pub const OFFICER_CCCD: &str = "079090123456";

/// What the fake saw and how it behaves.
#[derive(Default)]
pub struct State {
    /// Tokens still good, with the checks each may still answer.
    tokens: Vec<(String, u64)>,
    /// Checks a token answers before the gateway says it expired (`None`: never).
    pub token_checks: Option<u64>,
    pub tokens_issued: u64,
    pub token_requests: u64,
    pub checks: u64,
    /// The cards asked, in order.
    pub cards: Vec<String>,
    /// Every officer CCCD and name sent with a check.
    pub officers: HashSet<(String, String)>,
    /// A delay before every check's answer (a slow gateway).
    pub delay: Duration,
}

pub struct FakeVss {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Drop for FakeVss {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl FakeVss {
    pub fn start() -> FakeVss {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let s = s.clone();
                        std::thread::spawn(move || serve(conn, &s));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FakeVss { url, state, stop }
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

fn serve(conn: TcpStream, state: &Mutex<State>) {
    let _ = conn.set_nonblocking(false);
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut length = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body).to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let (status, kind, text) = match path {
        "/api/token/take" => token(&body, state),
        "/api/egw/KQNhanLichSuKCB2024" => check(query, &body, state),
        _ => (404, "text/plain", "not found".to_string()),
    };
    let mut conn = conn;
    let _ = write!(
        conn,
        "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn form(body: &str, key: &str) -> String {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

fn token(body: &str, state: &Mutex<State>) -> (u16, &'static str, String) {
    let mut s = state.lock().unwrap();
    s.token_requests += 1;
    if form(body, "username") != USER || form(body, "password") != md5_hex(PASSWORD) {
        return (200, "application/json", json!({"maKetQua": "401", "APIKey": null}).to_string());
    }
    s.tokens_issued += 1;
    let access = format!("access-{}", s.tokens_issued);
    let left = s.token_checks.unwrap_or(u64::MAX);
    s.tokens.push((access.clone(), left));
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let key = json!({"access_token": access, "id_token": "id-1", "token_type": "Bearer", "username": USER,
                     "expires_in": expires});
    (200, "application/json", json!({"maKetQua": "200", "APIKey": key}).to_string())
}

fn check(query: &str, body: &str, state: &Mutex<State>) -> (u16, &'static str, String) {
    let token = form(query, "token");
    let q: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let card = q["maThe"].as_str().unwrap_or("").to_string();
    let delay = {
        let mut s = state.lock().unwrap();
        s.checks += 1;
        let Some(t) = s.tokens.iter_mut().find(|(t, _)| *t == token) else {
            return (401, "application/json", json!({"maKetQua": "401"}).to_string());
        };
        if t.1 == 0 {
            // The token expired mid-run.
            return (401, "application/json", json!({"maKetQua": "401"}).to_string());
        }
        t.1 -= 1;
        s.cards.push(card.clone());
        s.officers.insert((
            q["cccdCb"].as_str().unwrap_or("").to_string(),
            q["hoTenCb"].as_str().unwrap_or("").to_string(),
        ));
        s.delay
    };
    std::thread::sleep(delay);
    let last = card.get(card.len().saturating_sub(3)..).unwrap_or("");
    match last {
        "901" => return (500, "text/plain", "Internal Server Error".into()),
        "902" => {
            std::thread::sleep(Duration::from_secs(4));
        }
        "903" => return (200, "application/json", "{\"maKetQua\": \"000\", \"hoTen\": ".into()),
        "904" => return (502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>".into()),
        "905" => {
            return (
                200,
                "application/json",
                json!({"maKetQua": "100", "ghiChu": "Lỗi lấy dữ liệu"}).to_string(),
            );
        }
        _ => {}
    }
    let documented = [
        "000", "001", "002", "003", "004", "010", "050", "051", "052", "053", "060", "061", "070", "100",
        "101", "110", "120", "121", "122", "123", "124", "130", "205", "401",
    ];
    let code = if documented.contains(&last) { last } else { "000" };
    let answer = json!({
        "maKetQua": code,
        "ghiChu": format!("Kết quả {code} cho thẻ {card}"),
        "maThe": card,
        "hoTen": q["hoTen"],
        "ngaySinh": q["ngaySinh"],
        "gioiTinh": "Nữ",
        "diaChi": "Phường 1, Quận 3, TP Hồ Chí Minh",
        "maDKBD": "79034",
        "cqBHXH": "BHXH Quận 3",
        "gtTheTu": "01/01/2026",
        "gtTheDen": if code == "010" { "31/10/2026" } else { "31/12/2026" },
        "maKV": null,
        "ngayDu5Nam": null,
        "maSoBHXH": card.get(5..),
        "maTheMoi": if code == "003" || code == "004" { json!("DN4019999999999") } else { Value::Null },
        "dsLichSuKCB2018": null,
        "dsLichSuKT2018": [{"userKT": "x", "thoiGianKT": "202612030900", "thongBao": "ok", "maLoi": "000"}],
    });
    (200, "application/json", answer.to_string())
}
