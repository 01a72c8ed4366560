//! The VSS gateway's card check (`KQNhanLichSuKCB2024`, CV 1923/BHXH-CNTT): a token from
//! `POST /api/token/take` (user name and the password's MD5 hex), kept until a minute before it
//! expires and taken again once when the gateway refuses it, then one `POST` per card with the
//! checking officer's name and CCCD. Synchronous (ureq over rustls: no async runtime), never called on
//! the UI thread. The password, the tokens and the URLs that carry them are never logged or shown.

use crate::store::settings::Vss;
use chrono::{DateTime, NaiveDateTime, Utc};
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Why a check got no answer about the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The account, its password or the checking officer is refused, or not set: retrying cannot
    /// help; a person fixes the settings (the worker stops with this one message).
    Account { vi: String, en: String },
    /// The gateway is away or answered something that is not its answer (a timeout, an HTTP error,
    /// an HTML page, malformed JSON, its own server error): the visit stays queued with this reason.
    Unavailable { vi: String, en: String },
}

impl Fault {
    fn account(vi: impl Into<String>, en: impl Into<String>) -> Fault {
        Fault::Account { vi: vi.into(), en: en.into() }
    }

    fn unavailable(vi: impl Into<String>, en: impl Into<String>) -> Fault {
        Fault::Unavailable { vi: vi.into(), en: en.into() }
    }

    /// The message, Vietnamese and English.
    pub fn messages(&self) -> (&str, &str) {
        match self {
            Fault::Account { vi, en } | Fault::Unavailable { vi, en } => (vi, en),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (vi, en) = self.messages();
        write!(f, "{vi} / {en}")
    }
}

/// One card to check: the 15-character code or the 10-digit BHXH number, the name and the birth date
/// (`dd/MM/yyyy`, or the year alone) as the desk knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub card: String,
    pub name: String,
    pub birth: String,
}

impl Query {
    /// From what a visit holds: the card code (else the BHXH number), the name, the ISO birth date or
    /// year. `None` when there is nothing the gateway can check (no card code or BHXH number).
    pub fn of(
        card: Option<&str>,
        bhxh: Option<&str>,
        name: Option<&str>,
        birth: Option<&str>,
    ) -> Option<Query> {
        let card = card.or(bhxh).filter(|c| !c.is_empty())?;
        let birth = birth.unwrap_or("");
        let birth = match chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d") {
            Ok(d) => d.format("%d/%m/%Y").to_string(),
            Err(_) => birth.to_string(),
        };
        Some(Query { card: card.to_string(), name: name.unwrap_or("").to_string(), birth })
    }
}

/// The card fields of an answer the desk keeps (the visit and check histories are not kept: the
/// desk needs the card, not the patient's medical history).
pub const CARD_FIELDS: [&str; 18] = [
    "maThe",
    "hoTen",
    "ngaySinh",
    "gioiTinh",
    "diaChi",
    "maDKBD",
    "cqBHXH",
    "gtTheTu",
    "gtTheDen",
    "maKV",
    "ngayDu5Nam",
    "maSoBHXH",
    "maTheCu",
    "maTheMoi",
    "gtTheTuMoi",
    "gtTheDenMoi",
    "maDKBDMoi",
    "tenDKBDMoi",
];

/// The gateway's answer about a card: its result code (`maKetQua`), note (`ghiChu`) and card fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub code: String,
    pub note: String,
    pub card: Map<String, Value>,
}

struct Token {
    access: String,
    id: String,
    /// When the gateway said it expires; `None` when it did not say (kept until refused).
    expires: Option<DateTime<Utc>>,
}

/// A client of one gateway account, keeping its token between checks.
pub struct Client {
    agent: ureq::Agent,
    account: Vss,
    url: String,
    username: String,
    password_md5: String,
    officer_cccd: String,
    token: Option<Token>,
    /// How many tokens were taken (a token expiring mid-run is taken again once).
    pub tokens_taken: u64,
}

