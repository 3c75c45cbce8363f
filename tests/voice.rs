//! Voice-driven animation on real speech: the lips follow the voice in the rendered video
//! (measured on its frames), silence closes the mouth, blinks happen, the same seed gives the
//! same pixels, and bad audio (silent, one sample, telephone-band, clipped, ten minutes long)
//! gives curves or a clear error, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use candle_core::Device;
use vivant::face::Analyzer;
use vivant::media::VideoSource;
use vivant::models::ModelSource;
use vivant::motion::speech::{SpeechCurves, SpeechSettings};
use vivant::pipeline::{PipelineError, RenderJob, render};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn speech20() -> PathBuf {
    root().join("assets/speech_librivox_20s.wav")
}

fn analyzer() -> Analyzer {
    Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer")
}

fn curves(path: &Path) -> SpeechCurves {
    SpeechCurves::analyse(path, 0.0, None, 25.0, &SpeechSettings::default()).expect("curves")
}

fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (
        a.iter().map(|&v| v as f64).sum::<f64>() / n,
        b.iter().map(|&v| v as f64).sum::<f64>() / n,
    );
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (*x as f64 - ma, *y as f64 - mb);
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    sab / (saa * sbb).sqrt().max(1e-12)
}

/// The Mona Lisa at half size (quicker to render and track), as a PNG in `dir`.
fn small_mona_lisa(dir: &Path) -> PathBuf {
    let img = image::open(root().join("assets/mona_lisa.jpg"))
        .expect("jpg")
        .to_rgb8();
    let small = image::imageops::resize(&img, 372, 578, image::imageops::FilterType::Triangle);
    let p = dir.join("mona_small.png");
    small.save(&p).expect("png");
    p
}

#[test]
fn speech_opens_the_mouth_and_silence_closes_it() {
    let dir = tempfile::tempdir().expect("tmp");
    // 1.5 s of silence, the 7.1-s reading, 1.5 s of silence.
    let padded = common::ffmpeg(
        dir.path(),
        "padded.wav",
        &[
            "-i",
            common::fixture("speech_librivox_0870.wav")
                .to_str()
                .expect("utf-8"),
            "-af",
            "adelay=1500,apad=pad_dur=1.5",
        ],
    );
    let c = curves(&padded);
    assert_eq!(c.open.len(), (10.1f64 * 25.0).round() as usize);
    let head = &c.open[..35];
    // (the last syllable's release fades within 0.2 s)
    let tail = &c.open[c.open.len() - 30..];
    assert!(
        head.iter().chain(tail).all(|&v| v < 0.02),
        "silence not closed: {head:?} {tail:?}"
    );
    let speech = &c.open[40..c.open.len() - 40];
    let voiced = speech.iter().filter(|&&v| v > 0.1).count() as f64 / speech.len() as f64;
    eprintln!(
        "voiced share {voiced:.2}, {} stresses, mean width {:.2}",
        c.stresses.len(),
        c.width.iter().map(|w| w.abs()).sum::<f32>() / c.width.len() as f32
    );
    assert!(voiced > 0.4, "only {voiced} of the speech opens the mouth");
    // The mouth opens and closes with syllables (about 4 a second in read speech), not once
    // for the whole reading: count its turns, up or down by at least 0.1.
    let (mut turns, mut dir, mut extreme) = (0, 0i8, speech[0]);
    for &v in speech {
        match dir {
            1 if v < extreme - 0.1 => (turns, dir, extreme) = (turns + 1, -1, v),
            -1 if v > extreme + 0.1 => (turns, dir, extreme) = (turns + 1, 1, v),
            0 if (v - extreme).abs() > 0.1 => {
                (dir, extreme) = (if v > extreme { 1 } else { -1 }, v)
            }
            1 => extreme = extreme.max(v),
            -1 => extreme = extreme.min(v),
            _ => {}
        }
    }
    eprintln!(
        "{turns} turns in {:.1} s of speech",
        speech.len() as f64 / 25.0
    );
    assert!(turns >= 20, "{turns} turns in 7 s of speech: {speech:?}");
    assert!(!c.stresses.is_empty());
    assert!(c.width.iter().any(|&w| w > 0.2) && c.width.iter().any(|&w| w < -0.2));
}

