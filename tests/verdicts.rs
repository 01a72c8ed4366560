//! Coverage verdicts end to end: real-shaped payloads go through `card::detect`, then
//! `coverage::assess`, with or without a local record (spec §5, §6.3, §10).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use tiepdon::card::{BirthDate, CardCode, Layout, detect};
use tiepdon::coverage::{
    Clinic, CoverageRecord, FlatType, FormerTier, Level, Paper, RecordStatus, Reduction, ScoreBand, Source,
    Status, Verdict, VisitFacts, VisitKind, assess, assess_visit,
};

use Status::{CannotVerify as CV, Eligible as OK, EligibleWithWarning as WARN, NotEligible as NO};

const CCCD_QR: &str = "001090123456|012345678|Nguyễn Văn An|01011990|Nam|Số 1 Ngõ 2, Phường Láng Hạ, Quận Đống Đa, Hà Nội|15042021";
const CARD: &str = "DN4790123456789";
const NEW_CARD: &str = "DN4790123456780";

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The visit day shifted by `days` (the default visit is 15/06/2024).
fn day(days: i64) -> NaiveDate {
    ymd(2024, 6, 15) + Duration::days(days)
}

fn at(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(9, 0, 0).unwrap()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The variable parts of a BHYT QR, written as on the card (`dd/MM/yyyy`, `79 - 034`, `-`).
struct Qr {
    code: String,
    facility: String,
    from: String,
    to: String,
    five: String,
}

/// A valid legacy card registered at 79034, valid from 165 days ago to 200 days ahead.
fn qr() -> Qr {
    Qr {
        code: CARD.into(),
        facility: "79 - 034".into(),
        from: dmy(day(-165)),
        to: dmy(day(200)),
        five: "-".into(),
    }
}

impl Qr {
    /// This QR with one change.
    fn with(mut self, change: impl FnOnce(&mut Qr)) -> Qr {
        change(&mut self);
        self
    }

    /// Legacy 15-field payload (14 fields + `$`); field 0 = the 15-character card code.
    fn legacy(&self) -> String {
        let bhxh = self.code.get(5..).unwrap_or("0123456789");
        self.payload(&self.code, &format!("0109{bhxh}"), "")
    }

    /// VssID 17-field payload (16 fields + `$`); field 0 = the 10-digit BHXH number.
    fn vssid(&self) -> String {
        let area = hex("Quận 12, Thành phố Hồ Chí Minh");
        self.payload("0123456789", "79020123456789", &format!("4|{area}|"))
    }

    fn payload(&self, field0: &str, management: &str, extra: &str) -> String {
        let name = hex("Nguyễn Văn An");
        let address = hex("Phường Láng Hạ, Quận Đống Đa, Thành phố Hà Nội");
        let (facility, from, to, five) = (&self.facility, &self.from, &self.to, &self.five);
        format!(
            "{field0}|{name}|20/10/1990|1|{address}|{facility}|{from}|{to}|{from}|{management}|-|4| {five}|0a1b2c3d4e5f6a7b-7102|{extra}$"
        )
    }
}

/// [`qr`] with another validity window (`None` = open-ended).
fn window(from: NaiveDate, to: Option<NaiveDate>) -> Qr {
    qr().with(|q| (q.from, q.to) = (dmy(from), to.map_or("-".into(), dmy)))
}

fn clinic() -> Clinic {
    Clinic::with_facility("79034")
}

/// An active record for card `CARD`, Nguyễn Văn An born 20/10/1990, registered at 79034, valid like
/// [`qr`], synced `age` days before the visit.
fn record(age: i64) -> CoverageRecord {
    let mut r = CoverageRecord::new(day(-age));
    r.card_number = Some(CardCode::parse(CARD).unwrap());
    r.bhxh_number = Some("0123456789".into());
    r.citizen_id = Some("001090123456".into());
    r.full_name = Some("Nguyễn Văn An".into());
    r.birth_date = Some(BirthDate::Full(ymd(1990, 10, 20)));
    r.facility_code = Some("79034".into());
    (r.valid_from, r.valid_to) = (Some(day(-165)), Some(day(200)));
    r
}

/// Runs detect + assess and checks what every verdict must keep: the deciding reason comes first,
/// Vietnamese messages carry Vietnamese letters, English ones only ASCII letters.
fn run(payload: &str, rec: Option<&CoverageRecord>, clinic: &Clinic, on: NaiveDate) -> Verdict {
    let v = assess(&detect(payload), rec, clinic, at(on));
    assert_eq!(v.checked_at, at(on));
    assert_eq!(v.reasons[0].code, v.code, "deciding reason first: {v:#?}");
    let texts = std::iter::once((&v.message_vi, &v.message_en))
        .chain(v.reasons.iter().map(|r| (&r.message_vi, &r.message_en)));
    for (vi, en) in texts {
        let vi_ok = vi.chars().any(|c| c.is_alphabetic() && !c.is_ascii());
        let en_ok = !en.trim().is_empty() && en.chars().all(|c| !c.is_alphabetic() || c.is_ascii());
        assert!(vi_ok && en_ok, "messages: {vi:?} / {en:?}");
    }
    v
}

/// A payload alone, at the default clinic on the default visit day.
fn scan(payload: &str) -> Verdict {
    run(payload, None, &clinic(), day(0))
}

/// A payload checked against a record, at the default clinic on the default visit day.
fn scan_with(payload: &str, rec: &CoverageRecord) -> Verdict {
    run(payload, Some(rec), &clinic(), day(0))
}

fn codes(v: &Verdict) -> Vec<&'static str> {
    v.reasons.iter().map(|r| r.code.as_str()).collect()
}

