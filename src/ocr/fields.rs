//! From OCR words to card fields: lines are split at the labels a card prints ("Mã số", "Họ và tên",
//! "Ngày sinh", …, matched without diacritics and with one wrong letter allowed), a label's value is the
//! rest of its line or, in the VNeID wallet, the line below; then each value is read as what its label
//! says (a code, a number, a date, a word) and cross-checked: the code's shape, the BHXH number against
//! the code's last ten characters, dates that exist and come in order, the sex from its word. Pure: no
//! engine, no I/O.

use super::ImageLayout;
use super::engine::Word;
use crate::card::{CardCode, Sex, number::Template};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The fields of the `tiepdon ocr` contract (absent: `null`; dates ISO).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    pub card_number: Option<String>,
    pub bhxh_number: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub facility_name: Option<String>,
    pub facility_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub five_year_date: Option<NaiveDate>,
}

/// How sure the read is of each field, 0–1 (`null` where the field is absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Confidence {
    pub card_number: Option<f32>,
    pub bhxh_number: Option<f32>,
    pub full_name: Option<f32>,
    pub birth_date: Option<f32>,
    pub sex: Option<f32>,
    pub facility_name: Option<f32>,
    pub facility_code: Option<f32>,
    pub valid_from: Option<f32>,
    pub valid_to: Option<f32>,
    pub five_year_date: Option<f32>,
}

/// One line of words, left to right.
#[derive(Debug, Clone)]
pub struct Line {
    pub words: Vec<Word>,
}

/// Groups words into lines (Tesseract's block, paragraph and line), top to bottom.
pub fn lines(words: &[Word]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for w in words {
        match out.last_mut() {
            Some(l) if l.words[0].line == w.line => l.words.push(w.clone()),
            _ => out.push(Line { words: vec![w.clone()] }),
        }
    }
    for l in &mut out {
        l.words.sort_by_key(|w| w.left);
    }
    out.sort_by_key(|l| l.words.iter().map(|w| w.top + w.height / 2).min().unwrap_or(0));
    out
}

/// Lower case, no diacritics (đ → d), letters and digits only.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// What a label says its value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// "Mã số": the card code or the BHXH number.
    Number,
    Code,
    Bhxh,
    Name,
    Birth,
    Sex,
    Address,
    Facility,
    /// "Giá trị sử dụng": from, and maybe to.
    Validity,
    ValidFrom,
    ValidTo,
    FiveYear,
}

/// The labels, folded, longest first within a slot's alternatives.
const LABELS: &[(&[&str], Slot)] = &[
    (&["thoi", "diem", "du", "5", "nam", "lien", "tuc"], Slot::FiveYear),
    (&["gia", "tri", "su", "dung", "tu", "ngay"], Slot::ValidFrom),
    (&["gia", "tri", "su", "dung", "den", "ngay"], Slot::ValidTo),
    (&["noi", "dang", "ky", "kcb", "ban", "dau"], Slot::Facility),
    (&["noi", "dk", "kcb", "bd"], Slot::Facility),
    (&["noi", "dkkcb", "bd"], Slot::Facility),
    (&["gia", "tri", "su", "dung"], Slot::Validity),
    (&["han", "the", "tu", "ngay"], Slot::ValidFrom),
    (&["han", "the", "den", "ngay"], Slot::ValidTo),
    (&["han", "the"], Slot::Validity),
    (&["ma", "the", "bhyt"], Slot::Code),
    (&["ma", "so", "bhxh"], Slot::Bhxh),
    (&["ma", "so"], Slot::Number),
    (&["ho", "va", "ten"], Slot::Name),
    (&["ho", "ten"], Slot::Name),
    (&["ngay", "sinh"], Slot::Birth),
    (&["gioi", "tinh"], Slot::Sex),
    (&["dia", "chi"], Slot::Address),
];

