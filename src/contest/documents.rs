//! Documents attached to a contest (issue #15): the plan, the rules as PDF, a form as
//! DOCX or XLSX, a poster as PNG or JPEG.
//!
//! An upload is hostile until checked: it is bounded in size ([`MAX_BYTES`]) and in number
//! per contest ([`MAX_PER_CONTEST`]); its type is read from its bytes (the magic numbers,
//! and for DOCX/XLSX the part of the zip that makes it one), never taken from the client;
//! the name it carries must agree with that type, so a file opens with the program its
//! name promises. Everything else (an `.exe` or an HTML page named `.pdf`) is refused with
//! `unsupported_document`. Documents are served as downloads only (`Content-Disposition:
//! attachment`, `nosniff`), never shown inline by this site.

use std::io::Cursor;

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::{Map, json};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::entities::contest_document::{self, Column};
use crate::error::{AppError, Result};
use crate::text;

/// The largest document accepted: 10 MiB, enough for a scanned plan of a few pages;
/// documents live in the database, and every download reads one whole.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The most documents one contest carries (so at most 200 MiB per contest).
pub const MAX_PER_CONTEST: u64 = 20;

/// The longest file name kept, in characters (the extension included).
const MAX_NAME_CHARS: usize = 120;

/// The kinds of document accepted, as their bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Docx,
    Xlsx,
    Png,
    Jpeg,
}

impl Kind {
    /// The content type the download is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
        }
    }

    /// The file name extensions that mean this kind; the first is added to a name that
    /// has none.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Docx => &["docx"],
            Kind::Xlsx => &["xlsx"],
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg"],
        }
    }

    /// How people call it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pdf => "PDF",
            Kind::Docx => "Word (.docx)",
            Kind::Xlsx => "Excel (.xlsx)",
            Kind::Png => "ảnh PNG",
            Kind::Jpeg => "ảnh JPEG",
        }
    }

    /// The kind of a stored content type (for showing it).
    pub fn of_content_type(content_type: &str) -> Option<Kind> {
        [Kind::Pdf, Kind::Docx, Kind::Xlsx, Kind::Png, Kind::Jpeg]
            .into_iter()
            .find(|k| k.content_type() == content_type)
    }
}

/// The kind of a file, read from its bytes; `None` for anything not accepted.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"PK\x03\x04") {
        office_kind(bytes)
    } else {
        None
    }
}

/// A zip is a DOCX or an XLSX when its directory names the part that makes it one (and
/// the content types part every Office file has). Only the directory is read: nothing is
/// decompressed, so a zip bomb costs nothing here.
fn office_kind(bytes: &[u8]) -> Option<Kind> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let has = |name: &str| archive.file_names_raw().any(|n| n == name.as_bytes());
    if !has("[Content_Types].xml") {
        return None;
    }
    if has("word/document.xml") {
        Some(Kind::Docx)
    } else if has("xl/workbook.xml") {
        Some(Kind::Xlsx)
    } else {
        None
    }
}

fn unsupported(message: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        code: "unsupported_document",
        message: message.into(),
        details: Map::new(),
    }
}

/// A file name as it is stored and offered: the last path segment, NFC, without control,
/// invisible or reserved characters (`"*/:<>?\|`), single spaces, at most
/// [`MAX_NAME_CHARS`] characters, ending with an extension of `kind` (added when it has
/// none). A name whose extension says another kind is refused.
pub fn clean_filename(raw: Option<&str>, kind: Kind) -> Result<String> {
    let raw = raw.unwrap_or_default();
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let replaced: String = last
        .nfc()
        .filter(|c| !text::is_format_char(*c))
        .map(|c| {
            if c.is_whitespace() {
                ' '
            } else if matches!(c, '"' | '*' | ':' | '<' | '>' | '?' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = text::clean(&replaced);
    let cleaned = cleaned.trim_matches(|c: char| c == '.' || c == ' ');
    let extension = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => Some(ext.to_lowercase()),
        _ => None,
    };
    let extension = match extension {
        Some(ext) if kind.extensions().contains(&ext.as_str()) => ext,
        Some(ext)
            if ext.chars().count() <= 5
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext.chars().any(|c| c.is_ascii_alphabetic()) =>
        {
            return Err(unsupported(format!(
                "Tên tệp có đuôi .{ext} nhưng nội dung tệp là {}: hãy đặt lại tên tệp cho đúng loại.",
                kind.name()
            )));
        }
        // A dot inside the name ("Kế hoạch số 12.2024"): the whole of it is the stem.
        _ => kind.extensions()[0].to_owned(),
    };
    let stem = match extension_of(cleaned, &extension) {
        Some(stem) => stem,
        None => cleaned,
    };
    let stem = stem.trim_end_matches(['.', ' ']);
    let stem = if stem.is_empty() { "tai-lieu" } else { stem };
    let room = MAX_NAME_CHARS.saturating_sub(extension.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    Ok(format!("{}.{extension}", stem.trim_end()))
}

/// `name` without its extension `ext` (any case), if it ends with it.
fn extension_of<'a>(name: &'a str, ext: &str) -> Option<&'a str> {
    let (stem, found) = name.rsplit_once('.')?;
    found.eq_ignore_ascii_case(ext).then_some(stem)
}

/// Checks an uploaded document: not empty, not over [`MAX_BYTES`] (413), of an accepted
/// kind by its bytes and by its name (422 `unsupported_document`). Returns the cleaned
/// name and the kind.
pub fn check(filename: Option<&str>, bytes: &[u8]) -> Result<(String, Kind)> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    if bytes.is_empty() {
        return Err(unsupported("Tệp tài liệu rỗng."));
    }
    let kind = sniff(bytes).ok_or_else(|| {
        unsupported(
            "Chỉ nhận tài liệu PDF, Word (.docx), Excel (.xlsx), ảnh PNG hoặc JPEG; \
             nội dung tệp này không thuộc loại nào trong số đó.",
        )
    })?;
    Ok((clean_filename(filename, kind)?, kind))
}

