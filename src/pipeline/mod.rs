//! The whole pipeline in one call: portrait + what drives it → MP4 with sound. The CLI's
//! `vivant render` and the studio's export both run this. Three ways to drive a portrait:
//! a driving clip (its sound kept, or another file's); a voice recording alone (lips from
//! the voice, idle head motion and blinks: `motion::voice`); or a clip for head and eyes with
//! the lips from a recording.
//!
//! Streaming: the driving clip's motion is analysed (or read from the cache; 68 points a frame
//! are kept), then output frames are retargeted and rendered on one thread while the previous
//! ones are encoded on another, at most two frames apart, so memory does not grow with the
//! clip's length beyond the motion's ~0.6 KB a frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;

mod error;
mod export;
mod framing;
pub mod live;
pub mod note;
mod performance;
pub mod settings;

pub use self::error::{Failure, PipelineError};

/// The most pictures of one face a render takes: few-shot animation gains little past 32,
/// and each picture is held decoded while the frames are drawn.
pub const MAX_SOURCES: usize = 64;
pub use self::export::{export, render};
pub use self::framing::fit_frame;
pub use self::note::Note;
pub use self::settings::{DeviceChoice, Fit, OutputSize, RenderSettings};

use self::performance::{Performance, clip_performance, voice_file, voice_performance};
pub use crate::render::{Backend, EngineChoice, EngineSettings};

use crate::export::AudioFit;
use crate::export::credentials::Signer;
use crate::face::Analyzer;
use crate::geometry::Face68;
use crate::media::load_image;
use crate::motion::speech::SpeechSettings;
use crate::motion::{DrivingMotion, MotionError, MotionSettings};
use crate::neural::Stop;
use crate::render::{
    ClipInput, ClipTrack, Drive, Engine, EngineKind, FaceControls, RenderError, SourceFace,
    StillMask, Transfer, WarpKind,
};

/// Where the sound comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Soundtrack {
    /// The driving clip's own track, trimmed to the rendered range (none if it has no sound).
    Driving,
    /// Another file, from its start.
    File(PathBuf),
    None,
}

/// Everything one render needs: what animates what, where it goes, and the user's settings.
#[derive(Clone, Debug)]
pub struct RenderJob {
    /// The portrait: one or more pictures of the same face (K ≥ 1; the first sets the output
    /// size). A video frame is named `clip.mp4@SECONDS`.
    pub sources: Vec<PathBuf>,
    /// Per source, its face's 68 landmarks as the user placed or corrected them (the studio);
    /// `None`, or a missing entry, finds the largest face.
    pub landmarks: Vec<Option<Face68>>,
    /// Per source, what the user keeps still on it (a missing entry: nothing).
    pub keep_still: Vec<KeepStill>,
    /// The driving clip; `None` = the voice in `sound` (a `Soundtrack::File`) drives.
    pub driving: Option<PathBuf>,
    pub output: PathBuf,
    pub sound: Soundtrack,
    pub settings: RenderSettings,
    pub speech: SpeechSettings,
    /// Where analyses of driving clips are kept (`None` = not cached).
    pub cache_dir: Option<PathBuf>,
    /// The engine kind, made by the caller: `settings.engine`'s with its resources loaded
    /// already, or one of the caller's own. `None`: the kind `settings.engine` makes.
    pub kind: Option<Arc<dyn EngineKind>>,
    /// The studio's preview: drawn at a reduced size of the output's framing, whose own size
    /// the notes should not speak of (the studio says how the output is framed).
    pub preview: bool,
    /// Who signs the Content Credentials (when `settings.credentials`): the self-issued
    /// signer in the user's config folder unless the user gives their own certificate.
    pub signer: Option<Signer>,
}

impl RenderJob {
    /// A portrait driven by a clip, with the clip's sound.
    pub fn new(source: PathBuf, driving: PathBuf, output: PathBuf) -> Self {
        Self {
            sources: vec![source],
            landmarks: Vec::new(),
            keep_still: Vec::new(),
            driving: Some(driving),
            output,
            sound: Soundtrack::Driving,
            settings: RenderSettings::default(),
            speech: SpeechSettings::default(),
            cache_dir: crate::motion::cache::default_dir(),
            kind: None,
            preview: false,
            signer: Signer::default_self_issued(),
        }
    }