/// Whether an OCR'd token is a label's word: equal, one letter off for words of three letters or more,
/// two for six or more.
fn token_is(read: &str, label: &str) -> bool {
    let n = label.chars().count();
    read == label || (n >= 3 && edit_distance(read, label) <= if n >= 6 { 2 } else { 1 })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// How many words of the label the tokens from `at` miss, if they are that label: every word matches,
/// except one word of a label of four words or more (a smudged "dụng" in "Giá trị sử dụng từ ngày");
/// the first word always, as it says which label this is.
fn label_misses(label: &[&str], toks: &[(String, &Word)], at: usize) -> Option<usize> {
    if at + label.len() > toks.len() || !token_is(&toks[at].0, label[0]) {
        return None;
    }
    let misses = label.iter().zip(&toks[at..]).filter(|(l, (t, _))| !token_is(t, l)).count();
    (misses == 0 || (label.len() >= 4 && misses == 1)).then_some(misses)
}

/// The label the tokens from `at` are: fewest words missed, then the longest.
fn label_at(toks: &[(String, &Word)], at: usize) -> Option<(usize, Slot)> {
    LABELS
        .iter()
        .filter_map(|(label, slot)| label_misses(label, toks, at).map(|m| (m, label.len(), *slot)))
        .min_by_key(|&(m, len, _)| (m, usize::MAX - len))
        .map(|(_, len, slot)| (len, slot))
}

/// A value as read: its words.
#[derive(Debug, Clone)]
struct Value {
    slot: Slot,
    words: Vec<Word>,
}

impl Value {
    fn text(&self) -> String {
        self.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
    }
    fn conf(&self) -> f32 {
        self.words.iter().map(|w| w.conf).fold(100.0, f32::min) / 100.0
    }
    fn area(&self) -> (u32, u32, u32, u32) {
        let x0 = self.words.iter().map(|w| w.left).min().unwrap_or(0);
        let y0 = self.words.iter().map(|w| w.top).min().unwrap_or(0);
        let x1 = self.words.iter().map(|w| w.left + w.width).max().unwrap_or(0);
        let y1 = self.words.iter().map(|w| w.top + w.height).max().unwrap_or(0);
        (x0, y0, x1 - x0, y1 - y0)
    }
}

/// A value to read again alone: where it is and the characters it may have.
#[derive(Debug, Clone)]
pub struct Retry {
    slot_index: usize,
    pub area: (u32, u32, u32, u32),
    /// Only these characters; `None` for a name, read again in Vietnamese to see whether two reads agree.
    pub alphabet: Option<&'static str>,
}

/// The labelled values of one image, before cross-checks.
#[derive(Debug, Clone)]
pub struct Found {
    layout: Option<ImageLayout>,
    values: Vec<Value>,
    /// Second reads (whitelisted), by value index.
    rereads: Vec<(usize, Vec<Word>)>,
}

/// The labels on a line of folded tokens, left to right: (first token, token count, slot).
fn marks(toks: &[(String, &Word)]) -> Vec<(usize, usize, Slot)> {
    let mut out = Vec::new();
    let mut j = 0;
    while j < toks.len() {
        match label_at(toks, j) {
            Some((len, slot)) => {
                out.push((j, len, slot));
                j += len;
            }
            None => j += 1,
        }
    }
    out
}

/// Splits lines at labels and takes each label's value: the rest of its line up to the next label,
/// or, for a label alone on its line (the VNeID wallet), the next line if that has no label.
pub fn extract(lines: &[Line]) -> Found {
    let folded: Vec<Vec<(String, &Word)>> = lines
        .iter()
        .map(|l| l.words.iter().map(|w| (fold(&w.text), w)).filter(|(f, _)| !f.is_empty()).collect())
        .collect();
    let found: Vec<Vec<(usize, usize, Slot)>> = folded.iter().map(|t| marks(t)).collect();
    let mut values = Vec::new();
    let mut below = false;
    for (i, toks) in folded.iter().enumerate() {
        let m = &found[i];
        for (k, &(at, len, slot)) in m.iter().enumerate() {
            let end = m.get(k + 1).map_or(toks.len(), |n| n.0);
            let mut words: Vec<Word> = toks[at + len..end].iter().map(|(_, w)| (*w).clone()).collect();
            if words.is_empty()
                && let Some(next) = folded.get(i + 1)
                && found[i + 1].is_empty()
            {
                words = next.iter().map(|(_, w)| (*w).clone()).collect();
                below = true;
            }
            values.push(Value { slot, words });
        }
    }
    let text: String = values.iter().map(|v| fold(&v.text())).collect::<Vec<_>>().join(" ");
    let layout = if values.is_empty() {
        None
    } else if below {
        Some(ImageLayout::Vneid)
    } else if values.iter().any(|v| v.slot == Slot::ValidFrom) || text.contains("tungay") {
        Some(ImageLayout::Paper2021)
    } else {
        Some(ImageLayout::Vssid)
    };
    Found { layout, values, rereads: Vec::new() }
}

const CODE_ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &str = "0123456789";
const DATE_ALPHABET: &str = "0123456789/";

/// A letter where a digit must be, as OCR confuses them.
fn as_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'o' | 'D' | 'Q' | 'U' => Some('0'),
        'I' | 'l' | 'i' | '|' | 'L' | 'J' | '!' => Some('1'),
        'Z' | 'z' => Some('2'),
        'S' | 's' | '$' => Some('5'),
        'G' | 'b' => Some('6'),
        'T' => Some('7'),
        'B' => Some('8'),
        'g' | 'q' => Some('9'),
        _ => None,
    }
}

