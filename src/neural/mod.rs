//! The neural engine's networks: LivePortrait's five (Guo et al. 2024, MIT), ported from the
//! reference implementation and run in candle on the CPU, CUDA or Metal from the weights a
//! user downloaded. Vivant never bundles them, and downloads them only when asked (`fetch`).
//!
//! - `weights`: finding and reading the checkpoints (`.pth` or `.safetensors`) in the layouts
//!   they come in (a flat folder, the authors', the Hugging Face cache, ComfyUI's).
//! - `fetch`: `vivant models fetch` and the studio's Download button: the five files from the
//!   Hugging Face Hub into its cache.
//! - `config`: the networks' configuration (defaults = the reference's).
//! - `appearance` (F), `motion` (M), `warping` (W), `generator` (G), `stitching` (S).
//! - `keypoints`: head pose, rotation, keypoint transform, relative motion.
//! - `bench`: how fast they run here (`vivant models bench`, the benchmarks), with
//!   `random_weights` when no real ones are given.
//! - `crop`: the square the networks see, placed from the 68 points; `paste`: the generated
//!   crop blended back into the full-resolution portrait.
//!
//! Use: [`LivePortrait::load`] once; per source image [`LivePortrait::prepare_source`] (F and
//! M, once); per driving frame [`LivePortrait::motion`] (M); per output frame
//! [`LivePortrait::stitch`] and [`LivePortrait::warp_decode`] (W and G).

pub mod appearance;
pub mod bench;
pub mod config;
pub mod crop;
pub mod fetch;
pub mod generator;
pub mod keypoints;
pub mod motion;
pub mod paste;
pub mod random_weights;
pub mod stitching;
pub mod stop;
pub mod warping;
pub mod weights;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

pub use config::Config;
pub use keypoints::{Keypoints, KpInfo};
pub use stop::Stop;
pub use weights::{Checkpoint, Format, Network};

use appearance::AppearanceFeatureExtractor;
use generator::SpadeGenerator;
use motion::{MotionExtractor, MotionOutput};
use stitching::StitchingRetargeting;
use warping::{WarpOutput, WarpingNetwork};

#[derive(Debug, thiserror::Error)]
pub enum NeuralError {
    #[error(
        "no weights for the {} in {dir}: expected {stem}.pth or {stem}.safetensors (the file names LivePortrait publishes; download them and point Vivant at that folder)",
        network.describe(), stem = network.stem()
    )]
    MissingFile { dir: PathBuf, network: Network },
    #[error(
        "{dir} holds none of LivePortrait's weights: give the folder with the five files (appearance_feature_extractor, motion_extractor, warping_module, spade_generator, stitching_retargeting_module; .pth or .safetensors), the authors' pretrained_weights/ or its liveportrait/ folder, a Hugging Face cache (hub/ or models--KwaiVGI--LivePortrait/), or ComfyUI's models/liveportrait/"
    )]
    NoWeightsIn { dir: PathBuf },
    #[error(
        "the neural engine needs LivePortrait's weights, which Vivant does not bundle: `vivant models fetch` downloads appearance_feature_extractor, motion_extractor, warping_module, spade_generator and stitching_retargeting_module from Hugging Face (KwaiVGI/LivePortrait), or give the folder where you have them (.pth or .safetensors) with --weights DIR"
    )]
    NoWeights,
    #[error(
        "LivePortrait's weights were not found; looked in {}. Download them with `vivant models fetch` (≈ 520 MB from Hugging Face, MIT licence), or give the folder holding appearance_feature_extractor, motion_extractor, warping_module, spade_generator and stitching_retargeting_module (.pth or .safetensors) with --weights DIR",
        if looked.is_empty() { "nowhere (no home folder or Hugging Face cache is set)".to_string() } else { looked.join(", ") }
    )]
    NotFound { looked: Vec<String> },
    #[error("{dir} is not a folder of LivePortrait weights: {reason}")]
    NotAFolder { dir: PathBuf, reason: String },
    #[error(
        "{path} has the name of the {}'s weights but is {what}; it must be the .pth or .safetensors file itself",
        network.describe()
    )]
    NotAWeightsFile {
        path: PathBuf,
        network: Network,
        what: &'static str,
    },
    #[error(
        "cannot read {path}: {reason} (the file may be truncated or not a checkpoint: download it again)"
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: tensor {name} {problem}")]
    Tensor {
        path: PathBuf,
        name: String,
        problem: String,
    },
    #[error(
        "{path}: {reason} (the weights do not fit the configuration; is {config} the one that came with them?)"
    )]
    Shape {
        path: PathBuf,
        reason: String,
        config: String,
    },
    #[error("invalid {path}: {reason}")]
    Config { path: PathBuf, reason: String },
    #[error("neural network failed: {0}")]
    Net(#[from] candle_core::Error),
    /// Stopped between blocks on request ([`Stop`]); not a failure.
    #[error("cancelled")]
    Cancelled,
}

