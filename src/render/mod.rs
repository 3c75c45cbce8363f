//! The render stage: animation engines. An engine is prepared once from the source
//! portrait(s) and then renders one frame per target motion; the pipeline, CLI and studio see
//! only this boundary, so a neural engine can sit next to the warp engine later.

pub mod fewshot;
pub mod gpu;
pub mod mouth;
pub mod pyramid;
pub mod triangulate;
pub mod warp;

use image::RgbImage;

use crate::geometry::Face68;

pub use self::fewshot::SourceChooser;
pub use self::gpu::{GpuError, GpuWarp};
pub use self::warp::WarpEngine;

/// A portrait to animate: the image and its face's 68 landmarks (pixels of the image).
#[derive(Clone, Debug)]
pub struct SourceFace {
    pub image: RgbImage,
    pub landmarks68: Face68,
}

/// An animation engine.
pub trait Engine: Send + Sync {
    fn name(&self) -> &'static str;
    /// Output size (the source's size for the warp engine).
    fn size(&self) -> (u32, u32);
    /// The source's 68 landmarks, the frame of reference for targets.
    fn source_landmarks(&self) -> &Face68;
    /// One frame with the face's landmarks at `target` (source pixels).
    fn render(&self, target: &Face68) -> RgbImage;
}

impl Engine for WarpEngine {
    fn name(&self) -> &'static str {
        "warp"
    }

    fn size(&self) -> (u32, u32) {
        self.source().dimensions()
    }

    fn source_landmarks(&self) -> &Face68 {
        self.landmarks()
    }

    fn render(&self, target: &Face68) -> RgbImage {
        WarpEngine::render(self, target)
    }
}
