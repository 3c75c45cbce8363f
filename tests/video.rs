//! Video decoding on FFmpeg: metadata, exact frame counts and times, rotation, VFR, audio
//! detection, the real webcam clip, and bad files. Clips are generated at test time with the
//! `ffmpeg` command (installed by `make test`).

mod common;
use common::ffmpeg;

use std::path::{Path, PathBuf};

use vivant::media::{MediaError, VideoSource};

/// A clip whose frame n is a flat colour encoding n (three base-8 digits, 32 levels apart, so
/// compression cannot confuse neighbours): `rate` fps, `seconds` long, keyframe every `gop`
/// frames exactly, B-frames between.
fn coded_clip(dir: &Path, name: &str, rate: u32, seconds: u32, gop: u32) -> PathBuf {
    let src = format!(
        "nullsrc=s=64x48:r={rate}:d={seconds},format=gbrp,\
         geq=r='mod(N\\,8)*32+16':g='mod(floor(N/8)\\,8)*32+16':b='mod(floor(N/64)\\,8)*32+16'"
    );
    let gop = gop.to_string();
    ffmpeg(
        dir,
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            &src,
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-g",
            &gop,
            "-bf",
            "2", // every frame is a new colour: without this, each would be a scene cut
            "-sc_threshold",
            "0",
        ],
    )
}

/// A variable-rate clip: one second of `testsrc2` at 10 fps, then one at 30 fps.
fn vfr_clip(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec![
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
    ];
    args.extend_from_slice(extra);
    ffmpeg(dir, name, &args)
}

/// The frame number a `coded_clip` frame shows.
fn coded_index(img: &image::RgbImage) -> u64 {
    let n = img.as_raw().len() as f64 / 3.0;
    let mut mean = [0.0f64; 3];
    for px in img.pixels() {
        for c in 0..3 {
            mean[c] += px[c] as f64 / n;
        }
    }
    let digit = |v: f64| ((v - 16.0) / 32.0).round().clamp(0.0, 7.0) as u64;
    digit(mean[0]) + 8 * digit(mean[1]) + 64 * digit(mean[2])
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
    let clip = vfr_clip(dir.path(), "vfr.mkv", &[]);
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
        assert!(
            matches!(e, MediaError::Format { .. } | MediaError::Empty { .. }),
            "{e:?}"
        );
        assert_eq!(matches!(e, MediaError::Empty { .. }), p == &empty);
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
    // Truncated (an interrupted download): said so when opened, with the sizes.
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webcam_man_400x300.mp4");
    let bytes = std::fs::read(&clip).expect("read");
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let Err(e) = VideoSource::open(&cut) else {
        panic!("a truncated clip opened");
    };
    assert!(
        matches!(e, MediaError::Truncated { have, need, .. }
            if have == bytes.len() as u64 / 2 && need == bytes.len() as u64),
        "{e}"
    );
    assert!(e.to_string().contains("cut short"), "{e}");
    let e = vivant::media::probe(&cut, false).expect_err("probe truncated");
    assert!(e.to_string().contains("cut short"), "{e}");
    // A device or a pipe is neither "missing" nor "empty".
    let Err(e) = VideoSource::open("/dev/zero") else {
        panic!("/dev/zero opened as a video");
    };
    assert!(e.to_string().contains("device or a pipe"), "{e}");
}

/// Deterministic pseudo-random numbers in [0, 1) for test positions.
fn lcg(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

/// `frame_at(t)` returns the frame on screen at t, at random times in random order, across
/// keyframes and B-frames; `next_frame` continues after it.
#[test]
fn random_access_is_frame_accurate() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, gop) in [("seek.mp4", 50), ("seek.mkv", 12)] {
        let clip = coded_clip(dir.path(), name, 25, 10, gop);
        let mut src = VideoSource::open(&clip).expect("open");
        src.build_index().expect("index");
        assert_eq!(src.info().frame_count, 250, "{name}");
        assert!(src.info().frame_count_exact);
        let mut rng = 7u64;
        for k in 0..150 {
            let t = lcg(&mut rng) * 10.4 - 0.2;
            let want = ((t * 25.0).floor().max(0.0) as u64).min(249);
            let f = src.frame_at(t).expect("frame_at");
            assert_eq!(f.index, want, "{name}: t = {t} (request {k})");
            assert_eq!(
                coded_index(&f.image),
                want,
                "{name}: t = {t} shows another frame"
            );
            assert!((f.time_s - want as f64 / 25.0).abs() < 1e-6, "{}", f.time_s);
            if k % 10 == 0 && want < 249 {
                let next = src.next_frame().expect("decode").expect("a next frame");
                assert_eq!((next.index, coded_index(&next.image)), (want + 1, want + 1));
            }
        }
        // Exactly on a frame boundary, and a hair before it.
        assert_eq!(src.frame_at(4.0).expect("frame").index, 100);
        assert_eq!(src.frame_at(4.0 - 1e-4).expect("frame").index, 99);
        // Stepping backwards frame by frame, as the ← key does.
        for i in (150..=175u64).rev() {
            let f = src.frame(i).expect("frame");
            assert_eq!((f.index, coded_index(&f.image)), (i, i));
        }
        assert!(src.frame_at(f64::NAN).is_err());
    }
}