/// A network's error back as candle's, for the plain `forward`s that never stop (a
/// `Cancelled` cannot come from them; were it to, it stays a clear error).
pub(crate) fn into_candle(e: NeuralError) -> candle_core::Error {
    match e {
        NeuralError::Net(e) => e,
        other => candle_core::Error::Msg(other.to_string()),
    }
}

/// `dir` is a folder (the error says what it is instead).
pub(crate) fn require_folder(dir: &Path) -> Result<(), NeuralError> {
    if dir.is_dir() {
        // A folder Vivant may not read would otherwise look empty ("no weights").
        return match std::fs::read_dir(dir) {
            Ok(_) => Ok(()),
            Err(e) => Err(NeuralError::NotAFolder {
                dir: dir.to_path_buf(),
                reason: format!("it cannot be read ({e}); check its permissions"),
            }),
        };
    }
    Err(NeuralError::NotAFolder {
        dir: dir.to_path_buf(),
        reason: if dir.exists() {
            "it is a file".into()
        } else {
            "it does not exist".into()
        },
    })
}

/// The configuration for a weights folder: its `config.json` if there is one (beside the
/// weights in whatever layout they are, else in `dir`), else the reference's defaults.
pub fn load_config(dir: &Path) -> Result<(Config, Option<PathBuf>), NeuralError> {
    require_folder(dir)?;
    let path = match weights::resolve(dir) {
        Ok(location) => location.config,
        Err(_) => Some(dir.join("config.json")).filter(|p| weights::something_at(p)),
    };
    config_at(path)
}

