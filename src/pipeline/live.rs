//! Performing live: the newest camera frame is tracked (the detector only when the face was
//! lost, the mesh from the last frame's otherwise), smoothed with a low-latency filter,
//! retargeted onto the portrait and drawn by the warp engine, on the CPU or with wgpu. A
//! frame that arrives while another is being drawn replaces the one waiting; whatever cannot
//! be drawn in time is dropped, never queued, so what is shown is always the newest face.
//!
//! The first face seen is the performer's rest pose (relative motion is measured from it);
//! `Performer::rest` takes the next one instead. The inside of the mouth comes from the
//! camera, cut in the head's frame as the clip's mouths are (`motion::mouth`), and its
//! expression details from the camera's face laid flat against the rest pose's
//! (`motion::details`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use image::RgbImage;
use serde::Serialize;

use super::PipelineError;
use crate::face::Analyzer;
use crate::geometry::Face68;
use crate::media::live::{Camera, Ended, LiveFrame, Newest, now_s};
use crate::models::ModelSource;
use crate::motion::details::{DetailFrame, DetailGeometry};
use crate::motion::mouth::{MouthFrame, MouthGeometry};
use crate::motion::{
    DrivingMotion, Landmarks68From, Mode, MotionSettings, Observation, OneEuro, OneEuroState,
    Strengths, TrackedFrames, Tracker,
};
use crate::render::{
    Backend, Drive, Engine, EngineKind, SourceFace, TrackEntry, Transfer, WarpEntry, WarpKind,
};

/// How the live view carries the performer onto the portrait.
#[derive(Clone, Copy, Debug)]
pub struct LiveSettings {
    pub mode: Mode,
    pub strengths: Strengths,
    pub backend: Backend,
    /// The inside of the portrait's mouth from the camera's (else painted).
    pub clip_mouth: bool,
    /// Eyes opened wider than the portrait's filled from its own (else stretched).
    pub eye_fill: bool,
    /// The performer's expression details laid on this strongly (0: none).
    pub details: f32,
    /// Smooth the tracked points (a filter that lags less than a frame at 30 fps).
    pub smoothing: bool,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            mode: Mode::Relative,
            strengths: Strengths::default(),
            backend: Backend::Cpu,
            clip_mouth: true,
            eye_fill: true,
            details: crate::render::DEFAULT_DETAILS,
            smoothing: true,
        }
    }
}

/// The One-Euro filter set for live use: a higher resting cutoff than the export's (1.5 Hz),
/// so a still head is steady yet the portrait keeps up within a frame when it moves.
const LIVE_SMOOTHING: OneEuro = OneEuro {
    min_cutoff: 3.0,
    beta: 0.05,
    d_cutoff: 1.0,
};

/// The face on the portrait, from one camera frame at a time.
pub struct Performer<'a> {
    tracker: Tracker<'a>,
    sources: Vec<SourceFace>,
    settings: LiveSettings,
    /// Prepared once the rest pose is seen.
    engine: Option<Box<dyn Engine>>,
    mouth: Option<Arc<MouthGeometry>>,
    /// The face frame the performer's details are read in (from the rest pose).
    details: Option<Arc<DetailGeometry>>,
    filter: Vec<OneEuroState>,
    last_s: Option<f64>,
    rest_next: bool,
}

/// One drawn live frame.
pub struct Drawn {
    pub image: RgbImage,
    /// The performer's face in the camera frame (`None`: not found; the portrait holds its
    /// last pose).
    pub face: Option<Face68>,
}

impl<'a> Performer<'a> {
    pub fn new(analyzer: &'a Analyzer, sources: Vec<SourceFace>, settings: LiveSettings) -> Self {
        Self {
            tracker: Tracker::new(analyzer, Landmarks68From::Mesh, 0.5),
            sources,
            settings,
            engine: None,
            mouth: None,
            details: None,
            filter: Vec::new(),
            last_s: None,
            rest_next: true,
        }
    }

    /// The next face seen becomes the rest pose.
    pub fn rest(&mut self) {
        self.rest_next = true;
    }

