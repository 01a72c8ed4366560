//! Invented but realistic roster rows for demos and benchmarks: Vietnamese names with diacritics, valid
//! card codes, plausible validity windows and a few revoked, reduced and replaced cards. Deterministic
//! for a seed. No row describes a real person.

use crate::card::codes;
use crate::card::date::iso;
use crate::clock;
use crate::store::roster_csv::{COLUMNS, RosterRow};
use crate::store::{Store, StoreError, audit, import, settings};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// A small, fast, deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FAMILY: [&str; 16] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý",
];
const MIDDLE_MALE: [&str; 8] = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Gia", "Công"];
const MIDDLE_FEMALE: [&str; 8] = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Bảo", "Diệu"];
const GIVEN_MALE: [&str; 20] = [
    "An", "Bình", "Dũng", "Đông", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Minh", "Nam", "Phong", "Phúc",
    "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Lộc",
];
const GIVEN_FEMALE: [&str; 20] = [
    "Châu", "Giang", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Nhung", "Phương", "Quỳnh",
    "Tâm", "Thảo", "Thủy", "Trang", "Vy", "Xuân", "Yến",
];
const STREETS: [&str; 10] = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Điện Biên Phủ",
    "Phan Đình Phùng",
    "Quang Trung",
    "Bạch Đằng",
    "Hùng Vương",
];
/// Group codes with their usual benefit, weighted towards the common ones.
const GROUPS: [(&str, u8); 14] = [
    ("DN", 4),
    ("DN", 4),
    ("DN", 4),
    ("HC", 4),
    ("GD", 4),
    ("GD", 4),
    ("HS", 4),
    ("SV", 4),
    ("HT", 3),
    ("TE", 1),
    ("HN", 2),
    ("CN", 2),
    ("CC", 1),
    ("QN", 5),
];
const PROVINCES: [(&str, &str); 12] = [
    ("01", "Hà Nội"),
    ("79", "Thành phố Hồ Chí Minh"),
    ("48", "Đà Nẵng"),
    ("31", "Hải Phòng"),
    ("92", "Cần Thơ"),
    ("75", "Đồng Nai"),
    ("74", "Bình Dương"),
    ("38", "Thanh Hóa"),
    ("40", "Nghệ An"),
    ("46", "Thừa Thiên Huế"),
    ("56", "Khánh Hòa"),
    ("66", "Đắk Lắk"),
];

/// The `i`-th of 10^10 distinct 10-digit BHXH numbers (a bijection: odd multiplier modulo 10^10).
fn bhxh_number(i: u64, seed: u64) -> String {
    const MODULUS: u64 = 10_000_000_000;
    let n = (i.wrapping_add(seed % MODULUS) % MODULUS) as u128 * 6_364_136_223 % MODULUS as u128;
    format!("{n:010}")
}

