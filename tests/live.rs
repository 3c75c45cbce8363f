//! Performing live, driven by FFmpeg inputs standing in for a camera and a microphone (`lavfi`
//! sources and a fixture clip played at its own pace): the live loop shows the newest frame,
//! in order, with its latency measured and nothing queued behind a slow screen; a take keeps
//! the picture and the sound in sync; a take cut short (stopped, or its camera gone) is a
//! playable file; a device that is not there is a clear error.

mod common;
use common::{ffprobe, fixture, onset, read_all};

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use candle_core::Device;
use vivant::export::take::Take;
use vivant::face::Analyzer;
use vivant::media::live::{Camera, DeviceKind, LiveInput, Microphone, Newest};
use vivant::media::{AudioFormat, AudioSource, SampleSource, VideoSource};
use vivant::models::ModelSource;
use vivant::pipeline::live::{LiveSettings, Performer, perform};
use vivant::render::SourceFace;

fn lavfi(graph: &str) -> LiveInput {
    LiveInput::parse(&format!("lavfi:{graph}"), DeviceKind::Camera).expect("lavfi input")
}

fn portrait(analyzer: &Analyzer) -> SourceFace {
    let (image, landmarks68, _) =
        vivant::pipeline::source_face(analyzer, &fixture("tanguy.png")).expect("portrait");
    SourceFace {
        image,
        landmarks68,
        keep_still: None,
    }
}

/// The clip's face drives the portrait live: frames come in capture order and are the newest
/// ones; a screen that takes 120 ms per frame makes the loop drop frames rather than fall
/// behind, so the latency stays bounded; the portrait moves.
#[test]
fn the_live_loop_shows_the_newest_frame_and_drops_the_rest() {
    let analyzer = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let source = portrait(&analyzer);
    let still = source.image.clone();
    let camera = Camera::open(&LiveInput::File(fixture("webcam_2s.mp4"))).expect("camera");
    assert_eq!((camera.info().width, camera.info().height), (400, 300));
    let mut performer = Performer::new(&analyzer, vec![source], LiveSettings::default());
    let stop = AtomicBool::new(false);
    let mut seqs = Vec::new();
    let mut moved = 0.0f64;
    let report = perform(&camera, &mut performer, 1.6, &stop, |drawn, frame| {
        seqs.push(frame.seq);
        // Nothing newer than this frame had been taken when it was picked.
        if drawn.face.is_some() {
            let diff: f64 = drawn
                .image
                .as_raw()
                .iter()
                .zip(still.as_raw())
                .map(|(a, b)| (*a as f64 - *b as f64).abs())
                .sum::<f64>()
                / still.as_raw().len() as f64;
            moved = moved.max(diff);
        }
        // A slow screen.
        std::thread::sleep(Duration::from_millis(120));
        Ok(())
    })
    .expect("perform");
    assert!(
        seqs.windows(2).all(|w| w[1] > w[0]),
        "frames out of order or repeated: {seqs:?}"
    );
    assert!(
        seqs.windows(2).any(|w| w[1] > w[0] + 1),
        "a slow screen must skip frames: {seqs:?}"
    );
    assert_eq!(report.frames_shown, seqs.len() as u64);
    assert!(
        report.frames_dropped >= report.frames_captured / 2,
        "{report:?}"
    );
    // A frame waits at most one camera interval (40 ms) plus its own drawing; had frames been
    // queued behind the 120-ms screen, each would wait 80 ms longer than the one before
    // (over 0.5 s by the tenth).
    assert!(
        report.latency_ms.p95 < 400.0 && report.latency_ms.p50 > 0.0,
        "{report:?}"
    );
    assert_eq!(report.frames_without_face, 0, "{report:?}");
    assert!(
        moved > 1.0,
        "the portrait did not move (mean change {moved:.2})"
    );
}

/// A 30-fps camera through lavfi (the fixture clip scaled to 640×480): followed at its rate.
#[test]
fn a_live_camera_is_followed_at_its_own_rate() {
    let analyzer = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let source = portrait(&analyzer);
    let camera = Camera::open(&lavfi(&format!(
        "movie={},scale=640:480,fps=30",
        fixture("webcam_2s.mp4").display()
    )))
    .expect("camera");
    assert_eq!(camera.info().fps, 30.0);
    let mut performer = Performer::new(&analyzer, vec![source], LiveSettings::default());
    let report = perform(
        &camera,
        &mut performer,
        1.5,
        &AtomicBool::new(false),
        |_, _| Ok(()),
    )
    .expect("perform");
    // The camera keeps its own rate (a generated source is held to it, not run ahead) whatever
    // the drawing does. How many are drawn is the benchmark's business (tools/live-bench.sh).
    assert!((40..=50).contains(&report.frames_captured), "{report:?}");
    assert!(report.frames_shown >= 5, "{report:?}");
    assert!(report.latency_ms.p50 > 0.0, "{report:?}");
}

