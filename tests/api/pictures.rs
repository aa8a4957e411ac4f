//! Pictures in questions (issue #19, point 8): a Moodle XML bank with embedded pictures
//! imports, its pictures are served by content hash with year-long caching, the attempt
//! page shows them sized and lazy without saying which option is right, the bank
//! round-trips through its Moodle XML export, and bad pictures are refused by line.

use std::io::Cursor;

use base64::Engine;
use cuocthi::accounts::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, json_of, spawn_app};
use crate::pages::{browser, log_in, page};
use crate::uploads::{bomb, part, zip};

/// A screenshot-like PNG, different for each `seed`.
fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([seed, (x / 8 % 256) as u8, (y / 8 % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A Moodle XML bank of `n` single-choice questions, each with a picture in its text
/// (`alt` as given) and, on its correct option, a picture of its own.
fn moodle_bank(n: usize, alt: Option<&str>) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    for i in 0..n {
        let alt_attr = alt.map(|a| format!(" alt=\"{a} {i}\"")).unwrap_or_default();
        xml.push_str(&format!(
            r#"  <question type="multichoice">
    <name><text>anh-{i}</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Câu {i}: trên màn hình, bấm vào đâu để nộp hồ sơ?</p><p><img src="@@PLUGINFILE@@/man%20hinh-{i}.png"{alt_attr} width="1000" height="600"></p>]]></text>
      <file name="man hinh-{i}.png" path="/" encoding="base64">{}</file>
    </questiontext>
    <single>true</single>
    <answer fraction="100" format="html"><text><![CDATA[Nút “Nộp hồ sơ” <img src="@@PLUGINFILE@@/correct.png" alt="Nút nộp hồ sơ màu xanh">]]></text>
      <file name="correct.png" path="/" encoding="base64">{}</file></answer>
    <answer fraction="0" format="html"><text>Nút “Đăng xuất”</text></answer>
    <answer fraction="0" format="html"><text>Biểu tượng tìm kiếm</text></answer>
  </question>
"#,
            b64(&png(1000, 600, i as u8)),
            b64(&png(120, 40, 250)),
        ));
    }
    xml.push_str("</quiz>\n");
    xml
}

async fn import(app: &TestApp, organiser: &str, query: &str, body: Vec<u8>) -> (StatusCode, Value) {
    json_of(app.import_bank(Some(organiser), query, body).await).await
}

