//! How fast the networks run here: `vivant models bench`, the `liveportrait` benchmark and
//! the side-by-side script (`tools/liveportrait-side-by-side.sh`) all time them through this.
//!
//! F, M, W and G are each run once to warm up (the first call sizes the kernels' buffers),
//! then `runs` times; the best time counts, as the reference's own speed was measured
//! (`docs/PERFORMANCE.md`). A frame is M + W + G: one driving frame's motion, one warp and one
//! decode.

use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::Serialize;

use super::appearance::AppearanceFeatureExtractor;
use super::config::Config;
use super::generator::SpadeGenerator;
use super::motion::MotionExtractor;
use super::random_weights::RandomWeights;
use super::warping::WarpingNetwork;
use super::{LivePortrait, NeuralError};

/// The four networks timed (S is negligible).
pub struct Networks {
    pub appearance: AppearanceFeatureExtractor,
    pub motion: MotionExtractor,
    pub warping: WarpingNetwork,
    pub generator: SpadeGenerator,
    pub config: Config,
    /// "random full-size weights" or the folder's path.
    pub weights: String,
}

impl Networks {
    /// The reference's full-size networks with random weights made in memory.
    pub fn random(device: &Device) -> Result<Self, NeuralError> {
        Self::random_with(Config::default(), RandomWeights::full(), device)
    }

    /// Networks of any size with random weights (the benchmarks' smoke test shrinks them).
    pub fn random_with(
        config: Config,
        weights: RandomWeights,
        device: &Device,
    ) -> Result<Self, NeuralError> {
        config.validate().map_err(|reason| NeuralError::Config {
            path: "(benchmark)".into(),
            reason,
        })?;
        let vb = VarBuilder::from_backend(Box::new(weights), DType::F32, device.clone());
        Ok(Self {
            appearance: AppearanceFeatureExtractor::load(
                &vb.pp("F"),
                &config.appearance_feature_extractor_params,
            )?,
            motion: MotionExtractor::load(&vb.pp("M"), &config.motion_extractor_params)?,
            warping: WarpingNetwork::load(&vb.pp("W"), &config.warping_module_params)?,
            generator: SpadeGenerator::load(&vb.pp("G"), &config.spade_generator_params)?,
            config,
            weights: "random full-size weights".into(),
        })
    }

    /// The user's networks.
    pub fn from(lp: LivePortrait, weights: String) -> Self {
        Self {
            appearance: lp.appearance,
            motion: lp.motion,
            warping: lp.warping,
            generator: lp.generator,
            config: lp.config,
            weights,
        }
    }
}

/// Seconds per call of each network (the best of the runs), and how they ran.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    #[serde(rename = "F")]
    pub f: f64,
    #[serde(rename = "M")]
    pub m: f64,
    #[serde(rename = "W")]
    pub w: f64,
    #[serde(rename = "G")]
    pub g: f64,
    /// M + W + G: one output frame.
    pub frame: f64,
    /// What a 10-s clip at 25 frames/s takes: F once, 250 frames.
    pub clip_10s: f64,
    pub weights: String,
    pub device: String,
    /// The CPU kernels ("avx512 (Winograd where it pays)"), or the GPU back end.
    pub kernels: String,
    pub precision: String,
    pub threads: usize,
    pub runs: usize,
    /// Side of the square input (256 at full size); the output is twice that.
    pub input: usize,
    /// Peak resident memory of the process so far, MB (0 where it cannot be read).
    pub peak_memory_mb: f64,
}

/// Time the networks on `device` (random inputs of the configured size).
pub fn run(nets: &Networks, device: &Device, runs: usize) -> Result<Report, NeuralError> {
    let side = nets.config.input_size();
    let k = nets.config.motion_extractor_params.num_kp;
    let image = Tensor::rand(0f32, 1.0, (1, 3, side, side), device)?;
    let kp_s = Tensor::rand(-0.6f32, 0.6, (1, k, 3), device)?;
    let kp_d = (&kp_s + Tensor::randn(0f32, 0.05, (1, k, 3), device)?)?;
    let feature = nets.appearance.forward(&image)?;
    let warped = nets.warping.forward(&feature, &kp_s, &kp_d)?.out;
    let runs = runs.max(1);
    let best = |f: &dyn Fn() -> candle_core::Result<()>| -> candle_core::Result<f64> {
        f()?; // warm-up
        let mut best = f64::INFINITY;
        for _ in 0..runs {
            let t = Instant::now();
            f()?;
            // The GPU runs asynchronously: wait for it before reading the clock.
            device.synchronize()?;
            best = best.min(t.elapsed().as_secs_f64());
        }
        Ok(best)
    };
    let f = best(&|| nets.appearance.forward(&image).map(drop))?;
    let m = best(&|| nets.motion.forward(&image).map(drop))?;
    let w = best(&|| nets.warping.forward(&feature, &kp_s, &kp_d).map(drop))?;
    let g = best(&|| nets.generator.forward(&warped).map(drop))?;
    let frame = m + w + g;
    let (device_name, kernels, threads) = if device.is_cpu() {
        (
            "cpu".to_string(),
            crate::nn::cpu_path().describe(),
            crate::nn::threads::compute_threads(),
        )
    } else if device.is_cuda() {
        ("cuda".to_string(), "cuda".to_string(), 0)
    } else {
        ("metal".to_string(), "metal".to_string(), 0)
    };
    Ok(Report {
        f,
        m,
        w,
        g,
        frame,
        clip_10s: f + 250.0 * frame,
        weights: nets.weights.clone(),
        device: device_name,
        kernels,
        precision: "f32".into(),
        threads,
        runs,
        input: side,
        peak_memory_mb: peak_memory_mb(),
    })
}

/// Peak resident memory so far (Linux's VmHWM), MB; 0 where it cannot be read.
pub fn peak_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
