//! Clinic and desk settings, stored as validated key/value pairs with defaults for anything unset.

use super::StoreError;
use super::sql::{Lite, Sql, vals};
use crate::card::codes;
use crate::card::number::normalise_facility;
use crate::coverage::{Clinic, FlatType, FormerTier, Level, ScoreBand, Status};
use rusqlite::Connection;
use serde_json::{Map, Value, json};

/// Everything the desk reads from settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub clinic: Clinic,
    /// The desk's ticket prefix (`A` gives tickets `A-001`, `A-002`, …).
    pub desk: String,
    /// Only `Asia/Ho_Chi_Minh` (UTC+7) is supported.
    pub timezone: String,
    /// True when the database holds generated demo data, not real patients.
    pub demo: bool,
    /// The exam registered at check-in: the first chargeable item of the check-in file (XML0).
    pub exam: Exam,
    /// This database's random id (migration 4): the tail of every visit's MA_LK.
    pub store_id: String,
    /// One ticket series for every desk (`K` gives `K-001`, `K-002`, … whichever desk checks in),
    /// instead of each desk's own.
    pub clinic_series: Option<String>,
    /// The supervisor PIN's salted hash (`sha256$SALT$HEX`), when one is set: reopening a closed day
    /// on a desk's file asks for it.
    pub supervisor_pin: Option<String>,
    /// The clinic server this desk's file sends its journal to (a libpq URL, password included: never
    /// shown), when it is joined to one.
    pub server: Option<String>,
    /// The VSS gateway account for the online re-check (unset: no re-check).
    pub vss: Vss,
}

/// The VSS gateway account (`vss_*` settings): where, who, and the checking officer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vss {
    /// The gateway's base URL (the training host while trying it out, the production host after).
    pub url: Option<String>,
    pub username: Option<String>,
    /// As given (the gateway takes its MD5); never shown, logged or exported.
    pub password: Option<String>,
    /// The MD5 hex of the password in capitals (`vss_md5_case upper`): deployments disagree.
    pub md5_upper: bool,
    /// The checking officer's name (default: the operator of the shift) and 12-digit CCCD.
    pub officer_name: Option<String>,
    pub officer_cccd: Option<String>,
    /// How long one request may take (default 15 s).
    pub timeout_seconds: u64,
}

impl Vss {
    /// Whether an account is set: a URL, a user name and a password.
    pub fn configured(&self) -> bool {
        self.url.is_some() && self.username.is_some() && self.password.is_some()
    }
}

/// A server URL as it may be shown: without its password.
pub fn shown_server(url: &str) -> String {
    super::Location::parse(url).map(|l| l.to_string()).unwrap_or_else(|_| "(?)".to_string())
}

/// Rounds of SHA-256 over a supervisor PIN (slows a guess; the file is owner-only).
const PIN_ROUNDS: usize = 20_000;

fn pin_digest(salt: &str, pin: &str) -> String {
    let mut h = super::audit::sha256_hex(format!("{salt}:{pin}").as_bytes());
    for _ in 0..PIN_ROUNDS {
        h = super::audit::sha256_hex(h.as_bytes());
    }
    h
}

/// Whether `pin` is the supervisor PIN whose stored form is `stored`.
pub fn pin_matches(stored: &str, pin: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("sha256"), Some(salt), Some(hex)) => pin_digest(salt, pin.trim()) == hex,
        _ => false,
    }
}

fn random_salt() -> String {
    use std::io::Read;
    let mut bytes = [0_u8; 8];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        bytes = (nanos.as_nanos() as u64 ^ std::process::id() as u64).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The exam service a check-in registers (`MA_DICH_VU` / `TEN_DICH_VU` of the check-in file), from
/// the clinic's DMDC service list. Unset until the clinic's IT person sets it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exam {
    pub code: Option<String>,
    pub name: Option<String>,
}