    /// A portrait speaking a voice recording (no driving clip).
    pub fn speaking(source: PathBuf, voice: PathBuf, output: PathBuf) -> Self {
        Self {
            driving: None,
            sound: Soundtrack::File(voice),
            ..Self::new(source, PathBuf::new(), output)
        }
    }

    /// How the driving clip is analysed (smoothing as the settings say).
    pub fn motion_settings(&self) -> MotionSettings {
        self.settings.motion_settings()
    }
}

/// What the user keeps still on a source picture: nothing, strokes painted in the studio, or
/// a mask image (white kept still) the picture's size.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum KeepStill {
    #[default]
    Nothing,
    Strokes(Vec<crate::render::StillStroke>),
    Image(PathBuf),
}

impl KeepStill {
    /// The mask over a `width` × `height` picture (`None`: nothing kept still).
    fn mask(&self, width: u32, height: u32) -> Result<Option<Arc<StillMask>>, PipelineError> {
        Ok(match self {
            Self::Nothing => None,
            Self::Strokes(s) => StillMask::from_strokes(width, height, s).map(Arc::new),
            Self::Image(path) => Some(Arc::new(
                StillMask::from_image(path, width, height)
                    .map_err(|reason| PipelineError::KeepStill { reason })?,
            )),
        })
    }
}

/// What the pipeline is doing, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stage {
    /// Finding the face in the source image.
    Source,
    /// Tracking the driving clip: frames done, total.
    Analysing(u64, u64),
    /// Listening to the voice recording.
    Listening,
    /// Rendering and encoding: frames done, total.
    Rendering(u64, u64),
}

/// What was made.
#[derive(Clone, Debug)]
pub struct RenderReport {
    pub output: PathBuf,
    pub frames: u64,
    pub duration_s: f64,
    pub width: u32,
    pub height: u32,
    pub audio: Option<AudioFit>,
    /// Driving frames where the face was found, as a fraction (1 with a voice alone).
    pub driving_found: f64,
    /// The driving frame used as the reference expression, seconds (`None` with a voice alone).
    pub reference_s: Option<f64>,
    /// Blinks made (when a voice drives the face).
    pub blinks: usize,
    /// Content Credentials were signed into the file.
    pub signed: bool,
    pub notes: Vec<Note>,
}

/// A source picture: an image file, or `VIDEO@SECONDS` for the frame of a video shown then.
pub fn load_source(path: &Path) -> Result<RgbImage, PipelineError> {
    if let Some((file, t)) = crate::media::video_frame_name(path) {
        let mut v = crate::media::VideoSource::open(&file)?;
        let duration = v.info().duration_s;
        if !(0.0..duration).contains(&t) {
            return Err(PipelineError::PastTheEnd {
                path: file,
                what: "the portrait's frame",
                time: t,
                duration,
            });
        }
        return Ok(v.frame_at(t)?.image);
    }
    Ok(load_image(path)?.rgb8())
}

/// The largest face of a portrait.
pub fn source_face(
    analyzer: &Analyzer,
    path: &Path,
) -> Result<(RgbImage, Face68, usize), PipelineError> {
    let img = load_source(path)?;
    let faces = analyzer.analyze(&img)?;
    let face = faces
        .first()
        .ok_or_else(|| PipelineError::NoSourceFace(path.to_path_buf()))?;
    Ok((img, face.landmarks68, faces.len()))
}

/// A render job made ready to draw any of its frames: what drives the portrait, and the engine
/// prepared from its sources. Export draws every frame in order; the studio's preview draws
/// whichever frame the playhead is on.
pub struct Animation {
    kind: Arc<dyn EngineKind>,
    engine: Box<dyn Engine>,
    plan: Performance,
    size: (u32, u32),
    fit: Fit,
    /// Where the crop sits, moved from the face-centred place, and how far it zooms in.
    crop_shift: [f32; 2],
    crop_zoom: f32,
    pub notes: Vec<Note>,
}

