//! Browser tests: the real server on port 0 (fresh SQLite file per test) driven in headless
//! Chromium through chromedriver with WebDriver (`fantoccini`).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`; override with `CHROME_BIN` and `CHROMEDRIVER`), and for the
//! accessibility test axe-core (`AXE_CORE_JS`, default
//! `target/axe/node_modules/axe-core/axe.min.js`). Without them a test prints a notice and
//! passes — unless `CI` is set, where it fails. Screenshots go to `target/screenshots/`.

mod a11y;
mod accounts;
mod app;
mod awards;
#[path = "../common/mod.rs"]
mod common;
mod consoles;
mod flows;
mod harness;
mod participant;
mod phone;
mod pictures;
