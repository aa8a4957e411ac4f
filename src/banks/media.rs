//! Pictures in questions and options (issue #19): read, checked and cleaned before they
//! are stored, all as pure functions over bytes.
//!
//! A picture is accepted only if it decodes as PNG, JPEG or WebP within the limits below
//! (a decompression bomb is refused from its header, before any pixel is allocated).
//! Metadata (camera, place, author, editing history) is removed: PNG and WebP are
//! re-encoded from their pixels (losslessly); a JPEG keeps its compressed data and loses
//! every metadata segment (EXIF, XMP, IPTC, comments), because re-encoding a JPEG loses
//! quality each time and a re-import of an exported bank must give the same picture.
//! Cleaning is idempotent, so the stored name — the SHA-256 of the cleaned bytes — is
//! the same whenever the same picture comes back. Pictures wider than [`SMALL_WIDTH`] get a
//! variant that wide for phones.

use std::collections::HashMap;
use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::model::{Bank, Image};
use crate::error::Problems;
use crate::limits::excerpt;

/// Pictures of one question: its own and its options' together.
pub const MAX_IMAGES_PER_QUESTION: usize = 5;
/// Bytes of one picture file as uploaded.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;
/// Pixels on either side of a picture.
pub const MAX_IMAGE_SIDE: u32 = 4096;
/// Width of the variant served to phones.
pub const SMALL_WIDTH: u32 = 720;
/// Characters of a picture's alt text.
pub const MAX_ALT_CHARS: usize = 300;

/// A cleaned picture, ready to store once under its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `<sha256 of bytes>.<png|jpg|webp>`: its address under `/media/`.
    pub name: String,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub content_type: &'static str,
    /// Pixels wide.
    pub width: u32,
    /// Pixels high.
    pub height: u32,
    /// The cleaned file.
    pub bytes: Vec<u8>,
    /// The [`SMALL_WIDTH`] wide variant (same format), for pictures wider than that.
    pub small: Option<Small>,
}

/// The phone variant of a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Small {
    /// Pixels wide ([`SMALL_WIDTH`]).
    pub width: u32,
    /// Pixels high, in proportion.
    pub height: u32,
    /// The encoded variant.
    pub bytes: Vec<u8>,
}

/// The content type of a stored name's extension.
pub fn content_type_of(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.')?.1 {
        "png" => Some("image/png"),
        "jpg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

/// Whether `name` is a stored name: 64 lowercase hex digits, a dot, a known extension.
pub fn is_stored_name(name: &str) -> bool {
    name.split_once('.').is_some_and(|(hash, _)| {
        hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }) && content_type_of(name).is_some()
}

/// Height of the phone variant of a `width`×`height` picture.
pub fn small_height(width: u32, height: u32) -> u32 {
    ((u64::from(height) * u64::from(SMALL_WIDTH) + u64::from(width) / 2) / u64::from(width.max(1)))
        .max(1) as u32
}

/// Reads, checks and cleans one picture file; `Err` is the Vietnamese reason, naming the
/// file as `file`.
pub fn process(file: &str, bytes: &[u8]) -> Result<Media, String> {
    let shown = excerpt(file);
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "Ảnh “{shown}” nặng {} KB; mỗi ảnh tối đa {} KB (1 MB).",
            bytes.len().div_ceil(1024),
            MAX_IMAGE_BYTES / 1024
        ));
    }
    let not_image = || {
        format!(
            "Tệp “{shown}” không phải ảnh PNG, JPEG hoặc WebP đọc được (ảnh hỏng hoặc sai định dạng)."
        )
    };
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)) => f,
        _ => return Err(not_image()),
    };
    let reader = || {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE);
        limits.max_image_height = Some(MAX_IMAGE_SIDE);
        // Room for the largest picture allowed, 16-bit RGBA, and the decoder's own buffers.
        limits.max_alloc =
            Some(u64::from(MAX_IMAGE_SIDE) * u64::from(MAX_IMAGE_SIDE) * 8 + (64 << 20));
        reader.limits(limits);
        reader
    };
    // The header first: a bomb is refused by its declared size before any pixel exists.
    let (width, height) = reader()
        .into_dimensions()
        .map_err(|e| too_big_or(e, &shown, not_image()))?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width == 0 || height == 0 {
        return Err(too_large(&shown, width, height));
    }
    let pixels = reader()
        .decode()
        .map_err(|e| too_big_or(e, &shown, not_image()))?;
    let (cleaned, ext, content_type) = match format {
        ImageFormat::Jpeg => (
            strip_jpeg(bytes).ok_or_else(not_image)?,
            "jpg",
            "image/jpeg",
        ),
        ImageFormat::WebP => (
            encode(&pixels, ImageFormat::WebP).ok_or_else(not_image)?,
            "webp",
            "image/webp",
        ),
        _ => (
            encode(&pixels, ImageFormat::Png).ok_or_else(not_image)?,
            "png",
            "image/png",
        ),
    };
    let small = (width > SMALL_WIDTH)
        .then(|| {
            let h = small_height(width, height);
            let resized =
                pixels.resize_exact(SMALL_WIDTH, h, image::imageops::FilterType::Triangle);
            let bytes = match format {
                ImageFormat::Jpeg => {
                    let mut out = Vec::new();
                    let rgb = DynamicImage::ImageRgb8(resized.to_rgb8());
                    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
                        .encode_image(&rgb)
                        .ok()?;
                    out
                }
                other => encode(&resized, other)?,
            };
            Some(Small {
                width: SMALL_WIDTH,
                height: h,
                bytes,
            })
        })
        .flatten();
    let hash: String = Sha256::digest(&cleaned)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Media {
        name: format!("{hash}.{ext}"),
        content_type,
        width,
        height,
        bytes: cleaned,
        small,
    })
}

