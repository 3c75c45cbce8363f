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
    Animation, EngineChoice, PipelineError, RenderJob, Soundtrack, Stage, render,
};

fn analyzer() -> Analyzer {
    Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer")
}

/// A job for the neural engine with the golden set's reduced weights.
fn neural(mut job: RenderJob) -> RenderJob {
    job.settings.engine = EngineChoice::Neural;
    job.settings.weights = Some(golden_dir().join("safetensors"));
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
    use vivant::render::{Drive, EngineOptions, SourceFace, Transfer};
    let networks =
        Arc::new(LivePortrait::load(&golden_dir().join("pth"), &Device::Cpu).expect("weights"));
    let a = analyzer();
    let pictures: Vec<SourceFace> = ["astronaut.png", "grace_hopper.jpg"]
        .iter()
        .map(|name| {
            let image = image::open(common::fixture(name)).expect("image").to_rgb8();
            let landmarks68 = a.analyze(&image).expect("analyze")[0].landmarks68;
            SourceFace { image, landmarks68 }
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
            reference_motion: None,
        },
        &EngineOptions {
            engine: EngineChoice::Neural,
            networks: Some(networks),
            ..Default::default()
        },
    )
    .expect("engine");
    let mut drive = |reading: &vivant::neural::KpInfo| {
        let drawn = engine
            .render(&Drive {
                face: pictures[0].landmarks68,
                motion: Some(reading.clone()),
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
