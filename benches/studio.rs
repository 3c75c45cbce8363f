//! Studio responsiveness: UI frames per second while an export renders in the background.
//! The real app in an egui_kittest harness, each frame laid out, tessellated and drawn with
//! wgpu (the software adapter here), the bundled demo project's Mona Lisa and the bundled
//! webcam clip, playback running, and an export of the whole clip on the worker threads.
//! `cargo bench --bench studio` measures 20 s; `cargo test --benches` runs 2 s as a smoke test.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::vec2;
use egui_kittest::Harness;
use vivant::studio::{StudioApp, StudioOptions};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let measure = Duration::from_secs(if full { 20 } else { 2 });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let state = tempfile::tempdir().expect("temp dir");
    let out = state.path().join("bench.mp4");
    let (source, clip) = if full {
        ("assets/mona_lisa.jpg", "assets/driving_webcam_20s.mp4")
    } else {
        (
            "tests/fixtures/astronaut.png",
            "tests/fixtures/webcam_2s.mp4",
        )
    };
    let state_dir = state.path().to_path_buf();
    let mut h = Harness::builder()
        .with_size(vec2(1440.0, 900.0))
        .with_render_every_step(true)
        .wgpu()
        .build_eframe(move |cc| {
            StudioApp::new(
                &cc.egui_ctx,
                StudioOptions {
                    project: None,
                    state_dir: Some(state_dir),
                    sound: false,
                    demo_on_first_launch: false,
                    desktop_dialogs: false,
                    media: Vec::new(),
                },
            )
        });
    h.state_mut().add_path(&root.join(source));
    h.state_mut().add_path(&root.join(clip));
    let start = Instant::now();
    while !(h.state().preview_ready() && h.state().preview.cache.get(0).is_some()) {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "preview never came"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    println!("preview ready after {:.1} s", start.elapsed().as_secs_f64());
    // Baselines: the window redrawn while paused (no new pictures), then playing; no export.
    h.set_render_every_step(true);
    for (what, play) in [("paused", false), ("playing", true)] {
        if play {
            h.state_mut().toggle_play();
        }
        let mut times = Vec::new();
        let start = Instant::now();
        while start.elapsed() < measure / 2 {
            let t = Instant::now();
            h.step();
            times.push(t.elapsed().as_secs_f64());
        }
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        println!(
            "studio UI {what}, no export, each frame drawn by the software GPU: {:.1} frames/s mean ({:.1} ms) over {} frames",
            1.0 / mean,
            mean * 1e3,
            times.len()
        );
    }
    let mut exports = 0;
    for render in [true, false] {
        h.set_render_every_step(render);
        let mut times = Vec::new();
        let mut finished = 0;
        let start = Instant::now();
        while start.elapsed() < measure {
            // Keep an export running all along.
            if !h.state().exporting() {
                if let Some(Some(Err(e))) = h.state().export.as_ref().map(|e| e.finished.as_ref()) {
                    panic!("export failed: {e}");
                }
                if h.state().export.is_some() {
                    finished += 1;
                }
                h.state_mut().start_export(out.clone());
                exports += 1;
            }
            if !h.state().player.is_playing() {
                h.state_mut().toggle_play();
            }
            let t = Instant::now();
            h.step();
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
        println!(
            "studio UI while exporting and playing, {}: {:.1} frames/s mean ({:.1} ms), p95 {:.1} ms, worst {:.1} ms over {} frames; {} exports finished meanwhile",
            if render {
                "each frame drawn by the software GPU (lavapipe)"
            } else {
                "UI pass only (layout, textures, tessellation)"
            },
            1.0 / mean,
            mean * 1e3,
            p95 * 1e3,
            times.last().copied().unwrap_or(0.0) * 1e3,
            times.len(),
            finished
        );
    }
    h.state_mut().cancel_export();
    println!(
        "{exports} exports started, {} preview frames cached",
        h.state().preview.cache.len()
    );
}
