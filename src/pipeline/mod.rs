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

pub mod settings;

pub use self::settings::{DeviceChoice, Fit, OutputSize, RenderSettings};
pub use crate::render::{Backend, EngineChoice};

use crate::export::credentials::{Credentials, Ingredient, Provenance, Signer, SourceType};
use crate::export::{AudioFit, ExportError, Mp4Settings, Mp4Writer};
use crate::face::{Analyzer, AnalyzerError};
use crate::geometry::Face68;
use crate::media::{
    AudioFormat, AudioSource, ImageLoadError, MediaError, SampleSource, load_image,
};
use crate::motion::neural::NeuralMotion;
use crate::motion::speech::{SpeechCurves, SpeechSettings};
use crate::motion::voice::VoiceMotion;
use crate::motion::{DrivingMotion, Mode, MotionError, MotionSettings, most_neutral};
use crate::neural::{KpInfo, LivePortrait, NeuralError, Stop};
use crate::render::{
    CustomEngine, Drive, Engine, EngineOptions, FaceControls, RenderError, SourceFace, Transfer,
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

/// `frame` at `size`, fitted by `fit`; `centre` is the face's centre as a fraction of the
/// frame's width and height (the crop keeps it in view).
pub fn fit_frame(frame: RgbImage, size: (u32, u32), fit: Fit, centre: (f32, f32)) -> RgbImage {
    use image::imageops::{FilterType, crop_imm, overlay, resize};
    let (w, h) = size;
    let (sw, sh) = frame.dimensions();
    if (sw, sh) == (w, h) {
        return frame;
    }
    let filter = FilterType::CatmullRom;
    let (sa, da) = (sw as f64 / sh as f64, w as f64 / h as f64);
    match fit {
        _ if (sa / da - 1.0).abs() < 1e-3 => resize(&frame, w, h, filter),
        Fit::Stretch => resize(&frame, w, h, filter),
        Fit::Crop => {
            let (cw, ch) = if sa > da {
                (((sh as f64 * da).round() as u32).clamp(1, sw), sh)
            } else {
                (sw, ((sw as f64 / da).round() as u32).clamp(1, sh))
            };
            let x = (centre.0 as f64 * sw as f64 - cw as f64 / 2.0)
                .clamp(0.0, (sw - cw) as f64)
                .round() as u32;
            let y = (centre.1 as f64 * sh as f64 - ch as f64 / 2.0)
                .clamp(0.0, (sh - ch) as f64)
                .round() as u32;
            resize(&crop_imm(&frame, x, y, cw, ch).to_image(), w, h, filter)
        }
        Fit::Pad => {
            let scale = (w as f64 / sw as f64).min(h as f64 / sh as f64);
            let iw = ((sw as f64 * scale).round() as u32).clamp(1, w);
            let ih = ((sh as f64 * scale).round() as u32).clamp(1, h);
            let inner = resize(&frame, iw, ih, filter);
            let mut out = RgbImage::new(w, h);
            overlay(
                &mut out,
                &inner,
                ((w - iw) / 2) as i64,
                ((h - ih) / 2) as i64,
            );
            out
        }
    }
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
    /// The driving clip; `None` = the voice in `sound` (a `Soundtrack::File`) drives.
    pub driving: Option<PathBuf>,
    pub output: PathBuf,
    pub sound: Soundtrack,
    pub settings: RenderSettings,
    pub speech: SpeechSettings,
    /// Where analyses of driving clips are kept (`None` = not cached).
    pub cache_dir: Option<PathBuf>,
    /// The neural engine's networks, when the front end has loaded them (else they are loaded
    /// from `settings.weights` onto the CPU).
    pub networks: Option<Arc<LivePortrait>>,
    /// An engine made by the caller instead of `settings.engine` (tests' stand-ins).
    pub custom_engine: Option<CustomEngine>,
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
            driving: Some(driving),
            output,
            sound: Soundtrack::Driving,
            settings: RenderSettings::default(),
            speech: SpeechSettings::default(),
            cache_dir: crate::motion::cache::default_dir(),
            networks: None,
            custom_engine: None,
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
        MotionSettings {
            smoothing: if self.settings.smoothing {
                MotionSettings::default().smoothing
            } else {
                None
            },
            ..MotionSettings::default()
        }
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

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Image(#[from] ImageLoadError),
    #[error("{0}: no face found in the source image (try a larger or more frontal portrait)")]
    NoSourceFace(PathBuf),
    #[error(transparent)]
    Analysis(#[from] AnalyzerError),
    #[error(transparent)]
    Motion(#[from] MotionError),
    #[error("the driving clip's motion analysis could not be read back: {0}")]
    MotionFile(#[source] std::io::Error),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("nothing drives the portrait: give a driving clip, or a voice recording with --audio")]
    NoDriver,
    #[error("--lips-from-audio needs a voice recording (--audio FILE)")]
    NoVoice,
    #[error(
        "Content Credentials need a folder for their signing key and none is known (no HOME): \
         set VIVANT_CONFIG_DIR, give --signing-cert and --signing-key, or opt out with \
         --no-credentials"
    )]
    NoSigner,
    #[error(
        "{path}: {seconds:.3} s of sound in the rendered range, less than one frame; nothing to render"
    )]
    VoiceTooShort { path: PathBuf, seconds: f64 },
    #[error("{driving}: nothing to render between {start:.3} s and {end:.3} s")]
    EmptyRange {
        driving: PathBuf,
        start: f64,
        end: f64,
    },
    #[error(
        "{path}: {what} at {time:.2} s is past the end ({duration:.2} s); use a time within it"
    )]
    PastTheEnd {
        path: PathBuf,
        what: &'static str,
        time: f64,
        duration: f64,
    },
    #[error(
        "{path}: the face is seen in {frames} frame(s); this needs at least {need} (the portraits and a frame to compare)"
    )]
    TooFewFrames {
        path: PathBuf,
        frames: usize,
        need: usize,
    },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Neural(#[from] NeuralError),
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    #[error("cancelled")]
    Cancelled,
    #[error("internal error: the {0} stopped unexpectedly")]
    Panicked(String),
}

