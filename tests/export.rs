//! MP4 export: a round trip through Mp4Writer and back through VideoSource, AudioSource and
//! ffprobe (frame count, duration, A/V offset, tone, picture quality, tags), odd sizes, the
//! sound padded or cut to the video, cancelling and errors that leave nothing behind, and the
//! real webcam clip with a real speech recording.

mod common;
use common::{ffprobe, fixture, onset, read_all};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use image::RgbImage;
use vivant::export::{AudioFit, ExportError, Mp4Settings, Mp4Writer};
use vivant::media::{AudioFormat, AudioSource, PcmBuffer, VideoSource};

fn stream<'a>(probe: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    probe["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == kind))
        .unwrap_or_else(|| panic!("no {kind} stream"))
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// Frame `i` of a test movie: a crop of a real photo panning right, so x264 sees natural
/// texture and motion.
fn photo_frame(photo: &RgbImage, i: u32, w: u32, h: u32) -> RgbImage {
    image::imageops::crop_imm(photo, 40 + 2 * i, 60 + i, w, h).to_image()
}

fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    let mse = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum::<f64>()
        / a.as_raw().len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

/// A stereo tone with a click: amplitude `amp` sine at `freq` Hz, `seconds` long, and a
/// 1 ms full-scale burst starting at `click_s`.
fn tone(rate: u32, seconds: f64, freq: f64, amp: f32, click_s: f64) -> Vec<f32> {
    let n = (seconds * rate as f64).round() as usize;
    let c0 = (click_s * rate as f64).round() as usize;
    let c1 = c0 + rate as usize / 1000;
    let mut out = Vec::with_capacity(2 * n);
    for i in 0..n {
        let v = if (c0..c1).contains(&i) {
            0.95
        } else {
            amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin() as f32
        };
        out.extend([v, v]);
    }
    out
}

