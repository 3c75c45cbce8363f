//! Audio decoding on FFmpeg: every common format to f32 PCM at the rate and layout asked for,
//! sample-accurate timing (a click stays where it was), seeking and trimming, a video's sound
//! track, and bad input. Files are generated at test time with the `ffmpeg` command.

mod common;
use common::{ffmpeg, read_all};

use vivant::media::{AudioFormat, AudioSource, MediaError, SampleSource};

/// Channel 0 of interleaved samples.
fn channel0(samples: &[f32], channels: usize) -> Vec<f32> {
    samples.iter().step_by(channels).copied().collect()
}

/// Where the energy of a click peaks (a short moving RMS, so lossy codecs' ringing does not
/// move it).
fn click_at(x: &[f32], rate: u32) -> f64 {
    let w = (rate / 2000).max(1) as usize;
    let mut best = (0.0f32, 0usize);
    for i in 0..x.len().saturating_sub(w) {
        let e: f32 = x[i..i + w].iter().map(|v| v * v).sum();
        if e > best.0 {
            best = (e, i);
        }
    }
    (best.1 as f64 + w as f64 / 2.0) / rate as f64
}

/// Frequency from upward zero crossings in the middle 80 % (codecs ring at the ends).
fn frequency(x: &[f32], rate: u32) -> f64 {
    let x = &x[x.len() / 10..x.len() * 9 / 10];
    let ups: Vec<usize> = (1..x.len())
        .filter(|&i| x[i - 1] < 0.0 && x[i] >= 0.0)
        .collect();
    if ups.len() < 2 {
        return 0.0;
    }
    (ups.len() - 1) as f64 * rate as f64 / (ups[ups.len() - 1] - ups[0]) as f64
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

#[test]
fn click_keeps_its_time_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One second of silence with a click at exactly 0.5 s.
    let wav = ffmpeg(
        dir.path(),
        "click.wav",
        &[
            "-f",
            "lavfi",
            "-i",
            "aevalsrc='if(between(n,22050,22060),0.9,0)':s=44100:d=1",
        ],
    );
    let wav_s = wav.to_string_lossy().into_owned();
    let mut files = vec![wav.clone()];
    for (name, codec) in [
        ("click.flac", "flac"),
        ("click.mp3", "libmp3lame"),
        ("click.m4a", "aac"),
        ("click.ogg", "libvorbis"),
        ("click.opus", "libopus"),
    ] {
        files.push(ffmpeg(dir.path(), name, &["-i", &wav_s, "-c:a", codec]));
    }
    // The click's centre, in seconds.
    let click = (22050.0 + 5.5) / 44100.0;
    let want = AudioFormat::new(48000, 2);
    for f in &files {
        let mut src = AudioSource::open(f, want).expect("open");
        let all = read_all(&mut src);
        assert_eq!(all.len() % 2, 0);
        let left = channel0(&all, 2);
        let right: Vec<f32> = all.iter().skip(1).step_by(2).copied().collect();
        assert_eq!(left, right, "mono is copied to both channels");
        let dur = left.len() as f64 / 48000.0;
        let t = click_at(&left, 48000);
        eprintln!(
            "{}: {} samples ({dur:.4} s), click at {t:.5} s",
            f.display(),
            left.len()
        );
        assert!((t - click).abs() < 0.5e-3, "{}: click at {t}", f.display());
        let lossless = f.extension().is_some_and(|e| e == "wav" || e == "flac");
        if lossless {
            assert_eq!(left.len(), 48000, "{}", f.display());
        } else {
            // Codec frame padding at the end (AAC keeps up to a frame of it).
            assert!((dur - 1.0).abs() < 0.03, "{}: {dur} s", f.display());
        }
        // Trimmed from the middle (a seek): exact length for lossless, click moved with it.
        let mut src = AudioSource::open(f, want).expect("open");
        src.set_range(0.3, Some(0.9)).expect("range");
        let part = channel0(&read_all(&mut src), 2);
        assert_eq!(part.len(), 28800, "{}", f.display());
        let t = click_at(&part, 48000);
        assert!(
            (t - (click - 0.3)).abs() < 0.5e-3,
            "{}: click at {t}",
            f.display()
        );
    }
}