/// What sort of failure a `PipelineError` is, for the front ends that act on it: the studio's
/// wording and colour, the command line's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Stopped on request (Cancel, Ctrl-C, a signal); nothing was written.
    Cancelled,
    /// The disk ran out of space while writing.
    DiskFull,
    /// The output's folder does not take files.
    NotWritable,
    /// The driving clip shows no face the tracker can follow.
    NoDrivingFace,
    /// An input or setting that the user can change (a file, a range, a size).
    Input,
    /// Vivant's or the machine's fault (a network, the GPU, a bug).
    Internal,
}

impl PipelineError {
    pub fn failure(&self) -> Failure {
        use crate::motion::TrackError;
        match self {
            Self::Cancelled
            | Self::Render(RenderError::Cancelled)
            | Self::Neural(NeuralError::Cancelled)
            | Self::Export(ExportError::Cancelled)
            | Self::Motion(MotionError::Track(TrackError::Cancelled)) => Failure::Cancelled,
            Self::Export(e) if e.is_disk_full() => Failure::DiskFull,
            Self::Export(e) if e.is_not_writable() => Failure::NotWritable,
            Self::Motion(MotionError::NoFace { .. }) => Failure::NoDrivingFace,
            Self::Motion(MotionError::Track(TrackError::Io(e))) | Self::MotionFile(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
                ) =>
            {
                Failure::DiskFull
            }
            Self::Motion(MotionError::Track(TrackError::Io(_))) | Self::MotionFile(_) => {
                Failure::Internal
            }
            Self::Analysis(_)
            | Self::Motion(MotionError::Track(TrackError::Analysis(_)))
            | Self::Motion(MotionError::Neural(_))
            | Self::Neural(NeuralError::Net(_))
            | Self::Render(_)
            | Self::Panicked(_)
            | Self::Export(ExportError::Encode { .. }) => Failure::Internal,
            _ => Failure::Input,
        }
    }
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
    pub notes: Vec<String>,
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

/// What drives the portrait, prepared: per output frame, a face (68 points in the driving
/// face's coordinates) that the engine carries onto the sources. Cloned, it is shared (the
/// studio's warp and neural animations of one job drive from one).
#[derive(Clone)]
struct Performance {
    count: u64,
    fps: (i32, i32),
    /// The driving face at rest, matching the sources' expression.
    reference: Face68,
    mode: Mode,
    drive: Arc<dyn Fn(u64) -> Result<Drive, PipelineError> + Send + Sync>,
    /// The reference frame's neural motion (when the engine reads neural motion).
    reference_motion: Option<KpInfo>,
    /// The sound, opened anew for each export (an animation can be exported again).
    audio: Option<SoundRange>,
    driving_found: f64,
    reference_s: Option<f64>,
    blinks: usize,
    /// What drove it, for the file's comment.
    credit: String,
    /// Per output frame, the time of the driving frame it follows (empty with a voice alone).
    driving_times: Vec<f64>,
}

/// A stretch of a sound file: `start_s` .. `end_s` (`None` = to its end).
#[derive(Clone)]
struct SoundRange {
    path: PathBuf,
    start_s: f64,
    end_s: Option<f64>,
}

impl SoundRange {
    fn open(&self) -> Result<Box<dyn SampleSource + Send>, PipelineError> {
        let mut a = AudioSource::open(&self.path, AudioFormat::new(48000, 2))?;
        if self.start_s > 0.0 || self.end_s.is_some() {
            a.set_range(self.start_s, self.end_s)?;
        }
        Ok(Box::new(a))
    }
}

/// A render job made ready to draw any of its frames: what drives the portrait, and the engine
/// prepared from its sources. Export draws every frame in order; the studio's preview draws
/// whichever frame the playhead is on.
pub struct Animation {
    engine: Box<dyn Engine>,
    plan: Performance,
    size: (u32, u32),
    fit: Fit,
    pub notes: Vec<String>,
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
        let networks = job_networks(job, &mut notes)?;
        let plan = match &job.driving {
            Some(driving) => {
                let motion = Arc::new(track(analyzer, job, driving, cancel, progress, &mut notes)?);
                // The neural engine reads the clip's motion with its own network as well.
                let neural = match networks.as_deref() {
                    Some(n) => Some(neural_motion(
                        n, job, driving, &motion, cancel, progress, &mut notes,
                    )?),
                    None => None,
                };
                clip_performance(job, driving, motion, neural, &mut notes)?
            }
            None => {
                progress(Stage::Listening);
                voice_performance(job, &sources[0].landmarks68, &mut notes)?
            }
        };
        let options = EngineOptions {
            engine: job.settings.engine,
            backend: job.settings.backend,
            networks,
            custom: job.custom_engine.clone(),
        };
        Self::assemble(job, sources, plan, &options, notes)
    }