fn has(v: &Verdict, code: &str) -> bool {
    codes(v).contains(&code)
}

/// The status a listed reason imposes (`None` = information only); panics if it is absent.
fn reason_status(v: &Verdict, code: &str) -> Option<Status> {
    let found = v.reasons.iter().find(|r| r.code.as_str() == code);
    found.unwrap_or_else(|| panic!("{code} not among {:?}", codes(v))).status
}

#[track_caller]
fn expect(v: &Verdict, status: Status, code: &str, label: &str) {
    let got = (v.status, v.code.as_str());
    assert_eq!(got, (status, code), "{label}: reasons {:?}", codes(v));
}

#[test]
fn payload_helper_builds_clean_cards() {
    for (payload, fields, layout) in
        [(qr().legacy(), 15, Layout::BhytLegacy), (qr().vssid(), 17, Layout::BhytNew)]
    {
        assert_eq!(payload.split('|').count(), fields, "{payload}");
        let card = detect(&payload).result.expect("helper payload parses");
        let (got, warnings) = (card.layout(), card.warnings());
        assert!(got == layout && warnings.is_empty(), "{payload}: {warnings:?}");
    }
    // Example A of spec §2.6, verbatim, on a day inside its window at its own registered facility.
    let a = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|20/10/1990|1|5068c6b0e1bb9d6e67204cc3a16e672048e1baa12c205175e1baad6e20c490e1bb916e6720c490612c205468c3a06e68207068e1bb912048c3a0204ee1bb9969|01 - 065|09/01/2018|31/12/2018|10/01/2018|01090123456789|-|4| 01/08/2019|0a1b2c3d4e5f6a7b-7102|$";
    let v = run(a, None, &Clinic::with_facility("01065"), ymd(2018, 6, 1));
    expect(&v, OK, "000", "spec example A");
    let facts = (v.benefit_percent, v.days_left, v.five_year_reached);
    assert_eq!(facts, (Some(80), Some(213), Some(false)));
}

#[test]
fn validity_window_edges() {
    // (label, valid_from, valid_to, status, code, days_left)
    #[rustfmt::skip]
    type Row = (&'static str, NaiveDate, Option<NaiveDate>, Status, &'static str, Option<i64>);
    #[rustfmt::skip]
    let table: &[Row] = &[
        ("starts today",          day(0),    Some(day(200)), OK,   "000", Some(200)),
        ("starts tomorrow",       day(1),    Some(day(200)), NO,   "L01", Some(200)),
        ("last day today",        day(-100), Some(day(0)),   WARN, "L08", Some(0)),
        ("ended yesterday",       day(-100), Some(day(-1)),  NO,   "010", Some(-1)),
        ("open-ended",            day(-100), None,           OK,   "000", None),
        ("open-ended from today", day(0),    None,           OK,   "000", None),
        ("ends in 30 days",       day(-100), Some(day(30)),  WARN, "L08", Some(30)),
        ("ends in 31 days",       day(-100), Some(day(31)),  OK,   "000", Some(31)),
    ];
    for &(label, from, to, status, code, days_left) in table {
        let v = scan(&window(from, to).legacy());
        expect(&v, status, code, label);
        let dates = (v.valid_from, v.valid_to, v.days_left);
        assert_eq!(dates, (Some(from), to, days_left), "{label}");
        assert_eq!(has(&v, "L08"), code == "L08", "{label}: {:?}", codes(&v));
        // L07 (checked against the card only) is listed but info-only by default.
        let card_only = (v.source, reason_status(&v, "L07"));
        assert_eq!(card_only, (Source::Qr, None), "{label}");
        if code == "L08" && days_left == Some(0) {
            let last_day = v.message_vi.contains("hôm nay") && v.message_en.contains("today");
            assert!(last_day, "{label}: the last day is said plainly: {}", v.message_en);
        } else if code == "L08" {
            let n = days_left.unwrap().to_string();
            let both = v.message_vi.contains(&n) && v.message_en.contains(&n);
            assert!(both, "{label}: {}", v.message_en);
        }
    }
}