/// Random access on a variable-rate clip lands on the frame whose time span holds t.
#[test]
fn random_access_on_variable_rate_clip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = vfr_clip(dir.path(), "vfr_seek.mkv", &["-g", "7"]);
    let sequential: Vec<_> = VideoSource::open(&clip)
        .expect("open")
        .map(|f| f.expect("frame"))
        .collect();
    let mut src = VideoSource::open(&clip).expect("open");
    let times = src.frame_times().expect("times");
    assert_eq!(times.len(), 40);
    let mut rng = 3u64;
    for _ in 0..60 {
        let t = lcg(&mut rng) * 2.0;
        let want = times.partition_point(|&s| s <= t + 1e-9).saturating_sub(1);
        let f = src.frame_at(t).expect("frame_at");
        assert_eq!(f.index as usize, want, "t = {t}");
        assert!(f.image == sequential[want].image, "t = {t}: pixels differ");
        assert!((f.time_s - sequential[want].time_s).abs() < 1e-9);
    }
}

/// Timeline thumbnails: evenly spaced, the right frames, fitted to the box.
#[test]
fn thumbnails_are_evenly_spaced_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = coded_clip(dir.path(), "thumbs.mp4", 25, 10, 50);
    let mut src = VideoSource::open(&clip).expect("open");
    let thumbs =
        vivant::media::thumbnails(&mut src, 10, 32, 32, vivant::media::ThumbnailTiming::Exact)
            .expect("thumbnails");
    assert_eq!(thumbs.len(), 10);
    for (k, t) in thumbs.iter().enumerate() {
        let want = 12 + 25 * k as u64;
        assert_eq!(t.index, want);
        assert!((t.time_s - want as f64 / 25.0).abs() < 1e-6);
        assert_eq!(t.image.dimensions(), (32, 24));
        assert_eq!(coded_index(&t.image), want);
    }
    // Keyframe timing: the keyframe at or before each centre (one every 50 frames here).
    let keys = vivant::media::thumbnails(
        &mut src,
        10,
        32,
        32,
        vivant::media::ThumbnailTiming::Keyframe,
    )
    .expect("thumbnails");
    for (k, t) in keys.iter().enumerate() {
        let want = (12 + 25 * k as u64) / 50 * 50;
        assert_eq!(
            (t.index, coded_index(&t.image)),
            (want, want),
            "thumbnail {k}"
        );
    }
}

/// The containers and codecs people bring: each decodes every frame and seeks exactly.
#[test]
fn common_containers_decode_and_seek() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = "nullsrc=s=64x48:r=10:d=3,format=gbrp,\
               geq=r='mod(N\\,8)*32+16':g='mod(floor(N/8)\\,8)*32+16':b='mod(floor(N/64)\\,8)*32+16'";
    for (name, codec) in [
        ("clip.mov", &["-c:v", "libx264", "-pix_fmt", "yuv420p"][..]),
        (
            "clip.webm",
            &["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "20", "-g", "10"][..],
        ),
        ("clip.avi", &["-c:v", "mpeg4", "-q:v", "2", "-g", "10"][..]),
        ("clip.mkv", &["-c:v", "ffv1"][..]),
        ("clip.gif", &[][..]),
    ] {
        let mut args = vec!["-f", "lavfi", "-i", src];
        args.extend_from_slice(codec);
        let clip = ffmpeg(dir.path(), name, &args);
        let frames: Vec<_> = VideoSource::open(&clip)
            .expect("open")
            .map(|f| f.expect("frame"))
            .collect();
        assert_eq!(frames.len(), 30, "{name}");
        // GIF's palette cannot hold every coded colour exactly; its frame order still shows.
        if name != "clip.gif" {
            for (i, f) in frames.iter().enumerate() {
                assert_eq!(coded_index(&f.image), i as u64, "{name} frame {i}");
            }
        }
        let mut src = VideoSource::open(&clip).expect("open");
        for t in [2.55, 0.35, 1.0, 2.95, 0.0] {
            let f = src.frame_at(t).expect("frame_at");
            let want = (t * 10.0 + 1e-9).floor() as u64;
            assert_eq!(f.index, want, "{name} at {t}");
            assert!(
                f.image == frames[want as usize].image,
                "{name} at {t}: other pixels"
            );
        }
    }
}

/// The fast RGB path gives nearly the same pictures as the accurate one.
#[test]
fn fast_conversion_is_close_to_accurate() {
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webcam_man_400x300.mp4");
    let accurate: Vec<_> = VideoSource::open(&clip)
        .expect("open")
        .take(20)
        .map(|f| f.expect("frame").image)
        .collect();
    let mut src = VideoSource::open(&clip).expect("open");
    src.set_conversion(vivant::media::RgbConversion::Fast);
    let fast: Vec<_> = src.take(20).map(|f| f.expect("frame").image).collect();
    for (a, b) in accurate.iter().zip(&fast) {
        let mad = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| (*x as f64 - *y as f64).abs())
            .sum::<f64>()
            / a.as_raw().len() as f64;
        assert!(mad < 2.0 && a != b, "mean difference {mad}");
    }
}

/// Switching the RGB conversion mid-stream neither skips nor repeats a frame.
#[test]
fn switching_conversion_keeps_the_sequence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = coded_clip(dir.path(), "switch.mp4", 25, 4, 25);
    let mut src = VideoSource::open(&clip).expect("open");
    let mut seen = Vec::new();
    for k in 0..100u64 {
        if k % 7 == 3 {
            src.set_conversion(if k % 2 == 0 {
                vivant::media::RgbConversion::Fast
            } else {
                vivant::media::RgbConversion::Accurate
            });
        }
        if k == 40 {
            // Random access in the middle, then carry on from there.
            let f = src.frame_at(2.0).expect("frame");
            assert_eq!((f.index, coded_index(&f.image)), (50, 50));
            seen.push(f.index);
        }
        let Some(f) = src.next_frame().expect("decode") else {
            break;
        };
        assert_eq!(coded_index(&f.image), f.index);
        seen.push(f.index);
    }
    let want: Vec<u64> = (0..40).chain(50..100).collect();
    assert_eq!(seen, want);
}
