//! Following the face through the driving clip.
//!
//! The first frame of a run, and any frame where the face was lost, goes through the detector;
//! every other frame crops the mesh network's input from the previous frame's mesh
//! (MediaPipe's tracking rule), which is cheaper than detecting and steadier. A frame whose
//! mesh the network does not recognise as a face (a hand over it, the face leaving the frame)
//! is re-detected, and when that fails too it is marked lost. The clip is split into one run
//! per core; each run starts with a detection.

use crate::geometry::Face68;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::face::mesh::{self, MeshResult};
use crate::face::{Analyzer, AnalyzerError};
use crate::media::{MediaError, RgbConversion, VideoSource};

/// Where the 68 points come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Landmarks68From {
    /// The 68-point network on a crop the mesh places (more exact jaw line and brows on
    /// stills; 8× real time on a 640×480 clip here).
    Net,
    /// Picked from the mesh, the network made for video (no second network: 12× real time,
    /// and a little steadier). The default for driving clips.
    #[default]
    Mesh,
}

/// How a frame's face was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameState {
    /// Found by the detector.
    Detected,
    /// Followed from the previous frame.
    Tracked,
    /// Lost; filled in between the nearest found frames.
    Interpolated,
    /// Lost at the start or end of the clip; the nearest found frame held.
    Held,
}

impl FrameState {
    pub fn observed(self) -> bool {
        matches!(self, FrameState::Detected | FrameState::Tracked)
    }
}

/// The face in one frame (pixels of the driving clip as displayed).
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub state: FrameState,
    /// Mesh network's face-present probability (× detector score when detected); 0 when lost.
    pub confidence: f32,
    pub landmarks68: Face68,
    pub mesh468: Vec<[f32; 3]>,
}

#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Analysis(#[from] AnalyzerError),
    #[error("cancelled")]
    Cancelled,
    #[error("could not write the motion analysis: {0}")]
    Io(#[from] std::io::Error),
}

/// Follows one face from frame to frame.
pub struct Tracker<'a> {
    analyzer: &'a Analyzer,
    landmarks68: Landmarks68From,
    min_presence: f32,
    prev: Option<MeshResult>,
}

impl<'a> Tracker<'a> {
    pub fn new(analyzer: &'a Analyzer, landmarks68: Landmarks68From, min_presence: f32) -> Self {
        Self {
            analyzer,
            landmarks68,
            min_presence,
            prev: None,
        }
    }

    /// The face in the next frame, or `None` when it cannot be found.
    pub fn step(&mut self, img: &RgbImage) -> Result<Option<Observation>, AnalyzerError> {
        let mut found = None;
        if let Some(prev) = &self.prev {
            let m = self.analyzer.mesh.detect(img, &prev.tracking_roi())?;
            if m.presence >= self.min_presence {
                let confidence = m.presence;
                found = Some((m, FrameState::Tracked, confidence));
            }
        }
        if found.is_none() {
            // Largest face, or the one nearest where the face was.
            let dets = self.analyzer.detector.detect(img)?;
            let near = |d: &crate::face::Detection| match &self.prev {
                Some(p) => {
                    let (r, l) = (p.points[33], p.points[263]);
                    let (px, py) = ((r[0] + l[0]) / 2.0, (r[1] + l[1]) / 2.0);
                    let (cx, cy) = (d.bbox[0] + d.bbox[2] / 2.0, d.bbox[1] + d.bbox[3] / 2.0);
                    (cx - px).powi(2) + (cy - py).powi(2)
                }
                None => -(d.bbox[2] * d.bbox[3]),
            };
            if let Some(d) = dets.iter().min_by(|a, b| near(a).total_cmp(&near(b))) {
                let m = self
                    .analyzer
                    .mesh
                    .detect(img, &mesh::roi(d.bbox, d.roll()))?;
                if m.presence >= self.min_presence {
                    let confidence = m.presence * d.score;
                    found = Some((m, FrameState::Detected, confidence));
                }
            }
        }
        let Some((m, state, confidence)) = found else {
            self.prev = None;
            return Ok(None);
        };
        let landmarks68 = match self.landmarks68 {
            Landmarks68From::Net => self.analyzer.landmarks.detect(img, m.landmarks_crop())?,
            Landmarks68From::Mesh => m.to_68(),
        };
        let obs = Observation {
            state,
            confidence,
            landmarks68,
            mesh468: m.points.clone(),
        };
        self.prev = Some(m);
        Ok(Some(obs))
    }
}

