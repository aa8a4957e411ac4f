//! What a form came to, drawn above the form when its page is shown again: a notice, or
//! the error box with the refusal's status, so the user corrects the form in place.

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use maud::{Markup, Render, html};

use crate::error::AppError;

/// The outcome a form's page shows above the form, and the page's status.
pub struct FormOutcome {
    notice: Option<Markup>,
    /// 200, or the refusal's status (400, 409, 422…).
    pub status: StatusCode,
}

impl FormOutcome {
    /// The page as first opened: nothing to report.
    pub fn none() -> Self {
        FormOutcome {
            notice: None,
            status: StatusCode::OK,
        }
    }

    /// The form did what was asked; `notice` says what.
    pub fn done(notice: Markup) -> Self {
        FormOutcome {
            notice: Some(notice),
            status: StatusCode::OK,
        }
    }

    /// The form was refused for what it holds (a 4xx): its error box and the error's
    /// status. Anything else is not the form's fault and stays an error, for the error
    /// page.
    pub fn refused(e: AppError) -> Result<Self, AppError> {
        if !e.status_code_is_client() {
            return Err(e);
        }
        Ok(FormOutcome {
            notice: Some(error_box(&e)),
            status: e.status_code(),
        })
    }
}

impl Render for FormOutcome {
    fn render(&self) -> Markup {
        html! { @if let Some(notice) = &self.notice { (notice) } }
    }
}

/// An error as a form shows it: the message, and the problems by line (an upload) or by
/// field (a form's values) under it.
fn error_box(e: &AppError) -> Markup {
    html! {
        div.error role="alert" {
            @match e {
                AppError::InvalidFile { message, problems, .. } => {
                    p { (message) }
                    @if !problems.is_empty() {
                        ul { @for p in &problems.rendered() {
                            li { @if p.line > 0 { "Dòng " (p.line) ": " } (p.message) }
                        } }
                    }
                }
                AppError::Validation { fields } => {
                    p { (e.message()) }
                    ul { @for (k, v) in fields { li { (field_vi(k)) ": " (v) } } }
                }
                other => { p { (other.message()) } }
            }
        }
    }
}

/// A refused field's name as the form labels it (the API's key when no label is known).
fn field_vi(key: &str) -> &str {
    match key {
        "code" => "Mã",
        "title" => "Tên",
        "description" => "Mô tả",
        "rules" => "Thể lệ",
        "categories" => "Đối tượng dự thi",
        "status" => "Trạng thái",
        "opens_at" => "Mở lúc",
        "closes_at" => "Đóng lúc",
        "minutes" | "time_limit_secs" => "Thời gian làm bài",
        "max_attempts" => "Số lượt thi",
        "quotas" => "Nhóm câu hỏi",
        "prediction" => "Câu hỏi dự đoán",
        "reason" => "Lý do",
        "full_name" => "Họ và tên",
        "phone" => "Số điện thoại",
        "email" => "Email",
        "password" => "Mật khẩu",
        "unit_code" => "Mã đơn vị",
        "category" => "Đối tượng",
        "organiser_name" => "Tên Ban Tổ chức",
        "province" => "Tỉnh/thành",
        "hotline" => "Đường dây nóng",
        "contact_email" => "Email liên hệ",
        "retention_months" => "Thời hạn lưu trữ",
        other => other,
    }
}
