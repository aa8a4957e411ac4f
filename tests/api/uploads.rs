//! Hostile uploads (issue 13, points 3 and 4): a sparse workbook, decompression bombs,
//! a CSV with 1.5 million columns and files with a flood of problems are each refused
//! quickly with a 422 that names the limit, by the real `cuocthi serve` (and by `cuocthi
//! bank check`) as a separate process, whose peak resident memory (VmHWM, from /proc)
//! stays under 256 MiB. The files are built here: the bombs as a compressed stream of one
//! repeated chunk, never held expanded in memory.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cuocthi::accounts::Role;
use cuocthi::banks::{self, BankMeta, Format};
use flate2::{Compress, Compression, FlushCompress};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{fresh_database, json_of, spawn_app};
use crate::process::{ORGANISER, ServerProcess, login, seed_database};

/// What every hostile file must stay under, on the server and on the command line.
const MAX_SECONDS: Duration = Duration::from_secs(2);
const MAX_PEAK_RSS_KIB: u64 = 256 * 1024;

const GIB: u64 = 1024 * 1024 * 1024;

// ---- Hand-written zip files: every declared size and every byte under the test's control.

/// One zip entry: its name, method (0 stored, 8 deflated), data as stored, and what its
/// headers declare.
pub(crate) struct Part {
    name: String,
    method: u16,
    data: Vec<u8>,
    crc: u32,
    declared_size: u64,
}

/// A small part, deflated.
pub(crate) fn part(name: &str, text: &str) -> Part {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    Part {
        name: name.to_owned(),
        method: 8,
        data: encoder.finish().unwrap(),
        crc: crc32fast::hash(text.as_bytes()),
        declared_size: text.len() as u64,
    }
}

/// Raw deflate of `bytes`, ending on a byte boundary: `finish` makes it the last block,
/// else a sync flush ends it, so such pieces can be concatenated into one stream.
fn deflate_piece(bytes: &[u8], finish: bool) -> Vec<u8> {
    let mut compress = Compress::new(Compression::best(), false);
    let flush = if finish {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::new();
    loop {
        out.reserve(256 * 1024);
        let rest = &bytes[compress.total_in() as usize..];
        let status = compress.compress_vec(rest, &mut out, flush).unwrap();
        let all_in = compress.total_in() as usize == bytes.len();
        // Done when all input is in and the flush had room to complete.
        let flushed = if finish {
            status == flate2::Status::StreamEnd
        } else {
            out.len() < out.capacity()
        };
        if all_in && flushed {
            return out;
        }
    }
}

/// A decompression bomb: `prefix`, then `chunk` repeated until `size` bytes in all, then
/// `suffix` — as one deflate stream built from a single compressed copy of `chunk`, with
/// the true CRC (combined, not computed over the expansion). `declared_size` is what the
/// headers say (the truth, or a lie).
pub(crate) fn bomb(
    name: &str,
    prefix: &str,
    chunk: &[u8],
    size: u64,
    suffix: &str,
    lie: bool,
) -> Part {
    let repeats = (size - prefix.len() as u64 - suffix.len() as u64) / chunk.len() as u64;
    let packed = deflate_piece(chunk, false);
    let mut data = deflate_piece(prefix.as_bytes(), false);
    data.reserve(packed.len() * repeats as usize + 64);
    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix.as_bytes());
    let mut chunk_crc = crc32fast::Hasher::new();
    chunk_crc.update(chunk);
    for _ in 0..repeats {
        data.extend_from_slice(&packed);
        crc.combine(&chunk_crc);
    }
    data.extend_from_slice(&deflate_piece(suffix.as_bytes(), true));
    crc.update(suffix.as_bytes());
    let true_size = prefix.len() as u64 + repeats * chunk.len() as u64 + suffix.len() as u64;
    Part {
        name: name.to_owned(),
        method: 8,
        data,
        crc: crc.finalize(),
        declared_size: if lie { 1024 } else { true_size },
    }
}

