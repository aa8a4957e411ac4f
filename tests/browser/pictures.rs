//! Issue #19 in a real browser at 360 px: an attempt of 20 picture questions (imported
//! from Moodle XML with embedded pictures) shows each picture with its alt text, sized,
//! lazily loaded (the pictures below the fold are not fetched), the phone variant chosen,
//! and its HTML stays under 100 KB.

use std::io::Cursor;

use base64::Engine;
use serde_json::json;

use crate::app::{PASSWORD, json_of, spawn_app};
use crate::flows::log_in;
use crate::harness::{Browser, tools};
use cuocthi::accounts::Role;

fn moodle_bank(n: usize) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    for i in 0..n {
        let img = image::RgbImage::from_fn(1200, 750, |x, y| {
            image::Rgb([i as u8 * 10, (x / 10 % 256) as u8, (y / 10 % 256) as u8])
        });
        let mut png = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(png.into_inner());
        xml.push_str(&format!(
            r#"<question type="multichoice"><name><text>anh-{i}</text></name>
<questiontext format="html"><text><![CDATA[<p>Câu {i}: bước nào trong ảnh?</p><img src="@@PLUGINFILE@@/b{i}.png" alt="Ảnh màn hình bước {i}">]]></text>
<file name="b{i}.png" path="/" encoding="base64">{data}</file></questiontext>
<single>true</single><answer fraction="100"><text>Bước một</text></answer><answer fraction="0"><text>Bước hai</text></answer></question>
"#
        ));
    }
    xml.push_str("</quiz>\n");
    xml
}

#[tokio::test]
async fn twenty_picture_questions_load_lazily_with_alt_text_at_360_px() {
    let Some(tools) = tools("twenty_picture_questions_load_lazily_with_alt_text_at_360_px") else {
        return;
    };
    let xml = moodle_bank(20);
    let app = spawn_app().await;
    app.seed_units().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let (status, body) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=moodlexml&code=anh",
            xml.into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, contest) = json_of(
        app.post_json(
            "/api/v1/contests",
            Some(&organiser),
            &json!({"code": "anh", "title": "Cuộc thi có ảnh", "categories": ["official"]}),
        )
        .await,
    )
    .await;
    let now = chrono::Utc::now();
    let round = app
        .create_round(
            &organiser,
            contest["id"].as_i64().unwrap(),
            &json!({
                "title": "Tuần ảnh", "opens_at": now - chrono::Duration::hours(1),
                "closes_at": now + chrono::Duration::days(1), "time_limit_secs": 1200,
                "max_attempts": 1, "practice": false,
                "draw": [{"bank": "anh", "count": 20}], "order": "shuffled",
            }),
        )
        .await;
    let token = app.participant("0912000777").await;
    let (status, started) = json_of(
        app.post_json(
            &format!("/api/v1/rounds/{round}/attempts"),
            Some(&token),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let attempt = started["attempt_id"].as_i64().unwrap();

    let b = Browser::launch(&tools, &app.address, true).await;
    b.set_viewport(360, 740).await;
    log_in(&b, "0912000777", PASSWORD).await;
    b.goto(&format!("/attempts/{attempt}")).await;
    b.find("img.qimg").await;
    let facts = b
        .js(
            "var imgs = Array.from(document.querySelectorAll('img.qimg'));\
             var first = imgs[0];\
             var nav = performance.getEntriesByType('navigation')[0];\
             var fetched = performance.getEntriesByType('resource')\
                 .filter(function (r) { return r.name.indexOf('/media/') >= 0; }).length;\
             return [imgs.length, imgs.every(function (i) { return i.loading === 'lazy' && i.alt.length > 0\
                     && i.getAttribute('width') === '1200' && i.getAttribute('height') === '750'; }),\
                     first.alt, first.currentSrc, nav.transferSize, nav.decodedBodySize, fetched,\
                     first.getBoundingClientRect().width];",
            vec![],
        )
        .await;
    assert_eq!(facts[0], 20, "{facts}");
    assert_eq!(
        facts[1], true,
        "every picture lazy, sized, with alt: {facts}"
    );
    assert!(
        facts[2].as_str().unwrap().starts_with("Ảnh màn hình bước"),
        "{facts}"
    );
    assert!(
        facts[3].as_str().unwrap().contains("/media/720/"),
        "the phone variant: {facts}"
    );
    let html_bytes = facts[5].as_f64().unwrap();
    assert!(
        html_bytes < 100.0 * 1024.0,
        "the page's HTML is {html_bytes} bytes"
    );
    let fetched = facts[6].as_i64().unwrap();
    assert!(
        fetched < 20,
        "lazy loading fetched {fetched} of 20 pictures"
    );
    assert!(facts[7].as_f64().unwrap() <= 360.0, "{facts}");
    assert_eq!(b.horizontal_overflow().await, 0);
    b.screenshot("attempt-pictures-360").await;
    println!("attempt page with 20 pictures at 360 px: {facts}");
    b.close().await;
}