#[test]
fn round_trip_keeps_frames_sync_tone_and_quality() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("round.mp4");
    let photo = image::open(fixture("astronaut.png"))
        .expect("photo")
        .to_rgb8();
    let (w, h, n) = (320u32, 240u32, 50u32);
    let rate = 48000;
    // The click sits exactly on frame 30's start (1.2 s at 25 fps).
    let pcm = PcmBuffer::new(AudioFormat::new(rate, 2), tone(rate, 2.0, 440.0, 0.25, 1.2));
    let mut settings = Mp4Settings::new(w, h, (25, 1));
    settings.title = Some("Round trip".into());
    settings.comment = Some("made by the export test".into());
    let mut writer = Mp4Writer::create(&out, settings, Some(Box::new(pcm))).expect("create");
    writer.set_total_frames(n as u64);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    writer.on_progress(move |p| {
        if let Ok(mut v) = log.lock() {
            v.push((p.frames_done, p.total_frames, p.bytes_written));
        }
    });
    let frames: Vec<RgbImage> = (0..n).map(|i| photo_frame(&photo, i, w, h)).collect();
    for f in &frames {
        writer.write_frame(f).expect("frame");
    }
    let report = writer.finish().expect("finish");
    assert_eq!(report.frames, 50);
    assert_eq!(report.audio, Some(AudioFit::Exact));
    assert!((report.duration_s - 2.0).abs() < 1e-9);
    let progress = seen.lock().expect("progress").clone();
    assert_eq!(progress.len(), 50);
    assert!(
        progress
            .iter()
            .enumerate()
            .all(|(i, p)| p.0 == i as u64 + 1 && p.1 == Some(50))
    );
    assert!(progress.windows(2).all(|w| w[1].2 >= w[0].2));
    // Nothing else left in the folder: no temporary file.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("round.mp4")]);

    // ffprobe: streams, durations, start offsets, tags.
    let p = ffprobe(&out);
    let v = stream(&p, "video");
    let a = stream(&p, "audio");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(v["nb_frames"], "50");
    assert_eq!(a["codec_name"], "aac");
    assert_eq!(a["sample_rate"], "48000");
    assert_eq!(a["channels"], 2);
    let (vd, ad) = (num(&v["duration"]), num(&a["duration"]));
    assert!((vd - 2.0).abs() <= 0.04, "video {vd} s");
    assert!((ad - 2.0).abs() <= 0.04, "audio {ad} s");
    let offset = num(&a["start_time"]) - num(&v["start_time"]);
    eprintln!("ffprobe: video {vd} s, audio {ad} s, start offset {offset} s");
    assert!(offset.abs() <= 0.001, "A/V start offset {offset} s");
    let tags = &p["format"]["tags"];
    assert_eq!(tags["title"], "Round trip");
    assert_eq!(tags["comment"], "made by the export test");
    assert_eq!(v["tags"]["encoder"], format!("Vivant {}", vivant::VERSION));
    // +faststart: the index (moov) comes before the media data (mdat).
    let bytes = std::fs::read(&out).expect("read");
    let at = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).expect("atom");
    assert!(at(b"moov") < at(b"mdat"), "moov after mdat: not faststart");

    // Picture: every frame back, in order, at its time, PSNR ≥ 38 dB.
    let back: Vec<_> = VideoSource::open(&out)
        .expect("open")
        .map(|f| f.expect("frame"))
        .collect();
    assert_eq!(back.len(), 50);
    let mut worst = f64::INFINITY;
    for (i, f) in back.iter().enumerate() {
        assert!((f.time_s - i as f64 / 25.0).abs() < 1e-6);
        worst = worst.min(psnr(&f.image, &frames[i]));
    }
    eprintln!("worst frame PSNR {worst:.2} dB");
    assert!(worst >= 38.0, "PSNR {worst} dB");

    // Sound: the click where it was put (frame 30's start), the tone's pitch and level.
    let mut src = AudioSource::open(&out, AudioFormat::new(rate, 2)).expect("audio");
    let x: Vec<f32> = read_all(&mut src).into_iter().step_by(2).collect();
    assert_eq!(x.len(), 96000);
    let click = onset(&x, rate);
    eprintln!("click at {click:.5} s (frame 30 at 1.2 s)");
    assert!((click - 1.2).abs() <= 0.001, "click at {click} s");
    let seg = &x[10_000..50_000];
    let ups = (1..seg.len())
        .filter(|&i| seg[i - 1] < 0.0 && seg[i] >= 0.0)
        .count();
    let freq = ups as f64 * rate as f64 / seg.len() as f64;
    let rms = (seg.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / seg.len() as f64).sqrt();
    eprintln!("tone {freq:.1} Hz, rms {rms:.4}");
    assert!((freq - 440.0).abs() < 2.0, "{freq} Hz");
    assert!((rms - 0.25 / 2f64.sqrt()).abs() < 0.01, "rms {rms}");
}

#[test]
fn odd_sizes_are_encoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("odd.mp4");
    let photo = image::open(fixture("astronaut.png"))
        .expect("photo")
        .to_rgb8();
    let mut writer =
        Mp4Writer::create(&out, Mp4Settings::new(161, 121, (30, 1)), None).expect("create");
    assert_eq!(writer.frame_size(), (161, 121));
    let frames: Vec<RgbImage> = (0..10).map(|i| photo_frame(&photo, i, 161, 121)).collect();
    for f in &frames {
        writer.write_frame(f).expect("frame");
    }
    let report = writer.finish().expect("finish");
    assert_eq!((report.width, report.height), (162, 122));
    assert_eq!(report.audio, None);
    let back: Vec<_> = VideoSource::open(&out)
        .expect("open")
        .map(|f| f.expect("frame").image)
        .collect();
    assert_eq!(back.len(), 10);
    for (b, f) in back.iter().zip(&frames) {
        assert_eq!(b.dimensions(), (162, 122));
        let inner = image::imageops::crop_imm(b, 0, 0, 161, 121).to_image();
        assert!(psnr(&inner, f) >= 36.0);
    }
}