/// A digit where a letter must be.
fn as_letter(c: char) -> Option<char> {
    match c {
        'A'..='Z' => Some(c),
        'a'..='z' => Some(c.to_ascii_uppercase()),
        '0' => Some('O'),
        '1' => Some('I'),
        '2' => Some('Z'),
        '5' => Some('S'),
        '6' => Some('G'),
        '8' => Some('B'),
        _ => None,
    }
}

/// The characters of a value that can be part of a number (letters, digits, confusables).
fn alnum(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '|' | '$' | '!')).collect()
}

/// A 15-character card code from OCR text: letters in 1–2, digits after, then the code's own checks
/// (group, benefit, province); `None` when it fails them. The bool says letters were repaired.
fn card_code(s: &str) -> Option<(String, bool)> {
    let chars = alnum(s);
    if chars.len() != 15 {
        return None;
    }
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        out.push(if i < 2 { as_letter(c)? } else { as_digit(c)? });
    }
    let repaired = out != chars.iter().collect::<String>();
    let code = CardCode::parse(&out).ok()?;
    (code.template() == Template::Current).then_some((out, repaired))
}

/// Ten digits (a BHXH number).
fn bhxh(s: &str) -> Option<(String, bool)> {
    let chars = alnum(s);
    if chars.len() != 10 {
        return None;
    }
    let out: String = chars.iter().map(|&c| as_digit(c)).collect::<Option<String>>()?;
    let repaired = out != chars.iter().collect::<String>();
    Some((out, repaired))
}

/// Every dd/mm/yyyy date in a text, in order (separators `/`, `.`, `-`, or none between 8 digits).
fn dates(s: &str) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    for token in s.split_whitespace() {
        let mapped: String = token
            .chars()
            .filter_map(|c| if matches!(c, '/' | '.' | '-' | ',') { Some('/') } else { as_digit(c) })
            .collect();
        let parts: Vec<&str> = mapped.split('/').filter(|p| !p.is_empty()).collect();
        let (d, m, y) = match parts.as_slice() {
            [d, m, y] if d.len() <= 2 && m.len() <= 2 && y.len() == 4 => (*d, *m, *y),
            [all] if all.len() == 8 => (&all[..2], &all[2..4], &all[4..]),
            _ => continue,
        };
        let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) else { continue };
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d)
            && (1900..=2100).contains(&date.year())
        {
            out.push(date);
        }
    }
    out
}

/// The name as printed: letters (with their marks) and single spaces, upper case; `None` if anything
/// else is in it. A family name read with a wrong mark is put right when its letters are those of
/// exactly one common family name ([`FAMILY_NAMES`]): TRẤN is TRẦN, LỄ is LÊ, NGUYÊN is NGUYỄN.
fn name(s: &str) -> Option<String> {
    let t: String = s.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    let t: String = t.trim_matches(|c: char| !c.is_alphabetic()).to_uppercase().nfc().collect();
    let ok = !t.is_empty() && t.chars().all(|c| c.is_alphabetic() || c == ' ') && t.split(' ').count() >= 2;
    if !ok {
        return None;
    }
    let (family, rest) = t.split_once(' ')?;
    if FAMILY_NAMES.contains(&family) {
        return Some(t);
    }
    let mut alike = FAMILY_NAMES.iter().filter(|f| fold(f) == fold(family));
    match (alike.next(), alike.next()) {
        (Some(f), None) => Some(format!("{f} {rest}")),
        _ => Some(t),
    }
}

