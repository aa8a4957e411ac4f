//! The XLSX template offered on the upload page (issue #19, point 10): the Vietnamese
//! column headers the spreadsheet reader accepts, and two example rows.

use rust_xlsxwriter::{Format, Workbook};

/// The headers of the template, in order.
pub const TEMPLATE_HEADERS: [&str; 14] = [
    "Mã câu hỏi",
    "Chủ đề",
    "Độ khó",
    "Loại câu hỏi",
    "Câu hỏi",
    "Phương án A",
    "Phương án B",
    "Phương án C",
    "Phương án D",
    "Đáp án đúng",
    "Giải thích",
    "Nguồn",
    "Ảnh",
    "Ghi chú",
];

/// The template workbook.
pub fn template_xlsx() -> anyhow::Result<Vec<u8>> {
    let rows: [[&str; 14]; 2] = [
        [
            "mau-001",
            "Nghị định 45/2020/NĐ-CP",
            "dễ",
            "một đáp án",
            "Nghị định số 45/2020/NĐ-CP quy định về nội dung nào?",
            "Thực hiện thủ tục hành chính trên môi trường điện tử",
            "Tổ chức chính quyền địa phương",
            "Ban hành văn bản quy phạm pháp luật",
            "Giao dịch điện tử trong ngân hàng",
            "A",
            "Nghị định 45/2020/NĐ-CP quy định về thực hiện thủ tục hành chính trên môi trường điện tử.",
            "Nghị định 45/2020/NĐ-CP",
            "",
            "Cột “Ghi chú” không được đọc.",
        ],
        [
            "mau-002",
            "Sử dụng Cổng Dịch vụ công",
            "trung bình",
            "nhiều đáp án",
            "Những kênh nào dùng để nộp hồ sơ trực tuyến?",
            "Cổng Dịch vụ công quốc gia",
            "Cổng Dịch vụ công của tỉnh",
            "Gửi thư tay",
            "",
            "A, B",
            "",
            "",
            "",
            "Ảnh: ghi vào cột “Ảnh” tên tệp và mô tả, ví dụ anh/buoc-1.png \"Trang đăng nhập\" (nhiều ảnh cách nhau bằng dấu ;), rồi nén bảng tính cùng các tệp ảnh thành một tệp .zip.",
        ],
    ];
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Câu hỏi")?;
    let bold = Format::new().set_bold();
    for (c, h) in TEMPLATE_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, if c == 4 { 60 } else { 24 })?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, *v)?;
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::super::{BankMeta, Format, parse};

    #[test]
    fn the_template_reads_as_two_questions() {
        let bytes = super::template_xlsx().unwrap();
        let parsed = parse(Format::Xlsx, &bytes, &BankMeta::new("mau", "Mẫu"))
            .unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(parsed.bank.questions.len(), 2);
        assert_eq!(
            parsed.bank.questions[1]
                .choices
                .iter()
                .filter(|c| c.correct)
                .count(),
            2
        );
    }
}
