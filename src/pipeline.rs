//! The whole pipeline in one call: portrait + driving clip → MP4 with the clip's sound. The
//! CLI's `vivant render` and the studio's export both run this.
//!
//! Streaming: the driving clip's motion is analysed (or read from the cache), then each output
//! frame is retargeted, rendered and encoded before the next, so memory does not grow with the
//! clip's length.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;

use crate::export::{AudioFit, ExportError, Mp4Settings, Mp4Writer};
use crate::face::{Analyzer, AnalyzerError};
use crate::media::{
    AudioFormat, AudioSource, ImageLoadError, MediaError, SampleSource, load_image,
};
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
    pub driving: PathBuf,
    pub output: PathBuf,
    pub sound: Soundtrack,
    /// Seconds of the driving clip to render (`None` = from the start / to the end).
    pub start_s: Option<f64>,
    pub end_s: Option<f64>,
    /// Output size; `None` = the source image's size.
    pub size: Option<(u32, u32)>,
    /// Output frame rate; `None` = the driving clip's.
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
    pub fn new(source: PathBuf, driving: PathBuf, output: PathBuf) -> Self {
        Self {
            sources: vec![source],
            driving,
            output,
            sound: Soundtrack::Driving,
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
}

/// What the pipeline is doing, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stage {
    /// Finding the face in the source image.
    Source,
    /// Tracking the driving clip: frames done, total.
    Analysing(u64, u64),
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
    /// Driving frames where the face was found, as a fraction.
    pub driving_found: f64,
    /// The driving frame used as the reference expression, seconds.
    pub reference_s: f64,
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

/// Run a render job.
pub fn render(
    analyzer: &Analyzer,
    job: &RenderJob,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<RenderReport, PipelineError> {
    let mut notes = Vec::new();
    progress(Stage::Source);
    let mut engines = Vec::with_capacity(job.sources.len());
    for path in &job.sources {
        let (image, landmarks, faces) = source_face(analyzer, path)?;
        if faces > 1 {
            notes.push(format!(
                "{}: {faces} faces; animating the largest",
                path.display()
            ));
        }
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
    let mut tracker = analyzer.clone();
    tracker.options.small_faces = false;
    let (motion, more) = DrivingMotion::analyse(
        &tracker,
        &job.driving,
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
            driving: job.driving.clone(),
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
    let retargeters: Vec<Retargeter> = engines
        .iter()
        .map(|e| {
            Retargeter::new(
                e.source_landmarks(),
                &motion.frames[reference].landmarks68,
                job.mode,
                job.strengths,
            )
        })
        .collect();
    let mut chooser = SourceChooser::new(
        engines
            .iter()
            .map(|e| e.source_landmarks().to_vec())
            .collect(),
    );
    // Output timing: the driving clip's frames one for one, or resampled to `fps`.
    let fps = job.fps.unwrap_or(motion.frame_rate);
    let out_dur = fps.1 as f64 / fps.0.max(1) as f64;
    let count = if job.fps.is_none() {
        in_range.len() as u64
    } else {
        ((t1 - t0) / out_dur).round().max(1.0) as u64
    };
    let (sw, sh) = engine.size();
    let (w, h) = job.size.unwrap_or((sw, sh));
    let audio: Option<Box<dyn SampleSource + Send>> = match &job.sound {
        Soundtrack::None => None,
        Soundtrack::File(p) => Some(Box::new(AudioSource::open(p, AudioFormat::new(48000, 2))?)),
        Soundtrack::Driving => match AudioSource::open(&job.driving, AudioFormat::new(48000, 2)) {
            Ok(mut a) => {
                a.set_range(t0, Some(t1))?;
                Some(Box::new(a))
            }
            Err(MediaError::NoAudio { .. }) => {
                notes.push(format!(
                    "{} has no sound; the video is silent",
                    job.driving.display()
                ));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let mut settings = Mp4Settings::new(w, h, fps);
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
        file_name(&job.driving),
        engine.name()
    ));
    let mut writer = Mp4Writer::create(&job.output, settings, audio)?;
    writer.set_total_frames(count);
    for k in 0..count {
        if cancel.load(Ordering::Relaxed) {
            return Err(PipelineError::Cancelled);
        }
        let i = if job.fps.is_none() {
            in_range[k as usize]
        } else {
            let t = t0 + k as f64 * out_dur;
            motion
                .times
                .partition_point(|&s| s <= t + 1e-9)
                .saturating_sub(1)
                .clamp(first, last)
        };
        let targets: Vec<Vec<[f32; 2]>> = retargeters
            .iter()
            .map(|r| r.target(&motion.frames[i].landmarks68))
            .collect();
        let which = if engines.len() > 1 {
            chooser.choose(&targets)
        } else {
            0
        };
        let frame = match gpus.get(which) {
            Some(gpu) => gpu.render(&engines[which], &targets[which])?,
            None => engines[which].render(&targets[which]),
        };
        // Output size, or another source of another size fitted to the first one's.
        let frame = if frame.dimensions() == (w, h) {
            frame
        } else {
            image::imageops::resize(&frame, w, h, image::imageops::FilterType::CatmullRom)
        };
        writer.write_frame(&frame).map_err(|e| match e {
            ExportError::Cancelled => PipelineError::Cancelled,
            other => other.into(),
        })?;
        progress(Stage::Rendering(k + 1, count));
    }
    let report = writer.finish()?;
    Ok(RenderReport {
        output: report.path,
        frames: report.frames,
        duration_s: report.duration_s,
        width: report.width,
        height: report.height,
        audio: report.audio,
        driving_found: motion.found_fraction(),
        reference_s: motion.times[reference],
        notes,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
