//! Measuring quality by self-reenactment: the portrait is one frame (or K frames) of a real
//! clip, the rest of the clip drives it, and every generated frame is compared with the real
//! frame it should reproduce — PSNR, SSIM and L1 over the face, the landmark distance AKD (in
//! pixels at a 256-px face), and how much the generated face jitters.

pub mod identity;
pub mod voice;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;
use serde::Serialize;

use crate::face::{Analyzer, mesh::MESH_TO_68};
use crate::geometry::{Face68, dist, parts};
use crate::media::VideoSource;
use crate::motion::{DrivingMotion, Mode, MotionSettings, Strengths, jitter};
use crate::pipeline::PipelineError;
use crate::render::{ClipInput, ClipTrack, Drive, EngineKind, SourceFace, Transfer};

/// One evaluated frame.
#[derive(Clone, Debug, Serialize)]
pub struct FrameScore {
    pub index: usize,
    pub source: usize,
    pub psnr: f64,
    pub ssim: f64,
    pub l1: f64,
    /// `None` when no face was found in the generated frame.
    pub akd: Option<f64>,
    /// PSNR and SSIM over the mouth alone (`mouth_box`), on frames whose mouth is open.
    pub mouth_psnr: Option<f64>,
    pub mouth_ssim: Option<f64>,
}

/// Means over the evaluated frames.
#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    pub clip: String,
    pub k: usize,
    pub source_frames: Vec<usize>,
    pub frames: usize,
    pub psnr: f64,
    pub ssim: f64,
    pub l1: f64,
    pub akd: f64,
    pub akd_median: f64,
    /// Frames whose mouth is open (inner lips 0.08 eye distances apart or more), and the
    /// mean PSNR and SSIM over their mouth box.
    pub mouth_frames: usize,
    pub mouth_psnr: f64,
    pub mouth_ssim: f64,
    /// Fraction of generated frames where a face was found.
    pub face_found: f64,
    /// Jitter of landmarks detected on the generated frames, and on the real ones.
    pub jitter_generated: f64,
    pub jitter_real: f64,
    pub per_frame: Vec<FrameScore>,
}

/// The smallest and largest x and y of `points`.
fn bounds(points: &[[f32; 2]]) -> ([f32; 2], [f32; 2]) {
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for p in points {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    (lo, hi)
}

/// The box from `lo` to `hi` grown by `grow` (x, y) on every side, clipped to a `w`×`h` image.
fn grown_box(lo: [f32; 2], hi: [f32; 2], grow: [f32; 2], w: u32, h: u32) -> (u32, u32, u32, u32) {
    let x0 = (lo[0] - grow[0]).max(0.0) as u32;
    let y0 = (lo[1] - grow[1]).max(0.0) as u32;
    let x1 = ((hi[0] + grow[0]).max(0.0) as u32).min(w);
    let y1 = ((hi[1] + grow[1]).max(0.0) as u32).min(h);
    (x0, y0, x1, y1)
}

/// The mouth region of a frame whose mouth is open: the inner lips' box grown by a quarter
/// of the mouth's width on every side, clipped to the image (`None`: the mouth is closed).
fn mouth_box(lm: &Face68, w: u32, h: u32) -> Option<(u32, u32, u32, u32)> {
    let (u, d) = parts::INNER_LIP_MIDDLE;
    if dist(lm[u], lm[d]) < 0.08 * lm.eye_distance() {
        return None;
    }
    let grow = 0.25 * dist(lm[parts::MOUTH_RIGHT], lm[parts::MOUTH_LEFT]);
    let (lo, hi) = bounds(lm.part(parts::INNER_LIPS));
    let (x0, y0, x1, y1) = grown_box(lo, hi, [grow; 2], w, h);
    (x1 > x0 + 8 && y1 > y0 + 8).then_some((x0, y0, x1, y1))
}

/// The face region of a frame: the 68 points' box grown by 25 %, clipped to the image.
fn face_box(lm: &[[f32; 2]], w: u32, h: u32) -> (u32, u32, u32, u32) {
    let (lo, hi) = bounds(lm);
    let grow = [(hi[0] - lo[0]) * 0.25, (hi[1] - lo[1]) * 0.25];
    let (x0, y0, x1, y1) = grown_box(lo, hi, grow, w, h);
    (x0, y0, x1.max(x0 + 1), y1.max(y0 + 1))
}

/// PSNR (dB), SSIM and mean absolute error (0–1) of `a` against `b` inside a box.
pub fn compare(a: &RgbImage, b: &RgbImage, bx: (u32, u32, u32, u32)) -> (f64, f64, f64) {
    let (x0, y0, x1, y1) = bx;
    let (mut se, mut ae, mut n) = (0.0f64, 0.0f64, 0usize);
    for y in y0..y1 {
        for x in x0..x1 {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            for c in 0..3 {
                let d = p[c] as f64 - q[c] as f64;
                se += d * d;
                ae += d.abs();
                n += 1;
            }
        }
    }
    let mse = se / n.max(1) as f64;
    let psnr = 10.0 * (255.0 * 255.0 / mse.max(1e-10)).log10();
    // SSIM on luma over 8×8 blocks (Wang et al. 2004 constants), averaged.
    let luma = |i: &RgbImage, x: u32, y: u32| {
        let p = i.get_pixel(x, y);
        0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
    };
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut ssim, mut blocks) = (0.0, 0usize);
    let mut by = y0;
    while by + 8 <= y1 {
        let mut bx0 = x0;
        while bx0 + 8 <= x1 {
            let (mut ma, mut mb) = (0.0, 0.0);
            for y in by..by + 8 {
                for x in bx0..bx0 + 8 {
                    ma += luma(a, x, y);
                    mb += luma(b, x, y);
                }
            }
            ma /= 64.0;
            mb /= 64.0;
            let (mut va, mut vb, mut cov) = (0.0, 0.0, 0.0);
            for y in by..by + 8 {
                for x in bx0..bx0 + 8 {
                    let (da, db) = (luma(a, x, y) - ma, luma(b, x, y) - mb);
                    va += da * da;
                    vb += db * db;
                    cov += da * db;
                }
            }
            let (va, vb, cov) = (va / 63.0, vb / 63.0, cov / 63.0);
            ssim += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            blocks += 1;
            bx0 += 8;
        }
        by += 8;
    }
    (
        psnr,
        ssim / blocks.max(1) as f64,
        ae / n.max(1) as f64 / 255.0,
    )
}