/// The password's MD5 hex, in the case the deployment wants.
pub fn password_md5(password: &str, upper: bool) -> String {
    let hex: String = Md5::digest(password.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    if upper { hex.to_ascii_uppercase() } else { hex }
}

impl Client {
    /// A client for the account in `vss`; an `Account` fault when it is not fully set.
    pub fn new(vss: &Vss) -> Result<Client, Fault> {
        let (Some(url), Some(username), Some(password)) = (&vss.url, &vss.username, &vss.password) else {
            return Err(Fault::account(
                "Chưa cấu hình tài khoản cổng BHXH: tiepdon settings set vss_url / vss_username / vss_password.",
                "The VSS gateway account is not set: tiepdon settings set vss_url / vss_username / vss_password.",
            ));
        };
        let Some(officer_cccd) = vss.officer_cccd.clone() else {
            return Err(Fault::account(
                "Cổng BHXH cần số CCCD của cán bộ tra cứu: tiepdon settings set vss_officer_cccd SỐ.",
                "The VSS gateway needs the checking officer's CCCD: tiepdon settings set vss_officer_cccd NUMBER.",
            ));
        };
        let timeout = Duration::from_secs(vss.timeout_seconds.clamp(1, 120));
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .redirects(0)
            .user_agent(concat!("tiepdon/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent,
            account: vss.clone(),
            url: url.clone(),
            username: username.clone(),
            password_md5: password_md5(password, vss.md5_upper),
            officer_cccd,
            token: None,
            tokens_taken: 0,
        })
    }

    /// Takes a new token (`/api/token/take`).
    fn take_token(&mut self) -> Result<(), Fault> {
        self.token = None;
        let sent = self
            .agent
            .post(&format!("{}/api/token/take", self.url))
            .send_form(&[("username", self.username.as_str()), ("password", self.password_md5.as_str())]);
        let body = match sent {
            Ok(r) => read(r)?,
            Err(ureq::Error::Status(401 | 403, _)) => return Err(refused_login()),
            Err(e) => return Err(transport(e)),
        };
        let v = json_of(&body)?;
        if text(&v["maKetQua"]) != "200" {
            return Err(match text(&v["maKetQua"]).as_str() {
                "401" | "403" => refused_login(),
                other => Fault::unavailable(
                    format!("Cổng BHXH không cấp phiên đăng nhập (mã {other})."),
                    format!("The VSS gateway gave no session (code {other})."),
                ),
            });
        }
        let key = &v["APIKey"];
        let (access, id) = (text(&key["access_token"]), text(&key["id_token"]));
        if access.is_empty() {
            return Err(malformed());
        }
        let expires = expiry(&text(&key["expires_in"]));
        self.token = Some(Token { access, id, expires });
        self.tokens_taken += 1;
        Ok(())
    }

    /// Logs in once (Settings' "test the account"): the account and the gateway answer, or why not.
    pub fn login(&mut self) -> Result<(), Fault> {
        self.take_token()
    }

    /// A token good for at least another minute.
    fn token(&mut self) -> Result<(), Fault> {
        let fresh = self
            .token
            .as_ref()
            .is_some_and(|t| t.expires.is_none_or(|e| Utc::now() + chrono::Duration::seconds(60) < e));
        if !fresh {
            self.take_token()?;
        }
        Ok(())
    }

    /// Checks one card (`KQNhanLichSuKCB2024`) as `officer` (the name the gateway records).
    pub fn check(&mut self, q: &Query, officer: &str) -> Result<Answer, Fault> {
        let officer = self.account.officer_name.clone().unwrap_or_else(|| officer.to_string());
        let body = json!({"maThe": q.card, "hoTen": q.name, "ngaySinh": q.birth, "hoTenCb": officer,
                          "cccdCb": self.officer_cccd});
        let mut refreshed = false;
        loop {
            self.token()?;
            let Some(token) = self.token.as_ref() else { return Err(malformed()) };
            let sent = self
                .agent
                .post(&format!("{}/api/egw/KQNhanLichSuKCB2024", self.url))
                .query("token", &token.access)
                .query("id_token", &token.id)
                .query("username", &self.username)
                .query("password", &self.password_md5)
                .send_json(body.clone());
            let answer = match sent {
                Ok(r) => read(r)?,
                Err(ureq::Error::Status(401 | 403, _)) if !refreshed => {
                    // The token expired or was revoked: take a new one, once.
                    refreshed = true;
                    self.token = None;
                    continue;
                }
                Err(ureq::Error::Status(401 | 403, _)) => return Err(refused_login()),
                Err(e) => return Err(transport(e)),
            };
            let v = json_of(&answer)?;
            let code = text(&v["maKetQua"]);
            match code.as_str() {
                "401" if !refreshed => {
                    refreshed = true;
                    self.token = None;
                    continue;
                }
                "401" => return Err(refused_login()),
                "054" => {
                    return Err(Fault::account(
                        "Cổng BHXH: số CCCD cán bộ tra cứu không có trong danh sách người dùng đã đăng ký của cơ sở (054). Sửa vss_officer_cccd.",
                        "VSS gateway: the checking officer's CCCD is not among the facility's registered users (054). Fix vss_officer_cccd.",
                    ));
                }
                "055" => {
                    return Err(Fault::account(
                        "Cổng BHXH: họ tên cán bộ tra cứu không khớp số CCCD (055). Sửa vss_officer_name.",
                        "VSS gateway: the checking officer's name does not match the CCCD (055). Fix vss_officer_name.",
                    ));
                }
                "" => return Err(malformed()),
                "100" | "101" => {
                    return Err(Fault::unavailable(
                        format!("Cổng BHXH lỗi máy chủ (mã {code}): {}", text(&v["ghiChu"])),
                        format!("VSS gateway server error (code {code}): {}", text(&v["ghiChu"])),
                    ));
                }
                _ => {}
            }
            let mut card = Map::new();
            for f in CARD_FIELDS {
                if let Some(x) = v.get(f).filter(|x| !x.is_null()) {
                    card.insert(f.to_string(), x.clone());
                }
            }
            return Ok(Answer { code, note: text(&v["ghiChu"]), card });
        }
    }
}

fn refused_login() -> Fault {
    Fault::account(
        "Cổng BHXH từ chối tài khoản: kiểm tra vss_username, vss_password và vss_md5_case (chữ thường / chữ hoa).",
        "The VSS gateway refused the account: check vss_username, vss_password and vss_md5_case (lower / upper).",
    )
}

fn malformed() -> Fault {
    Fault::unavailable(
        "Cổng BHXH trả lời không đúng định dạng (không phải JSON của cổng).",
        "The VSS gateway's answer is malformed (not the gateway's JSON).",
    )
}

/// A transport or HTTP failure, said without the URL (it carries the credentials).
fn transport(e: ureq::Error) -> Fault {
    match e {
        ureq::Error::Status(code, r) => {
            let html = read(r).is_ok_and(|b| b.trim_start().starts_with('<'));
            let (page_vi, page_en) = if html {
                (
                    " kèm một trang HTML (cổng bảo trì hoặc bị chặn)",
                    " with an HTML page (maintenance or a proxy)",
                )
            } else {
                ("", "")
            };
            Fault::unavailable(
                format!("Cổng BHXH trả lỗi HTTP {code}{page_vi}; thử lại sau."),
                format!("The VSS gateway answered HTTP {code}{page_en}; retried later."),
            )
        }
        ureq::Error::Transport(t) => {
            let timed_out =
                t.kind() == ureq::ErrorKind::Io && t.to_string().to_ascii_lowercase().contains("timed out");
            if timed_out {
                Fault::unavailable(
                    "Cổng BHXH không trả lời kịp (quá thời gian chờ); thử lại sau.",
                    "The VSS gateway did not answer in time (timeout); retried later.",
                )
            } else {
                Fault::unavailable(
                    format!("Không kết nối được cổng BHXH ({}); thử lại sau.", t.kind()),
                    format!("Cannot reach the VSS gateway ({}); retried later.", t.kind()),
                )
            }
        }
    }
}

/// The body of an answer, at most 4 MiB.
fn read(r: ureq::Response) -> Result<String, Fault> {
    use std::io::Read;
    let mut body = String::new();
    r.into_reader().take(4 << 20).read_to_string(&mut body).map_err(|_| malformed())?;
    Ok(body)
}

/// The JSON of an answer; an HTML page (a proxy's or the gateway's error page) said as such.
fn json_of(body: &str) -> Result<Value, Fault> {
    match serde_json::from_str::<Value>(body) {
        Ok(v) if v.is_object() => Ok(v),
        _ if body.trim_start().starts_with('<') => Err(Fault::unavailable(
            "Cổng BHXH trả về một trang HTML thay vì kết quả (cổng đang bảo trì hoặc bị chặn); thử lại sau.",
            "The VSS gateway answered an HTML page instead of a result (maintenance or a proxy); retried later.",
        )),
        _ => Err(malformed()),
    }
}

/// A JSON string or number as text.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// `expires_in`: an ISO-8601 UTC time (with or without its zone).
fn expiry(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_goes_as_its_md5_hex_in_either_case() {
        assert_eq!(password_md5("123456", false), "e10adc3949ba59abbe56e057f20f883e");
        assert_eq!(password_md5("123456", true), "E10ADC3949BA59ABBE56E057F20F883E");
    }

    #[test]
    fn a_query_takes_the_card_code_else_the_bhxh_number_and_a_vss_birth_date() {
        let q = Query::of(None, Some("0123456789"), Some("Lan"), Some("1990-10-20")).unwrap();
        assert_eq!((q.card.as_str(), q.birth.as_str()), ("0123456789", "20/10/1990"));
        let q = Query::of(Some("DN4010123456789"), Some("0123456789"), None, Some("1990")).unwrap();
        assert_eq!((q.card.as_str(), q.birth.as_str()), ("DN4010123456789", "1990"));
        assert!(Query::of(None, None, Some("Lan"), None).is_none());
    }

    #[test]
    fn expiry_reads_an_iso_time_with_or_without_its_zone() {
        assert!(expiry("2026-12-03T10:00:00Z").is_some());
        assert!(expiry("2026-12-03T10:00:00.123").is_some());
        assert!(expiry("soon").is_none());
    }
}
