//! Reference lists shipped as versioned data in `assets/data/`: province codes and BHYT group codes.
//! Kept out of the code so a list change (e.g. the 2025 province merger) is a data edit.

use std::sync::OnceLock;

const PROVINCES_TSV: &str = include_str!("../../assets/data/provinces.tsv");
const GROUPS_TSV: &str = include_str!("../../assets/data/groups.tsv");

/// Which social-insurance agency manages a group's cards (VSS 001 / 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agency {
    /// Viet Nam Social Security (the usual case).
    Vss,
    /// BHXH of the Ministry of Defence (VSS code 001).
    Defence,
    /// BHXH of the Ministry of Public Security (VSS code 002).
    PublicSecurity,
}

/// What the group list says about one beneficiary group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Benefit codes (card character 3) usual for the group.
    pub benefits: Vec<u8>,
    pub agency: Agency,
}

fn rows(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// Sorted by code: a binary search beats hashing for 65 two-letter keys.
fn provinces() -> &'static [(&'static str, &'static str)] {
    static LIST: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut list: Vec<_> = rows(PROVINCES_TSV).filter_map(|r| Some((*r.first()?, *r.get(1)?))).collect();
        list.sort_unstable();
        list
    })
}

fn groups() -> &'static [(&'static str, Group)] {
    static LIST: OnceLock<Vec<(&'static str, Group)>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut list: Vec<_> = rows(GROUPS_TSV)
            .filter_map(|r| {
                let benefits = r.get(1)?.split(',').filter_map(|b| b.trim().parse().ok()).collect();
                let agency = match r.get(2).copied() {
                    Some("mod") => Agency::Defence,
                    Some("mps") => Agency::PublicSecurity,
                    _ => Agency::Vss,
                };
                Some((*r.first()?, Group { benefits, agency }))
            })
            .collect();
        list.sort_unstable_by_key(|(code, _)| *code);
        list
    })
}

/// The province's name for a 2-digit code, or `None` if the code is not in the list.
pub fn province_name(code: &str) -> Option<&'static str> {
    let list = provinces();
    list.binary_search_by_key(&code, |(c, _)| *c).ok().map(|i| list[i].1)
}

/// The group's entry for a 2-letter code, or `None` if the code is not in the list.
pub fn group(code: &str) -> Option<&'static Group> {
    let list = groups();
    list.binary_search_by_key(&code, |(c, _)| *c).ok().map(|i| &list[i].1)
}

/// Share of in-scope costs the fund pays for a benefit code (card character 3), spec §3.2.
pub fn benefit_percent(level: u8) -> Option<u8> {
    match level {
        1 | 2 | 5 => Some(100),
        3 => Some(95),
        4 => Some(80),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_load_from_the_shipped_data() {
        assert_eq!(provinces().len(), 65);
        assert_eq!(province_name("79"), Some("TP Hồ Chí Minh"));
        assert_eq!(province_name("03"), None);
        assert_eq!(group("DN").map(|g| g.benefits.clone()), Some(vec![4]));
        assert_eq!(group("CA").map(|g| g.agency), Some(Agency::PublicSecurity));
        assert_eq!(group("CN").map(|g| g.benefits.clone()), Some(vec![2, 3]));
        assert!(group("ZZ").is_none());
        assert_eq!(benefit_percent(3), Some(95));
        assert_eq!(benefit_percent(6), None);
    }
}
