//! The bank import benchmark: generates a bank of N questions, then times parsing and
//! validating it, and storing it in a fresh database.
//!
//! `cargo run --release --bin bench -- --questions 10000 [--database URL]` (README
//! "Performance"). With `--pictures N`, the bank travels as a ZIP bundle with N distinct
//! screenshot-like PNGs (960×600), one on each of the first N questions, and the whole
//! upload path is timed: reading the bundle, checking and cleaning every picture, making
//! their phone variants, and storing them (issue #19:
//! `--questions 1000 --pictures 300`).

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use cuocthi::banks;
use cuocthi::settings::DatabaseArgs;

/// The same allocator as the `cuocthi` binary, so that the times measured are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measure how long importing a large generated bank takes (release builds).
#[derive(Debug, Parser)]
#[command(name = "bench", version, about)]
struct Args {
    /// How many questions the generated bank has.
    #[arg(long, default_value_t = 10_000)]
    questions: usize,
    /// How many of them carry a picture (a ZIP bundle of the bank and its pictures).
    #[arg(long, default_value_t = 0)]
    pictures: usize,
    /// Where to import it (default: a fresh SQLite file in a temporary folder).
    #[command(flatten)]
    database: DatabaseArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    cuocthi::cli::init_tracing();
    cuocthi::cli::exit_code(actix_web::rt::System::new().block_on(bench(args)))
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let (_dir, url) = cuocthi::cli::scratch_database(&args.database, "bench.db")?;
    let mut bank = banks::synthetic_bank(args.questions);
    for (i, q) in bank.questions.iter_mut().take(args.pictures).enumerate() {
        q.images = vec![banks::Image::named(
            &format!("anh/man-hinh-{i}.png"),
            &format!("Ảnh chụp màn hình số {i} của Cổng Dịch vụ công"),
        )];
    }
    let toml = banks::to_toml(&bank);
    let bundle = (args.pictures > 0)
        .then(|| bundle(&toml, args.pictures))
        .transpose()?;
    if let Some(b) = &bundle {
        println!(
            "bundle: {} pictures, {:.1} MB zipped",
            args.pictures,
            b.len() as f64 / 1e6
        );
    }
    let db = cuocthi::db::connect_and_migrate(&url).await?;
    let started = Instant::now();
    let parsed = tokio::task::spawn_blocking(move || match bundle {
        Some(zip) => banks::bundle::parse_bundle(&zip, None, &Default::default()),
        None => banks::parse(banks::Format::Toml, toml.as_bytes(), &Default::default()),
    })
    .await?
    .map_err(|p| anyhow::anyhow!("the generated bank is invalid: {:?}", p.first()))?;
    let parse_time = started.elapsed();
    let outcome = banks::store::import(&db.write, &parsed, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let total = started.elapsed();
    println!(
        "bank import: {} questions, {} pictures — parse+validate {:.0} ms, store {:.0} ms, total {:.0} ms ({})",
        outcome.questions,
        parsed.media.len(),
        parse_time.as_secs_f64() * 1000.0,
        (total - parse_time).as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0,
        if url.starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );
    Ok(())
}

/// A ZIP bundle of the bank and `count` distinct screenshot-like pictures: a header bar,
/// boxes and lines of "text" placed by the picture's number.
fn bundle(toml: &str, count: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("ngan-hang.toml", options)?;
    zip.write_all(toml.as_bytes())?;
    let stored = options.compression_method(zip::CompressionMethod::Stored);
    for i in 0..count {
        let mut state = (i as u32).wrapping_mul(2_654_435_761) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let mut img = image::RgbImage::from_pixel(960, 600, image::Rgb([242, 244, 247]));
        for x in 0..960 {
            for y in 0..70 {
                img.put_pixel(x, y, image::Rgb([179, 38, 30]));
            }
        }
        for _ in 0..40 {
            let (x0, y0) = (next() % 900, 80 + next() % 500);
            let (w, shade) = (20 + next() % 300, (next() % 120) as u8);
            for x in x0..(x0 + w).min(960) {
                for y in y0..(y0 + 8).min(600) {
                    img.put_pixel(x, y, image::Rgb([shade, shade, shade + 60]));
                }
            }
        }
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png)?;
        zip.start_file(format!("anh/man-hinh-{i}.png"), stored)?;
        zip.write_all(&png.into_inner())?;
    }
    Ok(zip.finish()?.into_inner())
}
