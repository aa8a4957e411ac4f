use super::super::{Bank, BankMeta, Format, Parsed, parse};
use super::*;

const CSV: &str = "Chủ đề,Độ khó,Loại,Câu hỏi,A,B,C,D,Đáp án,Giải thích,Nguồn\n\
    Dịch vụ công,dễ,,Nghị định 45/2020/NĐ-CP quy định về việc gì?,Thủ tục hành chính điện \
    tử,Thuế,,,A,Xem Điều 1.,Điều 1 NĐ 45\n\
    Dịch vụ công,Khó,,\"Những kênh nào, theo Nghị định, là trực tuyến?\",Cổng DVC quốc \
    gia,Cổng DVC tỉnh,Thư tay,,\"A, C\",,\n\
    ,,true_false,Kết quả điện tử có giá trị như bản giấy.,,,,,Đúng,,\n\
    ,,,Nộp hồ sơ trực tuyến là bắt buộc.,,,,,Sai,,\n\
    ,,,,,,,,,,\n\
    Thủ tục,TRUNG BÌNH,multiple,Chọn các phương án đúng,1,2,3,4,b;d,,\n";

fn meta() -> BankMeta {
    BankMeta::new("csv-demo", "Ngân hàng CSV")
}

fn ok(format: Format, bytes: &[u8]) -> Parsed {
    match parse(format, bytes, &meta()) {
        Ok(p) => p,
        Err(e) => panic!("unexpected problems {e:#?}"),
    }
}

fn check_demo(bank: &Bank) {
    assert_eq!(bank.questions.len(), 5);
    let summary: Vec<(usize, Kind, Difficulty, &str)> = bank
        .questions
        .iter()
        .map(|q| (q.line, q.kind, q.difficulty, q.topic.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (2, Kind::Single, Difficulty::Easy, "Dịch vụ công"),
            (3, Kind::Multiple, Difficulty::Hard, "Dịch vụ công"),
            (4, Kind::TrueFalse, Difficulty::Medium, "Chung"),
            (5, Kind::TrueFalse, Difficulty::Medium, "Chung"),
            (7, Kind::Multiple, Difficulty::Medium, "Thủ tục"),
        ]
    );
    let q = &bank.questions[1];
    assert_eq!(q.text, "Những kênh nào, theo Nghị định, là trực tuyến?");
    let correct: Vec<bool> = q.choices.iter().map(|c| c.correct).collect();
    assert_eq!(correct, vec![true, false, true]);
    assert_eq!(bank.questions[0].choices.len(), 2);
    assert_eq!(
        bank.questions[0].explanation.as_deref(),
        Some("Xem Điều 1.")
    );
    assert_eq!(bank.questions[0].source.as_deref(), Some("Điều 1 NĐ 45"));
    assert_eq!(bank.questions[2].true_false_answer(), Some(true));
    assert_eq!(bank.questions[3].true_false_answer(), Some(false));
    let correct: Vec<bool> = bank.questions[4]
        .choices
        .iter()
        .map(|c| c.correct)
        .collect();
    assert_eq!(correct, vec![false, true, false, true]);
}

#[test]
fn csv_with_and_without_bom() {
    let plain = ok(Format::Csv, CSV.as_bytes());
    check_demo(&plain.bank);
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(CSV.as_bytes());
    let bom = ok(Format::Csv, &with_bom);
    assert!(bom.bank.same_content(&plain.bank));
    assert_eq!(bom.bank, plain.bank);
}

#[test]
fn csv_semicolon_crlf_and_sep_hint() {
    let semi = CSV.replace(',', ";").replace('\n', "\r\n");
    // The quoted cells contained commas; they become semicolons inside quotes, fine.
    let p = ok(Format::Csv, semi.as_bytes());
    assert_eq!(p.bank.questions.len(), 5);
    let hinted = format!("sep=;\n{}", CSV.replace(',', ";"));
    let p = ok(Format::Csv, hinted.as_bytes());
    assert_eq!(p.bank.questions[0].line, 3);
}

