//! The unit tree (đơn vị): departments, districts and communes, with their headcounts.
//!
//! Participation rate = participants / headcount, so headcounts matter as much as names.
//! Organisers keep the list as a CSV file (`code,name,parent_code,kind,block,headcount`)
//! and import it whole: a file with any problem changes nothing.

use crate::db::OneByKey;
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;

use crate::entities::unit;
use crate::error::{AppError, LineProblem, Problems, Result};
use crate::limits::{CsvReader, excerpt};
use crate::text;

/// The kinds of unit the tree may hold.
pub const KINDS: &[&str] = &["province", "department", "district", "commune", "other"];

/// A kind of unit as pages name it (the stored kinds are English codes).
pub fn kind_name(kind: &str) -> &'static str {
    match kind {
        "province" => "Cấp tỉnh",
        "department" => "Sở, ban, ngành",
        "district" => "Cấp huyện",
        "commune" => "Cấp xã",
        _ => "Khác",
    }
}

/// One unit as the public API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub kind: String,
    pub block: Option<String>,
    pub headcount: i32,
    /// Depth in the tree (0 for roots), for indenting lists.
    pub depth: usize,
}

/// Orders units depth-first (parents before children, siblings by position), attaching
/// each unit's parent code and depth. Units whose parent is missing are treated as roots.
pub fn tree_order(units: &[unit::Model]) -> Vec<UnitView> {
    let by_id: HashMap<i64, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let mut children: HashMap<Option<i64>, Vec<&unit::Model>> = HashMap::new();
    for u in units {
        let parent = u.parent_id.filter(|p| by_id.contains_key(p));
        children.entry(parent).or_default().push(u);
    }
    for list in children.values_mut() {
        list.sort_by_key(|u| (u.position, u.id));
    }
    let mut out = Vec::with_capacity(units.len());
    let mut seen = HashSet::new();
    let mut stack: Vec<(&unit::Model, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|u| (*u, 0)).collect())
        .unwrap_or_default();
    while let Some((u, depth)) = stack.pop() {
        if !seen.insert(u.id) {
            continue;
        }
        out.push(UnitView {
            code: u.code.clone(),
            name: u.name.clone(),
            parent_code: u
                .parent_id
                .and_then(|p| by_id.get(&p))
                .map(|p| p.code.clone()),
            kind: u.kind.clone(),
            block: u.block.clone(),
            headcount: u.headcount,
            depth,
        });
        if let Some(kids) = children.get(&Some(u.id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    out
}

/// All units in tree order.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<UnitView>> {
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Position)
        .all(db)
        .await?;
    Ok(tree_order(&units))
}

/// One row of a unit CSV file, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub line: usize,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub kind: String,
    pub block: Option<String>,
    pub headcount: i32,
}

