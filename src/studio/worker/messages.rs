//! What goes between the studio and its worker: the jobs asked for, the events sent back, and
//! the errors a job can end in (typed, so the studio matches variants, never text).

use super::*;

/// What a job was, to say which one failed or progressed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    Source(u64),
    Driving,
    Audio,
    Preview,
    /// The neural engine's side of the preview: its preparation and its frames.
    NeuralFrame,
    Export,
    /// LivePortrait's weights downloaded from Hugging Face.
    Download,
}

/// How a preview frame was drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Drawn {
    /// By the project's engine, the warp engine: the frame the export will have.
    Final,
    /// By the warp engine, standing in until the neural engine's frame is ready.
    StandIn,
    /// By the neural engine, in this long.
    Neural(Duration),
}

/// A neural frame stopped part way because another was asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuralCancel {
    pub generation: u64,
    pub k: u64,
    /// Block boundaries of W and G passed before it stopped, of `blocks` in a whole frame.
    pub passed: usize,
    pub blocks: usize,
    /// From its start to its end.
    pub after: Duration,
}

/// Called on the neural thread at each block boundary of a neural frame with the preview's
/// generation, the frame and the boundaries passed (tests hold a frame there to cancel it part
/// way).
pub type NeuralProbe = Arc<dyn Fn(u64, u64, usize) + Send + Sync>;

pub enum Job {
    /// Load a source picture and find its faces.
    Source { id: u64, path: PathBuf },
    /// Probe a driving clip; thumbnails and its sound's waveform.
    Driving { path: PathBuf },
    /// The driving clip's frames at these indices as thumbnails (the timeline zoomed in to
    /// where each frame has room for its own).
    FrameThumbnails { path: PathBuf, frames: Vec<u64> },
    /// A soundtrack: waveform, and the mouth opening the voice makes at `fps`.
    Audio { path: PathBuf, fps: f64 },
    /// Make the animation the preview shows (analyses the driving clip on first use).
    Prepare {
        generation: u64,
        job: Box<RenderJob>,
        cancel: Arc<AtomicBool>,
    },
    /// Draw output frame `k` of the prepared animation; with the neural engine its warp
    /// stand-in at once, and with `neural` the neural frame after it (not while playing).
    Frame {
        generation: u64,
        k: u64,
        neural: bool,
    },
    /// Find out once whether a GPU can draw the warp.
    ProbeGpu,
    /// Find out once where the neural engine's networks can run.
    ProbeDevices,
}

/// A face found on a source.
#[derive(Clone, Debug)]
pub struct FoundFace {
    /// x, y, width, height in image pixels.
    pub bbox: [f32; 4],
    pub landmarks: Face68,
}

pub enum Event {
    Progress {
        task: Task,
        text: String,
        fraction: Option<f32>,
    },
    Source {
        id: u64,
        image: Arc<RgbImage>,
        faces: Vec<FoundFace>,
    },
    Driving {
        path: PathBuf,
        info: Box<VideoInfo>,
        times: Vec<f64>,
        thumbnails: Vec<(f64, RgbImage)>,
        waveform: Option<(Vec<(f32, f32)>, f64)>,
    },
    FrameThumbnails {
        path: PathBuf,
        thumbnails: Vec<(u64, RgbImage)>,
    },
    Audio {
        path: PathBuf,
        waveform: Vec<(f32, f32)>,
        duration_s: f64,
        open: Vec<f32>,
        fps: f64,
    },
    Prepared {
        generation: u64,
        frames: u64,
        fps: (i32, i32),
        notes: Vec<pipeline::Note>,
        /// The neural engine's: frames come as warp stand-ins first, its own once it is ready.
        neural: bool,
    },
    /// The neural engine's animation of `generation` is ready to draw.
    NeuralReady {
        generation: u64,
        notes: Vec<pipeline::Note>,
    },
    /// Neural frame `k` is being drawn, this far (0–1).
    NeuralDrawing {
        generation: u64,
        k: u64,
        fraction: f32,
    },
    /// A neural frame stopped part way for a newer request: not a failure.
    NeuralCancelled(NeuralCancel),
    /// Pictures come ready to upload (RGBA), converted here rather than on the UI thread.
    Frame {
        generation: u64,
        k: u64,
        result: Arc<ColorImage>,
        /// Which of the job's sources the engine animated for it (few-shot).
        source: usize,
        /// The driving clip's frame and its landmarks (none with a voice alone).
        driving: Option<(Arc<ColorImage>, Box<Face68>)>,
        drawn: Drawn,
    },
    /// Whether a GPU can draw the warp: its name, or why not.
    Gpu(Result<String, GpuError>),
    /// Where the neural engine's networks can run.
    Devices(Box<crate::devices::ComputeReport>),
    /// How far the export is.
    ExportProgress(Stage),
    Exported(Box<RenderReport>),
    /// How the download of the weights is going.
    DownloadProgress(crate::neural::fetch::FetchProgress),
    /// The weights are in the Hugging Face cache, checked, and their networks build.
    Downloaded(Box<crate::neural::fetch::Fetched>),
    Failed {
        task: Task,
        error: Arc<JobError>,
    },
}

/// Why a job failed, typed up to the window: the UI chooses its words and colour from the
/// variant, never from the text.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Analysis(#[from] crate::face::AnalyzerError),
    #[error(transparent)]
    Fetch(#[from] crate::neural::fetch::FetchError),
    #[error(transparent)]
    Neural(#[from] crate::neural::NeuralError),
    #[error("the face analyzer is unusable after an earlier failure; restart Vivant")]
    AnalyzerLost,
    #[error("internal error ({0}); your project is unchanged, please report this")]
    Panicked(String),
    #[error("the background worker stopped; save your project and restart Vivant")]
    WorkerStopped,
}

impl JobError {
    /// What sort of failure, as the pipeline classifies its own.
    pub fn failure(&self) -> crate::pipeline::Failure {
        use crate::pipeline::Failure;
        match self {
            Self::Pipeline(e) => e.failure(),
            Self::Media(_) | Self::Neural(_) => Failure::Input,
            Self::Fetch(e) if e.is_cancelled() => Failure::Cancelled,
            Self::Fetch(e) if e.is_input() => Failure::Input,
            Self::Fetch(_) => Failure::Internal,
            Self::Analysis(_) | Self::AnalyzerLost | Self::Panicked(_) | Self::WorkerStopped => {
                Failure::Internal
            }
        }
    }
}