/// One invented roster row, number `i`, with data true as of `today`.
pub fn person(i: u64, seed: u64, today: NaiveDate) -> RosterRow {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0xA24B_AED4_963E_E407));
    let male = rng.below(2) == 0;
    let (middle, given): (&[&str], &[&str]) =
        if male { (&MIDDLE_MALE, &GIVEN_MALE) } else { (&MIDDLE_FEMALE, &GIVEN_FEMALE) };
    let full_name = format!("{} {} {}", rng.pick(&FAMILY), rng.pick(middle), rng.pick(given));
    let (province, province_name) = *rng.pick(&PROVINCES);
    let (mut group, mut benefit) = *rng.pick(&GROUPS);
    let age = rng.below(95) as i64;
    let birth = today - Duration::days(age * 365 + rng.below(365) as i64);
    if age < 6 {
        (group, benefit) = ("TE", 1);
    } else if group == "TE" {
        (group, benefit) = ("GD", 4);
    }
    debug_assert!(codes::group(group).is_some() && codes::province_name(province).is_some());
    let bhxh = bhxh_number(i, seed);
    let card = format!("{group}{benefit}{province}{bhxh}");
    let century_sex = (birth.year() / 100 - 19) * 2 + i32::from(!male);
    let citizen = format!("0{province}{century_sex}{:02}{:06}", birth.year() % 100, rng.below(1_000_000));
    let valid_from = today - Duration::days(rng.below(700) as i64);
    let valid_to = match rng.below(10) {
        0..=2 => None,
        3 => Some(today - Duration::days(1 + rng.below(200) as i64)),
        _ => Some(
            NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today)
                + Duration::days(rng.below(2) as i64 * 365),
        ),
    };
    let valid_to = valid_to.map(|t| t.max(valid_from));
    let status = match rng.below(200) {
        0..=2 => "revoked",
        3..=5 => "reduced",
        6..=9 => "replaced",
        _ => "active",
    };
    let replaced_by = (status == "replaced")
        .then(|| format!("{group}{benefit}{province}{}", bhxh_number(i + 5_000_000_000, seed)));
    RosterRow {
        card_number: Some(card),
        bhxh_number: Some(bhxh),
        citizen_id: Some(citizen),
        full_name: Some(full_name),
        birth_date: Some(iso(birth)),
        sex: Some(if male { "male" } else { "female" }),
        address: Some(format!(
            "Số {} Đường {}, Phường {}, {province_name}",
            1 + rng.below(300),
            rng.pick(&STREETS),
            1 + rng.below(20)
        )),
        facility_code: Some(format!("{province}{:03}", rng.below(300))),
        valid_from: Some(iso(valid_from)),
        valid_to: valid_to.map(iso),
        five_year_date: (rng.below(3) == 0).then(|| iso(valid_from - Duration::days(rng.below(3000) as i64))),
        status,
        replaced_by,
        as_of: iso(today - Duration::days(rng.below(20) as i64)),
    }
}

/// Fills the database with `n` invented roster records, marks it as demo data, and gives the clinic a
/// facility code if it has none.
pub fn fill(store: &mut Store, n: u64, seed: u64, now: DateTime<Utc>) -> Result<(), StoreError> {
    let today = clock::to_vietnam(now).date();
    store.write(|tx| {
        for i in 0..n {
            import::upsert(tx, &person(i, seed, today), "csv")?;
        }
        for row in demo_frame_people(today) {
            import::upsert(tx, &row, "csv")?;
        }
        settings::set(tx, "demo", "true")?;
        if settings::load(tx)?.clinic.facility_code.is_none() {
            settings::set(tx, "facility_code", DEMO_FACILITY)?;
            settings::set(tx, "clinic_name", "Phòng khám mẫu (dữ liệu demo)")?;
            // A private general clinic classified at primary level: cards from elsewhere are 1.11.
            settings::set(tx, "expertise_level", "ban_dau")?;
        }
        if settings::load(tx)?.exam.code.is_none() {
            // An invented code, plainly so: a real clinic sets its own from its DMDC list.
            settings::set(tx, "exam_service_code", "KB.DEMO")?;
            settings::set(tx, "exam_service_name", "Khám bệnh (mã mẫu của dữ liệu demo)")?;
        }
        let detail = serde_json::json!({"cards": n, "seed": seed});
        audit::append(&mut crate::store::sql::Lite(tx), now, "demo", "demo-data", None, &detail)?;
        Ok(())
    })
}