#[test]
fn bad_audio_gives_curves_or_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let speech = speech20();
    let s = speech.to_str().expect("utf-8");
    let clean = curves(&speech);
    // Silence: a closed mouth throughout.
    let silent = common::ffmpeg(
        d,
        "silent.wav",
        &["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "3"],
    );
    let c = curves(&silent);
    assert_eq!(c.open.len(), 75);
    assert!(c.open.iter().all(|&v| v == 0.0));
    // One sample: no frame to render, said plainly.
    let one = common::ffmpeg(
        d,
        "one.wav",
        &[
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=mono",
            "-frames:a",
            "1",
            "-af",
            "atrim=end_sample=1",
        ],
    );
    assert!(curves(&one).open.is_empty());
    let job = RenderJob::speaking(
        common::fixture("grace_hopper.jpg"),
        one.clone(),
        d.join("one.mp4"),
    );
    let err = render(&analyzer(), &job, &AtomicBool::new(false), &|_| {}).expect_err("too short");
    assert!(matches!(err, PipelineError::VoiceTooShort { .. }), "{err}");
    assert!(err.to_string().contains("one.wav"), "{err}");
    assert!(!d.join("one.mp4").exists());
    // Telephone: 8 kHz, 300–3400 Hz, μ-law. The lips still follow the same speech.
    let phone = common::ffmpeg(
        d,
        "phone.wav",
        &[
            "-i",
            s,
            "-af",
            "highpass=f=300,lowpass=f=3400",
            "-ar",
            "8000",
            "-c:a",
            "pcm_mulaw",
        ],
    );
    let r = correlation(&curves(&phone).open, &clean.open);
    eprintln!("telephone vs clean: r = {r:.3}");
    assert!(
        r > 0.8,
        "telephone audio moves the lips differently: r = {r}"
    );
    // Very loud and clipped (+30 dB into 16-bit): the mouth still opens and closes.
    let loud = common::ffmpeg(
        d,
        "loud.wav",
        &["-i", s, "-af", "volume=30dB", "-c:a", "pcm_s16le"],
    );
    let c = curves(&loud);
    let wide = c.open.iter().filter(|&&v| v > 0.95).count() as f64 / c.open.len() as f64;
    let r = correlation(&c.open, &clean.open);
    eprintln!("clipped vs clean: r = {r:.3}, {wide:.2} of frames wide open");
    assert!(r > 0.7 && wide < 0.3, "clipped: r = {r}, wide open {wide}");
    // Ten minutes: analysed streaming, one value per frame.
    let long = common::ffmpeg(
        d,
        "long.wav",
        &["-stream_loop", "29", "-i", s, "-c", "copy"],
    );
    let c = curves(&long);
    assert_eq!(c.open.len(), 15000);
    let r = correlation(&c.open[..500], &clean.open);
    assert!(r > 0.95, "the first 20 s of the long file: r = {r}");
    // Not audio at all.
    let text = d.join("notes.wav");
    std::fs::write(&text, "not a wave file").expect("write");
    assert!(SpeechCurves::analyse(&text, 0.0, None, 25.0, &SpeechSettings::default()).is_err());
}

