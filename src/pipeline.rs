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
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;

use crate::export::{AudioFit, ExportError, Mp4Settings, Mp4Writer};
use crate::face::{Analyzer, AnalyzerError};
use crate::media::{
    AudioFormat, AudioSource, ImageLoadError, MediaError, SampleSource, load_image,
};
use crate::motion::idle::IdleSettings;
use crate::motion::speech::{SpeechCurves, SpeechSettings};
use crate::motion::voice::VoiceMotion;
use crate::motion::{
    DrivingMotion, Mode, MotionError, MotionSettings, Retargeter, Strengths, most_neutral,
};
use crate::render::{Engine, GpuWarp, SourceChooser, WarpEngine};

/// Where the sound comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Soundtrack {
    /// The driving clip's own track, trimmed to the rendered range (none if it has no sound).
    Driving,
    /// Another file, from its start.
    File(PathBuf),
    None,
}

/// Where the warp runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// On all CPU cores.
    #[default]
    Cpu,
    /// On the GPU through wgpu (any adapter, Mesa's software one included).
    Wgpu,
}

/// Everything one render needs.
#[derive(Clone, Debug)]
pub struct RenderJob {
    /// The portrait: one or more pictures of the same face (K ≥ 1; the first sets the output
    /// size). A video frame is named `clip.mp4@SECONDS`.
    pub sources: Vec<PathBuf>,
    /// Per source, its face's 68 landmarks as the user placed or corrected them (the studio);
    /// `None`, or a missing entry, finds the largest face.
    pub landmarks: Vec<Option<Vec<[f32; 2]>>>,
    /// The driving clip; `None` = the voice in `sound` (a `Soundtrack::File`) drives.
    pub driving: Option<PathBuf>,
    pub output: PathBuf,
    pub sound: Soundtrack,
    /// With a driving clip: the lips follow the voice in `sound` (a `Soundtrack::File`), the
    /// rest of the face the clip.
    pub lips_from_audio: bool,
    /// Idle head motion, blinks and brows when a voice drives (seeded).
    pub idle: IdleSettings,
    pub speech: SpeechSettings,
    /// Seconds of the driving clip (or, without one, of the voice) to render (`None` = from
    /// the start / to the end).
    pub start_s: Option<f64>,
    pub end_s: Option<f64>,
    /// Output size; `None` = the source image's size.
    pub size: Option<(u32, u32)>,
    /// Output frame rate; `None` = the driving clip's (25 with a voice alone).
    pub fps: Option<(i32, i32)>,
    pub crf: u8,
    pub preset: String,
    pub backend: Backend,
    pub mode: Mode,
    /// Driving-clip time whose expression matches the source's; `None` = the most neutral frame.
    pub reference_s: Option<f64>,
    pub strengths: Strengths,
    pub motion: MotionSettings,
    /// Where analyses of driving clips are kept (`None` = not cached).
    pub cache_dir: Option<PathBuf>,
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
            lips_from_audio: false,
            idle: IdleSettings::default(),
            speech: SpeechSettings::default(),
            start_s: None,
            end_s: None,
            size: None,
            fps: None,
            crf: 16,
            // 1080p end to end: 1.19× real time with veryfast, 0.79× with medium (2 cores).
            preset: "veryfast".into(),
            backend: Backend::Cpu,
            mode: Mode::Relative,
            reference_s: None,
            strengths: Strengths::default(),
            motion: MotionSettings::default(),
            cache_dir: crate::motion::cache::default_dir(),
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
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("nothing drives the portrait: give a driving clip, or a voice recording with --audio")]
    NoDriver,
    #[error("--lips-from-audio needs a voice recording (--audio FILE)")]
    NoVoice,
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
    #[error(transparent)]
    Gpu(#[from] crate::render::GpuError),
    #[error("cancelled")]
    Cancelled,
    #[error("internal error: the {0} stopped unexpectedly")]
    Panicked(String),
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
    pub notes: Vec<String>,
}

/// A source picture: an image file, or `VIDEO@SECONDS` for the frame of a video shown then.
pub fn load_source(path: &Path) -> Result<RgbImage, PipelineError> {
    let text = path.to_string_lossy();
    if !path.exists()
        && let Some((file, t)) = text.rsplit_once('@')
        && let Ok(t) = t.parse::<f64>()
    {
        let mut v = crate::media::VideoSource::open(file)?;
        return Ok(v.frame_at(t)?.image);
    }
    Ok(load_image(path)?.rgb8())
}

