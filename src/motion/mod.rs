//! The motion stage: what the face in the driving clip does, frame by frame.
//!
//! `DrivingMotion::analyse` tracks the face (`track`), fills the frames where it was lost
//! (interpolated between the nearest found frames, or held at the ends: never garbage), smooths
//! the tracks (`smooth`, One-Euro), and keeps the result on disk (`cache`) keyed by the clip's
//! content and the settings, so the next render or a reopened project does not analyse again.

pub mod cache;
pub mod expression;
pub mod idle;
pub mod retarget;
pub mod smooth;
pub mod speech;
pub mod track;
pub mod voice;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use crate::face::Analyzer;
use crate::geometry::Face68;
use crate::media::VideoSource;

pub use self::retarget::{Mode, Retargeter, Strengths, most_neutral};
pub use self::smooth::{OneEuro, jitter};
pub use self::track::{FrameState, Landmarks68From, Observation, TrackError, Tracker, track_clip};
pub use crate::geometry::Similarity;

/// Settings that change the analysis (and so key its cache).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MotionSettings {
    pub landmarks68: Landmarks68From,
    /// Mesh face-present probability below which a frame counts as lost.
    pub min_presence: f32,
    /// `None` leaves the tracks as measured.
    pub smoothing: Option<OneEuro>,
}

impl Default for MotionSettings {
    fn default() -> Self {
        Self {
            landmarks68: Landmarks68From::Mesh,
            min_presence: 0.5,
            smoothing: Some(OneEuro::default()),
        }
    }
}

