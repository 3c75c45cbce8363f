//! Measuring a voice-driven render on the video itself, not on internal curves: landmarks are
//! detected on every output frame, the inner-lip opening is set against the speech envelope
//! of the video's own sound track (correlation over a range of lags, so a lead or lag shows),
//! silent stretches are checked for a closed mouth, and blinks are counted where the eyes'
//! appearance leaves its usual open state (landmark nets read a painted closed eye as open, so
//! the pixels decide: the eye region, aligned by the landmarks, against its median look).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use image::{Rgb, RgbImage};
use serde::Serialize;

use crate::face::Analyzer;
use crate::geometry::{Face68, parts};
use crate::media::{AudioFormat, AudioSource, MediaError, SampleSource, VideoSource};
use crate::motion::{Landmarks68From, TrackError, track_clip};

/// Inner-lip opening (62 to 66) below which a mouth counts as closed, in eye distances.
pub const CLOSED: f32 = 0.03;
/// Lags tried, frames either way.
const MAX_LAG: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum VoiceEvalError {
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Track(#[from] TrackError),
    #[error("{0}: no face found in the video")]
    NoFace(String),
}

/// What the measurement found.
#[derive(Clone, Debug, Serialize)]
pub struct VoiceReport {
    pub video: String,
    pub frames: usize,
    pub fps: f64,
    /// Frames where a face was found.
    pub face_found: f64,
    /// Pearson correlation of inner-lip opening and speech envelope, same frame.
    pub correlation: f64,
    /// The lag with the best correlation, in frames; positive = the sound comes after the
    /// lips (they lead), as in real speech.
    pub best_lag: i32,
    pub best_correlation: f64,
    /// Correlation at each lag from −5 to +5 frames.
    pub by_lag: Vec<(i32, f64)>,
    /// Frames whose sound is silence (envelope under 5 % of the loud level), and the share of
    /// them with a closed mouth (inner lips under 0.03 eye distances apart).
    pub silent_frames: usize,
    pub silent_closed: f64,
    /// Mean inner-lip opening (eye distances) in silent and in voiced frames.
    pub silent_open: f64,
    pub voiced_open: f64,
    /// Blinks seen (runs of frames whose eye region leaves its usual look), per minute, and
    /// their mean length.
    pub blinks: usize,
    pub blinks_per_minute: f64,
    pub blink_ms: f64,
    /// When each blink seen starts, seconds.
    pub blink_times: Vec<f64>,
}

/// The measured curves, frame by frame (for plots and contact sheets).
#[derive(Clone, Debug, Default)]
pub struct VoiceTrace {
    pub times: Vec<f64>,
    /// Inner-lip opening, eye distances (`NaN` where no face was found).
    pub opening: Vec<f32>,
    /// Speech envelope (RMS amplitude around each frame).
    pub envelope: Vec<f32>,
    /// How far the eye region's pixels are from their usual (median) look, grey levels.
    pub eye_change: Vec<f32>,
    /// The face's box in each frame (for crops), where found.
    pub boxes: Vec<Option<[f32; 4]>>,
}

/// Size of the grey eye-region patch compared across frames.
const PATCH: (usize, usize) = (48, 16);

/// Both eyes' region of `lm` as (x0, y0, x1, y1): the eye corners' span, grown a quarter of
/// the eye distance up and down and a tenth sideways.
fn eye_box(lm: &Face68) -> [f32; 4] {
    let iod = lm.eye_distance();
    let xs = parts::EYES.map(|i| lm[i][0]);
    let ys = parts::EYES.map(|i| lm[i][1]);
    let (x0, x1) = (
        xs.clone().fold(f32::MAX, f32::min),
        xs.fold(f32::MIN, f32::max),
    );
    let (y0, y1) = (
        ys.clone().fold(f32::MAX, f32::min),
        ys.fold(f32::MIN, f32::max),
    );
    [
        x0 - 0.1 * iod,
        y0 - 0.25 * iod,
        x1 + 0.1 * iod,
        y1 + 0.25 * iod,
    ]
}

/// The grey patch of `img` inside `b`, resampled to `PATCH`.
fn patch(img: &RgbImage, b: [f32; 4]) -> Vec<f32> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let mut out = Vec::with_capacity(PATCH.0 * PATCH.1);
    for j in 0..PATCH.1 {
        for i in 0..PATCH.0 {
            let x = b[0] + (i as f32 + 0.5) / PATCH.0 as f32 * (b[2] - b[0]);
            let y = b[1] + (j as f32 + 0.5) / PATCH.1 as f32 * (b[3] - b[1]);
            let p = img.get_pixel(x.clamp(0.0, w - 1.0) as u32, y.clamp(0.0, h - 1.0) as u32);
            out.push(0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32);
        }
    }
    out
}