/// Common Vietnamese family names, upper case (together about nine in ten people).
const FAMILY_NAMES: &[&str] = &[
    "NGUYỄN", "TRẦN", "LÊ", "PHẠM", "HOÀNG", "HUỲNH", "PHAN", "VŨ", "VÕ", "ĐẶNG", "BÙI", "ĐỖ", "HỒ", "NGÔ",
    "DƯƠNG", "LÝ", "ĐÀO", "ĐOÀN", "VƯƠNG", "TRỊNH", "TRƯƠNG", "LÂM", "PHÙNG", "MAI", "TÔ", "HÀ", "TẠ", "LƯU",
    "CAO", "QUÁCH", "LƯƠNG", "THÁI", "CHÂU", "TÔN", "LA", "LÃ", "KIỀU", "ĐINH", "DIỆP", "LỤC", "TIÊU", "MẠC",
    "KHỔNG", "TĂNG", "HẦU", "GIANG", "LỮ", "TỪ", "THÂN", "BẠCH", "ÔNG", "NÔNG", "TRIỆU", "ÂU", "KIM", "HỨA",
    "MÃ", "TỐNG", "ƯNG", "NINH", "TIẾT", "QUAN", "CÙ", "BÀNH", "DOÃN", "ĐÀM", "KHÚC", "LẠI", "LÒ", "TẠ",
    "VI", "HOA", "TRANG", "KHƯƠNG", "THẠCH", "ÔN", "PHÍ", "ÂN", "CHU", "GIÁP",
];

fn sex(s: &str) -> Option<Sex> {
    match fold(s).as_str() {
        "nam" => Some(Sex::Male),
        "nu" | "nư" => Some(Sex::Female),
        _ => None,
    }
}

/// A facility's code (`79034`, `79-034`, `79 - 034`) and its name, from "CODE - NAME" or "NAME (CODE)".
fn facility(s: &str) -> (Option<String>, Option<String>) {
    let chars: Vec<char> = s.chars().collect();
    for start in 0..chars.len() {
        if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_alphanumeric()) {
            continue;
        }
        let mut digits = String::new();
        let mut end = start;
        while end < chars.len() && digits.len() < 5 {
            let c = chars[end];
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !matches!(c, '-' | ' ' | '.') || digits.len() != 2 {
                break;
            }
            end += 1;
        }
        if digits.len() == 5 && chars.get(end).is_none_or(|c| !c.is_ascii_alphanumeric()) {
            let rest: String = chars[..start].iter().chain(&chars[end..]).collect();
            let name = rest
                .trim_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '(' | ')' | ':' | '–'))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            return (Some(digits), (!name.is_empty()).then_some(name));
        }
    }
    let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (None, (!name.is_empty()).then_some(name))
}

impl Found {
    /// How sure the reads are of each word of `name` (the name as finally read): the lowest confidence
    /// a read gave that word at its place, 0 for a word no read gave as it stands (a family name put
    /// right) — for marking the unsure words where the name is shown.
    pub fn name_words(&self, name: &str) -> Vec<(String, f32)> {
        let Some(i) = self.values.iter().position(|v| v.slot == Slot::Name && !v.words.is_empty()) else {
            return Vec::new();
        };
        let first = self.values[i].words.clone();
        let second = self.rereads.iter().find(|(k, _)| *k == i).map(|(_, w)| w.clone());
        let reads: Vec<Vec<Word>> = std::iter::once(first).chain(second).filter(|w| !w.is_empty()).collect();
        let upper = |s: &str| -> String { s.to_uppercase().nfc().collect() };
        name.split(' ')
            .enumerate()
            .map(|(at, word)| {
                let k = reads
                    .iter()
                    .map(|r| {
                        r.iter()
                            .filter(|w| w.text.chars().any(char::is_alphabetic))
                            .nth(at)
                            .filter(|w| upper(w.text.trim_matches(|c: char| !c.is_alphabetic())) == word)
                            .map_or(0.0, |w| w.conf / 100.0)
                    })
                    .fold(1.0f32, f32::min);
                (word.to_string(), if reads.is_empty() { 0.0 } else { k })
            })
            .collect()
    }

    /// The height of the name's words (marks included), in the read image's pixels.
    pub fn name_height(&self) -> Option<u32> {
        let v = self.values.iter().find(|v| v.slot == Slot::Name && !v.words.is_empty())?;
        let mut h: Vec<u32> = v.words.iter().map(|w| w.height).collect();
        h.sort_unstable();
        Some(h[h.len() / 2])
    }

