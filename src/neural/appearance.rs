//! F, the appearance feature extractor: the source image (N, 3, H, W) in [0, 1] → a 3-D feature
//! volume (N, reshape_channel, reshape_depth, H/4, W/4), computed once per source.

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::config::AppearanceConfig;
use crate::nn::{Act, BatchNorm, Conv, avg_pool2x};

/// conv 3×3 → batch norm → ReLU (the reference's SameBlock2d / DownBlock2d before pooling).
fn conv_bn_relu(vb: &VarBuilder, c_in: usize, c_out: usize) -> Result<Conv> {
    let bn = BatchNorm::load(&vb.pp("norm"), c_out, 1e-5)?;
    Ok(Conv::load2d(&vb.pp("conv"), (c_in, c_out), 3, 1, 1, true)?
        .with_affine(bn.scale, bn.shift)
        .with_act(Act::Relu))
}

/// Pre-activation 3-D residual block: x + conv2(relu(bn2(conv1(relu(bn1(x)))))).
#[derive(Clone, Debug)]
pub struct ResBlock3d {
    norm1: BatchNorm,
    /// conv1 with bn2 and the ReLU fused after it.
    conv1: Conv,
    conv2: Conv,
}

impl ResBlock3d {
    pub fn load(vb: &VarBuilder, channels: usize) -> Result<Self> {
        let norm1 = BatchNorm::load(&vb.pp("norm1"), channels, 1e-5)?;
        let norm2 = BatchNorm::load(&vb.pp("norm2"), channels, 1e-5)?;
        Ok(Self {
            norm1,
            conv1: Conv::load3d(&vb.pp("conv1"), (channels, channels), 3)?
                .with_affine(norm2.scale, norm2.shift)
                .with_act(Act::Relu),
            conv2: Conv::load3d(&vb.pp("conv2"), (channels, channels), 3)?,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.conv1.forward(&self.norm1.forward(x, true)?)?;
        self.conv2.forward(&y)? + x
    }
}

#[derive(Clone, Debug)]
pub struct AppearanceFeatureExtractor {
    first: Conv,
    down: Vec<Conv>,
    second: Conv,
    resblocks: Vec<ResBlock3d>,
    config: AppearanceConfig,
}

impl AppearanceFeatureExtractor {
    pub fn load(vb: &VarBuilder, config: &AppearanceConfig) -> Result<Self> {
        let c = config;
        let first = conv_bn_relu(&vb.pp("first"), c.image_channel, c.block_expansion)?;
        let width = |i: usize| c.max_features.min(c.block_expansion << i);
        let down = (0..c.num_down_blocks)
            .map(|i| conv_bn_relu(&vb.pp(format!("down_blocks.{i}")), width(i), width(i + 1)))
            .collect::<Result<Vec<_>>>()?;
        let second = Conv::load2d(
            &vb.pp("second"),
            (width(c.num_down_blocks), c.max_features),
            1,
            1,
            0,
            true,
        )?;
        let resblocks = (0..c.num_resblocks)
            .map(|i| ResBlock3d::load(&vb.pp(format!("resblocks_3d.3dr{i}")), c.reshape_channel))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            first,
            down,
            second,
            resblocks,
            config: c.clone(),
        })
    }

    /// (N, 3, H, W) in [0, 1] → (N, C, D, H/2^n, W/2^n).
    pub fn forward(&self, image: &Tensor) -> Result<Tensor> {
        let mut x = self.first.forward(image)?;
        for block in &self.down {
            x = avg_pool2x(&block.forward(&x)?)?;
        }
        let x = self.second.forward(&x)?;
        let (n, _, h, w) = x.dims4()?;
        // Channel c·depth + z becomes channel c at depth z.
        let mut f = x.reshape((
            n,
            self.config.reshape_channel,
            self.config.reshape_depth,
            h,
            w,
        ))?;
        for block in &self.resblocks {
            f = block.forward(&f)?;
        }
        Ok(f)
    }
}

impl candle_nn::Module for ResBlock3d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        ResBlock3d::forward(self, x)
    }
}

impl candle_nn::Module for AppearanceFeatureExtractor {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        AppearanceFeatureExtractor::forward(self, x)
    }
}
