//! The studio's background work: opening media, finding faces, analysing the driving clip,
//! drawing preview frames and exporting, each off the UI thread. Jobs go in over one channel
//! and results come back over another; the UI polls and never waits. A panic inside a job is
//! caught and reported as that job's error.
//!
//! With the neural engine, whose frames take seconds on the CPU, the worker prepares the warp
//! engine's animation of the same job first and draws its frames at once, as stand-ins; the
//! neural animation is made ready and its frames drawn on a thread of their own
//! (`NeuralWorker`), so the worker keeps answering. Every newer frame request stops the neural
//! frame being drawn between its networks' blocks (`neural::Stop`).

mod messages;
mod neural;

pub use self::messages::*;
use self::neural::{NeuralJob, NeuralWorker};

use crate::geometry::Face68;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::ColorImage;
use image::RgbImage;

use crate::face::Analyzer;
use crate::media::{MediaError, ThumbnailTiming, VideoInfo, VideoSource, Waveform, thumbnails};
use crate::models::ModelSource;
use crate::motion::speech::{SpeechCurves, SpeechSettings};
use crate::neural::Stop;
use crate::pipeline::{self, Animation, FinalStage, PipelineError, RenderJob, RenderReport, Stage};
use crate::render::GpuError;

/// Thumbnails on the timeline strip.
const STRIP: usize = 24;
/// Waveform resolution on the timeline.
const WAVE_BUCKETS: usize = 1200;
/// How long frame requests must stop coming before a neural frame is started: a scrub draws
/// warp frames as it goes and the neural engine's only where it comes to rest.
const SETTLE: Duration = Duration::from_millis(120);

/// The analyzer, made once (loading the networks takes a moment) and shared with exports.
#[derive(Clone, Default)]
struct SharedAnalyzer(Arc<Mutex<Option<Analyzer>>>);

impl SharedAnalyzer {
    fn get(&self) -> Result<Analyzer, JobError> {
        let mut slot = self.0.lock().map_err(|_| JobError::AnalyzerLost)?;
        if let Some(a) = slot.as_ref() {
            return Ok(a.clone());
        }
        // The face networks are small: the CPU, whatever the neural engine's device.
        let analyzer = Analyzer::new(&candle_core::Device::Cpu, &ModelSource::Embedded)?;
        *slot = Some(analyzer.clone());
        Ok(analyzer)
    }
}

/// The UI's handle on the background worker.
pub struct Worker {
    jobs: Sender<Job>,
    events: Receiver<Event>,
    events_tx: Sender<Event>,
    analyzer: SharedAnalyzer,
    repaint: Arc<dyn Fn() + Send + Sync>,
    probe: Arc<Mutex<Option<NeuralProbe>>>,
}

impl Worker {
    /// Start the worker thread; `repaint` wakes the UI when an event is ready.
    pub fn start(repaint: Arc<dyn Fn() + Send + Sync>) -> Self {
        let (jobs, job_rx) = channel::<Job>();
        let (events_tx, events) = channel::<Event>();
        let (neural_tx, neural_rx) = channel::<NeuralJob>();
        let analyzer = SharedAnalyzer::default();
        let probe = Arc::new(Mutex::new(None));
        let neural = NeuralWorker {
            events: events_tx.clone(),
            repaint: repaint.clone(),
            animation: None,
            probe: probe.clone(),
        };
        std::thread::Builder::new()
            .name("vivant-neural-preview".into())
            .spawn(move || neural.run(neural_rx))
            .ok();
        let (shared, sender, wake) = (analyzer.clone(), events_tx.clone(), repaint.clone());
        // Decoders hold FFmpeg contexts that stay on the thread that made them.
        std::thread::Builder::new()
            .name("vivant-studio-worker".into())
            .spawn(move || {
                let state = WorkerState {
                    analyzer: shared,
                    events: sender,
                    repaint: wake,
                    animation: None,
                    generation: 0,
                    driving: None,
                    neural: neural_tx,
                    staged: false,
                    neural_stop: Arc::new(AtomicBool::new(false)),
                    decoded: Default::default(),
                };
                state.run(job_rx)
            })
            .ok();
        Self {
            jobs,
            events,
            events_tx,
            analyzer,
            repaint,
            probe,
        }
    }

    /// Call `probe` at each block boundary of every neural frame from now on (`None`: stop).
    pub fn set_neural_probe(&self, probe: Option<NeuralProbe>) {
        if let Ok(mut slot) = self.probe.lock() {
            *slot = probe;
        }
    }

