//! The reading side of a roster import: one thread reads records in batches (a canonical CSV as it is,
//! any other file mapped to the canonical columns by `roster_file`), a second validates them, and the
//! caller's thread receives the validated batches in file order (so it spends its time writing).
//! Measured on 2 cores: one validating thread beats two (three busy threads would share two cores with
//! the writer, which is the critical path).

use super::roster_csv::{Header, RosterRow, parse_row};
use chrono::NaiveDate;
use std::fs::File;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Records per batch.
const BATCH: usize = 4_096;

/// One validated row.
#[allow(clippy::large_enum_variant)] // nearly every item is Good: boxing it would cost an allocation per row
pub enum Item {
    Good(RosterRow),
    Bad { line: u64, vi: String, en: String, raw: Vec<Vec<u8>> },
}

/// Validated rows, in file order, and how far into the file they reach.
pub struct Batch {
    pub items: Vec<Item>,
    pub bytes_read: u64,
}

struct RawBatch {
    records: Vec<csv::ByteRecord>,
    bytes_read: u64,
}

/// Hands records to the validating thread in batches.
pub struct Emit {
    records: Vec<csv::ByteRecord>,
    out: SyncSender<Result<RawBatch, String>>,
}

impl Emit {
    /// Adds a record (its position holds its line), with how far into the input it reaches; false when
    /// the import stopped (the producer should return).
    pub fn push(&mut self, record: csv::ByteRecord, progress: u64) -> bool {
        self.records.push(record);
        if self.records.len() < BATCH {
            return true;
        }
        let records = std::mem::replace(&mut self.records, Vec::with_capacity(BATCH));
        self.out.send(Ok(RawBatch { records, bytes_read: progress })).is_ok()
    }

    fn finish(self, progress: u64, result: Result<(), String>) {
        let last = RawBatch { records: self.records, bytes_read: progress };
        if self.out.send(Ok(last)).is_ok()
            && let Err(e) = result
        {
            let _ = self.out.send(Err(e));
        }
    }
}

/// A canonical CSV's records, as they are.
pub fn csv_records(mut reader: csv::Reader<File>) -> impl FnOnce(&mut Emit) -> Result<u64, String> + Send {
    move |emit| loop {
        // Sized for a typical row, so that reading it does not grow the buffers again and again.
        let mut record = csv::ByteRecord::with_capacity(256, 16);
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                if !emit.push(record, reader.position().byte()) {
                    return Ok(reader.position().byte());
                }
            }
            Ok(false) => return Ok(reader.position().byte()),
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn validate_one(header: &Header, default_as_of: Option<NaiveDate>, record: &csv::ByteRecord) -> Item {
    let fields: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
    let parsed = match fields {
        Ok(fields) => parse_row(header, &fields, default_as_of),
        Err(_) => Err(("Dòng không phải UTF-8.".into(), "The row is not valid UTF-8.".into())),
    };
    match parsed {
        Ok(row) => Item::Good(row),
        Err((vi, en)) => Item::Bad {
            line: record.position().map_or(0, |p| p.line()),
            vi,
            en,
            raw: record.iter().map(<[u8]>::to_vec).collect(),
        },
    }
}

fn validate(
    header: &Header,
    default_as_of: Option<NaiveDate>,
    raw: Receiver<Result<RawBatch, String>>,
    out: SyncSender<Result<Batch, String>>,
) {
    for batch in raw {
        let validated = batch.map(|b| Batch {
            items: b.records.iter().map(|r| validate_one(header, default_as_of, r)).collect(),
            bytes_read: b.bytes_read,
        });
        if out.send(validated).is_err() {
            return;
        }
    }
}

/// Reads (with `produce`, on its own thread) and validates every row after the header, handing batches
/// to `sink` in file order on this thread. Stops at the first error of `sink` or of the reader.
pub fn run<E>(
    produce: impl FnOnce(&mut Emit) -> Result<u64, String> + Send,
    header: &Header,
    default_as_of: Option<NaiveDate>,
    mut sink: impl FnMut(Batch) -> Result<(), E>,
    read_error: impl Fn(String) -> E,
) -> Result<(), E> {
    std::thread::scope(|scope| {
        let (raw_in, raw_out) = sync_channel(2);
        let (valid_in, valid_out) = sync_channel(2);
        scope.spawn(move || {
            let mut emit = Emit { records: Vec::with_capacity(BATCH), out: raw_in };
            let result = produce(&mut emit);
            let progress = *result.as_ref().unwrap_or(&0);
            emit.finish(progress, result.map(|_| ()));
        });
        scope.spawn(move || validate(header, default_as_of, raw_out, valid_in));
        // Returning early drops `valid_out`, which stops both threads at their next send.
        for batch in valid_out {
            sink(batch.map_err(&read_error)?)?;
        }
        Ok(())
    })
}
