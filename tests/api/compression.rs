//! Compression (gzip and brotli, negotiated) and the precompressed static assets.

use std::io::Read;

use crate::helpers::spawn_app;

fn gunzip(body: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(body)
        .read_to_string(&mut out)
        .expect("a gzip body");
    out
}

fn unbrotli(body: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(body, 4096)
        .read_to_string(&mut out)
        .expect("a brotli body");
    out
}

async fn fetch(
    app: &crate::helpers::TestApp,
    path: &str,
    accept: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn pages_are_compressed_with_the_coding_the_client_prefers() {
    let app = spawn_app().await;
    let plain = fetch(&app, "/login", None).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();
    assert!(plain.len() > 1024, "a page is worth compressing");

    let br = fetch(&app, "/login", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(br.headers()["content-encoding"], "br");
    assert!(
        br.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("accept-encoding")
    );
    let body = br.bytes().await.unwrap();
    assert!(body.len() < plain.len());
    // The CSRF token differs between the two responses; the rest is the same page.
    assert!(unbrotli(&body).contains("<form"));

    let gz = fetch(&app, "/login", Some("gzip")).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert!(gunzip(&gz.bytes().await.unwrap()).contains("<form"));
}

#[tokio::test]
async fn small_answers_are_sent_as_they_are() {
    let app = spawn_app().await;
    let response = fetch(&app, "/healthz", Some("br, gzip")).await;
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn static_assets_are_precompressed_and_revalidated() {
    let app = spawn_app().await;
    let plain = fetch(&app, "/static/app.css", None).await;
    assert_eq!(plain.status(), 200);
    let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
    let css = plain.text().await.unwrap();

    let br = fetch(&app, "/static/app.css", Some("br")).await;
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(unbrotli(&br.bytes().await.unwrap()), css);
    let gz = fetch(&app, "/static/app.css", Some("gzip")).await;
    assert_eq!(gunzip(&gz.bytes().await.unwrap()), css);

    let again = app
        .client
        .get(app.url("/static/app.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
}

/// A round with one finished attempt (by "Phạm Thị Lan"); returns (round, contest, her token).
async fn finished_round(app: &crate::helpers::TestApp) -> (i64, i64, String) {
    let (organiser, contest) = app.seed_contest().await;
    let round = app
        .create_round(&organiser, contest, &crate::helpers::round_spec())
        .await;
    let token = crate::helpers::register_as(app, "0912000111", "Phạm Thị Lan", "X-LH-TT").await;
    app.take(&token, round, 10, Some(3)).await;
    (round, contest, token)
}

#[tokio::test]
async fn public_boards_are_served_precompressed_with_validators_and_answer_304() {
    let app = spawn_app().await;
    let (round, contest, _) = finished_round(&app).await;
    for path in [
        format!("/rounds/{round}/leaderboard"),
        format!("/contests/{contest}/leaderboard"),
    ] {
        let plain = fetch(&app, &path, None).await;
        assert_eq!(plain.status(), 200, "{path}");
        let headers = plain.headers().clone();
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert!(headers.contains_key("last-modified"), "{path}");
        // Tests run with a zero staleness: browsers may keep the board for 0 s.
        assert_eq!(headers["cache-control"], "public, max-age=0", "{path}");
        assert!(
            headers.get("set-cookie").is_none(),
            "a shared page sets no cookie"
        );
        let html = plain.text().await.unwrap();
        assert!(html.contains("Phạm Thị Lan"), "{path}: {html}");
        assert!(!html.contains("0912000111"));

        let br = fetch(&app, &path, Some("gzip, br")).await;
        assert_eq!(br.headers()["content-encoding"], "br");
        assert_eq!(br.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(unbrotli(&br.bytes().await.unwrap()), html);
        let gz = fetch(&app, &path, Some("gzip")).await;
        assert_eq!(gz.headers()["content-encoding"], "gzip");
        assert_eq!(gunzip(&gz.bytes().await.unwrap()), html);

        let revalidated = app
            .client
            .get(app.url(&path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), 304, "{path}");
        assert!(revalidated.bytes().await.unwrap().is_empty());
        let changed = app
            .client
            .get(app.url(&path))
            .header("if-none-match", "W/\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 200);
    }
}

#[tokio::test]
async fn the_json_boards_are_precompressed_per_snapshot_with_validators_and_answer_304() {
    let app = spawn_app().await;
    let (round, contest, _) = finished_round(&app).await;
    for path in [
        format!("/api/v1/rounds/{round}/leaderboard"),
        format!("/api/v1/rounds/{round}/units"),
        format!("/api/v1/contests/{contest}/leaderboard"),
        format!("/api/v1/contests/{contest}/units"),
    ] {
        let plain = fetch(&app, &path, None).await;
        assert_eq!(plain.status(), 200, "{path}");
        let headers = plain.headers().clone();
        assert!(headers.get("content-encoding").is_none(), "{path}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        assert_eq!(headers["cache-control"], "public, max-age=0", "{path}");
        let etag = headers["etag"].to_str().unwrap().to_owned();
        let body = plain.text().await.unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        if path.ends_with("leaderboard") {
            assert_eq!(json["entries"][0]["name"], "Phạm Thị Lan", "{path}: {json}");
        } else {
            assert!(
                json.as_array().is_some_and(|a| !a.is_empty()),
                "{path}: {json}"
            );
        }

        let br = fetch(&app, &path, Some("br")).await;
        assert_eq!(br.headers()["content-encoding"], "br", "{path}");
        assert_eq!(br.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(unbrotli(&br.bytes().await.unwrap()), body);
        let gz = fetch(&app, &path, Some("gzip")).await;
        assert_eq!(gz.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(gunzip(&gz.bytes().await.unwrap()), body);

        let revalidated = app
            .client
            .get(app.url(&path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), 304, "{path}");
    }
}

#[tokio::test]
async fn a_signed_in_viewer_gets_the_board_in_their_own_layout_kept_private() {
    let app = spawn_app().await;
    let (round, _, token) = finished_round(&app).await;
    let response = app
        .get(&format!("/rounds/{round}/leaderboard"), Some(&token))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "private, no-cache");
    assert!(response.headers().get("etag").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("Đăng xuất"), "their navigation");
    assert!(html.contains("Phạm Thị Lan"));
}
