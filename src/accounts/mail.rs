//! Password-reset emails (issue #16), sent through the SMTP server of the settings with
//! `lettre` (rustls, no OpenSSL).

use std::time::Duration;

use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::settings::{MailSettings, SmtpTls};

/// The path of the page an emailed link opens (its `token` in the query).
pub const RESET_PAGE: &str = "/dat-lai-mat-khau";

/// The link a reset email carries.
pub fn reset_link(mail: &MailSettings, token: &str) -> String {
    format!("{}{RESET_PAGE}?token={token}", mail.public_url)
}

/// The reset email for `to`, in Vietnamese, as plain text.
fn reset_message(mail: &MailSettings, to: &str, link: &str) -> anyhow::Result<Message> {
    let body = format!(
        "Xin chào,\n\n\
         Có người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu cho tài khoản dự thi gắn với \
         địa chỉ email này.\n\n\
         Mở liên kết sau để đặt mật khẩu mới (liên kết dùng được một lần, trong 30 phút):\n\n\
         {link}\n\n\
         Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không đổi.\n"
    );
    Message::builder()
        .from(
            mail.from
                .parse()
                .context("Failed to parse the mail sender")?,
        )
        .to(to.parse().context("Failed to parse the recipient")?)
        .subject("Đặt lại mật khẩu")
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .context("Failed to build the reset email")
}

/// Sends the reset email with `link` to `to`.
pub async fn send_reset(mail: &MailSettings, to: &str, link: &str) -> anyhow::Result<()> {
    let message = reset_message(mail, to, link)?;
    let builder = match mail.tls {
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&mail.host)?,
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&mail.host)?,
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&mail.host),
    };
    let mut builder = builder
        .port(mail.port)
        .timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(password)) = (&mail.user, &mail.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    builder
        .build()
        .send(message)
        .await
        .context("Failed to send the reset email")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_email_carries_the_link() {
        let mail = MailSettings {
            host: "localhost".into(),
            port: 25,
            tls: SmtpTls::None,
            user: None,
            password: None,
            from: "Cuộc thi <no-reply@example.vn>".into(),
            public_url: "https://cuocthi.example.vn".into(),
        };
        let link = reset_link(&mail, "abc");
        assert_eq!(
            link,
            "https://cuocthi.example.vn/dat-lai-mat-khau?token=abc"
        );
        let text = String::from_utf8(
            reset_message(&mail, "an@example.vn", &link)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(text.contains("To: an@example.vn"), "{text}");
    }
}
