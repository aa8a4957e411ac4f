//! Headless Chromium driven through chromedriver (WebDriver, plain HTTP on localhost):
//! one chromedriver and one fresh browser profile per test, ended when the test ends.
//!
//! Chromium and chromedriver come from Debian (`/usr/bin/chromium`, `/usr/bin/chromedriver`;
//! override with `CHROME_BIN` and `CHROMEDRIVER`). When one is missing, a test fails if
//! the environment variable `CI` is set (the suite must never be skipped silently in CI),
//! and otherwise prints a notice to stderr and passes without running.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// How long any wait in these tests may take before it fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// True when running under CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Something the suite needs is missing: under CI the test fails; elsewhere it prints a
/// notice and the caller returns early.
pub fn unavailable<T>(test: &str, why: &str) -> Option<T> {
    if in_ci() {
        panic!(
            "browser test {test} cannot run: {why}. CI is set, so this is a failure, not a skip."
        );
    }
    eprintln!(
        "NOTICE: browser test {test} skipped: {why}. (With CI set this fails instead; \
         see README, \"Browser tests\".)"
    );
    None
}

/// The repository's `target/` folder: screenshots and the axe-core install live there.
pub fn repo_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// The browser and its driver.
#[derive(Debug, Clone)]
pub struct Tools {
    chrome: PathBuf,
    driver: PathBuf,
}

/// Finds Chromium and chromedriver, or reports them missing (see [`unavailable`]).
pub fn tools(test: &str) -> Option<Tools> {
    let chrome = env_path("CHROME_BIN", "/usr/bin/chromium");
    let driver = env_path("CHROMEDRIVER", "/usr/bin/chromedriver");
    let missing: Vec<String> = [("CHROME_BIN", &chrome), ("CHROMEDRIVER", &driver)]
        .into_iter()
        .filter(|(_, p)| !is_executable(p))
        .map(|(var, p)| format!("{} (set {var} to override)", p.display()))
        .collect();
    if missing.is_empty() {
        return Some(Tools { chrome, driver });
    }
    unavailable(
        test,
        &format!(
            "not found: {}; install Debian's chromium and chromium-driver",
            missing.join(", ")
        ),
    )
}

