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

pub mod bench;
mod csv;
mod xlsx;

use crate::db::OneByKey;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
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

/// A piece of contact data an export can carry (issue #13: least privilege).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    BirthDate,
    Phone,
    Email,
    NationalId,
}

impl ContactField {
    /// Every contact field, in the order of their columns.
    pub const ALL: [ContactField; 4] = [
        ContactField::BirthDate,
        ContactField::Phone,
        ContactField::Email,
        ContactField::NationalId,
    ];

    /// The stable name (query parameter, CLI, audit trail).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactField::BirthDate => "birth_date",
            ContactField::Phone => "phone",
            ContactField::Email => "email",
            ContactField::NationalId => "national_id",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The contact fields an export carries: none unless an organiser (or the operator, on the
/// command line) names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactFields(u8);

impl ContactFields {
    /// No contact data: what every export carries unless asked.
    pub const NONE: ContactFields = ContactFields(0);

    /// Reads a comma-separated list of field names (`phone,email,birth_date,national_id`),
    /// or `all`; an empty value is none. The error is a Vietnamese message.
    pub fn parse(value: &str) -> std::result::Result<Self, String> {
        let mut fields = ContactFields::NONE;
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("all") {
                fields = ContactField::ALL.into_iter().collect();
                continue;
            }
            let field = ContactField::ALL
                .into_iter()
                .find(|f| f.as_str().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "Trường liên hệ không hợp lệ: chỉ được dùng {}, hoặc all.",
                        ContactField::ALL.map(ContactField::as_str).join(", ")
                    )
                })?;
            fields.0 |= field.bit();
        }
        Ok(fields)
    }

    /// True when the export carries `field`.
    pub fn has(self, field: ContactField) -> bool {
        self.0 & field.bit() != 0
    }

    /// True when the export carries no contact data.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the fields carried, in column order (for the audit trail).
    pub fn names(self) -> Vec<&'static str> {
        ContactField::ALL
            .into_iter()
            .filter(|f| self.has(*f))
            .map(ContactField::as_str)
            .collect()
    }
}

impl FromIterator<ContactField> for ContactFields {
    fn from_iter<I: IntoIterator<Item = ContactField>>(iter: I) -> Self {
        ContactFields(iter.into_iter().fold(0, |bits, f| bits | f.bit()))
    }
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

/// Vietnam's time zone (UTC+7, no daylight saving), in which exported times are written.
pub fn vietnam_time(t: DateTime<Utc>) -> NaiveDateTime {
    match FixedOffset::east_opt(7 * 3600) {
        Some(offset) => t.with_timezone(&offset).naive_local(),
        None => t.naive_utc(),
    }
}

/// Contact data of a participant: what the snapshots do not hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
}

/// The asked-for contact `fields` of the given users, in one query per [`IN_CHUNK`] ids;
/// no query at all when none is asked for.
pub async fn contacts<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    fields: ContactFields,
) -> Result<HashMap<i64, Contact>> {
    if fields.is_empty() {
        return Ok(HashMap::new());
    }
    type Row = (
        i64,
        Option<NaiveDate>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<Row> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::BirthDate)
            .column(user::Column::Phone)
            .column(user::Column::Email)
            .column(user::Column::NationalId)
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, birth_date, phone, email, national_id) in rows {
            let keep = |field, value: Option<String>| value.filter(|_| fields.has(field));
            out.insert(
                id,
                Contact {
                    birth_date: birth_date.filter(|_| fields.has(ContactField::BirthDate)),
                    phone: keep(ContactField::Phone, phone),
                    email: keep(ContactField::Email, email),
                    national_id: keep(ContactField::NationalId, national_id),
                },
            );
        }
    }
    Ok(out)
}

/// A column of a results export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Rank,
    Name,
    BirthDate,
    Unit,
    Category,
    Phone,
    Email,
    NationalId,
    Score,
    TimeTaken,
    Prediction,
    PredictionDiff,
    SubmittedAt,
    Attempts,
    Rounds,
}