impl Animation {
    /// Find (or take the given) source faces, analyse the driving clip or listen to the voice,
    /// and prepare the engine the job asks for.
    pub fn prepare(
        analyzer: &Analyzer,
        job: &RenderJob,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Stage) + Sync),
    ) -> Result<Self, PipelineError> {
        let mut notes = Vec::new();
        let sources = job_sources(analyzer, job, progress, &mut notes)?;
        let kind = job_kind(job, &mut notes)?;
        Self::prepare_kind(analyzer, job, sources, kind, notes, cancel, progress)
    }

    /// The animation of `kind`'s engine, its sources found.
    fn prepare_kind(
        analyzer: &Analyzer,
        job: &RenderJob,
        sources: Vec<SourceFace>,
        kind: Arc<dyn EngineKind>,
        mut notes: Vec<Note>,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Stage) + Sync),
    ) -> Result<Self, PipelineError> {
        let plan = match &job.driving {
            Some(driving) => {
                let motion = Arc::new(track(analyzer, job, driving, cancel, progress, &mut notes)?);
                // An engine may read the clip its own way as well.
                let own =
                    engine_track(&*kind, job, driving, &motion, cancel, progress, &mut notes)?;
                clip_performance(job, driving, motion, own, &mut notes)?
            }
            None => {
                progress(Stage::Listening);
                voice_performance(job, &sources[0].landmarks68, &mut notes)?
            }
        };
        Self::assemble(job, sources, plan, kind, notes)
    }

    /// A job for a slow engine (`EngineKind::slow`, the neural one) made ready in two steps,
    /// as the studio's preview shows it: first the warp engine's animation of the same
    /// performance (ready once the clip is tracked, its frames drawn in milliseconds), and a
    /// [`FinalStage`] that makes the job's own from the same analysis (the engine's reading of
    /// the clip, the portraits' features) when run. Any other engine: its animation, and no
    /// second step.
    pub fn prepare_staged(
        analyzer: &Analyzer,
        job: &RenderJob,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Stage) + Sync),
    ) -> Result<(Self, Option<FinalStage>), PipelineError> {
        let mut notes = Vec::new();
        let sources = job_sources(analyzer, job, progress, &mut notes)?;
        let kind = job_kind(job, &mut notes)?;
        if !kind.slow() {
            let animation =
                Self::prepare_kind(analyzer, job, sources, kind, notes, cancel, progress)?;
            return Ok((animation, None));
        }
        let (plan, performance) = match &job.driving {
            Some(driving) => {
                let motion = Arc::new(track(analyzer, job, driving, cancel, progress, &mut notes)?);
                let plan = clip_performance(job, driving, motion.clone(), None, &mut notes)?;
                (
                    plan,
                    Staged::Clip {
                        driving: driving.clone(),
                        motion,
                    },
                )
            }
            None => {
                progress(Stage::Listening);
                let plan = voice_performance(job, &sources[0].landmarks68, &mut notes)?;
                (plan.clone(), Staged::Voice(Box::new(plan)))
            }
        };
        // The stand-in draws on the CPU: its frames take milliseconds there.
        // It reads no more of the clip than the points (the slow engine's reading is its own).
        let warp = Arc::new(WarpKind {
            backend: Backend::Cpu,
            clip_mouth: false,
            voice_mouth: false,
            eye_fill: true,
            details: 0.0,
        });
        let animation = Self::assemble(job, sources.clone(), plan, warp, notes)?;
        Ok((
            animation,
            Some(FinalStage {
                job: job.clone(),
                sources,
                kind,
                performance,
            }),
        ))
    }

    /// `kind`'s engine prepared from `sources`, driven by `plan`.
    fn assemble(
        job: &RenderJob,
        sources: Vec<SourceFace>,
        plan: Performance,
        kind: Arc<dyn EngineKind>,
        mut notes: Vec<Note>,
    ) -> Result<Self, PipelineError> {
        let Some(first) = sources.first() else {
            return Err(PipelineError::NoSourceFace(PathBuf::from(
                "(no source given)",
            )));
        };
        let (sw, sh) = first.image.dimensions();
        let transfer = Transfer {
            mode: plan.mode,
            strengths: job.settings.strengths,
            reference: Some(plan.reference),
            reference_track: plan.reference_track.clone(),
        };
        let engine = crate::render::prepare(sources, &transfer, &*kind)?;
        let size = job.settings.size.size(sw, sh).unwrap_or((sw, sh));
        if job.settings.fit != Fit::Stretch
            && !job.preview
            && ((sw as f64 * size.1 as f64) / (sh as f64 * size.0 as f64) - 1.0).abs() >= 1e-3
        {
            notes.push(
                format!(
                    "the portrait is {sw}×{sh} and the output {}×{}: {}",
                    size.0,
                    size.1,
                    job.settings.fit.describe()
                )
                .into(),
            );
        }
        Ok(Self {
            kind,
            engine,
            plan,
            size,
            fit: job.settings.fit,
            crop_shift: job.settings.crop_shift.map(|v| {
                if v.is_finite() {
                    v.clamp(-1.0, 1.0)
                } else {
                    0.0
                }
            }),
            crop_zoom: job.settings.crop_zoom,
            notes,
        })
    }

    /// Frames in the job's range.
    pub fn frames(&self) -> u64 {
        self.plan.count
    }

    /// Output frame rate.
    pub fn fps(&self) -> (i32, i32) {
        self.plan.fps
    }

    /// Output size.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// The driving face at output frame `k`, in the driving clip's pixels (with a voice alone,
    /// in the first source's).
    pub fn driving_face(&self, k: u64) -> Result<Face68, PipelineError> {
        Ok(self.drive(k)?.face)
    }

    /// What drives output frame `k`.
    fn drive(&self, k: u64) -> Result<Drive, PipelineError> {
        (self.plan.drive)(k.min(self.plan.count.saturating_sub(1)))
    }

    /// The driving clip's time that output frame `k` follows (its frame shown then), `None`
    /// with a voice alone. Output frames follow presentation times, so this is not `k / fps`
    /// when the output rate differs from the clip's or the clip's rate varies.
    pub fn driving_time(&self, k: u64) -> Option<f64> {
        let last = self.plan.driving_times.len().checked_sub(1)?;
        self.plan.driving_times.get((k as usize).min(last)).copied()
    }

    /// Output frame `k`, at the output size.
    pub fn frame(&mut self, k: u64) -> Result<RgbImage, PipelineError> {
        Ok(self.frame_and_source(k)?.0)
    }

    /// Output frame `k`, and which source the engine animated for it (few-shot).
    pub fn frame_and_source(&mut self, k: u64) -> Result<(RgbImage, usize), PipelineError> {
        self.frame_and_source_until(k, &Stop::never())
    }

    /// Output frame `k` and its source, stopping part way with `PipelineError::Cancelled`
    /// once `stop` says so (the neural engine asks between its networks' blocks).
    pub fn frame_and_source_until(
        &mut self,
        k: u64,
        stop: &Stop,
    ) -> Result<(RgbImage, usize), PipelineError> {
        let drive = self.drive(k)?;
        let drawn = match self.engine.render_until(&drive, stop) {
            Err(RenderError::Cancelled) => return Err(PipelineError::Cancelled),
            other => other?,
        };
        // Output size, or another source of another size fitted to the first one's.
        let (fw, fh) = drawn.image.dimensions();
        let c = self.engine.source_face(drawn.source).centre();
        let centre = (
            c[0] / fw as f32 + self.crop_shift[0],
            c[1] / fh as f32 + self.crop_shift[1],
        );
        Ok((
            fit_frame(drawn.image, self.size, self.fit, centre, self.crop_zoom),
            drawn.source,
        ))
    }

    /// The engine drawing the frames ("warp").
    pub fn engine_name(&self) -> &'static str {
        self.kind.name()
    }

    /// The kind of engine drawing the frames.
    pub fn kind(&self) -> &Arc<dyn EngineKind> {
        &self.kind
    }
}

