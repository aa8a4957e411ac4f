//! XLSX exports: one sheet per category and a units sheet, each with a bold frozen header,
//! sized columns, and real Excel dates and durations. Sheets use the writer's
//! constant-memory mode: each row goes to a temporary file as soon as the next one starts,
//! so 100,000 rows never sit in memory.

use std::fs::File;

use rust_xlsxwriter::{Format as CellFormat, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{Cell, ResultsTable, Table, UNITS_TABLE, sheet_names, unit_cells};
use crate::error::{AppError, Result};

/// Excel's last row (0-based).
const MAX_ROW: u32 = 1_048_575;

/// The name of the units sheet.
const UNITS_SHEET: &str = UNITS_TABLE.sheet;

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Unexpected(anyhow::Error::new(e).context("Failed to write an XLSX export"))
}

/// The formats every sheet uses.
struct Formats {
    header: CellFormat,
    date: CellFormat,
    datetime: CellFormat,
    duration: CellFormat,
    percent: CellFormat,
    decimal: CellFormat,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: CellFormat::new()
                .set_bold()
                .set_text_wrap()
                .set_border_bottom(FormatBorder::Thin),
            date: CellFormat::new().set_num_format("dd/mm/yyyy"),
            datetime: CellFormat::new().set_num_format("dd/mm/yyyy hh:mm:ss"),
            // Time taken decides ties to the millisecond: show it.
            duration: CellFormat::new().set_num_format("[h]:mm:ss.000"),
            percent: CellFormat::new().set_num_format("0.0%"),
            decimal: CellFormat::new().set_num_format("0.00"),
        }
    }
}

fn header_row(
    sheet: &mut Worksheet,
    headers: &[&str],
    widths: &[f64],
    formats: &Formats,
) -> Result<()> {
    for (col, (title, width)) in headers.iter().zip(widths).enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, *width).map_err(xlsx_error)?;
        sheet
            .write_string_with_format(0, col, *title, &formats.header)
            .map_err(xlsx_error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell<'_>,
    formats: &Formats,
) -> Result<()> {
    let written = match cell {
        Cell::Empty => return Ok(()),
        Cell::Int(v) => sheet.write_number(row, col, *v as f64),
        Cell::Decimal(v) => sheet.write_number_with_format(row, col, *v, &formats.decimal),
        Cell::Percent(v) => sheet.write_number_with_format(row, col, *v, &formats.percent),
        // Strings are written as strings, never as formulas, whatever they start with.
        Cell::Text(s) => sheet.write_string(row, col, *s),
        Cell::Owned(s) => sheet.write_string(row, col, s),
        Cell::Date(d) => sheet.write_datetime_with_format(row, col, d, &formats.date),
        Cell::DateTime(t) => sheet.write_datetime_with_format(row, col, t, &formats.datetime),
        // Excel stores durations as fractions of a day.
        Cell::Duration(ms) => {
            sheet.write_number_with_format(row, col, *ms as f64 / 86_400_000.0, &formats.duration)
        }
    };
    written.map(|_| ()).map_err(xlsx_error)
}

fn too_many_rows() -> AppError {
    AppError::Unexpected(anyhow::anyhow!("an export sheet exceeds Excel's row limit"))
}

/// Adds a sheet holding a plain table.
fn table_sheet<'a>(
    workbook: &mut Workbook,
    name: &str,
    table: &Table<'_>,
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
    f: &Formats,
) -> Result<()> {
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    sheet.set_name(name).map_err(xlsx_error)?;
    header_row(sheet, table.headers, table.widths, f)?;
    for (i, cells) in rows.enumerate() {
        let row = u32::try_from(i + 1)
            .ok()
            .filter(|r| *r <= MAX_ROW)
            .ok_or_else(too_many_rows)?;
        for (col, cell) in cells.iter().enumerate() {
            write_cell(sheet, row, col as u16, cell, f)?;
        }
    }
    Ok(())
}

/// Writes a results workbook: a sheet per category (ranked within it), then the units.
pub(super) fn results(table: &ResultsTable, out: &mut File) -> Result<()> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut wanted: Vec<&str> = table.categories.iter().map(|(_, n)| n.as_str()).collect();
    wanted.push(UNITS_SHEET);
    let names = sheet_names(&wanted);
    let headers: Vec<&str> = table.columns.iter().map(|c| c.header()).collect();
    let widths: Vec<f64> = table.columns.iter().map(|c| c.width()).collect();
    for ((code, _), name) in table.categories.iter().zip(&names) {
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet.set_name(name).map_err(xlsx_error)?;
        header_row(sheet, &headers, &widths, &formats)?;
        let mut row = 0u32;
        table.each_row(Some(code), |r| {
            row += 1;
            if row > MAX_ROW {
                return Err(too_many_rows());
            }
            for (col, column) in table.columns.iter().enumerate() {
                write_cell(sheet, row, col as u16, &r.cell(*column), &formats)?;
            }
            Ok(())
        })?;
    }
    let units_name = names.last().map_or(UNITS_SHEET, String::as_str);
    table_sheet(
        &mut workbook,
        units_name,
        &UNITS_TABLE,
        table.units.iter().map(|u| unit_cells(u).to_vec()),
        &formats,
    )?;
    workbook.save_to_writer(out).map_err(xlsx_error)
}

/// Writes a workbook of one sheet holding a plain table.
pub(super) fn table<'a>(
    table: &Table<'_>,
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
    out: &mut File,
) -> Result<()> {
    let mut workbook = Workbook::new();
    table_sheet(&mut workbook, table.sheet, table, rows, &Formats::new())?;
    workbook.save_to_writer(out).map_err(xlsx_error)
}