    /// A job for the neural engine made ready in two steps, as the studio's preview shows it:
    /// first the warp engine's animation of the same performance (ready once the clip is
    /// tracked, its frames drawn in milliseconds), and a [`NeuralStage`] that makes the neural
    /// one from the same analysis (the clip's neural motion, the portraits' features) when run.
    /// Any other engine: its animation, and no second step.
    pub fn prepare_staged(
        analyzer: &Analyzer,
        job: &RenderJob,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Stage) + Sync),
    ) -> Result<(Self, Option<NeuralStage>), PipelineError> {
        if !job.settings.engine.needs_neural_motion() || job.custom_engine.is_some() {
            return Ok((Self::prepare(analyzer, job, cancel, progress)?, None));
        }
        let mut notes = Vec::new();
        let sources = job_sources(analyzer, job, progress, &mut notes)?;
        let networks = job_networks(job, &mut notes)?.ok_or(RenderError::NoWeights)?;
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
        let warp = EngineOptions {
            engine: EngineChoice::Warp,
            backend: job.settings.backend,
            networks: None,
            custom: None,
        };
        let animation = Self::assemble(job, sources.clone(), plan, &warp, notes)?;
        Ok((
            animation,
            Some(NeuralStage {
                job: job.clone(),
                sources,
                networks,
                performance,
            }),
        ))
    }

    /// The engine `options` says prepared from `sources`, driven by `plan`.
    fn assemble(
        job: &RenderJob,
        sources: Vec<SourceFace>,
        plan: Performance,
        options: &EngineOptions,
        mut notes: Vec<String>,
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
            reference_motion: plan.reference_motion.clone(),
        };
        let engine = crate::render::prepare(sources, &transfer, options)?;
        let size = job.settings.size.size(sw, sh).unwrap_or((sw, sh));
        if job.settings.fit != Fit::Stretch
            && !job.preview
            && ((sw as f64 * size.1 as f64) / (sh as f64 * size.0 as f64) - 1.0).abs() >= 1e-3
        {
            notes.push(format!(
                "the portrait is {sw}×{sh} and the output {}×{}: {}",
                size.0,
                size.1,
                job.settings.fit.describe()
            ));
        }
        Ok(Self {
            engine,
            plan,
            size,
            fit: job.settings.fit,
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
        let centre = (c[0] / fw as f32, c[1] / fh as f32);
        Ok((
            fit_frame(drawn.image, self.size, self.fit, centre),
            drawn.source,
        ))
    }

    /// The engine drawing the frames ("warp").
    pub fn engine_name(&self) -> &'static str {
        self.engine.name()
    }
}

/// The neural engine's networks from the weights folder `dir` on the device chosen, with the
/// note to give when `auto` ended on the CPU (one line: why).
/// Without a folder, the error says which files are needed and where they come from; a device
/// asked for by name that is not here is an error that says why.
pub fn load_networks(
    dir: Option<&Path>,
    device: DeviceChoice,
) -> Result<(LivePortrait, Option<String>), PipelineError> {
    let dir = dir.ok_or(PipelineError::Render(RenderError::NoWeights))?;
    let opened = device.open()?;
    let networks = LivePortrait::load(dir, &opened.device)?;
    Ok((networks, opened.note))
}

