//! The `vivant` binary end to end (landmarks, probe, render): real files, exit codes, outputs.

mod common;
use common::ffprobe as ffprobe_json;
use common::names_in;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn vivant(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(args)
        .output()
        .expect("run vivant")
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn json_and_overlay_for_one_image_follow_the_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("out.json");
    let png = dir.path().join("overlay.png");
    let img = fixture("astronaut.png");
    let o = vivant(&[
        os("landmarks"),
        img.as_os_str(),
        os("--json"),
        json.as_os_str(),
        os("--overlay"),
        png.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    assert_eq!(v["image"], img.display().to_string());
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(512), Some(512))
    );
    let faces = v["faces"].as_array().expect("faces");
    assert_eq!(faces.len(), 1);
    let f = &faces[0];
    assert_eq!(f["bbox"].as_array().map(Vec::len), Some(4));
    assert!(f["score"].as_f64().is_some_and(|s| s > 0.5 && s <= 1.0));
    assert_eq!(f["keypoints"].as_array().map(Vec::len), Some(6));
    let lm = f["landmarks68"].as_array().expect("landmarks68");
    assert_eq!(lm.len(), 68);
    assert!(
        lm.iter()
            .all(|p| p.as_array().is_some_and(|p| p.len() == 2))
    );
    let mesh = f["mesh468"].as_array().expect("mesh468");
    assert_eq!(mesh.len(), 468);
    assert!(
        mesh.iter()
            .all(|p| p.as_array().is_some_and(|p| p.len() == 3))
    );
    // Pixel coordinates of this image: the nose tip lies inside it.
    let nose = &lm[30];
    let (x, y) = (
        nose[0].as_f64().unwrap_or(-1.0),
        nose[1].as_f64().unwrap_or(-1.0),
    );
    assert!(
        (150.0..350.0).contains(&x) && (50.0..250.0).contains(&y),
        "{x} {y}"
    );
    // The overlay is the image with marks drawn on it.
    let drawn = image::open(&png).expect("overlay").to_rgb8();
    let orig = image::open(&img).expect("image").to_rgb8();
    assert_eq!(drawn.dimensions(), orig.dimensions());
    let changed = drawn
        .pixels()
        .zip(orig.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 500 && changed < 40_000, "{changed} pixels drawn");
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn several_images_give_an_array_in_order_and_a_faceless_image_is_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blank = dir.path().join("blank.png");
    image::RgbImage::from_pixel(200, 150, image::Rgb([30, 120, 200]))
        .save(&blank)
        .expect("save");
    let json = dir.path().join("all.json");
    let o = vivant(&[
        os("landmarks"),
        fixture("tanguy.png").as_os_str(),
        blank.as_os_str(),
        fixture("grace_hopper.jpg").as_os_str(),
        os("--json"),
        json.as_os_str(),
        os("--overlay"),
        dir.path().join("ov.png").as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning") && stderr(&o).contains("blank.png"));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parse");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 3);
    assert!(
        arr[0]["image"]
            .as_str()
            .is_some_and(|s| s.ends_with("tanguy.png"))
    );
    assert_eq!(arr[0]["faces"].as_array().map(Vec::len), Some(1));
    assert_eq!(arr[1]["faces"].as_array().map(Vec::len), Some(0));
    assert_eq!(arr[2]["faces"].as_array().map(Vec::len), Some(1));
    for i in 1..=3 {
        assert!(dir.path().join(format!("ov-{i}.png")).is_file());
    }
}

