//! The render stage: animation engines behind one boundary. An engine is prepared once from
//! the source portrait(s) and how motion is to be carried onto them (`Transfer`), then draws
//! one frame per `Drive`. The pipeline, the CLI, the studio and `eval` hold a
//! `Box<dyn Engine>` made by [`prepare`] and nothing else: adding an engine means one module
//! here and one variant of [`EngineChoice`].
//!
//! - `warp_engine` (`WarpEngine`): retargets the driving face onto each source, picks the
//!   source per frame (`fewshot`) and warps it with `warp::MeshWarp`, on the CPU or through
//!   wgpu (`gpu::GpuWarp`).
//! - `neural_engine` (`NeuralEngine`): LivePortrait's networks synthesise the face from the
//!   driving frame's neural motion; the crop is pasted back at the portrait's full size.

pub mod fewshot;
pub mod gpu;
pub mod mouth;
pub mod neural_engine;
pub mod pyramid;
pub mod triangulate;
pub mod warp;
pub mod warp_engine;

use std::sync::Arc;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::geometry::Face68;
use crate::motion::{Mode, Strengths};
use crate::neural::{KpInfo, LivePortrait, NeuralError, Stop};

pub use self::fewshot::SourceChooser;
pub use self::gpu::{GpuError, GpuWarp};
pub use self::neural_engine::NeuralEngine;
pub use self::warp::MeshWarp;
pub use self::warp_engine::WarpEngine;

/// Which animation engine draws the frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum EngineChoice {
    /// Landmark-driven mesh warp of the source picture (no extra weights).
    #[default]
    Warp,
    /// LivePortrait's networks synthesise the face (the weights are yours to download:
    /// `--weights DIR`).
    Neural,
}

impl EngineChoice {
    /// Whether the engine reads the driving clip's neural motion (the motion extractor's).
    pub fn needs_neural_motion(self) -> bool {
        matches!(self, Self::Neural)
    }
}

/// Where the warp engine draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// On all CPU cores.
    #[default]
    Cpu,
    /// On the GPU through wgpu (any adapter, Mesa's software one included).
    Wgpu,
}

/// A portrait to animate: the image and its face's 68 landmarks (pixels of the image).
#[derive(Clone, Debug)]
pub struct SourceFace {
    pub image: RgbImage,
    pub landmarks68: Face68,
}

/// How the driving motion is carried onto the portrait. The controls mean the same to a user
/// whichever engine draws; each engine carries them out its own way.
#[derive(Clone, Debug)]
pub struct Transfer {
    pub mode: Mode,
    pub strengths: Strengths,
    /// The driving face at rest (the reference frame). `None`: each source is its own
    /// reference (the driving face and the sources are the same face in the same camera, as in
    /// self-reenactment).
    pub reference: Option<Face68>,
    /// The driving face at rest as the neural motion extractor reads it (neural engine).
    pub reference_motion: Option<KpInfo>,
}

/// What drives one output frame.
#[derive(Clone, Debug)]
pub struct Drive {
    /// The driving face's 68 points: in the driving clip's pixels, or with a voice alone the
    /// first source's face made to speak.
    pub face: Face68,
    /// The driving frame's neural motion, when the engine reads it.
    pub motion: Option<KpInfo>,
    /// What a voice sets: the lips (alone, or over a clip), the eyes and head (alone).
    pub controls: Option<FaceControls>,
}

/// Face controls a voice fills. Openness is the reference's ratio: lid gap over eye width,
/// inner-lip gap over mouth width (`FaceControls::ratios` measures them on 68 points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceControls {
    /// Both eyes' openness; `None` leaves the eyes to the driving clip.
    pub eyes: Option<f32>,
    pub lips: f32,
    /// Head turn from rest, degrees: pitch (nod, down positive), yaw, roll.
    pub head: [f32; 3],
}

