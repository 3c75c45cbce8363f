//! G, the SPADE generator: warped features (N, C, H, W) → image (N, 3, 2·upscale·H… ) in (0, 1):
//! six SPADE residual blocks at the feature size, two upsampling blocks, a final conv and
//! pixel shuffle. Run once per output frame; the largest network (≈0.9 TFLOP at full size).
//!
//! Every SPADE block modulates with the generator's own input, resized; its hidden width
//! (128 in the reference, hard-coded there) and the last block's width are read from the
//! tensors.

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::config::GeneratorConfig;
use super::{NeuralError, Stop};
use crate::nn::{Act, Conv, modulated_instance_norm, pixel_shuffle, upsample2x_nearest};

/// SPADE: instance norm, then a per-pixel scale and shift predicted from the segmentation map.
#[derive(Clone, Debug)]
pub struct Spade {
    shared: Conv,
    /// `shared` for the segmentation map upsampled before it (`nn::polyphase`).
    shared_phases: Option<crate::nn::polyphase::Phases>,
    /// mlp_gamma and mlp_beta as one conv with 2·C outputs (one GEMM instead of two).
    gamma_beta: Conv,
    channels: usize,
}

impl Spade {
    pub fn load(vb: &VarBuilder, norm_nc: usize, label_nc: usize) -> Result<Self> {
        let hidden = vb.get_unchecked("mlp_shared.0.weight")?.dims()[0];
        let shared = Conv::load2d(&vb.pp("mlp_shared.0"), (label_nc, hidden), 3, 1, 1, true)?
            .with_act(Act::Relu);
        let g = vb.pp("mlp_gamma");
        let b = vb.pp("mlp_beta");
        let w = Tensor::cat(
            &[
                g.get((norm_nc, hidden, 3, 3), "weight")?,
                b.get((norm_nc, hidden, 3, 3), "weight")?,
            ],
            0,
        )?;
        let bias = Tensor::cat(&[g.get(norm_nc, "bias")?, b.get(norm_nc, "bias")?], 0)?;
        Ok(Self {
            shared_phases: shared.phases(),
            shared,
            gamma_beta: Conv::new(&w, Some(&bias), 1, 1)?,
            channels: norm_nc,
        })
    }

    /// `seg` at 1/`factor` of x's height and width (nearest upsampling makes it x's size);
    /// `act` follows the modulation (the residual block's LeakyReLU, fused here).
    pub fn forward(&self, x: &Tensor, seg: &Tensor, factor: usize, act: Act) -> Result<Tensor> {
        let shared = self
            .shared
            .forward_upsampled(seg, factor, self.shared_phases.as_ref())?;
        let gb = self.gamma_beta.forward(&shared)?;
        if gb.dims()[1] != 2 * self.channels {
            candle_core::bail!("SPADE: {} modulation channels", gb.dims()[1]);
        }
        modulated_instance_norm(x, &gb, 1e-5, act)
    }
}

#[derive(Clone, Debug)]
pub struct SpadeResBlock {
    norm_0: Spade,
    conv_0: Conv,
    norm_1: Spade,
    conv_1: Conv,
    shortcut: Option<(Spade, Conv)>,
}

impl SpadeResBlock {
    /// `fout = None`: read the output width from conv_1 (the last block's, not in the config).
    pub fn load(vb: &VarBuilder, fin: usize, fout: Option<usize>, label_nc: usize) -> Result<Self> {
        let fout = match fout {
            Some(f) => f,
            None => vb.get_unchecked("conv_1.weight")?.dims()[0],
        };
        let fmiddle = fin.min(fout);
        let shortcut = if fin != fout {
            Some((
                Spade::load(&vb.pp("norm_s"), fin, label_nc)?,
                Conv::load2d(&vb.pp("conv_s"), (fin, fout), 1, 1, 0, false)?,
            ))
        } else {
            None
        };
        Ok(Self {
            norm_0: Spade::load(&vb.pp("norm_0"), fin, label_nc)?,
            conv_0: Conv::load2d(&vb.pp("conv_0"), (fin, fmiddle), 3, 1, 1, true)?,
            norm_1: Spade::load(&vb.pp("norm_1"), fmiddle, label_nc)?,
            conv_1: Conv::load2d(&vb.pp("conv_1"), (fmiddle, fout), 3, 1, 1, true)?,
            shortcut,
        })
    }

    pub fn out_channels(&self) -> usize {
        self.conv_1.out_channels()
    }

