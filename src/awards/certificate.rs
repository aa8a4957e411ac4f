//! Certificates as PDF: A4 landscape, Vietnamese text shaped (rustybuzz, through krilla)
//! in the embedded Noto Serif (SIL OFL, `static/fonts/`, subset into each file), the
//! contest and organiser names, the prize, a signer line, and the verification code with
//! a QR code of the verification URL (`/xac-minh/{code}`) and the list's digest.
//!
//! A certificate is a pure function of its [`CertificateView`] and the site's address, so
//! a participant's download and the organiser's ZIP print the same file.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use super::workflow::CertificateView;
use crate::error::Result;

static REGULAR_BYTES: &[u8] = include_bytes!("../../static/fonts/NotoSerif-Regular.ttf");
static BOLD_BYTES: &[u8] = include_bytes!("../../static/fonts/NotoSerif-Bold.ttf");

/// The two faces, parsed once.
struct Faces {
    regular: Font,
    bold: Font,
    regular_shaper: rustybuzz::Face<'static>,
    bold_shaper: rustybuzz::Face<'static>,
}

static FACES: LazyLock<Option<Faces>> = LazyLock::new(|| {
    Some(Faces {
        regular: Font::new(REGULAR_BYTES.into(), 0)?,
        bold: Font::new(BOLD_BYTES.into(), 0)?,
        regular_shaper: rustybuzz::Face::from_slice(REGULAR_BYTES, 0)?,
        bold_shaper: rustybuzz::Face::from_slice(BOLD_BYTES, 0)?,
    })
});

/// A4 landscape, in points.
const WIDTH: f32 = 841.89;
const HEIGHT: f32 = 595.28;
/// The text block's width: the page less the frame and margins.
const TEXT_WIDTH: f32 = WIDTH - 160.0;

const RED: (u8, u8, u8) = (166, 29, 36);
const INK: (u8, u8, u8) = (33, 33, 33);

/// The verification URL printed and encoded in the QR code.
pub fn verify_url(base: &str, code: &str) -> String {
    format!("{}/xac-minh/{code}", base.trim_end_matches('/'))
}

/// The Vietnamese date line, e.g. `ngày 7 tháng 12 năm 2026`.
fn date_vi(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    let d = crate::vn_time::naive(t).date();
    format!("ngày {} tháng {} năm {}", d.day(), d.month(), d.year())
}

struct Writer<'a, 'b> {
    surface: &'a mut Surface<'b>,
    faces: &'static Faces,
}

impl Writer<'_, '_> {
    fn color(&mut self, (r, g, b): (u8, u8, u8)) {
        self.surface.set_fill(Some(Fill {
            paint: rgb::Color::new(r, g, b).into(),
            ..Fill::default()
        }));
    }

    /// The width of `text` at `size`, shaped as it will be drawn.
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold {
            &self.faces.bold_shaper
        } else {
            &self.faces.regular_shaper
        };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(face.units_per_em() as u16)
    }

    /// Draws `text` centred on `x` with its baseline at `y`, shrunk to fit `max_width`.
    fn centred(&mut self, text: &str, x: f32, y: f32, size: f32, bold: bool, max_width: f32) {
        let mut size = size;
        let mut width = self.width(text, size, bold);
        if width > max_width {
            size = (size * max_width / width).max(6.0);
            width = self.width(text, size, bold);
        }
        self.left(text, x - width / 2.0, y, size, bold);
    }

    fn left(&mut self, text: &str, x: f32, y: f32, size: f32, bold: bool) {
        let font = if bold {
            self.faces.bold.clone()
        } else {
            self.faces.regular.clone()
        };
        self.surface.draw_text(
            Point::from_xy(x, y),
            font,
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn frame(&mut self, inset: f32, width: f32) {
        let Some(rect) = Rect::from_xywh(inset, inset, WIDTH - 2.0 * inset, HEIGHT - 2.0 * inset)
        else {
            return;
        };
        let mut pb = PathBuilder::new();
        pb.push_rect(rect);
        if let Some(path) = pb.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(RED.0, RED.1, RED.2).into(),
                width,
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
        }
    }

    /// The QR code of `url`, `size` points wide, its top-left corner at (`x`, `y`).
    fn qr(&mut self, url: &str, x: f32, y: f32, size: f32) -> Result<()> {
        let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M)
            .map_err(|e| anyhow::anyhow!("the verification URL does not fit a QR code: {e}"))?;
        let modules = code.width();
        // A quiet zone of 4 modules on each side, as scanners expect.
        let module = size / (modules + 8) as f32;
        let colors = code.to_colors();
        let mut pb = PathBuilder::new();
        for (i, c) in colors.iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (row, col) = (i / modules, i % modules);
                if let Some(r) = Rect::from_xywh(
                    x + (col + 4) as f32 * module,
                    y + (row + 4) as f32 * module,
                    module,
                    module,
                ) {
                    pb.push_rect(r);
                }
            }
        }
        self.color((0, 0, 0));
        if let Some(path) = pb.finish() {
            self.surface.draw_path(&path);
        }
        Ok(())
    }
}

/// The PDF of one certificate. `base_url` is the site's public address (no trailing
/// slash needed).
/// The certificate's main line: the prize, or for a participation certificate the score
/// with which the round was completed.
pub fn achievement(cert: &CertificateView) -> String {
    if cert.entry.prize == super::propose::PARTICIPATION {
        format!("Đã hoàn thành phần thi với {} điểm", cert.entry.score)
    } else {
        format!("Đã đạt {}", cert.entry.prize)
    }
}