impl FaceControls {
    /// (right eye, left eye, lips) openness of a face.
    pub fn ratios(face: &Face68) -> [f32; 3] {
        use crate::geometry::{dist, parts};
        let eye = |corners: (usize, usize), lids: [(usize, usize); 2]| {
            let gap = lids
                .iter()
                .map(|&(u, d)| dist(face[u], face[d]))
                .sum::<f32>()
                / 2.0;
            gap / (dist(face[corners.0], face[corners.1]) + 1e-6)
        };
        let [r1, r2, l1, l2] = parts::LIDS;
        let (u, d) = parts::INNER_LIP_MIDDLE;
        [
            eye((parts::RIGHT_EYE_OUTER, parts::RIGHT_EYE_INNER), [r1, r2]),
            eye((parts::LEFT_EYE_INNER, parts::LEFT_EYE_OUTER), [l1, l2]),
            dist(face[u], face[d])
                / (dist(face[parts::MOUTH_RIGHT], face[parts::MOUTH_LEFT]) + 1e-6),
        ]
    }
}

/// One drawn frame.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// At the size of the source it was drawn from.
    pub image: RgbImage,
    /// Which source was animated (few-shot).
    pub source: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error("no source picture to animate")]
    NoSource,
    #[error(transparent)]
    Neural(#[from] NeuralError),
    #[error(
        "the neural engine needs LivePortrait's weights, which Vivant does not bundle: `vivant models fetch` downloads appearance_feature_extractor, motion_extractor, warping_module, spade_generator and stitching_retargeting_module from Hugging Face (KwaiVGI/LivePortrait), or give the folder where you have them (.pth or .safetensors) with --weights DIR"
    )]
    NoWeights,
    #[error("internal error: the neural engine was given no driving motion for this frame")]
    NoNeuralMotion,
    /// The frame was no longer wanted and its drawing stopped part way (`Engine::render_until`).
    #[error("cancelled")]
    Cancelled,
}

/// An animation engine, prepared from its sources.
pub trait Engine: Send {
    fn name(&self) -> &'static str;
    /// Number of sources.
    fn sources(&self) -> usize;
    /// Size of source `i`'s frames (the first one's is the output's own).
    fn size(&self, source: usize) -> (u32, u32);
    /// The source's face, 68 points in its pixels.
    fn source_face(&self, source: usize) -> &Face68;
    /// Draw the frame `drive` describes.
    fn render(&mut self, drive: &Drive) -> Result<Rendered, RenderError>;
    /// Draw it, stopping part way with `RenderError::Cancelled` once `stop` says so. Engines
    /// whose frames take milliseconds draw it whole (the default).
    fn render_until(&mut self, drive: &Drive, stop: &Stop) -> Result<Rendered, RenderError> {
        if stop.requested() {
            return Err(RenderError::Cancelled);
        }
        self.render(drive)
    }
}

/// How to prepare an engine, beyond its sources and the transfer.
#[derive(Clone, Default)]
pub struct EngineOptions {
    pub engine: EngineChoice,
    pub backend: Backend,
    /// The neural engine's networks, loaded once (`neural::LivePortrait::load`).
    pub networks: Option<Arc<LivePortrait>>,
    /// An engine made by the caller instead of the one `engine` names: the seam through which
    /// tests run the pipeline's logic with a stand-in engine.
    pub custom: Option<CustomEngine>,
}

/// Makes an engine from the sources and the transfer, as [`prepare`] does.
pub type MakeEngine =
    dyn Fn(Vec<SourceFace>, &Transfer) -> Result<Box<dyn Engine>, RenderError> + Send + Sync;

/// A caller's engine maker (see `EngineOptions::custom`).
#[derive(Clone)]
pub struct CustomEngine(pub Arc<MakeEngine>);

impl std::fmt::Debug for CustomEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomEngine")
    }
}

/// The engine `options` asks for, prepared from `sources`.
pub fn prepare(
    sources: Vec<SourceFace>,
    transfer: &Transfer,
    options: &EngineOptions,
) -> Result<Box<dyn Engine>, RenderError> {
    if sources.is_empty() {
        return Err(RenderError::NoSource);
    }
    if let Some(CustomEngine(make)) = &options.custom {
        return make(sources, transfer);
    }
    Ok(match options.engine {
        EngineChoice::Warp => Box::new(WarpEngine::new(sources, transfer, options.backend)?),
        EngineChoice::Neural => {
            let networks = options.networks.clone().ok_or(RenderError::NoWeights)?;
            Box::new(NeuralEngine::new(networks, sources, transfer)?)
        }
    })
}