#[test]
fn leap_day_and_impossible_dates() {
    let leap = window(ymd(2024, 1, 1), Some(ymd(2024, 2, 29))).legacy();
    let v = run(&leap, None, &clinic(), ymd(2024, 2, 29));
    expect(&v, WARN, "L08", "last day is 29/02/2024");
    assert_eq!((v.valid_to, v.days_left), (Some(ymd(2024, 2, 29)), Some(0)));

    let v = run(&leap, None, &clinic(), ymd(2024, 3, 1));
    expect(&v, NO, "010", "day after 29/02/2024");
    assert_eq!(v.days_left, Some(-1));

    let impossible = qr().with(|q| q.from = "29/02/2023".into()).legacy();
    let v = run(&impossible, None, &clinic(), ymd(2024, 3, 1));
    expect(&v, CV, "L04", "29/02/2023 does not exist");
    let facts = (v.source, v.valid_from, v.days_left);
    assert_eq!(facts, (Source::None, None, None));
    assert!(v.message_en.contains("29/02/2023"), "{}", v.message_en);
}

#[test]
fn new_layout_vssid_has_no_benefit_level() {
    let v = scan(&window(day(-30), None).vssid());
    expect(&v, WARN, "L06", "VssID QR");
    let benefit = (v.benefit_level, v.benefit_percent, v.card_number.as_deref());
    assert_eq!(benefit, (None, None, None));
    let facts = (v.route.clone(), v.source, v.days_left);
    assert_eq!(facts, (Some("1.1".to_string()), Source::Qr, None));
    assert!(has(&v, "L07") && !has(&v, "L05"), "{:?}", codes(&v));
}

#[test]
fn legacy_benefit_levels() {
    // (card code, level, percent, status, code)
    #[rustfmt::skip]
    let table: &[(&str, u8, u8, Status, &str)] = &[
        ("TE1790123456789", 1, 100, OK,   "000"),
        ("HN2790123456789", 2, 100, OK,   "000"),
        ("HT3790123456789", 3, 95,  OK,   "000"),
        ("DN4790123456789", 4, 80,  OK,   "000"),
        ("QN5790123456789", 5, 100, WARN, "001"),
        ("CA5790123456789", 5, 100, WARN, "002"),
    ];
    for &(card, level, percent, status, code) in table {
        let v = scan(&qr().with(|q| q.code = card.into()).legacy());
        expect(&v, status, code, card);
        assert_eq!(v.card_number.as_deref(), Some(card));
        let benefit = (v.benefit_level, v.benefit_percent);
        assert_eq!(benefit, (Some(level), Some(percent)), "{card}");
    }
}

#[test]
fn proposed_route_against_the_clinic() {
    // Visits of 2024: the pre-2025 rule, with the old `primary_level` (default true).
    let hospital = Clinic { pre2025_primary_level: false, ..clinic() };
    // (clinic, card facility, normalised, route, status, code)
    #[rustfmt::skip]
    let table: &[(&Clinic, &str, &str, &str, Status, &str)] = &[
        (&clinic(), "79 - 034", "79034", "1.1", OK,   "000"),
        (&clinic(), "79 - 020", "79020", "1.2", WARN, "L05"),
        (&clinic(), "01 - 065", "01065", "3.x", WARN, "L05"),
        (&hospital, "79 - 020", "79020", "3.x", WARN, "L05"),
    ];
    for &(clinic, facility, normalised, route, status, code) in table {
        let payload = qr().with(|q| q.facility = facility.into()).legacy();
        let v = run(&payload, None, clinic, day(0));
        let label = format!("{facility} at primary_level={}", clinic.pre2025_primary_level);
        expect(&v, status, code, &label);
        assert_eq!(v.route.as_deref(), Some(route), "{label}");
        assert_eq!(v.fund_tenths, None, "{label}: the old shares are not computed");
        let registered = v.registered_facility.as_deref();
        assert_eq!(registered, Some(normalised), "{label}");
        assert_eq!(v.clinic_facility.as_deref(), Some("79034"), "{label}");
        assert_eq!(has(&v, "L05"), route != "1.1", "{label}");
        if code == "L05" {
            let vi = &v.message_vi;
            assert!(vi.contains(normalised), "{label}: {vi}");
        }
    }
}

#[test]
fn five_consecutive_years() {
    // (five-year date, reached)
    for (five, reached) in [(day(-400), true), (day(0), true), (day(1), false)] {
        let v = scan(&qr().with(|q| q.five = dmy(five)).legacy());
        expect(&v, OK, "000", &dmy(five));
        let facts = (v.five_year_date, v.five_year_reached);
        assert_eq!(facts, (Some(five), Some(reached)));
        assert_eq!(has(&v, "L09"), reached, "{five}: {:?}", codes(&v));
        if reached {
            assert_eq!(reason_status(&v, "L09"), None, "L09 is info-only");
            let r = v.reasons.iter().find(|r| r.code.as_str() == "L09").unwrap();
            assert!(r.message_vi.contains(&dmy(five)), "{}", r.message_vi);
        }
    }
    let v = scan(&qr().legacy());
    assert_eq!((v.five_year_date, v.five_year_reached), (None, None));
}

