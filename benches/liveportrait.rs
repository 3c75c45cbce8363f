//! The neural engine's networks at the reference's full size (256² in, 512² out), with random
//! weights made in memory (no files): F per source, M per driving frame, W and G per output
//! frame, and the process's peak memory. The peer is the reference under PyTorch on the same
//! machine (docs/PERFORMANCE.md). `VIVANT_THREADS` sets the kernels' threads.
//!
//! Under `cargo test --benches` (no `--bench`) each is run once at a reduced size, as a smoke
//! test.

#[path = "common/memory.rs"]
mod memory;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/random_weights.rs"]
mod random_weights;
use random_weights::RandomWeights;
use vivant::neural::appearance::AppearanceFeatureExtractor;
use vivant::neural::config::Config;
use vivant::neural::generator::SpadeGenerator;
use vivant::neural::motion::MotionExtractor;
use vivant::neural::warping::WarpingNetwork;

fn bench(c: &mut Criterion) {
    vivant::init_compute_threads();
    let full = std::env::args().any(|a| a == "--bench");
    let dev = Device::Cpu;
    let mut config = Config::default();
    let (weights, side) = if full {
        (RandomWeights::full(), 256)
    } else {
        // Smoke test: the same networks, narrow and shallow.
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
        (
            RandomWeights {
                dims: [8, 16, 32, 64],
                depths: [1, 1, 1, 1],
                spade_hidden: 8,
                last_block: 4,
            },
            64,
        )
    };
    config.validate().expect("bench configuration");
    let vb = VarBuilder::from_backend(Box::new(weights), DType::F32, dev.clone());
    let f =
        AppearanceFeatureExtractor::load(&vb.pp("F"), &config.appearance_feature_extractor_params)
            .expect("F");
    let m = MotionExtractor::load(&vb.pp("M"), &config.motion_extractor_params).expect("M");
    let w = WarpingNetwork::load(&vb.pp("W"), &config.warping_module_params).expect("W");
    let g = SpadeGenerator::load(&vb.pp("G"), &config.spade_generator_params).expect("G");

    let image = Tensor::rand(0f32, 1.0, (1, 3, side, side), &dev).expect("image");
    let k = config.motion_extractor_params.num_kp;
    let kp_s = Tensor::rand(-0.6f32, 0.6, (1, k, 3), &dev).expect("kp");
    let kp_d = (&kp_s + Tensor::randn(0f32, 0.05, (1, k, 3), &dev).expect("kp")).expect("kp");
    let feature = f.forward(&image).expect("F forward");
    let warped = w.forward(&feature, &kp_s, &kp_d).expect("W forward").out;

    // A quick look while tuning kernels: each network twice, plain wall-clock times.
    if std::env::var_os("VIVANT_BENCH_QUICK").is_some() {
        let time = |name: &str, f: &dyn Fn()| {
            f();
            let t = std::time::Instant::now();
            f();
            println!("{name}: {:.3} s", t.elapsed().as_secs_f64());
        };
        for (c_in, c_out, side, k, dims) in [
            (512usize, 512usize, 64usize, 3usize, 2usize),
            (256, 64, 256, 3, 2),
            (32, 32, 64, 3, 3),
            (142, 22, 64, 7, 3),
        ] {
            let shape: Vec<usize> = if dims == 2 {
                vec![c_out, c_in, k, k]
            } else {
                vec![c_out, c_in, k, k, k]
            };
            let wt = Tensor::randn(0f32, 0.02, shape, &dev).expect("w");
            let conv = vivant::nn::Conv::new(&wt, None, 1, k / 2).expect("conv");
            let x = if dims == 2 {
                Tensor::randn(0f32, 1.0, (1, c_in, side, side), &dev)
            } else {
                Tensor::randn(0f32, 1.0, (1, c_in, 16, side, side), &dev)
            }
            .expect("x");
            let spatial = if dims == 2 {
                side * side
            } else {
                16 * side * side
            };
            let t0 = std::time::Instant::now();
            conv.forward(&x).expect("conv");
            let s = t0.elapsed().as_secs_f64();
            println!(
                "conv {c_in}->{c_out} {k}^{dims} at {side}: {s:.3} s, {:.1} GFLOP/s",
                conv.flops(spatial) / s / 1e9
            );
        }
        time("F", &|| drop(f.forward(&image).expect("F")));
        time("M", &|| drop(m.forward(&image).expect("M")));
        time("W", &|| drop(w.forward(&feature, &kp_s, &kp_d).expect("W")));
        time("G", &|| drop(g.forward(&warped).expect("G")));
        return;
    }
    let mut group = c.benchmark_group(format!(
        "liveportrait-{}",
        if full { "full" } else { "smoke" }
    ));
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(if full { 10 } else { 1 }));
    group.bench_function("F appearance (per source)", |b| {
        b.iter(|| f.forward(&image).expect("F"))
    });
    group.bench_function("M motion (per driving frame)", |b| {
        b.iter(|| m.forward(&image).expect("M"))
    });
    group.bench_function("W warping (per output frame)", |b| {
        b.iter(|| w.forward(&feature, &kp_s, &kp_d).expect("W"))
    });
    group.bench_function("G generator (per output frame)", |b| {
        b.iter(|| g.forward(&warped).expect("G"))
    });
    group.finish();
    println!(
        "liveportrait: peak resident memory {:.0} MB, {} threads, input {side}²",
        memory::peak_rss_mb(),
        vivant::nn::threads::compute_threads()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
