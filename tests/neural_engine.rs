//! The neural engine around the networks: the crop placed from the 68 points, the paste-back
//! into the full-resolution portrait, and whole renders with the golden set's reduced weights.

use std::path::{Path, PathBuf};

use candle_core::Device;
use image::RgbImage;
use vivant::geometry::Face68;
use vivant::neural::crop::{CropSettings, crop_rgb, crop_transform};
use vivant::neural::paste::{mask, paste_back};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    root().join("tests/fixtures/liveportrait")
}

/// The Mona Lisa (full resolution) and the 68 points Vivant found on it, as stored with the
/// reference's crop transforms.
fn mona_lisa() -> (RgbImage, Face68) {
    let img = image::open(root().join("assets/mona_lisa.jpg"))
        .expect("assets/mona_lisa.jpg")
        .to_rgb8();
    let t = candle_core::safetensors::load(golden_dir().join("crop.safetensors"), &Device::Cpu)
        .expect("crop.safetensors");
    let pts = t["crop.img0.pts68"].to_vec2::<f32>().expect("points");
    let face = Face68::try_from(pts.iter().map(|p| [p[0], p[1]]).collect::<Vec<_>>()).expect("68");
    (img, face)
}

/// With a generator that gives its input crop back and no motion, paste-back returns the
/// portrait: exactly outside the mask, within two bilinear resamplings inside it; the output
/// keeps the portrait's full size.
#[test]
fn paste_back_of_an_unchanged_crop_gives_the_portrait_back() {
    let (img, face) = mona_lisa();
    // At the generator's 512² the crop is a little coarser than the painting (1.2 pixels a
    // crop pixel), so the round trip blurs fine detail; at 2048² it must be near exact,
    // which a half-pixel slip between crop and paste-back would prevent.
    for (n, min_psnr) in [(512usize, 32.0), (2048, 42.0)] {
        round_trip(&img, &face, n, min_psnr);
    }
}

fn round_trip(img: &RgbImage, face: &Face68, n: usize, min_psnr: f64) {
    let to_crop = crop_transform(face, &CropSettings::SOURCE, n as f32);
    let crop = crop_rgb(img, &to_crop, n);
    let out = paste_back(img, &crop, n, &to_crop);
    assert_eq!(out.dimensions(), img.dimensions());
    let half = n as f32 / 2.0;
    let (mut inside, mut sq, mut worst_outside, mut blended) = (0usize, 0.0f64, 0i32, 0usize);
    for (x, y, p) in out.enumerate_pixels() {
        let c = to_crop.apply([x as f32 + 0.5, y as f32 + 0.5]);
        let m = mask(c[0] / half - 1.0, c[1] / half - 1.0);
        let q = img.get_pixel(x, y);
        for k in 0..3 {
            let d = p[k] as i32 - q[k] as i32;
            if m == 0.0 {
                worst_outside = worst_outside.max(d.abs());
            } else {
                sq += (d * d) as f64;
            }
        }
        if m > 0.0 {
            inside += 1;
            if m < 1.0 {
                blended += 1;
            }
        }
    }
    assert_eq!(
        worst_outside, 0,
        "outside the mask the portrait is untouched"
    );
    // The mask covers the face and fades over a real band (no hard edge).
    assert!(inside > 100_000 && blended > 20_000, "{inside} {blended}");
    let psnr = 10.0 * (255.0f64 * 255.0 / (sq / (3 * inside) as f64)).log10();
    eprintln!("paste-back of the unchanged {n}² crop: PSNR {psnr:.1} dB over {inside} pixels");
    assert!(psnr > min_psnr, "{n}²: PSNR {psnr:.1} dB");
}

mod common;
use common::names_in;

use std::sync::atomic::{AtomicBool, Ordering};

use vivant::face::Analyzer;
use vivant::models::ModelSource;
use vivant::pipeline::{
    Animation, EngineChoice, EngineSettings, PipelineError, RenderJob, Soundtrack, Stage, render,
};

fn analyzer() -> Analyzer {
    Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer")
}

/// A job for the neural engine with the golden set's reduced weights.
fn neural(mut job: RenderJob) -> RenderJob {
    job.settings.engine = EngineSettings::Neural {
        weights: Some(golden_dir().join("safetensors")),
        device: vivant::devices::DeviceChoice::Auto,
    };
    job.settings.preset = "ultrafast".into();
    job
}

