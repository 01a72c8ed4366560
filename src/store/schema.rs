//! The database schema as an ordered list of migrations. Never edit a released migration: append one.

use rusqlite_migration::{M, Migrations};

/// Migration 1: settings, the coverage roster, operators, visits and the audit chain.
const V1: &str = r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- What local data knows about a card: imported roster rows (source 'roster') and cards learned from
-- scans (source 'qr'). Dates are ISO text (YYYY-MM-DD; a birth date may be just YYYY).
CREATE TABLE coverage (
    id             INTEGER PRIMARY KEY,
    card_number    TEXT,
    bhxh_number    TEXT,
    citizen_id     TEXT,
    full_name      TEXT,
    birth_date     TEXT,
    sex            TEXT,
    address        TEXT,
    facility_code  TEXT,
    valid_from     TEXT,
    valid_to       TEXT,
    five_year_date TEXT,
    status         TEXT NOT NULL DEFAULT 'active',
    replaced_by    TEXT,
    as_of          TEXT NOT NULL,
    source         TEXT NOT NULL,
    CHECK (card_number IS NOT NULL OR bhxh_number IS NOT NULL OR citizen_id IS NOT NULL),
    CHECK (card_number IS NULL OR bhxh_number = substr(card_number, 6))
) STRICT;
-- One index serves three needs: lookup by BHXH number (its prefix), lookup by card code (a card's BHXH
-- number is its characters 6-15), and one row per card code.
CREATE UNIQUE INDEX coverage_person ON coverage(bhxh_number, card_number);
CREATE INDEX coverage_citizen ON coverage(citizen_id) WHERE citizen_id IS NOT NULL;

CREATE TABLE operators (
    name       TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
) STRICT;

-- One row per check-in. Never deleted: a mistaken visit is voided.
CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    day           TEXT NOT NULL,
    desk          TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    ticket        TEXT NOT NULL,
    checked_in_at TEXT NOT NULL,
    full_name     TEXT,
    birth_date    TEXT,
    sex           TEXT,
    card_number   TEXT,
    bhxh_number   TEXT,
    citizen_id    TEXT,
    facility_code TEXT,
    status        TEXT NOT NULL,
    code          TEXT NOT NULL,
    verdict       TEXT NOT NULL,
    input_kind    TEXT NOT NULL,
    operator      TEXT NOT NULL REFERENCES operators(name),
    visit_type    TEXT NOT NULL,
    repeat_of     INTEGER REFERENCES visits(id),
    overrides     TEXT NOT NULL DEFAULT '[]',
    voided_at     TEXT,
    voided_by     TEXT,
    void_reason   TEXT,
    UNIQUE (desk, day, seq)
) STRICT;
CREATE INDEX visits_day ON visits(day);
CREATE INDEX visits_ticket ON visits(ticket, day);

-- Append-only: each row's hash covers its content and the previous row's hash.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER visits_no_delete BEFORE DELETE ON visits
BEGIN SELECT RAISE(ABORT, 'visits are voided, never deleted'); END;
"#;

/// Migration 2: finding a card-less record by birth date, to link a scanned citizen id by name and
/// birth date.
const V2: &str = r#"
CREATE INDEX coverage_unlinked_birth ON coverage(birth_date) WHERE citizen_id IS NULL;
"#;

/// Migration 3: closed days. A closed day refuses check-ins until a supervisor reopens it.
const V3: &str = r#"
-- One row per close; a reopen marks the row, and a later close adds a new one (every seal is kept).
CREATE TABLE day_closures (
    id            INTEGER PRIMARY KEY,
    day           TEXT NOT NULL,
    closed_at     TEXT NOT NULL,
    closed_by     TEXT NOT NULL,
    manifest_hash TEXT NOT NULL,
    reopened_at   TEXT,
    reopened_by   TEXT,
    reopen_reason TEXT
) STRICT;
CREATE INDEX day_closures_day ON day_closures(day);
"#;

/// Every migration, oldest first.
/// Migration 4: this database's own id, drawn once at random. It ends every visit's MA_LK (the
/// check-in file's visit key), so two clinics' desks that keep separate databases and the same ticket
/// prefix still never give two visits one key; desks sharing one database share its ticket sequence.
const V4: &str = r#"
INSERT INTO settings(key, value) VALUES ('store_id', lower(hex(randomblob(4))))
    ON CONFLICT(key) DO NOTHING;
