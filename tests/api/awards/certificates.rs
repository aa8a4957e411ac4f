//! Certificates over HTTP: the PDF's text and QR code, the verification page, the ZIP,
//! the winners list exports.

use std::collections::HashSet;

use serde_json::json;

use super::*;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_certificate_names_its_winner_and_its_qr_code_opens_its_verification_page() {
    // Arrange: a published list.
    let app = spawn_app().await;
    let w = settled_round(&app, 40).await;
    let awards = format!("/api/v1/rounds/{}/awards", w.round);
    assert_eq!(
        app.post_json(&awards, Some(&w.judge), &json!({}))
            .await
            .status(),
        201
    );
    let (status, list) = json_of(
        app.post_json(&format!("{awards}/publish"), Some(&w.organiser), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let first = &list["entries"][0];
    assert_eq!(first["name"], WINNER);
    let code = first["certificate_code"].as_str().unwrap().to_owned();
    let pdf_path = format!("/api/v1/certificates/{code}.pdf");

    // Act: the winner downloads it.
    let response = app.get(&pdf_path, Some(&w.winner)).await;

    // Assert: a PDF whose text is the winner's name in NFC, and whose QR code decodes to
    // the verification URL.
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gcn.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let text = String::from_utf8(run(
        "pdftotext",
        &["-enc", "UTF-8", file.to_str().unwrap(), "-"],
    ))
    .unwrap();
    use unicode_normalization::UnicodeNormalization;
    let nfc: String = text.nfc().collect();
    assert!(text.contains(WINNER), "pdftotext: {text}");
    assert_eq!(text, nfc, "the extracted text is NFC");
    assert!(
        text.contains("Giải Nhất") && text.contains("GIẤY CHỨNG NHẬN") && text.contains(&code),
        "{text}"
    );
    let png = dir.path().join("gcn");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            file.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    let decoded = String::from_utf8(run(
        "zbarimg",
        &["--raw", "-q", &format!("{}.png", png.display())],
    ))
    .unwrap();
    let url = decoded.trim();
    assert_eq!(url, format!("{}/xac-minh/{code}", app.address));
    let page = app.client.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(WINNER) && html.contains("Giải Nhất") && html.contains("hợp lệ"),
        "{html}"
    );
    assert!(html.contains(list["digest"].as_str().unwrap()));

    // "Kết quả của tôi" lists it for the winner, signed in by cookie as a browser is.
    let b = crate::pages::browser();
    crate::pages::log_in(&b, &app, WINNER_PHONE, crate::helpers::PASSWORD).await;
    let me = b
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        me.contains(&format!("/api/v1/certificates/{code}.pdf")),
        "{me}"
    );
    let by_cookie = b.get(app.url(&pdf_path)).send().await.unwrap();
    assert_eq!(by_cookie.status(), 200);

    // A forged code, a stranger, an anonymous caller.
    assert_eq!(app.get("/xac-minh/ABCD-2345", None).await.status(), 404);
    assert_eq!(app.get("/xac-minh/not-a-code", None).await.status(), 404);
    let stranger = app.participant("0912000999").await;
    assert_eq!(app.get(&pdf_path, Some(&stranger)).await.status(), 403);
    assert_eq!(app.get(&pdf_path, None).await.status(), 401);
    assert_eq!(app.get(&pdf_path, Some(&w.judge)).await.status(), 200);

    // The organiser's ZIP holds one PDF per entry.
    let response = app
        .get(
            &format!("/api/v1/rounds/{}/certificates.zip", w.round),
            Some(&w.organiser),
        )
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(zip.len(), list["entries"].as_array().unwrap().len());
    let mut first_pdf = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_index(0).unwrap(), &mut first_pdf).unwrap();
    assert!(first_pdf.starts_with(b"%PDF-"));

    // The winners list for the reward decision: CSV with a BOM, XLSX; contact data only
    // for organisers who ask.
    let csv = app
        .get(
            &format!("/api/v1/rounds/{}/awards.csv", w.round),
            Some(&w.judge),
        )
        .await;
    assert_eq!(csv.status(), 200, "{:?}", csv.text().await);
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("\u{feff}STT,Họ và tên,Đơn vị,Đối tượng,Giải,Điểm,Thời gian"),
        "{csv}"
    );
    assert!(csv.contains(&format!("1,{WINNER},Sở Tư pháp,")), "{csv}");
    assert!(!csv.contains(WINNER_PHONE));
    let with_phone = format!("/api/v1/rounds/{}/awards.csv?contact=phone", w.round);
    assert_eq!(app.get(&with_phone, Some(&w.judge)).await.status(), 403);
    let csv = app
        .get(&with_phone, Some(&w.organiser))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(WINNER_PHONE), "{csv}");
    let xlsx = app
        .get(
            &format!("/api/v1/rounds/{}/awards.xlsx", w.round),
            Some(&w.judge),
        )
        .await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    // Unpublished: the certificate is withdrawn (its page says so; no PDF any more).
    let (status, _) = json_of(
        app.post_json(
            &format!("{awards}/unpublish"),
            Some(&w.organiser),
            &json!({"reason": "Kiểm tra lại."}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let html = app
        .get(&format!("/xac-minh/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("hủy công bố"), "{html}");
    assert_eq!(app.get(&pdf_path, Some(&w.winner)).await.status(), 404);
    let _ = w.contest;
}

#[tokio::test]
async fn participation_certificates_go_with_the_round_list_when_the_plan_enables_them() {
    // Arrange: the plan also grants participation certificates from 10 points.
    let app = spawn_app().await;
    let w = settled_round(&app, 40).await;
    let mut with_participation = plan();
    with_participation["participation"] = json!({"min_score": 10});
    let (status, body) = json_of(
        app.put_json(
            &format!("/api/v1/contests/{}/prize-plan", w.contest),
            Some(&w.organiser),
            &with_participation,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["participation"]["min_score"], 10);
    assert!(
        body["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("chứng nhận tham gia")),
        "{body}"
    );
    let awards = format!("/api/v1/rounds/{}/awards", w.round);

    // Act: propose and publish.
    let (status, proposed) =
        json_of(app.post_json(&awards, Some(&w.judge), &json!({})).await).await;
    assert_eq!(status, 201, "{proposed}");
    let (status, list) = json_of(
        app.post_json(&format!("{awards}/publish"), Some(&w.organiser), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");

    // Assert: everyone with at least 10 points, and only them, with a code each.
    let participation = list["participation"].as_array().unwrap();
    let mut got: Vec<i64> = participation
        .iter()
        .map(|e| e["participant_id"].as_i64().unwrap())
        .collect();
    got.sort_unstable();
    let mut want: Vec<i64> = w
        .people
        .iter()
        .filter(|p| p.score >= 10)
        .map(|p| p.id)
        .collect();
    want.sort_unstable();
    assert!(
        !want.is_empty() && want.len() < w.people.len(),
        "a real cut"
    );
    assert_eq!(got, want);
    assert!(
        participation
            .iter()
            .all(|e| e["prize"] == "Chứng nhận tham gia"
                && e["certificate_code"].as_str().is_some_and(|c| c.len() == 9))
    );

    // A participant without a prize has a certificate that verifies and prints the score.
    let winners: HashSet<i64> = awarded(&list).iter().map(|(id, _)| *id).collect();
    let only = participation
        .iter()
        .find(|e| !winners.contains(&e["participant_id"].as_i64().unwrap()))
        .expect("someone certified without a prize");
    let code = only["certificate_code"].as_str().unwrap();
    let name = only["name"].as_str().unwrap();
    let html = app
        .get(&format!("/xac-minh/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(name) && html.contains("Chứng nhận tham gia") && html.contains("hợp lệ"),
        "{html}"
    );
    let pdf = app
        .get(&format!("/api/v1/certificates/{code}.pdf"), Some(&w.judge))
        .await;
    assert_eq!(pdf.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gcn.pdf");
    std::fs::write(&file, pdf.bytes().await.unwrap()).unwrap();
    let text = String::from_utf8(run(
        "pdftotext",
        &["-enc", "UTF-8", file.to_str().unwrap(), "-"],
    ))
    .unwrap();
    assert!(text.contains(name), "{text}");
    assert!(
        text.contains(&format!(
            "Đã hoàn thành phần thi với {} điểm",
            only["score"]
        )),
        "{text}"
    );

    // The public list names the winners only; the ZIP holds every certificate.
    let public = app
        .get(&format!("{awards}/public"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!public.contains(name), "{public}");
    let zip = app
        .get(
            &format!("/api/v1/rounds/{}/certificates.zip", w.round),
            Some(&w.organiser),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(zip.to_vec())).unwrap();
    assert_eq!(
        zip.len(),
        list["entries"].as_array().unwrap().len() + participation.len()
    );
}