fn duration(probe: &serde_json::Value, kind: &str) -> f64 {
    probe["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .find(|s| s["codec_type"] == kind)
        .and_then(|s| s["duration"].as_str())
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no {kind} stream"))
}

/// Mean absolute difference of two pictures over a rectangle.
fn mad(a: &RgbImage, b: &RgbImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> f64 {
    let mut s = 0.0;
    for y in y0..y1 {
        for x in x0..x1 {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            s += (0..3)
                .map(|c| (p[c] as f64 - q[c] as f64).abs())
                .sum::<f64>();
        }
    }
    s / ((x1 - x0) * (y1 - y0) * 3) as f64
}

/// A second of the webcam clip drives the astronaut through the neural engine, with a speech
/// track: the portrait's size and the range's frames, the sound as long as the picture, the
/// face synthesised and the rest the portrait's own; the clip's neural motion is cached and
/// reused; a cancel leaves nothing behind.
#[test]
fn a_clip_drives_the_neural_engine_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let out = dir.path().join("neural.mp4");
    let mut job = neural(RenderJob::new(
        common::fixture("astronaut.png"),
        common::fixture("webcam_2s.mp4"),
        out.clone(),
    ));
    job.sound = Soundtrack::File(common::fixture("speech_librivox_0870.wav"));
    job.settings.start_s = Some(0.5);
    job.settings.end_s = Some(1.5);
    job.cache_dir = Some(cache.clone());
    let a = analyzer();
    let go = AtomicBool::new(false);
    let report = render(&a, &job, &go, &|_| {}).expect("render");
    let src = image::open(common::fixture("astronaut.png"))
        .expect("png")
        .to_rgb8();
    assert_eq!(report.frames, 25);
    assert_eq!((report.width, report.height), src.dimensions());
    let probe = common::ffprobe(&out);
    let (v, s) = (duration(&probe, "video"), duration(&probe, "audio"));
    assert!(
        (v - 1.0).abs() < 1e-6 && (s - v).abs() < 0.03,
        "video {v} s, sound {s} s"
    );
    // The face is the generator's (the reduced networks draw noise, far from the photo); the
    // corners, outside the paste-back mask, are the portrait's up to the encoder.
    let frame = vivant::media::VideoSource::open(&out)
        .expect("open")
        .frame(12)
        .expect("frame")
        .image;
    let (w, h) = src.dimensions();
    let face = vivant::face::Analyzer::analyze(&a, &src).expect("analyze")[0].landmarks68;
    let c = face.centre();
    let (cx, cy) = (c[0] as u32, c[1] as u32);
    assert!(mad(&frame, &src, (cx - 30, cy - 30, cx + 30, cy + 30)) > 10.0);
    for corner in [(0, 0, 40, 40), (w - 40, h - 40, w, h)] {
        let d = mad(&frame, &src, corner);
        assert!(d < 4.0, "corner {corner:?} differs by {d}");
    }
    // The tracked landmarks and the neural motion are both kept; a second preparation, even
    // cancelled before it starts, is answered from them.
    let kept = names_in(&cache);
    assert!(kept.iter().any(|n| n.ends_with(".motion")), "{kept:?}");
    assert!(kept.iter().any(|n| n.ends_with(".neural")), "{kept:?}");
    let stop = AtomicBool::new(true);
    let mut again = Animation::prepare(&a, &job, &stop, &|_| {}).expect("from the caches");
    assert_eq!(again.frames(), 25);
    assert_eq!(again.engine_name(), "neural");
    assert_eq!(
        again.frame(3).expect("frame").dimensions(),
        src.dimensions()
    );
    // Cancelled while rendering: no output, no temporary file.
    let cancelled = dir.path().join("cancelled.mp4");
    let mut job = job.clone();
    job.output = cancelled.clone();
    let cancel = AtomicBool::new(false);
    let r = render(&a, &job, &cancel, &|stage| {
        if matches!(stage, Stage::Rendering(3.., _)) {
            cancel.store(true, Ordering::Relaxed);
        }
    });
    assert!(matches!(r, Err(PipelineError::Cancelled)), "{r:?}");
    assert_eq!(names_in(dir.path()), ["cache", "neural.mp4"]);
}

/// A voice alone drives the neural engine: the lips, eyes and head move (frames differ from
/// one another inside the face), the rest stays the portrait's. And several sources: each
/// frame takes the one that must move least.
#[test]
fn a_voice_and_several_sources_drive_the_neural_engine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut job = neural(RenderJob::speaking(
        common::fixture("astronaut.png"),
        common::fixture("speech_librivox_0870.wav"),
        dir.path().join("voice.mp4"),
    ));
    job.settings.end_s = Some(2.0);
    let a = analyzer();
    let go = AtomicBool::new(false);
    let mut anim = Animation::prepare(&a, &job, &go, &|_| {}).expect("prepare");
    assert_eq!(anim.frames(), 50);
    let src = image::open(common::fixture("astronaut.png"))
        .expect("png")
        .to_rgb8();
    let face = a.analyze(&src).expect("analyze")[0].landmarks68;
    let c = face.centre();
    let (cx, cy) = (c[0] as u32, c[1] as u32);
    let frames: Vec<RgbImage> = [0u64, 12, 25, 40]
        .iter()
        .map(|&k| anim.frame(k).expect("frame"))
        .collect();
    for f in &frames {
        assert_eq!(mad(f, &src, (0, 0, 40, 40)), 0.0, "corner not the portrait");
    }
    let moved = frames
        .windows(2)
        .map(|w| mad(&w[0], &w[1], (cx - 40, cy - 40, cx + 40, cy + 40)))
        .fold(0.0, f64::max);
    assert!(moved > 1.0, "the speaking face does not move ({moved})");

    // Few-shot through the pipeline: two frames of the webcam clip as sources, the clip
    // driving; the output has the first source's size.
    let clip = common::fixture("webcam_2s.mp4");
    let mut job = neural(RenderJob::new(
        PathBuf::from(format!("{}@0.2", clip.display())),
        clip.clone(),
        dir.path().join("fewshot.mp4"),
    ));
    job.sources
        .push(PathBuf::from(format!("{}@1.6", clip.display())));
    job.cache_dir = Some(common::motion_cache());
    let mut anim = Animation::prepare(&a, &job, &go, &|_| {}).expect("prepare");
    let (f, _) = anim.frame_and_source(10).expect("frame");
    assert_eq!(f.dimensions(), (400, 300));
}

