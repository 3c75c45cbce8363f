//! Vivant brings portraits to life: a photo or painting animated by a driving video.
//!
//! The crate is organised by pipeline stage (see docs/ARCHITECTURE.md):
//! `media` (reading images, later video and audio) → `face` (detector, landmarks, mesh) →
//! motion → render → export, with `cli` as a front end.

pub mod cli;
pub mod face;
pub mod media;
pub mod models;

/// Version string written into outputs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