/// A TCP port free right now on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A browser session: chromedriver (a child process), Chromium under it with a fresh
/// profile, and the WebDriver client. Dropping it ends the session and the driver.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: Child,
    port: u16,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (JavaScript on or off) whose pages are
    /// relative to `base` (the app's address).
    pub async fn launch(tools: &Tools, base: &str, javascript: bool) -> Browser {
        let profile = tempfile::tempdir().expect("a profile dir");
        let port = free_port();
        let log = profile.path().join("chromedriver.log");
        let mut driver = Command::new(&tools.driver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.driver.display()));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.try_wait() {
                panic!(
                    "chromedriver exited ({status}): {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not listen on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // The flags this machine needs (see the machine notes): no sandbox as root, and no
        // background connections to Google's hosts, which a closed network refuses.
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1280,800".into(),
        ];
        args.push(format!(
            "--user-data-dir={}",
            profile.path().join("chromium").display()
        ));
        let mut chrome_options = json!({
            "binary": tools.chrome,
            "args": args,
        });
        if !javascript {
            chrome_options["prefs"] =
                json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), chrome_options);
        // Dialogs stay open until a test accepts or dismisses them.
        caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
        let client = match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!(
                    "no WebDriver session: {e}\nchromedriver log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let session = client.session_id().await.ok().flatten();
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(60)),
                Some(Duration::from_secs(60)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("timeouts");
        Browser {
            client,
            base: base.to_owned(),
            driver,
            port,
            session,
            _profile: profile,
        }
    }

    /// Opens a path of the app.
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// The path of the current page (without the query).
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("url")
            .path()
            .to_owned()
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no element {css} on {}: {e}", self.describe().await),
        }
    }

    /// The first element matching an XPath expression, waiting for it to appear.
    pub async fn find_xpath(&self, xpath: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no element {xpath} on {}: {e}", self.describe().await),
        }
    }

    /// Every element matching `css` now (no waiting).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    /// The button whose text is `text`.
    pub async fn button(&self, text: &str) -> Element {
        self.find_xpath(&format!("//button[normalize-space(.)='{text}']"))
            .await
    }

    /// Types into a field, replacing its value.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// The current path and the start of the page's text, for failure messages.
    pub async fn describe(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let text = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let text: String = text.chars().take(600).collect();
        format!("{url}\n--- page text ---\n{text}\n---")
    }

    /// Waits until the page's path satisfies `want`; returns it.
    pub async fn wait_for_path(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let path = self.path().await;
            if want(&path) {
                return path;
            }
            if started.elapsed() > PATIENCE {
                panic!("waited for {what}; still on {}", self.describe().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element matching `css` has a text containing `needle`; returns it.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        let mut last = String::new();
        loop {
            for e in self.all(css).await {
                if let Ok(text) = e.text().await {
                    if text.contains(needle) {
                        return text;
                    }
                    last = text;
                }
            }
            if started.elapsed() > PATIENCE {
                panic!(
                    "waited for {css} to contain {needle:?} (last seen: {last:?}) on {}",
                    self.describe().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a dialog (alert, confirm) and returns its text.
    pub async fn wait_for_dialog(&self) -> String {
        let started = Instant::now();
        loop {
            if let Ok(text) = self.client.get_alert_text().await {
                return text;
            }
            assert!(started.elapsed() < PATIENCE, "no dialog opened");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs a script and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Resizes the window so that the page's viewport is `width`×`height` CSS pixels (the
    /// window includes the browser's own frame, which headless Chromium still counts).
    pub async fn set_viewport(&self, width: u32, height: u32) {
        let (mut w, mut h) = (width, height);
        // A loaded machine may report the new size late: measure again before resizing.
        for _ in 0..10 {
            self.client
                .set_window_size(w, h)
                .await
                .expect("window size");
            tokio::time::sleep(Duration::from_millis(50)).await;
            let inner = self.js("return [innerWidth, innerHeight]", vec![]).await;
            let (iw, ih) = (
                inner[0].as_i64().unwrap_or(0),
                inner[1].as_i64().unwrap_or(0),
            );
            if iw == i64::from(width) && ih == i64::from(height) {
                return;
            }
            w = (i64::from(w) + i64::from(width) - iw).max(100) as u32;
            h = (i64::from(h) + i64::from(height) - ih).max(100) as u32;
        }
        panic!("cannot make the viewport {width}×{height}");
    }

    /// How many CSS pixels the page is wider than its viewport (0: no horizontal scroll).
    pub async fn horizontal_overflow(&self) -> i64 {
        self.js(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .as_i64()
        .unwrap_or(0)
    }

    fn screenshot_path(name: &str) -> PathBuf {
        let dir = repo_target().join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshots dir");
        dir.join(format!("{name}.png"))
    }

    /// Saves a screenshot of the viewport as `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = Self::screenshot_path(name);
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Runs a Chrome DevTools command in the page (through chromedriver); returns its value.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self.session.as_deref().expect("a session");
        let response: Value = reqwest::Client::new()
            .post(format!(
                "http://127.0.0.1:{}/session/{session}/goog/cdp/execute",
                self.port
            ))
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
            .json()
            .await
            .expect("a JSON answer");
        response["value"].clone()
    }

    /// Cuts the page off the network (`true`) or brings it back, as a phone losing signal.
    pub async fn set_offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await;
    }

    /// Saves a screenshot of the whole page at the current width (Chromium's own
    /// `Page.captureScreenshot` beyond the viewport, through chromedriver).
    pub async fn full_page_screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine;
        let session = self.session.as_deref().expect("a session");
        let response: Value = reqwest::Client::new()
            .post(format!(
                "http://127.0.0.1:{}/session/{session}/goog/cdp/execute",
                self.port
            ))
            .json(&json!({
                "cmd": "Page.captureScreenshot",
                "params": {"format": "png", "captureBeyondViewport": true},
            }))
            .send()
            .await
            .expect("a full-page screenshot")
            .json()
            .await
            .expect("a JSON answer");
        let data = response["value"]["data"]
            .as_str()
            .unwrap_or_else(|| panic!("no screenshot: {response}"));
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64");
        let path = Self::screenshot_path(name);
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Screenshots of the page at a viewport of `width`×`height`: the viewport as shown
    /// (`{name}-{width}.png`) and the whole page (`{name}-{width}-full.png`). Returns the
    /// page's horizontal overflow at that width.
    pub async fn screenshots(&self, name: &str, width: u32, height: u32) -> i64 {
        self.set_viewport(width, height).await;
        self.js("window.scrollTo(0, 0)", vec![]).await;
        self.screenshot(&format!("{name}-{width}")).await;
        self.full_page_screenshot(&format!("{name}-{width}-full"))
            .await;
        self.horizontal_overflow().await
    }

    /// Ends the browser session (Chromium quits); the driver stops on drop.
    pub async fn close(mut self) {
        if self.session.take().is_some() {
            let _ = self.client.clone().close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that panicked did not close its session: end it here, synchronously, so
        // that Chromium quits, then stop the driver.
        if let Some(session) = self.session.take()
            && let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port))
        {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                stream,
                "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
