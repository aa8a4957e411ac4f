//! Exports for the judges and organisers: round results, contest results and unit
//! statistics, as XLSX (one sheet per category plus a units sheet) or as CSV (UTF-8 with a
//! byte-order mark, so Excel reads the Vietnamese text).
//!
//! Rows come from the same leaderboard snapshots the API serves ([`boards`]), in the same
//! order, so an export never ranks differently from the leaderboard. A results export
//! carries name, unit, category and results; contact data (birth date, phone, email, CCCD)
//! only when an organiser asks for it field by field ([`ContactFields`]), and then it is
//! loaded for the ranked participants in chunked `IN` queries, never one query per row.
//!
//! A file is written to a temporary file, never held whole in memory (the XLSX writer runs
//! in its constant-memory mode), and hashed with SHA-256; the hash travels with the file
//! (`X-Content-SHA256`) and goes to [`record_hook`], the one place an export is recorded.

mod contact;
mod csv;
mod hash;
mod table;
mod xlsx;

pub use contact::*;
use hash::*;
pub use table::*;

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sha2::{Digest, Sha256};

use crate::contest::boards::{self, Boards, Snapshot, UnitStats};
use crate::contest::items::{self, ItemReport};
use crate::contest::pool::Pools;
use crate::contest::{self, attempts};
use crate::entities::{contest as contest_entity, unit, user};
use crate::error::{AppError, Result};

/// Ids per `IN (…)` list: far below the bind-parameter limits of SQLite and PostgreSQL.
pub const IN_CHUNK: usize = 500;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// `xlsx` or `csv`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The `Content-Type` of the file.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// A round's ranking.
    RoundResults,
    /// A contest's ranking (sum of best round scores, then times).
    ContestResults,
    /// Unit statistics over a contest.
    ContestUnits,
    /// The item analysis of a round.
    RoundItems,
}

impl ExportKind {
    /// The stable name (logs, audit trail, CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::RoundResults => "round_results",
            ExportKind::ContestResults => "contest_results",
            ExportKind::ContestUnits => "contest_units",
            ExportKind::RoundItems => "round_items",
        }
    }

    /// The download's file name, e.g. `ket-qua-vong-thi-3.xlsx`.
    pub fn file_name(self, id: i64, format: Format) -> String {
        let stem = match self {
            ExportKind::RoundResults => "ket-qua-vong-thi",
            ExportKind::ContestResults => "ket-qua-cuoc-thi",
            ExportKind::ContestUnits => "don-vi-cuoc-thi",
            ExportKind::RoundItems => "phan-tich-cau-hoi-vong-thi",
        };
        format!("{stem}-{id}.{}", format.extension())
    }
}

/// A written export: the file (positioned at its start), its size and its SHA-256.
#[derive(Debug)]
pub struct Produced {
    pub file: File,
    pub len: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// One produced export, as [`record_hook`] receives it.
#[derive(Debug, Clone)]
pub struct ExportRecord {
    pub kind: ExportKind,
    /// The round or contest id.
    pub subject_id: i64,
    pub format: Format,
    /// Who asked for it: a staff user id, or `None` for the command line.
    pub actor: Option<i64>,
    /// The contact data the file holds.
    pub contact: ContactFields,
    pub sha256: String,
    pub bytes: u64,
}

/// The one place a produced export is recorded: the audit trail keeps who exported what,
/// when, which contact fields it carried, and the file's SHA-256, so a different file
/// passed off later is detectable. Every export path — the API and the command line —
/// records through it.
pub async fn record_hook<C: ConnectionTrait>(db: &C, record: &ExportRecord) -> Result<()> {
    let subject = match record.kind.as_str() {
        s if s.starts_with("round") => "round",
        _ => "contest",
    };
    crate::audit::record(
        db,
        record.actor,
        "export",
        Some((subject, record.subject_id)),
        serde_json::json!({
            "kind": record.kind.as_str(),
            "format": record.format.extension(),
            "contact": record.contact.names(),
            "with_phone": record.contact.has(ContactField::Phone),
            "sha256": record.sha256,
            "bytes": record.bytes,
        }),
    )
    .await
}

/// Exported times are written in Vietnam time (UTC+7).
pub use crate::vn_time::naive as vietnam_time;

/// An export, loaded and ready to write.
pub enum Export {
    Results(Box<ResultsTable>),
    Units(UnitsTable),
    Items(Vec<ItemReport>),
}

/// `(code, name)` of a contest's categories, in the categories' order.
pub async fn contest_categories<C: ConnectionTrait>(
    db: &C,
    contest: &contest_entity::Model,
) -> Result<(Vec<(String, String)>, HashMap<String, String>)> {
    let codes = contest.categories()?;
    let all = crate::accounts::categories(db).await?;
    let names: HashMap<String, String> = all
        .iter()
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect();
    let listed = all
        .into_iter()
        .filter(|c| codes.contains(&c.code))
        .map(|c| (c.code, c.name))
        .collect();
    Ok((listed, names))
}

/// The snapshots of a contest's ranked rounds (every round but practice ones, settled or
/// not): what the results export and the judges' contest page rank.
pub async fn contest_snapshots<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    contest_id: i64,
) -> Result<Vec<Arc<Snapshot>>> {
    let mut out = Vec::new();
    for r in contest::rounds_of(db, contest_id).await? {
        if !r.practice {
            out.push(boards.snapshot(db, &r).await?);
        }
    }
    Ok(out)
}