impl Column {
    /// The header, in Vietnamese.
    pub fn header(self) -> &'static str {
        match self {
            Column::Rank => "Hạng",
            Column::Name => "Họ và tên",
            Column::BirthDate => "Ngày sinh",
            Column::Unit => "Đơn vị",
            Column::Category => "Đối tượng",
            Column::Phone => "Số điện thoại",
            Column::Email => "Email",
            Column::NationalId => "Số CCCD",
            Column::Score => "Điểm",
            Column::TimeTaken => "Thời gian làm bài",
            Column::Prediction => "Dự đoán",
            Column::PredictionDiff => "Chênh lệch dự đoán",
            Column::SubmittedAt => "Nộp lúc",
            Column::Attempts => "Số lượt thi",
            Column::Rounds => "Số vòng thi",
        }
    }

    /// Width of the spreadsheet column, in characters.
    fn width(self) -> f64 {
        match self {
            Column::Rank => 7.0,
            Column::Name => 28.0,
            Column::BirthDate => 12.0,
            Column::Unit => 36.0,
            Column::Category => 28.0,
            Column::Phone => 14.0,
            Column::Email => 28.0,
            Column::NationalId => 15.0,
            Column::Score => 7.0,
            Column::TimeTaken => 16.0,
            Column::Prediction => 9.0,
            Column::PredictionDiff => 18.0,
            Column::SubmittedAt => 20.0,
            Column::Attempts => 11.0,
            Column::Rounds => 11.0,
        }
    }
}

/// One cell's value, before a writer gives it a format.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Int(i64),
    /// A number with two decimals.
    Decimal(f64),
    /// A share, 0.0–1.0, shown as a percentage.
    Percent(f64),
    Text(&'a str),
    Owned(String),
    Date(NaiveDate),
    /// A date and time in Vietnam time.
    DateTime(NaiveDateTime),
    /// A duration in milliseconds.
    Duration(i64),
}

/// One row of a results export.
#[derive(Debug, Clone)]
pub struct ResultRow<'a> {
    pub rank: usize,
    pub name: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub unit: Option<&'a str>,
    /// The category's name.
    pub category: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub national_id: Option<&'a str>,
    pub score: i64,
    pub time_taken_ms: i64,
    pub prediction: Option<i64>,
    pub prediction_diff: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub rounds: usize,
}

impl<'a> ResultRow<'a> {
    /// The value of a column.
    pub fn cell(&self, column: Column) -> Cell<'a> {
        let opt_int = |v: Option<i64>| v.map_or(Cell::Empty, Cell::Int);
        match column {
            Column::Rank => Cell::Int(self.rank as i64),
            Column::Name => Cell::Text(self.name),
            Column::BirthDate => self.birth_date.map_or(Cell::Empty, Cell::Date),
            Column::Unit => self.unit.map_or(Cell::Empty, Cell::Text),
            Column::Category => Cell::Text(self.category),
            Column::Phone => self.phone.map_or(Cell::Empty, Cell::Text),
            Column::Email => self.email.map_or(Cell::Empty, Cell::Text),
            Column::NationalId => self.national_id.map_or(Cell::Empty, Cell::Text),
            Column::Score => Cell::Int(self.score),
            Column::TimeTaken => Cell::Duration(self.time_taken_ms),
            Column::Prediction => opt_int(self.prediction),
            Column::PredictionDiff => opt_int(self.prediction_diff),
            Column::SubmittedAt => self
                .submitted_at
                .map_or(Cell::Empty, |t| Cell::DateTime(vietnam_time(t))),
            Column::Attempts => Cell::Int(self.attempts),
            Column::Rounds => Cell::Int(self.rounds as i64),
        }
    }
}

enum Source {
    Round(Arc<Snapshot>),
    Contest {
        snapshots: Vec<Arc<Snapshot>>,
        /// Attempts per participant, over every round.
        attempts: HashMap<i64, i64>,
    },
}

/// A ranking ready to write: rows are produced in leaderboard order, one at a time.
pub struct ResultsTable {
    pub kind: ExportKind,
    pub subject_id: i64,
    /// `(code, name)` of the categories that get a sheet, in their order.
    pub categories: Vec<(String, String)>,
    pub columns: Vec<Column>,
    /// The units sheet.
    pub units: Vec<UnitStats>,
    source: Source,
    contacts: HashMap<i64, Contact>,
    category_names: HashMap<String, String>,
}

