//! Video decoding on FFmpeg: metadata, exact frame counts and times, rotation, VFR, audio
//! detection, the real webcam clip, and bad files. Clips are generated at test time with the
//! `ffmpeg` command (installed by `make test`).

use std::path::{Path, PathBuf};
use std::process::Command;

use vivant::media::{MediaError, VideoSource};

fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("the ffmpeg command (make test installs it)");
    assert!(status.success(), "ffmpeg failed making {name}");
    out
}

fn decode_all(path: &Path) -> Vec<(u64, f64, (u32, u32))> {
    VideoSource::open(path)
        .expect("open")
        .map(|f| {
            let f = f.expect("frame");
            (f.index, f.time_s, f.image.dimensions())
        })
        .collect()
}

#[test]
fn constant_rate_clip_has_exact_count_and_times() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = ffmpeg(
        dir.path(),
        "cfr.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=25:duration=2",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
        ],
    );
    let src = VideoSource::open(&clip).expect("open");
    let info = src.info().clone();
    assert_eq!((info.width, info.height), (160, 120));
    assert_eq!(info.frame_rate, (25, 1));
    assert_eq!(info.frame_count, 50);
    assert!(info.frame_count_exact);
    assert!((info.duration_s - 2.0).abs() < 0.05, "{}", info.duration_s);
    assert!(info.audio.is_none());
    let frames = decode_all(&clip);
    assert_eq!(frames.len(), 50);
    for (i, (index, t, size)) in frames.iter().enumerate() {
        assert_eq!(*index, i as u64);
        assert!((t - i as f64 / 25.0).abs() < 1e-6, "frame {i} at {t}");
        assert_eq!(*size, (160, 120));
    }
}

#[test]
fn variable_rate_clip_keeps_each_frames_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One second at 10 fps, then one second at 30 fps.
    let clip = ffmpeg(
        dir.path(),
        "vfr.mkv",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=96x64:rate=10:duration=1",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=96x64:rate=30:duration=1",
            "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1[v]",
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
    let frames = decode_all(&clip);
    assert_eq!(frames.len(), 40);
    for w in frames.windows(2) {
        let dt = w[1].1 - w[0].1;
        let want = if w[1].1 <= 1.0 + 1e-3 {
            0.1
        } else {
            1.0 / 30.0
        };
        assert!((dt - want).abs() < 2e-3, "{} → {}: {dt}", w[0].1, w[1].1);
    }
}

#[test]
fn display_rotation_is_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = ffmpeg(
        dir.path(),
        "plain.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x96:rate=10:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    // A phone-style clip: the same stream with a display matrix, as the mov muxer writes it.
    let plain_s = plain.to_string_lossy().into_owned();
    let clip = ffmpeg(
        dir.path(),
        "rotated.mp4",
        &["-i", &plain_s, "-c", "copy", "-metadata:s:v:0", "rotate=90"],
    );
    // FFmpeg's own auto-rotation is the reference picture.
    let clip_s = clip.to_string_lossy().into_owned();
    let reference = ffmpeg(
        dir.path(),
        "first.png",
        &["-i", &clip_s, "-frames:v", "1", "-pix_fmt", "rgb24"],
    );
    let reference = image::open(&reference).expect("png").to_rgb8();
    let src = VideoSource::open(&clip).expect("open");
    let info = src.info().clone();
    assert_eq!((info.coded_width, info.coded_height), (160, 96));
    assert_eq!((info.width, info.height), (96, 160));
    assert_eq!(reference.dimensions(), (96, 160));
    let first = VideoSource::open(&clip)
        .expect("open")
        .next()
        .expect("a frame")
        .expect("decoded")
        .image;
    // Compare block means: the two RGB conversions differ in chroma filtering at sharp
    // edges, an orientation error differs everywhere.
    let blocks = |img: &image::RgbImage| image::imageops::thumbnail(img, 12, 20);
    let mad = |a: &image::RgbImage, b: &image::RgbImage| {
        a.as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| (*x as f64 - *y as f64).abs())
            .sum::<f64>()
            / a.as_raw().len() as f64
    };
    let theirs = blocks(&reference);
    let diff = mad(&blocks(&first), &theirs);
    let wrong = mad(&blocks(&image::imageops::rotate180(&first)), &theirs);
    eprintln!(
        "rotation {}: block diff {diff:.2} (upside down: {wrong:.2})",
        info.rotation
    );
    assert!(
        diff < 3.0,
        "rotation {}: block diff {diff} from FFmpeg's picture",
        info.rotation
    );
    assert!(wrong > 10.0 * diff.max(1.0), "{wrong}");
    let frames = decode_all(&clip);
    assert_eq!(frames.len(), 10);
    assert!(frames.iter().all(|f| f.2 == (96, 160)));
}

#[test]
fn audio_track_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = ffmpeg(
        dir.path(),
        "av.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x48:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
        ],
    );
    let info = VideoSource::open(&clip).expect("open").info().clone();
    let audio = info.audio.expect("audio");
    assert_eq!(audio.codec, "aac");
    assert_eq!(audio.sample_rate, 44100);
    assert_eq!(audio.channels, 2);
}

/// The real webcam clip (a man talking, 53 s): every frame decodes, in order, 25 fps apart.
#[test]
fn real_webcam_clip_decodes_every_frame() {
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webcam_man_400x300.mp4");
    let src = VideoSource::open(&clip).expect("open");
    assert_eq!(src.info().frame_count, 1337);
    let frames = decode_all(&clip);
    assert_eq!(frames.len(), 1337);
    assert!(frames.iter().all(|f| f.2 == (400, 300)));
    for w in frames.windows(2) {
        assert!((w[1].1 - w[0].1 - 0.04).abs() < 1e-6);
    }
}

#[test]
fn bad_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").expect("write");
    let garbage = dir.path().join("garbage.mp4");
    std::fs::write(&garbage, vec![0x5au8; 4096]).expect("write");
    for p in [&empty, &garbage] {
        let e = VideoSource::open(p).err().expect("error");
        assert!(matches!(e, MediaError::Format { .. }), "{e:?}");
        assert!(
            e.to_string()
                .contains(p.file_name().and_then(|n| n.to_str()).unwrap_or("?"))
        );
    }
    assert!(matches!(
        VideoSource::open(dir.path().join("missing.mp4")),
        Err(MediaError::Open { .. })
    ));
    // Audio only: no video stream.
    let wav = ffmpeg(
        dir.path(),
        "tone.wav",
        &["-f", "lavfi", "-i", "sine=duration=1"],
    );
    assert!(matches!(
        VideoSource::open(&wav),
        Err(MediaError::NoVideo { .. })
    ));
    // Truncated: the first half of a real file opens or fails cleanly; frames stop early.
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webcam_man_400x300.mp4");
    let bytes = std::fs::read(&clip).expect("read");
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    if let Ok(src) = VideoSource::open(&cut) {
        let decoded = src.take_while(|f| f.is_ok()).count();
        assert!(decoded < 1337, "{decoded}");
    }
}
