//! The neural engine's networks at the reference's full size (256² in, 512² out), with random
//! weights made in memory (no files): F per source, M per driving frame, W and G per output
//! frame, and the process's peak memory. The peer is the reference under PyTorch on the same
//! machine (docs/PERFORMANCE.md, `tools/liveportrait-side-by-side.sh`). `VIVANT_THREADS` sets
//! the kernels' threads, `VIVANT_CPU=avx2` the instruction set.
//!
//! Under `cargo test --benches` (no `--bench`) each is run once at a reduced size, as a smoke
//! test. `VIVANT_BENCH_QUICK=1` prints `vivant models bench`'s figures (best of 2) instead of
//! criterion's.

use candle_core::{Device, Tensor};
use criterion::{Criterion, criterion_group, criterion_main};

use vivant::neural::bench::{self, Networks};
use vivant::neural::config::Config;
use vivant::neural::random_weights::RandomWeights;

fn bench(c: &mut Criterion) {
    vivant::init_compute_threads();
    let full = std::env::args().any(|a| a == "--bench");
    let dev = Device::Cpu;
    let nets = if full {
        Networks::random(&dev).expect("networks")
    } else {
        // Smoke test: the same networks, narrow and shallow.
        let mut config = Config::default();
        let f = &mut config.appearance_feature_extractor_params;
        f.block_expansion = 8;
        f.max_features = 32;
        f.reshape_channel = 4;
        f.reshape_depth = 8;
        f.num_resblocks = 1;
        let w = &mut config.warping_module_params;
        w.block_expansion = 2;
        w.max_features = 32;
        w.reshape_channel = 4;
        w.dense_motion_params.block_expansion = 4;
        w.dense_motion_params.max_features = 16;
        w.dense_motion_params.num_blocks = 3;
        w.dense_motion_params.reshape_depth = 8;
        w.dense_motion_params.compress = 1;
        let g = &mut config.spade_generator_params;
        g.block_expansion = 2;
        g.max_features = 16;
        config.input_side = Some(64);
        let weights = RandomWeights {
            dims: [8, 16, 32, 64],
            depths: [1, 1, 1, 1],
            spade_hidden: 8,
            last_block: 4,
        };
        Networks::random_with(config, weights, &dev).expect("networks")
    };

    if std::env::var_os("VIVANT_BENCH_QUICK").is_some() {
        let r = bench::run(&nets, &dev, 2).expect("bench");
        println!(
            "F: {:.3} s\nM: {:.3} s\nW: {:.3} s\nG: {:.3} s\nframe: {:.3} s ({}, {} threads, peak {:.0} MB)",
            r.f, r.m, r.w, r.g, r.frame, r.kernels, r.threads, r.peak_memory_mb
        );
        return;
    }
    let side = nets.config.input_size();
    let k = nets.config.motion_extractor_params.num_kp;
    let image = Tensor::rand(0f32, 1.0, (1, 3, side, side), &dev).expect("image");
    let kp_s = Tensor::rand(-0.6f32, 0.6, (1, k, 3), &dev).expect("kp");
    let kp_d = (&kp_s + Tensor::randn(0f32, 0.05, (1, k, 3), &dev).expect("kp")).expect("kp");
    let feature = nets.appearance.forward(&image).expect("F forward");
    let warped = nets
        .warping
        .forward(&feature, &kp_s, &kp_d)
        .expect("W forward")
        .out;
    let mut group = c.benchmark_group(format!(
        "liveportrait-{}",
        if full { "full" } else { "smoke" }
    ));
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(if full { 10 } else { 1 }));
    group.bench_function("F appearance (per source)", |b| {
        b.iter(|| nets.appearance.forward(&image).expect("F"))
    });
    group.bench_function("M motion (per driving frame)", |b| {
        b.iter(|| nets.motion.forward(&image).expect("M"))
    });
    group.bench_function("W warping (per output frame)", |b| {
        b.iter(|| nets.warping.forward(&feature, &kp_s, &kp_d).expect("W"))
    });
    group.bench_function("G generator (per output frame)", |b| {
        b.iter(|| nets.generator.forward(&warped).expect("G"))
    });
    group.finish();
    println!(
        "liveportrait: peak resident memory {:.0} MB, {}, {} threads, input {side}²",
        bench::peak_memory_mb(),
        vivant::nn::cpu_path().describe(),
        vivant::nn::threads::compute_threads()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
