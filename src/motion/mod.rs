//! The motion stage: what the face in the driving clip does, frame by frame.
//!
//! `DrivingMotion::analyse` tracks the face (`track`), fills the frames where it was lost
//! (interpolated between the nearest found frames, or held at the ends: never garbage), smooths
//! the tracks (`smooth`, One-Euro), and keeps the result on disk (`cache`) keyed by the clip's
//! content and the settings, so the next render or a reopened project does not analyse again.

pub mod cache;
pub mod details;
pub mod expression;
pub mod idle;
pub mod mouth;
pub mod neural;
mod reading;
pub use reading::Reading;
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
pub use self::smooth::{Jitter, OneEuro, OneEuroState, jitter};
pub use self::track::{
    FrameState, Landmarks68From, Observation, TrackError, Tracker, track_clip, track_runs,
};
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

/// The face through a whole driving clip. The frames' points are read from the analysis
/// file when asked for (see `cache`), so a long clip costs only its times and states in memory.
#[derive(Debug)]
pub struct DrivingMotion {
    pub width: u32,
    pub height: u32,
    pub frame_rate: (i32, i32),
    /// Presentation time of each frame, seconds.
    pub times: Vec<f64>,
    /// How each frame's face was obtained (lost frames filled, see `FrameState`).
    pub states: Vec<FrameState>,
    /// Jitter of the observed frames before and after smoothing (see `smooth::jitter`).
    pub jitter_raw: f64,
    pub jitter_smoothed: f64,
    /// The cache key it is kept under (`None` when not cached); later analyses of the clip
    /// (the neural engine's motion) key their own caches from it.
    pub key: Option<String>,
    frames: cache::FrameFile,
}

#[derive(Debug, thiserror::Error)]
pub enum MotionError {
    #[error(transparent)]
    Track(#[from] TrackError),
    #[error("{path}: no face found in any frame of the driving clip")]
    NoFace { path: PathBuf },
    #[error(transparent)]
    Neural(#[from] crate::neural::NeuralError),
}

/// The warp engine's readings of a clip beside its points, each when asked for: the driver's
/// mouth in every frame (`mouth`) and his face laid flat (`details`). Each is opened from
/// `cache_dir` where kept, else made; those to make are made in one decoding of the clip.
/// Progress runs over that one pass. What could not be cached is said once.
pub fn warp_readings(
    of: &Reading<'_>,
    mouths: bool,
    details: bool,
) -> Result<WarpReadings, MotionError> {
    use reading::Begun;
    let mut notes = Vec::new();
    let m = mouths
        .then(|| mouth::ClipMouths::begin(of, &mut notes))
        .transpose()?;
    let d = details
        .then(|| details::ClipDetails::begin(of, &mut notes))
        .transpose()?;
    let (mut m_new, mut d_new) = (None, None);
    let (mut m_kept, mut d_kept) = (None, None);
    match m {
        Some(Begun::New(w, g)) => m_new = Some((w, g, mouth::MouthRecorder::default())),
        Some(Begun::Kept(r, g)) => m_kept = Some(mouth::ClipMouths::new(r, g)),
        None => {}
    }
    match d {
        Some(Begun::New(w, g)) => d_new = Some((w, g, details::DetailRecorder::default())),
        Some(Begun::Kept(r, g)) => d_kept = Some(details::ClipDetails::new(r, g)),
        None => {}
    }
    if m_new.is_some() || d_new.is_some() {
        reading::each_frame(of.clip, of.motion, of.cancel, of.progress, |i, frame| {
            if let Some((w, g, rec)) = &mut m_new {
                w.record(&rec.record(g, of.motion, i, frame)?)?;
            }
            if let Some((w, g, rec)) = &mut d_new {
                w.record(&rec.record(g, of.motion, i, frame)?)?;
            }
            Ok(())
        })?;
    }
    if let Some((w, g, _)) = m_new {
        m_kept = Some(mouth::ClipMouths::new(w.finish(&mut notes)?, g));
    }
    if let Some((w, g, _)) = d_new {
        d_kept = Some(details::ClipDetails::new(w.finish(&mut notes)?, g));
    }
    Ok(WarpReadings {
        mouths: m_kept,
        details: d_kept,
        notes: reading::said_once(notes),
    })
}

/// What `warp_readings` read, and what to tell the user (caches not written).
pub struct WarpReadings {
    pub mouths: Option<mouth::ClipMouths>,
    pub details: Option<details::ClipDetails>,
    pub notes: Vec<String>,
}

impl From<std::io::Error> for MotionError {
    fn from(e: std::io::Error) -> Self {
        MotionError::Track(TrackError::Io(e))
    }
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
        let mut notes = Vec::new();
        // What a killed analysis left in the cache goes, even when this one is cached.
        if let Some(dir) = cache_dir {
            crate::output::sweep_stale(dir);
        }
        let mut key = cache_key(path, settings, cache_dir, &mut notes);
        if let (Some(dir), Some(k)) = (cache_dir, &key)
            && let Some(o) = cache::load(dir, k)
        {
            let mut m = Self::from(o);
            m.key = key;
            return Ok((m, notes));
        }
        let scratch = scratch_dir(cache_dir, &mut key, &mut notes);
        let info = VideoSource::open(path)
            .map_err(TrackError::from)?
            .info()
            .clone();
        // Each tracking run spools its frames to a file; they are then read back in order,
        // bridged, smoothed and written out, one frame at a time.
        let run = |scratch: &Path, key: Option<String>, notes: &mut Vec<String>| {
            let (_, spools) = track_runs(
                analyzer,
                path,
                settings.landmarks68,
                settings.min_presence,
                cancel,
                progress,
                &|| Ok(cache::FrameWriter::create(scratch)?),
                &|w: &mut cache::FrameWriter, t, o| Ok(w.push(t, o.as_ref())?),
            )?;
            Self::finish_tracked(
                path, &info, settings, scratch, spools, key, cache_dir, notes,
            )
        };
        let temp = std::env::temp_dir();
        // A disk that is full says which folder.
        let named = |scratch: &Path, e: MotionError| match e {
            MotionError::Track(TrackError::Io(e)) if crate::output::out_of_room(&e) => {
                MotionError::Track(TrackError::Io(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", scratch.display()),
                )))
            }
            e => e,
        };
        let m = match run(&scratch, key, &mut notes) {
            // The cache's disk filled (or went read-only) part way: the analysis is made
            // again in the temporary folder, as when the cache cannot be written at all.
            Err(MotionError::Track(TrackError::Io(e)))
                if scratch != temp && crate::output::out_of_room(&e) =>
            {
                notes.push(format!(
                    "motion cache not written: {}: {e}; analysed in a temporary file instead",
                    scratch.display()
                ));
                run(&temp, None, &mut notes).map_err(|e| named(&temp, e))?
            }
            result => result.map_err(|e| named(&scratch, e))?,
        };
        Ok((m, notes))
    }

