//! The studio: an eframe window over the same pipeline the CLI runs. Data and actions live in
//! `app` (with `project`, `edit`, `playback` and `worker` beside it), drawing in `ui`.

pub mod app;
pub mod commands;
pub mod edit;
pub mod playback;
pub mod project;
pub mod ui;
pub mod worker;

use std::path::{Path, PathBuf};

pub use self::app::{StudioApp, StudioOptions};

/// The bundled demo project (Mona Lisa and the bundled webcam clip).
pub fn demo_project() -> PathBuf {
    // Installed (…/bin/vivant with …/share/vivant/demo: the .deb and the AppImage; the
    // macOS bundle's Resources; beside vivant.exe on Windows), or built in a checkout
    // (target/release/vivant).
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    let here = exe_dir.and_then(|d| {
        [
            d.join("../share/vivant/demo/demo.vivant"),
            d.join("../Resources/demo/demo.vivant"),
            d.join("demo/demo.vivant"),
            d.join("../../assets/demo.vivant"),
        ]
        .into_iter()
        .find(|p| p.exists())
    });
    here.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.vivant"))
}

/// Open the studio window; returns when it is closed.
pub fn run(options: StudioOptions) -> Result<(), String> {
    // The window's icon and the desktop's name for it (matches the .desktop entry's
    // StartupWMClass, so docks group the window under Vivant's launcher).
    let mut viewport = egui::ViewportBuilder::default().with_app_id("vivant");
    if let Ok(icon) =
        eframe::icon_data::from_png_bytes(include_bytes!("../../installers/icons/vivant-256.png"))
    {
        viewport = viewport.with_icon(icon);
    }
    let native = eframe::NativeOptions {
        viewport: viewport
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