/// A take of a camera that turns from black to white 1.5 s after it starts and a microphone
/// that starts to sound 1.5 s after it starts: the sound's onset within 40 ms of the
/// picture's.
#[test]
fn a_take_keeps_picture_and_sound_in_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("take.mp4");
    let camera = Camera::open(&lavfi(
        "color=c=black:s=160x120:r=30:d=1.5[a];color=c=white:s=160x120:r=30[b];[a][b]concat",
    ))
    .expect("camera");
    let mic = Microphone::open(
        &LiveInput::parse(
            "lavfi:aevalsrc=if(gte(t\\,1.5)\\,0.8*sin(2*PI*440*t)\\,0):s=48000",
            DeviceKind::Microphone,
        )
        .expect("mic input"),
    )
    .expect("mic");
    // Started a little after both, as a user presses Record.
    std::thread::sleep(Duration::from_millis(300));
    let take = Take::start(&camera, Some(&mic), &out).expect("take");
    while take.seconds() < 2.5 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let report = take.stop().expect("stop");
    assert!(report.camera_lost.is_none() && report.microphone_lost.is_none());
    assert!(
        (report.file.duration_s - 2.5).abs() < 0.15,
        "{:?}",
        report.file
    );
    // The picture's onset: the first frame gone white.
    let fps = 30.0;
    let white = VideoSource::open(&out)
        .expect("take")
        .map(|f| f.expect("frame"))
        .position(|f| {
            let px = f.image.as_raw();
            px.iter().map(|&v| v as f64).sum::<f64>() / px.len() as f64 > 128.0
        })
        .expect("the camera's white") as f64
        / fps;
    let mut sound = AudioSource::open(&out, AudioFormat::new(48000, 1)).expect("sound");
    let all = read_all(&mut sound);
    let heard = onset(&all, 48000);
    // The white comes 1.2 s in (1.5 s after the camera started, 0.3 s before the take); the
    // sound likewise.
    assert!((white - 1.2).abs() < 0.15, "picture onset at {white:.3} s");
    assert!(
        (heard - white).abs() <= 0.040,
        "sound onset {heard:.3} s, picture onset {white:.3} s"
    );
}

/// A take stopped early, or whose camera stops part way, is a complete, playable file with
/// what was recorded; one dropped unfinished leaves nothing.
#[test]
fn a_take_cut_short_is_kept_and_playable() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The camera's input ends after 1 s of a 3 s take.
    let gone = dir.path().join("gone.mp4");
    let camera = Camera::open(&lavfi("testsrc2=size=320x240:rate=25:duration=1")).expect("cam");
    let mic = Microphone::open(
        &LiveInput::parse("lavfi:sine=frequency=220", DeviceKind::Microphone).expect("mic"),
    )
    .expect("mic");
    let take = Take::start(&camera, Some(&mic), &gone).expect("take");
    while take.running() && take.seconds() < 3.0 {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(take.seconds() < 2.0, "the take went on without its camera");
    let report = take.stop().expect("stop");
    let p = ffprobe(&gone);
    let video = p["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"))
        .expect("video stream");
    let frames: u64 = video["nb_frames"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .expect("frames");
    assert!((20..=27).contains(&frames), "{frames} frames, {report:?}");
    assert!(
        p["streams"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["codec_type"] == "audio")),
        "no sound"
    );
    assert_eq!(
        VideoSource::open(&gone).expect("playable").count() as u64,
        frames
    );

    // A microphone that goes silent for good half a second in: the take keeps its picture,
    // and its sound is the tone, then silence.
    let mic_gone = dir.path().join("mic_gone.mp4");
    let camera = Camera::open(&lavfi("testsrc2=size=320x240:rate=25")).expect("camera");
    let mic = Microphone::open(
        &LiveInput::parse(
            "lavfi:sine=frequency=220:duration=0.5",
            DeviceKind::Microphone,
        )
        .expect("mic"),
    )
    .expect("mic");
    let take = Take::start(&camera, Some(&mic), &mic_gone).expect("take");
    std::thread::sleep(Duration::from_millis(1200));
    let report = take.stop().expect("stop");
    assert!(
        (report.file.duration_s - 1.2).abs() < 0.15,
        "{:?}",
        report.file
    );
    let mut sound = AudioSource::open(&mic_gone, AudioFormat::new(48000, 1)).expect("sound");
    let all = read_all(&mut sound);
    let loud = |a: f64, b: f64| {
        let (a, b) = (
            (a * 48000.0) as usize,
            ((b * 48000.0) as usize).min(all.len()),
        );
        all[a..b].iter().fold(0.0f32, |m, v| m.max(v.abs()))
    };
    assert!(loud(0.05, 0.3) > 0.05, "no tone at the start");
    assert!(loud(0.7, 1.1) < 0.01, "sound after the microphone went");

    // Stopped by the user after 0.6 s.
    let early = dir.path().join("early.mp4");
    let camera = Camera::open(&lavfi("testsrc2=size=320x240:rate=25")).expect("camera");
    let take = Take::start(&camera, None, &early).expect("take");
    std::thread::sleep(Duration::from_millis(600));
    let report = take.stop().expect("stop");
    assert!(
        (report.file.duration_s - 0.6).abs() < 0.15,
        "{:?}",
        report.file
    );
    assert!(VideoSource::open(&early).expect("playable").count() >= 12);

    // Dropped without being finished: no file, no temporary left.
    let dropped = dir.path().join("dropped.mp4");
    let take = Take::start(&camera, None, &dropped).expect("take");
    std::thread::sleep(Duration::from_millis(200));
    drop(take);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!dropped.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !["gone.mp4", "early.mp4", "mic_gone.mp4"].contains(&n.as_str()))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// What a user may type for a camera, and what is refused with words that say what to do.
