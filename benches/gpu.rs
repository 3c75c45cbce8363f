//! GPU benchmark: the warp engine's wgpu back end against its CPU back end at 1024×1024,
//! 1920×1080 and 3840×2160 (a large painting), frames rendered and read back to RAM one at a
//! time as the pipeline does. On a machine without a GPU it measures Mesa's software adapter.
//! `cargo test --benches` runs a small version as a smoke test.

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use vivant::render::{GpuWarp, MeshWarp};

fn main() {
    vivant::init_compute_threads();
    let full = std::env::args().any(|a| a == "--bench");
    println!(
        "gpu benchmark ({})",
        if full { "full" } else { "smoke test" }
    );
    let sizes: &[(u32, u32)] = if full {
        &[(1024, 1024), (1920, 1080), (3840, 2160)]
    } else {
        &[(512, 512)]
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for &(w, h) in sizes {
        let (img, lm) = common::portrait(w, h);
        let frames = if full { 200 } else { 3 };
        let targets = common::sway_and_talk(&lm, frames);
        let engine = MeshWarp::new(img, &lm);
        let t = Instant::now();
        for target in &targets {
            let _ = engine.render(target);
        }
        let cpu = frames as f64 / t.elapsed().as_secs_f64();
        println!("warp {w}x{h}, CPU, {cores} thread(s): {cpu:.1} frames/s");
        match GpuWarp::new(&engine) {
            Ok(gpu) => {
                // The first frame compiles pipelines and warms caches: not timed.
                gpu.render(&engine, &targets[0], None, None)
                    .unwrap_or_else(|e| panic!("{e}"));
                let t = Instant::now();
                for target in &targets {
                    gpu.render(&engine, target, None, None)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                let fps = frames as f64 / t.elapsed().as_secs_f64();
                println!(
                    "warp {w}x{h}, wgpu on {}, read back each frame: {fps:.1} frames/s",
                    gpu.adapter()
                );
            }
            Err(e) => println!("warp {w}x{h}, wgpu: not measured ({e})"),
        }
    }
}