    /// The analysis of `path` from its frames tracked already, in order (a take followed while
    /// it was recorded): bridged, smoothed and kept in `cache_dir` under the file's key, as
    /// `analyse` would, so that analysing the file afterwards finds it at once.
    pub fn from_tracked(
        path: &Path,
        settings: &MotionSettings,
        tracked: TrackedFrames,
        cache_dir: Option<&Path>,
    ) -> Result<(Self, Vec<String>), MotionError> {
        let mut notes = Vec::new();
        let mut key = cache_key(path, settings, cache_dir, &mut notes);
        let scratch = scratch_dir(cache_dir, &mut key, &mut notes);
        let info = VideoSource::open(path)
            .map_err(TrackError::from)?
            .info()
            .clone();
        let tracked = tracked.0;
        if info.frame_count_exact && info.frame_count as usize != tracked.frames() {
            return Err(MotionError::Track(TrackError::Io(std::io::Error::other(
                format!(
                    "{} frames tracked for the {} of the file",
                    tracked.frames(),
                    info.frame_count
                ),
            ))));
        }
        let m = Self::finish_tracked(
            path,
            &info,
            settings,
            &scratch,
            vec![tracked],
            key,
            cache_dir,
            &mut notes,
        )?;
        Ok((m, notes))
    }