/// The zip holding `parts` (no zip64: every size here fits 32 bits).
pub(crate) fn zip(parts: &[Part]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for p in parts {
        let offset = out.len() as u32;
        let (compressed, size) = (p.data.len() as u32, p.declared_size as u32);
        // Local file header.
        u32le(&mut out, 0x0403_4b50);
        for v in [20, 0, p.method, 0, 0x21] {
            u16le(&mut out, v);
        }
        for v in [p.crc, compressed, size] {
            u32le(&mut out, v);
        }
        u16le(&mut out, p.name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(&p.data);
        // Its central directory entry.
        u32le(&mut central, 0x0201_4b50);
        for v in [20, 20, 0, p.method, 0, 0x21] {
            u16le(&mut central, v);
        }
        for v in [p.crc, compressed, size] {
            u32le(&mut central, v);
        }
        for v in [p.name.len() as u16, 0, 0, 0, 0] {
            u16le(&mut central, v);
        }
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(p.name.as_bytes());
    }
    let (central_offset, central_size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    for v in [0, 0, parts.len() as u16, parts.len() as u16] {
        u16le(&mut out, v);
    }
    u32le(&mut out, central_size);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A workbook of one sheet whose XML is `sheet` and shared strings `strings`: the parts
/// every workbook needs, hand-written, and the two given.
fn workbook(sheet: Part, strings: Part) -> Vec<u8> {
    workbook_with(sheet, strings, Vec::new())
}

/// [`workbook`] with `more` parts.
fn workbook_with(sheet: Part, strings: Part, more: Vec<Part>) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let book = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let book_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    let mut parts = vec![
        part("[Content_Types].xml", types),
        part("_rels/.rels", &rels),
        part("xl/workbook.xml", &book),
        part("xl/_rels/workbook.xml.rels", &book_rels),
        sheet,
        strings,
    ];
    parts.extend(more);
    zip(&parts)
}

/// A sheet whose rows are given as shared-string indices, row by row from A1.
fn sheet_of(rows: &[&[usize]]) -> Part {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>"#
    );
    for (r, cells) in rows.iter().enumerate() {
        xml.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, s) in cells.iter().enumerate() {
            let column = char::from(b'A' + c as u8);
            xml.push_str(&format!(r#"<c r="{column}{}" t="s"><v>{s}</v></c>"#, r + 1));
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    part("xl/worksheets/sheet1.xml", &xml)
}

fn strings_of(strings: &[&str]) -> Part {
    let items: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    part(
        "xl/sharedStrings.xml",
        &format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">{items}</sst>"#),
    )
}

/// The header and one question, as shared strings 0–5.
const BANK_STRINGS: [&str; 6] = [
    "question",
    "A",
    "B",
    "correct",
    "Thủ đô của Việt Nam?",
    "Hà Nội",
];
const BANK_ROWS: [&[usize]; 2] = [&[0, 1, 2, 3], &[4, 5, 2, 1]];

/// A sane bank, through the same hand-written zip: the bombs below differ from it only in
/// their one hostile part.
fn sane_workbook() -> Vec<u8> {
    workbook(sheet_of(&BANK_ROWS), strings_of(&BANK_STRINGS))
}

/// Cells at A1 and XFD1048576, and nothing between: 1.8 KB, through rust_xlsxwriter.
fn sparse_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "question").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// Shared strings of one string of about 1 GiB.
fn shared_strings_bomb(lie: bool) -> Vec<u8> {
    let strings = bomb(
        "xl/sharedStrings.xml",
        &format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}"><si><t>"#),
        &[b'A'; 1 << 20],
        GIB,
        "</t></si></sst>",
        lie,
    );
    workbook(sheet_of(&[&[0]]), strings)
}

/// A sheet XML of about 1 GiB of rows (each one cell of a 1 MiB text), whose headers say
/// 1 KiB.
fn sheet_bomb(lie: bool) -> Vec<u8> {
    let row = format!(
        r#"<row><c t="inlineStr"><is><t>{}</t></is></c></row>"#,
        "A".repeat(1 << 20)
    );
    let sheet = bomb(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>"#
        ),
        row.as_bytes(),
        GIB,
        "</sheetData></worksheet>",
        lie,
    );
    workbook(sheet, strings_of(&BANK_STRINGS))
}

/// A sane bank plus three 30 MiB parts (each under the part limit, not together).
fn padded_workbook() -> Vec<u8> {
    let pads = (1..=3)
        .map(|i| {
            let name = format!("xl/media/pad{i}.bin");
            bomb(&name, "", &[b'A'; 1 << 20], 30 << 20, "", false)
        })
        .collect();
    workbook_with(sheet_of(&BANK_ROWS), strings_of(&BANK_STRINGS), pads)
}

/// A header row of 1.5 million columns: about 12 MB.
fn wide_csv() -> Vec<u8> {
    let mut csv = String::with_capacity(13 * 1024 * 1024);
    for i in 0..1_500_000 {
        if i > 0 {
            csv.push(',');
        }
        csv.push_str(&format!("c{i}"));
    }
    csv.push('\n');
    csv.into_bytes()
}

#[test]
fn the_hand_written_workbook_is_a_valid_bank() {
    let parsed = banks::parse(Format::Xlsx, &sane_workbook(), &BankMeta::new("thu", "Thử"));
    let bank = parsed.expect("a valid bank").bank;
    assert_eq!(bank.questions.len(), 1);
    assert_eq!(bank.questions[0].text, "Thủ đô của Việt Nam?");
}

#[test]
fn the_bombs_are_small_and_expand_as_declared() {
    // What the server is sent: about a megabyte each…
    for (name, bytes) in [
        ("shared strings", shared_strings_bomb(false)),
        ("sheet", sheet_bomb(true)),
    ] {
        assert!(bytes.len() < 2 << 20, "{name}: {} bytes", bytes.len());
    }
    // …that really expands past a gibibyte (read as a stream, with its CRC checked).
    let bytes = sheet_bomb(false);
    let mut archive = zip_reader(&bytes);
    let mut sheet = archive.by_name("xl/worksheets/sheet1.xml").unwrap();
    let mut buf = vec![0; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = sheet.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    assert!(
        total > GIB - (2 << 20),
        "the sheet ended after {total} bytes"
    );
}

fn zip_reader(bytes: &[u8]) -> zip::ZipArchive<std::io::Cursor<&[u8]>> {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap()
}

// ---- The server as a separate process: time and peak memory per hostile file.

/// Sends `body` to `path` as the organiser; the answer, and how long it took.
async fn send(
    client: &reqwest::Client,
    server: &ServerProcess,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    let response = client
        .post(format!("{}{path}", server.address))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let (status, body) = json_of(response).await;
    (status, body, started.elapsed())
}

/// Starts `cuocthi serve` on a fresh database with an organiser, and signs in.
async fn server_and_token() -> (
    ServerProcess,
    String,
    reqwest::Client,
    Option<tempfile::TempDir>,
) {
    let (url, dir) = fresh_database().await;
    seed_database(&url, 0).await;
    let server = ServerProcess::start(&url, "info,sqlx=warn").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let token = login(&client, &server.address, ORGANISER.0, ORGANISER.1).await;
    (server, token, client, dir)
}

/// A hostile file, where it goes, and how it must be refused.
struct Hostile {
    what: &'static str,
    path: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    /// The error code of the 422.
    code: &'static str,
    /// The limit named by the JSON `limit` field: none for a file refused as corrupt.
    limit: Option<&'static str>,
    /// Words of the one problem's message.
    mention: &'static str,
}

/// Uploads each file to a fresh `cuocthi serve` and checks its 422 (code, limit, message,
/// a small answer), its time, and the server's peak RSS.
async fn refuse_each(files: Vec<Hostile>) {
    let (server, token, client, _dir) = server_and_token().await;
    eprintln!(
        "server peak RSS after start: {} MiB",
        server.peak_rss_kib() / 1024
    );
    for file in files {
        let what = file.what;
        let size = file.body.len();
        let (status, answer, took) = send(
            &client,
            &server,
            &token,
            file.path,
            file.content_type,
            file.body,
        )
        .await;
        let peak = server.peak_rss_kib();
        eprintln!(
            "{what}: {size} bytes → {status} in {took:?}, server peak RSS {} MiB",
            peak / 1024
        );
        assert_eq!(status, 422, "{what}: {answer}");
        let error = &answer["error"];
        assert_eq!(error["code"], file.code, "{what}: {answer}");
        assert_eq!(error["limit"].as_str(), file.limit, "{what}: {answer}");
        let problems = error["problems"].as_array().expect("problems");
        assert_eq!(problems.len(), 1, "{what}: {answer}");
        let message = problems[0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(file.mention), "{what}: {message}");
        assert!(answer.to_string().len() < 4096, "{what}: {answer}");
        assert!(took < MAX_SECONDS, "{what} took {took:?}");
        assert!(
            peak < MAX_PEAK_RSS_KIB,
            "{what}: the server's peak RSS reached {} MiB",
            peak / 1024
        );
    }
}

#[tokio::test]
async fn a_sparse_workbook_is_refused_quickly_with_bounded_memory() {
    let sparse = |path| Hostile {
        what: "cells at A1 and XFD1048576",
        path,
        content_type: "application/octet-stream",
        body: sparse_workbook(),
        code: "invalid_bank",
        limit: Some("columns"),
        mention: "Ô XFD1048576 nằm ngoài vùng được đọc",
    };
    refuse_each(vec![
        sparse("/api/v1/banks?format=xlsx&code=thua"),
        sparse("/api/v1/banks/check?format=xlsx&code=thua"),
    ])
    .await;
}

#[tokio::test]
async fn bombs_and_huge_files_are_refused_quickly_with_bounded_memory() {
    let xlsx = |what, body, limit, mention| Hostile {
        what,
        path: "/api/v1/banks/check?format=xlsx&code=bom",
        content_type: "application/octet-stream",
        body,
        code: "invalid_bank",
        limit,
        mention,
    };
    refuse_each(vec![
        xlsx(
            "shared strings of 1 GiB, declared",
            shared_strings_bomb(false),
            Some("xlsx_part_bytes"),
            "“xl/sharedStrings.xml” của tệp XLSX giải nén ra hơn 32 MiB",
        ),
        xlsx(
            "shared strings of 1 GiB, declared as 1 KiB",
            shared_strings_bomb(true),
            None,
            "“xl/sharedStrings.xml”",
        ),
        xlsx(
            "sheet XML of 1 GiB, declared",
            sheet_bomb(false),
            Some("xlsx_part_bytes"),
            "“xl/worksheets/sheet1.xml” của tệp XLSX giải nén ra hơn 32 MiB",
        ),
        xlsx(
            "sheet XML of 1 GiB, declared as 1 KiB",
            sheet_bomb(true),
            None,
            "“xl/worksheets/sheet1.xml”",
        ),
        xlsx(
            "three parts of 30 MiB",
            padded_workbook(),
            Some("xlsx_total_bytes"),
            "giải nén ra hơn 64 MiB",
        ),
        Hostile {
            what: "1.5 million header columns (bank)",
            path: "/api/v1/banks/check?format=csv&code=cot",
            content_type: "text/csv",
            body: wide_csv(),
            code: "invalid_bank",
            limit: Some("columns"),
            mention: "tối đa 64 cột",
        },
        Hostile {
            what: "1.5 million header columns (units)",
            path: "/api/v1/units/import",
            content_type: "text/csv",
            body: wide_csv(),
            code: "invalid_units",
            limit: Some("columns"),
            mention: "tối đa 64 cột",
        },
    ])
    .await;
}

// ---- Answers stay small: problems capped, quoted text cut.

#[tokio::test]
async fn problems_are_capped_at_one_hundred_with_a_count_and_quotes_are_cut() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    // 2,000 questions, each with a wrong 2,000-character difficulty, under an unknown
    // 5,000-character column.
    let long = "rất khó ".repeat(250);
    let mut csv = format!("question,A,B,correct,difficulty,{}\n", "màu".repeat(1_700));
    for i in 0..2_000 {
        csv.push_str(&format!("Câu {i}?,x,y,A,{long},\n"));
    }
    let response = app
        .import_bank(
            Some(&organiser),
            "format=csv&code=nhieu-loi",
            csv.into_bytes(),
        )
        .await;
    let (status, body) = json_of(response).await;
    let text = body.to_string();
    assert_eq!(status, 422);
    let error = &body["error"];
    assert_eq!(error["code"], "invalid_bank");
    assert_eq!(error["problem_count"], 2_001);
    assert_eq!(error["problems_omitted"], 1_901);
    let problems = error["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 101, "the first 100, then one 'and N more'");
    assert_eq!(problems[0]["line"], 1);
    let unknown = problems[0]["message"].as_str().unwrap();
    assert!(
        unknown.contains("“màumàu") && unknown.contains("…”"),
        "{unknown}"
    );
    assert!(unknown.chars().count() < 250, "{unknown}");
    assert_eq!(problems[99]["line"], 100);
    assert!(
        problems[1]["message"].as_str().unwrap().chars().count() < 250,
        "{}",
        problems[1]
    );
    assert_eq!(problems[100]["line"], 0);
    assert!(
        problems[100]["message"].as_str().unwrap().contains("1.901"),
        "{}",
        problems[100]
    );
    assert!(
        error["message"].as_str().unwrap().contains("2.001 lỗi"),
        "{error}"
    );
    assert!(text.len() < 40_000, "{} bytes", text.len());

    // A unit list with a bad line per row: the same cap.
    let mut units = String::from("code,name,parent_code,kind,block,headcount\n");
    for i in 0..3_000 {
        units.push_str(&format!("U{i},Đơn vị {i},,{},,1\n", "lạ".repeat(200)));
    }
    let (status, body) = json_of(app.import_units(Some(&organiser), &units).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid_units");
    assert_eq!(body["error"]["problem_count"], 3_000);
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 101);
    let kind = problems[0]["message"].as_str().unwrap();
    assert!(kind.contains("lạlạ…\""), "{kind}");
    assert!(body.to_string().len() < 40_000);
}

// ---- The command line: `cuocthi bank check` on the same files.

/// The command line [`measure_a_child_process`] runs, its words separated by [`SEPARATOR`].
const MEASURE: &str = "CUOCTHI_TEST_MEASURE";
/// Where [`measure_a_child_process`] writes what it measured.
const MEASURED: &str = "CUOCTHI_TEST_MEASURED";
const SEPARATOR: char = '\u{1f}';

/// Not a test on its own: when [`MEASURE`] is set, runs that command as a child of this
/// small process and prints its exit code, time and peak RSS (wait4's `ru_maxrss`). The
/// CLI test runs the test binary this way, because a child's `ru_maxrss` starts from its
/// parent's resident size (fork copies it, exec keeps it), and the test process is large.
#[test]
fn measure_a_child_process() {
    let Ok(command) = std::env::var(MEASURE) else {
        return;
    };
    let mut args = command.split(SEPARATOR);
    let program = args.next().unwrap();
    let started = Instant::now();
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which also gives its peak RSS"
    )]
    let child = Command::new(program)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the command runs");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 reaps only our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = i32::try_from(child.id()).unwrap();
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    // ru_maxrss is in KiB on Linux.
    let report = format!(
        "exit={} micros={} maxrss_kib={}",
        if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            128 + libc::WTERMSIG(status)
        },
        started.elapsed().as_micros(),
        usage.ru_maxrss
    );
    std::fs::write(std::env::var(MEASURED).unwrap(), report).unwrap();
}

