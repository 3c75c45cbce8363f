//! The neural engine end to end: `pipeline::render` of the bundled webcam clip driving the
//! Mona Lisa (743×1155, output at her full size) with a speech track, through the reference's
//! full-size networks (256² in, 512² out) with random weights made in memory — no real weights
//! exist on our machines, and the arithmetic is the same. Reported: the preparation (tracking,
//! the clip's neural motion, the portrait's features), seconds per output frame (motion
//! transfer, stitching, W, G, paste-back and encoding), and the process's peak memory.
//!
//! `VIVANT_BENCH_SECONDS` sets the length rendered (default 10). Under `cargo test --benches`
//! (no `--bench`) it renders 0.4 s with the golden set's reduced networks, as a smoke test.

#[path = "common/memory.rs"]
mod memory;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use vivant::face::Analyzer;
use vivant::models::ModelSource;
use vivant::neural::LivePortrait;
use vivant::neural::config::Config;
use vivant::pipeline::{EngineChoice, EngineSettings, RenderJob, Soundtrack, Stage};
use vivant::render::NeuralKind;

fn main() {
    vivant::init_compute_threads();
    let full = std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seconds: f64 = match std::env::var("VIVANT_BENCH_SECONDS") {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("VIVANT_BENCH_SECONDS={v}: seconds")),
        Err(_) if full => 10.0,
        Err(_) => 0.4,
    };
    let dev = Device::Cpu;
    let t = Instant::now();
    let networks = if full {
        LivePortrait::from_var_builders(
            Config::default(),
            |_| {
                VarBuilder::from_backend(
                    Box::new(vivant::neural::random_weights::RandomWeights::full()),
                    DType::F32,
                    dev.clone(),
                )
            },
            &dev,
        )
    } else {
        LivePortrait::load(&root.join("tests/fixtures/liveportrait/safetensors"), &dev)
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let load_s = t.elapsed().as_secs_f64();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut job = RenderJob::new(
        root.join("assets/mona_lisa.jpg"),
        root.join("assets/driving_webcam_20s.mp4"),
        dir.path().join("neural.mp4"),
    );
    job.sound = Soundtrack::File(root.join("assets/speech_librivox_20s.wav"));
    job.settings.engine = EngineSettings::new(EngineChoice::Neural);
    job.settings.end_s = Some(seconds);
    job.cache_dir = Some(dir.path().join("cache"));
    job.kind = Some(Arc::new(NeuralKind::new(Arc::new(networks))));
    let analyzer = Analyzer::new(&dev, &ModelSource::Embedded).unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    // When the first rendering progress came, and how many frames were done by then.
    let first_frame = Mutex::new(None::<(Instant, u64)>);
    let report = vivant::pipeline::render(&analyzer, &job, &AtomicBool::new(false), &|s| {
        if let Stage::Rendering(done, _) = s
            && let Ok(mut f) = first_frame.lock()
        {
            f.get_or_insert_with(|| (Instant::now(), done));
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let end = Instant::now();
    let (rendering_from, done) = first_frame
        .lock()
        .ok()
        .and_then(|f| *f)
        .unwrap_or((start, 0));
    // The frames drawn before the first report count as preparation's; the rest are timed.
    let prep = (rendering_from - start).as_secs_f64();
    let per_frame =
        (end - rendering_from).as_secs_f64() / report.frames.saturating_sub(done).max(1) as f64;
    println!(
        "neural render ({}): {seconds} s of the clip, {} frames at {}x{}; networks built in {load_s:.1} s; preparation {prep:.1} s (tracking, the clip's neural motion, the portrait's features); {per_frame:.2} s per output frame (transfer, stitching, W, G, paste-back, encoding); peak resident memory {:.0} MB; {} threads",
        if full {
            "full-size networks, random weights"
        } else {
            "smoke test, golden networks"
        },
        report.frames,
        report.width,
        report.height,
        memory::peak_rss_mb(),
        vivant::nn::threads::compute_threads()
    );
}