    /// The portrait moved as `frame`'s face moves.
    pub fn draw(&mut self, frame: &LiveFrame) -> Result<Drawn, PipelineError> {
        let seen = self.tracker.step(&frame.image)?;
        let Some(seen) = seen else {
            // Lost: the portrait holds still (its last frame is what the caller shows).
            self.filter.clear();
            return Ok(Drawn {
                image: self.still(),
                face: None,
            });
        };
        let face = self.smooth(seen.landmarks68, frame.captured_s);
        if self.rest_next || self.engine.is_none() {
            self.prepare(&frame.image, &face)?;
        }
        let entry = self.entry(&frame.image, &face);
        let track =
            (entry.mouth.is_some() || entry.details.is_some()).then(|| TrackEntry::new(entry));
        let Some(engine) = self.engine.as_mut() else {
            return Ok(Drawn {
                image: self.still(),
                face: Some(face),
            });
        };

        let drive = Drive {
            face,
            track,
            controls: None,
        };
        let image = engine.render(&drive)?.image;
        Ok(Drawn {
            image,
            face: Some(face),
        })
    }

    /// The first portrait as it is (before a face is seen).
    pub fn still(&self) -> RgbImage {
        self.sources
            .first()
            .map(|s| s.image.clone())
            .unwrap_or_default()
    }

    /// The warp engine's reading of one camera frame: the mouth and the face laid flat, as
    /// asked for.
    fn entry(&self, image: &RgbImage, face: &Face68) -> WarpEntry {
        WarpEntry {
            mouth: self
                .mouth
                .as_ref()
                .map(|g| MouthFrame::of(image, face, g.clone())),
            details: self
                .details
                .as_ref()
                .map(|g| DetailFrame::of(image, face, g.clone())),
        }
    }

    fn prepare(&mut self, image: &RgbImage, rest: &Face68) -> Result<(), PipelineError> {
        self.mouth = self
            .settings
            .clip_mouth
            .then(|| Arc::new(MouthGeometry::of(rest)));
        self.details = (self.settings.details > 0.0).then(|| Arc::new(DetailGeometry::of(rest)));
        let at_rest = self.entry(image, rest);
        let kind = WarpKind {
            backend: self.settings.backend,
            clip_mouth: self.settings.clip_mouth,
            // Live, the lips are the performer's: no voice sets them.
            voice_mouth: false,
            eye_fill: self.settings.eye_fill,
            details: self.settings.details,
        };
        let transfer = Transfer {
            mode: self.settings.mode,
            strengths: self.settings.strengths,
            reference: Some(*rest),
            reference_track: Some(TrackEntry::new(at_rest)),
        };
        self.engine = Some(kind.prepare(self.sources.clone(), &transfer)?);
        self.rest_next = false;
        Ok(())
    }

    fn smooth(&mut self, face: Face68, t: f64) -> Face68 {
        if !self.settings.smoothing {
            return face;
        }
        let dt = self.last_s.map(|l| t - l);
        self.last_s = Some(t);
        let mut out = face;
        let n = out.len();
        if self.filter.len() != n * 2 {
            self.filter = vec![OneEuroState::default(); n * 2];
        }
        for (i, p) in out.iter_mut().enumerate() {
            for (k, v) in p.iter_mut().enumerate() {
                *v = LIVE_SMOOTHING.step(&mut self.filter[i * 2 + k], dt, *v as f64) as f32;
            }
        }
        out
    }
}

/// Latency percentiles, milliseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
}

/// What a live run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LiveReport {
    pub camera: String,
    pub width: u32,
    pub height: u32,
    pub seconds: f64,
    pub frames_captured: u64,
    pub frames_shown: u64,
    /// Captured but never drawn: a newer frame had come by the time the last was drawn.
    pub frames_dropped: u64,
    /// Frames shown per second.
    pub fps: f64,
    /// Capture → frame ready, over the frames shown.
    pub latency_ms: Percentiles,
    /// Frames shown in which no face was found.
    pub frames_without_face: u64,
    /// Why the camera stopped before the time was up, if it did.
    pub camera_ended: Option<String>,
}