/// The job's source pictures with their faces: the landmarks given, or the largest face found.
fn job_sources(
    analyzer: &Analyzer,
    job: &RenderJob,
    progress: &(dyn Fn(Stage) + Sync),
    notes: &mut Vec<Note>,
) -> Result<Vec<SourceFace>, PipelineError> {
    progress(Stage::Source);
    if job.sources.len() > MAX_SOURCES {
        return Err(PipelineError::TooManySources {
            given: job.sources.len(),
        });
    }
    let mut sources = Vec::with_capacity(job.sources.len());
    for (i, path) in job.sources.iter().enumerate() {
        let (image, landmarks68) = match job.landmarks.get(i).copied().flatten() {
            Some(lm) => (load_source(path)?, lm),
            _ => {
                let (image, landmarks, faces) = source_face(analyzer, path)?;
                if faces > 1 {
                    notes.push(Note::about(
                        &format!("{{}}: {faces} faces; animating the largest"),
                        &[path],
                    ));
                }
                (image, landmarks)
            }
        };
        let keep_still = job
            .keep_still
            .get(i)
            .map(|k| k.mask(image.width(), image.height()))
            .transpose()?
            .flatten();
        sources.push(SourceFace {
            image,
            landmarks68,
            keep_still,
        });
    }
    if sources.is_empty() {
        return Err(PipelineError::NoSourceFace(PathBuf::from(
            "(no source given)",
        )));
    }
    Ok(sources)
}