    /// Tracked frames (spools, in order) bridged over lost frames, smoothed, written out and
    /// kept under `key` in `cache_dir`.
    #[allow(clippy::too_many_arguments)]
    fn finish_tracked(
        path: &Path,
        info: &crate::media::VideoInfo,
        settings: &MotionSettings,
        scratch: &Path,
        spools: Vec<cache::FrameWriter>,
        mut key: Option<String>,
        cache_dir: Option<&Path>,
        notes: &mut Vec<String>,
    ) -> Result<Self, MotionError> {
        let mut finish = Finisher::new(cache::FrameWriter::create(scratch)?, settings.smoothing);
        let mut bridge = Bridge::default();
        for spool in spools {
            for record in spool.into_reader()? {
                let (t, o) = record?;
                bridge.push(t, o, &mut finish)?;
            }
        }
        if !bridge.finish(&mut finish)? {
            return Err(MotionError::NoFace {
                path: path.to_path_buf(),
            });
        }
        let header = cache::Header {
            width: info.width,
            height: info.height,
            frame_rate: info.frame_rate,
            frames: finish.out.frames(),
            jitter_raw: finish.jitter_raw.value(),
            jitter_smoothed: finish.jitter_smoothed.value(),
            sha256: String::new(),
        };
        let mut file = finish.out.finish(&header)?;
        if let (Some(dir), Some(k)) = (cache_dir, &key)
            && let Err(e) = file.keep(dir, k)
        {
            notes.push(format!("motion cache not written: {e}"));
            key = None;
        }
        let mut m = Self::from(cache::Opened {
            header,
            times: finish.times,
            states: finish.states,
            file,
        });
        m.key = key;
        Ok(m)
    }

    /// A stored analysis file (what the cache keeps, `cache::default_dir`), checked whole as
    /// the cache checks it before use: its layout, its records' hash, times and points. A
    /// damaged file is an `InvalidData` error; it is not removed.
    pub fn open_analysis(path: &Path) -> std::io::Result<Self> {
        Ok(Self::from(cache::open_path(path)?))
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Frame `i`'s 68 points (read from the analysis file).
    pub fn landmarks(&self, i: usize) -> std::io::Result<Face68> {
        self.frames.landmarks(i)
    }

    /// Frame `i`'s whole observation, mesh included (read from the analysis file).
    pub fn observation(&self, i: usize) -> std::io::Result<Observation> {
        self.frames.observation(i)
    }

    /// Every frame's observation in order.
    pub fn observations(&self) -> impl Iterator<Item = std::io::Result<Observation>> + '_ {
        (0..self.len()).map(|i| self.observation(i))
    }

    /// Fraction of frames where the face was found (not filled in).
    pub fn found_fraction(&self) -> f64 {
        let n = self.states.iter().filter(|s| s.observed()).count();
        n as f64 / self.states.len().max(1) as f64
    }
}

impl From<cache::Opened> for DrivingMotion {
    fn from(o: cache::Opened) -> Self {
        Self {
            width: o.header.width,
            height: o.header.height,
            frame_rate: o.header.frame_rate,
            times: o.times,
            states: o.states,
            jitter_raw: o.header.jitter_raw,
            jitter_smoothed: o.header.jitter_smoothed,
            key: None,
            frames: o.file,
        }
    }
}

/// Frames tracked as they come (a take followed while it is recorded), spooled to a temporary
/// file until `DrivingMotion::from_tracked` finishes them.
pub struct TrackedFrames(cache::FrameWriter);