    pub fn send(&self, job: Job) {
        // The worker lives as long as the app; a send can fail only after it panicked outside
        // a job, and then the next poll reports it.
        if self.jobs.send(job).is_err() {
            let _ = self.events_tx.send(Event::Failed {
                task: Task::Preview,
                error: Arc::new(JobError::WorkerStopped),
            });
        }
    }

    /// Events ready now.
    pub fn poll(&self) -> Vec<Event> {
        let mut out = Vec::new();
        loop {
            match self.events.try_recv() {
                Ok(e) => out.push(e),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return out,
            }
        }
    }

    /// Export on a thread of its own, so the preview stays live; cancel through `cancel`.
    pub fn export(&self, job: RenderJob, cancel: Arc<AtomicBool>) {
        let events = self.events_tx.clone();
        let analyzer = self.analyzer.clone();
        let repaint = self.repaint.clone();
        std::thread::Builder::new()
            .name("vivant-export".into())
            .spawn(move || {
                let send = |e: Event| {
                    let _ = events.send(e);
                    repaint();
                };
                let result = guarded(|| {
                    let analyzer = analyzer.get()?;
                    let progress = |stage: Stage| send(Event::ExportProgress(stage));
                    Ok(pipeline::render(&analyzer, &job, &cancel, &progress)?)
                });
                match result {
                    Ok(report) => send(Event::Exported(Box::new(report))),
                    Err(error) => send(Event::Failed {
                        task: Task::Export,
                        error: Arc::new(error),
                    }),
                }
            })
            .ok();
    }
}

impl Worker {
    /// Download LivePortrait's weights on a thread of their own (the user asked: the Download
    /// button), then load them to be sure the networks build; cancel through `cancel`.
    pub fn download(
        &self,
        hub: crate::neural::fetch::Hub,
        options: crate::neural::fetch::FetchOptions,
        cancel: Arc<AtomicBool>,
    ) {
        let events = self.events_tx.clone();
        let repaint = self.repaint.clone();
        std::thread::Builder::new()
            .name("vivant-download".into())
            .spawn(move || {
                let send = |e: Event| {
                    let _ = events.send(e);
                    repaint();
                };
                // A few reports a second are plenty for a progress bar.
                let last = Mutex::new(None::<std::time::Instant>);
                let progress = |p: &crate::neural::fetch::FetchProgress| {
                    let now = std::time::Instant::now();
                    if let Ok(mut last) = last.lock() {
                        let due =
                            last.is_none_or(|t| now - t > std::time::Duration::from_millis(100));
                        if due || p.done == p.total {
                            *last = Some(now);
                            send(Event::DownloadProgress(p.clone()));
                        }
                    }
                };
                let result = guarded(|| {
                    let fetched = crate::neural::fetch::fetch(&hub, &options, &cancel, &progress)?;
                    crate::neural::LivePortrait::load(&fetched.folder, &candle_core::Device::Cpu)?;
                    Ok(fetched)
                });
                match result {
                    Ok(fetched) => send(Event::Downloaded(Box::new(fetched))),
                    Err(error) => send(Event::Failed {
                        task: Task::Download,
                        error: Arc::new(error),
                    }),
                }
            })
            .ok();
    }
}

/// Run `work`, turning a panic inside it into `JobError::Panicked` (each job and each export
/// runs so: a bug fails that job, never the studio).
fn guarded<T>(work: impl FnOnce() -> Result<T, JobError>) -> Result<T, JobError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|panic| Err(JobError::Panicked(crate::panic_text(&*panic))))
}

struct WorkerState {
    analyzer: SharedAnalyzer,
    events: Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    animation: Option<Animation>,
    generation: u64,
    /// The driving clip, open for preview frames.
    driving: Option<VideoSource>,
    /// The neural thread's jobs.
    neural: Sender<NeuralJob>,
    /// `animation` is the warp stand-in of the neural engine's (prepared on the neural thread).
    staged: bool,
    /// Set to stop the neural frame last asked for.
    neural_stop: Arc<AtomicBool>,
    /// Pictures decoded for sources, by file as it is now (path, size, last change), while a
    /// source still holds them: a file added many times is decoded and searched once.
    decoded: std::collections::HashMap<FileId, (std::sync::Weak<RgbImage>, Vec<FoundFace>)>,
}

type FileId = (PathBuf, u64, Option<std::time::SystemTime>);

fn file_id(path: &std::path::Path) -> Option<FileId> {
    let meta = std::fs::metadata(path).ok()?;
    Some((path.to_path_buf(), meta.len(), meta.modified().ok()))
}