/// Run a render job.
pub fn render(
    analyzer: &Analyzer,
    job: &RenderJob,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<RenderReport, PipelineError> {
    let mut animation = Animation::prepare(analyzer, job, cancel, progress)?;
    export(&mut animation, job, cancel, progress)
}

/// Encode a prepared animation's frames, with its sound, to `job.output` (written to a
/// temporary file and renamed when complete).
pub fn export(
    animation: &mut Animation,
    job: &RenderJob,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<RenderReport, PipelineError> {
    let count = animation.plan.count;
    let (w, h) = animation.size;
    let mut settings = Mp4Settings::new(w, h, animation.plan.fps);
    settings.crf = job.settings.crf;
    settings.preset = job.settings.preset.clone();
    settings.comment = Some(format!(
        "Vivant {}: {} driven by {} ({} engine)",
        crate::VERSION,
        job.sources
            .iter()
            .map(|p| file_name(p))
            .collect::<Vec<_>>()
            .join(", "),
        animation.plan.credit,
        animation.engine.name()
    ));
    settings.credentials = credentials(job, animation.engine.name())?;
    if settings.credentials.is_none() {
        animation.notes.push(
            "Content Credentials are off: nothing in this video says that Vivant made it".into(),
        );
    }
    let audio = animation
        .plan
        .audio
        .as_ref()
        .map(SoundRange::open)
        .transpose()?;
    let mut writer = Mp4Writer::create(&job.output, settings, audio)?;
    let watermark = job.settings.watermark;
    writer.set_total_frames(count);
    // Render and encode overlap: a worker renders the next frames while this thread encodes,
    // with at most two frames in between, so memory stays flat.
    let (tx, rx) = std::sync::mpsc::sync_channel::<RgbImage>(2);
    let produced = std::thread::scope(|s| {
        let animation = &mut *animation;
        let worker = s.spawn(move || -> Result<(), PipelineError> {
            // A neural frame takes seconds: a cancel stops it part way.
            let stop = Stop::when(cancel);
            for k in 0..count {
                if cancel.load(Ordering::Relaxed) {
                    return Err(PipelineError::Cancelled);
                }
                let frame = animation.frame_and_source_until(k, &stop)?.0;
                if tx.send(frame).is_err() {
                    // The encoder stopped; its error is the one to report.
                    return Ok(());
                }
            }
            Ok(())
        });
        let mut encoded: Result<(), PipelineError> = Ok(());
        for (k, mut frame) in rx.iter().enumerate() {
            if watermark {
                crate::export::mark::stamp(&mut frame);
            }
            if let Err(e) = writer.write_frame(&frame) {
                encoded = Err(match e {
                    ExportError::Cancelled => PipelineError::Cancelled,
                    other => other.into(),
                });
                break;
            }
            progress(Stage::Rendering(k as u64 + 1, count));
        }
        drop(rx);
        let rendered = worker
            .join()
            .unwrap_or_else(|_| Err(PipelineError::Panicked("render worker".into())));
        encoded.and(rendered)
    });
    produced?;
    let report = writer.finish()?;
    Ok(RenderReport {
        output: report.path,
        frames: report.frames,
        duration_s: report.duration_s,
        width: report.width,
        height: report.height,
        audio: report.audio,
        driving_found: animation.plan.driving_found,
        reference_s: animation.plan.reference_s,
        blinks: animation.plan.blinks,
        signed: report.signed,
        notes: animation.notes.clone(),
    })
}

/// The recording the lips follow over a clip (`lips_from_audio`), if asked for.
fn voice_file(job: &RenderJob) -> Result<Option<PathBuf>, PipelineError> {
    match (&job.sound, job.settings.lips_from_audio) {
        (Soundtrack::File(p), true) => Ok(Some(p.clone())),
        (_, true) => Err(PipelineError::NoVoice),
        _ => Ok(None),
    }
}

/// The job's source pictures with their faces: the landmarks given, or the largest face found.
fn job_sources(
    analyzer: &Analyzer,
    job: &RenderJob,
    progress: &(dyn Fn(Stage) + Sync),
    notes: &mut Vec<String>,
) -> Result<Vec<SourceFace>, PipelineError> {
    progress(Stage::Source);
    let mut sources = Vec::with_capacity(job.sources.len());
    for (i, path) in job.sources.iter().enumerate() {
        let (image, landmarks68) = match job.landmarks.get(i).copied().flatten() {
            Some(lm) => (load_source(path)?, lm),
            _ => {
                let (image, landmarks, faces) = source_face(analyzer, path)?;
                if faces > 1 {
                    notes.push(format!(
                        "{}: {faces} faces; animating the largest",
                        path.display()
                    ));
                }
                (image, landmarks)
            }
        };
        sources.push(SourceFace { image, landmarks68 });
    }
    if sources.is_empty() {
        return Err(PipelineError::NoSourceFace(PathBuf::from(
            "(no source given)",
        )));
    }
    Ok(sources)
}

/// The neural engine's networks when the job's engine needs them: the front end's, else
/// loaded from the settings' weights folder.
fn job_networks(
    job: &RenderJob,
    notes: &mut Vec<String>,
) -> Result<Option<Arc<LivePortrait>>, PipelineError> {
    Ok(
        match (job.settings.engine.needs_neural_motion(), &job.networks) {
            (false, _) => None,
            (true, Some(n)) => Some(n.clone()),
            (true, None) => {
                let (networks, note) =
                    load_networks(job.settings.weights.as_deref(), job.settings.device)?;
                notes.extend(note);
                Some(Arc::new(networks))
            }
        },
    )
}

/// The driving clip tracked (or read from the cache).
fn track(
    analyzer: &Analyzer,
    job: &RenderJob,
    driving: &Path,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
    notes: &mut Vec<String>,
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
    notes.extend(more);
    Ok(motion)
}

/// A motion analysis' error as the pipeline's: a cancel stays a cancel.
fn motion_error(e: MotionError) -> PipelineError {
    match e {
        MotionError::Track(crate::motion::TrackError::Cancelled) => PipelineError::Cancelled,
        other => PipelineError::Motion(other),
    }
}

/// The tracked clip read by the neural engine's motion extractor (or from its cache).
fn neural_motion(
    networks: &LivePortrait,
    job: &RenderJob,
    driving: &Path,
    motion: &DrivingMotion,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
    notes: &mut Vec<String>,
) -> Result<NeuralMotion, PipelineError> {
    let (m, more) = NeuralMotion::analyse(
        networks,
        driving,
        motion,
        job.settings.smoothing,
        job.cache_dir.as_deref(),
        cancel,
        &|done, total| progress(Stage::Analysing(done, total)),
    )
    .map_err(motion_error)?;
    notes.extend(more);
    Ok(m)
}

/// The second step of [`Animation::prepare_staged`]: what the neural engine still needs
/// once the warp engine's animation of the same job is drawing. Sent to another thread and
/// run there, it makes the neural animation without analysing the clip again.
pub struct NeuralStage {
    job: RenderJob,
    sources: Vec<SourceFace>,
    networks: Arc<LivePortrait>,
    performance: Staged,
}

/// What the warp animation's performance leaves the neural one to do.
enum Staged {
    /// The tracked clip, to be read by the motion extractor.
    Clip {
        driving: PathBuf,
        motion: Arc<DrivingMotion>,
    },
    /// A voice's performance: the same for both engines.
    Voice(Box<Performance>),
}

impl NeuralStage {
    /// The networks its frames run through.
    pub fn networks(&self) -> &Arc<LivePortrait> {
        &self.networks
    }

    /// The neural animation: the clip's neural motion (or its cache), the portraits' features
    /// (F and M), the engine. Its frames match the warp animation's one for one.
    pub fn prepare(
        self,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Stage) + Sync),
    ) -> Result<Animation, PipelineError> {
        let mut notes = Vec::new();
        let plan = match self.performance {
            Staged::Clip { driving, motion } => {
                let neural = neural_motion(
                    &self.networks,
                    &self.job,
                    &driving,
                    &motion,
                    cancel,
                    progress,
                    &mut notes,
                )?;
                // The warp animation's notes said the rest already.
                clip_performance(&self.job, &driving, motion, Some(neural), &mut Vec::new())?
            }
            Staged::Voice(plan) => *plan,
        };
        if cancel.load(Ordering::Relaxed) {
            return Err(PipelineError::Cancelled);
        }
        let options = EngineOptions {
            engine: self.job.settings.engine,
            backend: self.job.settings.backend,
            networks: Some(self.networks),
            custom: None,
        };
        Animation::assemble(&self.job, self.sources, plan, &options, notes)
    }
}

