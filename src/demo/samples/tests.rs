use std::collections::BTreeSet;

use super::*;
use crate::banks::bundle::parse_bundle;
use crate::banks::{Bank, Difficulty, Kind, Question, parse};

const REGENERATE: &str = "run `cargo run -- bank samples` and commit question-banks/mau/";

#[test]
fn the_samples_in_question_banks_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLES_DIR);
    let samples = samples().unwrap();
    for (name, bytes) in &samples {
        let shipped = std::fs::read(dir.join(name))
            .unwrap_or_else(|e| panic!("{SAMPLES_DIR}/{name} is missing ({e}): {REGENERATE}"));
        assert!(
            shipped == *bytes,
            "{SAMPLES_DIR}/{name} is not what the TOML gives: {REGENERATE}"
        );
    }
    // Nothing else: a sample renamed or dropped does not linger.
    let shipped: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "README.md")
        .collect();
    let made: BTreeSet<String> = samples.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(shipped, made, "{REGENERATE}");
}

/// The same generation twice gives the same bytes (no clock, no hash-map order).
#[test]
fn the_samples_are_reproducible() {
    assert!(samples().unwrap() == samples().unwrap());
}

fn sample(name: &str) -> Vec<u8> {
    samples()
        .unwrap()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| b)
        .unwrap()
}

fn meta(code: &str) -> BankMeta {
    BankMeta {
        code: Some(code.to_owned()),
        title: None,
    }
}

fn imported(format: Format, name: &str, code: &str) -> Bank {
    let parsed = parse(format, &sample(name), &meta(code))
        .unwrap_or_else(|p| panic!("{name} does not import: {:?}", p.rendered()));
    assert!(parsed.skipped.is_empty(), "{name}: {:?}", parsed.skipped);
    assert!(parsed.warnings.is_empty(), "{name}: {:?}", parsed.warnings);
    parsed.bank
}

/// Asserts that every question reads back as `expected` after `lossy` (what the format has
/// no place for) is applied to both.
fn assert_same(name: &str, got: &Bank, expected: &Bank, lossy: impl Fn(&mut Question)) {
    assert_eq!(got.questions.len(), expected.questions.len(), "{name}");
    for (g, e) in got.questions.iter().zip(&expected.questions) {
        let (mut g, mut e) = (g.clone(), e.clone());
        lossy(&mut g);
        lossy(&mut e);
        assert!(
            g.same_content(&e),
            "{name}, question {:?}:\n{g:#?}\n{e:#?}",
            e.key
        );
    }
}

fn contest_bank() -> Bank {
    bank_of(SAMPLE_BANK_TOML, HashMap::new()).unwrap()
}

#[test]
fn the_gift_csv_and_xlsx_samples_import_as_the_toml_reads() {
    let bank = contest_bank();
    assert!(
        bank.questions.len() >= 60,
        "the contest bank is the whole sample"
    );
    let gift = imported(Format::Gift, "tthc-dien-tu-vinh-long.gift", SAMPLE_CODE);
    assert_same("gift", &gift, &bank, |_| {});
    // The spreadsheets have no place for per-option feedback and Moodle weights.
    let spreadsheet = |q: &mut Question| {
        for c in &mut q.choices {
            c.feedback = None;
            c.weight = None;
        }
    };
    let csv = imported(Format::Csv, "tthc-dien-tu-vinh-long.csv", SAMPLE_CODE);
    assert_same("csv", &csv, &bank, spreadsheet);
    let xlsx = imported(Format::Xlsx, "tthc-dien-tu-vinh-long.xlsx", SAMPLE_CODE);
    assert_same("xlsx", &xlsx, &bank, spreadsheet);
}

#[test]
fn the_moodle_xml_samples_import_as_the_toml_reads_but_difficulty_and_source() {
    // Moodle XML has no place for a difficulty or a source.
    let moodle = |q: &mut Question| {
        q.difficulty = Difficulty::Medium;
        q.source = None;
    };
    let xml = imported(Format::MoodleXml, "tthc-dien-tu-vinh-long.xml", SAMPLE_CODE);
    assert_same("xml", &xml, &contest_bank(), moodle);

    let practice = bank_of(PRACTICE_BANK_TOML, sample_files()).unwrap();
    assert!(
        practice.questions.iter().any(|q| !q.images.is_empty()),
        "the practice bank shows pictures"
    );
    let xml = imported(
        Format::MoodleXml,
        "tthc-dien-tu-vinh-long-thi-thu.xml",
        PRACTICE_CODE,
    );
    assert_same("practice xml", &xml, &practice, moodle);
}

#[test]
fn the_bundles_import_the_practice_bank_with_its_pictures() {
    let practice = bank_of(PRACTICE_BANK_TOML, sample_files()).unwrap();
    for (name, lossy) in [
        ("tthc-dien-tu-vinh-long-thi-thu-kem-anh.zip", false),
        ("tthc-dien-tu-vinh-long-thi-thu-excel-kem-anh.zip", true),
    ] {
        let parsed = parse_bundle(&sample(name), None, &meta(PRACTICE_CODE))
            .unwrap_or_else(|p| panic!("{name} does not import: {:?}", p.rendered()));
        assert_same(name, &parsed.bank, &practice, |q| {
            if lossy {
                for c in &mut q.choices {
                    c.feedback = None;
                    c.weight = None;
                }
            }
        });
        assert_eq!(
            parsed.media.len(),
            sample_files().len(),
            "{name}: every picture is read"
        );
    }
}

#[test]
fn the_aiken_sample_holds_every_single_answer_question() {
    let bank = contest_bank();
    let aiken = imported(
        Format::Aiken,
        "tthc-dien-tu-vinh-long.aiken.txt",
        SAMPLE_CODE,
    );
    let singles: Vec<&Question> = bank
        .questions
        .iter()
        .filter(|q| q.kind == Kind::Single)
        .collect();
    assert!(!singles.is_empty());
    assert_eq!(aiken.questions.len(), singles.len());
    for (a, s) in aiken.questions.iter().zip(singles) {
        assert_eq!(a.text, s.text);
        let options = |q: &Question| {
            q.choices
                .iter()
                .map(|c| (c.text.clone(), c.correct))
                .collect::<Vec<_>>()
        };
        assert_eq!(options(a), options(s));
    }
}

#[test]
fn csv_and_xlsx_round_trip_every_kind_of_question() {
    let bank = crate::banks::synthetic_bank(60);
    let meta = BankMeta {
        code: Some(bank.code.clone()),
        title: Some(bank.title.clone()),
    };
    for (format, bytes) in [
        (Format::Csv, crate::banks::to_csv(&bank).unwrap()),
        (Format::Xlsx, crate::banks::to_xlsx(&bank).unwrap()),
    ] {
        let back = parse(format, &bytes, &meta).unwrap().bank;
        assert_same(&format!("{format:?}"), &back, &bank, |q| {
            for c in &mut q.choices {
                c.feedback = None;
                c.weight = None;
            }
        });
    }
}
