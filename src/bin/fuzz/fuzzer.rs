//! A time-boxed fuzzer for the bank parsers: [`parse`](cuocthi::banks::parse)
//! promises never to panic, whatever the bytes, since organisers upload files from
//! anywhere. cargo-fuzz needs a nightly compiler, so this is a plain mutation fuzzer on
//! stable: it starts from a sample bank written in each format and mutates it — bytes,
//! format tokens, splices of other inputs, and (for XLSX) the cells of a spreadsheet that
//! is then written out for real — with some purely random inputs mixed in.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use cuocthi::banks::{self, Bank, BankMeta, Format, Kind};

/// The sample bank every format's seed is written from.
const SAMPLE: &str = include_str!("../../../question-banks/tthc-dien-tu-vinh-long.toml");

/// Pieces of syntax worth inserting, per format.
fn tokens(format: Format) -> &'static [&'static str] {
    match format {
        Format::Toml => &[
            "[[question]]",
            "[bank]",
            "=",
            "\"",
            "\"\"\"",
            "'''",
            "[",
            "]",
            "{",
            "}",
            ",",
            "choices",
            "correct",
            "kind",
            "difficulty",
            "topic",
            "id",
            "true",
            "false",
            "#",
            "\\u0000",
            "\\",
            "1e999",
            "-0",
            "9223372036854775808",
        ],
        Format::Gift => &[
            "{",
            "}",
            "~",
            "=",
            "#",
            "####",
            "::",
            "//",
            "$CATEGORY:",
            "\\",
            "->",
            "%50%",
            "%-100%",
            "TRUE",
            "FALSE",
            "T",
            "F",
            "[html]",
            "[markdown]",
            "{#",
            ":",
            "..",
        ],
        Format::Aiken => &[
            "ANSWER:",
            "ANSWER: A",
            "ANSWER: A, C",
            "A.",
            "B)",
            "F.",
            "Z.",
            "\n\n",
            ":",
            ",",
        ],
        Format::MoodleXml => &[
            "<question type=\"multichoice\">",
            "</question>",
            "<answer fraction=\"50\">",
            "</answer>",
            "<text>",
            "</text>",
            "<![CDATA[",
            "]]>",
            "&amp;",
            "&nbsp;",
            "&#x1F600;",
            "<!DOCTYPE x [<!ENTITY a \"b\">]>",
            "<single>false</single>",
            "<",
            ">",
        ],
        Format::Csv | Format::Xlsx => &[
            ",",
            "\"",
            "\"\"",
            ";",
            "\n",
            "\r\n",
            "A",
            "A,C",
            "Đúng",
            "Sai",
            "true_false",
            "multiple",
            "dễ",
            "khó",
            "câu hỏi",
            "đáp án",
            "=1+1",
            "#REF!",
        ],
    }
}

/// Characters that often break text handling.
const ODD: &[&str] = &[
    "\u{0}", "\r", "\t", "\u{feff}", "\u{300}", "\u{323}", "\u{302}", "ế", "ệ", "Đ", "😀",
    "\u{202e}", "\u{fffd}", " ", "\u{a0}",
];

/// What one run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Inputs parsed.
    pub inputs: u64,
    /// Inputs the parser accepted as a valid bank.
    pub accepted: u64,
    /// Panics inside the XLSX reader that the parser caught, as it is meant to.
    pub contained_panics: u64,
    /// The slowest input and how long it took.
    pub slowest: Duration,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// A panic that escaped a parser: the input that caused it and the message.
#[derive(Debug)]
pub struct Crash {
    /// The input.
    pub input: Vec<u8>,
    /// The panic message.
    pub message: String,
}

