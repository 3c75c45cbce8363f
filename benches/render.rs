//! Render-stage benchmark: the warp engine on the CPU at 1024×1024 (target ≥ 60 frames/s on
//! this 2-core machine; the wgpu back end is in `benches/gpu.rs`), and the whole pipeline (`pipeline::render`) writing a 1920×1080 MP4
//! (target ≥ 1× real time). Prints a report for docs/PERFORMANCE.md; `cargo test --benches`
//! runs a small version as a smoke test.

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use candle_core::Device;
use vivant::face::Analyzer;
use vivant::models::ModelSource;
use vivant::pipeline::{RenderJob, Soundtrack, render};
use vivant::render::MeshWarp;

fn main() {
    vivant::init_compute_threads();
    let full = std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let photo = image::open(root.join("tests/fixtures/astronaut.png"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let analyzer =
        Analyzer::new(&Device::Cpu, &ModelSource::Embedded).unwrap_or_else(|e| panic!("{e}"));
    let (big, lm) = common::portrait(1024, 1024);
    println!(
        "render benchmark ({})",
        if full { "full" } else { "smoke test" }
    );
    let engine = MeshWarp::new(big, &lm);
    let frames = if full { 300 } else { 10 };
    let targets = common::sway_and_talk(&lm, frames);
    for threads in [1, 2] {
        let mut e = MeshWarp::new(engine.source().clone(), &lm);
        e.set_threads(threads);
        let t = Instant::now();
        for target in &targets {
            let _ = e.render(target);
        }
        let fps = frames as f64 / t.elapsed().as_secs_f64();
        println!(
            "warp engine 1024x1024, CPU, {threads} thread(s): {fps:.1} frames/s (target 60 with all cores)"
        );
    }
    // The whole pipeline at 1080p: the astronaut stretched to 1920×1080, driven by the webcam
    // clip (its first 2 s in the smoke test, whose analysis would otherwise dominate), H.264
    // preset medium, with the clip's (absent) sound replaced by a speech file.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = dir.path().join("source_1080p.png");
    image::imageops::resize(&photo, 1920, 1080, image::imageops::FilterType::CatmullRom)
        .save(&src)
        .unwrap_or_else(|e| panic!("{e}"));
    let seconds = if full { 10.0 } else { 0.4 };
    let mut job = RenderJob::new(
        src,
        root.join(if full {
            "tests/fixtures/webcam_man_400x300.mp4"
        } else {
            "tests/fixtures/webcam_2s.mp4"
        }),
        dir.path().join("out.mp4"),
    );
    job.settings.end_s = Some(seconds);
    job.sound = Soundtrack::File(root.join("tests/fixtures/speech_librivox_0870.wav"));
    job.cache_dir = Some(dir.path().join("cache"));
    // Analyse once so the timings below are the steady state (the analysis is cached per clip).
    let never = AtomicBool::new(false);
    let t = Instant::now();
    render(&analyzer, &job, &never, &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    let first = t.elapsed().as_secs_f64();
    println!("pipeline 1920x1080, first run incl. driving analysis: {first:.1} s");
    for preset in ["medium", "veryfast"] {
        job.settings.preset = preset.into();
        let t = Instant::now();
        let report = render(&analyzer, &job, &never, &|_| {}).unwrap_or_else(|e| panic!("{e}"));
        let secs = t.elapsed().as_secs_f64();
        println!(
            "pipeline 1920x1080, x264 {preset}, {:.1} s of video ({} frames): {secs:.1} s = {:.2}x real time (target 1x), {:.1} MB",
            report.duration_s,
            report.frames,
            report.duration_s / secs,
            std::fs::metadata(&report.output).map_or(0.0, |m| m.len() as f64 / 1e6)
        );
    }
}