#[test]
fn identity_only_inputs_need_a_record() {
    #[rustfmt::skip]
    let inputs = [CCCD_QR, "0123456789", "001090123456", CARD, " dn4 79 0123456789 "];
    for payload in inputs {
        let v = scan(payload);
        expect(&v, CV, "050", payload);
        assert_eq!(v.source, Source::None, "{payload}");
        let facts = (v.days_left, v.route.clone(), v.data_as_of);
        assert_eq!(facts, (None, None, None), "{payload}");
    }
}

#[test]
fn unusable_inputs_are_rejected_with_the_vss_code() {
    // A benefit code 0 is no card of any template (6–9 are cards before 2015, tests/real_world_input.rs).
    let bad_qr = qr().with(|q| q.code = "DN0790123456789".into()).legacy();
    #[rustfmt::skip]
    let table: &[(&str, &str)] = &[
        ("DN0010123456789", "053"), (&bad_qr, "053"),
        ("DN4030123456789", "052"),
        ("DN40101234567A9", "051"), ("ZZ4010123456789", "051"),
        ("+-*/", "L04"), ("12345", "L04"), ("", "L04"), ("abc|def|ghi", "L04"),
        ("https://vneid.gov.vn/?q=a|b", "L04"),
    ];
    for &(payload, code) in table {
        let v = scan(payload);
        expect(&v, CV, code, payload);
        let facts = (v.source, v.card_number.as_deref());
        assert_eq!(facts, (Source::None, None), "{payload}");
    }
}

#[test]
fn record_statuses() {
    use RecordStatus::Reduced;
    #[rustfmt::skip]
    let table: &[(RecordStatus, Status, &str)] = &[
        (RecordStatus::Active,                   OK, "000"),
        (RecordStatus::Revoked,                  NO, "110"),
        (Reduced(Reduction::Unspecified),        NO, "120"),
        (Reduced(Reduction::MovedOtherProvince), NO, "121"),
        (Reduced(Reduction::MovedInProvince),    NO, "122"),
        (Reduced(Reduction::Reenrolled),         CV, "123"),
        (Reduced(Reduction::Stopped),            NO, "124"),
    ];
    for &(state, status, code) in table {
        let mut r = record(3);
        r.status = state;
        let v = scan_with(&qr().legacy(), &r);
        expect(&v, status, code, &format!("{state:?}"));
        let facts = (v.source, v.data_as_of, v.data_age_days);
        assert_eq!(facts, (Source::Roster, Some(day(-3)), Some(3)));
        assert!(!has(&v, "L07"), "a record is more than the card alone");
    }
}

/// A record saying card `CARD` was replaced by `NEW_CARD`, valid until `to`.
fn replaced(to: NaiveDate) -> CoverageRecord {
    let mut r = record(3);
    r.status = RecordStatus::Replaced;
    r.replaced_by = Some(NEW_CARD.into());
    r.valid_to = Some(to);
    r
}

#[test]
fn replaced_card() {
    let v = scan_with(&qr().legacy(), &replaced(day(200)));
    expect(&v, WARN, "004", "replaced, old card valid");
    assert_eq!(v.replaced_by.as_deref(), Some(NEW_CARD));
    assert!(v.message_en.contains(NEW_CARD), "{}", v.message_en);

    let v = scan_with(&qr().legacy(), &replaced(day(-1)));
    assert_eq!(v.status, NO, "replaced, old card expired: {:?}", codes(&v));
    let facts = (v.replaced_by.as_deref(), v.days_left);
    assert_eq!(facts, (Some(NEW_CARD), Some(-1)));
    assert_eq!(reason_status(&v, "003"), Some(NO));
}

#[test]

fn replaced_and_expired_is_decided_by_003() {
    let v = scan_with(&qr().legacy(), &replaced(day(-1)));
    expect(&v, NO, "003", "replaced, old card expired");
}

#[test]
fn age_of_local_data() {
    // (days old, status, code)
    #[rustfmt::skip]
    let table: &[(i64, Status, &str)] = &[
        (0, OK, "000"),
        (30, OK, "000"),
        (31, WARN, "L02"),
        (90, WARN, "L02"),
        (91, CV, "L03"),
    ];
    for &(age, status, code) in table {
        let v = scan_with("0123456789", &record(age));
        expect(&v, status, code, &format!("{age} days old"));
        let facts = (v.source, v.data_as_of, v.data_age_days);
        assert_eq!(facts, (Source::Roster, Some(day(-age)), Some(age)));
        assert_eq!(v.card_number.as_deref(), Some(CARD));
        assert_eq!((v.benefit_level, v.benefit_percent), (Some(4), Some(80)));
        assert_eq!(has(&v, "L02"), code == "L02");
        if code != "000" {
            let en = &v.message_en;
            assert!(en.contains(&age.to_string()), "{age}: {en}");
        }
    }
}