/// Few-shot choice: a frame whose driving reading is a source's own takes that source; a
/// reading only a little nearer the other one does not switch (hysteresis).
#[test]
fn the_neural_engine_takes_the_source_nearest_in_pose_and_expression() {
    use std::sync::Arc;
    use vivant::neural::LivePortrait;
    use vivant::neural::crop::input_tensor;
    use vivant::render::{Drive, NeuralKind, SourceFace, TrackEntry, Transfer};
    let networks =
        Arc::new(LivePortrait::load(&golden_dir().join("pth"), &Device::Cpu).expect("weights"));
    let a = analyzer();
    let pictures: Vec<SourceFace> = ["astronaut.png", "grace_hopper.jpg"]
        .iter()
        .map(|name| {
            let image = image::open(common::fixture(name)).expect("image").to_rgb8();
            let landmarks68 = a.analyze(&image).expect("analyze")[0].landmarks68;
            SourceFace {
                image,
                landmarks68,
                keep_still: None,
            }
        })
        .collect();
    // Each source's own reading, as the engine prepares it.
    let n = networks.config.input_size();
    let own: Vec<_> = pictures
        .iter()
        .map(|p| {
            let m = crop_transform(&p.landmarks68, &CropSettings::SOURCE, n as f32);
            let t = input_tensor(&crop_rgb(&p.image, &m, n), n, &Device::Cpu).expect("tensor");
            networks.motion(&t).expect("motion")
        })
        .collect();
    let mut engine = vivant::render::prepare(
        pictures.clone(),
        &Transfer {
            mode: vivant::motion::Mode::Relative,
            strengths: Default::default(),
            reference: None,
            reference_track: None,
        },
        &NeuralKind::new(networks),
    )
    .expect("engine");
    let mut drive = |reading: &vivant::neural::KpInfo| {
        let drawn = engine
            .render(&Drive {
                face: pictures[0].landmarks68,
                track: Some(TrackEntry::new(reading.clone())),
                controls: None,
            })
            .expect("render");
        assert_eq!(
            drawn.image.dimensions(),
            pictures[drawn.source].image.dimensions()
        );
        drawn.source
    };
    assert_eq!(drive(&own[1]), 1);
    assert_eq!(drive(&own[0]), 0);
    // 52 % of the way to source 1: nearer it, but not by the 15 % margin a switch needs.
    let mut between = own[0].clone();
    let lerp = |a: f32, b: f32| a + 0.52 * (b - a);
    between.pitch = lerp(own[0].pitch, own[1].pitch);
    between.yaw = lerp(own[0].yaw, own[1].yaw);
    between.roll = lerp(own[0].roll, own[1].roll);
    for (e, (p, q)) in between
        .exp
        .iter_mut()
        .zip(own[0].exp.iter().zip(&own[1].exp))
    {
        *e = std::array::from_fn(|c| lerp(p[c], q[c]));
    }
    assert_eq!(drive(&between), 0);
    assert_eq!(drive(&own[1]), 1);
}