impl TrackedFrames {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self(cache::FrameWriter::create(&std::env::temp_dir())?))
    }

    /// The next frame, at `time` seconds (`None`: no face found in it).
    pub fn push(&mut self, time: f64, seen: Option<&Observation>) -> std::io::Result<()> {
        self.0.push(time, seen)
    }

    pub fn len(&self) -> usize {
        self.0.frames()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The analysis's cache key, when there is a cache (a file that cannot be read for it: no
/// cache, said in `notes`).
fn cache_key(
    path: &Path,
    settings: &MotionSettings,
    cache_dir: Option<&Path>,
    notes: &mut Vec<String>,
) -> Option<String> {
    cache_dir?;
    match cache::key(path, settings) {
        Ok(k) => Some(k),
        Err(e) => {
            notes.push(format!("motion cache not used: {e}"));
            None
        }
    }
}

/// Where an analysis is written: where it will be kept, else (the cache folder cannot be made
/// or written, said in `notes`, and nothing is kept) the temporary folder.
fn scratch_dir(
    cache_dir: Option<&Path>,
    key: &mut Option<String>,
    notes: &mut Vec<String>,
) -> std::path::PathBuf {
    match cache_dir {
        Some(dir) if key.is_some() => {
            match std::fs::create_dir_all(dir).and_then(|()| crate::output::writable(dir)) {
                Ok(()) => dir.to_path_buf(),
                Err(e) => {
                    notes.push(format!("motion cache not written: {}: {e}", dir.display()));
                    *key = None;
                    std::env::temp_dir()
                }
            }
        }
        _ => std::env::temp_dir(),
    }
}

/// Fills lost frames as they stream past: linear between the nearest found frames, the
/// nearest one held at the ends. Only the lost frames' times wait for the next found one.
#[derive(Default)]
struct Bridge {
    last: Option<Observation>,
    lost: Vec<f64>,
}

impl Bridge {
    fn push(
        &mut self,
        t: f64,
        obs: Option<Observation>,
        out: &mut Finisher,
    ) -> std::io::Result<()> {
        let Some(o) = obs else {
            self.lost.push(t);
            return Ok(());
        };
        let gap = self.lost.len() + 1;
        for (j, &tj) in self.lost.iter().enumerate() {
            let filled = match &self.last {
                Some(a) => a.towards(&o, (j + 1) as f32 / gap as f32),
                None => o.held(),
            };
            out.push(tj, filled)?;
        }
        self.lost.clear();
        out.push(t, o.clone())?;
        self.last = Some(o);
        Ok(())
    }

    /// Hold the last found frame to the end; `false` when no frame was found.
    fn finish(mut self, out: &mut Finisher) -> std::io::Result<bool> {
        let Some(last) = self.last.take() else {
            return Ok(false);
        };
        for &t in &self.lost {
            out.push(t, last.held())?;
        }
        Ok(true)
    }
}

impl Observation {
    /// A lost frame filled in a fraction `t` of the way from this frame to `other`.
    fn towards(&self, other: &Observation, t: f32) -> Observation {
        let lerp = |p: f32, q: f32| p + (q - p) * t;
        Observation {
            state: FrameState::Interpolated,
            confidence: 0.0,
            landmarks68: Face68::from(std::array::from_fn(|k| {
                let (p, q) = (self.landmarks68[k], other.landmarks68[k]);
                [lerp(p[0], q[0]), lerp(p[1], q[1])]
            })),
            mesh468: self
                .mesh468
                .iter()
                .zip(&other.mesh468)
                .map(|(p, q)| [lerp(p[0], q[0]), lerp(p[1], q[1]), lerp(p[2], q[2])])
                .collect(),
        }
    }

    /// This frame held over a lost one at the clip's start or end.
    fn held(&self) -> Observation {
        Observation {
            state: FrameState::Held,
            confidence: 0.0,
            ..self.clone()
        }
    }
}

/// The last steps of the analysis, frame by frame: jitter measured, One-Euro on every
/// coordinate of the 68 points and the mesh, jitter measured again, the frame written.
struct Finisher {
    out: cache::FrameWriter,
    smoothing: Option<OneEuro>,
    /// One filter state per coordinate: 68 × 2, then 468 × 3.
    filters: Vec<OneEuroState>,
    jitter_raw: Jitter,
    jitter_smoothed: Jitter,
    times: Vec<f64>,
    states: Vec<FrameState>,
}

impl Finisher {
    fn new(out: cache::FrameWriter, smoothing: Option<OneEuro>) -> Self {
        Self {
            out,
            smoothing,
            filters: vec![OneEuroState::default(); 68 * 2 + 468 * 3],
            jitter_raw: Jitter::default(),
            jitter_smoothed: Jitter::default(),
            times: Vec::new(),
            states: Vec::new(),
        }
    }

    fn push(&mut self, t: f64, mut o: Observation) -> std::io::Result<()> {
        let observed = o.state.observed();
        self.jitter_raw.push(&o.landmarks68, observed);
        if let Some(filter) = &self.smoothing {
            let dt = self.times.last().map(|&p| t - p);
            let (lm, mesh) = self.filters.split_at_mut(68 * 2);
            for (v, st) in o.landmarks68.iter_mut().flatten().zip(lm) {
                *v = filter.step(st, dt, *v as f64) as f32;
            }
            for (v, st) in o.mesh468.iter_mut().flatten().zip(mesh) {
                *v = filter.step(st, dt, *v as f64) as f32;
            }
        }
        self.jitter_smoothed.push(&o.landmarks68, observed);
        self.out.push(t, Some(&o))?;
        self.times.push(t);
        self.states.push(o.state);
        Ok(())
    }
}