#[test]
fn csv_problems_name_rows() {
    let src = "question,A,B,correct,difficulty,màu\n\
               Câu một?,x,,A,easy,\n\
               Câu hai?,x,y,C,rất khó,\n\
               Câu ba?,x,y,Z,,\n\
               Câu bốn?,,,maybe,,\n";
    let problems = match parse(Format::Csv, src.as_bytes(), &meta()) {
        Ok(p) => panic!("{:#?}", p.bank),
        Err(e) => e,
    };
    let got: Vec<(usize, &str)> = problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(got.len(), 6, "{got:#?}");
    assert_eq!(got[0].0, 1);
    assert!(got[0].1.starts_with("Cột “màu” không được hỗ trợ"));
    assert_eq!(
        got[1],
        (2, "Câu hỏi cần ít nhất hai phương án trả lời (hiện có 1).")
    );
    assert_eq!(got[2].0, 3);
    assert!(got[2].1.starts_with("Độ khó “rất khó”"));
    assert_eq!(
        got[3],
        (
            3,
            "Đáp án đúng C (cột «Đáp án đúng» (correct)) trỏ tới phương án để trống."
        )
    );
    assert_eq!(got[4].0, 4);
    assert!(got[4].1.starts_with("Đáp án đúng “Z” không hợp lệ"));
    assert_eq!(got[5].0, 5);
    assert!(got[5].1.starts_with("Đáp án đúng “maybe” không hợp lệ"));
}

#[test]
fn missing_columns_and_empty_file() {
    let problems = parse(Format::Csv, b"topic,A,B\nx,1,2\n", &meta()).err();
    let messages: Vec<String> = problems
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert_eq!(
        messages,
        vec![
            "Thiếu cột bắt buộc «Câu hỏi» (question) ở dòng tiêu đề (dòng 1).",
            "Thiếu cột bắt buộc «Đáp án đúng» (correct) ở dòng tiêu đề (dòng 1).",
        ]
    );
    let problems = parse(Format::Csv, b"\n\n", &meta())
        .err()
        .unwrap_or_default();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.starts_with("Tệp không có dữ liệu"));
}

#[test]
fn xlsx_fixture() {
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows = CSV.lines().map(|l| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(l.as_bytes());
        reader
            .records()
            .next()
            .and_then(Result::ok)
            .map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
    });
    // Leave row 1 empty: rows must still be numbered as in Excel.
    for (r, cells) in rows.enumerate() {
        for (c, value) in cells.iter().enumerate() {
            if !value.is_empty() {
                sheet
                    .write_string((r + 1) as u32, c as u16, value)
                    .expect("write cell");
            }
        }
    }
    // Numbers and dates as option texts.
    let date = ExcelDateTime::from_ymd(2020, 4, 8).expect("date");
    let date_format = XFormat::new().set_num_format("dd/mm/yyyy");
    let r = 8;
    sheet
        .write_string(r, 3, "Nghị định 45 ban hành ngày nào?")
        .expect("cell");
    sheet
        .write_datetime_with_format(r, 4, &date, &date_format)
        .expect("cell");
    sheet.write_number(r, 5, 2020).expect("cell");
    sheet.write_number(r, 6, 45.5).expect("cell");
    sheet.write_boolean(r, 7, true).expect("cell");
    sheet.write_string(r, 8, "A").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    let parsed = ok(Format::Xlsx, &bytes);
    let mut bank = parsed.bank;
    let last = bank.questions.pop().expect("nine rows");
    let texts: Vec<&str> = last.choices.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, vec!["08/04/2020", "2020", "45.5", "TRUE"]);
    assert_eq!(last.line, 9);
    for q in &mut bank.questions {
        q.line -= 1;
    }
    check_demo(&bank);
    let csv = ok(Format::Csv, CSV.as_bytes()).bank;
    assert_eq!(bank, csv);
}

#[test]
fn xlsx_garbage_is_a_plain_problem() {
    let problems = parse(Format::Xlsx, b"PK\x03\x04 not really", &meta())
        .err()
        .unwrap_or_default();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.starts_with("Không đọc được tệp XLSX"));
}

/// The limit a refused file names, and its one problem's message.
fn refused(format: Format, bytes: &[u8]) -> (Option<&'static str>, String) {
    let problems = parse(format, bytes, &meta()).err().unwrap_or_default();
    assert_eq!(problems.total(), 1, "{problems:#?}");
    (problems.limit(), problems[0].message.clone())
}