#[test]
fn unreadable_file_is_exit_code_2_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("garbage.jpg");
    std::fs::write(&bad, b"\xff\xd8\xff\xe0 definitely not a real jpeg").expect("write");
    let json = dir.path().join("out.json");
    std::fs::write(&json, "previous").expect("write");
    let o = vivant(&[
        os("landmarks"),
        fixture("astronaut.png").as_os_str(),
        bad.as_os_str(),
        os("--json"),
        json.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("garbage.jpg"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&json).expect("read"), "previous");

    let o = vivant(&[os("landmarks"), os("/no/such/file.png")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such/file.png"));
}

#[test]
fn bad_options_are_clear_errors() {
    let img = fixture("astronaut.png");
    // "auto" falls back to the CPU on a machine without a GPU.
    let o = vivant(&[os("landmarks"), img.as_os_str(), os("--device"), os("auto")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = vivant(&[os("landmarks"), img.as_os_str(), os("--device"), os("tpu")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("auto, cpu, cuda or metal"),
        "{}",
        stderr(&o)
    );
    let o = vivant(&[
        os("landmarks"),
        img.as_os_str(),
        os("--overlay"),
        os("/tmp/x.txt"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = vivant(&[
        os("landmarks"),
        img.as_os_str(),
        os("--json"),
        os("/no/such/folder/out.json"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
}

#[test]
fn models_folder_override_is_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    for f in [
        "blazeface.safetensors",
        "landmarks68.safetensors",
        "face_mesh.safetensors",
    ] {
        std::fs::copy(models.join(f), dir.path().join(f)).expect("copy");
    }
    let img = fixture("astronaut.png");
    let ok = vivant(&[
        os("--models"),
        dir.path().as_os_str(),
        os("landmarks"),
        img.as_os_str(),
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    // A damaged weight file is refused by name, not run.
    let mut bytes = std::fs::read(dir.path().join("face_mesh.safetensors")).expect("read");
    let n = bytes.len();
    bytes[n - 3] ^= 0x55;
    std::fs::write(dir.path().join("face_mesh.safetensors"), bytes).expect("write");
    let bad = vivant(&[
        os("--models"),
        dir.path().as_os_str(),
        os("landmarks"),
        img.as_os_str(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("face_mesh.safetensors"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn probe_reports_the_clip_and_refuses_non_media() {
    let clip = fixture("webcam_man_400x300.mp4");
    let o = vivant(&[os("probe"), clip.as_os_str(), os("--json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["container"], "mov,mp4,m4a,3gp,3g2,mj2");
    assert_eq!(v["streams"].as_array().map(|s| s.len()), Some(1));
    assert_eq!(v["streams"][0]["kind"], "video");
    let video = &v["video"];
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(400), Some(300))
    );
    assert_eq!(video["codec"], "h264");
    assert_eq!(video["frame_count"].as_u64(), Some(1337));
    assert_eq!(video["frame_rate"], serde_json::json!([25, 1]));
    assert_eq!(video["rotation"].as_u64(), Some(0));
    assert!(v["audio"].is_null());
    assert!((v["duration_s"].as_f64().unwrap_or(0.0) - 53.48).abs() < 0.05);
    assert!((video["duration_s"].as_f64().unwrap_or(0.0) - 53.48).abs() < 0.05);
    let text = vivant(&[os("probe"), clip.as_os_str()]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("400×300") && text.contains("audio:      none"),
        "{text}"
    );
    // A speech recording: audio only, rate and channels.
    let speech = fixture("speech_librivox_0870.wav");
    let o = vivant(&[os("probe"), speech.as_os_str(), os("--json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v["video"].is_null());
    assert_eq!(v["audio"]["sample_rate"].as_u64(), Some(16000));
    assert_eq!(v["audio"]["channels"].as_u64(), Some(1));
    assert!((v["duration_s"].as_f64().unwrap_or(0.0) - 7.1).abs() < 0.01);
    // A text file is not media at all.
    let dir = tempfile::tempdir().expect("tempdir");
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "hello\n").expect("write");
    let o = vivant(&[os("probe"), txt.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    // Nor is an empty file, or one that does not exist.
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").expect("write");
    let o = vivant(&[os("probe"), empty.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    let o = vivant(&[os("probe"), dir.path().join("gone.mov").as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("gone.mov"), "{}", stderr(&o));
}

/// A Matroska clip does not store its frame count: estimated and flagged, or counted on request.
#[test]
fn probe_counts_frames_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mkv = dir.path().join("clip.mkv");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .args([
            "testsrc2=size=64x48:rate=30:duration=1.5",
            "-c:v",
            "libx264",
        ])
        .arg(&mkv)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let o = vivant(&[os("probe"), mkv.as_os_str(), os("--json")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["video"]["frame_count_exact"], false);
    let o = vivant(&[
        os("probe"),
        mkv.as_os_str(),
        os("--json"),
        os("--count-frames"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["video"]["frame_count_exact"], true);
    assert_eq!(v["video"]["frame_count"].as_u64(), Some(45));
}

/// `vivant render`: a second of the webcam clip animating the astronaut, with a speech track;
/// then silent; and the clear failures.
#[test]
fn render_writes_an_mp4_with_sound_and_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("astronaut.mp4");
    let cache = common::cache_root();
    let run = |extra: &[&std::ffi::OsStr], out: &std::path::Path| {
        let mut args = vec![
            os("render"),
            os("--source"),
            fixture("astronaut.png").into_os_string().leak(),
            os("--driving"),
            fixture("webcam_2s.mp4").into_os_string().leak(),
            os("--start"),
            os("0.5"),
            os("--end"),
            os("1.5"),
            os("--preset"),
            os("ultrafast"),
            os("-o"),
            out.as_os_str(),
        ];
        args.extend_from_slice(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_vivant"))
            .args(args)
            .env("VIVANT_CACHE_DIR", &cache)
            .output()
            .expect("run vivant")
    };
    let speech = fixture("speech_librivox_0870.wav");
    let o = run(&[os("--audio"), speech.as_os_str()], &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("25 frames"), "{}", stderr(&o));
    let p = ffprobe_json(&out);
    let streams = p["streams"].as_array().expect("streams");
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("video");
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("audio");
    assert_eq!(video["nb_frames"], "25");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(512), Some(512))
    );
    let ad: f64 = audio["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    assert!((ad - 1.0).abs() < 0.03, "audio {ad} s");
    // The portrait moves: frames differ from the source image.
    let first = vivant::media::VideoSource::open(&out)
        .expect("open")
        .frame(12)
        .expect("frame")
        .image;
    let src = image::open(fixture("astronaut.png"))
        .expect("png")
        .to_rgb8();
    let diff = first
        .as_raw()
        .iter()
        .zip(src.as_raw())
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / src.as_raw().len() as f64;
    assert!(diff > 0.5, "frame 12 is the still source ({diff})");
    // Silent, at another size: no audio stream (the webcam clip has no sound anyway).
    let silent = dir.path().join("silent.mp4");
    let o = run(&[os("--no-audio"), os("--size"), os("256x256")], &silent);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe_json(&silent);
    let streams = p["streams"].as_array().expect("streams");
    assert!(streams.iter().all(|s| s["codec_type"] != "audio"));
    assert_eq!(streams[0]["width"].as_u64(), Some(256));
    // A source without a face: exit 2 naming it, nothing written.
    let blank = dir.path().join("blank.png");
    image::RgbImage::from_pixel(300, 300, image::Rgb([120, 120, 120]))
        .save(&blank)
        .expect("save");
    let bad = dir.path().join("bad.mp4");
    let mut args = vec![
        os("render"),
        os("--source"),
        blank.as_os_str(),
        os("--driving"),
    ];
    let clip = fixture("webcam_man_400x300.mp4");
    args.extend([clip.as_os_str(), os("-o"), bad.as_os_str()]);
    let o = vivant(&args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("blank.png") && stderr(&o).contains("no face"),
        "{}",
        stderr(&o)
    );
    assert!(!bad.exists());
    // An output folder that does not exist: exit 2.
    let o = run(&[], &dir.path().join("nope/out.mp4"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    // Nothing but the outputs and the cache in the folder: no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["astronaut.mp4", "blank.png", "silent.mp4"]);
}

/// Several sources, two of them frames of a video (`VIDEO@SECONDS`), warped on the GPU back
/// end (Mesa's software adapter in CI).
#[test]
fn render_takes_several_sources_including_video_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("multi.mp4");
    let clip = fixture("webcam_2s.mp4");
    let at = |t: &str| format!("{}@{t}", clip.display());
    let (a, b) = (at("0.3"), at("1.6"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(["render", "--source", &a, "--source", &b, "--driving"])
        .arg(&clip)
        .args([
            "--start",
            "0.5",
            "--end",
            "0.9",
            "--preset",
            "ultrafast",
            "--backend",
            "wgpu",
            "-o",
        ])
        .arg(&out)
        .env("VIVANT_CACHE_DIR", common::cache_root())
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let p = ffprobe_json(&out);
    assert_eq!(p["streams"][0]["nb_frames"], "10");
    assert_eq!(p["streams"][0]["width"].as_u64(), Some(400));
    // A frame of a video that does not exist: exit 2 naming it.
    let missing = format!("{}@3", dir.path().join("gone.mp4").display());
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(["render", "--source", &missing, "--driving"])
        .arg(&clip)
        .arg("-o")
        .arg(dir.path().join("x.mp4"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("gone.mp4"), "{}", stderr(&o));
    // More pictures than a render takes: exit 2 with the count, nothing written.
    let face = fixture("grace_hopper.jpg");
    let mut many = std::process::Command::new(env!("CARGO_BIN_EXE_vivant"));
    many.arg("render");
    for _ in 0..=vivant::pipeline::MAX_SOURCES {
        many.arg("--source").arg(&face);
    }
    let o = many
        .arg("--driving")
        .arg(&clip)
        .arg("-o")
        .arg(dir.path().join("many.mp4"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("65 source pictures"), "{}", stderr(&o));
    assert!(!dir.path().join("many.mp4").exists());
    // A project where a picture was meant: said as such, with what to do.
    let project = dir.path().join("p.vivant");
    std::fs::write(&project, "{}").unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(["render", "--source"])
        .arg(&project)
        .arg("--driving")
        .arg(&clip)
        .arg("-o")
        .arg(dir.path().join("p.mp4"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("vivant studio"), "{}", stderr(&o));
}

/// A voice alone drives the portrait; the flags that need a voice or a driver say so.
#[test]
fn render_speaks_a_recording_and_refuses_missing_drivers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("speaks.mp4");
    let speech = fixture("speech_librivox_0870.wav");
    let astronaut = fixture("astronaut.png");
    let o = vivant(&[
        os("render"),
        os("--source"),
        astronaut.as_os_str(),
        os("--audio"),
        speech.as_os_str(),
        os("--start"),
        os("1"),
        os("--end"),
        os("3"),
        os("--seed"),
        os("7"),
        os("--preset"),
        os("ultrafast"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("50 frames") && stderr(&o).contains("spoken from the voice"),
        "{}",
        stderr(&o)
    );
    let p = ffprobe_json(&out);
    let streams = p["streams"].as_array().expect("streams");
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("the voice");
    let ad: f64 = audio["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    assert!((ad - 2.0).abs() < 0.03, "audio {ad} s");
    // No driving clip and no voice: exit 2, nothing written.
    let none = dir.path().join("none.mp4");
    let o = vivant(&[
        os("render"),
        os("--source"),
        astronaut.as_os_str(),
        os("-o"),
        none.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--audio"), "{}", stderr(&o));
    // --lips-from-audio without a voice: exit 2.
    let clip = fixture("webcam_man_400x300.mp4");
    let o = vivant(&[
        os("render"),
        os("--source"),
        astronaut.as_os_str(),
        os("--driving"),
        clip.as_os_str(),
        os("--lips-from-audio"),
        os("-o"),
        none.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--audio"), "{}", stderr(&o));
    // A missing recording: exit 2 naming it.
    let o = vivant(&[
        os("render"),
        os("--source"),
        astronaut.as_os_str(),
        os("--audio"),
        os("nowhere.wav"),
        os("-o"),
        none.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nowhere.wav"), "{}", stderr(&o));
    assert!(!none.exists());
}

/// Every file in `dir`, sorted (to see that nothing half-written was left).
/// Outputs are checked before any work: an input named as the output, a folder, a missing
/// folder, a name that is not an MP4, two outputs of one command onto one file. Nothing is
/// written and the inputs are untouched.
#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let portrait = d.join("portrait.png");
    std::fs::copy(fixture("astronaut.png"), &portrait).expect("copy");
    let clip = d.join("clip.mp4");
    std::fs::copy(fixture("webcam_2s.mp4"), &clip).expect("copy");
    let before = (
        std::fs::read(&portrait).unwrap(),
        std::fs::read(&clip).unwrap(),
    );
    let render = |out: &std::ffi::OsStr| {
        vivant(&[
            os("render"),
            os("--source"),
            portrait.as_os_str(),
            os("--driving"),
            clip.as_os_str(),
            os("-o"),
            out,
        ])
    };
    // The driving clip as the output, by another spelling of its path.
    let same = d.join(".").join("clip.mp4");
    let o = render(same.as_os_str());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("driving clip"), "{}", stderr(&o));
    // A folder: refused at once, not after the render with a hidden file left beside it.
    let started = std::time::Instant::now();
    let o = render(d.as_os_str());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
    assert!(started.elapsed().as_secs_f64() < 30.0);
    // Not an MP4 name.
    for name in ["out.png", "out"] {
        let o = render(d.join(name).as_os_str());
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(".mp4"), "{name}: {}", stderr(&o));
    }
    // landmarks: the overlay onto its own image; the JSON into a missing folder must stop the
    // command before the overlay is written.
    let o = vivant(&[
        os("landmarks"),
        portrait.as_os_str(),
        os("--overlay"),
        portrait.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("image"), "{}", stderr(&o));
    let overlay = d.join("overlay.png");
    let o = vivant(&[
        os("landmarks"),
        portrait.as_os_str(),
        os("--overlay"),
        overlay.as_os_str(),
        os("--json"),
        d.join("missing/out.json").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!overlay.exists());
    assert_eq!(
        (
            std::fs::read(&portrait).unwrap(),
            std::fs::read(&clip).unwrap()
        ),
        before
    );
    assert_eq!(names_in(d), ["clip.mp4", "portrait.png"]);
}

/// Times that are not times, ranges past the end and awkward files are clear errors (exit 2).
#[test]
fn bad_times_and_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let astronaut = fixture("astronaut.png");
    let speech = fixture("speech_librivox_0870.wav");
    let clip = fixture("webcam_2s.mp4");
    let out = d.join("out.mp4");
    let voice = |extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vivant"));
        c.args(["render", "--source"])
            .arg(&astronaut)
            .arg("--audio")
            .arg(&speech)
            .arg("-o")
            .arg(&out)
            .args(extra)
            .env("VIVANT_CACHE_DIR", d.join("cache"));
        c.output().expect("run")
    };
    for bad in ["NaN", "1e308", "-1", "inf"] {
        let o = voice(&[&format!("--start={bad}")]);
        assert_eq!(o.status.code(), Some(2), "--start {bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("seconds"), "{bad}: {}", stderr(&o));
    }
    let o = voice(&["--start", "10", "--end", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Some("), "{}", stderr(&o));
    assert!(stderr(&o).contains("--end 2"), "{}", stderr(&o));
    // A reference frame or a portrait frame past the clip's end.
    let driven = |source: &std::ffi::OsStr, extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vivant"));
        c.args(["render", "--source"])
            .arg(source)
            .arg("--driving")
            .arg(&clip)
            .arg("-o")
            .arg(&out)
            .args(extra)
            .env("VIVANT_CACHE_DIR", d.join("cache"));
        c.output().expect("run")
    };
    let o = driven(astronaut.as_os_str(), &["--reference", "999"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("past the end"), "{}", stderr(&o));
    let framed = format!("{}@999", clip.display());
    let o = driven(os(&framed), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("past the end"), "{}", stderr(&o));
    // A folder or a device given as a file says so.
    let o = driven(d.as_os_str(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
    let o = driven(os("/dev/zero"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("device or a pipe"), "{}", stderr(&o));
    // probe: a pipe is not "empty"; a clip cut in half is "cut short", not complete.
    let fifo = d.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let o = vivant(&[os("probe"), fifo.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("device or a pipe"), "{}", stderr(&o));
    let bytes = std::fs::read(fixture("webcam_man_400x300.mp4")).expect("read");
    let cut = d.join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let o = vivant(&[os("probe"), cut.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cut short"), "{}", stderr(&o));
    // eval on a one-frame clip: nothing to compare, said so (not "PSNR -0.00 dB … NaN").
    let one = common::ffmpeg(
        d,
        "one.mp4",
        &["-i", clip.to_str().expect("utf-8"), "-frames:v", "1"],
    );
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(["eval", "--driving"])
        .arg(&one)
        .env("VIVANT_CACHE_DIR", d.join("cache"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("at least") && !stderr(&o).contains("NaN"),
        "{}",
        stderr(&o)
    );
    let o = driven(astronaut.as_os_str(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.exists() || names_in(d).iter().all(|n| !n.contains("partial")));
}

/// SIGTERM and SIGHUP (a closed terminal, `timeout`, `kill`) mid-render cancel it as Ctrl-C
/// does: no hidden partial file is left.
#[test]
fn a_signal_mid_render_leaves_no_partial_file() {
    for signal in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("speaks.mp4");
        let child = Command::new(env!("CARGO_BIN_EXE_vivant"))
            .args(["render", "--source"])
            .arg(fixture("astronaut.png"))
            .arg("--audio")
            .arg(fixture("speech_librivox_0870.wav"))
            .args(["--preset", "ultrafast", "-o"])
            .arg(&out)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // Once the encoder's temporary file is there.
        let status = signal_once_partial(child, dir.path(), signal).status;
        assert!(!status.success(), "SIG{signal}: finished anyway");
        assert_eq!(names_in(dir.path()), Vec::<String>::new(), "SIG{signal}");
    }
}

/// A legal output name near the file system's 255-byte limit is written (the temporary name
/// beside it is shortened, not lengthened past the limit).
#[test]
fn a_long_output_name_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = format!("{}.mp4", "n".repeat(246));
    let out = dir.path().join(&name);
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(["render", "--source"])
        .arg(fixture("astronaut.png"))
        .arg("--audio")
        .arg(fixture("speech_librivox_0870.wav"))
        .args([
            "--end",
            "0.4",
            "--size",
            "128x128",
            "--preset",
            "ultrafast",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(names_in(dir.path()), [name]);
}

/// A variable-frame-rate driving clip (5 fps for a second, then 25 fps) rendered without
/// --fps: output frames follow presentation times, so the video lasts as long as the clip.
#[test]
fn a_variable_rate_clip_keeps_its_timing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = common::ffmpeg(
        dir.path(),
        "vfr.mp4",
        &[
            "-i",
            fixture("webcam_2s.mp4").to_str().expect("utf-8"),
            "-filter_complex",
            "[0:v]trim=0:1,setpts=PTS-STARTPTS,fps=5[a];[0:v]trim=1:2,setpts=PTS-STARTPTS,fps=25[b];[a][b]concat=n=2:v=1[v]",
            "-map",
            "[v]",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let out = dir.path().join("out.mp4");
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(["render", "--source"])
        .arg(fixture("astronaut.png"))
        .arg("--driving")
        .arg(&clip)
        .args(["--size", "128x128", "--preset", "ultrafast", "-o"])
        .arg(&out)
        .env("VIVANT_CACHE_DIR", dir.path().join("cache"))
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("variable frame rate"), "{}", stderr(&o));
    let p = ffprobe_json(&out);
    let video = &p["streams"][0];
    let duration: f64 = video["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("duration");
    // The clip's own length (its last frame ends at 1.96 s) at its fastest rate, 25 fps: the
    // frames of its slow second are held, not played fast.
    let clip_duration: f64 = ffprobe_json(&clip)["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("clip duration");
    assert!(
        (duration - clip_duration).abs() < 0.05,
        "{duration} s for a {clip_duration} s clip"
    );
    assert_eq!(video["r_frame_rate"], "25/1");
    assert_eq!(video["nb_frames"], "49");
    // Each output frame shows the driving frame on screen at its own time.
    let analyzer = vivant::face::Analyzer::new(
        &candle_core::Device::Cpu,
        &vivant::models::ModelSource::Embedded,
    )
    .expect("analyzer");
    let mut job = vivant::pipeline::RenderJob::new(fixture("astronaut.png"), clip.clone(), out);
    job.cache_dir = Some(dir.path().join("cache"));
    let never = std::sync::atomic::AtomicBool::new(false);
    let animation =
        vivant::pipeline::Animation::prepare(&analyzer, &job, &never, &|_| {}).expect("prepare");
    assert_eq!(animation.fps(), (25, 1));
    for k in 0..animation.frames() {
        let t = k as f64 / 25.0;
        let shown = animation.driving_time(k).expect("a driving time");
        let held = if t < 1.0 { 0.2 } else { 0.04 };
        assert!(
            shown <= t + 1e-6 && t - shown < held - 1e-6,
            "output {t:.2} s shows the driving frame of {shown:.2} s"
        );
    }
}

/// `vivant devices`: the CPU and every GPU back end Vivant knows, each built in or not and
/// usable here or not with the reason, and what `--device auto` picks; the JSON is keyed by
/// kind (`compute`, beside the cameras, microphones and input devices of `tests/live.rs`).
/// Without a usable GPU, auto is the CPU with one note saying why.
#[test]
fn devices_lists_the_cpu_and_each_gpu_back_end_with_why() {
    let o = vivant(&[os("devices"), os("--json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let kinds: Vec<&String> = v.as_object().expect("an object").keys().collect();
    assert_eq!(kinds, ["compute", "cameras", "microphones", "inputs"]);
    let c = &v["compute"];
    let cpu = &c["cpu"];
    assert_eq!(cpu["available"], true);
    assert!(cpu["threads"].as_u64().is_some_and(|n| n >= 1), "{cpu}");
    for isa in ["isa", "isa_detected"] {
        assert!(
            ["avx512", "avx2", "generic"].contains(&cpu[isa].as_str().unwrap_or("")),
            "{cpu}"
        );
    }
    let gpus = c["gpu"].as_array().expect("gpu back ends");
    let names: Vec<&str> = gpus.iter().filter_map(|g| g["backend"].as_str()).collect();
    assert_eq!(names, ["cuda", "metal"]);
    let mut usable = Vec::new();
    for g in gpus {
        let (compiled, available) = (g["compiled"].as_bool(), g["available"].as_bool());
        assert!(compiled.is_some() && available.is_some(), "{g}");
        if available == Some(true) {
            assert!(g["reason"].is_null() && !g["devices"].as_array().expect("devices").is_empty());
            usable.push(g["backend"].as_str().unwrap_or_default().to_string());
        } else {
            let why = g["reason"].as_str().expect("a reason when not available");
            if compiled == Some(false) {
                assert!(why.starts_with("not built in"), "{why}");
            }
        }
    }
    let auto = c["auto"].as_str().expect("auto");
    match usable.first() {
        Some(gpu) => assert_eq!(auto, gpu),
        None => {
            assert_eq!(auto, "cpu");
            let note = c["auto_note"].as_str().expect("why auto is the CPU");
            assert!(
                note.starts_with("the neural engine runs on the CPU"),
                "{note}"
            );
        }
    }
    // The same for people: one line per back end, the reason where there is one.
    let o = vivant(&[os("devices")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\n  CPU    "), "{text}");
    for g in gpus {
        let label = if g["backend"] == "cuda" {
            "CUDA"
        } else {
            "Metal"
        };
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in {text}"));
        if let Some(why) = g["reason"].as_str() {
            assert!(line.contains(why), "{line}");
        }
        if g["compiled"] == true {
            assert!(line.contains("built in;"), "{line}");
        }
    }
    assert_eq!(
        text.matches("note: ").count(),
        usize::from(usable.is_empty()),
        "{text}"
    );
}

/// A named pipe given where a file is expected is refused at once: opening it would wait for a
/// writer forever (`verify` used to hang there, with or without `--json`).
#[test]
fn a_pipe_is_refused_at_once_not_waited_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("f.mp4");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    for json in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vivant"));
        cmd.arg("verify").arg(&fifo);
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            if started.elapsed().as_secs() > 20 {
                let _ = child.kill();
                panic!("vivant verify waited on a pipe (--json: {json})");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let out = child.wait_with_output().expect("output");
        assert_eq!(status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("a device or a pipe"), "{err}");
    }
}

/// A frame of a video named with a time that is no time (`@abc`, `@`, `@NaN`) or before the
/// start is said to be that, not "no such file" or "NaN s is past the end".
#[test]
fn a_video_frame_with_no_time_after_the_at_is_said_so() {
    let clip = fixture("webcam_2s.mp4");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.mp4");
    for (suffix, says) in [
        ("abc", "is not a time in seconds"),
        ("", "is not a time in seconds"),
        ("NaN", "is not a time in seconds"),
        ("-1", "before the clip's start"),
    ] {
        let source = format!("{}@{suffix}", clip.display());
        let o = vivant(&[
            os("render"),
            os("--source"),
            os(&source),
            os("--driving"),
            clip.as_os_str(),
            os("-o"),
            out.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{source}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{source}: {}", stderr(&o));
        assert!(!out.exists());
    }
}

/// Every file under `dir`, at any depth, by name.
fn names_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(names_below(&p));
            } else {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out
}

/// Sends SIG`signal` to `child` once a partial file appears anywhere under `dir`, and waits
/// for it to end.
fn signal_once_partial(child: std::process::Child, dir: &Path, signal: &str) -> Output {
    let started = std::time::Instant::now();
    while !names_below(dir).iter().any(|n| n.contains("partial")) {
        assert!(
            started.elapsed().as_secs() < 120,
            "no partial file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill")
            .success()
    );
    child.wait_with_output().expect("wait")
}

/// Ctrl-C, SIGTERM or SIGHUP while `track` analyses a clip stop it as they stop `render`: the
/// partial analysis file is removed (it used to stay, hidden, in the cache) and the exit code
/// is 130.
#[test]
fn a_signal_mid_track_leaves_no_partial_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Five times the fixture: long enough to be stopped part way.
    let clip = common::ffmpeg(
        dir.path(),
        "long.mp4",
        &[
            "-stream_loop",
            "4",
            "-i",
            &fixture("webcam_2s.mp4").to_string_lossy(),
            "-c",
            "copy",
        ],
    );
    for signal in ["INT", "TERM", "HUP"] {
        let cache = tempfile::tempdir().expect("cache");
        let child = Command::new(env!("CARGO_BIN_EXE_vivant"))
            .arg("track")
            .arg(&clip)
            .env("VIVANT_CACHE_DIR", cache.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let out = signal_once_partial(child, cache.path(), signal);
        assert_eq!(
            out.status.code(),
            Some(130),
            "SIG{signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let left: Vec<String> = names_below(cache.path())
            .into_iter()
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(left.is_empty(), "SIG{signal}: {left:?}");
    }
}

/// A flag of the other engine's is refused before any work, saying whose it is and what to
/// do, instead of being ignored: --weights or --device with the warp engine, --backend with
/// the neural one (the same in `eval`), or --details out of its range. No output is written.
#[test]
fn another_engines_flag_is_refused_not_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.mp4");
    let img = fixture("astronaut.png");
    let clip = fixture("webcam_2s.mp4");
    let render = |extra: &[&str]| {
        let mut args = vec![
            os("render"),
            os("--source"),
            img.as_os_str(),
            os("--driving"),
            clip.as_os_str(),
            os("-o"),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(os));
        vivant(&args)
    };
    for (extra, says) in [
        (&["--weights", "/nowhere"][..], "add --engine neural"),
        (&["--device", "cpu"][..], "--backend"),
        (&["--engine", "neural", "--backend", "wgpu"][..], "--device"),
        (
            &["--engine", "neural", "--painted-voice-mouth"][..],
            "--painted-voice-mouth",
        ),
        (
            &["--engine", "neural", "--details", "1"][..],
            "warp engine's",
        ),
        // Not another engine's, but refused the same way: a strength out of its range.
        (&["--details", "3"][..], "from 0 (none) to 2"),
    ] {
        let o = render(extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(extra[extra.len() - 2]) && e.contains(says),
            "{extra:?}: {e}"
        );
        assert!(!out.exists());
    }
    let o = vivant(&[
        os("eval"),
        os("--driving"),
        clip.as_os_str(),
        os("--weights"),
        os("/nowhere"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("add --engine neural"), "{}", stderr(&o));
}

/// Times out of reach are said with the limit or the video's length: `--start 1e308` states
/// the limit; `eval --voice --at` past the video's end is refused before measuring, and
/// `--at` without the sheet it places is refused rather than ignored.
#[test]
fn times_out_of_reach_say_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.mp4");
    let img = fixture("astronaut.png");
    let clip = fixture("webcam_2s.mp4");
    let o = vivant(&[
        os("render"),
        os("--source"),
        img.as_os_str(),
        os("--driving"),
        clip.as_os_str(),
        os("--start"),
        os("1e308"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("864000"), "{}", stderr(&o));
    let sheet = dir.path().join("sheet.png");
    let o = vivant(&[
        os("eval"),
        os("--voice"),
        clip.as_os_str(),
        os("--sheet"),
        sheet.as_os_str(),
        os("--at"),
        os("999"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("past the end"), "{}", stderr(&o));
    assert!(!sheet.exists());
    let o = vivant(&[
        os("eval"),
        os("--voice"),
        clip.as_os_str(),
        os("--at"),
        os("1"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--sheet"), "{}", stderr(&o));
}

/// A cache folder whose disk fills part way through a render: the landmark analysis (a
/// 128 KB disk) or the clip's mouths (an 800 KB one, where the analysis fits) are made in a
/// temporary file instead, with one note each, and the video is the same as with room; no
/// partial file is left in the cache. The small disks are tmpfs mounts in a mount namespace
/// of the render's own (`unshare`), which needs root (as CI and this machine run); where it
/// is not allowed the test says so and stops.
#[test]
fn a_cache_disk_that_fills_part_way_falls_back_to_temporary_files() {
    // A machine that may not mount (no root, a container without the capability) cannot
    // make the small disk: said, and the rest of the suite goes on.
    if !Command::new("unshare")
        .args([
            "--mount",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt",
        ])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED: `unshare --mount` with a tmpfs is not allowed here (needs root)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let render = |cache: &Path, size: Option<&str>, out: &Path| {
        std::fs::create_dir_all(cache).unwrap();
        // The mount and everything under it go with the namespace when the shell exits.
        let script = "[ -z \"$0\" ] || mount -t tmpfs -o size=$0 tmpfs \"$VIVANT_CACHE_DIR\" || exit 99; \
                      \"$@\"; rc=$?; ls -A \"$VIVANT_CACHE_DIR/motion\"; exit $rc";
        let o = Command::new("unshare")
            .args(["--mount", "sh", "-c", script, size.unwrap_or("")])
            .arg(env!("CARGO_BIN_EXE_vivant"))
            .args(["render", "--source"])
            .arg(fixture("grace_hopper.jpg"))
            .arg("--driving")
            .arg(fixture("webcam_2s.mp4"))
            .args(["--no-credentials", "--preset", "ultrafast", "-o"])
            .arg(out)
            .env("VIVANT_CACHE_DIR", cache)
            .output()
            .expect("unshare");
        let said = stderr(&o);
        assert!(o.status.success(), "{said}");
        (said, String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let roomy = dir.path().join("roomy.mp4");
    let (said, _) = render(&dir.path().join("c0"), None, &roomy);
    assert!(!said.contains("not written"), "{said}");
    for (size, what, kept) in [
        ("128k", "motion cache not written", &[][..]),
        // The mouths and the face details fill it together, said in one note.
        (
            "800k",
            "mouth and face details caches not written",
            &[".motion"][..],
        ),
    ] {
        let out = dir.path().join(format!("{size}.mp4"));
        let (said, left) = render(&dir.path().join(size), Some(size), &out);
        assert!(
            said.contains(what) && said.contains("No space left") && said.contains("instead"),
            "{size}: {said}"
        );
        assert_eq!(said.matches("not written").count(), 1, "{said}");
        let left: Vec<&str> = left.lines().filter(|l| l.contains('.')).collect();
        assert_eq!(left.len(), kept.len(), "{size}: left in the cache {left:?}");
        for (name, ext) in left.iter().zip(kept) {
            assert!(name.ends_with(ext), "{size}: {left:?}");
        }
        assert!(
            std::fs::read(&out).unwrap() == std::fs::read(&roomy).unwrap(),
            "{size}: the video differs from the one rendered with room"
        );
    }
}

/// An output path that is a pipe (or a device) is refused, not replaced by a file; one that is
/// a symbolic link writes the file it points to and the link stays; hidden temporary files
/// that a killed Vivant left in the folder are removed by the next run there; an empty
/// `VIVANT_CACHE_DIR` counts as unset instead of filling the current folder.
#[test]
fn outputs_are_written_through_links_never_over_pipes_and_killed_runs_are_swept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let img = fixture("grace_hopper.jpg");
    let fifo = dir.path().join("pipe.json");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let o = vivant(&[
        os("landmarks"),
        img.as_os_str(),
        os("--json"),
        fifo.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("a device or a pipe"), "{}", stderr(&o));
    // "-" is not taken for a file of that name in the current folder.
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args([os("landmarks"), img.as_os_str(), os("--json"), os("-")])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!dir.path().join("-").exists());
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    // A link to a file elsewhere: that file is written, the link kept.
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let target = real.join("points.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    // A temporary file of a process that is gone (no process has this number).
    let stale = real.join(".points.json.4194303-0.partial.json");
    std::fs::write(&stale, "left by a killed run").unwrap();
    let o = vivant(&[
        os("landmarks"),
        img.as_os_str(),
        os("--json"),
        link.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.contains("landmarks68"), "{written}");
    assert!(!stale.exists(), "the killed run's file is still there");
    assert_eq!(names_in(&real), vec!["points.json".to_string()]);

    // An empty cache variable: the cache goes where HOME says, not into the current folder.
    let here = dir.path().join("here");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&here).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .arg("track")
        .arg(fixture("webcam_2s.mp4"))
        .current_dir(&here)
        .env("VIVANT_CACHE_DIR", "")
        .env_remove("XDG_CACHE_HOME")
        .env("HOME", &home)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(names_in(&here).is_empty(), "{:?}", names_in(&here));
    let cache = home.join(".cache/vivant/motion");
    assert_eq!(names_in(&cache).len(), 1);
    // A killed analysis's file in the cache goes with the next run, even one that finds its
    // analysis cached.
    let stale = cache.join(".analysis.4194303-1.partial.motion");
    std::fs::write(&stale, "left by a killed run").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .arg("track")
        .arg(fixture("webcam_2s.mp4"))
        .env("HOME", &home)
        .env_remove("VIVANT_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists());
}

/// A standard output that cannot be written ends the command with a word and exit 2 (a full
/// disk) or quietly (a reader that went away), never a panic; a standard error that cannot be
/// written loses the message, not the exit code.
#[test]
fn an_unwritable_standard_output_is_an_error_not_a_panic() {
    let clip = fixture("webcam_2s.mp4");
    let face = fixture("grace_hopper.jpg");
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    for args in [
        vec![os("probe"), clip.as_os_str()],
        vec![os("landmarks"), face.as_os_str()],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
            .args(&args)
            .stdout(full())
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cannot write to the standard output")
                && !stderr(&o).contains("panicked"),
            "{}",
            stderr(&o)
        );
    }
    // The reader gone before the output comes: no panic, no message.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args([os("probe"), os("--json"), clip.as_os_str()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_ne!(o.status.code(), Some(101));
    // Standard error full: the error is lost, its exit code is not.
    let junk = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(junk.path(), [7u8; 64]).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args([os("probe"), junk.path().as_os_str()])
        .stderr(full())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}

/// Flags out of their range are refused before any work, each saying its range: blinks above
/// 1 (its help says 0 to 1), a voice's blinks with a driving clip (they were ignored), no
/// frames to score, a contact sheet named as no picture.
#[test]
fn flags_out_of_their_range_are_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = fixture("webcam_2s.mp4");
    let face = fixture("grace_hopper.jpg");
    let speech = fixture("speech_librivox_0870.wav");
    let out = dir.path().join("x.mp4");
    let sheet = dir.path().join("sheet.txt");
    for (args, says) in [
        (
            vec![
                os("render"),
                os("--source"),
                face.as_os_str(),
                os("--audio"),
                speech.as_os_str(),
                os("--blinks"),
                os("1.5"),
                os("-o"),
                out.as_os_str(),
            ],
            "from 0 to 1",
        ),
        (
            vec![
                os("render"),
                os("--source"),
                face.as_os_str(),
                os("--driving"),
                clip.as_os_str(),
                os("--blinks"),
                os("0.5"),
                os("-o"),
                out.as_os_str(),
            ],
            "--blinks shapes the motion a voice makes up",
        ),
        (
            vec![
                os("render"),
                os("--source"),
                face.as_os_str(),
                os("--driving"),
                clip.as_os_str(),
                os("--crop-zoom"),
                os("9"),
                os("-o"),
                out.as_os_str(),
            ],
            "from 1 to 4",
        ),
        (
            vec![
                os("render"),
                os("--source"),
                face.as_os_str(),
                os("--driving"),
                clip.as_os_str(),
                os("--crop-shift"),
                os("0.2"),
                os("-o"),
                out.as_os_str(),
            ],
            "give DX,DY",
        ),
        (
            vec![
                os("eval"),
                os("--driving"),
                clip.as_os_str(),
                os("--frames"),
                os("0"),
            ],
            "--frames",
        ),
        (
            vec![
                os("eval"),
                os("--driving"),
                clip.as_os_str(),
                os("--frames"),
                os("10"),
                os("--sheet"),
                sheet.as_os_str(),
            ],
            "name it .png",
        ),
    ] {
        let started = std::time::Instant::now();
        let o = vivant(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(
            started.elapsed().as_secs_f64() < 5.0,
            "{args:?} did the work first"
        );
    }
    assert!(names_in(dir.path()).is_empty());
}

/// A range's end past the clip's is said (the video stops at the clip's end), and a frame
/// time far too large is written in powers of ten, not in 309 digits.
#[test]
fn an_end_past_the_clip_is_noted_and_a_huge_time_is_written_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = fixture("webcam_2s.mp4");
    let out = dir.path().join("x.mp4");
    let o = vivant(&[
        os("render"),
        os("--source"),
        fixture("grace_hopper.jpg").as_os_str(),
        os("--driving"),
        clip.as_os_str(),
        os("--start"),
        os("1.5"),
        os("--end"),
        os("100"),
        os("--no-credentials"),
        os("--preset"),
        os("ultrafast"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("100.00 s, is past the end"),
        "{}",
        stderr(&o)
    );
    let p = ffprobe_json(&out);
    let seconds: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((seconds - 0.5).abs() < 0.05, "{seconds} s");
    let huge = format!("{}@1e308", clip.display());
    let o = vivant(&[
        os("render"),
        os("--source"),
        os(&huge),
        os("--driving"),
        clip.as_os_str(),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("1.000e308 s"), "{}", stderr(&o));
    assert!(stderr(&o).len() < 300, "{}", stderr(&o));
}

/// Kernel settings in the environment that are not understood are said, not silently dropped.
#[test]
fn misread_environment_settings_are_said() {
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .arg("devices")
        .env("VIVANT_THREADS", "abc")
        .env("VIVANT_CPU", "bogus")
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    for said in ["VIVANT_THREADS=abc is not", "VIVANT_CPU=bogus is not"] {
        assert!(stderr(&o).contains(said), "{}", stderr(&o));
    }
    let o = Command::new(env!("CARGO_BIN_EXE_vivant"))
        .arg("devices")
        .env("VIVANT_THREADS", "2")
        .env("VIVANT_CPU", "generic")
        .output()
        .expect("run");
    assert!(!stderr(&o).contains("is not"), "{}", stderr(&o));
}

/// `--keep-still MASK.png`: the portrait's upper half painted white stays as it is in every
/// frame of a render driven by the webcam clip (only the encoder's loss apart), where without
/// the mask the head moves it; a mask of another size, or more masks than pictures, is
/// refused before any work, saying why.
#[test]
fn a_keep_still_mask_holds_what_it_covers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let img = fixture("astronaut.png");
    let clip = fixture("webcam_2s.mp4");
    let src = image::open(&img).expect("png").to_rgb8();
    let (w, h) = src.dimensions();
    let mask = dir.path().join("still.png");
    image::GrayImage::from_fn(w, h, |_, y| image::Luma([if y < h / 2 { 255 } else { 0 }]))
        .save(&mask)
        .expect("mask");
    let render = |out: &Path, extra: &[&std::ffi::OsStr]| {
        let mut args = vec![
            os("render"),
            os("--source"),
            img.as_os_str(),
            os("--driving"),
            clip.as_os_str(),
            os("--end"),
            os("1"),
            os("--no-audio"),
            os("-o"),
            out.as_os_str(),
        ];
        args.extend_from_slice(extra);
        vivant(&args)
    };
    let upper_half_diff = |out: &Path| {
        let frame = vivant::media::VideoSource::open(out)
            .expect("open")
            .frame(20)
            .expect("frame")
            .image;
        let n = (w * h / 2 * 3) as usize;
        frame.as_raw()[..n]
            .iter()
            .zip(&src.as_raw()[..n])
            .map(|(a, b)| (*a as f64 - *b as f64).abs())
            .sum::<f64>()
            / n as f64
    };
    let (kept, free) = (dir.path().join("kept.mp4"), dir.path().join("free.mp4"));
    let o = render(&kept, &[os("--keep-still"), mask.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = render(&free, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (k, f) = (upper_half_diff(&kept), upper_half_diff(&free));
    eprintln!("upper half against the portrait: kept {k:.2} levels, free {f:.2}");
    // The encoder alone (4:2:0 colour on a saturated flag) costs about 1.8 levels here.
    assert!(k < 2.5 && f > 2.0 * k, "kept {k:.2}, free {f:.2}");

    let small = dir.path().join("small.png");
    image::GrayImage::new(w / 2, h).save(&small).expect("mask");
    let out = dir.path().join("refused.mp4");
    for (extra, says) in [
        (
            vec![os("--keep-still"), small.as_os_str()],
            "the portrait 512×512",
        ),
        (
            vec![
                os("--keep-still"),
                mask.as_os_str(),
                os("--keep-still"),
                mask.as_os_str(),
            ],
            "at most one mask per picture",
        ),
    ] {
        let o = render(&out, &extra);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
        assert!(!out.exists());
    }
}