#[test]
fn tone_keeps_frequency_and_level_through_resampling() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The same 440 Hz tone, amplitude 1/8, on both channels.
    let wav = ffmpeg(
        dir.path(),
        "tone.wav",
        &[
            "-f",
            "lavfi",
            "-i",
            "aevalsrc='0.125*sin(2*PI*440*t)|0.125*sin(2*PI*440*t)':s=44100:d=2",
        ],
    );
    for rate in [8000, 16000, 44100, 48000] {
        for channels in [1u16, 2] {
            let mut src = AudioSource::open(&wav, AudioFormat::new(rate, channels)).expect("open");
            assert_eq!(src.info().sample_rate, 44100);
            assert_eq!(src.info().channels, 2);
            let x = channel0(&read_all(&mut src), channels as usize);
            assert_eq!(x.len(), 2 * rate as usize, "{rate} Hz");
            let f = frequency(&x, rate);
            let level = rms(&x[rate as usize / 10..]);
            assert!((f - 440.0).abs() < 0.5, "{rate} Hz × {channels}: {f} Hz");
            // Each channel's level; the mono downmix adds the two at −3 dB each.
            let want = if channels == 2 {
                0.125 / 2f64.sqrt()
            } else {
                0.125
            };
            assert!(
                (level - want).abs() < 0.01 * want,
                "{rate} Hz × {channels}: rms {level}"
            );
        }
    }
}

#[test]
fn sound_track_of_a_video() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = ffmpeg(
        dir.path(),
        "av.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x48:rate=25:duration=2",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=1000:sample_rate=48000:duration=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "1",
        ],
    );
    let mut src = AudioSource::open(&clip, AudioFormat::new(48000, 1)).expect("open");
    let x = read_all(&mut src);
    assert!((x.len() as f64 / 48000.0 - 2.0).abs() < 0.03, "{}", x.len());
    let f = frequency(&x, 48000);
    assert!((f - 1000.0).abs() < 1.0, "{f} Hz");
    // Read in small chunks as a player does: the same samples.
    let mut src = AudioSource::open(&clip, AudioFormat::new(48000, 1)).expect("open");
    let mut chunked = Vec::new();
    while let Some(c) = src.read_chunk().expect("chunk") {
        assert!(c.len() <= 4096, "chunks stay small: {}", c.len());
        chunked.extend(c);
    }
    assert_eq!(chunked, x);
}

