//! The `cuocthi` binary: parse the command line, set up logging, hand over to the library.

use clap::Parser;

/// mimalloc instead of glibc malloc: less CPU per request and a flat RSS under load
/// (README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cuocthi::cli::Cli::parse();
    cuocthi::cli::init_tracing();
    cuocthi::cli::run(cli)
}