/// The largest face of a portrait.
pub fn source_face(
    analyzer: &Analyzer,
    path: &Path,
) -> Result<(RgbImage, Vec<[f32; 2]>, usize), PipelineError> {
    let img = load_source(path)?;
    let faces = analyzer.analyze(&img)?;
    let face = faces
        .first()
        .ok_or_else(|| PipelineError::NoSourceFace(path.to_path_buf()))?;
    Ok((img, face.landmarks68.clone(), faces.len()))
}

/// What drives the portrait, prepared: per output frame, a face (68 points in the driving
/// face's coordinates) that the retargeters carry onto each source.
struct Performance {
    count: u64,
    fps: (i32, i32),
    /// The driving face at rest, matching the sources' expression.
    reference: Vec<[f32; 2]>,
    mode: Mode,
    face: Box<dyn Fn(u64) -> Vec<[f32; 2]> + Send + Sync>,
    audio: Option<Box<dyn SampleSource + Send>>,
    driving_found: f64,
    reference_s: Option<f64>,
    blinks: usize,
    /// What drove it, for the file's comment.
    credit: String,
}

/// A render job made ready to draw any of its frames: the sources' engines, what drives them
/// and the retargeters between. Export draws every frame in order; the studio's preview draws
/// whichever frame the playhead is on.
pub struct Animation {
    engines: Vec<WarpEngine>,
    gpus: Vec<GpuWarp>,
    retargeters: Vec<Retargeter>,
    chooser: SourceChooser,
    plan: Performance,
    size: (u32, u32),
    pub notes: Vec<String>,
}