const HEADER: [&str; 6] = ["code", "name", "parent_code", "kind", "block", "headcount"];

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Parses and checks a unit CSV file on its own (no database): header, fields, duplicate
/// codes, parents that are neither in the file nor in `known_codes`, and cycles.
///
/// `known` maps codes already in the database to their parent codes, so that a file
/// updating part of the tree is checked against the whole tree it will produce.
///
/// The file is refused as soon as it passes an upload limit ([`crate::limits`]: rows,
/// columns, characters per cell), and problems are kept to the first ones by line, so
/// work and memory stay bounded whatever the file.
pub fn parse_csv(
    bytes: &[u8],
    known: &HashMap<String, Option<String>>,
) -> std::result::Result<Vec<UnitRow>, Problems> {
    let mut problems = Problems::new();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(Problems::from(LineProblem {
            line,
            message: format!(
                "Tệp không phải văn bản UTF-8 (dòng {line}). Hãy lưu tệp CSV với bảng mã UTF-8."
            ),
        }));
    }
    // The text was checked to be UTF-8 above.
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let mut records = CsvReader::new(text, b',');
    let header: Vec<String> = match records.next_record().transpose()? {
        Some(h) => h
            .fields
            .iter()
            .map(|s| text::clean(s).to_lowercase())
            .collect(),
        None => Vec::new(),
    };
    if header != HEADER {
        return Err(Problems::from(LineProblem {
            line: 1,
            message: format!(
                "Dòng tiêu đề phải là: {} (tệp có: {}).",
                HEADER.join(","),
                excerpt(&header.join(","))
            ),
        }));
    }

    let mut rows: Vec<UnitRow> = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    while let Some(record) = records.next_record() {
        let record = record?;
        let line = record.line;
        if record.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut bad = |message: String| problems.push(line, message);
        if record.width != HEADER.len() {
            bad(format!(
                "Dòng có {} cột, cần đúng {} cột.",
                record.width,
                HEADER.len()
            ));
            continue;
        }
        let field = |i: usize| text::clean(record.fields.get(i).map_or("", String::as_str));
        let code = field(0);
        let name = field(1);
        let parent_code = Some(field(2)).filter(|s| !s.is_empty());
        let kind = field(3).to_lowercase();
        let block = Some(field(4)).filter(|s| !s.is_empty());
        let headcount_text = field(5);

        let mut ok = true;
        if !valid_code(&code) {
            bad(format!(
                "Mã đơn vị \"{}\" không hợp lệ: chỉ gồm chữ cái không dấu, chữ số, '-', '_' hoặc '.', tối đa 32 ký tự.",
                excerpt(&code)
            ));
            ok = false;
        } else if let Some(first) = first_line_of.get(&code) {
            bad(format!("Mã đơn vị \"{code}\" bị trùng với dòng {first}."));
            ok = false;
        }
        if name.is_empty() || text::char_len(&name) > 200 {
            bad("Tên đơn vị không được để trống và không dài quá 200 ký tự.".into());
            ok = false;
        }
        if !KINDS.contains(&kind.as_str()) {
            bad(format!(
                "Loại đơn vị \"{}\" không hợp lệ; dùng một trong: {}.",
                excerpt(&kind),
                KINDS.join(", ")
            ));
            ok = false;
        }
        if block.as_ref().is_some_and(|b| text::char_len(b) > 64) {
            bad("Khối không được dài quá 64 ký tự.".into());
            ok = false;
        }
        let headcount = if headcount_text.is_empty() {
            Some(0)
        } else {
            headcount_text.parse::<i32>().ok().filter(|h| *h >= 0)
        };
        if headcount.is_none() {
            bad(format!(
                "Số biên chế/dân số \"{}\" phải là số nguyên không âm.",
                excerpt(&headcount_text)
            ));
            ok = false;
        }
        if parent_code.as_deref() == Some(code.as_str()) {
            bad("Đơn vị không thể là đơn vị cấp trên của chính nó.".into());
            ok = false;
        }
        if valid_code(&code) {
            first_line_of.entry(code.clone()).or_insert(line);
        }
        if ok {
            rows.push(UnitRow {
                line,
                code,
                name,
                parent_code,
                kind,
                block,
                headcount: headcount.unwrap_or_default(),
            });
        }
    }

    // Parents must exist in the file or the database, and the resulting tree must
    // have no cycles.
    let mut parent_of: HashMap<&str, Option<&str>> = known
        .iter()
        .map(|(c, p)| (c.as_str(), p.as_deref()))
        .collect();
    for row in &rows {
        parent_of.insert(&row.code, row.parent_code.as_deref());
    }
    for row in &rows {
        if let Some(parent) = &row.parent_code {
            if !parent_of.contains_key(parent.as_str()) {
                problems.push(
                    row.line,
                    format!(
                        "Đơn vị cấp trên \"{}\" không có trong tệp hay trong danh sách hiện có.",
                        excerpt(parent)
                    ),
                );
                continue;
            }
            let mut seen = HashSet::from([row.code.as_str()]);
            let mut cursor = Some(parent.as_str());
            while let Some(c) = cursor {
                if !seen.insert(c) {
                    problems.push(
                        row.line,
                        format!("Quan hệ cấp trên của \"{}\" tạo thành vòng lặp.", row.code),
                    );
                    break;
                }
                cursor = parent_of.get(c).copied().flatten();
            }
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(2, "Tệp không có đơn vị nào.");
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The summary of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub total: usize,
}

/// Imports a unit CSV file: every row is inserted or updated (by code) in one
/// transaction, or nothing is when any row has a problem.
pub async fn import_csv(
    db: &sea_orm::DatabaseConnection,
    bytes: &[u8],
    actor: Option<i64>,
) -> Result<ImportSummary> {
    let txn = db.begin().await?;
    let existing = unit::Entity::find().all(&txn).await?;
    let code_of: HashMap<i64, String> = existing.iter().map(|u| (u.id, u.code.clone())).collect();
    let known: HashMap<String, Option<String>> = existing
        .iter()
        .map(|u| {
            (
                u.code.clone(),
                u.parent_id.and_then(|p| code_of.get(&p).cloned()),
            )
        })
        .collect();
    let rows = parse_csv(bytes, &known).map_err(|problems| AppError::InvalidFile {
        code: "invalid_units",
        message: match problems.limit() {
            Some(_) => "Tệp vượt quá giới hạn tải lên; chưa có đơn vị nào được nhập.".into(),
            None => "Tệp danh sách đơn vị có lỗi; chưa có đơn vị nào được nhập.".into(),
        },
        problems,
    })?;

    let now = Utc::now();
    let base_position = existing.iter().map(|u| u.position).max().unwrap_or(0);
    let models: Vec<unit::ActiveModel> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| unit::ActiveModel {
            id: NotSet,
            code: Set(row.code.clone()),
            name: Set(row.name.clone()),
            parent_id: NotSet,
            kind: Set(row.kind.clone()),
            block: Set(row.block.clone()),
            headcount: Set(row.headcount),
            // New units go after the existing ones; re-imported units keep the file order.
            position: Set(base_position + 1 + i as i32),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    for chunk in models.chunks(500) {
        unit::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(unit::Column::Code)
                    .update_columns([
                        unit::Column::Name,
                        unit::Column::Kind,
                        unit::Column::Block,
                        unit::Column::Headcount,
                        unit::Column::Position,
                        unit::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }

    let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
    let mut id_of: HashMap<String, i64> = unit::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect();
    for row in &rows {
        let parent_id = row.parent_code.as_ref().and_then(|p| id_of.get(p).copied());
        let id = id_of.get(&row.code).copied();
        if let Some(id) = id {
            unit::ActiveModel {
                id: Set(id),
                parent_id: Set(parent_id),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
    }
    id_of.clear();
    txn.commit().await?;
    let created = codes.iter().filter(|c| !known.contains_key(*c)).count();
    let summary = ImportSummary {
        created,
        updated: codes.len() - created,
        total: codes.len(),
    };
    crate::audit::record(
        db,
        actor,
        "units.import",
        None,
        serde_json::to_value(&summary).unwrap_or_default(),
    )
    .await?;
    Ok(summary)
}

/// Finds a unit by its code.
pub async fn find_by_code<C: ConnectionTrait>(db: &C, code: &str) -> Result<Option<unit::Model>> {
    Ok(unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .one_by_key(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(csv: &str) -> std::result::Result<Vec<UnitRow>, Problems> {
        parse_csv(csv.as_bytes(), &HashMap::new())
    }

    #[test]
    fn a_good_file_parses_in_order() {
        let rows = parse(
            "\u{feff}code,name,parent_code,kind,block,headcount\n\
             VL,Tỉnh Vĩnh Long,,province,,0\n\
             H-LH,Huyện Long Hồ,VL,district,huyen,320\n\
             X-LH-TT,Thị trấn Long Hồ,H-LH,commune,xa,30\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].parent_code.as_deref(), Some("H-LH"));
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn every_bad_line_is_named() {
        let problems = parse(
            "code,name,parent_code,kind,block,headcount\n\
             VL,Tỉnh Vĩnh Long,,province,,0\n\
             A,Đơn vị A,NOPE,department,,10\n\
             VL,Trùng mã,,province,,0\n\
             B,Đơn vị B,VL,planet,,-3\n",
        )
        .unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 5]);
        assert!(problems[0].message.contains("NOPE"));
    }

    #[test]
    fn unit_files_past_a_limit_are_refused_naming_it() {
        let header = "code,name,parent_code,kind,block,headcount";
        let wide = format!("{header}\nVL,Tỉnh,,province,,0{}\n", ",x".repeat(60));
        let problems = parse(&wide).unwrap_err();
        assert_eq!(problems.limit(), Some("columns"));
        assert!(
            problems[0]
                .message
                .starts_with("Ô BM2 nằm ngoài vùng được đọc")
        );
        let long = format!("{header}\nVL,{},,province,,0\n", "ô".repeat(10_001));
        assert_eq!(parse(&long).unwrap_err().limit(), Some("cell_chars"));
        // A wrong header is quoted, cut.
        let problems = parse(&format!("{}\n", "cột,".repeat(60))).unwrap_err();
        assert!(problems[0].message.contains("(tệp có: cột,cột,"));
        assert!(problems[0].message.chars().count() < 200, "{problems:?}");
        // Trailing empty fields are still counted as columns of the row.
        let problems = parse(&format!("{header}\nVL,Tỉnh,,province,,0,,\n")).unwrap_err();
        assert_eq!(problems[0].message, "Dòng có 8 cột, cần đúng 6 cột.");
    }

    #[test]
    fn cycles_are_refused() {
        let problems = parse(
            "code,name,parent_code,kind,block,headcount\n\
             A,Đơn vị A,B,department,,1\n\
             B,Đơn vị B,A,department,,1\n",
        )
        .unwrap_err();
        assert!(problems.iter().all(|p| p.message.contains("vòng lặp")));
    }

    #[test]
    fn tree_order_puts_children_under_parents() {
        let now = Utc::now();
        let u = |id, code: &str, parent, position| unit::Model {
            id,
            code: code.into(),
            name: code.into(),
            parent_id: parent,
            kind: "other".into(),
            block: None,
            headcount: 0,
            position,
            created_at: now,
            updated_at: now,
        };
        let units = vec![
            u(3, "X1", Some(2), 1),
            u(1, "ROOT", None, 5),
            u(2, "D", Some(1), 9),
            u(4, "S", Some(1), 2),
        ];
        let order: Vec<_> = tree_order(&units)
            .into_iter()
            .map(|v| (v.code, v.depth))
            .collect();
        assert_eq!(
            order,
            [
                ("ROOT".into(), 0),
                ("S".into(), 1),
                ("D".into(), 1),
                ("X1".into(), 2)
            ]
        );
    }
}