/// Panics seen by the hook, caught or not.
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Counts panics instead of printing each one (the XLSX reader catches its own, by
/// design); [`Report::contained_panics`] stays 0 without it. For the command line only:
/// the hook is global to the process.
pub fn count_panics() {
    std::panic::set_hook(Box::new(|_| {
        PANICS.fetch_add(1, Ordering::Relaxed);
    }));
}

/// The seeds of a format: the sample bank written in it.
pub fn seeds(format: Format) -> Vec<Vec<u8>> {
    let meta = BankMeta::new("mau", "Mẫu");
    let bank = match banks::parse(Format::Toml, SAMPLE.as_bytes(), &meta) {
        Ok(parsed) => parsed.bank,
        Err(_) => banks::synthetic_bank(20),
    };
    match format {
        Format::Toml => vec![
            SAMPLE.as_bytes().to_vec(),
            banks::to_toml(&bank).into_bytes(),
        ],
        Format::Gift => vec![banks::to_gift(&bank).into_bytes()],
        Format::Aiken => vec![to_aiken(&bank).into_bytes()],
        Format::Csv => vec![to_csv(&rows(&bank))],
        Format::Xlsx => vec![to_xlsx(&rows(&bank))],
        Format::MoodleXml => vec![banks::to_moodle_xml(&bank).into_bytes()],
    }
}

/// The bank in Aiken (single and multiple choice only).
fn to_aiken(bank: &Bank) -> String {
    let mut out = String::new();
    for q in bank.questions.iter().filter(|q| q.kind != Kind::TrueFalse) {
        out.push_str(&q.text.replace('\n', " "));
        out.push('\n');
        let mut right = Vec::new();
        for (i, c) in q.choices.iter().enumerate().take(26) {
            let letter = char::from(b'A' + i as u8);
            out.push_str(&format!("{letter}. {}\n", c.text.replace('\n', " ")));
            if c.correct {
                right.push(letter.to_string());
            }
        }
        out.push_str(&format!("ANSWER: {}\n\n", right.join(", ")));
    }
    out
}

/// The bank as CSV/XLSX rows, header first.
fn rows(bank: &Bank) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "chủ đề",
            "độ khó",
            "loại",
            "câu hỏi",
            "A",
            "B",
            "C",
            "D",
            "E",
            "F",
            "đáp án",
            "giải thích",
            "nguồn",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for q in &bank.questions {
        let mut row = vec![
            q.topic.clone(),
            format!("{:?}", q.difficulty).to_lowercase(),
            q.kind.as_str().to_owned(),
            q.text.clone(),
        ];
        let mut right = Vec::new();
        for i in 0..6 {
            let choice = q.choices.get(i);
            if q.kind == Kind::TrueFalse {
                row.push(String::new());
            } else {
                row.push(choice.map(|c| c.text.clone()).unwrap_or_default());
            }
            if choice.is_some_and(|c| c.correct) {
                right.push(char::from(b'A' + i as u8).to_string());
            }
        }
        row.push(match q.kind {
            Kind::TrueFalse if right == ["A"] => "Đúng".to_owned(),
            Kind::TrueFalse => "Sai".to_owned(),
            _ => right.join(","),
        });
        row.push(q.explanation.clone().unwrap_or_default());
        row.push(q.source.clone().unwrap_or_default());
        out.push(row);
    }
    out
}

fn to_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Rows of unequal length are fine for the parser; the writer must be told so.
        let _ = writer.write_record(row);
    }
    writer.into_inner().unwrap_or_default()
}

fn to_xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate().take(1_000) {
        for (c, cell) in row.iter().enumerate().take(50) {
            let _ = sheet.write_string(r as u32, c as u16, cell);
        }
    }
    book.save_to_buffer().unwrap_or_default()
}

/// One mutation of `input`, using the format's tokens and the other inputs.
fn mutate(rng: &mut ChaCha8Rng, format: Format, input: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    let rounds = 1 + rng.random_range(0..8);
    for _ in 0..rounds {
        let len = out.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..=len)
        };
        match rng.random_range(0..10) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                out[i] ^= 1 << rng.random_range(0..8);
            }
            1 => out.insert(at, rng.random()),
            2 if len > 0 => {
                let end = (at + rng.random_range(1..64)).min(len);
                out.drain(at.min(end)..end);
            }
            3 if len > 0 => {
                let start = rng.random_range(0..len);
                let end = (start + rng.random_range(1..256)).min(len);
                let chunk = out[start..end].to_vec();
                out.splice(at..at, chunk);
            }
            4 | 5 => {
                let token = tokens(format).choose(rng).copied().unwrap_or("");
                out.splice(at..at, token.bytes());
            }
            6 => {
                let odd = ODD.choose(rng).copied().unwrap_or("");
                out.splice(at..at, odd.bytes());
            }
            7 if !pool.is_empty() => {
                let other = &pool[rng.random_range(0..pool.len())];
                if !other.is_empty() {
                    let start = rng.random_range(0..other.len());
                    let end = (start + rng.random_range(1..512)).min(other.len());
                    out.splice(at..at, other[start..end].iter().copied());
                }
            }
            8 => out.truncate(at),
            _ => {
                // Repeat a line many times: long files, deep nesting.
                let line: Vec<u8> = out[at..]
                    .split(|&b| b == b'\n')
                    .next()
                    .unwrap_or_default()
                    .to_vec();
                for _ in 0..rng.random_range(2..50) {
                    out.splice(at..at, line.iter().copied().chain([b'\n']));
                }
            }
        }
    }
    out.truncate(1 << 20);
    out
}