/// The engine's own reading of the clip, when it has one (unsmoothed: evaluations compare
/// frame-exact motion).
fn own_track(
    kind: &dyn EngineKind,
    clip: &Path,
    motion: &DrivingMotion,
    cache_dir: Option<&Path>,
    cancel: &AtomicBool,
) -> Result<Option<std::sync::Arc<dyn ClipTrack>>, PipelineError> {
    let analysed = kind.analyse(&ClipInput {
        clip,
        motion,
        smoothing: false,
        cache_dir,
        cancel,
        progress: &|_, _| {},
    })?;
    Ok(analysed.map(|a| a.track))
}

fn as_slices(t: &[Vec<[f32; 2]>]) -> Vec<&[[f32; 2]]> {
    t.iter().map(|v| v.as_slice()).collect()
}

/// Evenly spread picks of `k` indices from `pool` (sorted).
fn spread(pool: &[usize], k: usize) -> Vec<usize> {
    if pool.is_empty() || k == 0 {
        return Vec::new();
    }
    (0..k.min(pool.len()))
        .map(|j| pool[(j * pool.len() + pool.len() / 2) / k.min(pool.len())])
        .collect()
}

/// Self-reenactment of `clip` with `k` source frames, scored on up to `frames` frames spread
/// over the clip, drawn by `kind`'s engine (prepared as the pipeline prepares it). Returns the report and, for each scored frame, (real, generated) pictures
/// when `keep_pictures` is set (for a contact sheet).
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
pub fn self_reenactment(
    analyzer: &Analyzer,
    clip: &Path,
    k: usize,
    frames: usize,
    cache_dir: Option<&Path>,
    keep_pictures: bool,
    kind: &dyn EngineKind,
    cancel: &AtomicBool,
) -> Result<(EvalReport, Vec<(RgbImage, RgbImage)>), PipelineError> {
    let mut tracker = analyzer.clone();
    tracker.options.small_faces = false;
    let settings = MotionSettings {
        smoothing: None,
        ..MotionSettings::default()
    };
    let (motion, _) =
        DrivingMotion::analyse(&tracker, clip, &settings, cache_dir, cancel, &|_, _| {})?;
    let observed: Vec<usize> = (0..motion.len())
        .filter(|&i| motion.states[i].observed())
        .collect();
    // An evaluation reads frames all over the clip: its points are read once.
    let lm: Vec<Face68> = (0..motion.len())
        .map(|i| motion.landmarks(i))
        .collect::<Result<_, _>>()
        .map_err(PipelineError::MotionFile)?;
    // Sources: the most neutral frame first, then frames spread over the clip.
    let neutral = crate::motion::most_neutral(
        lm.iter()
            .zip(&motion.states)
            .map(|(f, s)| s.observed().then_some(*f)),
    )
    .unwrap_or(0);
    let mut sources = vec![neutral];
    for s in spread(&observed, k.saturating_sub(1)) {
        if !sources.contains(&s) {
            sources.push(s);
        }
    }
    let mut video = VideoSource::open(clip)?;
    let mut faces = Vec::with_capacity(sources.len());
    for &s in &sources {
        faces.push(SourceFace {
            image: video.frame(s as u64)?.image,
            landmarks68: lm[s],
            keep_still: None,
        });
    }
    // Same camera, same face: each source frame's own landmarks are its reference. With one
    // source, its frame is also what the engine's own reading is read against (the warp's
    // expression details); with several, no one frame is.
    let own = own_track(kind, clip, &motion, cache_dir, cancel)?;
    let reference_track = match (&own, sources.len()) {
        (Some(t), 1) => Some(t.entry(neutral).map_err(PipelineError::MotionFile)?),
        _ => None,
    };
    let transfer = Transfer {
        mode: Mode::Relative,
        strengths: Strengths::default(),
        reference: None,
        reference_track,
    };
    let mut engine = crate::render::prepare(faces, &transfer, kind)?;
    let candidates: Vec<usize> = observed
        .iter()
        .copied()
        .filter(|i| !sources.contains(i))
        .collect();
    if candidates.is_empty() {
        return Err(PipelineError::TooFewFrames {
            path: clip.to_path_buf(),
            frames: observed.len(),
            need: sources.len() + 1,
        });
    }
    // Consecutive runs, so output jitter can be measured: `frames` frames in runs of 25.
    let runs = frames.div_ceil(25).max(1);
    let mut picked = Vec::new();
    for start in spread(&candidates, runs) {
        let pos = candidates.partition_point(|&c| c < start);
        picked.extend(candidates.iter().skip(pos).take(25).copied());
    }
    picked.sort_unstable();
    picked.dedup();
    picked.truncate(frames);
    let mut scores = Vec::new();
    let mut pictures = Vec::new();
    let mut gen_tracks: Vec<Vec<[f32; 2]>> = Vec::new();
    let mut real_tracks: Vec<Vec<[f32; 2]>> = Vec::new();
    let mut consecutive = Vec::new();
    let mut prev: Option<usize> = None;
    for &i in &picked {
        if cancel.load(Ordering::Relaxed) {
            return Err(PipelineError::Cancelled);
        }
        let driving = &lm[i];
        let drive =
            Drive::from_clip(*driving, own.as_deref(), i).map_err(PipelineError::MotionFile)?;
        let drawn = engine.render(&drive)?;
        let (which, generated) = (drawn.source, drawn.image);
        let real = video.frame(i as u64)?.image;
        let (w, h) = real.dimensions();
        let bx = face_box(driving, w, h);
        let (psnr, ssim, l1) = compare(&generated, &real, bx);
        let mouth = mouth_box(driving, w, h).map(|m| compare(&generated, &real, m));
        // Landmarks found again on the generated frame, against the real frame's.
        let found = analyzer.analyze(&generated)?;
        let akd = found.first().map(|f| {
            let g: Vec<[f32; 2]> = MESH_TO_68
                .iter()
                .map(|&m| [f.mesh468[m][0], f.mesh468[m][1]])
                .collect();
            let size = (bx.2 - bx.0).max(bx.3 - bx.1) as f64 / 1.5;
            let d = g
                .iter()
                .zip(driving)
                .map(|(p, q)| (((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)) as f64).sqrt())
                .sum::<f64>()
                / 68.0;
            gen_tracks.push(g);
            real_tracks.push(driving.to_vec());
            consecutive.push(prev == Some(i.wrapping_sub(1)));
            d * 256.0 / size.max(1.0)
        });
        prev = Some(i);
        scores.push(FrameScore {
            index: i,
            source: sources[which],
            psnr,
            ssim,
            l1,
            akd,
            mouth_psnr: mouth.map(|m| m.0),
            mouth_ssim: mouth.map(|m| m.1),
        });
        if keep_pictures {
            pictures.push((real, generated));
        }
    }
    let n = scores.len().max(1) as f64;
    let mean = |f: &dyn Fn(&FrameScore) -> f64| scores.iter().map(f).sum::<f64>() / n;
    let with_akd: Vec<f64> = scores.iter().filter_map(|s| s.akd).collect();
    let mut sorted = with_akd.clone();
    sorted.sort_by(f64::total_cmp);
    let akd_median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
    // Jitter over runs of consecutive frames (a frame counts when it and its neighbours are).
    let usable: Vec<bool> = (0..consecutive.len())
        .map(|j| consecutive[j] && consecutive.get(j + 1).copied().unwrap_or(false))
        .collect();

    let mouths: Vec<(f64, f64)> = scores
        .iter()
        .filter_map(|s| Some((s.mouth_psnr?, s.mouth_ssim?)))
        .collect();
    let mouth_mean = |f: fn(&(f64, f64)) -> f64| {
        if mouths.is_empty() {
            f64::NAN
        } else {
            mouths.iter().map(f).sum::<f64>() / mouths.len() as f64
        }
    };
    let report = EvalReport {
        clip: clip.display().to_string(),
        k: sources.len(),
        source_frames: sources,
        frames: scores.len(),
        psnr: mean(&|s| s.psnr),
        ssim: mean(&|s| s.ssim),
        l1: mean(&|s| s.l1),
        // No face found again in any generated frame: no distance to speak of (null in JSON).
        akd: if with_akd.is_empty() {
            f64::NAN
        } else {
            with_akd.iter().sum::<f64>() / with_akd.len() as f64
        },
        akd_median,
        mouth_frames: mouths.len(),
        mouth_psnr: mouth_mean(|m| m.0),
        mouth_ssim: mouth_mean(|m| m.1),
        face_found: with_akd.len() as f64 / n,
        jitter_generated: jitter(&as_slices(&gen_tracks), &usable),
        jitter_real: jitter(&as_slices(&real_tracks), &usable),
        per_frame: scores,
    };
    Ok((report, pictures))
}