#[test]
fn cameras_are_named_by_spec_file_or_listing() {
    let clip = fixture("webcam_2s.mp4");
    assert_eq!(
        LiveInput::parse(clip.to_str().expect("path"), DeviceKind::Camera).expect("file"),
        LiveInput::File(clip)
    );
    assert_eq!(
        LiveInput::parse("lavfi:testsrc2", DeviceKind::Camera).expect("lavfi"),
        LiveInput::Device {
            format: "lavfi".into(),
            input: "testsrc2".into()
        }
    );
    let e = LiveInput::parse("no-such-camera", DeviceKind::Camera)
        .expect_err("unknown name")
        .to_string();
    assert!(
        e.contains("vivant devices") || e.contains("FORMAT:INPUT"),
        "{e}"
    );
    // A format FFmpeg knows but a device that is not there.
    let e = Camera::open(&LiveInput::Device {
        format: "v4l2".into(),
        input: "/dev/video-none".into(),
    })
    .err()
    .expect("no such device")
    .to_string();
    assert!(
        e.contains("/dev/video-none") && e.contains("no such device"),
        "{e}"
    );
    // A filter graph that does not parse, a format FFmpeg has not, nothing at all, a still
    // picture: each said as such.
    let e = Camera::open(&lavfi("nosuchfilter=1"))
        .err()
        .expect("bad graph")
        .to_string();
    assert!(e.contains("filter graph"), "{e}");
    let e = LiveInput::parse("nosuchformat:x", DeviceKind::Camera)
        .expect_err("unknown format")
        .to_string();
    assert!(
        e.contains("no input device called \"nosuchformat\"") && e.contains("lavfi"),
        "{e}"
    );
    // A pipe or a folder where a file was meant: said as such, not "no file of that name".
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("cam.mp4");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    for (path, what) in [
        (&fifo, "a device or a pipe"),
        (&dir.path().to_path_buf(), "a folder"),
    ] {
        let e = LiveInput::parse(path.to_str().expect("path"), DeviceKind::Camera)
            .expect_err("not a media file")
            .to_string();
        assert!(
            e.contains(what) && !e.contains("no file of that name"),
            "{e}"
        );
    }
    let e = LiveInput::parse(" ", DeviceKind::Microphone)
        .expect_err("nothing")
        .to_string();
    assert!(e.contains("no microphone given"), "{e}");
    let e = Camera::open(&LiveInput::File(fixture("tanguy.png")))
        .err()
        .expect("a still")
        .to_string();
    assert!(
        e.contains("still picture") && e.contains("loop=loop=-1"),
        "{e}"
    );
    // A microphone standing in for a camera: no picture.
    let e = Camera::open(&lavfi("sine"))
        .err()
        .expect("no video")
        .to_string();
    assert!(e.contains("no video"), "{e}");
    // A running camera can be waited on, and says when its input ends.
    let camera = Camera::open(&lavfi("testsrc2=size=64x48:rate=50:duration=0.2")).expect("cam");
    let mut last = None;
    let ended = loop {
        match camera.newest_after(last, Duration::from_secs(2)) {
            Newest::Frame(f) => last = Some(f.seq),
            Newest::Waiting => panic!("no frame in 2 s"),
            Newest::Ended(e) => break e,
        }
    };
    assert_eq!(ended, vivant::media::live::Ended::Finished);
    assert_eq!(camera.captured(), 10);
}

