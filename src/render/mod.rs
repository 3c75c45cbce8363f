//! The render stage: animation engines behind one boundary. An engine kind (`kind`) is made
//! once from its settings, its resources loaded; it reads a driving clip its own way if it
//! needs to, and prepares an engine from the source portrait(s) and how motion is to be
//! carried onto them (`Transfer`), which then draws one frame per `Drive`. The pipeline, the
//! CLI, the studio and `eval` hold an `Arc<dyn EngineKind>` and the `Box<dyn Engine>` it
//! prepares, and nothing else: adding an engine means one module here and one variant of
//! [`EngineSettings`] (`tests/render.rs` renders with a kind of its own through this API).
//!
//! - `warp_engine` (`WarpEngine`): retargets the driving face onto each source, picks the
//!   source per frame (`fewshot`) and warps it with `warp::MeshWarp`, on the CPU or through
//!   wgpu (`gpu::GpuWarp`).
//! - `neural_engine` (`NeuralEngine`): LivePortrait's networks synthesise the face from the
//!   driving frame's neural motion; the crop is pasted back at the portrait's full size.

pub mod details;
pub mod eyes;
pub mod fewshot;
pub mod gpu;
pub mod keep_still;
pub mod kind;
pub mod mouth;
pub mod neural_engine;
pub mod pyramid;
pub mod triangulate;
pub mod warp;
pub mod warp_engine;

use std::sync::Arc;

use image::RgbImage;

use crate::geometry::Face68;
use crate::motion::{Mode, Strengths};
use crate::neural::{NeuralError, Stop};

pub use self::fewshot::SourceChooser;
pub use self::gpu::{GpuError, GpuWarp};
pub use self::keep_still::{StillMask, StillStroke};
pub use self::kind::{
    Analysed, Backend, ClipInput, ClipTrack, DEFAULT_DETAILS, EngineChoice, EngineKind,
    EngineSettings, MAX_DETAILS, TrackEntry, WarpEntry, WarpKind, WarpTrack,
};
pub use self::neural_engine::{NeuralEngine, NeuralKind};
pub use self::warp::MeshWarp;
pub use self::warp_engine::WarpEngine;

/// Mix colour `to` (0–255) into the RGB pixel `px` by `a` (0–1): how what is painted over a
/// drawn frame (the mouth's inside, opened eyes, what is kept still) meets it.
pub(crate) fn blend(px: &mut [u8], to: [f32; 3], a: f32) {
    for (old, new) in px.iter_mut().zip(to) {
        let o = *old as f32;
        *old = (o + (new - o) * a).round().clamp(0.0, 255.0) as u8;
    }
}

/// A portrait to animate: the image and its face's 68 landmarks (pixels of the image).
#[derive(Clone, Debug)]
pub struct SourceFace {
    pub image: RgbImage,
    pub landmarks68: Face68,
    /// What the user keeps still on this picture (`keep_still`), at its size.
    pub keep_still: Option<Arc<StillMask>>,
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
    /// The reference frame's entry in the engine's own track of the clip, when it has one.
    pub reference_track: Option<TrackEntry>,
}

/// What drives one output frame.
#[derive(Clone, Debug)]
pub struct Drive {
    /// The driving face's 68 points: in the driving clip's pixels, or with a voice alone the
    /// first source's face made to speak.
    pub face: Face68,
    /// The driving frame's entry in the engine's own track of the clip, when it has one
    /// (`EngineKind::analyse`).
    pub track: Option<TrackEntry>,
    /// What a voice sets: the lips (alone, or over a clip), the eyes and head (alone).
    pub controls: Option<FaceControls>,
}

impl Drive {
    /// Driving frame `i` of a clip: its 68 points, and its entry in the engine's own track of
    /// the clip when the engine has one.
    pub fn from_clip(
        face: Face68,
        track: Option<&dyn ClipTrack>,
        i: usize,
    ) -> std::io::Result<Self> {
        Ok(Self {
            face,
            track: track.map(|t| t.entry(i)).transpose()?,
            controls: None,
        })
    }
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
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    #[error("internal error: the {engine} engine was given no driving track for this frame")]
    NoTrack { engine: &'static str },
    /// Another engine's own failure.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
    /// The frame was no longer wanted and its drawing stopped part way (`Engine::render_until`).
    #[error("cancelled")]
    Cancelled,
}

/// An animation engine, prepared from its sources.
pub trait Engine: Send {
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

/// The engine `kind` makes, prepared from `sources`.
pub fn prepare(
    sources: Vec<SourceFace>,
    transfer: &Transfer,
    kind: &dyn EngineKind,
) -> Result<Box<dyn Engine>, RenderError> {
    if sources.is_empty() {
        return Err(RenderError::NoSource);
    }
    kind.prepare(sources, transfer)
}