/// Roster rows for the people on the demo camera frames (`assets/demo/manifest.jsonl`), so the demo
/// source meets covered patients: a BHYT card as its QR prints it, a citizen-id holder with an invented
/// active card. Empty when the file is absent.
pub fn demo_frame_people(today: NaiveDate) -> Vec<RosterRow> {
    let path = crate::scan::source::demo_dir().join("manifest.jsonl");
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let as_of = iso(today - Duration::days(2));
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|entry| match crate::card::detect(entry["payload"].as_str()?).result.ok()? {
            crate::card::Card::Bhyt(b) => Some(RosterRow {
                card_number: b.card_code.as_ref().map(|c| c.as_str().to_string()),
                bhxh_number: b.bhxh_number.clone(),
                citizen_id: None,
                full_name: b.full_name.clone(),
                birth_date: b.birth_date.map(|d| d.to_string()),
                sex: b.sex.map(crate::card::Sex::as_str),
                address: b.address.clone(),
                facility_code: b.facility_code.clone(),
                valid_from: b.valid_from.map(iso),
                // A card whose QR prints no end date has one in BHXH's list (the check-in file needs
                // it): the end of next year, as for the citizen-id holders below.
                valid_to: Some(iso(b.valid_to.unwrap_or_else(|| end_of_next_year(today)))),
                five_year_date: b.five_year_date.map(iso),
                status: "active",
                replaced_by: None,
                as_of: as_of.clone(),
            }),
            crate::card::Card::Cccd(c) => {
                let bhxh = format!("79{}", &c.citizen_id[4..12]);
                Some(RosterRow {
                    card_number: Some(format!("GD479{bhxh}")),
                    bhxh_number: Some(bhxh),
                    citizen_id: Some(c.citizen_id.clone()),
                    full_name: Some(c.full_name.clone()),
                    birth_date: Some(c.birth_date.to_string()),
                    sex: c.sex.map(crate::card::Sex::as_str),
                    address: c.address.clone(),
                    facility_code: Some(DEMO_FACILITY.to_string()),
                    valid_from: Some(iso(today - Duration::days(200))),
                    valid_to: Some(iso(end_of_next_year(today))),
                    five_year_date: None,
                    status: "active",
                    replaced_by: None,
                    as_of: as_of.clone(),
                })
            }
            crate::card::Card::Number(_) => None,
        })
        .collect()
}

fn end_of_next_year(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today)
}

/// The facility code a demo database gets.
pub const DEMO_FACILITY: &str = "79034";

/// The roster CSV header line.
pub fn csv_header() -> String {
    COLUMNS.join(",")
}

/// One row as a CSV line (fields never contain quotes or commas except the address, which is quoted).
pub fn csv_line(r: &RosterRow) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    format!(
        "{},{},{},{},{},{},\"{}\",{},{},{},{},{},{},{}",
        o(&r.card_number),
        o(&r.bhxh_number),
        o(&r.citizen_id),
        o(&r.full_name),
        o(&r.birth_date),
        r.sex.unwrap_or_default(),
        o(&r.address),
        o(&r.facility_code),
        o(&r.valid_from),
        o(&r.valid_to),
        o(&r.five_year_date),
        r.status,
        o(&r.replaced_by),
        r.as_of
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::CardCode;
    use crate::card::text::is_plausible_name;
    use crate::store::roster_csv::{Header, parse_row};

    #[test]
    fn the_people_on_the_demo_frames_are_in_the_demo_roster() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let rows = demo_frame_people(today);
        assert_eq!(rows.len(), 6, "one per demo frame");
        let header = Header::parse(&COLUMNS).unwrap();
        for row in &rows {
            let line = csv_line(row);
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
            let rec = reader.records().next().unwrap().unwrap();
            let fields: Vec<&str> = rec.iter().collect();
            assert_eq!(parse_row(&header, &fields, None).as_ref(), Ok(row), "a valid roster row: {line}");
        }
        assert_eq!(rows.iter().filter(|r| r.citizen_id.is_some()).count(), 2, "the two citizen-id holders");
    }

    #[test]
    fn demo_rows_are_valid_roster_rows() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let header = Header::parse(&COLUMNS).unwrap();
        let mut cards = std::collections::HashSet::new();
        for i in 0..2_000 {
            let row = person(i, 7, today);
            assert!(CardCode::parse(row.card_number.as_deref().unwrap()).is_ok());
            assert!(is_plausible_name(row.full_name.as_deref().unwrap()));
            assert!(cards.insert(row.card_number.clone().unwrap()), "card numbers are unique");
            let line = csv_line(&row);
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
            let rec = reader.records().next().unwrap().unwrap();
            let fields: Vec<&str> = rec.iter().collect();
            assert_eq!(parse_row(&header, &fields, None), Ok(row), "line {line}");
        }
    }
}