/// The job's engine kind: the caller's, else the one its settings make (resources loaded).
fn job_kind(job: &RenderJob, notes: &mut Vec<Note>) -> Result<Arc<dyn EngineKind>, PipelineError> {
    if let Some(kind) = &job.kind {
        return Ok(kind.clone());
    }
    let (kind, more) = job.settings.engine.kind()?;
    notes.extend(more.into_iter().map(Note::from));
    Ok(kind)
}

/// The driving clip tracked (or read from the cache).
fn track(
    analyzer: &Analyzer,
    job: &RenderJob,
    driving: &Path,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
    notes: &mut Vec<Note>,
) -> Result<DrivingMotion, PipelineError> {
    // Asked for and missing: said before the clip is tracked.
    voice_file(job)?;
    let mut tracker = analyzer.clone();
    tracker.options.small_faces = false;
    let (motion, more) = DrivingMotion::analyse(
        &tracker,
        driving,
        &job.motion_settings(),
        job.cache_dir.as_deref(),
        cancel,
        &|done, total| progress(Stage::Analysing(done, total)),
    )
    .map_err(motion_error)?;
    notes.extend(more.into_iter().map(Note::from));
    Ok(motion)
}

/// A motion analysis' error as the pipeline's: a cancel stays a cancel.
fn motion_error(e: MotionError) -> PipelineError {
    match e {
        MotionError::Track(crate::motion::TrackError::Cancelled) => PipelineError::Cancelled,
        other => PipelineError::Motion(other),
    }
}

/// The engine's own reading of the tracked clip (or its cache), when it has one.
fn engine_track(
    kind: &dyn EngineKind,
    job: &RenderJob,
    driving: &Path,
    motion: &DrivingMotion,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
    notes: &mut Vec<Note>,
) -> Result<Option<Arc<dyn ClipTrack>>, PipelineError> {
    let analysed = kind
        .analyse(&ClipInput {
            clip: driving,
            motion,
            smoothing: job.settings.smoothing,
            cache_dir: job.cache_dir.as_deref(),
            cancel,
            progress: &|done, total| progress(Stage::Analysing(done, total)),
        })
        .map_err(motion_error)?;
    Ok(analysed.map(|a| {
        notes.extend(a.notes.into_iter().map(Note::from));
        a.track
    }))
}

/// The second step of [`Animation::prepare_staged`]: what a slow engine still needs once the
/// warp engine's animation of the same job is drawing. Sent to another thread and run there,
/// it makes the job's own animation without analysing the clip again.
pub struct FinalStage {
    job: RenderJob,
    sources: Vec<SourceFace>,
    kind: Arc<dyn EngineKind>,
    performance: Staged,
}

/// What the warp animation's performance leaves the final one to do.
enum Staged {
    /// The tracked clip, to be read by the engine its own way.
    Clip {
        driving: PathBuf,
        motion: Arc<DrivingMotion>,
    },
    /// A voice's performance: the same for both engines.
    Voice(Box<Performance>),
}

impl FinalStage {
    /// The kind of engine its frames are drawn by.
    pub fn kind(&self) -> &Arc<dyn EngineKind> {
        &self.kind
    }

    /// The job's own animation: the engine's reading of the clip (or its cache), the
    /// portraits prepared, the engine. Its frames match the warp animation's one for one.
    pub fn prepare(
        self,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Stage) + Sync),
    ) -> Result<Animation, PipelineError> {
        let mut notes = Vec::new();
        let plan = match self.performance {
            Staged::Clip { driving, motion } => {
                let own = engine_track(
                    &*self.kind,
                    &self.job,
                    &driving,
                    &motion,
                    cancel,
                    progress,
                    &mut notes,
                )?;
                // The warp animation's notes said the rest already.
                clip_performance(&self.job, &driving, motion, own, &mut Vec::new())?
            }
            Staged::Voice(plan) => *plan,
        };
        if cancel.load(Ordering::Relaxed) {
            return Err(PipelineError::Cancelled);
        }
        Animation::assemble(&self.job, self.sources, plan, self.kind, notes)
    }
}