#[test]
fn identity_compared_with_the_record() {
    let born = |y, m, d| Some(BirthDate::Full(ymd(y, m, d)));
    let legacy = qr().legacy();
    // (payload, record name, record birth date, status, code)
    #[rustfmt::skip]
    let table: &[(&str, &str, Option<BirthDate>, Status, &str)] = &[
        (CCCD_QR, "Nguyễn Văn An",  born(1990, 1, 1),   OK,   "000"),
        (CCCD_QR, "NGUYỄN  VĂN AN", born(1990, 1, 1),   OK,   "000"),
        (CCCD_QR, "Nguyễn Văn Ân",  born(1990, 1, 1),   WARN, "061"),
        (CCCD_QR, "Nguyen Van An",  born(1990, 1, 1),   WARN, "061"),
        (CCCD_QR, "Trần Thị Bình",  born(1990, 1, 1),   CV,   "060"),
        (CCCD_QR, "Nguyễn Văn An",  born(1990, 1, 2),   CV,   "070"),
        (&legacy, "Nguyen Van An",  born(1990, 10, 20), WARN, "061"),
        (&legacy, "Nguyễn Văn An",  Some(BirthDate::Year(1990)), OK, "000"),
        (&legacy, "Nguyễn Văn An",  born(1991, 10, 20), CV,   "070"),
    ];
    for &(payload, name, birth, status, code) in table {
        let mut r = record(1);
        r.full_name = Some(name.into());
        r.birth_date = birth;
        let v = scan_with(payload, &r);
        let label = format!("{name} / {birth:?} vs {}", &payload[..12]);
        expect(&v, status, code, &label);
        // A record of someone else (060 / 070) is set aside: only the card itself counts then.
        let own = if payload == CCCD_QR { Source::None } else { Source::Qr };
        let want = if status == CV { own } else { Source::Roster };
        assert_eq!(v.source, want, "{label}");
    }
}

#[test]
fn not_eligible_outranks_cannot_verify() {
    let mut r = record(91);
    r.status = RecordStatus::Revoked;
    let v = scan_with(&qr().legacy(), &r);
    expect(&v, NO, "110", "revoked and stale");
    assert_eq!(reason_status(&v, "L03"), Some(CV));
    assert_eq!(v.data_age_days, Some(91));
    // With an identity mismatch (CCCD born 01/01/1990, record 20/10/1990) the record may be someone
    // else's: it is set aside, and the mismatch decides.
    let v = scan_with(CCCD_QR, &r);
    expect(&v, CV, "070", "revoked, stale, wrong birth date");
    assert!(!has(&v, "110") && !has(&v, "L03"), "{:?}", codes(&v));
}

#[test]
fn clinic_policy_for_card_only_checks() {
    // (policy, status, code)
    #[rustfmt::skip]
    let table: &[(Option<Status>, Status, &str)] = &[
        (None, OK, "000"),
        (Some(WARN), WARN, "L07"),
        (Some(CV), CV, "L07"),
    ];
    for &(policy, status, code) in table {
        let strict = Clinic { card_only_status: policy, ..clinic() };
        let v = run(&qr().legacy(), None, &strict, day(0));
        expect(&v, status, code, &format!("{policy:?}"));
        assert_eq!((reason_status(&v, "L07"), v.source), (policy, Source::Qr));
    }
}

/// A clinic of 79034 with this profile.
fn profiled(
    level: Option<Level>,
    flat: Option<FlatType>,
    score: Option<ScoreBand>,
    former: FormerTier,
) -> Clinic {
    let mut c = clinic();
    c.profile.level = level;
    c.profile.flat_100 = flat;
    c.profile.score_band = score;
    c.profile.former_tier = former;
    c
}

