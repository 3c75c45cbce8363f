//! Voice benchmark: listening to a recording (speech curves, streaming at 16 kHz) for a 20-s
//! reading and the same looped to 10 minutes, with the peak memory the 10-minute analysis
//! adds; then the voice-driven motion (idle life + a face per frame). Prints a report for
//! docs/PERFORMANCE.md; `cargo test --benches` runs a small version as a smoke test.

#[path = "common/memory.rs"]
mod memory;

use std::process::Command;
use std::time::Instant;

use vivant::motion::idle::IdleSettings;
use vivant::motion::speech::{SpeechCurves, SpeechSettings};
use vivant::motion::voice::VoiceMotion;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let speech = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/speech_librivox_20s.wav"
    );
    let settings = SpeechSettings::default();
    println!(
        "voice benchmark ({})",
        if full { "full" } else { "smoke test" }
    );
    let t = Instant::now();
    let c = SpeechCurves::analyse(speech.as_ref(), 0.0, None, 25.0, &settings)
        .unwrap_or_else(|e| panic!("{e}"));
    let s = t.elapsed().as_secs_f64();
    println!(
        "speech curves, 20 s reading: {:.1} ms = {:.0}x real time",
        s * 1e3,
        c.duration_s / s
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let loops = if full { "29" } else { "1" };
    let long = dir.path().join("long.wav");
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-stream_loop",
            loops,
            "-i",
            speech,
            "-c",
            "copy",
        ])
        .arg(&long)
        .status();
    assert!(matches!(status, Ok(s) if s.success()), "ffmpeg: {status:?}");
    let before = memory::peak_rss_mb();
    let t = Instant::now();
    let c =
        SpeechCurves::analyse(&long, 0.0, None, 25.0, &settings).unwrap_or_else(|e| panic!("{e}"));
    let s = t.elapsed().as_secs_f64();
    println!(
        "speech curves, {:.0} s file: {s:.2} s = {:.0}x real time; peak memory {before:.0} MiB before, {:.0} MiB after",
        c.duration_s,
        c.duration_s / s,
        memory::peak_rss_mb()
    );
    let t = Instant::now();
    let voice = VoiceMotion::new(c, &IdleSettings::default());
    let neutral = vivant::geometry::Face68::from(std::array::from_fn(|i| {
        let a = i as f32 / 68.0 * std::f32::consts::TAU;
        [200.0 + 80.0 * a.cos(), 200.0 + 100.0 * a.sin()]
    }));
    let mut sum = 0.0f32;
    for k in 0..voice.frames() {
        sum += voice.face(&neutral, k)[66][1];
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "voice motion (idle life + {} faces): {:.1} µs a frame{}",
        voice.frames(),
        s * 1e6 / voice.frames().max(1) as f64,
        if sum.is_nan() { " (NaN!)" } else { "" }
    );
}