/// The keys `settings set` accepts, with what each means.
pub const KEYS: [(&str, &str); 26] = [
    ("facility_code", "this clinic's 5-character facility code (MA_CSKCB), e.g. 79034"),
    ("clinic_name", "the clinic's name"),
    ("province", "the clinic's 2-digit province code (default: from the facility code; shown only)"),
    (
        "expertise_level",
        "the clinic's expertise level: ban_dau, co_ban or chuyen_sau (decides the visit category)",
    ),
    (
        "flat_100_type",
        "none, or the TT 01/2025 Đ3 type paid 100 % (1.2): tram_y_te, quan_dan_y, y_hoc_gia_dinh, ttyt_khu_vuc, y_te_co_quan, quan_doi_cong_an",
    ),
    ("score_band", "basic level's score: lt50_or_provisional or 50_to_lt70 (none to unset)"),
    ("former_tier", "the clinic's tier before 1/1/2025: none, xa, huyen, tinh or trung_uong"),
    ("desk", "ticket prefix of this desk: 1 to 4 letters or digits, e.g. A"),
    ("timezone", "Asia/Ho_Chi_Minh (the only one supported)"),
    ("expiry_warning_days", "warn when the card ends within this many days (default 30)"),
    ("stale_warning_days", "warn when local data is older than this many days (default 30)"),
    ("stale_limit_days", "cannot verify when local data is older than this many days (default 90)"),
    ("card_only_status", "info, ELIGIBLE_WITH_WARNING or CANNOT_VERIFY for a card not in local data"),
    ("demo", "true when the database holds demo data"),
    (
        "exam_service_code",
        "the exam's service code in the clinic's DMDC list (MA_DICH_VU of the check-in file), e.g. 02.1896",
    ),
    ("exam_service_name", "the exam's name in the DMDC list (TEN_DICH_VU), e.g. Khám Nội"),
    (
        "clinic_series",
        "one ticket series for all desks, 1 to 4 letters or digits (e.g. K: K-001, K-002 at every desk), or none",
    ),
    (
        "server",
        "the clinic server this desk's file sends its visits to (a libpq URL, shown without its password), or none",
    ),
    (
        "supervisor_pin",
        "4 to 12 digits a supervisor types to reopen a closed day or confirm an override (stored hashed; \
         changing it needs the current one), or none",
    ),
    (
        "vss_url",
        "the VSS gateway's base URL for the online re-check (https://…; the training host first), or none",
    ),
    ("vss_username", "the clinic's (or the officer's) VSS gateway user name, or none"),
    ("vss_password", "its password (stored as given in this owner-only file, shown masked), or none"),
    ("vss_md5_case", "lower or upper: how the gateway wants the password's MD5 hex (default lower)"),
    ("vss_officer_name", "the checking officer's name sent with each check (default: the operator), or none"),
    (
        "vss_officer_cccd",
        "the checking officer's 12-digit CCCD, mandatory for the gateway since 2024, or none",
    ),
    ("vss_timeout_seconds", "how long one gateway request may take, 1–120 s (default 15)"),
];

pub const DEFAULT_DESK: &str = "A";
pub const TIMEZONE: &str = "Asia/Ho_Chi_Minh";

fn bad(key: &str, value: &str, why_vi: &str, why_en: &str) -> StoreError {
    StoreError::invalid(
        format!("Giá trị “{value}” không hợp lệ cho {key}: {why_vi}"),
        format!("“{value}” is not valid for {key}: {why_en}"),
    )
}

