//! The organisers' console (Ban Tổ chức): banks, contests and rounds, units, participants.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use maud::{Markup, html};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use super::public::vn_time;
use super::{PageCtx, PageError, PageResult, see_other};
use crate::accounts::Role;
use crate::banks::upload::{detect_format, parse};
use crate::banks::{BankMeta, Difficulty, store};
use crate::contest::{self, ContestSpec, PredictionAnswer, PredictionSpec, QuotaSpec, RoundSpec};
use crate::entities::contest as contest_entity;
use crate::entities::round::ScoreShown;
use crate::error::{AppError, Problems};
use crate::state::AppState;
use crate::views::layout::{Viewer, csrf_field, page};
use crate::web::upload;

mod bank_console;
mod contest_console;
mod participant_console;
mod unit_console;

pub use bank_console::*;
pub use contest_console::*;
pub use participant_console::*;
pub use unit_console::*;

/// Lets organisers through; others get 403 (or the login page).
pub fn organiser(ctx: &PageCtx) -> Result<&crate::web::extract::AuthUser, PageError> {
    let user = ctx.require_user()?;
    if user.role != Role::Organiser {
        return Err(AppError::Forbidden.into());
    }
    Ok(user)
}

fn console_nav() -> Markup {
    html! {
        nav aria-label="Ban Tổ chức" {
            div.actions {
                a.button.secondary href="/organiser/banks" { "Ngân hàng câu hỏi" }
                a.button.secondary href="/organiser/contests" { "Cuộc thi và vòng thi" }
                a.button.secondary href="/organiser/units" { "Đơn vị" }
                a.button.secondary href="/organiser/participants" { "Thí sinh" }
                a.button.secondary href="/organiser/duplicates" { "Tài khoản trùng" }
                a.button.secondary href="/judge" { "Kết quả" }
            }
        }
    }
}

fn console(viewer: &Viewer, title: &str, body: Markup) -> Markup {
    page(
        viewer,
        title,
        &[],
        html! { (console_nav()) h1 { (title) } (body) },
    )
}

fn problems_box(message: &str, problems: &Problems) -> Markup {
    html! {
        div.error role="alert" {
            p { (message) }
            @if !problems.is_empty() {
                ul { @for p in &problems.rendered() {
                    li { @if p.line > 0 { "Dòng " (p.line) ": " } (p.message) }
                } }
            }
        }
    }
}

fn error_box(e: &AppError) -> Markup {
    match e {
        AppError::InvalidFile {
            message, problems, ..
        } => problems_box(message, problems),
        AppError::Validation { fields } => html! {
            div.error role="alert" { p { (e.message()) } ul { @for (k, v) in fields { li { (k) ": " (v) } } } }
        },
        other => html! { div.error role="alert" { p { (other.message()) } } },
    }
}

/// `GET /organiser`.
pub async fn dashboard(ctx: PageCtx) -> PageResult {
    organiser(&ctx)?;
    Ok(ctx.ok(console(
        &ctx.viewer,
        "Ban Tổ chức",
        html! {
            p { "Chọn một mục ở trên để quản lý cuộc thi." }
        },
    )))
}