#[test]
fn a_spoken_render_moves_the_lips_with_the_voice() {
    let dir = tempfile::tempdir().expect("tmp");
    let source = small_mona_lisa(dir.path());
    let out = dir.path().join("speaks.mp4");
    let mut job = RenderJob::speaking(source, speech20(), out.clone());
    job.settings.end_s = Some(12.0);
    let a = analyzer();
    let report = render(&a, &job, &AtomicBool::new(false), &|_| {}).expect("render");
    assert_eq!(report.frames, 300);
    assert!((report.duration_s - 12.0).abs() < 0.05);
    assert!(report.reference_s.is_none() && report.blinks >= 1);
    // The file: video and sound of the same length.
    let probe = common::ffprobe(&out);
    let streams = probe["streams"].as_array().expect("streams");
    assert!(streams.iter().any(|s| s["codec_type"] == "audio"));
    // Measured on the frames: the inner lips follow the speech envelope, leading it by up to
    // one frame; silence keeps the mouth closed; blinks are seen.
    let (m, _) = vivant::eval::voice::measure(&a, &out, &AtomicBool::new(false)).expect("measure");
    eprintln!(
        "r = {:.3} at lag 0, best {:.3} at lag {:+}; silent frames {} ({:.0} % closed); {} blinks seen of {} made",
        m.correlation,
        m.best_correlation,
        m.best_lag,
        m.silent_frames,
        100.0 * m.silent_closed,
        m.blinks,
        report.blinks
    );
    assert!(m.face_found > 0.99);
    assert!(
        m.best_correlation >= 0.6,
        "lips vs voice r = {}",
        m.best_correlation
    );
    assert!(m.best_lag.abs() <= 1, "lag {} frames", m.best_lag);
    assert!(m.correlation >= 0.6, "r at lag 0 = {}", m.correlation);
    assert!(m.silent_frames >= 5 && m.silent_closed >= 0.8, "{m:?}");
    assert!(m.voiced_open > 3.0 * m.silent_open.max(0.005));
    assert!(m.blinks >= 1 && m.blinks <= report.blinks + 1, "{m:?}");
}

#[test]
fn the_same_seed_gives_the_same_pixels() {
    let dir = tempfile::tempdir().expect("tmp");
    let source = small_mona_lisa(dir.path());
    let a = analyzer();
    let frames_of = |seed: u64, name: &str| -> Vec<Vec<u8>> {
        let out = dir.path().join(name);
        let mut job = RenderJob::speaking(source.clone(), speech20(), out.clone());
        job.settings.start_s = Some(3.0);
        job.settings.end_s = Some(5.0);
        job.settings.seed = seed;
        render(&a, &job, &AtomicBool::new(false), &|_| {}).expect("render");
        let mut v = VideoSource::open(&out).expect("open");
        let mut frames = Vec::new();
        while let Some(f) = v.next_frame().expect("decode") {
            frames.push(f.image.into_raw());
        }
        frames
    };
    let a1 = frames_of(3, "a1.mp4");
    let a2 = frames_of(3, "a2.mp4");
    let b = frames_of(4, "b.mp4");
    assert_eq!(a1.len(), 50);
    assert!(a1 == a2, "same seed, different pixels");
    assert!(a1 != b, "another seed should move the head differently");
}

#[test]
fn a_clip_drives_the_head_and_the_voice_the_lips() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("both.mp4");
    // The webcam clip's first 3 s (tracking all 53 s of it would be most of this test).
    let clip = common::ffmpeg(
        dir.path(),
        "clip3s.mp4",
        &[
            "-i",
            common::fixture("webcam_man_400x300.mp4")
                .to_str()
                .expect("utf-8"),
            "-t",
            "3",
            "-c:v",
            "libx264",
            "-crf",
            "12",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let mut job = RenderJob::new(small_mona_lisa(dir.path()), clip, out.clone());
    job.sound = vivant::pipeline::Soundtrack::File(speech20());
    job.settings.lips_from_audio = true;
    job.settings.end_s = Some(3.0);
    job.cache_dir = Some(common::motion_cache());
    let a = analyzer();
    let report = render(&a, &job, &AtomicBool::new(false), &|_| {}).expect("render");
    assert_eq!(report.frames, 75);
    let (m, _) = vivant::eval::voice::measure(&a, &out, &AtomicBool::new(false)).expect("measure");
    eprintln!(
        "clip + voice: best r = {:.3} at lag {:+}",
        m.best_correlation, m.best_lag
    );
    assert!(m.best_correlation >= 0.5, "{m:?}");
    // Without a voice the flag is refused, plainly.
    job.sound = vivant::pipeline::Soundtrack::Driving;
    let err = render(&a, &job, &AtomicBool::new(false), &|_| {}).expect_err("no voice");
    assert!(matches!(err, PipelineError::NoVoice), "{err}");
}
