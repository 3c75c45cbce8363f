//! Media-stage benchmarks: decode speed (the 400×300 webcam clip, a generated 1080p clip),
//! random-access latency (median, p95), 1080p encode speed at the default preset, what Content
//! Credentials add to a 20-s 720p export, and memory while streaming a generated 10-minute
//! clip (picture and sound). Prints a report for docs/PERFORMANCE.md.
//!
//! `cargo bench --bench media` runs it in full; `cargo test --benches` runs a small version as a
//! smoke test. Clips are generated with the `ffmpeg` command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use image::RgbImage;
use vivant::export::{Mp4Settings, Mp4Writer};
use vivant::media::{
    AudioFormat, AudioSource, RgbConversion, SampleSource, ThumbnailTiming, VideoSource, thumbnails,
};

fn ffmpeg(out: &Path, args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(out)
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!("ffmpeg failed making {}: {other:?}", out.display()),
    }
}

/// Resident and peak resident memory of this process, MiB (Linux).
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn decode_fps(path: &Path, limit: usize, conversion: RgbConversion) -> (usize, f64) {
    let t = Instant::now();
    let mut src = VideoSource::open(path).unwrap_or_else(|e| panic!("{e}"));
    src.set_conversion(conversion);
    let mut n = 0;
    for f in src.take(limit) {
        if let Err(e) = f {
            panic!("{e}");
        }
        n += 1;
    }
    (n, n as f64 / t.elapsed().as_secs_f64())
}

/// Latency of `frame_at`, ms: (median, p95, max). At pseudo-random times over the clip, or
/// with `scrub`, a random walk of up to ±0.5 s per step, as a hand dragging the playhead.
fn seek_latency(path: &Path, count: usize, scrub: bool, cached: bool) -> (f64, f64, f64) {
    let mut src = VideoSource::open(path).unwrap_or_else(|e| panic!("{e}"));
    if !cached {
        src.set_cache_budget(0);
    }
    src.build_index().unwrap_or_else(|e| panic!("{e}"));
    let duration = src
        .frame_times()
        .map_or(1.0, |t| t.last().copied().unwrap_or(1.0));
    let mut state = 12345u64;
    let mut t = duration / 2.0;
    let mut ms = Vec::with_capacity(count);
    for _ in 0..count {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        t = if scrub {
            (t + (u - 0.5)).clamp(0.0, duration)
        } else {
            u * duration
        };
        let start = Instant::now();
        src.frame_at(t).unwrap_or_else(|e| panic!("{e}"));
        ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        ms[ms.len() - 1],
    )
}

fn encode_fps(frames: &[RgbImage], total: usize, preset: &str, dir: &Path) -> f64 {
    let (w, h) = frames[0].dimensions();
    let mut s = Mp4Settings::new(w, h, (25, 1));
    s.preset = preset.into();
    let out = dir.join(format!("encode_{preset}.mp4"));
    let t = Instant::now();
    let mut writer = Mp4Writer::create(&out, s, None).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..total {
        writer
            .write_frame(&frames[i % frames.len()])
            .unwrap_or_else(|e| panic!("{e}"));
    }
    writer.finish().unwrap_or_else(|e| panic!("{e}"));
    total as f64 / t.elapsed().as_secs_f64()
}