fn too_large(shown: &str, width: u32, height: u32) -> String {
    format!(
        "Ảnh “{shown}” có kích thước {width}×{height} điểm ảnh; tối đa \
         {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}."
    )
}

fn too_big_or(e: image::ImageError, shown: &str, otherwise: String) -> String {
    match e {
        image::ImageError::Limits(_) => format!(
            "Ảnh “{shown}” quá lớn khi giải nén; tối đa {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} điểm ảnh."
        ),
        _ => otherwise,
    }
}

/// Pixels encoded losslessly as PNG or WebP (8-bit, with alpha only if the picture has
/// it, so that encoding the decoded result again gives the same bytes).
fn encode(pixels: &DynamicImage, format: ImageFormat) -> Option<Vec<u8>> {
    let pixels = match (format, pixels) {
        (ImageFormat::WebP, p) if p.color().has_alpha() => DynamicImage::ImageRgba8(p.to_rgba8()),
        (ImageFormat::WebP, p) => DynamicImage::ImageRgb8(p.to_rgb8()),
        (_, p) => p.clone(),
    };
    let mut out = Cursor::new(Vec::new());
    pixels.write_to(&mut out, format).ok()?;
    Some(out.into_inner())
}

/// A JPEG without its metadata segments: APP1 (EXIF, XMP), APP3–APP13 (IPTC among them),
/// APP15 and comments go; the JFIF header, the colour profile (APP2), Adobe's colour
/// transform (APP14), tables and image data stay. `None` if the segments do not parse.
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = b[i];
        i += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]));
        if len < 2 || i + len > b.len() {
            return None;
        }
        if !matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&b[i..i + len]);
        }
        i += len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a
            // restart marker.
            let start = i;
            while *b.get(i)? != 0xFF || matches!(*b.get(i + 1)?, 0x00 | 0xD0..=0xD7 | 0xFF) {
                i += 1;
            }
            out.extend_from_slice(&b[start..i]);
        }
    }
}

/// Takes the picture markers `[img <file> "<alt>"]` (or `[ảnh …]`) out of a text, for
/// the formats with no place for pictures (GIFT, Aiken, CSV, XLSX): the text without
/// them, and the pictures in order. A marker without its quoted alt text gives a picture
/// without one, refused when the pictures are read.
pub(super) fn take_markers(text: &str) -> (String, Vec<Image>) {
    let mut out = String::with_capacity(text.len());
    let mut images = Vec::new();
    let mut rest = text;
    loop {
        let at = ["[img ", "[ảnh "]
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i, m.len())))
            .min();
        let Some((i, len)) = at else { break };
        let Some(close) = marker_end(&rest[i + len..]) else {
            break;
        };
        out.push_str(&rest[..i]);
        let inner = rest[i + len..i + len + close].trim();
        let (file, alt) = match inner.split_once(char::is_whitespace) {
            Some((file, alt)) => (file, alt.trim().trim_matches(['"', '“', '”']).to_owned()),
            None => (inner, String::new()),
        };
        images.push(Image::named(file, &alt));
        rest = &rest[i + len + close + 1..];
    }
    out.push_str(rest);
    if images.is_empty() {
        (text.to_owned(), images)
    } else {
        (super::text::clean(&out), images)
    }
}