/// `vivant render --engine neural` checks its weights before any work: without a folder (and
/// none in the usual places: the home folder and Hugging Face cache are empty ones here), or
/// with one missing a network, it stops with exit code 2, says what is needed, and writes
/// nothing; with the golden weights it renders.
#[test]
fn the_command_line_checks_the_weights_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.mp4");
    let run = |extra: &[&std::ffi::OsStr]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vivant"));
        common::hub::isolate(&mut cmd, elsewhere.path())
            .arg("render")
            .arg("--source")
            .arg(common::fixture("astronaut.png"))
            .arg("--driving")
            .arg(common::fixture("webcam_2s.mp4"))
            .args([
                "--end",
                "0.4",
                "--preset",
                "ultrafast",
                "--engine",
                "neural",
                "-o",
            ])
            .arg(&out)
            .args(extra)
            .env("VIVANT_CACHE_DIR", common::cache_root())
            .output()
            .expect("run vivant")
    };
    let o = run(&[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--weights")
            && err.contains("motion_extractor")
            && err.contains("vivant models fetch"),
        "{err}"
    );
    // A folder without the generator.
    let partial = dir.path().join("weights");
    std::fs::create_dir(&partial).expect("mkdir");
    for f in std::fs::read_dir(golden_dir().join("safetensors")).expect("golden") {
        let f = f.expect("entry").path();
        if !f.to_string_lossy().contains("spade_generator") {
            std::fs::copy(&f, partial.join(f.file_name().expect("name"))).expect("copy");
        }
    }
    let o = run(&[std::ffi::OsStr::new("--weights"), partial.as_os_str()]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("spade_generator"), "{err}");
    assert_eq!(names_in(dir.path()), ["weights"]);
    let weights = golden_dir().join("safetensors");
    // A GPU asked for by name that is not here stops before any work, saying why.
    let cuda = vivant::devices::GpuBackend::Cuda.probe();
    if !cuda.available {
        let o = run(&[
            std::ffi::OsStr::new("--weights"),
            weights.as_os_str(),
            std::ffi::OsStr::new("--device"),
            std::ffi::OsStr::new("cuda"),
        ]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{err}");
        let why = cuda.reason.as_deref().expect("why not");
        assert!(
            err.contains("CUDA is not available here") && err.contains(why),
            "{err}"
        );
        assert_eq!(names_in(dir.path()), ["weights"]);
    }
    // The default, auto: a usable GPU, else the CPU with one note saying why.
    let o = run(&[std::ffi::OsStr::new("--weights"), weights.as_os_str()]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    assert!(err.contains("10 frames"));
    let auto = vivant::devices::DeviceChoice::Auto
        .open()
        .expect("auto always opens");
    let notes = err
        .matches("note: the neural engine runs on the CPU")
        .count();
    assert_eq!(notes, usize::from(auto.backend.is_none()), "{err}");
}

/// Keypoints (1, K, 3) from the golden set as rows.
fn rows(t: &candle_core::Tensor) -> Vec<[f32; 3]> {
    t.squeeze(0)
        .and_then(|t| t.to_vec2::<f32>())
        .expect("keypoints")
        .into_iter()
        .map(|r| [r[0], r[1], r[2]])
        .collect()
}

/// A neural frame stops part way when asked: W and G ask between their blocks (each stage of
/// the hourglass, each SPADE block and the convs inside it), so a stop set at any boundary
/// ends the frame right there with `Cancelled` (never an error), the boundaries counted; run
/// through, the frame is the one drawn without a stop, bit for bit.
#[test]
fn a_neural_frame_stops_at_the_next_block_once_asked() {
    use vivant::neural::{LivePortrait, NeuralError, Stop};
    let lp = LivePortrait::load(&golden_dir().join("safetensors"), &Device::Cpu).expect("weights");
    let io = candle_core::safetensors::load(golden_dir().join("io.safetensors"), &Device::Cpu)
        .expect("io.safetensors");
    let (feature, ks, kd) = (
        &io["W.feature"],
        rows(&io["W.kp_source"]),
        rows(&io["W.kp_driving"]),
    );
    let whole = lp.warp_decode(feature, &ks, &kd).expect("frame");
    let never = AtomicBool::new(false);
    let stop = Stop::when(&never);
    let again = lp
        .warp_decode_until(feature, &ks, &kd, &stop)
        .expect("frame");
    assert_eq!(stop.passed(), lp.blocks(), "every boundary asked once");
    let diff = (whole - again)
        .and_then(|d| d.abs())
        .and_then(|d| d.max_all())
        .and_then(|d| d.to_scalar::<f32>())
        .expect("difference");
    assert_eq!(diff, 0.0);
    // W: around its hourglass (3 stages down, 3 up here); G: its eight SPADE blocks.
    assert_eq!((lp.warping.blocks(), lp.generator.blocks()), (10, 19));
    let w = lp.warping.blocks();
    for at in [1, 3, w, w + 1, w + 7, lp.blocks()] {
        let flag = AtomicBool::new(false);
        let probe = |n: usize| {
            if n == at {
                flag.store(true, Ordering::Relaxed);
            }
        };
        let stop = Stop::when(&flag).with_probe(&probe);
        let r = lp.warp_decode_until(feature, &ks, &kd, &stop);
        assert!(matches!(r, Err(NeuralError::Cancelled)), "at {at}: {r:?}");
        assert_eq!(stop.passed(), at, "stopped at the boundary it was asked at");
    }
}

/// How soon a stop takes effect at full size (the reference's networks, random weights): a
/// frame is started, stopped after a random part of it, and the time from the stop to the
/// return measured. Seconds of work: run by hand,
/// `cargo test --test neural_engine -- --ignored --nocapture stop_latency`.
#[test]
#[ignore]
fn stop_latency_at_full_size() {
    use candle_core::{DType, Tensor};
    use std::time::{Duration, Instant};
    use vivant::neural::{LivePortrait, NeuralError, Stop, config::Config};
    vivant::init_compute_threads();
    let dev = Device::Cpu;
    let lp = LivePortrait::from_var_builders(
        Config::default(),
        |_| {
            candle_nn::VarBuilder::from_backend(
                Box::new(vivant::neural::random_weights::RandomWeights::full()),
                DType::F32,
                dev.clone(),
            )
        },
        &dev,
    )
    .expect("networks");
    let feature = Tensor::randn(0f32, 1.0, (1, 32, 16, 64, 64), &dev).expect("feature");
    let kp = |seed: f32| -> Vec<[f32; 3]> {
        (0..lp.num_kp())
            .map(|i| {
                let a = i as f32 * 0.7 + seed;
                [0.3 * a.sin(), 0.3 * a.cos(), 0.1 * (2.0 * a).sin()]
            })
            .collect()
    };
    let (ks, kd) = (kp(0.0), kp(0.05));
    // One whole frame, timed by boundary, to know where the stops fall.
    let times = std::sync::Mutex::new(Vec::new());
    let start = Instant::now();
    let probe = |_n: usize| {
        if let Ok(mut t) = times.lock() {
            t.push(start.elapsed());
        }
    };
    let never = AtomicBool::new(false);
    lp.warp_decode_until(&feature, &ks, &kd, &Stop::when(&never).with_probe(&probe))
        .expect("frame");
    let whole = start.elapsed();
    let times = times.into_inner().expect("times");
    let gaps: Vec<f64> = std::iter::once(times[0])
        .chain(times.windows(2).map(|w| w[1] - w[0]))
        .chain(std::iter::once(whole - times[times.len() - 1]))
        .map(|d| d.as_secs_f64())
        .collect();
    let longest = gaps.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "full-size W+G: {:.2} s, {} boundaries; longest stretch without one {:.3} s",
        whole.as_secs_f64(),
        lp.blocks(),
        longest
    );
    // Stops at spread-out moments of a frame: the time from the stop to the return.
    let mut latencies = Vec::new();
    for i in 1..=8 {
        let after = whole.mul_f64(i as f64 / 9.0);
        let flag = AtomicBool::new(false);
        let stopped_at = std::sync::Mutex::new(None::<Instant>);
        let r = std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(after);
                if let Ok(mut t) = stopped_at.lock() {
                    *t = Some(Instant::now());
                }
                flag.store(true, Ordering::Relaxed);
            });
            lp.warp_decode_until(&feature, &ks, &kd, &Stop::when(&flag))
        });
        let done = Instant::now();
        let at = stopped_at.lock().ok().and_then(|t| *t);
        match (r, at) {
            (Err(NeuralError::Cancelled), Some(at)) => {
                let l = done - at;
                eprintln!(
                    "stop at {:.2} s: returned {:.3} s later",
                    after.as_secs_f64(),
                    l.as_secs_f64()
                );
                latencies.push(l);
            }
            (r, _) => eprintln!(
                "stop at {:.2} s: the frame ended first ({})",
                after.as_secs_f64(),
                if r.is_ok() { "drawn" } else { "error" }
            ),
        }
    }
    let worst = latencies.iter().max().copied().unwrap_or_default();
    let mean = latencies.iter().sum::<Duration>() / latencies.len().max(1) as u32;
    eprintln!(
        "stop latency over {} stops: mean {:.3} s, worst {:.3} s",
        latencies.len(),
        mean.as_secs_f64(),
        worst.as_secs_f64()
    );
    assert!(
        worst.as_secs_f64() <= longest + 0.25,
        "a stop waits at most one stretch between boundaries"
    );
}