/// Checks a value for `key` and returns its stored form.
pub fn normalise(key: &str, value: &str) -> Result<String, StoreError> {
    let v = value.trim();
    let days = || {
        v.parse::<i64>()
            .ok()
            .filter(|d| (0..=3650).contains(d))
            .map(|d| d.to_string())
            .ok_or_else(|| bad(key, v, "cần số ngày 0–3650", "expected a number of days, 0–3650"))
    };
    let boolean = || match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "có" => Ok("true".to_string()),
        "false" | "0" | "no" | "không" => Ok("false".to_string()),
        _ => Err(bad(key, v, "cần true hoặc false", "expected true or false")),
    };
    match key {
        "facility_code" => {
            let code = normalise_facility(v).filter(|c| codes::province_name(&c[..2]).is_some());
            code.ok_or_else(|| {
                bad(
                    key,
                    v,
                    "cần 5 ký tự, bắt đầu bằng mã tỉnh",
                    "expected 5 characters starting with a province code",
                )
            })
        }
        "clinic_name" if !v.is_empty() && v.chars().count() <= 200 => Ok(v.to_string()),
        "exam_service_code"
            if (1..=50).contains(&v.len())
                && v.bytes().all(|b| b.is_ascii_graphic())
                && !v.contains(['<', '&']) =>
        {
            Ok(v.to_string())
        }
        "exam_service_code" => Err(bad(
            key,
            v,
            "cần 1–50 ký tự chữ, số hoặc dấu chấm, như trong danh mục DMDC",
            "expected 1–50 letters, digits or dots, as in the DMDC list",
        )),
        "exam_service_name"
            if !v.is_empty() && v.chars().count() <= 1024 && !v.chars().any(char::is_control) =>
        {
            Ok(v.to_string())
        }
        "exam_service_name" => Err(bad(key, v, "tên rỗng hoặc quá dài", "empty or too long")),
        "clinic_name" => Err(bad(key, v, "tên rỗng hoặc quá dài", "empty or too long")),
        "province" if codes::province_name(v).is_some() => Ok(v.to_string()),
        "province" => Err(bad(key, v, "không phải mã tỉnh", "not a province code")),
        "desk" if (1..=4).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Ok(v.to_ascii_uppercase())
        }
        "desk" => Err(bad(key, v, "cần 1–4 chữ cái hoặc chữ số", "expected 1–4 letters or digits")),
        "clinic_series" if v == "none" => Ok(String::new()),
        "clinic_series" if (1..=4).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Ok(v.to_ascii_uppercase())
        }
        "clinic_series" => Err(bad(
            key,
            v,
            "cần 1–4 chữ cái hoặc chữ số, hoặc none",
            "expected 1–4 letters or digits, or none",
        )),
        "server" if v == "none" => Ok(String::new()),
        "server" => match super::Location::parse(v) {
            Ok(super::Location::Server(url)) => Ok(url.secret().to_string()),
            _ => Err(StoreError::invalid(
                "Máy chủ cần một địa chỉ postgres://… (hoặc none).",
                "The server must be a postgres://… URL (or none).",
            )),
        },
        "supervisor_pin" if v == "none" => Ok(String::new()),
        "supervisor_pin" if (4..=12).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) => {
            let salt = random_salt();
            Ok(format!("sha256${salt}${}", pin_digest(&salt, v)))
        }
        "supervisor_pin" => Err(StoreError::invalid(
            "Mã PIN người phụ trách cần 4–12 chữ số (hoặc none để bỏ).",
            "The supervisor PIN must be 4–12 digits (or none to remove it).",
        )),
        "vss_url" | "vss_username" | "vss_password" | "vss_officer_name" | "vss_officer_cccd"
            if v == "none" =>
        {
            Ok(String::new())
        }
        "vss_url" => gateway_url(v).ok_or_else(|| {
            bad(
                key,
                v,
                "cần địa chỉ https://… của cổng BHXH (http:// chỉ cho máy này, để thử)",
                "expected the gateway's https://… address (http:// only on this machine, for tests)",
            )
        }),
        "vss_username" | "vss_password"
            if (1..=200).contains(&v.chars().count()) && !v.chars().any(char::is_control) =>
        {
            Ok(v.to_string())
        }
        "vss_username" | "vss_password" => Err(bad(key, "…", "rỗng hoặc quá dài", "empty or too long")),
        "vss_md5_case" => choice(key, v, ["lower", "upper"].into_iter()),
        "vss_officer_name"
            if (1..=100).contains(&v.chars().count())
                && v.chars().any(char::is_alphabetic)
                && !v.chars().any(char::is_control) =>
        {
            Ok(v.to_string())
        }
        "vss_officer_name" => Err(bad(key, v, "cần họ tên", "expected a name")),
        "vss_officer_cccd" if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(v.to_string()),
        "vss_officer_cccd" => Err(bad(key, v, "cần 12 chữ số", "expected 12 digits")),
        "vss_timeout_seconds" => v
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=120).contains(s))
            .map(|s| s.to_string())
            .ok_or_else(|| bad(key, v, "cần 1–120 giây", "expected 1–120 seconds")),
        "timezone" if v == TIMEZONE => Ok(v.to_string()),
        "timezone" => Err(bad(key, v, "chỉ hỗ trợ Asia/Ho_Chi_Minh", "only Asia/Ho_Chi_Minh is supported")),
        "expiry_warning_days" | "stale_warning_days" | "stale_limit_days" => days(),
        "demo" => boolean(),
        "expertise_level" => choice(key, v, Level::ALL.iter().map(|l| l.as_str())),
        "flat_100_type" => {
            choice(key, v, std::iter::once("none").chain(FlatType::ALL.iter().map(|t| t.as_str())))
        }
        "score_band" => {
            choice(key, v, std::iter::once("none").chain(ScoreBand::ALL.iter().map(|b| b.as_str())))
        }
        "former_tier" => choice(key, v, FormerTier::ALL.iter().map(|t| t.as_str())),
        "card_only_status" => match v {
            "info" | "ELIGIBLE_WITH_WARNING" | "CANNOT_VERIFY" => Ok(v.to_string()),
            _ => Err(bad(
                key,
                v,
                "cần info, ELIGIBLE_WITH_WARNING hoặc CANNOT_VERIFY",
                "expected info, ELIGIBLE_WITH_WARNING or CANNOT_VERIFY",
            )),
        },
        _ => Err(StoreError::invalid(
            format!("Không có thiết lập “{key}”. Các khóa: {}", key_list()),
            format!("There is no setting “{key}”. Keys: {}", key_list()),
        )),
    }
}

