//! Vivant brings portraits to life: a photo or painting animated by a driving video.
//!
//! The crate is organised by pipeline stage (see docs/ARCHITECTURE.md):
//! `media` (images, video, audio, timeline summaries) → `face` (detector, landmarks, mesh) →
//! `motion` (tracking the driving clip, smoothing, cache, retargeting) → `render` (engines) → `export` (MP4 with sound),
//! with `cli` and `studio` (the eframe window) as front ends.

pub mod cli;
pub mod devices;
pub mod eval;
pub mod export;
pub mod face;
pub mod geometry;
pub mod media;
pub mod models;
pub mod motion;
pub mod neural;
pub mod nn;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod studio;

/// Version string written into outputs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Configure candle's CPU threading for Vivant's workload; call first thing in `main`, before
/// any other thread exists.
///
/// The face networks are small (0.1–0.6 M parameters, 112–192 px inputs): splitting each op
/// over cores costs more in hand-offs than it gains (measured: BlazeFace 14.5 ms with 2 threads
/// per op, 10.1 ms with 1). Vivant runs independent work (the 68-point net beside the mesh,
/// frames of a clip) on separate threads instead. An explicit `RAYON_NUM_THREADS` or
/// `CANDLE_NUM_THREADS` from the user wins.
pub fn init_compute_threads() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none()
        && std::env::var_os("CANDLE_NUM_THREADS").is_none()
    {
        // SAFETY: called at start-up, before any thread that could read the environment exists.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
}

/// What a panicked thread said (its message, when it was text), for the typed error that
/// reports it.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}