fn columns(kind: ExportKind, contact: ContactFields) -> Vec<Column> {
    let mut columns = vec![Column::Rank, Column::Name];
    if contact.has(ContactField::BirthDate) {
        columns.push(Column::BirthDate);
    }
    columns.extend([Column::Unit, Column::Category]);
    for (field, column) in [
        (ContactField::Phone, Column::Phone),
        (ContactField::Email, Column::Email),
        (ContactField::NationalId, Column::NationalId),
    ] {
        if contact.has(field) {
            columns.push(column);
        }
    }
    columns.extend([Column::Score, Column::TimeTaken]);
    match kind {
        ExportKind::ContestResults => columns.extend([Column::Rounds, Column::Attempts]),
        _ => columns.extend([
            Column::Prediction,
            Column::PredictionDiff,
            Column::SubmittedAt,
            Column::Attempts,
        ]),
    }
    columns
}

/// A round's results, in leaderboard order, with the `contact` fields asked for.
pub async fn round_results<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    round_id: i64,
    contact: ContactFields,
) -> Result<ResultsTable> {
    let round = attempts::load_round(db, round_id).await?;
    let contest = crate::contest::load_contest(db, round.contest_id).await?;
    let (categories, category_names) = contest_categories(db, &contest).await?;
    let snapshot = boards.snapshot(db, &round).await?;
    let ids: Vec<i64> = snapshot.entries.iter().map(|e| e.user_id).collect();
    let contacts = contacts(db, &ids, contact).await?;
    Ok(ResultsTable {
        kind: ExportKind::RoundResults,
        subject_id: round_id,
        categories,
        columns: columns(ExportKind::RoundResults, contact),
        units: snapshot.units.clone(),
        source: Source::Round(snapshot),
        contacts,
        category_names,
    })
}

/// A contest's results, in contest leaderboard order, with the `contact` fields asked for.
pub async fn contest_results<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    contest_id: i64,
    contact: ContactFields,
) -> Result<ResultsTable> {
    let contest = crate::contest::load_contest(db, contest_id).await?;
    let (categories, category_names) = contest_categories(db, &contest).await?;
    let snapshots = contest_snapshots(db, boards, contest_id).await?;
    let mut attempts: HashMap<i64, i64> = HashMap::new();
    for s in &snapshots {
        for e in &s.entries {
            *attempts.entry(e.user_id).or_default() += i64::from(e.attempts_used);
        }
    }
    let ids: Vec<i64> = attempts.keys().copied().collect();
    let contacts = contacts(db, &ids, contact).await?;
    let units = unit::Entity::find().all(db).await?;
    Ok(ResultsTable {
        kind: ExportKind::ContestResults,
        subject_id: contest_id,
        categories,
        columns: columns(ExportKind::ContestResults, contact),
        units: boards::contest_unit_stats(&units, &snapshots),
        source: Source::Contest {
            snapshots,
            attempts,
        },
        contacts,
        category_names,
    })
}

/// A contest's unit statistics, as `GET /contests/{id}/units` gives them.
pub async fn contest_units<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    contest_id: i64,
) -> Result<UnitsTable> {
    crate::contest::load_contest(db, contest_id).await?;
    let snapshots = contest_snapshots(db, boards, contest_id).await?;
    let units = unit::Entity::find().all(db).await?;
    Ok(UnitsTable {
        subject_id: contest_id,
        units: boards::contest_unit_stats(&units, &snapshots),
    })
}

/// Loads an export; only results exports carry `contact` fields; the item analysis flags
/// questions drawn `item_min_sample` times or more.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    kind: ExportKind,
    id: i64,
    contact: ContactFields,
    item_min_sample: u64,
) -> Result<Export> {
    Ok(match kind {
        ExportKind::RoundResults => {
            Export::Results(Box::new(round_results(db, boards, id, contact).await?))
        }
        ExportKind::ContestResults => {
            Export::Results(Box::new(contest_results(db, boards, id, contact).await?))
        }
        ExportKind::ContestUnits => Export::Units(contest_units(db, boards, id).await?),
        ExportKind::RoundItems => {
            // Question revisions never change, so a private cache reads the same ones.
            let pools = Pools::new(std::time::Duration::from_secs(2));
            Export::Items(items::load(db, &pools, id, item_min_sample).await?)
        }
    })
}