/// The characters a `filename*` value may carry unencoded (RFC 8187 `attr-char`).
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `name` in plain ASCII for old clients: Vietnamese letters without their marks
/// ("Kế hoạch" → "Ke hoach", "đ" → "d"), anything else outside printable ASCII, and the
/// quote and backslash, as `_`.
pub fn ascii_fallback(name: &str) -> String {
    name.nfd()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect()
}

/// The `Content-Disposition` of a download: always an attachment (a document is never
/// shown inline by this site), with an ASCII name and the exact UTF-8 one.
pub fn content_disposition(name: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(name),
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

/// A document as lists show it (without its bytes).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentInfo {
    pub id: i64,
    pub contest_id: i64,
    /// The cleaned file name, as the download offers it.
    pub filename: String,
    /// Detected from the bytes.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Lowercase hex SHA-256 of the bytes (also the download's ETag).
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    /// The download: `/contests/{id}/documents/{doc_id}`.
    pub url: String,
}

/// The columns of a document but its bytes.
#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    contest_id: i64,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    created_at: DateTime<Utc>,
}

impl From<Row> for DocumentInfo {
    fn from(r: Row) -> DocumentInfo {
        DocumentInfo {
            url: download_url(r.contest_id, r.id),
            id: r.id,
            contest_id: r.contest_id,
            filename: r.filename,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            created_at: r.created_at,
        }
    }
}

/// Where a document is downloaded.
pub fn download_url(contest_id: i64, document_id: i64) -> String {
    format!("/contests/{contest_id}/documents/{document_id}")
}

/// The audit record of a document (no bytes).
fn audited(d: &DocumentInfo) -> serde_json::Value {
    json!({
        "id": d.id,
        "filename": d.filename,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
    })
}

/// Attaches a document to a contest, audited, in one transaction: 404 for an unknown
/// contest, 413 / 422 as [`check`] says, 409 `too_many_documents` past
/// [`MAX_PER_CONTEST`].
pub async fn add(
    db: &DatabaseConnection,
    contest_id: i64,
    filename: Option<&str>,
    bytes: Vec<u8>,
    actor: Option<i64>,
) -> Result<DocumentInfo> {
    super::load_contest(db, contest_id).await?;
    let (filename, kind) = check(filename, &bytes)?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let txn = db.begin().await?;
    let count = contest_document::Entity::find()
        .filter(Column::ContestId.eq(contest_id))
        .count(&txn)
        .await?;
    if count >= MAX_PER_CONTEST {
        return Err(AppError::conflict(
            "too_many_documents",
            format!("Mỗi cuộc thi có tối đa {MAX_PER_CONTEST} tài liệu; hãy xóa bớt tài liệu cũ."),
        ));
    }
    let row = contest_document::ActiveModel {
        contest_id: Set(contest_id),
        filename: Set(filename),
        content_type: Set(kind.content_type().to_owned()),
        size: Set(size),
        sha256: Set(sha256),
        data: Set(bytes),
        created_at: Set(Utc::now()),
        created_by: Set(actor),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let info = DocumentInfo::from(Row {
        id: row.id,
        contest_id,
        filename: row.filename,
        content_type: row.content_type,
        size: row.size,
        sha256: row.sha256,
        created_at: row.created_at,
    });
    crate::audit::record(
        &txn,
        actor,
        "contest.document_add",
        Some(("contest", contest_id)),
        json!({"before": null, "after": audited(&info)}),
    )
    .await?;
    txn.commit().await?;
    Ok(info)
}

/// A contest's documents, oldest first, without their bytes.
pub async fn list<C: ConnectionTrait>(db: &C, contest_id: i64) -> Result<Vec<DocumentInfo>> {
    let rows = contest_document::Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::ContestId,
            Column::Filename,
            Column::ContentType,
            Column::Size,
            Column::Sha256,
            Column::CreatedAt,
        ])
        .filter(Column::ContestId.eq(contest_id))
        .order_by_asc(Column::Id)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(DocumentInfo::from).collect())
}