/// A gateway base URL as stored (no trailing slash): https, or http to this machine only (a test
/// gateway); never credentials in it.
fn gateway_url(v: &str) -> Option<String> {
    let rest = v.strip_prefix("https://").or_else(|| {
        v.strip_prefix("http://").filter(|r| {
            ["127.0.0.1", "localhost", "[::1]"].iter().any(|h| {
                r.strip_prefix(h).is_some_and(|t| t.is_empty() || t.starts_with(':') || t.starts_with('/'))
            })
        })
    })?;
    let host = rest.split('/').next().unwrap_or("");
    let ok =
        !host.is_empty() && !host.contains('@') && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| v.trim_end_matches('/').to_string())
}

/// `value` if it is one of `names`.
fn choice<'a>(key: &str, value: &str, names: impl Iterator<Item = &'a str>) -> Result<String, StoreError> {
    let names: Vec<&str> = names.collect();
    if names.contains(&value) {
        Ok(value.to_string())
    } else {
        let list = names.join(", ");
        Err(bad(key, value, &format!("cần một trong: {list}"), &format!("expected one of: {list}")))
    }
}

fn key_list() -> String {
    KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}

/// Stores a setting after validating it, with an audit row naming `operator`, in one transaction (what
/// the command line and the window both do).
pub fn set_audited(
    store: &mut dyn super::Backend,
    key: &str,
    value: &str,
    operator: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, StoreError> {
    super::write(store, |tx, _| {
        let stored = set_in(tx, key, value)?;
        let shown = match key {
            "supervisor_pin" if !stored.is_empty() => "(set)".to_string(),
            "server" if !stored.is_empty() => shown_server(&stored),
            "vss_password" | "vss_officer_cccd" if !stored.is_empty() => "(set)".to_string(),
            _ => stored.clone(),
        };
        let detail = json!({"key": key, "value": shown});
        super::audit::append(tx, now, operator, "settings", Some(key), &detail)?;
        Ok(stored)
    })
}

/// Stores a setting after validating it (SQLite file).
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<String, StoreError> {
    set_in(&mut Lite(conn), key, value)
}

/// Stores a setting after validating it.
pub fn set_in(sql: &mut dyn Sql, key: &str, value: &str) -> Result<String, StoreError> {
    let stored = normalise(key, value)?;
    sql.execute(
        "saving a setting",
        "INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vals![key, stored.as_str()],
    )?;
    Ok(stored)
}

/// Reads all settings, defaults filled in (SQLite file).
pub fn load(conn: &Connection) -> Result<Settings, StoreError> {
    load_in(&mut Lite(conn))
}

/// Reads all settings, defaults filled in.
pub fn load_in(sql: &mut dyn Sql) -> Result<Settings, StoreError> {
    let mut clinic = Clinic::default();
    let all = sql.query("reading settings", "SELECT key, value FROM settings", &[])?;
    let mut map = std::collections::HashMap::new();
    for r in all {
        map.insert(r.text(0)?, r.opt_text(1)?);
    }
    let get = |key: &str| -> Result<Option<String>, StoreError> { Ok(map.get(key).cloned().flatten()) };
    clinic.facility_code = get("facility_code")?;
    if let Some(name) = get("clinic_name")? {
        clinic.name = name;
    }
    clinic.province = get("province")?;
    // Kept only for visits before 2025 (no longer a setting one changes: the profile replaces it).
    if let Some(v) = get("primary_level")? {
        clinic.pre2025_primary_level = v == "true";
    }
    let profile = &mut clinic.profile;
    profile.level = get("expertise_level")?.as_deref().and_then(Level::parse);
    profile.flat_100 = get("flat_100_type")?.as_deref().and_then(FlatType::parse);
    profile.score_band = get("score_band")?.as_deref().and_then(ScoreBand::parse);
    profile.former_tier = get("former_tier")?.as_deref().and_then(FormerTier::parse).unwrap_or_default();
    let days = |key: &str, default: i64| -> Result<i64, StoreError> {
        Ok(get(key)?.and_then(|v| v.parse().ok()).unwrap_or(default))
    };
    clinic.expiry_warning_days = days("expiry_warning_days", clinic.expiry_warning_days)?;
    clinic.stale_warning_days = days("stale_warning_days", clinic.stale_warning_days)?;
    clinic.stale_limit_days = days("stale_limit_days", clinic.stale_limit_days)?;
    clinic.card_only_status = match get("card_only_status")?.as_deref() {
        Some("ELIGIBLE_WITH_WARNING") => Some(Status::EligibleWithWarning),
        Some("CANNOT_VERIFY") => Some(Status::CannotVerify),
        _ => None,
    };
    clinic.online_recheck = ["vss_url", "vss_username", "vss_password"]
        .iter()
        .all(|k| map.get(*k).cloned().flatten().is_some_and(|v| !v.is_empty()));
    Ok(Settings {
        clinic,
        desk: get("desk")?.unwrap_or_else(|| DEFAULT_DESK.to_string()),
        timezone: get("timezone")?.unwrap_or_else(|| TIMEZONE.to_string()),
        demo: get("demo")?.as_deref() == Some("true"),
        exam: Exam { code: get("exam_service_code")?, name: get("exam_service_name")? },
        store_id: get("store_id")?.unwrap_or_default(),
        clinic_series: get("clinic_series")?.filter(|s| !s.is_empty()),
        supervisor_pin: get("supervisor_pin")?.filter(|s| !s.is_empty()),
        server: get("server")?.filter(|s| !s.is_empty()),
        vss: Vss {
            url: get("vss_url")?.filter(|s| !s.is_empty()),
            username: get("vss_username")?.filter(|s| !s.is_empty()),
            password: get("vss_password")?.filter(|s| !s.is_empty()),
            md5_upper: get("vss_md5_case")?.as_deref() == Some("upper"),
            officer_name: get("vss_officer_name")?.filter(|s| !s.is_empty()),
            officer_cccd: get("vss_officer_cccd")?.filter(|s| !s.is_empty()),
            timeout_seconds: get("vss_timeout_seconds")?.and_then(|s| s.parse().ok()).unwrap_or(15),
        },
    })
}

/// All settings with their effective values, as printed by `settings show`.
pub fn show(s: &Settings) -> Value {
    let c = &s.clinic;
    let mut m = Map::new();
    m.insert("facility_code".into(), json!(c.facility_code));
    m.insert("clinic_name".into(), json!(c.name));
    m.insert("province".into(), json!(c.province_code()));
    m.insert("expertise_level".into(), json!(c.profile.level.map(Level::as_str)));
    m.insert("flat_100_type".into(), json!(c.profile.flat_100.map_or("none", FlatType::as_str)));
    m.insert("score_band".into(), json!(c.profile.score_band.map(ScoreBand::as_str)));
    m.insert("former_tier".into(), json!(c.profile.former_tier.as_str()));
    m.insert("desk".into(), json!(s.desk));
    m.insert("timezone".into(), json!(s.timezone));
    m.insert("expiry_warning_days".into(), json!(c.expiry_warning_days));
    m.insert("stale_warning_days".into(), json!(c.stale_warning_days));
    m.insert("stale_limit_days".into(), json!(c.stale_limit_days));
    m.insert("card_only_status".into(), json!(c.card_only_status.map_or("info", Status::as_str)));
    m.insert("demo".into(), json!(s.demo));
    m.insert("exam_service_code".into(), json!(s.exam.code));
    m.insert("exam_service_name".into(), json!(s.exam.name));
    m.insert("clinic_series".into(), json!(s.clinic_series));
    // Never the PIN nor its hash: whether one is set.
    m.insert("supervisor_pin".into(), json!(if s.supervisor_pin.is_some() { "set" } else { "none" }));
    m.insert("server".into(), json!(s.server.as_deref().map(shown_server)));
    let v = &s.vss;
    m.insert("vss_url".into(), json!(v.url));
    m.insert("vss_username".into(), json!(v.username));
    // Never the password: masked, or none.
    m.insert("vss_password".into(), json!(if v.password.is_some() { "********" } else { "none" }));
    m.insert("vss_md5_case".into(), json!(if v.md5_upper { "upper" } else { "lower" }));
    m.insert("vss_officer_name".into(), json!(v.officer_name));
    m.insert("vss_officer_cccd".into(), json!(v.officer_cccd));
    m.insert("vss_timeout_seconds".into(), json!(v.timeout_seconds));
    Value::Object(m)
}
