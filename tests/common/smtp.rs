//! A real SMTP server for the tests that follow an email (#16's reset link): Debian's
//! `python3-aiosmtpd` on a free port, saving every message into a maildir.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cuocthi::settings::{MailSettings, SmtpTls};

/// A real SMTP server (aiosmtpd) saving every message it receives into a maildir.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the SMTP server, or `None` outside CI when it is not installed (under `CI=1`
/// that is a failure, never a skip).
pub async fn smtp_sink() -> Option<SmtpSink> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("cuocthi-smtp-{}-{port}", std::process::id()));
    let started = Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let ci = std::env::var("CI").is_ok_and(|v| v == "1" || v == "true");
    let child = match started {
        Ok(child) => child,
        Err(e) if !ci => {
            eprintln!("skipping: cannot start aiosmtpd ({e}); apt-get install python3-aiosmtpd");
            return None;
        }
        Err(e) => panic!("cannot start aiosmtpd: {e}"),
    };
    let sink = SmtpSink { child, port, dir };
    // Waiting for a process to listen: no clock to inject here.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(sink);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!ci, "aiosmtpd did not start listening");
    eprintln!("skipping: aiosmtpd did not start (is python3-aiosmtpd installed?)");
    None
}

/// The messages received, each as its headers and decoded text body (decoded by Python's
/// `email` package: the MIME encoding is the mail library's choice).
fn messages(dir: &Path) -> Vec<String> {
    const DECODE: &str = "import email, sys\n\
        m = email.message_from_binary_file(open(sys.argv[1], 'rb'))\n\
        print(m['To'])\n\
        print(m['Subject'])\n\
        print(m.get_payload(decode=True).decode(m.get_content_charset() or 'utf-8'))\n";
    std::fs::read_dir(dir.join("new"))
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let out = Command::new("/usr/bin/python3")
                        .args(["-c", DECODE])
                        .arg(e.ok()?.path())
                        .output()
                        .ok()?;
                    String::from_utf8(out.stdout).ok()
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn wait_for_messages(dir: &Path, count: usize) -> Vec<String> {
    for _ in 0..100 {
        let found = messages(dir);
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no email arrived");
}

impl SmtpSink {
    /// The app's mail settings for this server, links pointing at `public_url`.
    pub fn settings(&self, public_url: &str) -> MailSettings {
        MailSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: SmtpTls::None,
            user: None,
            password: None,
            from: "Cuộc thi <no-reply@example.vn>".into(),
            public_url: public_url.into(),
        }
    }
}

/// The path (with its token) of the reset link in a message whose links start with
/// `public_url`.
pub fn reset_link(message: &str, public_url: &str) -> String {
    let start = message
        .find(&format!("{public_url}/dat-lai-mat-khau?token="))
        .unwrap_or_else(|| panic!("no reset link in {message}"));
    let link: String = message[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches(public_url).to_owned()
}
