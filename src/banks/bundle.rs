//! ZIP bundles: one bank file (TOML, GIFT, Aiken, CSV, XLSX or Moodle XML) and the picture
//! files its questions name, by their path relative to the bank file (issue #19).
//!
//! The archive is untrusted: entries are counted, and every entry is measured by really
//! decompressing it (never by the sizes the archive declares), each within its own cap
//! and all together within [`MAX_BUNDLE_TOTAL_BYTES`], so a zip bomb stops at the cap.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::panic::AssertUnwindSafe;

use super::media::MAX_IMAGE_BYTES;
use super::{BankMeta, Format, LineProblem, Parsed, Problems, parse_with_files};
use crate::limits::{self, excerpt};

/// Entries of a bundle (folders included).
pub const MAX_BUNDLE_ENTRIES: usize = 2_000;
/// Uncompressed bytes of every entry of a bundle together.
pub const MAX_BUNDLE_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Uncompressed bytes of the bank file of a bundle.
pub const MAX_BUNDLE_BANK_BYTES: u64 = 16 * 1024 * 1024;

/// Whether an upload is a bundle: a `.zip` name, or ZIP bytes under a name that is not a
/// workbook's (an XLSX is a zip too).
pub fn is_bundle(file_name: Option<&str>, named: Option<Format>, bytes: &[u8]) -> bool {
    let name = file_name.unwrap_or_default().trim().to_lowercase();
    name.ends_with(".zip")
        || (bytes.starts_with(b"PK\x03\x04")
            && named != Some(Format::Xlsx)
            && !name.ends_with(".xlsx"))
}

fn one(message: impl Into<String>) -> Problems {
    Problems::from(LineProblem {
        line: 0,
        message: message.into(),
    })
}

/// Parses a bundle; `named` is the bank file's format when the form named one (else its
/// extension decides).
pub fn parse_bundle(
    bytes: &[u8],
    named: Option<Format>,
    meta: &BankMeta,
) -> Result<Parsed, Problems> {
    // zip is third-party code fed with an untrusted archive: a panic must not escape.
    std::panic::catch_unwind(AssertUnwindSafe(|| read(bytes, named, meta)))
        .unwrap_or_else(|_| Err(unreadable()))
}

fn unreadable() -> Problems {
    one("Không đọc được tệp ZIP: tệp bị hỏng hoặc không phải tệp nén .zip.")
}

fn read(bytes: &[u8], named: Option<Format>, meta: &BankMeta) -> Result<Parsed, Problems> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > MAX_BUNDLE_ENTRIES {
        return Err(Problems::over_limit(
            "bundle_entries",
            0,
            format!(
                "Tệp ZIP có {} mục; tối đa {}.",
                limits::number(zip.len() as u64),
                limits::number(MAX_BUNDLE_ENTRIES as u64)
            ),
        ));
    }
    let mut bank: Option<(String, Format, Vec<u8>)> = None;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| unreadable())?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_err(|_| unreadable())?.replace('\\', "/");
        let base = name.rsplit('/').next().unwrap_or_default();
        if name.starts_with("__MACOSX/") || base.starts_with('.') {
            continue;
        }
        let format = named
            .filter(|_| bank.is_none() && !is_picture_name(base))
            .or_else(|| Format::from_file_name(base).filter(|_| !is_picture_name(base)));
        let cap = if format.is_some() {
            MAX_BUNDLE_BANK_BYTES
        } else {
            // One byte past the limit is enough to say the picture is too large.
            MAX_IMAGE_BYTES as u64 + 1
        };
        let mut data = Vec::new();
        (&mut entry)
            .take(cap + 1)
            .read_to_end(&mut data)
            .map_err(|_| unreadable())?;
        total += data.len() as u64;
        if total > MAX_BUNDLE_TOTAL_BYTES {
            return Err(Problems::over_limit(
                "bundle_bytes",
                0,
                format!(
                    "Tệp ZIP khi giải nén lớn hơn {} MB; hãy chia thành nhiều gói.",
                    MAX_BUNDLE_TOTAL_BYTES / (1024 * 1024)
                ),
            ));
        }
        match format {
            Some(_) if data.len() as u64 > MAX_BUNDLE_BANK_BYTES => {
                return Err(Problems::over_limit(
                    "bundle_bank_bytes",
                    0,
                    format!(
                        "Tệp “{}” trong gói ZIP lớn hơn {} MB khi giải nén.",
                        excerpt(&name),
                        MAX_BUNDLE_BANK_BYTES / (1024 * 1024)
                    ),
                ));
            }
            Some(f) => {
                if let Some((first, _, _)) = &bank {
                    return Err(one(format!(
                        "Tệp ZIP có nhiều hơn một tệp ngân hàng câu hỏi (“{}” và “{}”); mỗi gói \
                         chỉ có một.",
                        excerpt(first),
                        excerpt(&name)
                    )));
                }
                bank = Some((name, f, data));
            }
            None => files.push((name, data)),
        }
    }
    let Some((path, format, data)) = bank else {
        return Err(one(
            "Tệp ZIP không có tệp ngân hàng câu hỏi (.toml, .gift, .txt, .aiken, .csv, .xlsx \
             hoặc .xml).",
        ));
    };
    // Pictures are named relative to the bank file's folder.
    let folder = path.rsplit_once('/').map(|(dir, _)| format!("{dir}/"));
    let files: HashMap<String, Vec<u8>> = files
        .into_iter()
        .map(|(name, data)| {
            let key = match &folder {
                Some(dir) => name.strip_prefix(dir.as_str()).unwrap_or(&name).to_owned(),
                None => name,
            };
            (key, data)
        })
        .collect();
    parse_with_files(format, &data, meta, files)
}

/// Whether a file name is a picture's (never read as the bank file).
/// Writes a bundle: the bank file, then the pictures by name (stored as they are: the
/// formats are compressed already), entries in name order and with a fixed time, so that
/// the same bank always gives the same bytes.
pub fn write_bundle(
    bank_name: &str,
    bank_file: &[u8],
    pictures: impl IntoIterator<Item = (String, Vec<u8>)>,
) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(bank_name, options)?;
    zip.write_all(bank_file)?;
    let mut pictures: Vec<(String, Vec<u8>)> = pictures.into_iter().collect();
    pictures.sort();
    for (name, bytes) in pictures {
        zip.start_file(
            name,
            options.compression_method(zip::CompressionMethod::Stored),
        )?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn is_picture_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    [".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}