impl WorkerState {
    fn send(&self, e: Event) {
        let _ = self.events.send(e);
        (self.repaint)();
    }

    fn run(mut self, jobs: Receiver<Job>) {
        while let Ok(first) = jobs.recv() {
            // Take what else is waiting: only the newest preview preparation and frame
            // matter (a scrub sends many frames; a slider many preparations).
            let mut pending = vec![first];
            while let Ok(more) = jobs.try_recv() {
                pending.push(more);
            }
            let newest_prepare = pending
                .iter()
                .rposition(|j| matches!(j, Job::Prepare { .. }));
            let newest_frame = pending.iter().rposition(|j| matches!(j, Job::Frame { .. }));
            let mut frame_job = None;
            for (i, job) in pending.into_iter().enumerate() {
                match job {
                    Job::Prepare { .. } if Some(i) != newest_prepare => {}
                    Job::Frame { .. } if Some(i) == newest_frame => frame_job = Some(job),
                    Job::Frame { .. } => {}
                    job => self.run_job(job),
                }
            }
            if let Some(job) = frame_job {
                self.run_job(job);
            }
        }
    }

    fn run_job(&mut self, job: Job) {
        let task = match &job {
            Job::Source { id, .. } => Task::Source(*id),
            Job::Driving { .. } | Job::FrameThumbnails { .. } => Task::Driving,
            Job::Audio { .. } => Task::Audio,
            Job::Prepare { .. } | Job::Frame { .. } | Job::ProbeGpu | Job::ProbeDevices => {
                Task::Preview
            }
        };
        self.catching(task, |state| state.handle(job));
    }

    /// Run `work`; its error, or its panic, becomes `task`'s failure and the worker goes on.
    fn catching(&mut self, task: Task, work: impl FnOnce(&mut Self) -> Result<(), JobError>) {
        let mut panicked = true;
        let result = guarded(|| {
            let r = work(&mut *self);
            panicked = false;
            r
        });
        if let Err(error) = result {
            if panicked {
                // The animation may be half-made; drop it.
                self.animation = None;
            }
            self.send(Event::Failed {
                task,
                error: Arc::new(error),
            });
        }
    }

    fn handle(&mut self, job: Job) -> Result<(), JobError> {
        match job {
            Job::Source { id, path } => {
                let file = file_id(&path);
                if let Some((image, faces)) = file
                    .as_ref()
                    .and_then(|f| self.decoded.get(f))
                    .and_then(|(image, faces)| Some((image.upgrade()?, faces.clone())))
                {
                    self.send(Event::Source { id, image, faces });
                    return Ok(());
                }
                let image = pipeline::load_source(&path)?;
                self.send(Event::Progress {
                    task: Task::Source(id),
                    text: "Finding the face".into(),
                    fraction: None,
                });
                let analyzer = self.analyzer.get()?;
                let faces = analyzer
                    .analyze(&image)?
                    .into_iter()
                    .map(|f| FoundFace {
                        bbox: f.bbox,
                        landmarks: f.landmarks68,
                    })
                    .collect::<Vec<_>>();
                let image = Arc::new(image);
                if let Some(f) = file {
                    self.decoded
                        .retain(|_, (image, _)| image.strong_count() > 0);
                    self.decoded
                        .insert(f, (Arc::downgrade(&image), faces.clone()));
                }
                self.send(Event::Source { id, image, faces });
            }
            Job::Driving { path } => {
                let mut src = VideoSource::open(&path)?;
                let times = src.frame_times()?;
                let strip = thumbnails(&mut src, STRIP, 160, 90, ThumbnailTiming::Exact)?
                    .into_iter()
                    .map(|t| (t.time_s, t.image))
                    .collect();
                let waveform = match Waveform::read(&path) {
                    Ok(w) => Some((w.buckets(WAVE_BUCKETS), w.duration_s())),
                    Err(MediaError::NoAudio { .. }) => None,
                    Err(e) => return Err(e.into()),
                };
                let info = Box::new(src.info().clone());
                self.driving = Some(src);
                self.send(Event::Driving {
                    path,
                    info,
                    times,
                    thumbnails: strip,
                    waveform,
                });
            }
            Job::FrameThumbnails { path, frames } => {
                // The clip the preview reads, or opened for this; a frame that cannot be read
                // keeps the strip's thumbnail in its place (nothing worth a message).
                if self.driving.as_ref().map(|d| d.path()) != Some(path.as_path()) {
                    self.driving = Some(VideoSource::open(&path)?);
                }
                let Some(src) = self.driving.as_mut() else {
                    return Ok(());
                };
                let times = src.frame_times()?;
                let mut out = Vec::new();
                for k in frames {
                    let Some(&t) = times.get(k as usize) else {
                        continue;
                    };
                    if let Ok(f) = src.frame_at(t) {
                        let (w, h) = f.image.dimensions();
                        let s = (160.0 / w.max(1) as f64)
                            .min(90.0 / h.max(1) as f64)
                            .min(1.0);
                        let (tw, th) = (
                            ((w as f64 * s).round() as u32).max(1),
                            ((h as f64 * s).round() as u32).max(1),
                        );
                        let small = image::imageops::resize(
                            &f.image,
                            tw,
                            th,
                            image::imageops::FilterType::Triangle,
                        );
                        out.push((k, small));
                    }
                }
                self.send(Event::FrameThumbnails {
                    path,
                    thumbnails: out,
                });
            }
            Job::Audio { path, fps } => {
                let wave = Waveform::read(&path)?;
                let speech =
                    SpeechCurves::analyse(&path, 0.0, None, fps, &SpeechSettings::default())?;
                self.send(Event::Audio {
                    path,
                    waveform: wave.buckets(WAVE_BUCKETS),
                    duration_s: wave.duration_s(),
                    open: speech.open,
                    fps,
                });
            }
            Job::Prepare {
                generation,
                job,
                cancel,
            } => self.prepare(generation, job, cancel)?,
            Job::ProbeGpu => {
                self.send(Event::Gpu(crate::render::gpu::probe()));
            }
            Job::ProbeDevices => {
                self.send(Event::Devices(Box::new(
                    crate::devices::ComputeReport::probe(),
                )));
            }
            Job::Frame {
                generation,
                k,
                neural,
            } => self.frame(generation, k, neural)?,
        }
        Ok(())
    }

