//! The units console: the unit tree and its CSV import.

use super::*;

async fn units_page(
    ctx: &PageCtx,
    state: &AppState,
    outcome: Option<Markup>,
    status: StatusCode,
) -> PageResult {
    let units = crate::units::list(&state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(status, console(viewer, "Đơn vị", html! {
        @if let Some(o) = outcome { (o) }
        form #units-import .card method="post" action="/organiser/units" enctype="multipart/form-data" {
            h2 { "Nhập danh sách đơn vị (CSV)" }
            p.muted { "Dòng tiêu đề: code,name,parent_code,kind,block,headcount. Tệp có lỗi sẽ không được nhập dòng nào." }
            (csrf_field(viewer))
            label for="units-file" { "Tệp CSV" }
            input #units-file type="file" name="file" accept=".csv,text/csv" required;
            div.actions { button type="submit" { "Nhập" } }
        }
        div.table-wrap { table #units {
            thead { tr { th scope="col" { "Mã" } th scope="col" { "Tên" } th scope="col" { "Loại" } th scope="col" { "Khối" } th.num scope="col" { "Biên chế" } } }
            tbody { @for u in &units { tr {
                td { (u.code) }
                td { @for _ in 0..u.depth { "\u{00a0}\u{00a0}\u{00a0}" } (u.name) }
                td { (u.kind) } td { (u.block.clone().unwrap_or_default()) } td.num { (u.headcount) }
            } } }
        } }
    })))
}

/// `GET /organiser/units`.
pub async fn units(ctx: PageCtx, state: web::Data<AppState>) -> PageResult {
    organiser(&ctx)?;
    units_page(&ctx, &state, None, StatusCode::OK).await
}

/// `POST /organiser/units` — imports a unit CSV (all or nothing).
pub async fn import_units(
    ctx: PageCtx,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let user = organiser(&ctx)?;
    let upload = upload::read(&req, payload).await?;
    ctx.check_csrf(
        upload
            .fields
            .get("csrf")
            .map(String::as_str)
            .unwrap_or_default(),
    )?;
    let bytes = upload.file.map(|(_, b)| b).unwrap_or_default();
    match crate::units::import_csv(&state.db.write, &bytes, Some(user.id())).await {
        Ok(summary) => {
            let notice = html! { div.notice role="status" { "Đã nhập " (summary.total) " đơn vị (" (summary.created) " mới, " (summary.updated) " cập nhật)." } };
            units_page(&ctx, &state, Some(notice), StatusCode::OK).await
        }
        Err(e) if e.status_code_is_client() => {
            let status = actix_web::ResponseError::status_code(&e);
            units_page(&ctx, &state, Some(error_box(&e)), status).await
        }
        Err(e) => Err(e.into()),
    }
}