impl ResultsTable {
    /// The Vietnamese name of a category (its code when unknown).
    fn category_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.category_names.get(code).map_or(code, String::as_str)
    }

    /// Calls `f` with each row of the ranking — of one category (ranked 1, 2, 3… within
    /// it, as `GET …/leaderboard?category=` does), or of everyone — in leaderboard order.
    pub fn each_row(
        &self,
        category: Option<&str>,
        mut f: impl FnMut(&ResultRow<'_>) -> Result<()>,
    ) -> Result<()> {
        match &self.source {
            Source::Round(snapshot) => {
                let entries = snapshot
                    .entries
                    .iter()
                    .filter(|e| category.is_none_or(|c| e.category == c));
                for (i, e) in entries.enumerate() {
                    let contact = self.contacts.get(&e.user_id);
                    f(&ResultRow {
                        rank: i + 1,
                        name: &e.name,
                        birth_date: contact.and_then(|c| c.birth_date),
                        unit: e.unit_name.as_deref(),
                        category: self.category_name(&e.category),
                        phone: contact.and_then(|c| c.phone.as_deref()),
                        email: contact.and_then(|c| c.email.as_deref()),
                        national_id: contact.and_then(|c| c.national_id.as_deref()),
                        score: i64::from(e.score),
                        time_taken_ms: e.time_taken_ms,
                        prediction: e.prediction,
                        prediction_diff: e.prediction_diff,
                        submitted_at: Some(e.submitted_at),
                        attempts: i64::from(e.attempts_used),
                        rounds: 1,
                    })?;
                }
            }
            Source::Contest {
                snapshots,
                attempts,
            } => {
                for e in boards::contest_ranking(snapshots, category) {
                    let contact = self.contacts.get(&e.user_id);
                    f(&ResultRow {
                        rank: e.rank,
                        name: &e.name,
                        birth_date: contact.and_then(|c| c.birth_date),
                        unit: e.unit_name.as_deref(),
                        category: self.category_name(&e.category),
                        phone: contact.and_then(|c| c.phone.as_deref()),
                        email: contact.and_then(|c| c.email.as_deref()),
                        national_id: contact.and_then(|c| c.national_id.as_deref()),
                        score: e.score,
                        time_taken_ms: e.time_taken_ms,
                        prediction: None,
                        prediction_diff: None,
                        submitted_at: None,
                        attempts: attempts.get(&e.user_id).copied().unwrap_or(0),
                        rounds: e.rounds,
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// Unit statistics ready to write.
pub struct UnitsTable {
    pub subject_id: i64,
    pub units: Vec<UnitStats>,
}

/// A plain table: one sheet of an XLSX file, or a CSV file.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    /// The sheet's name (XLSX).
    pub sheet: &'a str,
    pub headers: &'a [&'a str],
    /// Column widths in characters (XLSX).
    pub widths: &'a [f64],
}

/// The unit statistics table.
pub const UNITS_TABLE: Table<'static> = Table {
    sheet: "Đơn vị",
    headers: &[
        "Mã đơn vị",
        "Đơn vị",
        "Mã đơn vị cấp trên",
        "Loại",
        "Khối",
        "Biên chế",
        "Người dự thi",
        "Tỷ lệ tham gia",
        "Số lượt thi",
        "Điểm trung bình",
        "Số người đạt điểm tuyệt đối",
    ],
    widths: &[
        14.0, 40.0, 14.0, 12.0, 14.0, 10.0, 12.0, 14.0, 11.0, 14.0, 16.0,
    ],
};

/// The item analysis table.
pub const ITEMS_TABLE: Table<'static> = Table {
    sheet: "Phân tích câu hỏi",
    headers: &[
        "Mã câu hỏi",
        "Ngân hàng",
        "Chủ đề",
        "Mức độ",
        "Loại",
        "Câu hỏi",
        "Số lần rút",
        "Số lần đúng",
        "Bỏ trống",
        "Độ dễ",
        "Độ phân biệt",
        "Số lần chọn từng phương án",
        "Cảnh báo",
    ],
    widths: &[
        11.0, 10.0, 24.0, 11.0, 14.0, 60.0, 10.0, 11.0, 9.0, 9.0, 12.0, 40.0, 24.0,
    ],
};

/// The letter of an option by its bank index: A, B, C…
pub fn option_letter(index: usize) -> String {
    u8::try_from(index).ok().filter(|i| *i < 26).map_or_else(
        || (index + 1).to_string(),
        |i| char::from(b'A' + i).to_string(),
    )
}

/// The cells of a question's row, in [`ITEMS_TABLE`] order.
pub fn item_cells(item: &ItemReport) -> Vec<Cell<'_>> {
    let options = item
        .options
        .iter()
        .map(|o| {
            format!(
                "{}{}: {}",
                option_letter(o.index),
                if o.correct { " (đúng)" } else { "" },
                o.chosen
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let flags = item
        .flags
        .iter()
        .map(|f| f.label_vi())
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        Cell::Int(item.question_id),
        Cell::Int(item.bank_id),
        Cell::Text(&item.topic),
        Cell::Text(contest::difficulty_vi(item.difficulty)),
        Cell::Text(item.kind),
        Cell::Text(&item.text),
        Cell::Int(item.drawn as i64),
        Cell::Int(item.correct as i64),
        Cell::Int(item.unanswered as i64),
        Cell::Percent(item.facility),
        item.discrimination.map_or(Cell::Empty, Cell::Decimal),
        Cell::Owned(options),
        Cell::Owned(flags),
    ]
}

/// The cells of a unit's row, in [`UNITS_TABLE`] order.
pub fn unit_cells(u: &UnitStats) -> [Cell<'_>; 11] {
    [
        Cell::Text(&u.unit_code),
        Cell::Text(&u.unit_name),
        u.parent_code.as_deref().map_or(Cell::Empty, Cell::Text),
        Cell::Text(&u.kind),
        u.block.as_deref().map_or(Cell::Empty, Cell::Text),
        Cell::Int(u.headcount),
        Cell::Int(u.participants),
        Cell::Percent(u.participation_rate),
        Cell::Int(u.attempts),
        Cell::Decimal(u.avg_best_score),
        Cell::Int(u.perfect_scores),
    ]
}

fn unit_rows(units: &[UnitStats]) -> impl Iterator<Item = Vec<Cell<'_>>> {
    units.iter().map(|u| unit_cells(u).to_vec())
}

/// An export, loaded and ready to write.
pub enum Export {
    Results(Box<ResultsTable>),
    Units(UnitsTable),
    Items(Vec<ItemReport>),
}

/// `(code, name)` of a contest's categories, in the categories' order.
async fn contest_categories<C: ConnectionTrait>(
    db: &C,
    contest: &contest_entity::Model,
) -> Result<(Vec<(String, String)>, HashMap<String, String>)> {
    let codes: Vec<String> = serde_json::from_str(&contest.categories).unwrap_or_default();
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

async fn load_contest<C: ConnectionTrait>(db: &C, id: i64) -> Result<contest_entity::Model> {
    contest_entity::Entity::find_by_id(id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The snapshots of a contest's ranked rounds, as `GET /contests/{id}/leaderboard` uses.
async fn contest_snapshots<C: ConnectionTrait>(
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
    let contest = load_contest(db, round.contest_id).await?;
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
    let contest = load_contest(db, contest_id).await?;
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
    load_contest(db, contest_id).await?;
    let snapshots = contest_snapshots(db, boards, contest_id).await?;
    let units = unit::Entity::find().all(db).await?;
    Ok(UnitsTable {
        subject_id: contest_id,
        units: boards::contest_unit_stats(&units, &snapshots),
    })
}

/// Loads an export; only results exports carry `contact` fields.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    kind: ExportKind,
    id: i64,
    contact: ContactFields,
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
            Export::Items(items::load(db, &pools, id).await?)
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

/// Loads an export and writes it into `file` (a temporary file for a download, the
/// output file for the command line).
pub async fn produce<C: ConnectionTrait>(
    db: &C,
    boards: &Boards,
    kind: ExportKind,
    id: i64,
    format: Format,
    contact: ContactFields,
    file: File,
) -> Result<Produced> {
    let export = load(db, boards, kind, id, contact).await?;
    tokio::task::spawn_blocking(move || write(&export, format, file))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the export task failed: {e}")))?
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::Unexpected(anyhow::Error::new(e).context("Failed to write an export"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a written file and rewinds it.
fn hash_file(mut file: File) -> Result<Produced> {
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_error)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    Ok(Produced {
        file,
        len,
        sha256: hex(&hasher.finalize()),
    })
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Hashing<File> {
    fn new(file: File) -> Self {
        Hashing {
            inner: file,
            hasher: Sha256::new(),
            len: 0,
        }
    }

    fn finish(self) -> Result<Produced> {
        let mut file = self.inner;
        file.flush().map_err(io_error)?;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        Ok(Produced {
            file,
            len: self.len,
            sha256: hex(&self.hasher.finalize()),
        })
    }
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