/// A driving clip's motion (analysed or from the cache), in the job's range; with
/// `lips_from_audio`, the lips from the voice instead.
fn clip_performance(
    job: &RenderJob,
    driving: &Path,
    motion: Arc<DrivingMotion>,
    neural: Option<NeuralMotion>,
    notes: &mut Vec<String>,
) -> Result<Performance, PipelineError> {
    let voice_file = voice_file(job)?;
    // The clip's frame duration, to end the range after its last frame.
    let (rn, rd) = motion.frame_rate;
    let frame_dur = if rn > 0 && rd > 0 {
        rd as f64 / rn as f64
    } else {
        0.04
    };
    let clip_end = motion.times.last().map_or(0.0, |&t| t + frame_dur);
    for (what, t) in [
        ("the reference frame", job.settings.reference_s),
        ("the range's start", job.settings.start_s),
    ] {
        if let Some(t) = t
            && !(0.0..clip_end).contains(&t)
        {
            return Err(PipelineError::PastTheEnd {
                path: driving.to_path_buf(),
                what,
                time: t,
                duration: clip_end,
            });
        }
    }
    // The driving frames in range.
    let start = job.settings.start_s.unwrap_or(f64::NEG_INFINITY);
    let end = job.settings.end_s.unwrap_or(f64::INFINITY);
    let in_range: Vec<usize> = (0..motion.times.len())
        .filter(|&i| motion.times[i] >= start - 1e-9 && motion.times[i] < end - 1e-9)
        .collect();
    let (Some(&first), Some(&last)) = (in_range.first(), in_range.last()) else {
        return Err(PipelineError::EmptyRange {
            driving: driving.to_path_buf(),
            start: start.max(0.0),
            end: end.min(clip_end),
        });
    };
    let t0 = motion.times[first];
    // The range ends where the frame after it starts, or after the last frame's own duration.
    let last_dur = match (motion.times.get(last + 1), last.checked_sub(1)) {
        (Some(&next), _) => next - motion.times[last],
        (None, Some(prev)) if prev >= first => motion.times[last] - motion.times[prev],
        _ => frame_dur,
    };
    let t1 = job.settings.end_s.unwrap_or(motion.times[last] + last_dur);
    let reference = match job.settings.reference_s {
        Some(t) => motion
            .times
            .partition_point(|&s| s <= t + 1e-9)
            .saturating_sub(1),
        None => {
            // Read frame by frame from the analysis file: a long clip is never held whole.
            let mut failed = None;
            let faces = in_range.iter().map(|&i| {
                if !motion.states[i].observed() {
                    return None;
                }
                motion.landmarks(i).map_err(|e| failed = Some(e)).ok()
            });
            let k = most_neutral(faces);
            if let Some(e) = failed {
                return Err(PipelineError::MotionFile(e));
            }
            k.map_or(first, |k| in_range[k])
        }
    };
    // Output timing: the driving clip's frames one for one when they are evenly spaced at its
    // rate; otherwise (`--fps`, or a variable-rate clip) resampled by presentation time, so
    // the picture keeps pace with the sound.
    let even = in_range
        .iter()
        .enumerate()
        .all(|(k, &i)| (motion.times[i] - (t0 + k as f64 * frame_dur)).abs() < 0.5 * frame_dur);
    let fps = match job.settings.frame_rate() {
        Some(f) => f,
        None if even => motion.frame_rate,
        // Variable: the clip's fastest rate, so that no frame of its quick parts is lost.
        None => steady_rate(
            in_range
                .windows(2)
                .map(|w| motion.times[w[1]] - motion.times[w[0]]),
        ),
    };
    let out_dur = fps.1 as f64 / fps.0.max(1) as f64;
    if job.settings.frame_rate().is_none() && !even {
        notes.push(format!(
            "{} has a variable frame rate; output at {:.3} fps following its timestamps (--fps sets another rate)",
            driving.display(),
            1.0 / out_dur
        ));
    }
    let indices: Vec<usize> = if job.settings.frame_rate().is_some() || !even {
        let count = ((t1 - t0) / out_dur).round().max(1.0) as u64;
        (0..count)
            .map(|k| {
                let t = t0 + k as f64 * out_dur;
                motion
                    .times
                    .partition_point(|&s| s <= t + 1e-9)
                    .saturating_sub(1)
                    .clamp(first, last)
            })
            .collect()
    } else {
        in_range.clone()
    };
    let count = indices.len() as u64;
    let driving_times: Vec<f64> = indices.iter().map(|&i| motion.times[i]).collect();
    let audio = match &job.sound {
        Soundtrack::None => None,
        Soundtrack::File(p) => {
            AudioSource::open(p, AudioFormat::new(48000, 2))?;
            Some(SoundRange {
                path: p.clone(),
                start_s: 0.0,
                end_s: None,
            })
        }
        Soundtrack::Driving => match AudioSource::open(driving, AudioFormat::new(48000, 2)) {
            Ok(_) => Some(SoundRange {
                path: driving.to_path_buf(),
                start_s: t0,
                end_s: Some(t1),
            }),
            Err(MediaError::NoAudio { .. }) => {
                notes.push(format!(
                    "{} has no sound; the video is silent",
                    driving.display()
                ));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let voice = match &voice_file {
        Some(p) => {
            let speech = SpeechCurves::analyse(
                p,
                0.0,
                None,
                fps.0 as f64 / fps.1.max(1) as f64,
                &job.speech,
            )?;
            Some(VoiceMotion::new(speech, &job.settings.idle()))
        }
        None => None,
    };
    let reference_lm = motion
        .landmarks(reference)
        .map_err(PipelineError::MotionFile)?;
    let reference_s = motion.times[reference];
    let driving_found = motion.found_fraction();
    let credit = match &voice_file {
        Some(v) => format!("{} with the lips from {}", file_name(driving), file_name(v)),
        None => file_name(driving),
    };
    let rest = reference_lm;
    let reference_motion = neural
        .as_ref()
        .map(|m| m.frame(reference))
        .transpose()
        .map_err(PipelineError::MotionFile)?;
    let drive = move |k: u64| -> Result<Drive, PipelineError> {
        let i = indices[(k as usize).min(indices.len() - 1)];
        let lm = motion.landmarks(i).map_err(PipelineError::MotionFile)?;
        let (face, controls) = match &voice {
            Some(v) => {
                let face = v.lips_on(&lm, &rest, k as usize);
                let lips = FaceControls::ratios(&face)[2];
                let controls = FaceControls {
                    eyes: None,
                    lips,
                    head: [0.0; 3],
                };
                (face, Some(controls))
            }
            None => (lm, None),
        };
        Ok(Drive {
            face,
            motion: neural
                .as_ref()
                .map(|m| m.frame(i))
                .transpose()
                .map_err(PipelineError::MotionFile)?,
            controls,
        })
    };
    Ok(Performance {
        count,
        fps,
        reference: reference_lm,
        mode: job.settings.mode,
        drive: Arc::new(drive),
        reference_motion,
        audio,
        driving_found,
        reference_s: Some(reference_s),
        blinks: 0,
        credit,
        driving_times,
    })
}

/// A voice recording alone: lips from the voice, head, eyes and brows from idle life, on the
/// first source's own face at rest.
fn voice_performance(
    job: &RenderJob,
    neutral: &Face68,
    notes: &mut Vec<String>,
) -> Result<Performance, PipelineError> {
    let Soundtrack::File(path) = &job.sound else {
        return Err(PipelineError::NoDriver);
    };
    if job.settings.lips_from_audio {
        notes.push("--lips-from-audio: no driving clip, so the voice drives the whole face".into());
    }
    if job.settings.mode == Mode::Absolute {
        notes.push("absolute mode needs a driving clip; the voice moves the face relative to its own rest shape".into());
    }
    let fps = job.settings.frame_rate().unwrap_or((25, 1));
    let rate = fps.0 as f64 / fps.1.max(1) as f64;
    let start = job.settings.start_s.unwrap_or(0.0).max(0.0);
    let speech = SpeechCurves::analyse(path, start, job.settings.end_s, rate, &job.speech)?;
    if speech.open.is_empty() {
        return Err(PipelineError::VoiceTooShort {
            path: path.clone(),
            seconds: speech.duration_s,
        });
    }
    if !speech.voiced.iter().any(|&v| v) {
        notes.push(format!(
            "{}: no speech heard; the mouth stays closed",
            path.display()
        ));
    }
    let audio = SoundRange {
        path: path.clone(),
        start_s: start,
        end_s: job.settings.end_s,
    };
    audio.open()?;
    let voice = VoiceMotion::new(speech, &job.settings.idle());
    let count = voice.frames() as u64;
    let blinks = voice.idle.blinks.len();
    let rest = *neutral;
    let drive = move |k: u64| {
        let face = voice.face(&rest, k as usize);
        let [right, left, lips] = FaceControls::ratios(&face);
        let p = voice.idle.pose.get(k as usize).copied().unwrap_or_default();
        Ok(Drive {
            face,
            motion: None,
            // The idle head's turn as real 3-D angles for engines that can turn a head.
            controls: Some(FaceControls {
                eyes: Some((right + left) / 2.0),
                lips,
                head: [p.pitch, p.yaw, p.roll].map(f32::to_degrees),
            }),
        })
    };
    Ok(Performance {
        count,
        fps,
        reference: *neutral,
        mode: Mode::Relative,
        drive: Arc::new(drive),
        reference_motion: None,
        audio: Some(audio),
        driving_found: 1.0,
        reference_s: None,
        blinks,
        credit: format!("the voice in {}", file_name(path)),
        driving_times: Vec::new(),
    })
}

/// An output rate for a variable-rate clip: the standard video rate (23.976 … 60) nearest to
/// its shortest frame interval's that keeps up with it (within 3 %: timestamps in milliseconds
/// round 33.3 ms to 33).
fn steady_rate(intervals: impl Iterator<Item = f64>) -> (i32, i32) {
    const RATES: [(i32, i32); 9] = [
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (48, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
    ];
    let shortest = intervals
        .filter(|d| *d > 1e-4)
        .fold(f64::INFINITY, f64::min);
    let fastest = 1.0 / shortest;
    let rate = |&(n, d): &(i32, i32)| n as f64 / d as f64;
    RATES
        .into_iter()
        .filter(|r| rate(r) >= 0.97 * fastest)
        .min_by(|a, b| {
            (rate(a) - fastest)
                .abs()
                .total_cmp(&(rate(b) - fastest).abs())
        })
        .unwrap_or((60, 1))
}

/// The Content Credentials an export carries (`None` when the user opted out): the IPTC type
/// of the engine's frames, every file the video is made from, the settings that shaped it,
/// and the signer, checked before any frame is drawn.
fn credentials(job: &RenderJob, engine: &str) -> Result<Option<Credentials>, PipelineError> {
    if !job.settings.credentials {
        return Ok(None);
    }
    let signer = job.signer.clone().ok_or(PipelineError::NoSigner)?;
    signer.check().map_err(ExportError::from)?;
    let mut ingredients = Vec::new();
    for source in &job.sources {
        let (path, title) = match crate::media::video_frame_name(source) {
            Some((file, t)) => {
                let title = format!("{} at {t:.2} s", file_name(&file));
                (file, title)
            }
            None => (source.clone(), file_name(source)),
        };
        ingredients.push(Ingredient {
            path,
            role: "portrait",
            title,
        });
    }
    if let Some(d) = &job.driving {
        ingredients.push(Ingredient {
            path: d.clone(),
            role: "driving clip",
            title: file_name(d),
        });
    }
    if let Soundtrack::File(s) = &job.sound {
        ingredients.push(Ingredient {
            path: s.clone(),
            role: "soundtrack",
            title: file_name(s),
        });
    }
    // The same file twice (a portrait taken from the driving clip) is one ingredient.
    let mut seen = std::collections::HashSet::new();
    ingredients.retain(|i| seen.insert((i.path.clone(), i.title.clone())));
    let s = &job.settings;
    let settings = serde_json::json!({
        "engine": engine,
        "mode": s.mode,
        "strengths": s.strengths,
        "smoothing": s.smoothing,
        "reference_s": s.reference_s,
        "start_s": s.start_s,
        "end_s": s.end_s,
        "lips_from_audio": s.lips_from_audio,
        "voice": { "seed": s.seed, "head_motion": s.head_motion, "blinks": s.blinks, "brows": s.brows },
        "size": s.size.label(),
        "fit": s.fit,
        "crf": s.crf,
        "preset": s.preset,
        "watermark": s.watermark,
    });
    Ok(Some(Credentials {
        provenance: Provenance {
            source_type: if engine == "neural" {
                SourceType::TrainedAlgorithmicMedia
            } else {
                SourceType::CompositeWithTrainedAlgorithmicMedia
            },
            ingredients,
            settings,
        },
        signer,
    }))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white disc on grey, `w` × `h`, centred at `(cx, cy)`, radius `r`.
    fn disc(w: u32, h: u32, cx: f32, cy: f32, r: f32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            if d < r {
                image::Rgb([255, 255, 255])
            } else {
                image::Rgb([100, 100, 100])
            }
        })
    }

    /// Width and height of the white region.
    fn extent(img: &RgbImage) -> (u32, u32) {
        let white: Vec<(u32, u32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p[0] > 200)
            .map(|(x, y, _)| (x, y))
            .collect();
        let xs = white.iter().map(|p| p.0);
        let ys = white.iter().map(|p| p.1);
        (
            xs.clone().max().unwrap_or(0) - xs.min().unwrap_or(0) + 1,
            ys.clone().max().unwrap_or(0) - ys.min().unwrap_or(0) + 1,
        )
    }

    #[test]
    fn another_shape_is_cropped_or_padded_never_squashed_unless_asked() {
        // A square picture with the "face" off centre, to a 2:1 output.
        let src = disc(200, 200, 60.0, 140.0, 30.0);
        let centre = (60.0 / 200.0, 140.0 / 200.0);
        let crop = fit_frame(src.clone(), (200, 100), Fit::Crop, centre);
        assert_eq!(crop.dimensions(), (200, 100));
        let (w, h) = extent(&crop);
        assert!((w as i32 - h as i32).abs() <= 2, "crop squashed: {w}×{h}");
        assert!(w >= 58, "the face was cut: {w}×{h}");
        let pad = fit_frame(src.clone(), (200, 100), Fit::Pad, centre);
        let (w, h) = extent(&pad);
        assert!((w as i32 - h as i32).abs() <= 2, "pad squashed: {w}×{h}");
        // Black bars left and right, the picture between.
        assert_eq!(pad.get_pixel(10, 50).0, [0, 0, 0]);
        assert_eq!(pad.get_pixel(190, 50).0, [0, 0, 0]);
        assert_eq!(pad.get_pixel(100, 5).0, [100, 100, 100]);
        let stretch = fit_frame(src, (200, 100), Fit::Stretch, centre);
        let (w, h) = extent(&stretch);
        assert!(w > h + h / 2, "stretch should distort: {w}×{h}");
    }

    #[test]
    fn failures_are_classified_from_their_types() {
        use ffmpeg_next::Error as Ff;
        let write = |errno| {
            PipelineError::Export(ExportError::Write {
                path: "/x/out.mp4".into(),
                source: Ff::Other { errno },
            })
        };
        assert_eq!(
            write(ffmpeg_next::error::ENOSPC).failure(),
            Failure::DiskFull
        );
        assert_eq!(
            write(ffmpeg_next::error::EACCES).failure(),
            Failure::NotWritable
        );
        assert_eq!(write(ffmpeg_next::error::EIO).failure(), Failure::Input);
        let denied = crate::output::OutputError::Io {
            path: "/x/out.mp4".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            PipelineError::Export(ExportError::Output(denied)).failure(),
            Failure::NotWritable
        );
        assert_eq!(PipelineError::Cancelled.failure(), Failure::Cancelled);
        assert_eq!(
            PipelineError::Export(ExportError::Cancelled).failure(),
            Failure::Cancelled
        );
        assert_eq!(
            PipelineError::Motion(MotionError::NoFace {
                path: "clip.mp4".into()
            })
            .failure(),
            Failure::NoDrivingFace
        );
        assert_eq!(
            PipelineError::Panicked("render worker".into()).failure(),
            Failure::Internal
        );
    }

    #[test]
    fn a_variable_rate_clip_gets_a_standard_rate_that_keeps_up() {
        assert_eq!(steady_rate([0.2, 0.04, 0.04].into_iter()), (25, 1));
        assert_eq!(steady_rate([0.1, 0.033].into_iter()), (30, 1));
        assert_eq!(steady_rate([0.0417].into_iter()), (24000, 1001));
        assert_eq!(steady_rate([1001.0 / 30000.0].into_iter()), (30000, 1001));
        assert_eq!(steady_rate([0.2].into_iter()), (24000, 1001));
        assert_eq!(steady_rate([0.005].into_iter()), (60, 1));
    }
}