/// Per frame, the mean absolute difference of its eye patch from the median patch.
fn eye_change(video: &Path, eyes: &[Option<[f32; 4]>]) -> Result<Vec<f32>, MediaError> {
    let mut src = VideoSource::open(video)?;
    let mut patches: Vec<Option<Vec<f32>>> = Vec::with_capacity(eyes.len());
    for b in eyes {
        let Some(frame) = src.next_frame()? else {
            break;
        };
        patches.push(b.map(|b| patch(&frame.image, b)));
    }
    let seen: Vec<&Vec<f32>> = patches.iter().flatten().collect();
    if seen.is_empty() {
        return Ok(vec![0.0; eyes.len()]);
    }
    let n = PATCH.0 * PATCH.1;
    let median: Vec<f32> = (0..n)
        .map(|i| median(seen.iter().map(|p| p[i]).collect()))
        .collect();
    let mut out: Vec<f32> = patches
        .iter()
        .map(|p| match p {
            Some(p) => {
                p.iter()
                    .zip(&median)
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f32>()
                    / n as f32
            }
            None => 0.0,
        })
        .collect();
    out.resize(eyes.len(), 0.0);
    Ok(out)
}

/// Measure `video` (a render with its sound track).
pub fn measure(
    analyzer: &Analyzer,
    video: &Path,
    cancel: &AtomicBool,
) -> Result<(VoiceReport, VoiceTrace), VoiceEvalError> {
    let mut tracker = analyzer.clone();
    tracker.options.small_faces = false;
    let (times, obs) = track_clip(
        &tracker,
        video,
        Landmarks68From::Mesh,
        0.5,
        cancel,
        &|_, _| {},
    )?;
    let n = times.len();
    let found = obs.iter().filter(|o| o.is_some()).count();
    if found == 0 {
        return Err(VoiceEvalError::NoFace(video.display().to_string()));
    }
    let fps = if n > 1 {
        (n - 1) as f64 / (times[n - 1] - times[0]).max(1e-9)
    } else {
        25.0
    };
    let mut trace = VoiceTrace {
        times: times.clone(),
        ..Default::default()
    };
    let mut eyes = Vec::with_capacity(n);
    for o in &obs {
        match o {
            Some(o) => {
                let lm = &o.landmarks68;
                let iod = lm.eye_distance();
                let (a, b) = (lm[parts::INNER_LIP_MIDDLE.0], lm[parts::INNER_LIP_MIDDLE.1]);
                // Along the face's vertical: lips pressed together read 0, never negative.
                let open =
                    ((b[1] - a[1]).hypot(b[0] - a[0]) / iod) * if b[1] >= a[1] { 1.0 } else { 0.0 };
                trace.opening.push(open);
                let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
                for p in lm {
                    for k in 0..2 {
                        lo[k] = lo[k].min(p[k]);
                        hi[k] = hi[k].max(p[k]);
                    }
                }
                trace.boxes.push(Some([lo[0], lo[1], hi[0], hi[1]]));
                eyes.push(Some(eye_box(lm)));
            }
            None => {
                eyes.push(None);
                trace.opening.push(f32::NAN);
                trace.boxes.push(None);
            }
        }
    }
    trace.envelope = envelope(video, &times, 1.0 / fps)?;
    trace.eye_change = eye_change(video, &eyes)?;
    let report = score(video, &trace, fps, found as f64 / n.max(1) as f64);
    Ok((report, trace))
}

