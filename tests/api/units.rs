use cuocthi::accounts::Role;

use crate::helpers::{UNITS_CSV, json_of, spawn_app};

#[tokio::test]
async fn the_unit_list_is_public_and_in_tree_order() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    // Children listed before their parents in the file still come out under them.
    let csv = "code,name,parent_code,kind,block,headcount\n\
               X-LH-TT,Thị trấn Long Hồ,H-LH,commune,xa,30\n\
               VL,Tỉnh Vĩnh Long,,province,,0\n\
               H-LH,Huyện Long Hồ,VL,district,huyen,320\n\
               SO-TP,Sở Tư pháp,VL,department,hanh-chinh,48\n";
    let (status, summary) = json_of(app.import_units(Some(&organiser), csv).await).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["created"], 4);

    let (status, units) = json_of(app.get("/api/v1/units", None).await).await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["VL", "H-LH", "X-LH-TT", "SO-TP"]);
    assert_eq!(units[2]["parent_code"], "H-LH");
    assert_eq!(units[2]["headcount"], 30);
    assert_eq!(units[1]["block"], "huyen");
}

#[tokio::test]
async fn a_bad_line_in_the_middle_imports_nothing_and_is_named() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let mut csv = String::from(
        "code,name,parent_code,kind,block,headcount\nVL,Tỉnh Vĩnh Long,,province,,0\n",
    );
    for i in 0..20 {
        csv.push_str(&format!("U{i:02},Đơn vị {i},VL,department,hanh-chinh,10\n"));
    }
    // Line 13 of the file: a headcount that is not a number.
    csv = csv.replacen(
        "U10,Đơn vị 10,VL,department,hanh-chinh,10",
        "U10,Đơn vị 10,VL,department,hanh-chinh,mười",
        1,
    );
    let (status, body) = json_of(app.import_units(Some(&organiser), &csv).await).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_units");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["line"], 13);
    assert!(problems[0]["message"].as_str().unwrap().contains("mười"));

    let (_, units) = json_of(app.get("/api/v1/units", None).await).await;
    assert_eq!(
        units.as_array().unwrap().len(),
        0,
        "nothing may be imported"
    );
}

#[tokio::test]
async fn reimporting_updates_units_by_code_and_keeps_the_others() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    assert_eq!(
        app.import_units(Some(&organiser), UNITS_CSV).await.status(),
        200
    );
    let update = "code,name,parent_code,kind,block,headcount\n\
                  SO-TP,Sở Tư pháp tỉnh Vĩnh Long,VL,department,hanh-chinh,52\n\
                  X-LH-PH,Xã Phú Quới,H-LH,commune,xa,25\n";
    let (status, summary) = json_of(app.import_units(Some(&organiser), update).await).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["created"], 1);
    assert_eq!(summary["updated"], 1);
    let (_, units) = json_of(app.get("/api/v1/units", None).await).await;
    let units = units.as_array().unwrap();
    assert_eq!(units.len(), 5);
    let so_tp = units.iter().find(|u| u["code"] == "SO-TP").unwrap();
    assert_eq!(so_tp["name"], "Sở Tư pháp tỉnh Vĩnh Long");
    assert_eq!(so_tp["headcount"], 52);
}

#[tokio::test]
async fn the_sample_unit_list_imports() {
    let app = spawn_app().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let (status, summary) = json_of(
        app.import_units(Some(&organiser), cuocthi::demo::SAMPLE_UNITS_CSV)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{summary}");
    let (_, units) = json_of(app.get("/api/v1/units", None).await).await;
    let units = units.as_array().unwrap();
    let districts = units.iter().filter(|u| u["kind"] == "district").count();
    assert_eq!(districts, 8, "the eight district-level units of 2021");
    assert!(units.iter().any(|u| u["name"] == "Thị xã Bình Minh"));
}