#[test]
fn sound_is_padded_or_cut_to_the_video() {
    let dir = tempfile::tempdir().expect("tempdir");
    let frame = RgbImage::from_pixel(64, 48, image::Rgb([90, 120, 150]));
    for (seconds, want) in [
        (1.0, AudioFit::Padded { seconds: 1.0 }),
        (3.5, AudioFit::Cut { seconds: 1.5 }),
    ] {
        let out = dir.path().join(format!("fit_{seconds}.mp4"));
        let pcm = PcmBuffer::new(
            AudioFormat::new(44100, 2),
            tone(44100, seconds, 300.0, 0.3, 100.0),
        );
        let mut writer =
            Mp4Writer::create(&out, Mp4Settings::new(64, 48, (25, 1)), Some(Box::new(pcm)))
                .expect("create");
        for _ in 0..50 {
            writer.write_frame(&frame).expect("frame");
        }
        let report = writer.finish().expect("finish");
        match (report.audio, want) {
            (Some(AudioFit::Padded { seconds: a }), AudioFit::Padded { seconds: b })
            | (Some(AudioFit::Cut { seconds: a }), AudioFit::Cut { seconds: b }) => {
                assert!((a - b).abs() < 1e-3, "{a} vs {b}")
            }
            (got, _) => panic!("{seconds} s of sound: {got:?}, want {want:?}"),
        }
        let p = ffprobe(&out);
        let ad = num(&stream(&p, "audio")["duration"]);
        assert!((ad - 2.0).abs() <= 0.03, "audio {ad} s");
        let mut src = AudioSource::open(&out, AudioFormat::new(44100, 1)).expect("audio");
        let x = read_all(&mut src);
        assert_eq!(x.len(), 88200);
        if seconds < 2.0 {
            // Sound for the first second, silence after.
            let loud = x[10_000..40_000]
                .iter()
                .map(|v| v.abs())
                .fold(0.0, f32::max);
            let tail = x[50_000..].iter().map(|v| v.abs()).fold(0.0, f32::max);
            assert!(loud > 0.2 && tail < 0.01, "loud {loud}, tail {tail}");
        }
    }
}

#[test]
fn cancel_and_errors_leave_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("keep.mp4");
    std::fs::write(&out, b"the previous export").expect("write");
    let frame = RgbImage::from_pixel(64, 48, image::Rgb([200, 10, 10]));
    let listing = || {
        let mut v: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        v.sort();
        v
    };
    // Cancelled after 10 frames.
    let cancel = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut writer =
        Mp4Writer::create(&out, Mp4Settings::new(64, 48, (25, 1)), None).expect("create");
    writer.set_cancel_flag(cancel.clone());
    let (c, d) = (cancel.clone(), done.clone());
    writer.on_progress(move |p| {
        d.store(p.frames_done, Ordering::Relaxed);
        if p.frames_done == 10 {
            c.store(true, Ordering::Relaxed);
        }
    });
    let mut result = Ok(());
    for _ in 0..50 {
        result = writer.write_frame(&frame);
        if result.is_err() {
            break;
        }
    }
    assert!(matches!(result, Err(ExportError::Cancelled)), "{result:?}");
    assert_eq!(done.load(Ordering::Relaxed), 10);
    drop(writer);
    assert_eq!(listing(), vec![std::ffi::OsString::from("keep.mp4")]);
    assert_eq!(std::fs::read(&out).expect("read"), b"the previous export");
    // A frame of the wrong size is an error naming both sizes; dropping cleans up.
    let mut writer =
        Mp4Writer::create(&out, Mp4Settings::new(64, 48, (25, 1)), None).expect("create");
    let e = writer
        .write_frame(&RgbImage::new(32, 48))
        .expect_err("wrong size");
    assert!(
        e.to_string().contains("32×48") && e.to_string().contains("64×48"),
        "{e}"
    );
    drop(writer);
    assert_eq!(listing(), vec![std::ffi::OsString::from("keep.mp4")]);
    // No frames at all: an error, nothing written.
    let writer = Mp4Writer::create(&out, Mp4Settings::new(64, 48, (25, 1)), None).expect("create");
    assert!(writer.finish().is_err());
    assert_eq!(std::fs::read(&out).expect("read"), b"the previous export");
    assert_eq!(listing(), vec![std::ffi::OsString::from("keep.mp4")]);
    // Bad settings and a missing folder are clear errors before anything is written.
    let e = Mp4Writer::create(
        dir.path().join("nope/out.mp4"),
        Mp4Settings::new(64, 48, (25, 1)),
        None,
    )
    .err()
    .expect("missing folder");
    assert!(e.to_string().contains("does not exist"), "{e}");
    let mut bad = Mp4Settings::new(64, 48, (25, 1));
    bad.preset = "warp9".into();
    assert!(matches!(
        Mp4Writer::create(&out, bad, None),
        Err(ExportError::Settings(_))
    ));
    assert!(matches!(
        Mp4Writer::create(&out, Mp4Settings::new(0, 48, (25, 1)), None),
        Err(ExportError::Settings(_))
    ));
    assert!(matches!(
        Mp4Writer::create(&out, Mp4Settings::new(64, 48, (0, 1)), None),
        Err(ExportError::Settings(_))
    ));
    assert_eq!(listing(), vec![std::ffi::OsString::from("keep.mp4")]);
}