/// The studio's two-step preparation of a neural job: the warp engine's animation of the same
/// job first, from the clip's tracking alone (no neural motion read yet); then, from the same
/// analysis, the neural animation, frame for frame with it. A cancelled second step is a
/// cancel. A voice alone goes the same way.
#[test]
fn a_neural_job_is_prepared_warp_first_then_neural_from_the_same_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let mut job = neural(RenderJob::new(
        common::fixture("astronaut.png"),
        common::fixture("webcam_2s.mp4"),
        dir.path().join("unused.mp4"),
    ));
    job.cache_dir = Some(cache.clone());
    let a = analyzer();
    let go = AtomicBool::new(false);
    let (mut warp, stage) = Animation::prepare_staged(&a, &job, &go, &|_| {}).expect("prepare");
    let stage = stage.expect("a second step for the neural engine");
    assert_eq!(warp.engine_name(), "warp");
    let kept = names_in(&cache);
    assert!(kept.iter().any(|n| n.ends_with(".motion")), "{kept:?}");
    assert!(
        !kept.iter().any(|n| n.ends_with(".neural")),
        "the neural motion is the second step's: {kept:?}"
    );
    let analysed = std::sync::Mutex::new(0u64);
    let mut drawn = stage
        .prepare(&go, &|s| {
            if let (Stage::Analysing(..), Ok(mut n)) = (s, analysed.lock()) {
                *n += 1;
            }
        })
        .expect("the neural animation");
    assert_eq!(drawn.engine_name(), "neural");
    assert!(
        analysed.into_inner().unwrap_or(0) > 0,
        "the second step read the clip's neural motion"
    );
    assert!(names_in(&cache).iter().any(|n| n.ends_with(".neural")));
    assert_eq!((drawn.frames(), drawn.fps()), (warp.frames(), warp.fps()));
    assert_eq!(drawn.driving_time(30), warp.driving_time(30));
    assert_eq!(
        drawn.driving_face(30).expect("face"),
        warp.driving_face(30).expect("face")
    );
    let (w, n) = (
        warp.frame(30).expect("warp"),
        drawn.frame(30).expect("neural"),
    );
    assert_eq!(w.dimensions(), n.dimensions());
    assert!(mad(&w, &n, (0, 0, w.width(), w.height())) > 0.5);
    // The second step stopped: a cancel, whatever it had left to do.
    let (_, stage) = Animation::prepare_staged(&a, &job, &go, &|_| {}).expect("prepare");
    let stopped = AtomicBool::new(true);
    let r = stage.expect("second step").prepare(&stopped, &|_| {});
    assert!(matches!(r, Err(PipelineError::Cancelled)), "{:?}", r.err());
    // A voice alone.
    let job = neural(RenderJob::speaking(
        common::fixture("astronaut.png"),
        common::fixture("speech_librivox_0870.wav"),
        dir.path().join("voice.mp4"),
    ));
    let (warp, stage) = Animation::prepare_staged(&a, &job, &go, &|_| {}).expect("prepare");
    let spoken = stage
        .expect("second step")
        .prepare(&go, &|_| {})
        .expect("neural");
    assert_eq!(
        (warp.engine_name(), spoken.engine_name()),
        ("warp", "neural")
    );
    assert_eq!(warp.frames(), spoken.frames());
    // Another engine: no second step.
    let mut job = job;
    job.settings.engine = EngineSettings::new(EngineChoice::Warp);
    let (_, stage) = Animation::prepare_staged(&a, &job, &go, &|_| {}).expect("prepare");
    assert!(stage.is_none());
}