/// A row of the category table: clinic, card registered at, visit, day, category, fund %, status, code.
type Case =
    (Clinic, &'static str, VisitFacts, NaiveDate, Option<&'static str>, Option<f64>, Status, &'static str);

#[test]
fn categories_and_fund_shares_since_2025() {
    use FormerTier::{Huyen, None as NoTier, Tinh, TrungUong};
    use Level::{BanDau, ChuyenSau, CoBan};
    use ScoreBand::{From50ToLt70 as S50, Lt50OrProvisional as S0};
    let out = VisitFacts::default();
    let inp = VisitFacts { kind: VisitKind::Inpatient, ..VisitFacts::default() };
    let paper = |p| VisitFacts { paper: Some(p), ..VisitFacts::default() };
    let emergency = VisitFacts { emergency: true, ..VisitFacts::default() };
    let newborn = VisitFacts { newborn: true, ..VisitFacts::default() };
    let tram = Some(FlatType::TramYTe);
    let (before, after) = (ymd(2026, 6, 30), ymd(2026, 7, 1));
    // A level-4 card (80 %) registered at `reg`: (clinic, registered, visit, day, route, fund %, status, code).
    #[rustfmt::skip]
    let table: Vec<Case> = vec![
        // Registered here: 1.1 at the card's level — 1.2 at 100 % at a TT 01/2025 Đ3 type.
        (profiled(Some(CoBan), None, Some(S50), Tinh), "79 - 034", out, after, Some("1.1"), Some(80.0), OK, "000"),
        (profiled(Some(BanDau), tram, None, NoTier), "79 - 034", out, after, Some("1.2"), Some(100.0), OK, "000"),
        // A TT 01/2025 Đ3 type: 1.2 at 100 % whatever the card, any province, outpatient or not.
        (profiled(Some(BanDau), tram, None, NoTier), "01 - 065", out, after, Some("1.2"), Some(100.0), OK, "000"),
        (profiled(Some(BanDau), tram, None, NoTier), "01 - 065", inp, before, Some("1.2"), Some(100.0), OK, "000"),
        // Other primary level, any province: 1.11 at the card's level (no paper asked).
        (profiled(Some(BanDau), None, None, NoTier), "01 - 065", out, after, Some("1.11"), Some(80.0), OK, "000"),
        (profiled(Some(BanDau), None, None, Huyen), "01 - 065", inp, after, Some("1.11"), Some(80.0), OK, "000"),
        // Papers and facts: 1.3, 1.4, 1.5, 1.7, 2 at the card's level, even where self-referral pays 0.
        (profiled(Some(ChuyenSau), None, None, TrungUong), "01 - 065", paper(Paper::Transfer), after, Some("1.3"), Some(80.0), OK, "000"),
        (profiled(Some(ChuyenSau), None, None, TrungUong), "01 - 065", paper(Paper::Stay), after, Some("1.4"), Some(80.0), OK, "000"),
        (profiled(Some(ChuyenSau), None, None, TrungUong), "01 - 065", paper(Paper::Appointment), after, Some("1.5"), Some(80.0), OK, "000"),
        (profiled(Some(ChuyenSau), None, None, TrungUong), "01 - 065", newborn, after, Some("1.7"), Some(80.0), OK, "000"),
        (profiled(Some(ChuyenSau), None, None, TrungUong), "01 - 065", emergency, after, Some("2"), Some(80.0), OK, "000"),
        (profiled(Some(CoBan), None, Some(S50), NoTier), "01 - 065", emergency, before, Some("2"), Some(80.0), OK, "000"),
        // Basic level, inpatient: 1.15 at the card's level.
        (profiled(Some(CoBan), None, Some(S50), Tinh), "01 - 065", inp, after, Some("1.15"), Some(80.0), OK, "000"),
        // Basic level, < 50 points or provisional: 1.12 at the card's level.
        (profiled(Some(CoBan), None, Some(S0), NoTier), "01 - 065", out, before, Some("1.12"), Some(80.0), OK, "000"),
        // Basic level, 50–70 points: 1.13, nothing until 30/6/2026, half of the card's level from 1/7/2026.
        (profiled(Some(CoBan), None, Some(S50), NoTier), "01 - 065", out, before, Some("1.13"), Some(0.0), NO, "L11"),
        (profiled(Some(CoBan), None, Some(S50), NoTier), "01 - 065", out, after, Some("1.13"), Some(40.0), WARN, "L10"),
        // Basic level, formerly provincial or central: 1.14, the same step.
        (profiled(Some(CoBan), None, None, Tinh), "01 - 065", out, before, Some("1.14"), Some(0.0), NO, "L11"),
        (profiled(Some(CoBan), None, None, TrungUong), "01 - 065", out, after, Some("1.14"), Some(40.0), WARN, "L10"),
        // Basic level, formerly district: 3.3 at the card's level (1.12 first when also under 50 points).
        (profiled(Some(CoBan), None, None, Huyen), "01 - 065", out, after, Some("3.3"), Some(80.0), OK, "000"),
        (profiled(Some(CoBan), None, Some(S0), Huyen), "01 - 065", out, after, Some("1.12"), Some(80.0), OK, "000"),
        // A 100 % facility type counts only at primary level.
        (profiled(Some(ChuyenSau), tram, None, TrungUong), "01 - 065", out, after, Some("3.1"), Some(0.0), NO, "L11"),
        // Specialised level: formerly district 3.3; provincial 1.18 (0 → 50 %) out, 3.2 in; central 3.1 (0 out, 40 % in).
        (profiled(Some(ChuyenSau), None, None, Huyen), "01 - 065", inp, after, Some("3.3"), Some(80.0), OK, "000"),
        (profiled(Some(ChuyenSau), None, None, Tinh), "01 - 065", out, before, Some("1.18"), Some(0.0), NO, "L11"),
        (profiled(Some(ChuyenSau), None, None, Tinh), "01 - 065", out, after, Some("1.18"), Some(40.0), WARN, "L10"),
        (profiled(Some(ChuyenSau), None, None, Tinh), "01 - 065", inp, after, Some("3.2"), Some(80.0), OK, "000"),
        (profiled(Some(ChuyenSau), None, None, TrungUong), "01 - 065", out, after, Some("3.1"), Some(0.0), NO, "L11"),
        (profiled(Some(ChuyenSau), None, None, TrungUong), "01 - 065", inp, after, Some("3.1"), Some(32.0), WARN, "L10"),
        // No profile: only a card registered here gets a category; the rest is said (L13), not guessed.
        (clinic(), "01 - 065", out, after, None, None, OK, "000"),
        (clinic(), "79 - 034", out, after, Some("1.1"), Some(80.0), OK, "000"),
        // A specialised clinic never ranked before 2025: no row of the list covers it.
        (profiled(Some(ChuyenSau), None, None, NoTier), "01 - 065", out, after, None, None, OK, "000"),
        // Before 2025 the old rule stands (same province at a primary clinic 1.2, else 3.x; no share).
        (profiled(Some(ChuyenSau), None, None, TrungUong), "79 - 020", out, ymd(2024, 12, 31), Some("1.2"), None, WARN, "L05"),
        (Clinic { pre2025_primary_level: false, ..clinic() }, "79 - 020", out, ymd(2024, 12, 31), Some("3.x"), None, WARN, "L05"),
    ];
    for (i, (clinic, registered, visit, on, route, fund, status, code)) in table.into_iter().enumerate() {
        let card = "DN4790123456789";
        let payload = Qr {
            code: card.into(),
            facility: registered.into(),
            from: dmy(on - Duration::days(100)),
            to: dmy(on + Duration::days(300)),
            five: "-".into(),
        }
        .legacy();
        let label = format!("row {i}: {:?} at {registered} {visit:?} on {on}", clinic.profile);
        let v = assess_visit(&detect(&payload), None, &clinic, &visit, at(on));
        assert_eq!(v.route.as_deref(), route, "{label}");
        assert_eq!(v.fund_tenths.map(|t| f64::from(t) / 10.0), fund, "{label}");
        expect(&v, status, code, &label);
        assert_eq!(v.visit, visit, "{label}");
        if route.is_none() && on >= ymd(2025, 1, 1) && registered != "79 - 034" {
            assert!(has(&v, "L13"), "{label}: the missing profile is said: {:?}", codes(&v));
        }
        let texts =
            v.reasons.iter().map(|r| format!("{} {}", r.message_vi, r.next_step_vi)).collect::<String>();
        if on >= ymd(2025, 1, 1) {
            assert!(!texts.contains("trái tuyến") && !texts.contains("chuyển tuyến"), "{label}: {texts}");
        }
    }
}

#[test]
fn fund_shares_in_tenths_of_a_percent_and_the_pending_diagnosis() {
    let c = profiled(Some(Level::CoBan), None, Some(ScoreBand::From50ToLt70), FormerTier::None);
    let on = ymd(2026, 12, 3);
    for (card, tenths) in [("HT3790123456789", 475), ("DN4790123456789", 400), ("TE1790123456789", 500)] {
        let payload = qr().with(|q| {
            q.code = card.into();
            q.facility = "01 - 065".into();
            q.from = dmy(on - Duration::days(10));
            q.to = dmy(on + Duration::days(10));
        });
        let v = assess_visit(&detect(&payload.legacy()), None, &c, &VisitFacts::default(), at(on));
        assert_eq!(v.fund_tenths, Some(tenths), "{card}");
        assert_eq!(v.route_percent, Some(50), "{card}");
        let json = serde_json::to_value(&v).expect("serialises");
        assert_eq!(json["fund_percent"].as_f64(), Some(f64::from(tenths) / 10.0), "{card}");
        assert_eq!(json["route"], "1.13");
        assert_eq!(json["route_pending"], "1.16", "Phụ lục II would restore the full level");
        assert!(has(&v, "L12"), "{card}: the diagnosis that changes it is said: {:?}", codes(&v));
    }
}

#[test]
fn every_clinic_profile_outpatient_and_inpatient_across_the_dates() {
    use FormerTier::{Huyen, None as NoTier, Tinh, TrungUong};
    use Level::{BanDau, ChuyenSau, CoBan};
    use ScoreBand::{From50ToLt70 as S50, Lt50OrProvisional as S0};
    // coverage-rules-2025.md §2.3, a self-referred level-4 card (80 %): per clinic profile, the outpatient
    // category with its fund % until 30/6/2026 and from 1/7/2026, then the inpatient category and fund %.
    #[rustfmt::skip]
    let matrix: [(&str, Clinic, &str, f64, f64, &str, f64); 11] = [
        ("trạm y tế", profiled(Some(BanDau), Some(FlatType::TramYTe), None, NoTier), "1.2", 100.0, 100.0, "1.2", 100.0),
        ("other primary", profiled(Some(BanDau), None, None, NoTier), "1.11", 80.0, 80.0, "1.11", 80.0),
        ("basic, former district, < 50", profiled(Some(CoBan), None, Some(S0), Huyen), "1.12", 80.0, 80.0, "1.15", 80.0),
        ("basic, < 50", profiled(Some(CoBan), None, Some(S0), NoTier), "1.12", 80.0, 80.0, "1.15", 80.0),
        ("basic, former district, no score", profiled(Some(CoBan), None, None, Huyen), "3.3", 80.0, 80.0, "1.15", 80.0),
        ("basic, former district, 50–70", profiled(Some(CoBan), None, Some(S50), Huyen), "1.13", 0.0, 40.0, "1.15", 80.0),
        ("basic, 50–70", profiled(Some(CoBan), None, Some(S50), NoTier), "1.13", 0.0, 40.0, "1.15", 80.0),
        ("basic, former provincial", profiled(Some(CoBan), None, None, Tinh), "1.14", 0.0, 40.0, "1.15", 80.0),
        ("specialised, former district", profiled(Some(ChuyenSau), None, None, Huyen), "3.3", 80.0, 80.0, "3.3", 80.0),
        ("specialised, former provincial", profiled(Some(ChuyenSau), None, None, Tinh), "1.18", 0.0, 40.0, "3.2", 80.0),
        ("specialised, former central", profiled(Some(ChuyenSau), None, None, TrungUong), "3.1", 0.0, 0.0, "3.1", 32.0),
    ];
    let inpatient = VisitFacts { kind: VisitKind::Inpatient, ..VisitFacts::default() };
    for (name, clinic, out_code, out_before, out_after, in_code, in_fund) in matrix {
        for (on, kind) in [
            (ymd(2026, 6, 30), VisitFacts::default()),
            (ymd(2026, 7, 1), VisitFacts::default()),
            (ymd(2026, 6, 30), inpatient),
            (ymd(2026, 7, 1), inpatient),
            (ymd(2024, 12, 31), VisitFacts::default()),
            (ymd(2024, 12, 31), inpatient),
        ] {
            let payload = qr().with(|q| {
                q.facility = "01 - 065".into();
                q.from = dmy(on - Duration::days(100));
                q.to = dmy(on + Duration::days(300));
            });
            let v = assess_visit(&detect(&payload.legacy()), None, &clinic, &kind, at(on));
            let label = format!("{name}, {:?} on {on}", kind.kind);
            let (code, fund) = match (on < ymd(2025, 1, 1), kind.kind) {
                // Before 2025: the old rule (another province: self-referred, no share computed).
                (true, _) => ("3.x", None),
                (false, VisitKind::Outpatient) if on < ymd(2026, 7, 1) => (out_code, Some(out_before)),
                (false, VisitKind::Outpatient) => (out_code, Some(out_after)),
                (false, VisitKind::Inpatient) => (in_code, Some(in_fund)),
            };
            assert_eq!(v.route.as_deref(), Some(code), "{label}");
            assert_eq!(v.fund_tenths.map(|t| f64::from(t) / 10.0), fund, "{label}");
            let want = match fund {
                Some(f) if f < 0.05 => (NO, "L11"),
                Some(f) if f < 80.0 => (WARN, "L10"),
                Some(_) => (OK, "000"),
                None => (WARN, "L05"),
            };
            expect(&v, want.0, want.1, &label);
        }
    }
}

#[test]
fn a_temporary_childs_card_is_told_as_such_not_as_a_missing_clinic_code() {
    let on = ymd(2026, 12, 3);
    let payload = qr().with(|q| {
        q.code = "TE1790123456789".into();
        q.facility = "79 - 000".into();
        q.from = dmy(on - Duration::days(10));
        q.to = dmy(on + Duration::days(100));
    });
    // At a former provincial basic clinic, self-referral would pay nothing: a child's temporary card is
    // never refused on that ground — staff set the category.
    let c = profiled(Some(Level::CoBan), None, None, FormerTier::Tinh);
    let v = assess_visit(&detect(&payload.legacy()), None, &c, &VisitFacts::default(), at(on));
    assert_eq!(v.route, None);
    assert_eq!(v.status, OK, "{:?}", codes(&v));
    let r = v.reasons.iter().find(|r| r.code.as_str() == "L05").expect("the registration told");
    assert!(r.message_vi.starts_with("Thẻ tạm"), "{}", r.message_vi);
    assert!(!r.message_vi.contains("chưa cài mã"), "{}", r.message_vi);
    // A newborn treated right after birth is 1.7 all the same.
    let newborn = VisitFacts { newborn: true, ..VisitFacts::default() };
    let v = assess_visit(&detect(&payload.legacy()), None, &c, &newborn, at(on));
    assert_eq!(v.route.as_deref(), Some("1.7"));
}