/// The configuration in `path` (a `config.json`), or the reference's defaults without one.
fn config_at(path: Option<PathBuf>) -> Result<(Config, Option<PathBuf>), NeuralError> {
    let Some(path) = path else {
        return Ok((Config::default(), None));
    };
    // A folder is no configuration, and a pipe would block the read.
    if let Some(what) = weights::not_a_file(&path) {
        return Err(NeuralError::Config {
            path,
            reason: format!("it is {what}, not a file"),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|e| NeuralError::Config {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let config = Config::from_json(&text).map_err(|reason| NeuralError::Config {
        path: path.clone(),
        reason,
    })?;
    Ok((config, Some(path)))
}

/// What is computed once per source image.
#[derive(Clone, Debug)]
pub struct Source {
    /// F's feature volume (1, C, D, H, W).
    pub feature: Tensor,
    pub info: KpInfo,
    /// The source's transformed keypoints x_s.
    pub x_s: Keypoints,
}

/// The five networks, ready to run on one device.
pub struct LivePortrait {
    pub config: Config,
    pub appearance: AppearanceFeatureExtractor,
    pub motion: MotionExtractor,
    pub warping: WarpingNetwork,
    pub generator: SpadeGenerator,
    pub stitching: StitchingRetargeting,
    /// SHA-256 of the motion extractor's file: what a cached driving motion was made with.
    pub motion_id: String,
    device: Device,
}

impl std::fmt::Debug for LivePortrait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivePortrait")
            .field("input_size", &self.config.input_size())
            .field("num_kp", &self.num_kp())
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

/// A VarBuilder over one checkpoint's tensors on `device`.
fn var_builder(ckpt: Checkpoint, device: &Device) -> Result<VarBuilder<'static>, NeuralError> {
    let tensors: HashMap<String, Tensor> = ckpt
        .tensors
        .into_iter()
        .map(|(k, v)| Ok((k, v.to_device(device)?)))
        .collect::<candle_core::Result<_>>()?;
    Ok(VarBuilder::from_tensors(tensors, DType::F32, device))
}

impl LivePortrait {
    /// Load every network from `dir` (see [`weights`]) onto `device`.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, NeuralError> {
        let location = weights::resolve(dir)?;
        let (config, config_path) = config_at(location.config.clone())?;
        let checkpoints = location
            .files
            .iter()
            .map(|(n, path, format)| weights::read_file(path, *n, *format))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_checkpoints(config, config_path.as_deref(), checkpoints, device)
    }

    /// Build the networks from checkpoints already read (one per [`Network`]).
    pub fn from_checkpoints(
        config: Config,
        config_path: Option<&Path>,
        checkpoints: Vec<Checkpoint>,
        device: &Device,
    ) -> Result<Self, NeuralError> {
        let config_name = config_path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the default configuration (no config.json)".into());
        let mut by_network: HashMap<Network, Checkpoint> =
            checkpoints.into_iter().map(|c| (c.network, c)).collect();
        let take = |network: Network| -> Result<(VarBuilder<'static>, PathBuf), NeuralError> {
            let ckpt = by_network
                .remove(&network)
                .ok_or_else(|| NeuralError::MissingFile {
                    dir: PathBuf::from("."),
                    network,
                })?;
            let path = ckpt.path.clone();
            Ok((var_builder(ckpt, device)?, path))
        };
        Self::assemble(config, &config_name, take, device)
    }

    /// The networks from weights already in memory (`weights(network)` gives each network's
    /// VarBuilder, named as in its checkpoint): benchmarks with random full-size weights.
    pub fn from_var_builders(
        config: Config,
        weights: impl Fn(Network) -> VarBuilder<'static>,
        device: &Device,
    ) -> Result<Self, NeuralError> {
        let take = |n: Network| Ok((weights(n), PathBuf::from(format!("(in memory: {n:?})"))));
        Self::assemble(config, "the configuration given", take, device)
    }

    fn assemble(
        config: Config,
        config_name: &str,
        mut take: impl FnMut(Network) -> Result<(VarBuilder<'static>, PathBuf), NeuralError>,
        device: &Device,
    ) -> Result<Self, NeuralError> {
        let shape_error = |path: &Path, e: candle_core::Error| NeuralError::Shape {
            path: path.to_path_buf(),
            reason: e.to_string().lines().next().unwrap_or_default().to_string(),
            config: config_name.to_string(),
        };
        let (vb, path) = take(Network::Appearance)?;
        let appearance =
            AppearanceFeatureExtractor::load(&vb, &config.appearance_feature_extractor_params)
                .map_err(|e| shape_error(&path, e))?;
        let (vb, path) = take(Network::Motion)?;
        let motion = MotionExtractor::load(&vb, &config.motion_extractor_params)
            .map_err(|e| shape_error(&path, e))?;
        // What a cached driving motion was read with: the file's hash (in-memory weights
        // are never cached against: their name is not a file).
        let motion_id = if path.is_file() {
            let mut h = <sha2::Sha256 as sha2::Digest>::new();
            crate::models::hash_file(&mut h, &path).map_err(|e| NeuralError::Unreadable {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            crate::models::hex(&sha2::Digest::finalize(h))
        } else {
            format!("{} {:?}", path.display(), std::time::SystemTime::now())
        };
        let (vb, path) = take(Network::Warping)?;
        let warping = WarpingNetwork::load(&vb, &config.warping_module_params)
            .map_err(|e| shape_error(&path, e))?;
        let (vb, path) = take(Network::Generator)?;
        let generator = SpadeGenerator::load(&vb, &config.spade_generator_params)
            .map_err(|e| shape_error(&path, e))?;
        let (vb, path) = take(Network::Stitching)?;
        let stitching =
            StitchingRetargeting::load(&vb, &config.stitching_retargeting_module_params)
                .map_err(|e| shape_error(&path, e))?;
        Ok(Self {
            config,
            appearance,
            motion,
            warping,
            generator,
            stitching,
            motion_id,
            device: device.clone(),
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn num_kp(&self) -> usize {
        self.config.motion_extractor_params.num_kp
    }

    /// F on an image (N, 3, H, W) in [0, 1].
    pub fn appearance_features(&self, image: &Tensor) -> Result<Tensor, NeuralError> {
        Ok(self.appearance.forward(&image.to_device(&self.device)?)?)
    }

    /// M's raw outputs on an image (N, 3, H, W) in [0, 1].
    pub fn motion_output(&self, image: &Tensor) -> Result<MotionOutput, NeuralError> {
        Ok(self.motion.forward(&image.to_device(&self.device)?)?)
    }

    /// M on one image (1, 3, H, W), post-processed (angles in degrees).
    pub fn motion(&self, image: &Tensor) -> Result<KpInfo, NeuralError> {
        KpInfo::from_output(&self.motion_output(image)?)?
            .into_iter()
            .next()
            .ok_or_else(|| NeuralError::Net(candle_core::Error::Msg("empty batch".into())))
    }

    /// Everything computed once per source image: F, M and x_s.
    pub fn prepare_source(&self, image: &Tensor) -> Result<Source, NeuralError> {
        let feature = self.appearance_features(image)?;
        let info = self.motion(image)?;
        let x_s = info.transformed();
        Ok(Source { feature, info, x_s })
    }

    fn keypoints_tensor(&self, kp: &[[f32; 3]]) -> Result<Tensor, NeuralError> {
        Ok(Tensor::from_vec(
            keypoints::flat(kp, &[]),
            (1, kp.len(), 3),
            &self.device,
        )?)
    }

    fn run_mlp(&self, mlp: &stitching::Mlp, input: Vec<f32>) -> Result<Vec<f32>, NeuralError> {
        let n = input.len();
        let x = Tensor::from_vec(input, (1, n), &self.device)?;
        Ok(mlp.forward(&x)?.flatten_all()?.to_vec1::<f32>()?)
    }

    /// The stitching MLP's raw output for (x_s, x_d): 3K keypoint offsets and a shared (tx, ty).
    pub fn stitch_delta(
        &self,
        x_s: &[[f32; 3]],
        x_d: &[[f32; 3]],
    ) -> Result<Vec<f32>, NeuralError> {
        let mut input = keypoints::flat(x_s, &[]);
        input.extend(keypoints::flat(x_d, &[]));
        self.run_mlp(&self.stitching.stitching, input)
    }

    /// x_d corrected by stitching: x_d + δ[..3K], then x and y shifted by δ[3K..3K+2].
    pub fn stitch(&self, x_s: &[[f32; 3]], x_d: &[[f32; 3]]) -> Result<Keypoints, NeuralError> {
        let delta = self.stitch_delta(x_s, x_d)?;
        let k = x_d.len();
        let mut out = keypoints::add_flat(x_d, &delta);
        for p in &mut out {
            p[0] += delta[3 * k];
            p[1] += delta[3 * k + 1];
        }
        Ok(out)
    }

    /// Eye retargeting offsets from [source left eye, source right eye, target left eye]
    /// openness ratios.
    pub fn retarget_eye(
        &self,
        x_s: &[[f32; 3]],
        ratios: [f32; 3],
    ) -> Result<Keypoints, NeuralError> {
        self.retarget(&self.stitching.eye, x_s, &ratios)
    }

    /// Lip retargeting offsets from [source lip, target lip] openness ratios.
    pub fn retarget_lip(
        &self,
        x_s: &[[f32; 3]],
        ratios: [f32; 2],
    ) -> Result<Keypoints, NeuralError> {
        self.retarget(&self.stitching.lip, x_s, &ratios)
    }

    /// A retargeting MLP on x_s and ratios: per-keypoint offsets.
    fn retarget(
        &self,
        mlp: &stitching::Mlp,
        x_s: &[[f32; 3]],
        ratios: &[f32],
    ) -> Result<Keypoints, NeuralError> {
        Ok(keypoints::rows(
            &self.run_mlp(mlp, keypoints::flat(x_s, ratios))?,
        ))
    }

    /// W on the source's features and both keypoint sets.
    pub fn warp(
        &self,
        feature: &Tensor,
        x_s: &[[f32; 3]],
        x_d: &[[f32; 3]],
    ) -> Result<WarpOutput, NeuralError> {
        self.warp_until(feature, x_s, x_d, &Stop::never())
    }

    /// [`LivePortrait::warp`], stopping between W's blocks when `stop` says so.
    pub fn warp_until(
        &self,
        feature: &Tensor,
        x_s: &[[f32; 3]],
        x_d: &[[f32; 3]],
        stop: &Stop,
    ) -> Result<WarpOutput, NeuralError> {
        let (ks, kd) = (self.keypoints_tensor(x_s)?, self.keypoints_tensor(x_d)?);
        let feature = feature.to_device(&self.device)?;
        self.warping.forward_until(&feature, &ks, &kd, stop)
    }

    /// W then G: the animated crop (1, 3, 2H, 2W) in (0, 1).
    pub fn warp_decode(
        &self,
        feature: &Tensor,
        x_s: &[[f32; 3]],
        x_d: &[[f32; 3]],
    ) -> Result<Tensor, NeuralError> {
        self.warp_decode_until(feature, x_s, x_d, &Stop::never())
    }

    /// [`LivePortrait::warp_decode`], stopping between the blocks of W and G as soon as
    /// `stop` says so (`Err(NeuralError::Cancelled)`); the frame is the same when it runs
    /// through.
    pub fn warp_decode_until(
        &self,
        feature: &Tensor,
        x_s: &[[f32; 3]],
        x_d: &[[f32; 3]],
        stop: &Stop,
    ) -> Result<Tensor, NeuralError> {
        let warped = self.warp_until(feature, x_s, x_d, stop)?;
        self.generator.forward_until(&warped.out, stop)
    }

    /// The block boundaries [`LivePortrait::warp_decode_until`] asks its `Stop` at, in a run
    /// that goes through (its progress is `passed / blocks`).
    pub fn blocks(&self) -> usize {
        self.warping.blocks() + self.generator.blocks()
    }
}
