//! CSV exports: UTF-8 with a byte-order mark (Excel then reads Vietnamese text right), a
//! header row, every category in one table in the round's leaderboard order. Rows are
//! written to the file as they are produced and hashed on the way.

use std::fs::File;

use super::{Cell, Hashing, Produced, ResultsTable, Table, io_error};
use crate::error::{AppError, Result};

/// The UTF-8 byte-order mark.
pub const BOM: &str = "\u{feff}";

fn csv_error(e: ::csv::Error) -> AppError {
    AppError::Unexpected(anyhow::Error::new(e).context("Failed to write a CSV export"))
}

/// A text cell that a spreadsheet would take for a formula gets a leading apostrophe
/// (names are typed by participants; a judge opening the file must not run them). The
/// fullwidth `＝＋－＠` count too: spreadsheets in East Asian locales read them as `=+-@`.
fn safe_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The text of a cell: ISO dates (which spreadsheets read in any locale), Vietnam time,
/// durations as `h:mm:ss.mmm`.
pub fn cell_text(cell: &Cell<'_>) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Int(v) => v.to_string(),
        Cell::Decimal(v) => format!("{v:.2}"),
        Cell::Percent(v) => format!("{:.2}%", v * 100.0),
        Cell::Text(s) => safe_text(s).into_owned(),
        Cell::Owned(s) => safe_text(s).into_owned(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Duration(ms) => {
            let ms = (*ms).max(0);
            let s = ms / 1000;
            format!(
                "{}:{:02}:{:02}.{:03}",
                s / 3600,
                (s / 60) % 60,
                s % 60,
                ms % 1000
            )
        }
    }
}

fn writer(file: File) -> Result<::csv::Writer<Hashing<File>>> {
    use std::io::Write;
    let mut out = Hashing::new(file);
    out.write_all(BOM.as_bytes()).map_err(io_error)?;
    Ok(::csv::WriterBuilder::new()
        .buffer_capacity(64 * 1024)
        .from_writer(out))
}

fn finish(w: ::csv::Writer<Hashing<File>>) -> Result<Produced> {
    let inner = w
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("Failed to flush a CSV export: {e}")))?;
    inner.finish()
}

/// Writes a ranking: everyone, in the leaderboard's order.
pub(super) fn results(table: &ResultsTable, file: File) -> Result<Produced> {
    let mut w = writer(file)?;
    w.write_record(table.columns.iter().map(|c| c.header()))
        .map_err(csv_error)?;
    table.each_row(None, |r| {
        for column in &table.columns {
            w.write_field(cell_text(&r.cell(*column)))
                .map_err(csv_error)?;
        }
        w.write_record(None::<&[u8]>).map_err(csv_error)
    })?;
    finish(w)
}

/// Writes a plain table.
pub(super) fn table<'a>(
    table: &Table<'_>,
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
    file: File,
) -> Result<Produced> {
    let mut w = writer(file)?;
    w.write_record(table.headers).map_err(csv_error)?;
    for cells in rows {
        w.write_record(cells.iter().map(cell_text))
            .map_err(csv_error)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_the_same_in_any_spreadsheet_locale() {
        assert_eq!(cell_text(&Cell::Duration(754_321)), "0:12:34.321");
        assert_eq!(cell_text(&Cell::Duration(3_600_000)), "1:00:00.000");
        assert_eq!(cell_text(&Cell::Percent(0.125)), "12.50%");
        assert_eq!(
            cell_text(&Cell::Date(
                chrono::NaiveDate::from_ymd_opt(1990, 2, 3).unwrap()
            )),
            "1990-02-03"
        );
    }

    #[test]
    fn text_that_looks_like_a_formula_is_defused() {
        assert_eq!(
            cell_text(&Cell::Text("=HYPERLINK(\"x\")")),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(cell_text(&Cell::Text("Nguyễn Văn An")), "Nguyễn Văn An");
        for fullwidth in ["＝1+1", "＋84912", "－2", "＠SUM(A1)"] {
            assert_eq!(cell_text(&Cell::Text(fullwidth)), format!("'{fullwidth}"));
        }
    }
}