/// Frame times and raw observations (`None` = lost) of a whole clip, tracked in one run per
/// core. `progress(done, total)` is called after every frame; `cancel` is checked as often.
pub fn track_clip(
    analyzer: &Analyzer,
    path: &Path,
    landmarks68: Landmarks68From,
    min_presence: f32,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(Vec<f64>, Vec<Option<Observation>>), TrackError> {
    let (times, runs) = track_runs(
        analyzer,
        path,
        landmarks68,
        min_presence,
        cancel,
        progress,
        &|| Ok(Vec::new()),
        &|out: &mut Vec<Option<Observation>>, _, o| {
            out.push(o);
            Ok(())
        },
    )?;
    Ok((times, runs.into_iter().flatten().collect()))
}

/// Hands a tracked frame (time, observation) to a run's sink.
pub type PushFrame<S> = dyn Fn(&mut S, f64, Option<Observation>) -> Result<(), TrackError> + Sync;

/// `track_clip` with each run's frames handed to a sink of its own (`make` creates one per
/// run, `push` gives it the next frame's time and observation), so that a long clip's
/// observations need not be held in memory. The sinks come back in clip order, with the
/// times of the frames they were given (a run whose frames stop decoding ends early).
#[allow(clippy::too_many_arguments)]
pub fn track_runs<S: Send>(
    analyzer: &Analyzer,
    path: &Path,
    landmarks68: Landmarks68From,
    min_presence: f32,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64, u64) + Sync),
    make: &(dyn Fn() -> Result<S, TrackError> + Sync),
    push: &PushFrame<S>,
) -> Result<(Vec<f64>, Vec<S>), TrackError> {
    let mut probe = VideoSource::open(path)?;
    let times = probe.frame_times()?;
    drop(probe);
    let total = times.len() as u64;
    let runs = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(times.len().div_ceil(50).max(1));
    let per = times.len().div_ceil(runs).max(1);
    let done = AtomicU64::new(0);
    let times = &times;
    let results: Vec<Result<(S, usize), TrackError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..runs)
            .map(|r| {
                let (start, end) = (r * per, ((r + 1) * per).min(times.len()));
                let done = &done;
                s.spawn(move || -> Result<(S, usize), TrackError> {
                    let mut src = VideoSource::open(path)?;
                    src.set_conversion(RgbConversion::Fast);
                    let mut tracker = Tracker::new(analyzer, landmarks68, min_presence);
                    let mut sink = make()?;
                    let mut count = 0;
                    for (i, &time) in times.iter().enumerate().take(end).skip(start) {
                        if cancel.load(Ordering::Relaxed) {
                            return Err(TrackError::Cancelled);
                        }
                        let frame = if i == start {
                            src.frame(i as u64)?
                        } else {
                            match src.next_frame()? {
                                Some(f) => f,
                                None => break,
                            }
                        };
                        push(&mut sink, time, tracker.step(&frame.image)?)?;
                        count += 1;
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress(n, total);
                    }
                    Ok((sink, count))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|panic| {
                    Err(TrackError::Analysis(AnalyzerError::Panicked(
                        crate::panic_text(&*panic),
                    )))
                })
            })
            .collect()
    });
    let mut sinks = Vec::with_capacity(runs);
    let mut tracked = Vec::with_capacity(times.len());
    for (r, result) in results.into_iter().enumerate() {
        let (sink, count) = result?;
        sinks.push(sink);
        tracked.extend_from_slice(&times[r * per..r * per + count]);
    }
    Ok((tracked, sinks))
}