pub fn render(cert: &CertificateView, base_url: &str) -> Result<Vec<u8>> {
    let faces = FACES
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the embedded certificate fonts do not parse"))?;
    let settings = PageSettings::from_wh(WIDTH, HEIGHT)
        .ok_or_else(|| anyhow::anyhow!("bad certificate page size"))?;
    let mut document = Document::new();
    {
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut w = Writer {
            surface: &mut surface,
            faces,
        };
        w.frame(18.0, 3.0);
        w.frame(26.0, 0.8);
        let mid = WIDTH / 2.0;
        w.color(INK);
        w.centred(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            mid,
            70.0,
            13.0,
            true,
            TEXT_WIDTH,
        );
        w.centred(
            "Độc lập – Tự do – Hạnh phúc",
            mid,
            88.0,
            12.0,
            true,
            TEXT_WIDTH,
        );
        let organiser = cert
            .organiser
            .clone()
            .unwrap_or_else(|| "BAN TỔ CHỨC CUỘC THI".to_owned());
        w.centred(
            &organiser.to_uppercase(),
            mid,
            120.0,
            13.0,
            false,
            TEXT_WIDTH,
        );
        w.color(RED);
        w.centred("GIẤY CHỨNG NHẬN", mid, 178.0, 38.0, true, TEXT_WIDTH);
        w.color(INK);
        w.centred("Chứng nhận", mid, 214.0, 15.0, false, TEXT_WIDTH);
        w.color(RED);
        w.centred(&cert.entry.name, mid, 254.0, 30.0, true, TEXT_WIDTH);
        w.color(INK);
        if let Some(unit) = &cert.entry.unit {
            w.centred(
                &format!("Đơn vị: {unit}"),
                mid,
                282.0,
                14.0,
                false,
                TEXT_WIDTH,
            );
        }
        w.centred(
            &format!("Đối tượng: {}", cert.entry.category_name),
            mid,
            302.0,
            14.0,
            false,
            TEXT_WIDTH,
        );
        w.centred(&achievement(cert), mid, 340.0, 22.0, true, TEXT_WIDTH);
        w.centred(&cert.scope_title, mid, 366.0, 14.0, false, TEXT_WIDTH);
        w.centred(
            &format!("Cuộc thi «{}»", cert.contest_title),
            mid,
            386.0,
            14.0,
            false,
            TEXT_WIDTH,
        );

        // The signature block, right.
        let right = WIDTH - 210.0;
        w.centred(
            &date_vi(cert.published_at),
            right,
            436.0,
            12.0,
            false,
            300.0,
        );
        let signer = cert
            .signer
            .clone()
            .unwrap_or_else(|| "TM. BAN TỔ CHỨC".to_owned());
        for (i, line) in signer.split(" — ").take(3).enumerate() {
            w.centred(line, right, 456.0 + 16.0 * i as f32, 12.0, true, 300.0);
        }

        // The verification block, left: QR code, code, URL; the digest at the foot.
        let url = verify_url(base_url, &cert.code);
        w.qr(&url, 60.0, 410.0, 110.0)?;
        w.color(INK);
        w.left(
            &format!("Mã xác minh: {}", cert.code),
            172.0,
            452.0,
            12.0,
            true,
        );
        w.left("Quét mã QR hoặc mở địa chỉ:", 172.0, 470.0, 9.0, false);
        w.left(&url, 172.0, 484.0, 9.0, false);
        w.centred(
            &format!("Danh sách đã công bố, SHA-256: {}", cert.digest),
            mid,
            HEIGHT - 40.0,
            7.0,
            false,
            TEXT_WIDTH + 60.0,
        );
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| anyhow::anyhow!("the certificate PDF did not build: {e:?}").into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awards::AwardEntry;

    fn view() -> CertificateView {
        CertificateView {
            code: "ABCD-2345".into(),
            participant_id: 7,
            entry: AwardEntry {
                participant_id: 7,
                category: "official".into(),
                category_name: "Cán bộ, công chức".into(),
                prize: "Giải Nhất".into(),
                level: 0,
                rank: 1,
                name: "Nguyễn Thị Ánh Tuyết".into(),
                unit: Some("Sở Tư pháp".into()),
                score: 20,
                time_taken_ms: 61_000,
                certificate_code: Some("ABCD-2345".into()),
            },
            scope_title: "Tuần 1".into(),
            contest_title: "Tìm hiểu pháp luật".into(),
            contest_id: 1,
            round_id: Some(1),
            digest: "ab".repeat(32),
            published_at: chrono::Utc::now(),
            valid: true,
            organiser: None,
            signer: Some("TM. BAN TỔ CHỨC — Trưởng ban".into()),
        }
    }

    #[test]
    fn a_certificate_is_a_pdf_with_the_font_subset_embedded() {
        let pdf = render(&view(), "https://cuocthi.example.vn").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // The subset font is embedded (a FontFile2 stream), not referenced by name only.
        assert!(pdf.windows(9).any(|w| w == b"FontFile2"));
        // A subset, not the whole 600 KB face twice.
        assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    }

    #[test]
    fn shaped_width_grows_with_the_text_and_the_size() {
        let faces = FACES.as_ref().unwrap();
        let mut document = Document::new();
        let mut page = document.start_page_with(PageSettings::from_wh(100.0, 100.0).unwrap());
        let mut surface = page.surface();
        let w = Writer {
            surface: &mut surface,
            faces,
        };
        let a = w.width("Nguyễn", 10.0, false);
        assert!(a > 0.0);
        assert!(w.width("Nguyễn Văn", 10.0, false) > a);
        assert!((w.width("Nguyễn", 20.0, false) - 2.0 * a).abs() < 0.01);
        // Combining marks add no advance: NFD and NFC "ễ" measure alike.
        let nfd = w.width("Nguye\u{302}\u{303}n", 10.0, false);
        assert!((nfd - a).abs() < 0.5, "{nfd} vs {a}");
    }
}