/// A 20-s 720p export (the studio's default preset, frames from a generated clip) with and
/// without Content Credentials, and the signing alone: what credentials cost.
fn credentials_cost(full: bool, dir: &Path) {
    use vivant::export::credentials::{
        Credentials, Ingredient, Provenance, Signer, SourceType, sign_mp4,
    };
    let (w, h, seconds) = if full { (1280, 720, 20) } else { (320, 180, 1) };
    let clip = dir.join("credentials_src.mp4");
    ffmpeg(
        &clip,
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={w}x{h}:rate=25:duration=1"),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let frames: Vec<RgbImage> = VideoSource::open(&clip)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|f| f.unwrap_or_else(|e| panic!("{e}")).image)
        .collect();
    let signer = Signer::SelfIssued {
        folder: dir.join("credentials"),
    };
    // The key pair is made once, on first use; not part of an export's cost.
    signer.check().unwrap_or_else(|e| panic!("{e}"));
    let portrait = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/mona_lisa.jpg"));
    let credentials = Credentials {
        provenance: Provenance {
            source_type: SourceType::CompositeWithTrainedAlgorithmicMedia,
            ingredients: vec![Ingredient {
                path: portrait,
                role: "portrait",
                title: "mona_lisa.jpg".into(),
            }],
            settings: serde_json::json!({ "engine": "warp" }),
        },
        signer,
    };
    let export = |with: bool| {
        let mut s = Mp4Settings::new(w, h, (25, 1));
        s.preset = "veryfast".into();
        s.credentials = with.then(|| credentials.clone());
        let out = dir.join(format!("credentials_{with}.mp4"));
        let t = Instant::now();
        let mut writer = Mp4Writer::create(&out, s, None).unwrap_or_else(|e| panic!("{e}"));
        for i in 0..seconds * 25 {
            writer
                .write_frame(&frames[i % frames.len()])
                .unwrap_or_else(|e| panic!("{e}"));
        }
        writer.finish().unwrap_or_else(|e| panic!("{e}"));
        (t.elapsed().as_secs_f64(), out)
    };
    let (plain_s, plain) = export(false);
    let (signed_s, _) = export(true);
    let signed_alone = dir.join("credentials_signed_again.mp4");
    let t = Instant::now();
    sign_mp4(
        &plain,
        &signed_alone,
        "x.mp4",
        &credentials.provenance,
        &credentials.signer,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let sign_s = t.elapsed().as_secs_f64();
    let mib = std::fs::metadata(&plain).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    println!(
        "{seconds}-s {w}x{h} export (veryfast, {mib:.1} MiB): {plain_s:.2} s without Content Credentials, {signed_s:.2} s with ({:+.1} %); signing alone {:.0} ms ({:.2} % of the export)",
        100.0 * (signed_s - plain_s) / plain_s,
        sign_s * 1000.0,
        100.0 * sign_s / plain_s
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let webcam = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/webcam_man_400x300.mp4"
    ));
    let (hd_w, hd_h, hd_s) = if full {
        (1920, 1080, 10)
    } else {
        (320, 180, 1)
    };
    let hd = dir.path().join("hd.mp4");
    ffmpeg(
        &hd,
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={hd_w}x{hd_h}:rate=25:duration={hd_s}"),
            "-c:v",
            "libx264",
            "-preset",
            "fast",
            // A keyframe every 2 s, as phones and cameras write.
            "-g",
            "50",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    println!(
        "media benchmark ({})",
        if full { "full" } else { "smoke test" }
    );

    let limit = if full { usize::MAX } else { 100 };
    for conversion in [RgbConversion::Accurate, RgbConversion::Fast] {
        let (n, fps) = decode_fps(&webcam, limit, conversion);
        println!(
            "decode webcam 400x300 H.264 to RGB ({conversion:?}): {n} frames, {fps:.0} frames/s"
        );
        let (n, fps) = decode_fps(&hd, limit, conversion);
        println!(
            "decode {hd_w}x{hd_h} H.264 to RGB ({conversion:?}): {n} frames, {fps:.1} frames/s"
        );
    }

    let seeks = if full { 300 } else { 10 };
    for (name, path) in [("webcam 400x300", &webcam), ("generated HD", &hd)] {
        for (scrub, cached) in [(false, false), (false, true), (true, true)] {
            let (med, p95, max) = seek_latency(path, seeks, scrub, cached);
            println!(
                "frame_at, {seeks} {}, {name}, cache {}: median {med:.2} ms, p95 {p95:.1} ms, max {max:.1} ms",
                if scrub {
                    "scrub steps (random walk of ±0.5 s)"
                } else {
                    "random times"
                },
                if cached { "128 MiB" } else { "off" }
            );
        }
    }

    for timing in [ThumbnailTiming::Exact, ThumbnailTiming::Keyframe] {
        for (name, path) in [("webcam 400x300", &webcam), ("generated HD", &hd)] {
            let mut src = VideoSource::open(path).unwrap_or_else(|e| panic!("{e}"));
            let t = Instant::now();
            let n = thumbnails(&mut src, 50, 160, 90, timing)
                .unwrap_or_else(|e| panic!("{e}"))
                .len();
            println!(
                "{n} thumbnails ({timing:?}), {name}: {:.0} ms",
                t.elapsed().as_secs_f64() * 1000.0
            );
        }
    }

    let frames: Vec<RgbImage> = VideoSource::open(&hd)
        .unwrap_or_else(|e| panic!("{e}"))
        .take(25)
        .map(|f| f.unwrap_or_else(|e| panic!("{e}")).image)
        .collect();
    let total = if full { 150 } else { 5 };
    for preset in ["medium", "veryfast"] {
        let fps = encode_fps(&frames, total, preset, dir.path());
        println!("encode {hd_w}x{hd_h} H.264 CRF 16 preset {preset}: {fps:.1} frames/s");
    }
    drop(frames);

    credentials_cost(full, dir.path());

    // Ten minutes of 640×360 picture and 48 kHz stereo sound, streamed start to end.
    let minutes = if full { 10.0 } else { 0.1 };
    let long = dir.path().join("long.mp4");
    let secs = format!("{}", minutes * 60.0);
    let t = Instant::now();
    ffmpeg(
        &long,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            &secs,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
        ],
    );
    println!(
        "generated a {minutes}-minute 640x360 clip with sound in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let (rss0, _) = rss_mib();
    let t = Instant::now();
    let mut src = VideoSource::open(&long).unwrap_or_else(|e| panic!("{e}"));
    let total = src.info().frame_count;
    let mut samples = Vec::new();
    let mut n = 0u64;
    while let Some(f) = src.next_frame().unwrap_or_else(|e| panic!("{e}")) {
        n += 1;
        if n == total / 10 || n == total / 2 {
            samples.push(rss_mib().0);
        }
        drop(f);
    }
    let video_s = t.elapsed().as_secs_f64();
    let (rss_v, _) = rss_mib();
    let t = Instant::now();
    let mut audio =
        AudioSource::open(&long, AudioFormat::new(48000, 2)).unwrap_or_else(|e| panic!("{e}"));
    let mut buf = vec![0.0f32; 8192];
    let mut sound = 0u64;
    loop {
        let k = audio.read(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        if k == 0 {
            break;
        }
        sound += k as u64 / 2;
    }
    let audio_s = t.elapsed().as_secs_f64();
    let (rss_a, peak) = rss_mib();
    println!(
        "stream {minutes}-minute clip: {n} frames in {video_s:.1} s ({:.0} frames/s), {:.1} s of sound in {audio_s:.1} s",
        n as f64 / video_s,
        sound as f64 / 48000.0
    );
    println!(
        "memory (RSS, MiB): before {rss0:.0}; after 10 % of frames {:.0}; after 50 % {:.0}; after all frames {rss_v:.0}; after the sound {rss_a:.0}; peak of the whole benchmark {peak:.0}",
        samples.first().copied().unwrap_or(f64::NAN),
        samples.get(1).copied().unwrap_or(f64::NAN),
    );
}