    /// The numbers and dates worth reading again alone: not read as valid, or read unsure.
    pub fn retries(&self) -> Vec<Retry> {
        let mut out = Vec::new();
        for (i, v) in self.values.iter().enumerate() {
            if v.words.is_empty() {
                continue;
            }
            if v.slot == Slot::Name {
                // A name is always read twice: Tesseract is sure of a wrong diacritic as often as of a
                // right one, and two reads of different pixels that disagree flag it.
                out.push(Retry { slot_index: i, area: v.area(), alphabet: None });
                continue;
            }
            let text = v.text();
            let (ok, alphabet) = match v.slot {
                Slot::Number | Slot::Code => (
                    card_code(&text).is_some_and(|(_, r)| !r) || bhxh(&text).is_some_and(|(_, r)| !r),
                    CODE_ALPHABET,
                ),
                Slot::Bhxh => (bhxh(&text).is_some_and(|(_, r)| !r), DIGITS),
                Slot::Birth | Slot::FiveYear | Slot::ValidFrom | Slot::ValidTo => {
                    (!dates(&text).is_empty(), DATE_ALPHABET)
                }
                Slot::Validity => (!dates(&text).is_empty(), DATE_ALPHABET),
                _ => continue,
            };
            if !ok || v.conf() < super::CERTAIN {
                // A validity line is read again from its first date on ("từ", "đến" are not digits).
                let words: Vec<&Word> = if alphabet == DATE_ALPHABET {
                    v.words.iter().filter(|w| w.text.chars().any(|c| c.is_ascii_digit())).collect()
                } else {
                    v.words.iter().collect()
                };
                if words.is_empty() {
                    continue;
                }
                let only = Value { slot: v.slot, words: words.into_iter().cloned().collect() };
                out.push(Retry { slot_index: i, area: only.area(), alphabet: Some(alphabet) });
            }
        }
        out
    }

    /// Takes a second read of a value (words in the crop's own coordinates).
    pub fn reread(&mut self, retry: &Retry, words: &[Word]) {
        self.rereads.push((retry.slot_index, words.to_vec()));
    }

    /// Reads every value as its label says, keeps a second read where it passes the checks the first
    /// failed, and cross-checks the fields.
    pub fn finish(self) -> (Fields, Confidence, Option<ImageLayout>) {
        let mut f = Fields::default();
        let mut c = Confidence::default();
        for (i, v) in self.values.iter().enumerate() {
            let second = self
                .rereads
                .iter()
                .find(|(k, _)| *k == i)
                .map(|(_, w)| Value { slot: v.slot, words: w.clone() });
            let reads: Vec<&Value> = std::iter::once(v).chain(second.as_ref()).collect();
            take(v.slot, &reads, &mut f, &mut c);
        }
        cross_check(&mut f, &mut c);
        (f, c, self.layout)
    }
}

/// Sets a field if this read is surer than what is there.
fn put<T>(field: &mut Option<T>, conf: &mut Option<f32>, value: T, k: f32) {
    if conf.is_none_or(|old| k > old) {
        *field = Some(value);
        *conf = Some(k);
    }
}

/// The best of a value's reads (first, then the whitelisted one) for what its label says.
fn take(slot: Slot, reads: &[&Value], f: &mut Fields, c: &mut Confidence) {
    // A repaired character costs confidence; a whitelisted read of the same value that agrees gains it.
    let repaired = |k: f32, r: bool| if r { k * 0.85 } else { k };
    for v in reads {
        let (text, k) = (v.text(), v.conf());
        match slot {
            Slot::Number | Slot::Code | Slot::Bhxh => {
                if slot != Slot::Bhxh
                    && let Some((code, r)) = card_code(&text)
                {
                    put(&mut f.card_number, &mut c.card_number, code, repaired(k, r));
                } else if slot != Slot::Code
                    && let Some((n, r)) = bhxh(&text)
                {
                    put(&mut f.bhxh_number, &mut c.bhxh_number, n, repaired(k, r));
                }
            }
            Slot::Name => {
                let Some(n) = name(&text) else { continue };
                match (&f.full_name, c.full_name) {
                    // A second read that agrees confirms the first; one that disagrees makes both unsure.
                    (Some(first), Some(k0)) if *first == n => c.full_name = Some(k0.max(k)),
                    (Some(_), Some(k0)) => {
                        if k > k0 {
                            f.full_name = Some(n);
                        }
                        c.full_name = Some(k0.max(k).min(0.4));
                    }
                    _ => put(&mut f.full_name, &mut c.full_name, n, k),
                }
            }
            Slot::Birth => {
                if let Some(d) = dates(&text).first() {
                    put(&mut f.birth_date, &mut c.birth_date, *d, k);
                }
            }
            Slot::Sex => {
                if let Some(s) = text.split_whitespace().next().and_then(sex) {
                    put(&mut f.sex, &mut c.sex, s, k);
                }
            }
            Slot::Facility => {
                let (code, name) = facility(&text);
                if let Some(code) = code {
                    put(&mut f.facility_code, &mut c.facility_code, code, k);
                }
                if let Some(name) = name {
                    put(&mut f.facility_name, &mut c.facility_name, name, k);
                }
            }
            Slot::Validity | Slot::ValidFrom => {
                let d = dates(&text);
                if let Some(a) = d.first() {
                    put(&mut f.valid_from, &mut c.valid_from, *a, k);
                }
                if let Some(b) = d.get(1) {
                    put(&mut f.valid_to, &mut c.valid_to, *b, k);
                }
            }
            Slot::ValidTo => {
                if let Some(d) = dates(&text).first() {
                    put(&mut f.valid_to, &mut c.valid_to, *d, k);
                }
            }
            Slot::FiveYear => {
                if let Some(d) = dates(&text).first() {
                    put(&mut f.five_year_date, &mut c.five_year_date, *d, k);
                }
            }
            Slot::Address => {}
        }
    }
}

