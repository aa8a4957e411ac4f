//! Pictures through the text formats (issue #19): GIFT and Aiken picture markers, their
//! round trip through the GIFT export, and the TOML bundle shape.

use std::collections::HashMap;
use std::io::Cursor;

use super::{BankMeta, Format, parse_with_files, to_gift, to_toml};

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([seed, x as u8, y as u8]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn meta() -> BankMeta {
    BankMeta::new("anh", "Ảnh")
}

#[test]
fn gift_markers_become_pictures_and_round_trip_through_the_export() {
    let gift = "::q1::Trang nào là Cổng Dịch vụ công? [img cong.png \"Trang chủ Cổng Dịch vụ công\"] {\n\
                =Trang A [img a.png \"Trang có quốc huy\"]\n~Trang B\n}\n";
    let files = HashMap::from([
        ("cong.png".to_owned(), png(1)),
        ("a.png".to_owned(), png(2)),
    ]);
    let parsed = parse_with_files(Format::Gift, gift.as_bytes(), &meta(), files).unwrap();
    let q = &parsed.bank.questions[0];
    assert_eq!(q.text, "Trang nào là Cổng Dịch vụ công?");
    assert_eq!(q.images[0].alt, "Trang chủ Cổng Dịch vụ công");
    assert_eq!((q.images[0].width, q.images[0].height), (64, 48));
    assert_eq!(q.choices[0].text, "Trang A");
    assert_eq!(q.choices[0].images.len(), 1);
    assert_eq!(parsed.media.len(), 2);

    // The export names the stored files; with them beside it, it reads back the same.
    let stored: HashMap<String, Vec<u8>> = parsed
        .media
        .iter()
        .map(|m| (m.name.clone(), m.bytes.clone()))
        .collect();
    let again = parse_with_files(
        Format::Gift,
        to_gift(&parsed.bank).as_bytes(),
        &meta(),
        stored.clone(),
    )
    .unwrap();
    assert!(again.bank.same_content(&parsed.bank));
    let toml = to_toml(&parsed.bank);
    let again = parse_with_files(Format::Toml, toml.as_bytes(), &meta(), stored).unwrap();
    assert!(again.bank.same_content(&parsed.bank), "{toml}");
}

#[test]
fn an_aiken_picture_without_alt_text_or_file_is_refused_with_its_line() {
    let aiken = "Câu một?\nA. Có\nB. Không\nANSWER: A\n\nCâu hai? [img hai.png]\nA. Có [img thieu.png \"Không có tệp\"]\nB. Không\nANSWER: B\n";
    let files = HashMap::from([("hai.png".to_owned(), png(3))]);
    let problems = parse_with_files(Format::Aiken, aiken.as_bytes(), &meta(), files).unwrap_err();
    let listed: Vec<(usize, String)> = problems
        .iter()
        .map(|p| (p.line, p.message.clone()))
        .collect();
    assert!(
        listed
            .iter()
            .any(|(l, m)| *l == 6 && m.contains("thiếu mô tả")),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|(l, m)| *l == 6 && m.contains("Không tìm thấy tệp ảnh “thieu.png”")),
        "{listed:?}"
    );
}
