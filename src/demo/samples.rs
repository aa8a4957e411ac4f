//! The sample banks in every format cuocthi reads (issue #19, point 10), for a newcomer to
//! try on the upload page: written from the TOML sources in `question-banks/` by
//! `cuocthi bank samples` into `question-banks/mau/`, and checked to be current by a test,
//! so that they never drift from the TOML.
//!
//! * the contest's bank (`tthc-dien-tu-vinh-long.toml`) as GIFT, Aiken (its single-answer
//!   questions: Aiken has no other kind), CSV, XLSX and Moodle XML;
//! * the practice bank with its pictures (`tthc-dien-tu-vinh-long-thi-thu.toml`) as ZIP
//!   bundles of its pictures and a GIFT file (`[img …]` markers) or an XLSX workbook (the
//!   `Ảnh` column), and as Moodle XML with the pictures embedded, as Moodle exports them.

use std::collections::HashMap;

use anyhow::{Context, anyhow};

use super::{PRACTICE_BANK_TOML, SAMPLE_BANK_TOML, sample_files};
use crate::banks::{self, Bank, BankMeta, Format, media, parse_with_files};

/// Where the samples live, relative to the repository.
pub const SAMPLES_DIR: &str = "question-banks/mau";

/// The contest bank's code, as its samples are imported.
pub const SAMPLE_CODE: &str = "tthc-dien-tu-vinh-long";
/// The practice bank's code.
pub const PRACTICE_CODE: &str = "tthc-dien-tu-vinh-long-thi-thu";

/// A sample's file name, and its bytes.
pub type Sample = (&'static str, Vec<u8>);

fn bank_of(toml: &str, files: HashMap<String, Vec<u8>>) -> anyhow::Result<Bank> {
    let parsed = parse_with_files(Format::Toml, toml.as_bytes(), &BankMeta::default(), files)
        .map_err(|p| anyhow!("a sample TOML bank does not parse: {:?}", p.rendered()))?;
    Ok(parsed.bank)
}

/// Every sample, by file name under [`SAMPLES_DIR`].
pub fn samples() -> anyhow::Result<Vec<Sample>> {
    let bank = bank_of(SAMPLE_BANK_TOML, HashMap::new())?;
    let (aiken, _) = banks::to_aiken(&bank);
    let mut out: Vec<Sample> = vec![
        (
            "tthc-dien-tu-vinh-long.gift",
            banks::to_gift(&bank).into_bytes(),
        ),
        ("tthc-dien-tu-vinh-long.aiken.txt", aiken.into_bytes()),
        ("tthc-dien-tu-vinh-long.csv", banks::to_csv(&bank)?),
        ("tthc-dien-tu-vinh-long.xlsx", banks::to_xlsx(&bank)?),
        (
            "tthc-dien-tu-vinh-long.xml",
            banks::to_moodle_xml(&bank).into_bytes(),
        ),
    ];

    // The practice bank's pictures by their stored name (the content hash of the cleaned
    // picture) with the files as drawn (smaller than the cleaned ones, and cleaned to the
    // same picture again on import), and the names the TOML gives them.
    let mut stored: HashMap<String, Vec<u8>> = HashMap::new();
    let mut source_name: HashMap<String, String> = HashMap::new();
    for (name, bytes) in sample_files() {
        let m = media::process(&name, &bytes).map_err(|e| anyhow!("{name}: {e}"))?;
        source_name.insert(m.name.clone(), name);
        stored.insert(m.name, bytes);
    }
    let practice = bank_of(PRACTICE_BANK_TOML, sample_files())?;
    out.push((
        "tthc-dien-tu-vinh-long-thi-thu.xml",
        banks::to_moodle_xml_with(&practice, &stored).into_bytes(),
    ));
    let mut named = practice;
    for q in &mut named.questions {
        let images = q
            .images
            .iter_mut()
            .chain(q.choices.iter_mut().flat_map(|c| c.images.iter_mut()));
        for i in images {
            i.file = source_name
                .get(&i.file)
                .cloned()
                .context("a picture without its file")?;
        }
    }
    let gift = banks::to_gift(&named).into_bytes();
    out.push((
        "tthc-dien-tu-vinh-long-thi-thu-kem-anh.zip",
        bundle("tthc-dien-tu-vinh-long-thi-thu.gift", &gift)?,
    ));
    out.push((
        "tthc-dien-tu-vinh-long-thi-thu-excel-kem-anh.zip",
        bundle(
            "tthc-dien-tu-vinh-long-thi-thu.xlsx",
            &banks::to_xlsx(&named)?,
        )?,
    ));
    Ok(out)
}

fn bundle(bank_name: &str, bank_file: &[u8]) -> anyhow::Result<Vec<u8>> {
    banks::bundle::write_bundle(bank_name, bank_file, sample_files())
}

/// Writes every sample into `dir`; returns the paths written.
pub fn write_samples(dir: &std::path::Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    samples()?
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests;
