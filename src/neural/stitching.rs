//! S: three small MLPs on keypoints. Stitching (source and driving keypoints → a correction
//! of the driving ones and a shared 2-D shift, so the animated crop pastes back without a
//! seam), and eye and lip retargeting (source keypoints + openness ratios → keypoint offsets).

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::config::{MlpConfig, StitchingConfig};
use crate::nn::Linear;

/// Linear/ReLU pairs, then a last Linear; weights `mlp.0`, `mlp.2`, … as in the reference.
#[derive(Clone, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    pub fn load(vb: &VarBuilder, config: &MlpConfig) -> Result<Self> {
        let mut sizes = vec![config.input_size];
        sizes.extend(&config.hidden_sizes);
        sizes.push(config.output_size);
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, io)| Linear::load(&vb.pp(format!("mlp.{}", 2 * i)), io[0], io[1]))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { layers })
    }

    /// (B, input) → (B, output).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.clone();
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(&x)?;
            if i < last {
                x = x.relu()?;
            }
        }
        Ok(x)
    }
}

#[derive(Clone, Debug)]
pub struct StitchingRetargeting {
    pub stitching: Mlp,
    pub lip: Mlp,
    pub eye: Mlp,
}

impl StitchingRetargeting {
    pub fn load(vb: &VarBuilder, config: &StitchingConfig) -> Result<Self> {
        Ok(Self {
            stitching: Mlp::load(&vb.pp("stitching"), &config.stitching)?,
            lip: Mlp::load(&vb.pp("lip"), &config.lip)?,
            eye: Mlp::load(&vb.pp("eye"), &config.eye)?,
        })
    }
}

impl candle_nn::Module for Mlp {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Mlp::forward(self, x)
    }
}