    /// Prepare the preview's animation of `job` (generation `generation`): its engine kind
    /// loaded, the clip opened for driving frames, the animation (a slow engine's warp
    /// stand-in, its own sent to the neural thread).
    fn prepare(
        &mut self,
        generation: u64,
        mut job: Box<RenderJob>,
        cancel: Arc<AtomicBool>,
    ) -> Result<(), JobError> {
        self.animation = None;
        self.staged = false;
        // The neural frame being drawn and the neural animation are of the old job.
        self.neural_stop.store(true, Ordering::Relaxed);
        let _ = self.neural.send(NeuralJob::Clear);
        if job.kind.is_none() {
            // Loaded once per process (the export shares them); the studio says where
            // a device fell back itself.
            self.send(Event::Progress {
                task: Task::Preview,
                text: "Getting the engine ready".into(),
                fraction: None,
            });
            let (kind, _) = job.settings.engine.kind().map_err(PipelineError::from)?;
            job.kind = Some(kind);
        }
        self.generation = generation;
        if job.driving.is_none() {
            self.driving = None;
        } else if self.driving.as_ref().map(|d| d.path()) != job.driving.as_deref() {
            self.driving = match &job.driving {
                Some(p) => Some(VideoSource::open(p)?),
                None => None,
            };
        }
        let analyzer = self.analyzer.get()?;
        let events = self.events.clone();
        let repaint = self.repaint.clone();
        let progress = move |stage: Stage| {
            let (text, fraction) = match stage {
                Stage::Analysing(d, t) => (
                    format!("Analysing the driving clip: frame {d} of {t}"),
                    Some(d as f32 / t.max(1) as f32),
                ),
                Stage::Listening => ("Listening to the voice".into(), None),
                _ => ("Preparing the preview".into(), None),
            };
            let _ = events.send(Event::Progress {
                task: Task::Preview,
                text,
                fraction,
            });
            repaint();
        };
        // With the neural engine: the warp engine's animation now, the neural one on
        // the neural thread from the same analysis.
        match Animation::prepare_staged(&analyzer, &job, &cancel, &progress) {
            Ok((animation, stage)) => {
                self.send(Event::Prepared {
                    generation,
                    frames: animation.frames(),
                    fps: animation.fps(),
                    notes: animation.notes.clone(),
                    neural: stage.is_some(),
                });
                self.animation = Some(animation);
                if let Some(stage) = stage {
                    self.staged = true;
                    let _ = self.neural.send(NeuralJob::Prepare {
                        generation,
                        stage: Box::new(stage),
                        cancel,
                    });
                }
            }
            Err(PipelineError::Cancelled) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Draw preview frame `k` (a slow engine's stand-in, then, with `neural`, its own frame
    /// asked of the neural thread), with the driving frame it follows.
    fn frame(&mut self, generation: u64, k: u64, neural: bool) -> Result<(), JobError> {
        // Whatever neural frame is being drawn is not the one wanted now.
        self.neural_stop.store(true, Ordering::Relaxed);
        if generation != self.generation {
            return Ok(());
        }
        let Some(animation) = self.animation.as_mut() else {
            return Ok(());
        };
        let k = k.min(animation.frames().saturating_sub(1));
        let (result, source) = animation.frame_and_source(k)?;
        let landmarks = animation.driving_face(k)?;
        // The driving frame this output frame follows, by time (not by index: the
        // output's rate may differ from the clip's, or the clip's may vary).
        let driving = match (self.driving.as_mut(), animation.driving_time(k)) {
            (Some(src), Some(t)) => {
                Some((color_image(&src.frame_at(t)?.image), Box::new(landmarks)))
            }
            _ => None,
        };
        let drawn = if self.staged {
            Drawn::StandIn
        } else {
            Drawn::Final
        };
        self.send(Event::Frame {
            generation,
            k,
            result: color_image(&result),
            source,
            driving: driving.clone(),
            drawn,
        });
        if self.staged && neural {
            self.neural_stop = Arc::new(AtomicBool::new(false));
            let _ = self.neural.send(NeuralJob::Draw {
                generation,
                k,
                stop: self.neural_stop.clone(),
                driving,
            });
        }
        Ok(())
    }
}

fn color_image(img: &RgbImage) -> Arc<ColorImage> {
    Arc::new(ColorImage::from_rgb(
        [img.width() as usize, img.height() as usize],
        img.as_raw(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker_state() -> (WorkerState, Receiver<Event>) {
        let (events, rx) = channel();
        let state = WorkerState {
            analyzer: SharedAnalyzer::default(),
            events,
            repaint: Arc::new(|| {}),
            animation: None,
            generation: 0,
            driving: None,
            neural: channel().0,
            staged: false,
            neural_stop: Arc::new(AtomicBool::new(false)),
            decoded: Default::default(),
        };
        (state, rx)
    }

    #[test]
    fn an_export_that_panics_fails_with_the_panic_in_words() {
        let frames = 3;
        let result: Result<u64, JobError> = guarded(|| panic!("frame {frames} has no size"));
        let Err(e) = result else {
            panic!("the panic was not caught")
        };
        assert!(matches!(e, JobError::Panicked(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            "internal error (frame 3 has no size); your project is unchanged, please report this"
        );
        assert!(matches!(guarded(|| Ok::<_, JobError>(7)), Ok(7)));
    }

    #[test]
    fn a_panic_in_a_job_is_that_jobs_error_and_the_worker_goes_on() {
        let (mut state, events) = worker_state();
        state.catching(Task::Audio, |_| {
            let samples: Vec<f32> = Vec::new();
            // An out-of-range index: the kind of bug a job could hit.
            std::hint::black_box(samples[3]);
            Ok(())
        });
        match events.try_recv() {
            Ok(Event::Failed { task, error }) => {
                let message = error.to_string();
                assert_eq!(task, Task::Audio);
                assert!(
                    message.starts_with("internal error (index out of bounds"),
                    "{message}"
                );
                assert!(message.contains("your project is unchanged"), "{message}");
            }
            _ => panic!("the panic was not reported as the job's error"),
        }
        // The same worker still does real work afterwards.
        let speech = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/speech_librivox_0870.wav");
        state.run_job(Job::Audio {
            path: speech,
            fps: 25.0,
        });
        let audio = events
            .try_iter()
            .find_map(|e| match e {
                Event::Audio {
                    duration_s, open, ..
                } => Some((duration_s, open)),
                Event::Failed { error, .. } => panic!("{error}"),
                _ => None,
            })
            .expect("the sound file's waveform and mouth curve");
        assert!(audio.0 > 1.0, "duration {}", audio.0);
        // One mouth value a frame (the two readers round the length each their own way).
        let frames = (audio.0 * 25.0).round() as usize;
        assert!(
            audio.1.len().abs_diff(frames) <= 1,
            "{} vs {frames}",
            audio.1.len()
        );
        assert!(
            audio.1.iter().any(|&o| o > 0.3),
            "the voice opens the mouth"
        );
    }
}