/// Writes an export into `file` (blocking: call it off the async workers) and hashes it.
pub fn write(export: &Export, format: Format, mut file: File) -> Result<Produced> {
    match (export, format) {
        (Export::Results(t), Format::Xlsx) => xlsx::results(t, &mut file)?,
        (Export::Results(t), Format::Csv) => return csv::results(t, file),
        (Export::Units(t), Format::Xlsx) => {
            xlsx::table(&UNITS_TABLE, unit_rows(&t.units), &mut file)?
        }
        (Export::Units(t), Format::Csv) => {
            return csv::table(&UNITS_TABLE, unit_rows(&t.units), file);
        }
        (Export::Items(items), Format::Xlsx) => {
            xlsx::table(&ITEMS_TABLE, items.iter().map(item_cells), &mut file)?
        }
        (Export::Items(items), Format::Csv) => {
            return csv::table(&ITEMS_TABLE, items.iter().map(item_cells), file);
        }
    }
    hash_file(file)
}

/// Writes a plain table (a header row, then `rows`) as XLSX (one sheet) or CSV with a BOM
/// into `file` (blocking), and hashes it: for lists other modules build (award lists).
pub fn write_table<'a>(
    table: &Table<'_>,
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
    format: Format,
    mut file: File,
) -> Result<Produced> {
    match format {
        Format::Xlsx => xlsx::table(table, rows, &mut file)?,
        Format::Csv => return csv::table(table, rows, file),
    }
    hash_file(file)
}

/// What to export: the kind, its round or contest, the file format, the contact fields
/// asked for, and the item analysis's minimum sample.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub kind: ExportKind,
    pub id: i64,
    pub format: Format,
    pub contact: ContactFields,
    pub item_min_sample: u64,
}

/// Loads an export and writes it into `file` (a temporary file for a download, the
/// output file for the command line).
pub async fn produce<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    spec: ExportSpec,
    file: File,
) -> Result<Produced> {
    let ExportSpec {
        kind,
        id,
        format,
        contact,
        item_min_sample,
    } = spec;
    let export = load(db, boards, kind, id, contact, item_min_sample).await?;
    tokio::task::spawn_blocking(move || write(&export, format, file))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the export task failed: {e}")))?
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::Unexpected(anyhow::Error::new(e).context("Failed to write an export"))
}

/// Spreadsheet-safe sheet names: Excel allows 31 UTF-16 units, none of `[]:*?/\`, no
/// leading or trailing apostrophe, and no two names equal ignoring case.
pub fn sheet_names(wanted: &[&str]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(wanted.len());
    for name in wanted {
        let cleaned: String = name
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
            .collect();
        let cleaned = cleaned.trim().trim_matches('\'').trim().to_owned();
        let base = if cleaned.is_empty() {
            format!("Sheet{}", out.len() + 1)
        } else {
            cleaned
        };
        let mut candidate = truncate_utf16(&base, 31);
        let mut n = 2;
        while taken.contains(&candidate.to_lowercase()) {
            let suffix = format!(" ({n})");
            candidate = format!(
                "{}{suffix}",
                truncate_utf16(&base, 31 - suffix.encode_utf16().count())
            );
            n += 1;
        }
        taken.push(candidate.to_lowercase());
        out.push(candidate);
    }
    out
}

fn truncate_utf16(s: &str, max: usize) -> String {
    let mut units = 0;
    let mut out = String::new();
    for c in s.chars() {
        units += c.len_utf16();
        if units > max {
            break;
        }
        out.push(c);
    }
    out.trim_end().trim_end_matches('\'').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel_rules() {
        let names = sheet_names(&[
            "Cán bộ, công chức, viên chức",
            "Người dân, doanh nghiệp",
            "Đơn vị",
            "đơn vị",
            "Một tên rất dài: vượt quá ba mươi mốt ký tự cho phép",
            "'[x]'",
        ]);
        assert_eq!(
            names[0], "Cán bộ, công chức, viên chức",
            "28 characters fit"
        );
        assert_eq!(names[1], "Người dân, doanh nghiệp");
        assert_eq!(names[2], "Đơn vị");
        assert_eq!(names[3], "đơn vị (2)", "names are unique ignoring case");
        assert!(names[4].encode_utf16().count() <= 31);
        assert!(!names[4].contains(':'));
        assert_eq!(names[5], "-x-");
    }

    #[test]
    fn exported_times_are_vietnam_time() {
        let t = DateTime::parse_from_rfc3339("2026-12-07T20:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            vietnam_time(t).to_string(),
            "2026-12-08 03:30:00",
            "UTC+7 crosses midnight"
        );
    }

    #[test]
    fn a_hashing_writer_hashes_exactly_what_it_wrote() {
        let file = tempfile::tempfile().unwrap();
        let mut w = Hashing::new(file);
        w.write_all(b"abc").unwrap();
        let produced = w.finish().unwrap();
        assert_eq!(produced.len, 3);
        assert_eq!(
            produced.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let again = hash_file(produced.file).unwrap();
        assert_eq!(again.sha256, produced.sha256);
    }
}