#[test]
fn a_sparse_workbook_is_refused_at_its_far_cell_without_a_dense_read() {
    use rust_xlsxwriter::Workbook;

    let sheet_with = |row: u32, column: u16| {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "question").expect("cell");
        sheet.write_string(row, column, "x").expect("cell");
        workbook.save_to_buffer().expect("xlsx")
    };
    // No timing here (tests assert no wall-clock limits): a dense read of this sheet
    // would allocate 1,048,576 × 16,384 cells, which aborts on allocation or never ends,
    // so the test fails either way if the reader stops refusing at the far cell.
    let (limit, message) = refused(Format::Xlsx, &sheet_with(1_048_575, 16_383));
    assert_eq!(limit, Some("columns"));
    assert!(
        message.starts_with("Ô XFD1048576 nằm ngoài vùng được đọc"),
        "{message}"
    );
    assert!(message.contains("tối đa 64 cột (A–BL)"), "{message}");
    let (limit, message) = refused(Format::Xlsx, &sheet_with(50_000, 0));
    assert_eq!(limit, Some("rows"));
    assert!(message.contains("tối đa 50.000 dòng"), "{message}");
    // The last row and column allowed are read (and the header problems reported).
    let problems = parse(Format::Xlsx, &sheet_with(49_999, 63), &meta())
        .err()
        .unwrap_or_default();
    assert_eq!(problems.limit(), None, "{problems:#?}");
}

#[test]
fn csv_limits_name_the_limit_and_trailing_empty_columns_are_free() {
    let header = "question,A,B,correct";
    let row = |cells: usize| format!("{header}\nCâu?,x,y,A{}\n", ",".repeat(cells));
    // 2,000 empty trailing cells cost nothing; a 65th non-empty one is refused.
    assert!(parse(Format::Csv, row(2_000).as_bytes(), &meta()).is_ok());
    let wide = format!("{header}{}\n", ",c".repeat(61));
    let (limit, message) = refused(Format::Csv, wide.as_bytes());
    assert_eq!(limit, Some("columns"));
    assert!(
        message.starts_with("Ô BM1 nằm ngoài vùng được đọc"),
        "{message}"
    );

    let long = format!("{header}\n{},x,y,A\n", "ô".repeat(10_001));
    let (limit, message) = refused(Format::Csv, long.as_bytes());
    assert_eq!(limit, Some("cell_chars"));
    assert_eq!(
        message,
        "Ô A2 dài 10.001 ký tự; mỗi ô có tối đa 10.000 ký tự."
    );
    let quoted = format!("{header}\n\"{}\",x,y,A\n", "a".repeat(1 << 20));
    let (limit, message) = refused(Format::Csv, quoted.as_bytes());
    assert_eq!(limit, Some("cell_chars"));
    assert!(message.contains("dài hơn 10.000 ký tự"), "{message}");

    let mut many = format!("{header}\n");
    for i in 0..50_000 {
        many.push_str(&format!("Câu {i}?,x,y,A\n"));
    }
    let (limit, message) = refused(Format::Csv, many.as_bytes());
    assert_eq!(limit, Some("rows"));
    assert!(message.contains("tối đa 50.000 dòng"), "{message}");
}

#[test]
fn column_names() {
    assert_eq!(
        [0, 25, 26, 27, 701, 702].map(column_name),
        ["A", "Z", "AA", "AB", "ZZ", "AAA"].map(str::to_owned)
    );
    assert_eq!(detect_delimiter("a;b;c\n1,2"), b';');
    assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
    assert_eq!(detect_delimiter("a,b;c"), b',');
}

