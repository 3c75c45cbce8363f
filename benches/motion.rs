//! Motion-stage benchmark: tracking a 640×480 driving clip (the webcam clip scaled up) on the
//! CPU, with the 68 points from the mesh (default) and from the 68-point net, against the
//! target of 10× real time; jitter before and after smoothing. Prints a report for
//! docs/PERFORMANCE.md. `cargo test --benches` runs a 2-second version as a smoke test.

use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use candle_core::Device;
use vivant::face::Analyzer;
use vivant::models::ModelSource;
use vivant::motion::{DrivingMotion, Landmarks68From, MotionSettings};

fn main() {
    vivant::init_compute_threads();
    let full = std::env::args().any(|a| a == "--bench");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clip = dir.path().join("webcam_640x480.mp4");
    let src = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/webcam_man_400x300.mp4"
    );
    let limit = if full { "1337" } else { "50" };
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i", src, "-frames:v", limit])
        .args(["-vf", "scale=640:480", "-c:v", "libx264", "-crf", "18"])
        .arg(&clip)
        .status();
    assert!(matches!(status, Ok(s) if s.success()), "ffmpeg: {status:?}");
    let mut analyzer =
        Analyzer::new(&Device::Cpu, &ModelSource::Embedded).unwrap_or_else(|e| panic!("{e}"));
    analyzer.options.small_faces = false;
    println!(
        "motion benchmark ({})",
        if full { "full" } else { "smoke test" }
    );
    for from in [Landmarks68From::Mesh, Landmarks68From::Net] {
        let settings = MotionSettings {
            landmarks68: from,
            ..MotionSettings::default()
        };
        let t = Instant::now();
        let (m, _) = DrivingMotion::analyse(
            &analyzer,
            &clip,
            &settings,
            None,
            &AtomicBool::new(false),
            &|_, _| {},
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let secs = t.elapsed().as_secs_f64();
        let n = m.len();
        let clip_s = n as f64 / 25.0;
        println!(
            "track 640x480, 68 points from {from:?}: {n} frames in {secs:.2} s = {:.0} frames/s = {:.1}x real time (target 10x); found {:.1} %; jitter {:.5} -> {:.5} smoothed",
            n as f64 / secs,
            clip_s / secs,
            100.0 * m.found_fraction(),
            m.jitter_raw,
            m.jitter_smoothed
        );
    }
}