/// RMS amplitude of the sound in a one-frame window centred on each time.
fn envelope(video: &Path, times: &[f64], frame_s: f64) -> Result<Vec<f32>, MediaError> {
    const RATE: u32 = 16_000;
    let mut src = AudioSource::open(video, AudioFormat::new(RATE, 1))?;
    let mut samples = Vec::new();
    let mut buf = vec![0.0f32; 8192];
    loop {
        let got = src.read(&mut buf)?;
        if got == 0 {
            break;
        }
        samples.extend_from_slice(&buf[..got]);
    }
    Ok(times
        .iter()
        .map(|&t| {
            let a = (((t - frame_s / 2.0) * RATE as f64).max(0.0) as usize).min(samples.len());
            let b = (((t + frame_s / 2.0) * RATE as f64).max(0.0) as usize).min(samples.len());
            if b <= a {
                return 0.0;
            }
            let e: f64 = samples[a..b].iter().map(|&x| (x as f64).powi(2)).sum();
            (e / (b - a) as f64).sqrt() as f32
        })
        .collect())
}

/// The middle value (the upper one of an even count; 0 for none).
fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    if n < 3.0 {
        return 0.0;
    }
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

fn score(video: &Path, t: &VoiceTrace, fps: f64, face_found: f64) -> VoiceReport {
    let n = t.opening.len();
    // Opening at frame k against the envelope at k + lag.
    let at_lag = |lag: i32| {
        let pairs: Vec<(f64, f64)> = (0..n as i64)
            .filter_map(|k| {
                let j = k + lag as i64;
                if j < 0 || j >= n as i64 {
                    return None;
                }
                let o = t.opening[k as usize];
                (!o.is_nan()).then(|| (o as f64, t.envelope[j as usize] as f64))
            })
            .collect();
        pearson(&pairs)
    };
    let by_lag: Vec<(i32, f64)> = (-MAX_LAG..=MAX_LAG).map(|l| (l, at_lag(l))).collect();
    let (best_lag, best_correlation) = by_lag
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, 0.0));
    let mut env: Vec<f32> = t.envelope.clone();
    env.sort_by(f32::total_cmp);
    let loud = env.get(env.len() * 95 / 100).copied().unwrap_or(0.0);
    let silent: Vec<usize> = (0..n)
        .filter(|&k| t.envelope[k] < 0.05 * loud && !t.opening[k].is_nan())
        .collect();
    let voiced: Vec<usize> = (0..n)
        .filter(|&k| t.envelope[k] >= 0.05 * loud && !t.opening[k].is_nan())
        .collect();
    let mean_open = |v: &[usize]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().map(|&k| t.opening[k] as f64).sum::<f64>() / v.len() as f64
        }
    };
    let silent_closed = if silent.is_empty() {
        1.0
    } else {
        silent.iter().filter(|&&k| t.opening[k] < CLOSED).count() as f64 / silent.len() as f64
    };
    // Blinks: runs of frames whose eye region departs from its usual look by far more than
    // the frame-to-frame noise: the change over its local median (±0.5 s, so slow head motion
    // cancels), above 8 median absolute deviations and at least 4 grey levels.
    let half = ((fps * 0.5).round() as usize).max(2);
    let excess: Vec<f32> = (0..n)
        .map(|k| {
            t.eye_change[k]
                - median(t.eye_change[k.saturating_sub(half)..(k + half + 1).min(n)].to_vec())
        })
        .collect();
    let mad = median(excess.iter().map(|v| v.abs()).collect());
    let thr = (8.0 * mad).max(4.0);
    // (start, length) of each run.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut run = 0usize;
    for (k, &e) in excess.iter().enumerate() {
        if e > thr {
            run += 1;
        } else if run > 0 {
            runs.push((k - run, run));
            run = 0;
        }
    }
    if run > 0 {
        runs.push((n - run, run));
    }
    let minutes = n as f64 / fps / 60.0;
    VoiceReport {
        video: video.display().to_string(),
        frames: n,
        fps,
        face_found,
        correlation: at_lag(0),
        best_lag,
        best_correlation,
        by_lag,
        silent_frames: silent.len(),
        silent_closed,
        silent_open: mean_open(&silent),
        voiced_open: mean_open(&voiced),
        blinks: runs.len(),
        blinks_per_minute: runs.len() as f64 / minutes.max(1e-9),
        blink_ms: if runs.is_empty() {
            0.0
        } else {
            1000.0 * runs.iter().map(|r| r.1).sum::<usize>() as f64 / runs.len() as f64 / fps
        },
        blink_times: runs.iter().map(|r| t.times[r.0]).collect(),
    }
}

