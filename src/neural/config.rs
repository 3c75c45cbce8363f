//! The networks' configuration: the reference's `models.yaml` as defaults, overridden by a
//! `config.json` beside the weights (either the reference's `model_params` layout or those
//! sections at the top level). What the reference hard-codes outside `models.yaml` (the motion
//! extractor's widths and depths, SPADE's hidden width, the generator's last width) is read
//! from the tensors' shapes instead.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AppearanceConfig {
    pub image_channel: usize,
    pub block_expansion: usize,
    pub num_down_blocks: usize,
    pub max_features: usize,
    pub reshape_channel: usize,
    pub reshape_depth: usize,
    pub num_resblocks: usize,
}

impl Default for AppearanceConfig {
    fn default() -> Self {
        Self {
            image_channel: 3,
            block_expansion: 64,
            num_down_blocks: 2,
            max_features: 512,
            reshape_channel: 32,
            reshape_depth: 16,
            num_resblocks: 6,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MotionConfig {
    pub num_kp: usize,
    pub backbone: String,
    /// Head-pose bins per angle; the degree conversion is defined for 66.
    pub num_bins: usize,
}

impl Default for MotionConfig {
    fn default() -> Self {
        Self {
            num_kp: 21,
            backbone: "convnextv2_tiny".into(),
            num_bins: 66,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DenseMotionConfig {
    pub block_expansion: usize,
    pub max_features: usize,
    pub num_blocks: usize,
    pub reshape_depth: usize,
    pub compress: usize,
}

impl Default for DenseMotionConfig {
    fn default() -> Self {
        Self {
            block_expansion: 32,
            max_features: 1024,
            num_blocks: 5,
            reshape_depth: 16,
            compress: 4,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WarpingConfig {
    pub num_kp: usize,
    pub block_expansion: usize,
    pub max_features: usize,
    pub num_down_blocks: usize,
    pub reshape_channel: usize,
    pub estimate_occlusion_map: bool,
    pub dense_motion_params: DenseMotionConfig,
}

impl Default for WarpingConfig {
    fn default() -> Self {
        Self {
            num_kp: 21,
            block_expansion: 64,
            max_features: 512,
            num_down_blocks: 2,
            reshape_channel: 32,
            estimate_occlusion_map: true,
            dense_motion_params: DenseMotionConfig::default(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct GeneratorConfig {
    pub upscale: usize,
    pub block_expansion: usize,
    pub max_features: usize,
    pub num_down_blocks: usize,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            upscale: 2,
            block_expansion: 64,
            max_features: 512,
            num_down_blocks: 2,
        }
    }
}

impl GeneratorConfig {
    /// Channels of the generator's input: min(max_features, block_expansion·2^num_down_blocks).
    pub fn input_channels(&self) -> usize {
        self.max_features
            .min(doubled(self.block_expansion, self.num_down_blocks))
    }
}

/// `x` doubled `times` times, saturating (a width after that many down blocks): a shift by a
/// count from a file must not overflow.
fn doubled(x: usize, times: usize) -> usize {
    match u32::try_from(times)
        .ok()
        .and_then(|t| 1usize.checked_shl(t))
    {
        Some(p) => x.saturating_mul(p),
        None if x == 0 => 0,
        None => usize::MAX,
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MlpConfig {
    pub input_size: usize,
    pub hidden_sizes: Vec<usize>,
    pub output_size: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct StitchingConfig {
    pub stitching: MlpConfig,
    pub lip: MlpConfig,
    pub eye: MlpConfig,
}

impl Default for StitchingConfig {
    fn default() -> Self {
        let mlp = |input_size, hidden_sizes: &[usize], output_size| MlpConfig {
            input_size,
            hidden_sizes: hidden_sizes.to_vec(),
            output_size,
        };
        Self {
            stitching: mlp(126, &[128, 128, 64], 65),
            lip: mlp(65, &[128, 128, 64], 63),
            eye: mlp(66, &[256, 256, 128, 128, 64], 63),
        }
    }
}

/// Every network's parameters, named as in the reference's `models.yaml`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Config {
    pub appearance_feature_extractor_params: AppearanceConfig,
    pub motion_extractor_params: MotionConfig,
    pub warping_module_params: WarpingConfig,
    pub spade_generator_params: GeneratorConfig,
    pub stitching_retargeting_module_params: StitchingConfig,
    /// Side of the square input image, from the file's top-level `input_size` (the reference
    /// always uses 256).
    #[serde(skip)]
    pub input_side: Option<usize>,
}

impl Config {
    /// Parse a `config.json`: `{"model_params": {…}}` or the sections at the top level.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let input_side = value.get("input_size").map(input_side).transpose()?;
        let params = value.get("model_params").cloned().unwrap_or(value);
        let mut config: Config = serde_json::from_value(params).map_err(|e| e.to_string())?;
        config.input_side = input_side;
        config.validate()?;
        let (n, m) = (config.input_size(), config.input_multiple());
        if n == 0 || n % m != 0 {
            return Err(format!("input_size {n} is not a multiple of {m}"));
        }
        Ok(config)
    }

    /// The constraints between sections that the networks rely on.
    pub fn validate(&self) -> Result<(), String> {
        self.check_ranges()?;
        let up = self.spade_generator_params.upscale;
        if up != 1 && up != 2 {
            return Err(format!(
                "spade_generator_params.upscale {up}: the generator doubles its output (2) or not (1)"
            ));
        }
        let f = &self.appearance_feature_extractor_params;
        let m = &self.motion_extractor_params;
        let w = &self.warping_module_params;
        let g = &self.spade_generator_params;
        let checks = [
            (
                f.max_features == f.reshape_channel * f.reshape_depth,
                "appearance max_features must equal reshape_channel × reshape_depth",
            ),
            (
                w.max_features == f.max_features,
                "warping max_features must equal the appearance extractor's",
            ),
            (
                w.reshape_channel == f.reshape_channel,
                "warping reshape_channel must equal the appearance extractor's",
            ),
            (
                w.dense_motion_params.reshape_depth == f.reshape_depth,
                "dense motion reshape_depth must equal the appearance extractor's",
            ),
            (
                w.num_kp == m.num_kp,
                "warping and motion extractor num_kp differ",
            ),
            (
                doubled(w.block_expansion, w.num_down_blocks) == g.input_channels(),
                "warping output channels (block_expansion·2^num_down_blocks) must equal the generator's input channels",
            ),
            (m.num_bins == 66, "head-pose bins must be 66"),
            (m.num_kp > 0, "num_kp must be positive"),
            (
                m.backbone == "convnextv2_tiny",
                "the only motion extractor backbone is convnextv2_tiny",
            ),
            (
                w.dense_motion_params.compress > 0 && f.num_down_blocks > 0,
                "compress and num_down_blocks must be positive",
            ),
        ];
        for (ok, what) in checks {
            if !ok {
                return Err(what.to_string());
            }
        }
        let k = m.num_kp;
        let s = &self.stitching_retargeting_module_params;
        for (name, mlp, input, output) in [
            ("stitching", &s.stitching, 6 * k, 3 * k + 2),
            ("lip", &s.lip, 3 * k + 2, 3 * k),
            ("eye", &s.eye, 3 * k + 3, 3 * k),
        ] {
            if mlp.input_size != input || mlp.output_size != output || mlp.hidden_sizes.is_empty() {
                return Err(format!(
                    "{name} MLP: {} → {:?} → {} does not fit {k} keypoints (needs {input} → … → {output})",
                    mlp.input_size, mlp.hidden_sizes, mlp.output_size
                ));
            }
        }
        Ok(())
    }

    /// Every count and width within what a network can have, before any arithmetic on them:
    /// a block count is how often the crop (at most [`MAX_INPUT_SIDE`], 2^9) is halved, so at
    /// most 9, down blocks and dense motion blocks together too; a width or count at most
    /// [`MAX_WIDTH`]. (A `num_blocks` of 66 made the input's multiple 2^68, an overflow.)
    fn check_ranges(&self) -> Result<(), String> {
        let f = &self.appearance_feature_extractor_params;
        let m = &self.motion_extractor_params;
        let w = &self.warping_module_params;
        let d = &w.dense_motion_params;
        let g = &self.spade_generator_params;
        let halvings = MAX_INPUT_SIDE.ilog2() as usize;
        for (name, v) in [
            ("appearance num_down_blocks", f.num_down_blocks),
            ("warping num_down_blocks", w.num_down_blocks),
            ("dense motion num_blocks", d.num_blocks),
            ("generator num_down_blocks", g.num_down_blocks),
        ] {
            if v > halvings {
                return Err(format!(
                    "{name} {v} is out of range: a crop of at most {MAX_INPUT_SIDE} pixels is halved at most {halvings} times"
                ));
            }
        }
        if f.num_down_blocks + d.num_blocks > halvings {
            return Err(format!(
                "appearance num_down_blocks {} and dense motion num_blocks {} halve the crop {} times; at most {halvings} (a crop of at most {MAX_INPUT_SIDE} pixels)",
                f.num_down_blocks,
                d.num_blocks,
                f.num_down_blocks + d.num_blocks
            ));
        }
        let s = &self.stitching_retargeting_module_params;
        let mlps = [
            ("stitching", &s.stitching),
            ("lip", &s.lip),
            ("eye", &s.eye),
        ];
        let widths = [
            ("appearance image_channel", f.image_channel),
            ("appearance block_expansion", f.block_expansion),
            ("appearance max_features", f.max_features),
            ("appearance reshape_channel", f.reshape_channel),
            ("appearance reshape_depth", f.reshape_depth),
            ("appearance num_resblocks", f.num_resblocks),
            ("motion num_kp", m.num_kp),
            ("motion num_bins", m.num_bins),
            ("warping num_kp", w.num_kp),
            ("warping block_expansion", w.block_expansion),
            ("warping max_features", w.max_features),
            ("warping reshape_channel", w.reshape_channel),
            ("dense motion block_expansion", d.block_expansion),
            ("dense motion max_features", d.max_features),
            ("dense motion reshape_depth", d.reshape_depth),
            ("dense motion compress", d.compress),
            ("generator upscale", g.upscale),
            ("generator block_expansion", g.block_expansion),
            ("generator max_features", g.max_features),
        ]
        .into_iter()
        .map(|(name, v)| (name.to_string(), v))
        .chain(mlps.iter().flat_map(|(name, mlp)| {
            [
                (format!("{name} MLP input_size"), mlp.input_size),
                (format!("{name} MLP output_size"), mlp.output_size),
            ]
            .into_iter()
            .chain(
                mlp.hidden_sizes
                    .iter()
                    .map(move |&h| (format!("{name} MLP hidden size"), h)),
            )
        }));
        for (name, v) in widths {
            if v > MAX_WIDTH {
                return Err(format!("{name} {v} is out of range (at most {MAX_WIDTH})"));
            }
        }
        Ok(())
    }

    /// Side of the square crop the networks are fed: `input_size` from `config.json`, else
    /// the reference's 256.
    pub fn input_size(&self) -> usize {
        self.input_side.unwrap_or(256)
    }

    /// Side of the square input image the networks take: the feature volume is a quarter of it
    /// per down block (… 256² → 64²), so this is the smallest valid one; any multiple of
    /// 2^(num_down_blocks + dense num_blocks) works.
    pub fn input_multiple(&self) -> usize {
        doubled(
            1,
            self.appearance_feature_extractor_params
                .num_down_blocks
                .saturating_add(self.warping_module_params.dense_motion_params.num_blocks),
        )
    }
}

/// The largest crop side accepted: the networks are trained at 256, and their memory grows
/// with its square (512 already takes about four times the reference's 1.3 GB).
pub const MAX_INPUT_SIDE: usize = 512;

/// The largest width, channel or keypoint count a configuration may give (the reference's
/// largest is 1024): far above any network, far below where their arithmetic overflows.
pub const MAX_WIDTH: usize = 1 << 16;

/// `input_size` as the reference writes it (`256` or `[256, 256]`): a whole number of pixels,
/// square, at most [`MAX_INPUT_SIDE`].
fn input_side(v: &serde_json::Value) -> Result<usize, String> {
    let items: Vec<&serde_json::Value> = match v {
        serde_json::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let sides = items
        .iter()
        .map(|v| {
            v.as_u64()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("input_size {v}: give a whole, positive number of pixels"))
        })
        .collect::<Result<Vec<u64>, String>>()?;
    let side = match sides.as_slice() {
        [n] => *n,
        [a, b] if a == b => *a,
        [a, b] => {
            return Err(format!(
                "input_size {a}×{b}: the crop is square; give one side"
            ));
        }
        _ => return Err(format!("input_size {v}: give one side, or [side, side]")),
    };
    if side > MAX_INPUT_SIDE as u64 {
        return Err(format!(
            "input_size {side} is larger than {MAX_INPUT_SIDE} (the networks are trained at 256)"
        ));
    }
    Ok(side as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_reference_models_yaml_and_valid() {
        let c = Config::default();
        assert_eq!(c.appearance_feature_extractor_params.max_features, 512);
        assert_eq!(c.warping_module_params.dense_motion_params.num_blocks, 5);
        assert_eq!(c.spade_generator_params.input_channels(), 256);
        c.validate().unwrap();
    }

    /// Sizes that would make the networks absurdly large, or that are not sizes at all, are
    /// refused with the value named (65536 used to pass and abort the render allocating 51 GB).
    #[test]
    fn absurd_or_malformed_sizes_are_refused() {
        for (json, says) in [
            (r#"{"input_size": [65536, 65536]}"#, "larger than 512"),
            (r#"{"input_size": 65536}"#, "larger than 512"),
            (
                r#"{"input_size": [1099511627776, 1099511627776]}"#,
                "larger than 512",
            ),
            (r#"{"input_size": -64}"#, "whole, positive"),
            (r#"{"input_size": 64.5}"#, "whole, positive"),
            (r#"{"input_size": 0}"#, "whole, positive"),
            (r#"{"input_size": "256"}"#, "whole, positive"),
            (r#"{"input_size": [256, 128]}"#, "square"),
            (r#"{"input_size": []}"#, "give one side"),
            (r#"{"input_size": 100}"#, "not a multiple of 128"),
            (
                r#"{"spade_generator_params": {"upscale": 64}}"#,
                "upscale 64",
            ),
        ] {
            let err = Config::from_json(json).expect_err(json);
            assert!(err.contains(says), "{json}: {err}");
        }
        for (json, side) in [
            (r#"{"input_size": 256}"#, 256),
            (r#"{"input_size": [256, 256]}"#, 256),
            (r#"{"input_size": [512, 512]}"#, 512),
            ("{}", 256),
        ] {
            let c = Config::from_json(json).expect(json);
            assert_eq!(c.input_size(), side, "{json}");
        }
    }

    #[test]
    fn json_overrides_and_is_checked() {
        let c = Config::from_json(
            r#"{"model_params": {"motion_extractor_params": {"num_kp": 21},
                "appearance_feature_extractor_params": {"max_features": 512}}}"#,
        )
        .unwrap();
        assert_eq!(c, Config::default());
        let err =
            Config::from_json(r#"{"appearance_feature_extractor_params": {"reshape_depth": 8}}"#)
                .unwrap_err();
        assert!(err.contains("reshape_channel × reshape_depth"), "{err}");
        assert!(Config::from_json("{").is_err());
    }
}