impl Animation {
    /// Find (or take the given) source faces, analyse the driving clip or listen to the voice.
    pub fn prepare(
        analyzer: &Analyzer,
        job: &RenderJob,
        cancel: &AtomicBool,
        progress: &(dyn Fn(Stage) + Sync),
    ) -> Result<Self, PipelineError> {
        let mut notes = Vec::new();
        progress(Stage::Source);
        let mut engines = Vec::with_capacity(job.sources.len());
        for (i, path) in job.sources.iter().enumerate() {
            let (image, landmarks) = match job.landmarks.get(i).cloned().flatten() {
                Some(lm) if lm.len() == 68 => (load_source(path)?, lm),
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
            engines.push(WarpEngine::new(image, &landmarks));
        }
        let gpus = match job.backend {
            Backend::Cpu => Vec::new(),
            Backend::Wgpu => engines
                .iter()
                .map(GpuWarp::new)
                .collect::<Result<Vec<_>, _>>()?,
        };
        let Some(engine) = engines.first() else {
            return Err(PipelineError::NoSourceFace(PathBuf::from(
                "(no source given)",
            )));
        };
        let plan = match &job.driving {
            Some(driving) => {
                clip_performance(analyzer, job, driving, cancel, progress, &mut notes)?
            }
            None => {
                progress(Stage::Listening);
                voice_performance(job, engine.source_landmarks(), &mut notes)?
            }
        };
        let retargeters: Vec<Retargeter> = engines
            .iter()
            .map(|e| {
                Retargeter::new(
                    e.source_landmarks(),
                    &plan.reference,
                    plan.mode,
                    job.strengths,
                )
            })
            .collect();
        let chooser = SourceChooser::new(
            engines
                .iter()
                .map(|e| e.source_landmarks().to_vec())
                .collect(),
        );
        let size = job.size.unwrap_or(engine.size());
        Ok(Self {
            engines,
            gpus,
            retargeters,
            chooser,
            plan,
            size,
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
    pub fn driving_face(&self, k: u64) -> Vec<[f32; 2]> {
        (self.plan.face)(k.min(self.plan.count.saturating_sub(1)))
    }

    /// Output frame `k`, at the output size.
    pub fn frame(&mut self, k: u64) -> Result<RgbImage, PipelineError> {
        let driving = self.driving_face(k);
        let targets: Vec<Vec<[f32; 2]>> = self
            .retargeters
            .iter()
            .map(|r| r.target(&driving))
            .collect();
        let which = if self.engines.len() > 1 {
            self.chooser.choose(&targets)
        } else {
            0
        };
        let frame = match self.gpus.get(which) {
            Some(gpu) => gpu.render(&self.engines[which], &targets[which])?,
            None => self.engines[which].render(&targets[which]),
        };
        // Output size, or another source of another size fitted to the first one's.
        let (w, h) = self.size;
        Ok(if frame.dimensions() == (w, h) {
            frame
        } else {
            image::imageops::resize(&frame, w, h, image::imageops::FilterType::CatmullRom)
        })
    }
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
    settings.crf = job.crf;
    settings.preset = job.preset.clone();
    settings.comment = Some(format!(
        "Vivant {}: {} driven by {} ({} engine)",
        crate::VERSION,
        job.sources
            .iter()
            .map(|p| file_name(p))
            .collect::<Vec<_>>()
            .join(", "),
        animation.plan.credit,
        animation.engines.first().map_or("warp", |e| e.name())
    ));
    let audio = animation.plan.audio.take();
    let mut writer = Mp4Writer::create(&job.output, settings, audio)?;
    writer.set_total_frames(count);
    // Render and encode overlap: a worker renders the next frames while this thread encodes,
    // with at most two frames in between, so memory stays flat.
    let (tx, rx) = std::sync::mpsc::sync_channel::<RgbImage>(2);
    let produced = std::thread::scope(|s| {
        let animation = &mut *animation;
        let worker = s.spawn(move || -> Result<(), PipelineError> {
            for k in 0..count {
                if cancel.load(Ordering::Relaxed) {
                    return Err(PipelineError::Cancelled);
                }
                let frame = animation.frame(k)?;
                if tx.send(frame).is_err() {
                    // The encoder stopped; its error is the one to report.
                    return Ok(());
                }
            }
            Ok(())
        });
        let mut encoded: Result<(), PipelineError> = Ok(());
        for (k, frame) in rx.iter().enumerate() {
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
        notes: animation.notes.clone(),
    })
}

/// A driving clip's motion (analysed or from the cache), in the job's range; with
/// `lips_from_audio`, the lips from the voice instead.
fn clip_performance(
    analyzer: &Analyzer,
    job: &RenderJob,
    driving: &Path,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
    notes: &mut Vec<String>,
) -> Result<Performance, PipelineError> {
    let voice_file = match (&job.sound, job.lips_from_audio) {
        (Soundtrack::File(p), true) => Some(p.clone()),
        (_, true) => return Err(PipelineError::NoVoice),
        _ => None,
    };
    let mut tracker = analyzer.clone();
    tracker.options.small_faces = false;
    let (motion, more) = DrivingMotion::analyse_landmarks(
        &tracker,
        driving,
        &job.motion,
        job.cache_dir.as_deref(),
        cancel,
        &|done, total| progress(Stage::Analysing(done, total)),
    )
    .map_err(|e| match e {
        MotionError::Track(crate::motion::TrackError::Cancelled) => PipelineError::Cancelled,
        other => PipelineError::Motion(other),
    })?;
    notes.extend(more);
    // The driving frames in range.
    let start = job.start_s.unwrap_or(f64::NEG_INFINITY);
    let end = job.end_s.unwrap_or(f64::INFINITY);
    let in_range: Vec<usize> = (0..motion.times.len())
        .filter(|&i| motion.times[i] >= start - 1e-9 && motion.times[i] < end - 1e-9)
        .collect();
    let (Some(&first), Some(&last)) = (in_range.first(), in_range.last()) else {
        return Err(PipelineError::EmptyRange {
            driving: driving.to_path_buf(),
            start: start.max(0.0),
            end: end.min(motion.times.last().copied().unwrap_or(0.0)),
        });
    };
    let t0 = motion.times[first];
    // The clip's frame duration, to end the range after its last frame.
    let (rn, rd) = motion.frame_rate;
    let frame_dur = if rn > 0 && rd > 0 {
        rd as f64 / rn as f64
    } else {
        0.04
    };
    let t1 = job.end_s.unwrap_or(motion.times[last] + frame_dur);
    let reference = match job.reference_s {
        Some(t) => motion
            .times
            .partition_point(|&s| s <= t + 1e-9)
            .saturating_sub(1),
        None => {
            let lm: Vec<&[[f32; 2]]> = in_range
                .iter()
                .map(|&i| motion.frames[i].landmarks68.as_slice())
                .collect();
            let usable: Vec<bool> = in_range
                .iter()
                .map(|&i| motion.frames[i].state.observed())
                .collect();
            most_neutral(&lm, &usable).map_or(first, |k| in_range[k])
        }
    };
    // Output timing: the driving clip's frames one for one, or resampled to `fps`.
    let fps = job.fps.unwrap_or(motion.frame_rate);
    let out_dur = fps.1 as f64 / fps.0.max(1) as f64;
    let resample = job.fps.is_some();
    let count = if resample {
        ((t1 - t0) / out_dur).round().max(1.0) as u64
    } else {
        in_range.len() as u64
    };
    let audio: Option<Box<dyn SampleSource + Send>> = match &job.sound {
        Soundtrack::None => None,
        Soundtrack::File(p) => Some(Box::new(AudioSource::open(p, AudioFormat::new(48000, 2))?)),
        Soundtrack::Driving => match AudioSource::open(driving, AudioFormat::new(48000, 2)) {
            Ok(mut a) => {
                a.set_range(t0, Some(t1))?;
                Some(Box::new(a))
            }
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
            Some(VoiceMotion::new(speech, &job.idle))
        }
        None => None,
    };
    let reference_lm = motion.frames[reference].landmarks68.clone();
    let reference_s = motion.times[reference];
    let driving_found = motion.found_fraction();
    let credit = match &voice_file {
        Some(v) => format!("{} with the lips from {}", file_name(driving), file_name(v)),
        None => file_name(driving),
    };
    let rest = reference_lm.clone();
    let face = move |k: u64| -> Vec<[f32; 2]> {
        let i = if resample {
            let t = t0 + k as f64 * out_dur;
            motion
                .times
                .partition_point(|&s| s <= t + 1e-9)
                .saturating_sub(1)
                .clamp(first, last)
        } else {
            in_range[k as usize]
        };
        let lm = &motion.frames[i].landmarks68;
        match &voice {
            Some(v) => v.lips_on(lm, &rest, k as usize),
            None => lm.clone(),
        }
    };
    Ok(Performance {
        count,
        fps,
        reference: reference_lm,
        mode: job.mode,
        face: Box::new(face),
        audio,
        driving_found,
        reference_s: Some(reference_s),
        blinks: 0,
        credit,
    })
}

/// A voice recording alone: lips from the voice, head, eyes and brows from idle life, on the
/// first source's own face at rest.
fn voice_performance(
    job: &RenderJob,
    neutral: &[[f32; 2]],
    notes: &mut Vec<String>,
) -> Result<Performance, PipelineError> {
    let Soundtrack::File(path) = &job.sound else {
        return Err(PipelineError::NoDriver);
    };
    if job.lips_from_audio {
        notes.push("--lips-from-audio: no driving clip, so the voice drives the whole face".into());
    }
    if job.mode == Mode::Absolute {
        notes.push("absolute mode needs a driving clip; the voice moves the face relative to its own rest shape".into());
    }
    let fps = job.fps.unwrap_or((25, 1));
    let rate = fps.0 as f64 / fps.1.max(1) as f64;
    let start = job.start_s.unwrap_or(0.0).max(0.0);
    let speech = SpeechCurves::analyse(path, start, job.end_s, rate, &job.speech)?;
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
    let mut audio = AudioSource::open(path, AudioFormat::new(48000, 2))?;
    audio.set_range(start, job.end_s)?;
    let voice = VoiceMotion::new(speech, &job.idle);
    let count = voice.frames() as u64;
    let blinks = voice.idle.blinks.len();
    let rest = neutral.to_vec();
    let face = move |k: u64| voice.face(&rest, k as usize);
    Ok(Performance {
        count,
        fps,
        reference: neutral.to_vec(),
        mode: Mode::Relative,
        face: Box::new(face),
        audio: Some(Box::new(audio)),
        driving_found: 1.0,
        reference_s: None,
        blinks,
        credit: format!("the voice in {}", file_name(path)),
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