/// Keeps, field by field, the surer of two reads of the same card, then checks the fields against each
/// other again (two reads may each be sure of a different number).
pub fn merge(f: &mut Fields, c: &mut Confidence, f2: Fields, c2: Confidence) {
    fn keep<T>(a: &mut Option<T>, ka: &mut Option<f32>, b: Option<T>, kb: Option<f32>) {
        if let (Some(b), Some(kb)) = (b, kb)
            && ka.is_none_or(|k| kb > k)
        {
            *a = Some(b);
            *ka = Some(kb);
        }
    }
    keep(&mut f.card_number, &mut c.card_number, f2.card_number, c2.card_number);
    keep(&mut f.bhxh_number, &mut c.bhxh_number, f2.bhxh_number, c2.bhxh_number);
    keep(&mut f.full_name, &mut c.full_name, f2.full_name, c2.full_name);
    keep(&mut f.birth_date, &mut c.birth_date, f2.birth_date, c2.birth_date);
    keep(&mut f.sex, &mut c.sex, f2.sex, c2.sex);
    keep(&mut f.facility_name, &mut c.facility_name, f2.facility_name, c2.facility_name);
    keep(&mut f.facility_code, &mut c.facility_code, f2.facility_code, c2.facility_code);
    keep(&mut f.valid_from, &mut c.valid_from, f2.valid_from, c2.valid_from);
    keep(&mut f.valid_to, &mut c.valid_to, f2.valid_to, c2.valid_to);
    keep(&mut f.five_year_date, &mut c.five_year_date, f2.five_year_date, c2.five_year_date);
    cross_check(f, c);
}