/// A contact sheet: `count` face crops from `start_s`, one every `step` frames, over a plot
/// of the same stretch — the speech envelope (grey) and the measured inner-lip opening
/// (red), with a tick under each crop's frame.
pub fn sheet(
    video: &Path,
    trace: &VoiceTrace,
    start_s: f64,
    count: usize,
    step: usize,
) -> Result<RgbImage, MediaError> {
    let n = trace.times.len();
    let first = trace
        .times
        .partition_point(|&t| t < start_s)
        .min(n.saturating_sub(1));
    let last = (first + count.saturating_sub(1) * step).min(n.saturating_sub(1));
    let picks: Vec<usize> = (first..=last).step_by(step.max(1)).collect();
    let tile = 160u32;
    let plot_h = 140u32;
    let width = tile * picks.len().max(1) as u32;
    let mut out = RgbImage::from_pixel(width, tile + plot_h, Rgb([255, 255, 255]));
    let mut src = VideoSource::open(video)?;
    // One square crop size for all tiles: the largest face box, grown by 30 %.
    let side = picks
        .iter()
        .filter_map(|&k| trace.boxes[k])
        .map(|b| (b[2] - b[0]).max(b[3] - b[1]) * 1.3)
        .fold(0.0f32, f32::max)
        .max(16.0);
    for (i, &k) in picks.iter().enumerate() {
        let frame = src.frame(k as u64)?.image;
        let (fw, fh) = frame.dimensions();
        let (cx, cy) = match trace.boxes[k] {
            Some(b) => ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0),
            None => (fw as f32 / 2.0, fh as f32 / 2.0),
        };
        let s = (side as u32).min(fw).min(fh);
        let x0 = ((cx - s as f32 / 2.0).max(0.0) as u32).min(fw - s);
        let y0 = ((cy - s as f32 / 2.0).max(0.0) as u32).min(fh - s);
        let crop = image::imageops::crop_imm(&frame, x0, y0, s, s).to_image();
        let small =
            image::imageops::resize(&crop, tile, tile, image::imageops::FilterType::Triangle);
        image::imageops::replace(&mut out, &small, (i as u32 * tile) as i64, 0);
    }
    // The plot spans the frames from the first pick to the last, plus half a tile each side.
    let span: Vec<usize> =
        (first.saturating_sub(step / 2)..=(last + step / 2).min(n - 1)).collect();
    let x_of = |k: usize| -> f32 {
        let u = (k as f32 - first as f32 + step as f32 / 2.0) / (step * picks.len()).max(1) as f32;
        u * width as f32
    };
    let env_max = span
        .iter()
        .map(|&k| trace.envelope[k])
        .fold(1e-6f32, f32::max);
    let open_max = span
        .iter()
        .map(|&k| trace.opening[k])
        .filter(|v| !v.is_nan())
        .fold(0.05f32, f32::max);
    let y_of = |v: f32| tile as f32 + plot_h as f32 - 6.0 - v * (plot_h as f32 - 14.0);
    for &k in &span {
        let x = x_of(k);
        let x1 = x_of(k + 1);
        let top = y_of(trace.envelope[k] / env_max);
        for px in x as u32..(x1 as u32).min(width) {
            for py in top as u32..tile + plot_h - 6 {
                out.put_pixel(px, py, Rgb([200, 200, 200]));
            }
        }
    }
    for w in span.windows(2) {
        let (a, b) = (trace.opening[w[0]], trace.opening[w[1]]);
        if a.is_nan() || b.is_nan() {
            continue;
        }
        let (xa, xb) = (
            x_of(w[0]) + 0.5 * (x_of(w[0] + 1) - x_of(w[0])),
            x_of(w[1]) + 0.5 * (x_of(w[1] + 1) - x_of(w[1])),
        );
        let (ya, yb) = (y_of(a / open_max), y_of(b / open_max));
        let steps = ((xb - xa).abs().max((yb - ya).abs()) as usize).max(1);
        for s in 0..=steps {
            let f = s as f32 / steps as f32;
            let (x, y) = (xa + (xb - xa) * f, ya + (yb - ya) * f);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (px, py) = (x as u32 + dx, y as u32 + dy);
                if px < width && py < tile + plot_h {
                    out.put_pixel(px, py, Rgb([210, 30, 30]));
                }
            }
        }
    }
    for (i, _) in picks.iter().enumerate() {
        let x = i as u32 * tile + tile / 2;
        for py in tile..tile + 6 {
            out.put_pixel(x, py, Rgb([0, 0, 0]));
        }
    }
    Ok(out)
}
