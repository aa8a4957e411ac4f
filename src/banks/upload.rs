//! The upload boundary of bank files, shared by the JSON API and the organisers' console:
//! which format an upload is in, and parsing it off the async threads with its problems
//! turned into the one [`AppError`] (422 `invalid_bank`). The pure parser is [`super::parse`].

use super::{BankMeta, Format, Parsed};
use crate::error::{AppError, Result};

/// The format named, else the one the file name implies.
pub fn detect_format(named: Option<&str>, file_name: Option<&str>) -> Result<Format> {
    match (named.filter(|f| !f.is_empty()), file_name) {
        (Some(f), _) => Format::from_name(f),
        (None, Some(name)) => Format::from_file_name(name),
        (None, None) => None,
    }
    .ok_or_else(|| {
        AppError::bad_request(
            "unknown_format",
            "Định dạng tệp không được hỗ trợ; dùng format=toml, gift, aiken, csv, xlsx, moodlexml hoặc zip (gói kèm ảnh).",
        )
    })
}

/// Parses and validates off the async threads (a large bank takes a while); problems
/// become a 422 `invalid_bank` listing each line.
pub async fn parse(format: Format, bytes: Vec<u8>, meta: BankMeta) -> Result<Parsed> {
    let parsed = tokio::task::spawn_blocking(move || super::parse(format, &bytes, &meta))
        .await
        .map_err(anyhow::Error::from)?;
    finish(parsed)
}

fn finish(parsed: std::result::Result<Parsed, super::Problems>) -> Result<Parsed> {
    parsed.map_err(|problems| AppError::InvalidFile {
        code: "invalid_bank",
        message: match problems.limit() {
            Some(_) => "Tệp vượt quá giới hạn tải lên; chưa có câu hỏi nào được lưu.".to_owned(),
            None => format!(
                "Ngân hàng câu hỏi có {} lỗi; chưa có câu hỏi nào được lưu.",
                crate::limits::number(problems.total() as u64)
            ),
        },
        problems,
    })
}

/// Parses an upload, a single bank file or a ZIP bundle of a bank file and its pictures
/// ([`super::bundle`]), off the async threads; problems become a 422 `invalid_bank`.
pub async fn parse_upload(
    named: Option<&str>,
    file_name: Option<&str>,
    bytes: Vec<u8>,
    meta: BankMeta,
) -> Result<Parsed> {
    let named_format = named.filter(|f| !f.is_empty() && !f.eq_ignore_ascii_case("zip"));
    let format = match named_format {
        Some(_) => Some(detect_format(named_format, None)?),
        None => None,
    };
    if super::bundle::is_bundle(file_name, format, &bytes)
        || named.is_some_and(|f| f.eq_ignore_ascii_case("zip"))
    {
        return finish(
            tokio::task::spawn_blocking(move || super::bundle::parse_bundle(&bytes, format, &meta))
                .await
                .map_err(anyhow::Error::from)?,
        );
    }
    let format = detect_format(named, file_name)?;
    parse(format, bytes, meta).await
}