/// The real webcam clip re-encoded with a real speech recording trimmed from 1.5 s: all
/// frames, and the speech where it belongs against the picture.
#[test]
fn webcam_clip_with_speech_stays_in_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("webcam_speech.mp4");
    let speech = fixture("speech_librivox_0870.wav");
    let fmt = AudioFormat::new(48000, 1);
    let mut voice = AudioSource::open(&speech, fmt).expect("speech");
    voice.set_range(1.5, None).expect("range");
    let mut video = VideoSource::open(fixture("webcam_man_400x300.mp4")).expect("clip");
    let mut writer = Mp4Writer::create(
        &out,
        Mp4Settings::new(400, 300, (25, 1)),
        Some(Box::new(voice)),
    )
    .expect("create");
    // 6 s of the clip: longer than the 5.6 s of speech left after the trim.
    for _ in 0..150 {
        let f = video.next_frame().expect("decode").expect("a frame");
        writer.write_frame(&f.image).expect("frame");
    }
    let report = writer.finish().expect("finish");
    match report.audio {
        Some(AudioFit::Padded { seconds }) => assert!((seconds - 0.4).abs() < 1e-3, "{seconds}"),
        other => panic!("{other:?}"),
    }
    let p = ffprobe(&out);
    assert_eq!(stream(&p, "video")["nb_frames"], "150");
    let offset = num(&stream(&p, "audio")["start_time"]) - num(&stream(&p, "video")["start_time"]);
    assert!(offset.abs() <= 0.001, "{offset}");
    // The muxed speech matches the source speech from 1.5 s on, sample for sample in time:
    // the lag of the best cross-correlation is within 1 ms.
    let mut orig = AudioSource::open(&speech, fmt).expect("speech");
    orig.set_range(1.5, Some(6.5)).expect("range");
    let a = read_all(&mut orig);
    let mut muxed = AudioSource::open(&out, fmt).expect("muxed");
    muxed.set_range(0.0, Some(5.0)).expect("range");
    let b = read_all(&mut muxed);
    assert_eq!(a.len(), b.len());
    let corr = |lag: i64| -> f64 {
        let mut s = 0.0;
        for i in 0..a.len() as i64 {
            let j = i + lag;
            if j >= 0 && (j as usize) < b.len() {
                s += a[i as usize] as f64 * b[j as usize] as f64;
            }
        }
        s
    };
    let best = (-480..=480)
        .max_by(|&x, &y| corr(x).total_cmp(&corr(y)))
        .expect("lags");
    let energy: f64 = a.iter().map(|v| (*v as f64).powi(2)).sum();
    eprintln!(
        "speech lag {best} samples, correlation {:.3}",
        corr(best) / energy
    );
    assert!(best.abs() <= 48, "speech shifted by {best} samples");
    assert!(corr(best) / energy > 0.9);
}