/// The checks between fields: the BHXH number is the code's last ten characters; dates in order. A
/// field that fails is kept only as uncertain (its confidence capped below [`super::CERTAIN`]).
fn cross_check(f: &mut Fields, c: &mut Confidence) {
    let doubt = |k: &mut Option<f32>| {
        if let Some(v) = k {
            *v = v.min(0.4);
        }
    };
    match (&f.card_number, &f.bhxh_number) {
        (Some(code), Some(n)) if &code[5..] != n => {
            doubt(&mut c.card_number);
            doubt(&mut c.bhxh_number);
        }
        (Some(code), Some(_)) => {
            // Two reads agree: the surer one stands for both.
            let k = c.card_number.unwrap_or(0.0).max(c.bhxh_number.unwrap_or(0.0));
            c.card_number = Some(k);
            c.bhxh_number = Some(k);
            let _ = code;
        }
        (Some(code), None) => {
            f.bhxh_number = Some(code[5..].to_string());
            c.bhxh_number = c.card_number;
        }
        _ => {}
    }
    if let (Some(a), Some(b)) = (f.valid_from, f.valid_to)
        && a > b
    {
        doubt(&mut c.valid_from);
        doubt(&mut c.valid_to);
    }
    if let (Some(birth), Some(from)) = (f.birth_date, f.valid_from)
        && birth > from
        && from.year() - birth.year() > 0
    {
        doubt(&mut c.birth_date);
    }
    if let Some(birth) = f.birth_date
        && f.valid_to.is_some_and(|to| birth > to)
    {
        doubt(&mut c.birth_date);
    }
    if let Some(code) = &f.facility_code
        && crate::card::codes::province_name(&code[..2]).is_none()
    {
        doubt(&mut c.facility_code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, line: u32, left: u32, conf: f32) -> Word {
        Word { text: text.into(), conf, left, top: line * 40, width: 20, height: 20, line: (1, 1, line) }
    }

    fn words(rows: &[&str]) -> Vec<Word> {
        let mut out = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            for (j, t) in row.split(' ').enumerate() {
                out.push(w(t, i as u32 + 1, j as u32 * 30, 95.0));
            }
        }
        out
    }

    #[test]
    fn a_vssid_card_image_gives_every_field() {
        let ws = words(&[
            "THẺ BẢO HIỂM Y TẾ",
            "Mã số: GD4797912345678",
            "Họ và tên: NGUYỄN VĂN AN",
            "Ngày sinh: 01/02/1990 Giới tính: Nam",
            "Nơi ĐK KCB BĐ: 79034 - Trạm Y tế Phường 5",
            "Giá trị sử dụng: từ 01/01/2025 đến 31/12/2026",
            "Thời điểm đủ 5 năm liên tục: 01/01/2028",
        ]);
        let (f, c, layout) = extract(&lines(&ws)).finish();
        assert_eq!(layout, Some(ImageLayout::Vssid));
        assert_eq!(f.card_number.as_deref(), Some("GD4797912345678"));
        assert_eq!(f.bhxh_number.as_deref(), Some("7912345678"), "derived from the code");
        assert_eq!(f.full_name.as_deref(), Some("NGUYỄN VĂN AN"));
        assert_eq!(f.birth_date, NaiveDate::from_ymd_opt(1990, 2, 1));
        assert_eq!(f.sex, Some(Sex::Male));
        assert_eq!(f.facility_code.as_deref(), Some("79034"));
        assert_eq!(f.facility_name.as_deref(), Some("Trạm Y tế Phường 5"));
        assert_eq!(f.valid_from, NaiveDate::from_ymd_opt(2025, 1, 1));
        assert_eq!(f.valid_to, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(f.five_year_date, NaiveDate::from_ymd_opt(2028, 1, 1));
        assert!(c.card_number.unwrap() >= super::super::CERTAIN);
    }

    #[test]
    fn the_vneid_wallet_has_its_values_below_the_labels() {
        let ws = words(&[
            "Mã số BHXH",
            "7912345678",
            "Mã thẻ BHYT",
            "GD4797912345678",
            "Họ và tên",
            "TRẦN THỊ BÍCH",
            "Giới tính",
            "Nữ",
            "Nơi đăng ký KCB ban đầu",
            "Bệnh viện Quận 3 (79-034)",
            "Giá trị sử dụng đến ngày",
            "31/12/2026",
        ]);
        let (f, _, layout) = extract(&lines(&ws)).finish();
        assert_eq!(layout, Some(ImageLayout::Vneid));
        assert_eq!(f.bhxh_number.as_deref(), Some("7912345678"));
        assert_eq!(f.card_number.as_deref(), Some("GD4797912345678"));
        assert_eq!(f.full_name.as_deref(), Some("TRẦN THỊ BÍCH"));
        assert_eq!(f.sex, Some(Sex::Female));
        assert_eq!(
            (f.facility_code.as_deref(), f.facility_name.as_deref()),
            (Some("79034"), Some("Bệnh viện Quận 3"))
        );
        assert_eq!(f.valid_to, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(f.valid_from, None);
    }

    #[test]
    fn a_code_that_fails_its_checks_is_not_offered_and_disagreeing_numbers_are_uncertain() {
        // Group "XX" does not exist; benefit 0 is no benefit: never a card code.
        let (f, _, _) = extract(&lines(&words(&["Mã số: XX4797912345678"]))).finish();
        assert_eq!(f.card_number, None);
        let (f, _, _) = extract(&lines(&words(&["Mã số: GD0797912345678"]))).finish();
        assert_eq!(f.card_number, None);
        // An O read for a 0 is repaired, at a cost.
        let (f, c, _) = extract(&lines(&words(&["Mã số: GD47979123456O8"]))).finish();
        assert_eq!(f.card_number.as_deref(), Some("GD4797912345608"));
        assert!(c.card_number.unwrap() < 0.95 * 0.9);
        // The printed BHXH number must be the code's last ten digits.
        let (f, c, _) =
            extract(&lines(&words(&["Mã số BHXH", "7912345679", "Mã thẻ BHYT", "GD4797912345678"]))).finish();
        assert!(f.card_number.is_some() && f.bhxh_number.is_some());
        assert!(
            c.card_number.unwrap() < super::super::CERTAIN && c.bhxh_number.unwrap() < super::super::CERTAIN
        );
    }

    #[test]
    fn dates_must_exist_and_come_in_order() {
        assert_eq!(
            dates("31/02/2025 30/O4/2025 1.5.2024 12345678"),
            vec![NaiveDate::from_ymd_opt(2025, 4, 30).unwrap(), NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),]
        );
        let (f, c, _) = extract(&lines(&words(&["Giá trị sử dụng: từ 01/01/2026 đến 31/12/2025"]))).finish();
        assert!(f.valid_from.is_some() && c.valid_from.unwrap() < super::super::CERTAIN);
    }

    #[test]
    fn labels_survive_one_wrong_letter_and_lost_marks() {
        let ws = words(&[
            "Ho va ten: LÊ VĂN TÁM",
            "Ngay sinh: 09/09/2009 Gioi tinh: Nu",
            "Thoi diem du 5 nam lien tuc: 01/01/2030",
        ]);
        let (f, _, _) = extract(&lines(&ws)).finish();
        assert_eq!(f.full_name.as_deref(), Some("LÊ VĂN TÁM"));
        assert_eq!(f.sex, Some(Sex::Female));
        assert_eq!(f.five_year_date, NaiveDate::from_ymd_opt(2030, 1, 1));
    }

    #[test]
    fn a_low_confidence_word_makes_the_name_uncertain() {
        let mut ws = words(&["Họ và tên: LÊ VĂN ẨN"]);
        ws[3].conf = 41.0;
        let (f, c, _) = extract(&lines(&ws)).finish();
        assert_eq!(f.full_name.as_deref(), Some("LÊ VĂN ẨN"));
        assert!(c.full_name.unwrap() < super::super::CERTAIN);
    }

    #[test]
    fn a_smudged_long_label_is_still_told_from_its_neighbour() {
        let ws = words(&["Giả trị sử địng từ ngây", "21/01/2025", "Giá trị sử dụng đến ngày", "31/12/2026"]);
        let (f, _, _) = extract(&lines(&ws)).finish();
        assert_eq!(f.valid_from, NaiveDate::from_ymd_opt(2025, 1, 21));
        assert_eq!(f.valid_to, NaiveDate::from_ymd_opt(2026, 12, 31));
    }

    #[test]
    fn a_family_name_read_with_a_wrong_mark_is_put_right_only_when_one_name_fits() {
        assert_eq!(name("TRẤN THU QUỲNH").as_deref(), Some("TRẦN THU QUỲNH"));
        assert_eq!(name("LỄ MINH LINH").as_deref(), Some("LÊ MINH LINH"));
        assert_eq!(name("NGUYÊN ĐỨC NAM").as_deref(), Some("NGUYỄN ĐỨC NAM"));
        assert_eq!(name("ĐĂNG BẢO HÀ").as_deref(), Some("ĐẶNG BẢO HÀ"));
        // Two names fit "LA": left as read; a given name is never touched; an unknown family name stays.
        assert_eq!(name("LẢ VĂN AN").as_deref(), Some("LẢ VĂN AN"));
        assert_eq!(name("TRẦN THU QUỶNH").as_deref(), Some("TRẦN THU QUỶNH"));
        assert_eq!(name("XYZ VĂN AN").as_deref(), Some("XYZ VĂN AN"));
    }

    #[test]
    fn each_word_of_the_name_has_its_own_confidence_and_a_put_right_word_has_none() {
        let mut ws = words(&["Họ và tên: TRẤN THU QUỲNH"]);
        ws[4].conf = 50.0; // THU
        let found = extract(&lines(&ws));
        let (f, _, _) = found.clone().finish();
        assert_eq!(f.full_name.as_deref(), Some("TRẦN THU QUỲNH"));
        let k = found.name_words("TRẦN THU QUỲNH");
        assert_eq!(k.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(), ["TRẦN", "THU", "QUỲNH"]);
        assert_eq!(k[0].1, 0.0, "no read gave TRẦN as it stands");
        assert!((k[1].1 - 0.5).abs() < 1e-6 && (k[2].1 - 0.95).abs() < 1e-6, "{k:?}");
    }
}
