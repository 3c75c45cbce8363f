//! W, the warping network: from the source's feature volume and the source and driving
//! keypoints, a dense 3-D motion field (keypoint heatmaps and sparse motions through a 3-D
//! hourglass, a softmax mask over the K + 1 motions), an occlusion map, and the source
//! features warped by that field; run once per output frame.

use candle_core::{D, DType, Device, Result, Tensor};
use candle_nn::VarBuilder;

use super::config::WarpingConfig;
use super::{NeuralError, Stop};
use crate::nn::{Act, BatchNorm, Conv, avg_pool2x, grid_sample_3d, upsample2x_nearest};

/// What W returns, and the intermediates the parity test checks.
#[derive(Clone, Debug)]
pub struct WarpOutput {
    /// Warped features for the generator, (N, C_out, H, W).
    pub out: Tensor,
    /// (N, 1, H, W) in (0, 1).
    pub occlusion: Tensor,
    /// (N, D, H, W, 3) sampling positions, normalised.
    pub deformation: Tensor,
    /// (N, (K+1)(c+1), D, H, W): heatmaps and deformed features fed to the hourglass.
    pub hourglass_input: Tensor,
    /// (N, K+1, D, H, W): the softmax over motions.
    pub mask: Tensor,
    /// (N, C·D, H, W): the source features sampled at the deformation, before `third`.
    pub warped_feature: Tensor,
}

/// conv 3³ → batch norm → ReLU (the hourglass's blocks and its final layer).
fn conv3_bn_relu(vb: &VarBuilder, c_in: usize, c_out: usize) -> Result<Conv> {
    let bn = BatchNorm::load(&vb.pp("norm"), c_out, 1e-5)?;
    Ok(Conv::load3d(&vb.pp("conv"), (c_in, c_out), 3)?
        .with_affine(bn.scale, bn.shift)
        .with_act(Act::Relu))
}

/// The 3-D hourglass: encoder blocks pool H and W by 2 (depth kept), decoder blocks upsample
/// and concatenate the matching encoder output.
#[derive(Clone, Debug)]
pub struct Hourglass {
    down: Vec<Conv>,
    up: Vec<Conv>,
    last: Conv,
    pub out_channels: usize,
}