    pub fn forward(&self, x: &Tensor, seg: &Tensor, factor: usize) -> Result<Tensor> {
        self.forward_until(x, seg, factor, &Stop::never())
            .map_err(super::into_candle)
    }

    /// The block, asking `stop` after its shortcut and after its first modulated conv (the
    /// caller asks after the block).
    pub fn forward_until(
        &self,
        x: &Tensor,
        seg: &Tensor,
        factor: usize,
        stop: &Stop,
    ) -> std::result::Result<Tensor, NeuralError> {
        let lrelu = Act::LeakyRelu(0.2);
        let x_s = match &self.shortcut {
            Some((norm, conv)) => {
                let y = conv.forward(&norm.forward(x, seg, factor, Act::Identity)?)?;
                stop.check()?;
                y
            }
            None => x.clone(),
        };
        let dx = self
            .conv_0
            .forward(&self.norm_0.forward(x, seg, factor, lrelu)?)?;
        stop.check()?;
        let dx = self
            .conv_1
            .forward(&self.norm_1.forward(&dx, seg, factor, lrelu)?)?;
        Ok((x_s + dx)?)
    }

    /// The boundaries `forward_until` asks at.
    fn blocks(&self) -> usize {
        1 + usize::from(self.shortcut.is_some())
    }
}

#[derive(Clone, Debug)]
pub struct SpadeGenerator {
    fc: Conv,
    middle: Vec<SpadeResBlock>,
    up_0: SpadeResBlock,
    up_1: SpadeResBlock,
    conv_img: Conv,
    upscale: bool,
}

impl SpadeGenerator {
    pub fn load(vb: &VarBuilder, config: &GeneratorConfig) -> Result<Self> {
        let c = config.input_channels();
        let fc = Conv::load2d(&vb.pp("fc"), (c, 2 * c), 3, 1, 1, true)?;
        let middle = (0..6)
            .map(|i| SpadeResBlock::load(&vb.pp(format!("G_middle_{i}")), 2 * c, Some(2 * c), c))
            .collect::<Result<Vec<_>>>()?;
        let up_0 = SpadeResBlock::load(&vb.pp("up_0"), 2 * c, Some(c), c)?;
        let up_1 = SpadeResBlock::load(&vb.pp("up_1"), c, None, c)?;
        let out = up_1.out_channels();
        let upscale = config.upscale > 1;
        let conv_img = if upscale {
            Conv::load2d(&vb.pp("conv_img.0"), (out, 12), 3, 1, 1, true)?
        } else {
            Conv::load2d(&vb.pp("conv_img"), (out, 3), 3, 1, 1, true)?
        };
        Ok(Self {
            fc,
            middle,
            up_0,
            up_1,
            conv_img,
            upscale,
        })
    }

    pub fn forward(&self, feature: &Tensor) -> Result<Tensor> {
        self.forward_until(feature, &Stop::never())
            .map_err(super::into_candle)
    }

    /// The generator, asking `stop` after `fc`, inside and after each SPADE block (see
    /// [`SpadeResBlock::forward_until`]); the last conv and pixel shuffle run to the end.
    pub fn forward_until(
        &self,
        feature: &Tensor,
        stop: &Stop,
    ) -> std::result::Result<Tensor, NeuralError> {
        // The segmentation map is the feature, upsampled (nearest) to each block's size: 1×,
        // 2× and 4×, which the SPADE layers do themselves.
        let seg = feature;
        let mut x = self.fc.forward(feature)?;
        stop.check()?;
        for block in &self.middle {
            x = block.forward_until(&x, seg, 1, stop)?;
            stop.check()?;
        }
        x = self
            .up_0
            .forward_until(&upsample2x_nearest(&x)?, seg, 2, stop)?;
        stop.check()?;
        x = self
            .up_1
            .forward_until(&upsample2x_nearest(&x)?, seg, 4, stop)?;
        stop.check()?;
        let x = self.conv_img.forward(&Act::LeakyRelu(0.2).forward(&x)?)?;
        let x = if self.upscale {
            pixel_shuffle(&x, 2)?
        } else {
            x
        };
        Ok(candle_nn::ops::sigmoid(&x)?)
    }

    /// The boundaries `forward_until` asks at in a run that goes through.
    pub fn blocks(&self) -> usize {
        let inner: usize = self
            .middle
            .iter()
            .chain([&self.up_0, &self.up_1])
            .map(SpadeResBlock::blocks)
            .sum();
        // fc, then after each of the eight blocks.
        1 + inner + self.middle.len() + 2
    }
}

impl candle_nn::Module for SpadeGenerator {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        SpadeGenerator::forward(self, x)
    }
}
