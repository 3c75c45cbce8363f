//! The studio: an eframe window over the same pipeline the CLI runs. Data and actions live in
//! `app` (with `project`, `edit`, `playback` and `worker` beside it), drawing in `ui`.

pub mod app;
pub mod commands;
pub mod edit;
pub mod playback;
pub mod project;
pub mod ui;
pub mod worker;

use std::path::PathBuf;

pub use self::app::{StudioApp, StudioOptions};

/// The bundled demo project (Mona Lisa and the bundled webcam clip).
pub fn demo_project() -> PathBuf {
    let here = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("../../assets/demo.vivant")))
        .filter(|p| p.exists());
    here.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.vivant"))
}

/// Open the studio window; returns when it is closed.
pub fn run(options: StudioOptions) -> Result<(), String> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Vivant")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([960.0, 600.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Vivant",
        native,
        Box::new(move |cc| Ok(Box::new(StudioApp::new(&cc.egui_ctx, options)))),
    )
    .map_err(|e| {
        format!("cannot open the studio window: {e} (is a display available? `make demo` renders without one)")
    })
}