/// Run the live loop for `seconds` (or until `stop`, or the camera ends), handing each drawn
/// frame to `show` with the camera frame it came from.
pub fn perform(
    camera: &Camera,
    performer: &mut Performer<'_>,
    seconds: f64,
    stop: &AtomicBool,
    mut show: impl FnMut(&Drawn, &LiveFrame) -> Result<(), PipelineError>,
) -> Result<LiveReport, PipelineError> {
    let start = now_s();
    let captured_before = camera.captured();
    let mut latencies = Vec::new();
    let mut last: Option<u64> = None;
    let mut first_seq = None;
    let mut without_face = 0;
    let mut ended = None;
    while now_s() - start < seconds && !stop.load(Ordering::Relaxed) {
        let frame = match camera.newest_after(last, Duration::from_millis(100)) {
            Newest::Frame(f) => f,
            Newest::Waiting => continue,
            Newest::Ended(e) => {
                ended = Some(e);
                break;
            }
        };
        first_seq.get_or_insert(frame.seq);
        last = Some(frame.seq);
        let drawn = performer.draw(&frame)?;
        latencies.push((now_s() - frame.captured_s) * 1000.0);
        if drawn.face.is_none() {
            without_face += 1;
        }
        show(&drawn, &frame)?;
    }
    let elapsed = now_s() - start;
    // Frames from the first one taken to the last one captured.
    let captured = match first_seq {
        Some(f) => camera.captured().saturating_sub(f),
        None => camera.captured() - captured_before,
    };
    let shown = latencies.len() as u64;
    latencies.sort_by(f64::total_cmp);
    let pick = |q: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() - 1) as f64 * q).round() as usize;
        latencies[i]
    };
    let info = camera.info();
    Ok(LiveReport {
        camera: info.label.clone(),
        width: info.width,
        height: info.height,
        seconds: elapsed,
        frames_captured: captured,
        frames_shown: shown,
        frames_dropped: captured.saturating_sub(shown),
        fps: shown as f64 / elapsed.max(1e-9),
        latency_ms: Percentiles {
            p50: pick(0.5),
            p95: pick(0.95),
        },
        frames_without_face: without_face,
        camera_ended: match ended {
            Some(Ended::Lost(why)) => Some(why),
            Some(Ended::Finished) => Some("the camera's input came to its end".into()),
            None => None,
        },
    })
}

/// Follows every frame a take writes, on a thread of its own, so that the take's analysis is
/// ready (cached under the finished file's key) when it stops: the take can be exported at
/// once. A frame held over a gap is the same picture, and is not tracked twice.
pub struct TakeFollower {
    tx: Option<std::sync::mpsc::Sender<(u64, Arc<RgbImage>)>>,
    thread: Option<std::thread::JoinHandle<Result<TrackedFrames, String>>>,
}

impl TakeFollower {
    /// For a take written at `frame_rate` (a rational, as the writer stamps it).
    pub fn start(frame_rate: (i32, i32), settings: MotionSettings) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<(u64, Arc<RgbImage>)>();
        let thread = std::thread::Builder::new()
            .name("take analysis".into())
            .spawn(move || -> Result<TrackedFrames, String> {
                let analyzer = Analyzer::new(&candle_core::Device::Cpu, &ModelSource::Embedded)
                    .map_err(|e| e.to_string())?;
                let mut tracker =
                    Tracker::new(&analyzer, settings.landmarks68, settings.min_presence);
                let mut frames = TrackedFrames::new().map_err(|e| e.to_string())?;
                let mut last: Option<(Arc<RgbImage>, Option<Observation>)> = None;
                let (num, den) = (frame_rate.0.max(1) as f64, frame_rate.1.max(1) as f64);
                for (k, img) in rx {
                    let seen = match &last {
                        Some((prev, seen)) if Arc::ptr_eq(prev, &img) => seen.clone(),
                        _ => tracker.step(&img).map_err(|e| e.to_string())?,
                    };
                    frames
                        .push(k as f64 * den / num, seen.as_ref())
                        .map_err(|e| e.to_string())?;
                    last = Some((img, seen));
                }
                Ok(frames)
            })
            .ok();
        Self {
            tx: thread.as_ref().map(|_| tx),
            thread,
        }
    }

    /// What the take calls with each frame it writes.
    pub fn hook(&self) -> Option<crate::export::take::FrameHook> {
        let tx = self.tx.clone()?;
        Some(Box::new(move |k, img: &Arc<RgbImage>| {
            let _ = tx.send((k, img.clone()));
        }))
    }

    /// The take written to `path`: its analysis finished and kept in `cache_dir`; what to
    /// tell the user (a cache not written), or why there is none (the take is then analysed
    /// as any clip is).
    pub fn finish(
        mut self,
        path: &std::path::Path,
        settings: &MotionSettings,
        cache_dir: Option<&std::path::Path>,
    ) -> Result<Vec<String>, String> {
        drop(self.tx.take());
        let frames = match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r?,
            _ => return Err("the take's analysis stopped unexpectedly".into()),
        };
        DrivingMotion::from_tracked(path, settings, frames, cache_dir)
            .map(|(_, notes)| notes)
            .map_err(|e| e.to_string())
    }
}