/// The pictures of a spreadsheet's picture column (`Ảnh`): each a file of the ZIP bundle
/// and its alt text in quotes, `anh/buoc-1.png "Trang đăng nhập"`, several separated by
/// `;` or line breaks; `[img …]` markers are read too.
pub(super) fn picture_list(cell: &str) -> Vec<Image> {
    if cell.contains("[img ") || cell.contains("[ảnh ") {
        return take_markers(cell).1;
    }
    let mut images = Vec::new();
    let mut rest = cell;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if rest.is_empty() {
            return images;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ';')
            .unwrap_or(rest.len());
        let file = &rest[..end];
        rest = rest[end..].trim_start_matches([' ', '\t']);
        let mut alt = "";
        let closing = match rest.chars().next() {
            Some('"') => Some('"'),
            Some('“') => Some('”'),
            _ => None,
        };
        if let Some(closing) = closing {
            let quoted = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
            let close = quoted.find(closing).unwrap_or(quoted.len());
            alt = &quoted[..close];
            rest = quoted.get(close + closing.len_utf8()..).unwrap_or_default();
        }
        images.push(Image::named(file, alt));
    }
}

/// Where a marker's `]` is: the first one after its quoted alt text.
fn marker_end(s: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' | '“' | '”' => quoted = !quoted,
            ']' if !quoted => return Some(i),
            '\n' => return None,
            _ => {}
        }
    }
    None
}

/// [`take_markers`] over every question and option text of a bank.
pub(super) fn take_all_markers(bank: &mut Bank) {
    for q in &mut bank.questions {
        let (text, images) = take_markers(&q.text);
        q.text = text;
        q.images.extend(images);
        for c in &mut q.choices {
            let (text, images) = take_markers(&c.text);
            c.text = text;
            c.images.extend(images);
        }
    }
}

/// Reads every picture the bank's questions and options name from `files` (the other
/// entries of a ZIP bundle, or a Moodle file's embedded files), checks it, and sets each
/// [`Image`] to its stored name and size. Problems (a missing alt text, a missing or bad
/// file, too many pictures) are pushed with the question's line. Returns the cleaned
/// pictures, each once.
pub(super) fn resolve(
    bank: &mut Bank,
    files: &HashMap<String, Vec<u8>>,
    problems: &mut Problems,
) -> Vec<Media> {
    let mut media: HashMap<String, Media> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut done = process_all(bank, files);
    for q in &mut bank.questions {
        let line = q.line;
        let count = q.images.len() + q.choices.iter().map(|c| c.images.len()).sum::<usize>();
        if count > MAX_IMAGES_PER_QUESTION {
            problems.push(
                line,
                format!("Câu hỏi có {count} ảnh; mỗi câu hỏi (kể cả các phương án) tối đa {MAX_IMAGES_PER_QUESTION} ảnh."),
            );
        }
        let images = q
            .images
            .iter_mut()
            .chain(q.choices.iter_mut().flat_map(|c| c.images.iter_mut()));
        for image in images {
            if image.alt.is_empty() {
                problems.push(
                    line,
                    format!(
                        "Ảnh “{}” thiếu mô tả (alt): mỗi ảnh cần một câu mô tả bằng tiếng Việt \
                         cho người không xem được ảnh.",
                        excerpt(&image.file)
                    ),
                );
            } else if image.alt.chars().count() > MAX_ALT_CHARS {
                problems.push(
                    line,
                    format!(
                        "Mô tả (alt) của ảnh “{}” dài hơn {MAX_ALT_CHARS} ký tự.",
                        excerpt(&image.file)
                    ),
                );
            }
            if image.is_stored() {
                continue;
            }
            let result = match done.get_mut(&image.file) {
                None => Err(format!(
                    "Không tìm thấy tệp ảnh “{}” trong gói tải lên (tệp ZIP kèm ngân hàng câu hỏi).",
                    excerpt(&image.file)
                )),
                Some(Err(message)) => Err(message.clone()),
                Some(Ok(m)) => {
                    let out = (m.name.clone(), m.width, m.height);
                    if !media.contains_key(&m.name) {
                        order.push(m.name.clone());
                        media.insert(m.name.clone(), m.clone());
                    }
                    Ok(out)
                }
            };
            match result {
                Ok((name, w, h)) => {
                    image.file = name;
                    image.width = w;
                    image.height = h;
                }
                Err(message) => problems.push(line, message),
            }
        }
    }
    order.into_iter().filter_map(|n| media.remove(&n)).collect()
}