/// A workbook as openpyxl writes one: `sheet1.xml` rewritten by `patch` (formulas
/// without a computed value), everything else as rust_xlsxwriter wrote it.
fn rewrite_sheet(bytes: &[u8], patch: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).expect("part");
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let mut data = Vec::new();
        part.read_to_end(&mut data).expect("read");
        if name == "xl/worksheets/sheet1.xml" {
            data = patch(&String::from_utf8(data).expect("utf-8")).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

/// Issue #19 point 5: a topic merged over rows 2–4 is the topic of rows 3 and 4 too.
#[test]
fn a_merged_cell_applies_to_every_row_it_spans() {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in ["Chủ đề", "Câu hỏi", "A", "B", "Đáp án"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    sheet
        .merge_range(1, 0, 3, 0, "Dịch vụ công", &XFormat::new())
        .expect("merge");
    for r in 1..=3u32 {
        sheet
            .write_string(r, 1, format!("Câu hỏi số {r}?"))
            .expect("cell");
        sheet.write_string(r, 2, "Có").expect("cell");
        sheet.write_string(r, 3, "Không").expect("cell");
        sheet.write_string(r, 4, "A").expect("cell");
    }
    sheet
        .write_string(4, 1, "Câu hỏi không chủ đề?")
        .expect("cell");
    sheet.write_string(4, 2, "Có").expect("cell");
    sheet.write_string(4, 3, "Không").expect("cell");
    sheet.write_string(4, 4, "B").expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let bank = ok(Format::Xlsx, &bytes).bank;
    let topics: Vec<&str> = bank.questions.iter().map(|q| q.topic.as_str()).collect();
    assert_eq!(
        topics,
        [
            "Dịch vụ công",
            "Dịch vụ công",
            "Dịch vụ công",
            DEFAULT_TOPIC
        ]
    );
}

/// Issue #19 point 5: a formula without a computed value (openpyxl writes `<v></v>` or no
/// `<v>` at all) is reported by its cell, not read as an empty cell; other sheets are
/// named in a warning.
#[test]
fn an_uncomputed_formula_is_reported_by_cell_and_other_sheets_are_named() {
    use rust_xlsxwriter::{Formula, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_formula_result_default("");
    for (c, h) in ["Câu hỏi", "A", "B", "Đáp án"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    sheet.write_string(1, 0, "Câu một?").expect("cell");
    sheet.write_string(1, 1, "x").expect("cell");
    sheet.write_string(1, 2, "y").expect("cell");
    sheet.write_string(1, 3, "A").expect("cell");
    sheet
        .write_formula(2, 0, Formula::new("=\"Câu \"&\"hai?\""))
        .expect("cell");
    sheet.write_string(2, 1, "x").expect("cell");
    sheet.write_string(2, 2, "y").expect("cell");
    sheet
        .write_formula(2, 3, Formula::new("=\"B\""))
        .expect("cell");
    workbook.add_worksheet().set_name("Phần 2").expect("name");
    let bytes = workbook.save_to_buffer().expect("xlsx");

    for (what, drop_v) in [("empty <v>", false), ("no <v>", true)] {
        let bytes = rewrite_sheet(&bytes, |x| {
            let x = x.replace(" t=\"str\"><f>", "><f>");
            if drop_v { x.replace("<v></v>", "") } else { x }
        });
        let problems = match parse(Format::Xlsx, &bytes, &meta()) {
            Ok(p) => panic!("{what}: {:#?}", p.bank),
            Err(p) => p,
        };
        let got: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    3,
                    "Ô A3: công thức chưa được tính — hãy mở và lưu tệp bằng Excel, hoặc dán \
                     giá trị."
                ),
                (
                    3,
                    "Ô D3: công thức chưa được tính — hãy mở và lưu tệp bằng Excel, hoặc dán \
                     giá trị."
                ),
            ],
            "{what}"
        );
    }

    // With computed values (as Excel saves them) the file reads, and the second sheet is
    // named in a warning.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in ["Câu hỏi", "A", "B", "Đáp án"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    sheet.write_string(1, 0, "Câu một?").expect("cell");
    sheet.write_string(1, 1, "x").expect("cell");
    sheet.write_string(1, 2, "y").expect("cell");
    sheet
        .write_formula(1, 3, Formula::new("=\"A\"").set_result("A"))
        .expect("cell");
    workbook.add_worksheet().set_name("Phần 2").expect("name");
    let parsed = ok(Format::Xlsx, &workbook.save_to_buffer().expect("xlsx"));
    assert!(parsed.bank.questions[0].choices[0].correct);
    assert_eq!(parsed.warnings.len(), 1);
    assert!(parsed.warnings[0].message.contains("“Phần 2” bị bỏ qua"));
}

#[test]
fn problems_name_columns_by_their_vietnamese_headers() {
    let csv = "Câu hỏi,Phương án A,Phương án B,Loại câu hỏi,Độ khó,Màu\n\
               Thủ đô?,Hà Nội,Huế,kiểu lạ,rất khó,\n";
    let messages: Vec<String> = parse(Format::Csv, csv.as_bytes(), &meta())
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("Cột “Màu” không được hỗ trợ; các cột hợp lệ: Chủ đề, Độ khó"));
    assert!(
        messages[0].contains("Đáp án đúng, Giải thích"),
        "{}",
        messages[0]
    );
    assert_eq!(
        messages[1],
        "Thiếu cột bắt buộc «Đáp án đúng» (correct) ở dòng tiêu đề (dòng 1)."
    );

    let csv = "Câu hỏi,A,B,Loại câu hỏi,Độ khó,Đáp án đúng\nThủ đô?,Hà Nội,Huế,kiểu lạ,rất khó,A\n";
    let messages: Vec<String> = parse(Format::Csv, csv.as_bytes(), &meta())
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("(cột «Độ khó» (difficulty))")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("(cột «Loại câu hỏi» (kind))")
                && m.contains("một đáp án, nhiều đáp án, đúng/sai")),
        "{messages:?}"
    );
}