/// A spreadsheet whose cells are mutated, written out as a real XLSX file.
fn mutate_cells(rng: &mut ChaCha8Rng, rows: &[Vec<String>]) -> Vec<u8> {
    let mut rows = rows.to_vec();
    for _ in 0..1 + rng.random_range(0..6) {
        if rows.is_empty() {
            rows.push(Vec::new());
        }
        let r = rng.random_range(0..rows.len());
        match rng.random_range(0..4) {
            0 => {
                rows.remove(r);
            }
            1 => {
                let copy = rows[r].clone();
                rows.insert(r, copy);
            }
            _ => {
                let row = &mut rows[r];
                let c = rng.random_range(0..row.len() + 2);
                while row.len() <= c {
                    row.push(String::new());
                }
                let cell = mutate(rng, Format::Csv, row[c].as_bytes(), &[]);
                row[c] = String::from_utf8_lossy(&cell).into_owned();
            }
        }
    }
    to_xlsx(&rows)
}

/// A purely random input: bytes, or a soup of the format's tokens and odd characters.
fn random_input(rng: &mut ChaCha8Rng, format: Format) -> Vec<u8> {
    let len = rng.random_range(0..2048);
    if rng.random_bool(0.5) {
        (0..len).map(|_| rng.random()).collect()
    } else {
        let mut out = Vec::new();
        while out.len() < len {
            let piece = if rng.random_bool(0.7) {
                tokens(format).choose(rng).copied().unwrap_or("")
            } else {
                ODD.choose(rng).copied().unwrap_or("")
            };
            out.extend_from_slice(piece.as_bytes());
            if rng.random_bool(0.3) {
                out.push(b'\n');
            }
        }
        out
    }
}

/// Fuzzes one parser for `budget` (or `max_inputs` inputs, whichever ends first), from a
/// deterministic `seed`. Returns the report, or the first input whose panic escaped.
pub fn run(
    format: Format,
    budget: Duration,
    max_inputs: u64,
    seed: u64,
) -> Result<Report, Box<Crash>> {
    let meta = BankMeta::new("fuzz", "Fuzz");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let seeds = seeds(format);
    let sample_rows = match banks::parse(Format::Toml, SAMPLE.as_bytes(), &meta) {
        Ok(parsed) => rows(&parsed.bank),
        Err(_) => Vec::new(),
    };
    // Inputs that parsed as a valid bank join the pool: mutating them reaches deeper.
    let mut pool = seeds.clone();
    let mut report = Report::default();
    let start = Instant::now();
    let mut outcome = Ok(());
    while start.elapsed() < budget && report.inputs < max_inputs {
        let input = match rng.random_range(0..10) {
            0 => random_input(&mut rng, format),
            1 if format == Format::Xlsx => mutate_cells(&mut rng, &sample_rows),
            _ => {
                let base = &pool[rng.random_range(0..pool.len())];
                mutate(&mut rng, format, base, &seeds)
            }
        };
        let before = PANICS.load(Ordering::Relaxed);
        let began = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| banks::parse(format, &input, &meta)));
        report.slowest = report.slowest.max(began.elapsed());
        report.inputs += 1;
        match result {
            Ok(parsed) => {
                report.contained_panics += PANICS.load(Ordering::Relaxed) - before;
                if parsed.is_ok() {
                    report.accepted += 1;
                    if pool.len() < 256 {
                        pool.push(input);
                    }
                }
            }
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                outcome = Err(Box::new(Crash { input, message }));
                break;
            }
        }
    }
    report.elapsed = start.elapsed();
    outcome.map(|()| report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_is_a_valid_bank_in_its_format() {
        let meta = BankMeta::new("mau", "Mẫu");
        for format in Format::ALL {
            for seed in seeds(format) {
                let parsed = banks::parse(format, &seed, &meta);
                assert!(parsed.is_ok(), "{format}: {parsed:?}");
            }
        }
    }

    #[test]
    fn a_short_run_of_each_parser_finds_no_panic() {
        for format in Format::ALL {
            let report = run(format, Duration::from_secs(5), 150, 7)
                .unwrap_or_else(|crash| panic!("{format}: {crash:?}"));
            assert!(report.inputs > 0, "{format}");
        }
    }
}