/// Every file the bank's pictures name that `files` holds, processed on all cores (a
/// bank of 300 screenshots is mostly decoding and encoding).
fn process_all(
    bank: &Bank,
    files: &HashMap<String, Vec<u8>>,
) -> HashMap<String, Result<Media, String>> {
    let mut names: Vec<&str> = bank
        .questions
        .iter()
        .flat_map(|q| {
            q.images
                .iter()
                .chain(q.choices.iter().flat_map(|c| c.images.iter()))
        })
        .filter(|i| !i.is_stored() && files.contains_key(&i.file))
        .map(|i| i.file.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let per_thread = names.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = names
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&n| {
                            // Codecs are third-party code fed with untrusted bytes: a panic
                            // inside one refuses that picture, nothing more.
                            let result = std::panic::catch_unwind(|| process(n, &files[n]))
                                .unwrap_or_else(|_| {
                                    Err(format!(
                                        "Tệp “{}” không phải ảnh PNG, JPEG hoặc WebP đọc được.",
                                        excerpt(n)
                                    ))
                                });
                            (n.to_owned(), result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_picture_column_lists_files_with_their_alt_texts() {
        let images = picture_list(
            "anh/a.png \"Trang “Đăng nhập”; nút xanh\"; anh/b.png “Bước 2”\nanh/c.png",
        );
        let got: Vec<(&str, &str)> = images
            .iter()
            .map(|i| (i.file.as_str(), i.alt.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("anh/a.png", "Trang “Đăng nhập”; nút xanh"),
                ("anh/b.png", "Bước 2"),
                ("anh/c.png", "")
            ]
        );
        assert_eq!(picture_list(" ; ").len(), 0);
        assert_eq!(picture_list("[img x.png \"X\"]")[0].alt, "X");
    }

    #[test]
    fn cleaning_is_idempotent_and_names_by_content() {
        let first = process("a.png", &png(40, 30)).unwrap();
        let again = process("b.png", &first.bytes).unwrap();
        assert_eq!(first.name, again.name);
        assert!(is_stored_name(&first.name));
        assert_eq!((first.width, first.height), (40, 30));
        assert!(first.small.is_none());
    }

    #[test]
    fn a_wide_picture_gets_a_phone_variant() {
        let m = process("w.png", &png(1440, 900)).unwrap();
        let small = m.small.unwrap();
        assert_eq!((small.width, small.height), (720, 450));
    }

    #[test]
    fn jpeg_metadata_is_removed_and_the_picture_kept() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            16,
            16,
            image::Rgb([200, 10, 10]),
        ));
        let mut plain = Cursor::new(Vec::new());
        img.write_to(&mut plain, ImageFormat::Jpeg).unwrap();
        let plain = plain.into_inner();
        // An EXIF segment right after SOI, carrying a "GPS" string.
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x0A];
        with_exif.extend_from_slice(b"Exif\0GPS");
        with_exif.extend_from_slice(&plain[2..]);
        let m = process("p.jpg", &with_exif).unwrap();
        assert!(!m.bytes.windows(3).any(|w| w == b"GPS"));
        assert_eq!(m.name, process("p.jpg", &m.bytes).unwrap().name);
    }

    #[test]
    fn markers_become_pictures_and_leave_the_text() {
        let (text, images) =
            take_markers("Bấm nút nào? [img anh/nut.png \"Nút [Nộp] màu xanh\"] trên trang");
        assert_eq!(text, "Bấm nút nào? trên trang");
        assert_eq!(
            images,
            vec![Image::named("anh/nut.png", "Nút [Nộp] màu xanh")]
        );
        let (_, images) = take_markers("[ảnh a.png]");
        assert_eq!(images[0].alt, "");
        assert_eq!(take_markers("Mảng [1, 2]").0, "Mảng [1, 2]");
    }

    #[test]
    fn refusals_name_the_file_and_the_reason() {
        assert!(
            process("x.png", b"not a picture")
                .unwrap_err()
                .contains("không phải ảnh")
        );
        assert!(
            process("x.png", &vec![0u8; MAX_IMAGE_BYTES + 1])
                .unwrap_err()
                .contains("1 MB")
        );
        // A PNG header declaring 100000×100000 pixels: refused from the header.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = process("bomb.png", &bomb).unwrap_err();
        assert!(err.contains("4096"), "{err}");
    }
}
