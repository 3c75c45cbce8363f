//! The face stage: finding faces and their landmarks with pretrained networks in candle.
//!
//! - `detector`: BlazeFace on the whole image → boxes and 6 keypoints.
//! - `landmarks68`: face-api's 68-point net on an upright crop placed by the mesh.
//! - `mesh`: MediaPipe's 468-point mesh, and its mapping to the 68 points.
//! - `crop`: the affine crops all three share; `nn`: their common layers.
//! - `analyzer`: the three together, the stage's entry point; `overlay`: drawing the results.

pub mod analyzer;
pub mod crop;
pub mod detector;
pub mod landmarks68;
pub mod mesh;
pub mod nn;
pub mod overlay;

pub use analyzer::{Analyzer, AnalyzerError, AnalyzerOptions, DeviceChoice, Face, Quality};
pub use detector::Detection;