/// `eval` on an engine whose frames show no face (the golden set's random weights) says so in
/// words, and its JSON has no distance, instead of "AKD -0.00 px (median NaN …)".
#[test]
fn eval_says_when_no_face_is_found_in_the_generated_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("eval.json");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_vivant"))
        .arg("eval")
        .arg("--driving")
        .arg(common::fixture("webcam_2s.mp4"))
        .args(["--engine", "neural", "--device", "cpu", "--frames", "3"])
        .arg("--weights")
        .arg(golden_dir().join("safetensors"))
        .arg("--json")
        .arg(&json)
        .env("VIVANT_CACHE_DIR", common::cache_root())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("no face found in any generated frame"),
        "{err}"
    );
    assert!(!err.contains("NaN") && !err.contains("-0.00"), "{err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    assert_eq!(report["face_found"], 0.0);
    assert!(report["akd"].is_null(), "{report}");
}

/// What the user keeps still stays still with the neural engine too: a stroke painted across
/// the astronaut's face, the face driven by Grace Hopper's reading (the reduced golden
/// networks redraw it): under the stroke the portrait's own pixels, beyond it the engine's
/// frame as without the mask, which had changed most of those under it.
#[test]
fn the_neural_engine_keeps_still_what_is_painted() {
    use std::sync::Arc;
    use vivant::neural::LivePortrait;
    use vivant::neural::crop::input_tensor;
    use vivant::render::{
        Drive, NeuralKind, SourceFace, StillMask, StillStroke, TrackEntry, Transfer,
    };
    let networks =
        Arc::new(LivePortrait::load(&golden_dir().join("pth"), &Device::Cpu).expect("weights"));
    let a = analyzer();
    let open = |name: &str| {
        let image = image::open(common::fixture(name)).expect("image").to_rgb8();
        let lm = a.analyze(&image).expect("analyze")[0].landmarks68;
        (image, lm)
    };
    let ((img, lm), (other, other_lm)) = (open("astronaut.png"), open("grace_hopper.jpg"));
    let n = networks.config.input_size();
    let m = crop_transform(&other_lm, &CropSettings::SOURCE, n as f32);
    let t = input_tensor(&crop_rgb(&other, &m, n), n, &Device::Cpu).expect("tensor");
    let reading = networks.motion(&t).expect("motion");
    let mask = StillMask::from_strokes(
        img.width(),
        img.height(),
        &[StillStroke {
            points: vec![lm[0], lm[30], lm[16]],
            radius: 10.0,
            erase: false,
        }],
    )
    .expect("painted");
    let draw = |keep_still: Option<Arc<StillMask>>| {
        let mut engine = vivant::render::prepare(
            vec![SourceFace {
                image: img.clone(),
                landmarks68: lm,
                keep_still,
            }],
            &Transfer {
                mode: vivant::motion::Mode::Relative,
                strengths: Default::default(),
                reference: None,
                reference_track: None,
            },
            &NeuralKind::new(networks.clone()),
        )
        .expect("engine");
        engine
            .render(&Drive {
                face: lm,
                track: Some(TrackEntry::new(reading.clone())),
                controls: None,
            })
            .expect("render")
            .image
    };
    let (kept, free) = (draw(Some(Arc::new(mask.clone()))), draw(None));
    let (under, changed) = common::check_kept_still(&kept, &free, &img, &mask);
    eprintln!("{under} pixels kept still; the engine alone changed {changed} of them");
    assert!(under > 2000 && changed * 2 > under);
}
