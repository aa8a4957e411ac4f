//! The tables of the exports: columns, cells and rows of results, unit statistics and
//! item analysis, shared by the XLSX and CSV writers.

use super::*;

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
    pub(super) fn width(self) -> f64 {
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
    pub unit: Option<&'a str>,
    /// The category's name.
    pub category: &'a str,
    /// The contact fields the export was asked for (none by default).
    pub contact: Option<&'a Contact>,
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
        let text = |v: Option<&'a str>| v.map_or(Cell::Empty, Cell::Text);
        match column {
            Column::Rank => Cell::Int(self.rank as i64),
            Column::Name => Cell::Text(self.name),
            Column::BirthDate => self
                .contact
                .and_then(|c| c.birth_date)
                .map_or(Cell::Empty, Cell::Date),
            Column::Unit => self.unit.map_or(Cell::Empty, Cell::Text),
            Column::Category => Cell::Text(self.category),
            Column::Phone => text(self.contact.and_then(|c| c.phone.as_deref())),
            Column::Email => text(self.contact.and_then(|c| c.email.as_deref())),
            Column::NationalId => text(self.contact.and_then(|c| c.national_id.as_deref())),
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

pub(super) enum Source {
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
    pub(super) source: Source,
    pub(super) contacts: HashMap<i64, Contact>,
    pub(super) category_names: HashMap<String, String>,
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
                    f(&ResultRow {
                        rank: i + 1,
                        name: &e.name,
                        unit: e.unit_name.as_deref(),
                        category: self.category_name(&e.category),
                        contact: self.contacts.get(&e.user_id),
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
                    f(&ResultRow {
                        rank: e.rank,
                        name: &e.name,
                        unit: e.unit_name.as_deref(),
                        category: self.category_name(&e.category),
                        contact: self.contacts.get(&e.user_id),
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
    let flags = if item.enough_data {
        item.flags
            .iter()
            .map(|f| f.label_vi())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        "chưa đủ dữ liệu".to_owned()
    };
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

pub(super) fn unit_rows(units: &[UnitStats]) -> impl Iterator<Item = Vec<Cell<'_>>> {
    units.iter().map(|u| unit_cells(u).to_vec())
}