impl Hourglass {
    pub fn load(
        vb: &VarBuilder,
        block_expansion: usize,
        in_features: usize,
        num_blocks: usize,
        max_features: usize,
    ) -> Result<Self> {
        let width = |i: usize| max_features.min(block_expansion << i);
        let down = (0..num_blocks)
            .map(|i| {
                let c_in = if i == 0 { in_features } else { width(i) };
                conv3_bn_relu(
                    &vb.pp(format!("encoder.down_blocks.{i}")),
                    c_in,
                    width(i + 1),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let up = (0..num_blocks)
            .rev()
            .enumerate()
            .map(|(j, i)| {
                let c_in = if i == num_blocks - 1 { 1 } else { 2 } * width(i + 1);
                conv3_bn_relu(&vb.pp(format!("decoder.up_blocks.{j}")), c_in, width(i))
            })
            .collect::<Result<Vec<_>>>()?;
        let out_channels = block_expansion + in_features;
        let last = conv3_bn_relu(&vb.pp("decoder"), out_channels, out_channels)?;
        Ok(Self {
            down,
            up,
            last,
            out_channels,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_until(x, &Stop::never())
            .map_err(super::into_candle)
    }

    /// The hourglass, asking `stop` after each encoder and decoder stage (the caller asks
    /// after the last layer).
    pub fn forward_until(
        &self,
        x: &Tensor,
        stop: &Stop,
    ) -> std::result::Result<Tensor, NeuralError> {
        let mut skips = vec![x.clone()];
        for block in &self.down {
            let y = avg_pool2x(&block.forward(skips.last().unwrap_or(x))?)?;
            skips.push(y);
            stop.check()?;
        }
        let mut out = skips.pop().unwrap_or_else(|| x.clone());
        for block in &self.up {
            out = block.forward(&upsample2x_nearest(&out)?)?;
            if let Some(skip) = skips.pop() {
                out = Tensor::cat(&[&out, &skip], 1)?;
            }
            stop.check()?;
        }
        Ok(self.last.forward(&out)?)
    }

    /// The boundaries `forward_until` asks at.
    fn blocks(&self) -> usize {
        self.down.len() + self.up.len()
    }
}

/// The identity grid of the reference (`make_coordinate_grid`): (D, H, W, 3), last axis
/// (x, y, z), each from −1 to 1 inclusive (the align_corners=True normalisation, while the
/// sampling uses align_corners=False: the trained weights expect that mismatch).
pub fn identity_grid(d: usize, h: usize, w: usize, device: &Device) -> Result<Tensor> {
    let axis = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|i| 2.0 * (i as f32 / (n as f32 - 1.0)) - 1.0)
            .collect()
    };
    let (xs, ys, zs) = (axis(w), axis(h), axis(d));
    let mut g = Vec::with_capacity(d * h * w * 3);
    for z in &zs {
        for y in &ys {
            for x in &xs {
                g.extend_from_slice(&[*x, *y, *z]);
            }
        }
    }
    Tensor::from_vec(g, (d, h, w, 3), device)
}

#[derive(Clone, Debug)]
pub struct WarpingNetwork {
    compress: Conv,
    hourglass: Hourglass,
    mask: Conv,
    occlusion: Option<Conv>,
    third: Conv,
    fourth: Conv,
    num_kp: usize,
}

impl WarpingNetwork {
    pub fn load(vb: &VarBuilder, config: &WarpingConfig) -> Result<Self> {
        let dm = &config.dense_motion_params;
        let k = config.num_kp;
        let dvb = vb.pp("dense_motion_network");
        let norm = BatchNorm::load(&dvb.pp("norm"), dm.compress, 1e-5)?;
        let compress = Conv::load3d(
            &dvb.pp("compress"),
            (config.reshape_channel, dm.compress),
            1,
        )?
        .with_affine(norm.scale, norm.shift)
        .with_act(Act::Relu);
        let hourglass = Hourglass::load(
            &dvb.pp("hourglass"),
            dm.block_expansion,
            (k + 1) * (dm.compress + 1),
            dm.num_blocks,
            dm.max_features,
        )?;
        let mask = Conv::load3d(&dvb.pp("mask"), (hourglass.out_channels, k + 1), 7)?;
        let occlusion = if config.estimate_occlusion_map {
            Some(Conv::load2d(
                &dvb.pp("occlusion"),
                (hourglass.out_channels * dm.reshape_depth, 1),
                7,
                1,
                3,
                true,
            )?)
        } else {
            None
        };
        let out = config.block_expansion << config.num_down_blocks;
        let bn = BatchNorm::load(&vb.pp("third.norm"), out, 1e-5)?;
        let third = Conv::load2d(
            &vb.pp("third.conv"),
            (config.max_features, out),
            3,
            1,
            1,
            true,
        )?
        .with_affine(bn.scale, bn.shift)
        .with_act(Act::LeakyRelu(0.01));
        let fourth = Conv::load2d(&vb.pp("fourth"), (out, out), 1, 1, 0, true)?;
        Ok(Self {
            compress,
            hourglass,
            mask,
            occlusion,
            third,
            fourth,
            num_kp: k,
        })
    }

    /// Gaussian heatmap of each keypoint on the grid: exp(−0.5·Σ(grid − kp)² / 0.01),
    /// (N, K, D, H, W).
    fn gaussians(grid: &Tensor, kp: &Tensor) -> Result<Tensor> {
        let (n, k, _) = kp.dims3()?;
        let diff = grid
            .unsqueeze(0)?
            .unsqueeze(0)?
            .broadcast_sub(&kp.reshape((n, k, 1, 1, 1, 3))?)?;
        ((diff.sqr()?.sum(D::Minus1)? * -0.5)? / 0.01f32 as f64)?.exp()
    }

    /// `feature` (N, C, D, H, W): the source's volume; keypoints (N, K, 3).
    pub fn forward(
        &self,
        feature: &Tensor,
        kp_source: &Tensor,
        kp_driving: &Tensor,
    ) -> Result<WarpOutput> {
        self.forward_until(feature, kp_source, kp_driving, &Stop::never())
            .map_err(super::into_candle)
    }

    /// The boundaries `forward_until` asks at in a run that goes through.
    pub fn blocks(&self) -> usize {
        // After the deformed features, inside the hourglass, after it, after the mask and
        // occlusion, after the final sampling.
        1 + self.hourglass.blocks() + 1 + 1 + 1
    }

    /// W, asking `stop` between its stages (see `blocks`).
    pub fn forward_until(
        &self,
        feature: &Tensor,
        kp_source: &Tensor,
        kp_driving: &Tensor,
        stop: &Stop,
    ) -> std::result::Result<WarpOutput, NeuralError> {
        let (n, c_full, d, h, w) = feature.dims5()?;
        let k = self.num_kp;
        if kp_source.dims() != [n, k, 3] || kp_driving.dims() != [n, k, 3] {
            return Err(candle_core::Error::Msg(format!(
                "warping network: keypoints must be ({n}, {k}, 3), got {:?} and {:?}",
                kp_source.dims(),
                kp_driving.dims()
            ))
            .into());
        }
        let dev = feature.device();
        let compressed = self.compress.forward(feature)?;
        let c = compressed.dims()[1];
        let grid = identity_grid(d, h, w, dev)?;

        // Sparse motions: the identity for the background, then grid − kp_d + kp_s.
        let kd = kp_driving.reshape((n, k, 1, 1, 1, 3))?;
        let ks = kp_source.reshape((n, k, 1, 1, 1, 3))?;
        let to_source = grid
            .unsqueeze(0)?
            .unsqueeze(0)?
            .broadcast_sub(&kd)?
            .broadcast_add(&ks)?;
        let background = grid
            .unsqueeze(0)?
            .unsqueeze(0)?
            .broadcast_as((n, 1, d, h, w, 3))?;
        let sparse = Tensor::cat(&[&background.contiguous()?, &to_source], 1)?; // (N, K+1, D, H, W, 3)

        // The compressed features seen through each motion.
        let repeated = compressed
            .unsqueeze(1)?
            .broadcast_as((n, k + 1, c, d, h, w))?
            .reshape((n * (k + 1), c, d, h, w))?;
        let deformed = grid_sample_3d(&repeated, &sparse.reshape((n * (k + 1), d, h, w, 3))?)?
            .reshape((n, k + 1, c, d, h, w))?;

        let heat = (Self::gaussians(&grid, kp_driving)? - Self::gaussians(&grid, kp_source)?)?;
        let heat = Tensor::cat(
            &[&Tensor::zeros((n, 1, d, h, w), DType::F32, dev)?, &heat],
            1,
        )?
        .unsqueeze(2)?;
        let hourglass_input =
            Tensor::cat(&[&heat, &deformed], 2)?.reshape((n, (k + 1) * (c + 1), d, h, w))?;
        stop.check()?;

        let prediction = self.hourglass.forward_until(&hourglass_input, stop)?;
        stop.check()?;
        let mask = candle_nn::ops::softmax(&self.mask.forward(&prediction)?, 1)?;
        let deformation = sparse
            .permute((0, 1, 5, 2, 3, 4))?
            .broadcast_mul(&mask.unsqueeze(2)?)?
            .sum(1)?
            .permute((0, 2, 3, 4, 1))?
            .contiguous()?;
        let occlusion = match &self.occlusion {
            Some(conv) => {
                let (_, cp, _, _, _) = prediction.dims5()?;
                candle_nn::ops::sigmoid(&conv.forward(&prediction.reshape((
                    n,
                    cp * d,
                    h,
                    w,
                ))?)?)?
            }
            None => Tensor::ones((n, 1, h, w), DType::F32, dev)?,
        };
        stop.check()?;

        let warped_feature =
            grid_sample_3d(feature, &deformation)?.reshape((n, c_full * d, h, w))?;
        stop.check()?;
        let out = self
            .fourth
            .forward(&self.third.forward(&warped_feature)?)?
            .broadcast_mul(&occlusion)?;
        Ok(WarpOutput {
            out,
            occlusion,
            deformation,
            hourglass_input,
            mask,
            warped_feature,
        })
    }
}

impl candle_nn::Module for Hourglass {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Hourglass::forward(self, x)
    }
}
