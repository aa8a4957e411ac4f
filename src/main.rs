//! The `cuocthi` binary: parse the command line, set up logging, hand over to the library.

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc malloc: less CPU per request and a flat RSS under load
/// (README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cuocthi::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            // calamine warns about every damaged theme of an uploaded XLSX: the import
            // reports what matters to the organiser itself.
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,calamine=error")),
        )
        .with_target(false)
        .init();
    cuocthi::cli::run(cli)
}
