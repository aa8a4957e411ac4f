//! cuocthi: online knowledge contests ("cuộc thi trực tuyến tìm hiểu …") for Vietnamese
//! provinces and ministries — question banks, timed attempts, leaderboards by person and
//! by unit, and exports for the judges.

pub mod accounts;
pub mod audit;
pub mod awards;
pub mod backup;
pub mod banks;
pub mod cache;
pub mod cli;
pub mod contest;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod exports;
pub mod limits;
pub mod metrics;
pub mod progress;
pub mod ratelimit;
pub mod settings;
pub mod site;
pub mod startup;
pub mod state;
pub mod text;
pub mod units;
pub mod views;
pub mod vn_time;
pub mod web;