"#;

/// Migration 5: where each roster row comes from (`vss-list`, `claims`, `his`, `gateway`, `csv`; empty
/// for rows imported before: tiepdon's CSV). A `--replace` import replaces one source only.
const V5: &str = r#"
ALTER TABLE coverage ADD COLUMN origin TEXT;
-- The column mappings confirmed for a roster file's header (keyed by the header's signature), so the
-- next file with the same header imports in one step.
CREATE TABLE roster_maps (
    signature TEXT PRIMARY KEY,
    map       TEXT NOT NULL,
    saved_at  TEXT NOT NULL,
    saved_by  TEXT NOT NULL
) STRICT;
"#;

/// Migration 6: tickets drawn from a counter row per series and day (`INSERT … ON CONFLICT … DO UPDATE
/// … RETURNING`), the same statement a clinic server runs; a series' first row continues from the
/// visits already recorded.
const V6: &str = r#"
CREATE TABLE ticket_counters (
    series TEXT NOT NULL,
    day    TEXT NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (series, day)
) STRICT;
"#;

/// Migration 7: the desk's journal for a clinic server (`store::journal`): every check-in, void and
/// reprint of a desk joined to a server, with its clinic-wide id, waiting until the server has it.
const V7: &str = r#"
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    local_hash TEXT NOT NULL,
    made_at    TEXT NOT NULL,
    sent_at    TEXT
) STRICT;
CREATE INDEX outbox_waiting ON outbox(seq) WHERE sent_at IS NULL;
"#;

/// Migration 8: what a joined desk knows of the clinic beyond its own journal — each waiting event's
/// day and the server's last refusal of it; the other desks' visits of the day, copied from the server
/// after each sync (the repeat guard and the Today marks of a patient seen at two desks).
const V8: &str = r#"
ALTER TABLE outbox ADD COLUMN day TEXT;
ALTER TABLE outbox ADD COLUMN refused TEXT;
UPDATE outbox SET day = json_extract(payload, '$.day') WHERE kind = 'visit';
CREATE TABLE peer_visits (
    id            INTEGER PRIMARY KEY,
    global_id     TEXT,
    day           TEXT NOT NULL,
    desk          TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    ticket        TEXT NOT NULL,
    checked_in_at TEXT NOT NULL,
    full_name     TEXT,
    birth_date    TEXT,
    sex           TEXT,
    card_number   TEXT,
    bhxh_number   TEXT,
    citizen_id    TEXT,
    facility_code TEXT,
    status        TEXT NOT NULL,
    code          TEXT NOT NULL,
    verdict       TEXT NOT NULL,
    input_kind    TEXT NOT NULL,
    operator      TEXT NOT NULL,
    visit_type    TEXT NOT NULL,
    repeat_of     INTEGER,
    overrides     TEXT NOT NULL,
    voided_at     TEXT,
    voided_by     TEXT,
    void_reason   TEXT
) STRICT;
CREATE INDEX peer_visits_day ON peer_visits(day);
"#;

/// Migration 9: the online re-check's answers (`store::rechecks`), append-only, beside their visits.
const V9: &str = r#"
CREATE TABLE rechecks (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits(id),
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    result_code TEXT,
    note        TEXT NOT NULL,
    gateway     TEXT NOT NULL,
    operator    TEXT NOT NULL
) STRICT;
CREATE INDEX rechecks_visit ON rechecks(visit_id);
CREATE TRIGGER rechecks_append_only_u BEFORE UPDATE ON rechecks BEGIN SELECT RAISE(ABORT, 'rechecks are append-only'); END;
CREATE TRIGGER rechecks_append_only_d BEFORE DELETE ON rechecks BEGIN SELECT RAISE(ABORT, 'rechecks are append-only'); END;
"#;

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2),
        M::up(V3),
        M::up(V4),
        M::up(V5),
        M::up(V6),
        M::up(V7),
        M::up(V8),
        M::up(V9),
    ])
}

/// The schema version after all migrations.
pub fn latest_version() -> usize {
    9
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().expect("migrations apply to an empty database");
    }
}