#[tokio::test]
async fn a_moodle_bank_with_pictures_imports_shows_them_lazily_and_round_trips() {
    // Arrange: a bank of 20 picture questions and a round drawing all of them. (The
    // files are built before any request: a client connection left idle while they are
    // built may be closed by the server under it.)
    let xml = moodle_bank(20, Some("Ảnh chụp màn hình Cổng Dịch vụ công, bước"));
    assert!(xml.len() < 4 << 20, "the bank is {} bytes", xml.len());
    let app = spawn_app().await;
    app.seed_units().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let (status, body) = import(
        &app,
        &organiser,
        "format=moodlexml&code=anh&title=Ảnh",
        xml.into_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["questions"], 20);
    let (status, contest) = json_of(
        app.post_json(
            "/api/v1/contests",
            Some(&organiser),
            &json!({"code": "anh", "title": "Cuộc thi có ảnh", "categories": ["official"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{contest}");
    let now = chrono::Utc::now();
    let round = app
        .create_round(
            &organiser,
            contest["id"].as_i64().unwrap(),
            &json!({
                "title": "Tuần ảnh",
                "opens_at": now - chrono::Duration::hours(1),
                "closes_at": now + chrono::Duration::days(1),
                "time_limit_secs": 1200,
                "max_attempts": 1,
                "practice": false,
                "draw": [{"bank": "anh", "count": 20}],
                "order": "shuffled",
            }),
        )
        .await;

    // Act: a participant starts, through the API, and sees the page in a browser.
    let token = app.participant("0912345678").await;
    let (status, started) = app.start(&token, round).await;
    assert_eq!(status, 201, "{started}");
    let attempt = started["attempt_id"]
        .as_i64()
        .unwrap_or_else(|| started["id"].as_i64().unwrap());
    let (_, view) = json_of(
        app.get(&format!("/api/v1/attempts/{attempt}"), Some(&token))
            .await,
    )
    .await;

    // Assert: every question carries its picture, sized, with its alt text.
    let questions = view["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 20);
    for q in questions {
        let img = &q["images"][0];
        assert!(img["src"].as_str().unwrap().starts_with("/media/"), "{img}");
        assert!(
            img["small"].as_str().unwrap().starts_with("/media/720/"),
            "{img}"
        );
        assert!(
            img["alt"]
                .as_str()
                .unwrap()
                .starts_with("Ảnh chụp màn hình")
        );
        assert_eq!(
            (img["width"].as_u64(), img["height"].as_u64()),
            (Some(1000), Some(600))
        );
        // Nothing in an option marks the right one: its keys are id, text and images,
        // and an option's picture address is its content hash, not its source name.
        for o in q["options"].as_array().unwrap() {
            let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
            assert!(
                keys.iter().all(|k| ["id", "text", "images"].contains(k)),
                "{o}"
            );
            for i in o["images"].as_array().into_iter().flatten() {
                let src = i["src"].as_str().unwrap();
                assert!(!src.contains("correct"), "{src}");
                let name = src.trim_start_matches("/media/");
                assert!(cuocthi::banks::media::is_stored_name(name), "{src}");
            }
        }
    }
    let view_text = view.to_string();
    assert!(
        !view_text.contains("\"correct\""),
        "the view marks an option: {view_text}"
    );

    // The picture and its phone variant: immutable, the right type, the right size.
    let src = questions[0]["images"][0]["src"].as_str().unwrap();
    let r = app.client.get(app.url(src)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let full = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((full.width(), full.height()), (1000, 600));
    let small = questions[0]["images"][0]["small"].as_str().unwrap();
    let bytes = app
        .client
        .get(app.url(small))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let variant = image::load_from_memory(&bytes).unwrap();
    assert_eq!((variant.width(), variant.height()), (720, 432));
    let missing = format!("/media/{}.png", "0".repeat(64));
    assert_eq!(
        app.client
            .get(app.url(&missing))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The attempt page as a browser gets it: lazy, sized pictures with alt text, small.
    let b = browser();
    log_in(&b, &app, "0912345678", PASSWORD).await;
    let (status, _, html) = page(&b, &app, &format!("/attempts/{attempt}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("<img").count(),
        40,
        "20 question pictures and 20 option pictures"
    );
    assert_eq!(html.matches("loading=\"lazy\"").count(), 40);
    assert!(html.contains("alt=\"Ảnh chụp màn hình Cổng Dịch vụ công, bước 0\""));
    assert!(html.contains("width=\"1000\" height=\"600\""));
    assert!(html.contains("720w"));
    assert!(!html.contains("correct"), "the page marks an option");
    assert!(
        html.len() < 100 * 1024,
        "the page is {} bytes before pictures",
        html.len()
    );

    // Round trip: the Moodle XML export, imported again into the same bank, changes nothing.
    let r = app
        .get("/api/v1/banks/1/export?format=moodlexml", Some(&organiser))
        .await;
    assert_eq!(r.status(), 200);
    let exported = r.text().await.unwrap();
    assert!(exported.contains("@@PLUGINFILE@@/") && exported.contains("encoding=\"base64\""));
    let (status, again) = import(
        &app,
        &organiser,
        "format=moodlexml&code=anh&title=Ảnh",
        exported.into_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        (again["unchanged"].as_u64(), again["revised"].as_u64()),
        (Some(20), Some(0)),
        "{again}"
    );

    // …and so does the ZIP export (TOML and the stored pictures).
    let r = app
        .get("/api/v1/banks/1/export?format=zip", Some(&organiser))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let zip = r.bytes().await.unwrap().to_vec();
    let (status, again) = import(&app, &organiser, "format=zip", zip).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        (again["unchanged"].as_u64(), again["revised"].as_u64()),
        (Some(20), Some(0)),
        "{again}"
    );
}

/// The problems of a refused upload, as `line: message` strings.
fn problems(body: &Value) -> Vec<String> {
    body["error"]["problems"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        p["line"],
                        p["message"].as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn pictures_without_alt_text_broken_too_large_or_bombs_are_refused() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;

    // No alt text: refused with the question's line.
    let (status, body) = import(
        &app,
        &organiser,
        "format=moodlexml&code=x",
        moodle_bank(1, None).into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_bank");
    let listed = problems(&body);
    assert!(
        listed
            .iter()
            .any(|p| p.starts_with("3: ") && p.contains("thiếu mô tả (alt)")),
        "{listed:?}"
    );

    // A TOML bundle naming a file that is not a picture, and one over 1 MB.
    let toml = r#"code = "goi-anh"
title = "Gói ảnh"

[[questions]]
topic = "Chung"
difficulty = "easy"
kind = "single"
text = "Đây là gì?"
images = [{ file = "hong.png", alt = "Ảnh hỏng" }, { file = "to.png", alt = "Ảnh quá lớn" }]
options = [{ text = "A", correct = true }, { text = "B" }]
"#;
    let bundle = zip(&[
        part("goi/bank.toml", toml),
        part("goi/hong.png", "<html>not a picture</html>"),
        bomb("goi/to.png", "", &[0u8; 4096], 3 * 1024 * 1024, "", false),
    ]);
    let (status, body) = import(&app, &organiser, "format=zip", bundle).await;
    assert_eq!(status, 422, "{body}");
    let listed = problems(&body);
    assert!(
        listed
            .iter()
            .any(|p| p.starts_with("4: ") && p.contains("“hong.png” không phải ảnh")),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|p| p.starts_with("4: ") && p.contains("“to.png”") && p.contains("1 MB")),
        "{listed:?}"
    );

    // A bank file that expands to gigabytes: refused at the cap, nothing stored.
    let bundle = zip(&[bomb(
        "bank.toml",
        "code = \"x\"\n#",
        &[b'#'; 65536],
        3 << 30,
        "\n",
        false,
    )]);
    let (status, body) = import(&app, &organiser, "format=zip", bundle).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        problems(&body)
            .iter()
            .any(|p| p.contains("MB khi giải nén")),
        "{body}"
    );

    // A picture bomb: 100000×100000 pixels declared in 1 KB.
    let mut huge = png(1, 1, 0);
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    let xml = moodle_bank(1, Some("Ảnh")).replace(&b64(&png(1000, 600, 0)), &b64(&huge));
    let (status, body) = import(
        &app,
        &organiser,
        "format=moodlexml&code=x",
        xml.into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(problems(&body).iter().any(|p| p.contains("4096")), "{body}");
    let (_, list) = json_of(app.get("/api/v1/banks", Some(&organiser)).await).await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_toml_bundle_imports_its_pictures_once() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let toml = r#"code = "goi-anh"
title = "Gói ảnh"

[[questions]]
id = "a"
topic = "Chung"
difficulty = "easy"
kind = "single"
text = "Màn hình nào là Cổng Dịch vụ công?"
images = [{ file = "anh/cong.png", alt = "Trang chủ Cổng Dịch vụ công" }]
options = [{ text = "Ảnh 1", correct = true, images = [{ file = "anh/cong.png", alt = "Trang chủ" }] }, { text = "Ảnh 2" }]
"#;
    let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default();
    writer.start_file("ngan-hang.toml", options).unwrap();
    std::io::Write::write_all(&mut writer, toml.as_bytes()).unwrap();
    writer.start_file("anh/cong.png", options).unwrap();
    std::io::Write::write_all(&mut writer, &png(300, 200, 7)).unwrap();
    let bundle = writer.finish().unwrap().into_inner();
    // As a form with a .zip file name…
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bundle.clone()).file_name("goi-anh.zip"),
    );
    let r = app
        .client
        .post(app.url("/api/v1/banks"))
        .bearer_auth(&organiser)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(r).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["questions"], 1);
    let stored = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        cuocthi::entities::media::Entity::find()
            .count(&app.state.db.read)
            .await
            .unwrap()
    };
    assert_eq!(stored, 1, "the same picture twice is stored once");
    // …and as a raw body, recognised by its bytes: the same bank, unchanged.
    let (status, body) = import(&app, &organiser, "", bundle).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["unchanged"], 1, "{body}");
}

/// A picture once served comes from memory afterwards (a start burst sends every browser
/// for the same pictures): it is still served after its row is gone from the database.
#[tokio::test]
async fn a_served_picture_is_kept_in_memory() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let picture = png(300, 200, 9);
    let name = cuocthi::banks::media::process("a.png", &picture)
        .unwrap()
        .name;
    let toml = r#"code = "mot-anh"
title = "Một ảnh"

[[questions]]
id = "a"
topic = "Chung"
difficulty = "easy"
kind = "single"
text = "Màn hình nào là Cổng Dịch vụ công?"
images = [{ file = "a.png", alt = "Trang chủ Cổng Dịch vụ công" }]
options = [{ text = "Ảnh 1", correct = true }, { text = "Ảnh 2" }]
"#;
    let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default();
    writer.start_file("ngan-hang.toml", options).unwrap();
    std::io::Write::write_all(&mut writer, toml.as_bytes()).unwrap();
    writer.start_file("a.png", options).unwrap();
    std::io::Write::write_all(&mut writer, &picture).unwrap();
    let bundle = writer.finish().unwrap().into_inner();
    let (status, body) = import(&app, &organiser, "format=zip", bundle).await;
    assert_eq!(status, 201, "{body}");

    let url = app.url(&format!("/media/{name}"));
    let first = app.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let first = first.bytes().await.unwrap();
    cuocthi::entities::media::Entity::delete_many()
        .filter(cuocthi::entities::media::Column::Name.eq(name.clone()))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    let again = app.client.get(&url).send().await.unwrap();
    assert_eq!(again.status(), 200, "served from memory");
    assert_eq!(again.headers()["content-type"], "image/png");
    assert_eq!(again.bytes().await.unwrap(), first);
    // The variant never served was not kept: it was read from the database, now empty.
    let small = app
        .client
        .get(app.url(&format!("/media/720/{name}")))
        .send()
        .await
        .unwrap();
    assert_eq!(small.status(), 404);
}