#[test]
fn bad_audio_is_an_error_or_handled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fmt = AudioFormat::new(48000, 2);
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").expect("write");
    let garbage = dir.path().join("garbage.mp3");
    std::fs::write(&garbage, vec![0x33u8; 5000]).expect("write");
    let e = AudioSource::open(&empty, fmt).err().expect("an error");
    assert!(matches!(e, MediaError::Empty { .. }), "{e:?}");
    let e = AudioSource::open(&garbage, fmt).err().expect("an error");
    assert!(matches!(e, MediaError::Format { .. }), "{e:?}");
    let silent = ffmpeg(
        dir.path(),
        "video_only.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x48:rate=25:duration=1",
            "-c:v",
            "libx264",
        ],
    );
    assert!(matches!(
        AudioSource::open(&silent, fmt),
        Err(MediaError::NoAudio { .. })
    ));
    assert!(AudioSource::open(&silent, AudioFormat::new(0, 2)).is_err());
    // One sample at 8 kHz: one sample's worth at 48 kHz (6 frames), no panic.
    let one = ffmpeg(
        dir.path(),
        "one.wav",
        &["-f", "lavfi", "-i", "aevalsrc=0.5:s=8000:d=0.000125"],
    );
    let mut src = AudioSource::open(&one, fmt).expect("open");
    let x = read_all(&mut src);
    assert!(x.len() / 2 <= 12, "{}", x.len());
    // Digital silence stays silent.
    let quiet = ffmpeg(
        dir.path(),
        "quiet.wav",
        &["-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "1"],
    );
    let mut src = AudioSource::open(&quiet, fmt).expect("open");
    let x = read_all(&mut src);
    assert_eq!(x.len(), 96000);
    assert!(x.iter().all(|v| *v == 0.0));
    // A WAV cut to a sixth (an interrupted copy): refused with the sizes, not played short.
    let bytes = std::fs::read(&quiet).expect("read");
    let cut = dir.path().join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 6]).expect("write");
    let e = AudioSource::open(&cut, fmt)
        .err()
        .expect("a cut-short WAV opened");
    assert!(
        matches!(e, MediaError::Truncated { have, need, .. }
            if have == bytes.len() as u64 / 6 && need == bytes.len() as u64),
        "{e:?}"
    );
    assert!(e.to_string().contains("cut short"), "{e}");
    // A truncated file: what is there decodes, then it ends.
    let long = ffmpeg(
        dir.path(),
        "long.m4a",
        &["-f", "lavfi", "-i", "sine=duration=4", "-c:a", "aac"],
    );
    let bytes = std::fs::read(&long).expect("read");
    let cut = dir.path().join("cut.m4a");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    if let Ok(mut src) = AudioSource::open(&cut, fmt) {
        let mut buf = vec![0.0f32; 4096];
        while let Ok(n) = src.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
    }
}

/// The waveform envelope: silence, a tone of known amplitude, silence; any zoom.
#[test]
fn waveform_envelope_at_any_resolution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = ffmpeg(
        dir.path(),
        "burst.wav",
        &[
            "-f",
            "lavfi",
            "-i",
            "aevalsrc='if(between(t,1,2),0.5*sin(2*PI*300*t),0)':s=22050:d=3",
        ],
    );
    let w = vivant::media::Waveform::read(&wav).expect("waveform");
    assert_eq!(w.sample_rate, 22050);
    assert_eq!(w.samples, 3 * 22050);
    let b = w.buckets(3);
    assert_eq!(b.len(), 3);
    assert!(
        (b[1].0 + 0.5).abs() < 0.02 && (b[1].1 - 0.5).abs() < 0.02,
        "{:?}",
        b[1]
    );
    // Buckets include the blocks their edges touch; clear of the edges, silence is flat.
    for (t0, t1) in [(0.0, 0.95), (2.05, 3.0)] {
        let q = w.range(t0, t1, 1)[0];
        assert!(q.0.abs() < 0.02 && q.1.abs() < 0.02, "{t0}..{t1}: {q:?}");
    }
    // 1000 buckets of 3 ms: the tone's edges land within one stored block (256 samples,
    // 11.6 ms = 4 buckets here) of 1 s and 2 s.
    let fine = w.buckets(1000);
    let loud: Vec<usize> = (0..1000).filter(|&i| fine[i].1 > 0.25).collect();
    let (first, last) = (loud[0], loud[loud.len() - 1]);
    assert!(
        (first as i64 - 333).abs() <= 4 && (last as i64 - 666).abs() <= 4,
        "{first}..{last}"
    );
    // Zoomed into 0.9 .. 1.1 s: silent first half, loud second half.
    let zoom = w.range(0.9, 1.1, 20);
    assert!(zoom[..9].iter().all(|p| p.1 < 0.02), "{zoom:?}");
    assert!(zoom[11..].iter().all(|p| p.1 > 0.4), "{zoom:?}");
    // Past the end: flat.
    assert_eq!(w.range(3.5, 4.0, 4), vec![(0.0, 0.0); 4]);
}