/// Runs `cuocthi bank check FILE --code kiem-tra` through [`measure_a_child_process`]:
/// its exit code, stderr, time and peak RSS in KiB.
fn bank_check(file: &std::path::Path) -> (i32, String, Duration, u64) {
    let report = file.with_extension("measured");
    let command = [
        env!("CARGO_BIN_EXE_cuocthi"),
        "bank",
        "check",
        "--code",
        "kiem-tra",
        file.to_str().unwrap(),
    ]
    .join(&SEPARATOR.to_string());
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "uploads::measure_a_child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MEASURE, command)
        .env(MEASURED, &report)
        .env_remove("TEST_DATABASE_URL")
        .output()
        .expect("the test binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let line = std::fs::read_to_string(&report).unwrap_or_else(|_| {
        let stdout = String::from_utf8_lossy(&output.stdout);
        panic!("no measurement:\n{stdout}\n{stderr}")
    });
    let field = |name: &str| -> u64 {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    (
        field("exit") as i32,
        stderr,
        Duration::from_micros(field("micros")),
        field("maxrss_kib"),
    )
}

#[test]
fn bank_check_refuses_the_same_files_quickly_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, expected) in [
        ("sparse.xlsx", sparse_workbook(), "tối đa 64 cột"),
        (
            "shared-strings-bomb.xlsx",
            shared_strings_bomb(false),
            "32 MiB",
        ),
        (
            "sheet-bomb.xlsx",
            sheet_bomb(true),
            "“xl/worksheets/sheet1.xml”",
        ),
        ("wide.csv", wide_csv(), "tối đa 64 cột"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (code, stderr, took, peak) = bank_check(&path);
        eprintln!(
            "bank check {name}: exit {code} in {took:?}, peak RSS {} MiB",
            peak / 1024
        );
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(stderr.len() < 4096, "{name}: {} bytes", stderr.len());
        assert!(took < MAX_SECONDS, "{name} took {took:?}");
        assert!(
            peak < MAX_PEAK_RSS_KIB,
            "{name}: peak RSS {} MiB",
            peak / 1024
        );
    }
}