/// One document of a contest with its bytes; 404 when it is not that contest's.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    contest_id: i64,
    document_id: i64,
) -> Result<contest_document::Model> {
    contest_document::Entity::find_by_id(document_id)
        .filter(Column::ContestId.eq(contest_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Removes a document from a contest, audited with what it was.
pub async fn remove(
    db: &DatabaseConnection,
    contest_id: i64,
    document_id: i64,
    actor: Option<i64>,
) -> Result<()> {
    let txn = db.begin().await?;
    let before = list(&txn, contest_id)
        .await?
        .into_iter()
        .find(|d| d.id == document_id)
        .ok_or(AppError::NotFound)?;
    contest_document::Entity::delete_by_id(document_id)
        .exec(&txn)
        .await?;
    crate::audit::record(
        &txn,
        actor,
        "contest.document_delete",
        Some(("contest", contest_id)),
        json!({"before": audited(&before), "after": null}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            for name in names {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(b"<x/>").unwrap();
            }
            zip.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn kinds_are_read_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(Kind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(Kind::Jpeg));
        let docx = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(sniff(&docx), Some(Kind::Docx));
        let xlsx = zip_with(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(sniff(&xlsx), Some(Kind::Xlsx));
    }

    #[test]
    fn other_files_are_refused_whatever_their_name() {
        let plain_zip = zip_with(&["a.txt"]);
        let odt_like = zip_with(&["[Content_Types].xml", "content.xml"]);
        for (bytes, name) in [
            (&b"MZ\x90\x00\x03\x00\x00\x00"[..], "ke-hoach.pdf"),
            (b"<!DOCTYPE html><script>alert(1)</script>", "the-le.pdf"),
            (b"<html><body>x</body></html>", "the-le.docx"),
            (b" %PDF-1.7", "dau-cach.pdf"),
            (b"PK\x03\x04 not a zip at all", "hong.xlsx"),
            (&plain_zip, "nen.docx"),
            (&odt_like, "van-ban.docx"),
            (b"GIF89a....", "anh.gif"),
        ] {
            let err = check(Some(name), bytes).unwrap_err();
            assert_eq!(err.code(), "unsupported_document", "{name}");
        }
        assert_eq!(
            check(Some("x.pdf"), b"").unwrap_err().code(),
            "unsupported_document"
        );
    }

    #[test]
    fn a_name_promising_another_kind_is_refused() {
        let err = check(Some("ke-hoach.exe"), b"%PDF-1.4").unwrap_err();
        assert_eq!(err.code(), "unsupported_document");
        assert!(err.message().contains(".exe"), "{}", err.message());
        let err = check(Some("the-le.docx"), b"%PDF-1.4").unwrap_err();
        assert_eq!(err.code(), "unsupported_document");
    }

    #[test]
    fn too_large_is_413() {
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert_eq!(
            check(Some("a.pdf"), &big).unwrap_err().code(),
            "payload_too_large"
        );
        big.truncate(MAX_BYTES);
        assert!(check(Some("a.pdf"), &big).is_ok());
    }

    #[test]
    fn file_names_are_cleaned() {
        let name = |raw: Option<&str>, kind| clean_filename(raw, kind).unwrap();
        let nfd: String = "Kế hoạch 857.PDF".nfd().collect();
        assert_eq!(name(Some(&nfd), Kind::Pdf), "Kế hoạch 857.pdf");
        assert_eq!(
            name(Some("C:\\Users\\btc\\Thể lệ.pdf"), Kind::Pdf),
            "Thể lệ.pdf"
        );
        assert_eq!(name(Some("../../etc/passwd.pdf"), Kind::Pdf), "passwd.pdf");
        assert_eq!(
            name(Some("a\"b<c>*?|:d\u{202E}.pdf"), Kind::Pdf),
            "a_b_c_____d.pdf"
        );
        assert_eq!(
            name(Some("  tai   lieu \n.docx"), Kind::Docx),
            "tai lieu.docx"
        );
        assert_eq!(name(None, Kind::Xlsx), "tai-lieu.xlsx");
        assert_eq!(name(Some("...pdf"), Kind::Pdf), "pdf.pdf");
        assert_eq!(name(Some(" . "), Kind::Pdf), "tai-lieu.pdf");
        assert_eq!(name(Some("anh.JPEG"), Kind::Jpeg), "anh.jpeg");
        assert_eq!(
            name(Some("Quyết định số 12.2024"), Kind::Pdf),
            "Quyết định số 12.2024.pdf"
        );
        let long = "ạ".repeat(500) + ".pdf";
        let cut = name(Some(&long), Kind::Pdf);
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with("ạ.pdf"));
    }

    #[test]
    fn downloads_name_the_file_in_ascii_and_in_utf8() {
        assert_eq!(
            content_disposition("Kế hoạch đợt 1.pdf"),
            "attachment; filename=\"Ke hoach dot 1.pdf\"; \
             filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20%C4%91%E1%BB%A3t%201.pdf"
        );
        assert_eq!(ascii_fallback("Đề \u{4e2d}.pdf"), "De _.pdf");
    }
}
