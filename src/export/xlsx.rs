//! The day as an Excel workbook (rust_xlsxwriter): the table of `sheet` with a bold frozen header row,
//! a filter, column widths that fit, and dates and times as real dates (so they sort and filter).
//! Text is always written as text, never as a formula.

use super::Day;
use super::sheet::{self, Cell};
use crate::store::StoreError;
use chrono::{Datelike, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};

/// Column widths in characters, in `sheet::HEADER` order.
const WIDTHS: [f64; 17] =
    [6.0, 17.0, 28.0, 12.0, 9.0, 17.0, 13.0, 14.0, 10.0, 12.0, 22.0, 9.0, 10.0, 12.0, 16.0, 6.0, 28.0];

fn build(day: &Day) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new().set_bold().set_align(FormatAlign::Center).set_text_wrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let number = Format::new().set_num_format("0.##");
    let sheet = book.add_worksheet();
    sheet.set_name(format!("Tiếp đón {}", day.day.format("%d-%m-%Y")))?;
    for (col, (name, width)) in sheet::HEADER.iter().zip(WIDTHS).enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &head)?;
        sheet.set_column_width(col as u16, width)?;
    }
    let rows = sheet::rows(day);
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Int(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Percent(p) => {
                    sheet.write_number_with_format(r, c, *p, &number)?;
                }
                // A date Excel cannot hold (before 1900) stays text.
                Cell::Date(d) => {
                    match ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8) {
                        Ok(x) => {
                            sheet.write_datetime_with_format(r, c, x, &date)?;
                        }
                        Err(_) => {
                            sheet.write_string(r, c, cell.csv())?;
                        }
                    }
                }
                Cell::DateTime(t) => {
                    match ExcelDateTime::from_ymd(t.year() as u16, t.month() as u8, t.day() as u8)
                        .and_then(|x| x.and_hms(t.hour() as u16, t.minute() as u8, t.second()))
                    {
                        Ok(x) => {
                            sheet.write_datetime_with_format(r, c, x, &time)?;
                        }
                        Err(_) => {
                            sheet.write_string(r, c, cell.csv())?;
                        }
                    }
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, sheet::HEADER.len() as u16 - 1)?;
    book.save_to_buffer()
}

/// The workbook's bytes.
pub fn render(day: &Day) -> Result<Vec<u8>, StoreError> {
    build(day).map_err(|e| {
        StoreError::invalid(
            format!("Không tạo được tệp Excel: {e}"),
            format!("Cannot build the spreadsheet: {e}"),
        )
    })
}