fn vivant(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(args)
        .env("VIVANT_CACHE_DIR", common::cache_root())
        .output()
        .expect("vivant runs")
}

/// The command line: `perform --json` reports the loop's figures, `-o` keeps what was shown;
/// `record` writes a take with sound; `devices --json` lists cameras and microphones; a
/// camera that is not there is exit 2 with the reason.
#[test]
fn perform_record_and_devices_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shown = dir.path().join("shown.mp4");
    let clip = fixture("webcam_2s.mp4");
    let out = vivant(&[
        "perform",
        "--source",
        fixture("tanguy.png").to_str().expect("path"),
        "--camera",
        clip.to_str().expect("path"),
        "--seconds",
        "1",
        "--json",
        "-o",
        shown.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON line on stdout");
    for key in ["frames_captured", "frames_shown", "frames_dropped", "fps"] {
        assert!(line[key].is_number(), "{key} in {line}");
    }
    assert!(line["latency_ms"]["p50"].is_number() && line["latency_ms"]["p95"].is_number());
    let shown_frames = line["frames_shown"].as_u64().expect("shown");
    assert!(shown_frames >= 5, "{line}");
    let tanguy = image::open(fixture("tanguy.png")).expect("portrait");
    let kept = VideoSource::open(&shown).expect("what was shown");
    assert_eq!(
        (kept.info().width, kept.info().height),
        (
            tanguy.width().next_multiple_of(2),
            tanguy.height().next_multiple_of(2)
        )
    );

    let take = dir.path().join("take.mp4");
    let out = vivant(&[
        "record",
        "--camera",
        "lavfi:testsrc2=size=320x240:rate=25",
        "--mic",
        "lavfi:sine=frequency=330",
        "--seconds",
        "1",
        "-o",
        take.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = ffprobe(&take);
    let kinds: Vec<_> = p["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| s["codec_type"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        kinds.contains(&"video".into()) && kinds.contains(&"audio".into()),
        "{kinds:?}"
    );

    // The microphone alone: a WAV voice; asked for as an MP4, refused with what to do.
    let voice = dir.path().join("voice.wav");
    let out = vivant(&[
        "record",
        "--mic",
        "lavfi:sine=frequency=330",
        "--seconds",
        "0.8",
        "-o",
        voice.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut heard = AudioSource::open(&voice, AudioFormat::new(48000, 1)).expect("voice");
    let mut buf = vec![0.0f32; 96000];
    let n = heard.read(&mut buf).expect("read");
    assert!((36000..=48000).contains(&n), "{n} samples");
    assert!(buf[..n].iter().any(|v| v.abs() > 0.1), "silent");
    let out = vivant(&["record", "--mic", "lavfi:sine", "-o", "voice.mp4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".wav"));

    // The camera's own file is not replaced by the take.
    let camera_file = dir.path().join("camera.mp4");
    std::fs::copy(&clip, &camera_file).expect("copy");
    let out = vivant(&[
        "record",
        "--camera",
        camera_file.to_str().expect("path"),
        "-o",
        camera_file.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("camera"));
    assert_eq!(
        std::fs::read(&camera_file).expect("kept"),
        std::fs::read(&clip).expect("clip")
    );

    let out = vivant(&["record", "--camera", "v4l2:/dev/video-none", "-o", "x.mp4"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such device"), "{err}");
    assert!(!std::path::Path::new("x.mp4").exists());

    let out = vivant(&["devices", "--json"]);
    assert!(out.status.success());
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(d["cameras"].is_array() && d["microphones"].is_array() && d["compute"].is_object());
    assert!(
        d["inputs"]["video"]
            .as_array()
            .is_some_and(|v| v.iter().any(|f| f == "lavfi")),
        "{d}"
    );
}