/// The face through a whole driving clip.
#[derive(Clone, Debug, PartialEq)]
pub struct DrivingMotion {
    pub width: u32,
    pub height: u32,
    pub frame_rate: (i32, i32),
    /// Presentation time of each frame, seconds.
    pub times: Vec<f64>,
    /// One per frame, lost frames filled (see `FrameState`).
    pub frames: Vec<Observation>,
    /// Jitter of the observed frames before and after smoothing (see `smooth::jitter`).
    pub jitter_raw: f64,
    pub jitter_smoothed: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum MotionError {
    #[error(transparent)]
    Track(#[from] TrackError),
    #[error("{path}: no face found in any frame of the driving clip")]
    NoFace { path: PathBuf },
}

impl DrivingMotion {
    /// Analyse `path`, or load the result of an earlier run from `cache_dir` (when given;
    /// see `cache::default_dir`). A cache that cannot be read or written is skipped, with
    /// the reason in the returned notes, never an error.
    pub fn analyse(
        analyzer: &Analyzer,
        path: &Path,
        settings: &MotionSettings,
        cache_dir: Option<&Path>,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<(Self, Vec<String>), MotionError> {
        Self::analyse_with(analyzer, path, settings, cache_dir, cancel, progress, true)
    }

    /// `analyse` for rendering: the 68 points only, without the meshes (a tenth of the
    /// memory; read so from the cache, or dropped once a fresh analysis is stored).
    pub fn analyse_landmarks(
        analyzer: &Analyzer,
        path: &Path,
        settings: &MotionSettings,
        cache_dir: Option<&Path>,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<(Self, Vec<String>), MotionError> {
        Self::analyse_with(analyzer, path, settings, cache_dir, cancel, progress, false)
    }

    fn analyse_with(
        analyzer: &Analyzer,
        path: &Path,
        settings: &MotionSettings,
        cache_dir: Option<&Path>,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64, u64) + Sync),
        meshes: bool,
    ) -> Result<(Self, Vec<String>), MotionError> {
        let mut notes = Vec::new();
        let key = match cache_dir {
            Some(_) => match cache::key(path, settings) {
                Ok(k) => Some(k),
                Err(e) => {
                    notes.push(format!("motion cache not used: {e}"));
                    None
                }
            },
            None => None,
        };
        if let (Some(dir), Some(k)) = (cache_dir, &key)
            && let Some(m) = cache::load(dir, k, meshes)
        {
            return Ok((m, notes));
        }
        let info = VideoSource::open(path)
            .map_err(TrackError::from)?
            .info()
            .clone();
        let (times, raw) = track_clip(
            analyzer,
            path,
            settings.landmarks68,
            settings.min_presence,
            cancel,
            progress,
        )?;
        let observed: Vec<bool> = raw.iter().map(|o| o.is_some()).collect();
        let mut frames = bridge(raw).ok_or_else(|| MotionError::NoFace {
            path: path.to_path_buf(),
        })?;
        let tracks = |f: &[Observation]| -> f64 {
            let v: Vec<&[[f32; 2]]> = f.iter().map(|o| &o.landmarks68[..]).collect();
            jitter(&v, &observed)
        };
        let jitter_raw = tracks(&frames);
        if let Some(filter) = &settings.smoothing {
            smooth_all(&mut frames, &times, filter);
        }
        let jitter_smoothed = tracks(&frames);
        let mut motion = DrivingMotion {
            width: info.width,
            height: info.height,
            frame_rate: info.frame_rate,
            times,
            frames,
            jitter_raw,
            jitter_smoothed,
        };
        if let (Some(dir), Some(k)) = (cache_dir, &key)
            && let Err(e) = cache::store(dir, k, &motion)
        {
            notes.push(format!("motion cache not written: {e}"));
        }
        if !meshes {
            motion.drop_meshes();
        }
        Ok((motion, notes))
    }

    /// Forget the 468-point meshes, which rendering does not use: 5.6 KB of the ~6.2 KB a
    /// frame takes.
    fn drop_meshes(&mut self) {
        for f in &mut self.frames {
            f.mesh468 = Vec::new();
        }
    }

    /// Fraction of frames where the face was found (not filled in).
    pub fn found_fraction(&self) -> f64 {
        let n = self.frames.iter().filter(|f| f.state.observed()).count();
        n as f64 / self.frames.len().max(1) as f64
    }
}

/// Fill lost frames: linear between the nearest found frames, the nearest one held at the
/// ends. `None` when no frame was found.
pub fn bridge(raw: Vec<Option<Observation>>) -> Option<Vec<Observation>> {
    let found: Vec<usize> = (0..raw.len()).filter(|&i| raw[i].is_some()).collect();
    let (&first, &last) = (found.first()?, found.last()?);
    let mut out: Vec<Option<Observation>> = raw;
    for w in found.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b - a < 2 {
            continue;
        }
        let (oa, ob) = match (&out[a], &out[b]) {
            (Some(x), Some(y)) => (x.clone(), y.clone()),
            _ => continue,
        };
        for (i, slot) in out.iter_mut().enumerate().take(b).skip(a + 1) {
            let t = (i - a) as f32 / (b - a) as f32;
            let lerp = |p: f32, q: f32| p + (q - p) * t;
            *slot = Some(Observation {
                state: FrameState::Interpolated,
                confidence: 0.0,
                landmarks68: Face68::from(std::array::from_fn(|k| {
                    let (p, q) = (oa.landmarks68[k], ob.landmarks68[k]);
                    [lerp(p[0], q[0]), lerp(p[1], q[1])]
                })),
                mesh468: oa
                    .mesh468
                    .iter()
                    .zip(&ob.mesh468)
                    .map(|(p, q)| [lerp(p[0], q[0]), lerp(p[1], q[1]), lerp(p[2], q[2])])
                    .collect(),
            });
        }
    }
    let held = |o: &Option<Observation>| {
        o.clone().map(|mut o| {
            o.state = FrameState::Held;
            o.confidence = 0.0;
            o
        })
    };
    let head = held(&out[first]);
    let tail = held(&out[last]);
    for slot in out.iter_mut().take(first) {
        *slot = head.clone();
    }
    for slot in out.iter_mut().skip(last + 1) {
        *slot = tail.clone();
    }
    out.into_iter().collect()
}

/// One-Euro on every coordinate of the 68 points and the mesh.
fn smooth_all(frames: &mut [Observation], times: &[f64], filter: &OneEuro) {
    let n = frames.len();
    for p in 0..68 {
        for k in 0..2 {
            let x: Vec<f64> = frames.iter().map(|f| f.landmarks68[p][k] as f64).collect();
            let y = filter.filter(&times[..n], &x);
            for (f, v) in frames.iter_mut().zip(y) {
                f.landmarks68[p][k] = v as f32;
            }
        }
    }
    for p in 0..frames.first().map_or(0, |f| f.mesh468.len()) {
        for k in 0..3 {
            let x: Vec<f64> = frames.iter().map(|f| f.mesh468[p][k] as f64).collect();
            let y = filter.filter(&times[..n], &x);
            for (f, v) in frames.iter_mut().zip(y) {
                f.mesh468[p][k] = v as f32;
            }
        }
    }
}
