//! M, the motion extractor: a ConvNeXt V2 backbone and seven linear heads. Image (N, 3, H, W)
//! in [0, 1] → head-pose bin logits (pitch, yaw, roll), translation, expression offsets, scale
//! and canonical keypoints, run once per driving frame (and once on the source).
//!
//! The backbone's widths and depths are not in the reference's configuration file (it
//! hard-codes the "tiny" variant), so they are read from the tensors present.

use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;

use super::config::MotionConfig;
use crate::nn::{Act, Conv, Depthwise, Grn, LayerNorm, LayerNormChannels, Linear};

/// The raw outputs of the heads (logits for the angles; kp and exp flat, keypoint-major).
#[derive(Clone, Debug)]
pub struct MotionOutput {
    pub pitch: Tensor,
    pub yaw: Tensor,
    pub roll: Tensor,
    pub t: Tensor,
    pub exp: Tensor,
    pub scale: Tensor,
    pub kp: Tensor,
}

/// depthwise 7×7 → LayerNorm → Linear(d, 4d) → GELU → GRN → Linear(4d, d), plus the input.
#[derive(Clone, Debug)]
pub struct Block {
    dwconv: Depthwise,
    norm: LayerNorm,
    pwconv1: Linear,
    grn: Grn,
    pwconv2: Linear,
    /// On the CPU the block stays channels-first: the pointwise layers as 1×1 convolutions
    /// (the packed GEMM, GELU fused into the first), the norms as channel-first kernels, and
    /// no permutes.
    channels_first: Option<ChannelsFirst>,
}

#[derive(Clone, Debug)]
struct ChannelsFirst {
    norm: LayerNormChannels,
    pwconv1: Conv,
    pwconv2: Conv,
}

impl Block {
    pub fn load(vb: &VarBuilder, dim: usize) -> Result<Self> {
        let dwconv = Depthwise::new(vb.pp("dwconv"), 1, true)?;
        if dwconv.channels() != dim || dwconv.kernel() != 7 {
            candle_core::bail!(
                "{}.dwconv.weight: expected a {dim}-channel 7×7 depthwise kernel",
                vb.prefix()
            );
        }
        let norm = LayerNorm::load(&vb.pp("norm"), dim, 1e-6)?;
        let channels_first = if vb.device().is_cpu() && !crate::nn::generic_ops() {
            let pointwise = |name: &str, c_in: usize, c_out: usize| -> Result<Conv> {
                let p = vb.pp(name);
                let w = p
                    .get((c_out, c_in), "weight")?
                    .reshape((c_out, c_in, 1, 1))?;
                Conv::new(&w, Some(&p.get(c_out, "bias")?), 1, 0)
            };
            Some(ChannelsFirst {
                norm: norm.channels_first()?,
                pwconv1: pointwise("pwconv1", dim, 4 * dim)?.with_act(Act::Gelu),
                pwconv2: pointwise("pwconv2", 4 * dim, dim)?,
            })
        } else {
            None
        };
        Ok(Self {
            dwconv,
            norm,
            pwconv1: Linear::load(&vb.pp("pwconv1"), dim, 4 * dim)?,
            grn: Grn::load(&vb.pp("grn"), 4 * dim)?,
            pwconv2: Linear::load(&vb.pp("pwconv2"), 4 * dim, dim)?,
            channels_first,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if let Some(cf) = &self.channels_first {
            let y = cf.norm.forward(&self.dwconv.forward(x)?)?;
            let y = self.grn.forward_channels_first(&cf.pwconv1.forward(&y)?)?;
            return x + cf.pwconv2.forward(&y)?;
        }
        let y = self
            .dwconv
            .forward(x)?
            .permute((0, 2, 3, 1))?
            .contiguous()?;
        let y = self.pwconv1.forward(&self.norm.forward(&y)?)?.gelu_erf()?;
        let y = self.pwconv2.forward(&self.grn.forward(&y)?)?;
        x + y.permute((0, 3, 1, 2))?
    }
}

#[derive(Clone, Debug)]
enum Downsample {
    /// conv 4×4 stride 4, then channels-first LayerNorm.
    Stem(Conv, LayerNormChannels),
    /// channels-first LayerNorm, then conv 2×2 stride 2.
    Down(LayerNormChannels, Conv),
}

#[derive(Clone, Debug)]
pub struct MotionExtractor {
    downsample: Vec<Downsample>,
    stages: Vec<Vec<Block>>,
    norm: LayerNorm,
    heads: [Linear; 7],
    pub dims: Vec<usize>,
    pub depths: Vec<usize>,
}

impl MotionExtractor {
    /// From the `detector.` tensors of the motion extractor checkpoint.
    pub fn load(vb: &VarBuilder, config: &MotionConfig) -> Result<Self> {
        let vb = vb.pp("detector");
        let width = |name: &str| -> Result<usize> { Ok(vb.get_unchecked(name)?.dims()[0]) };
        let mut dims = vec![width("downsample_layers.0.0.weight")?];
        for i in 1..4 {
            dims.push(width(&format!("downsample_layers.{i}.1.weight"))?);
        }
        let mut downsample = Vec::with_capacity(4);
        let stem = vb.pp("downsample_layers.0");
        downsample.push(Downsample::Stem(
            Conv::load2d(&stem.pp("0"), (3, dims[0]), 4, 4, 0, true)?,
            LayerNormChannels::load(&stem.pp("1"), dims[0], 1e-6)?,
        ));
        for i in 1..4 {
            let d = vb.pp(format!("downsample_layers.{i}"));
            downsample.push(Downsample::Down(
                LayerNormChannels::load(&d.pp("0"), dims[i - 1], 1e-6)?,
                Conv::load2d(&d.pp("1"), (dims[i - 1], dims[i]), 2, 2, 0, true)?,
            ));
        }
        let mut stages = Vec::with_capacity(4);
        let mut depths = Vec::with_capacity(4);
        for (i, &dim) in dims.iter().enumerate() {
            let mut blocks = Vec::new();
            while vb.contains_tensor(&format!("stages.{i}.{}.dwconv.weight", blocks.len())) {
                blocks.push(Block::load(
                    &vb.pp(format!("stages.{i}.{}", blocks.len())),
                    dim,
                )?);
            }
            depths.push(blocks.len());
            stages.push(blocks);
        }
        let last = dims[3];
        let (k, bins) = (config.num_kp, config.num_bins);
        let head = |name: &str, out: usize| Linear::load(&vb.pp(name), last, out);
        Ok(Self {
            downsample,
            stages,
            norm: LayerNorm::load(&vb.pp("norm"), last, 1e-6)?,
            heads: [
                head("fc_pitch", bins)?,
                head("fc_yaw", bins)?,
                head("fc_roll", bins)?,
                head("fc_t", 3)?,
                head("fc_exp", 3 * k)?,
                head("fc_scale", 1)?,
                head("fc_kp", 3 * k)?,
            ],
            dims,
            depths,
        })
    }

    pub fn forward(&self, image: &Tensor) -> Result<MotionOutput> {
        let mut x = image.clone();
        for (down, stage) in self.downsample.iter().zip(&self.stages) {
            x = match down {
                Downsample::Stem(conv, ln) => ln.forward(&conv.forward(&x)?)?,
                Downsample::Down(ln, conv) => conv.forward(&ln.forward(&x)?)?,
            };
            for block in stage {
                x = block.forward(&x)?;
            }
        }
        // Global average pooling, then the final LayerNorm.
        let pooled = self.norm.forward(&x.mean((2, 3))?)?;
        let [pitch, yaw, roll, t, exp, scale, kp] = &self.heads;
        Ok(MotionOutput {
            pitch: pitch.forward(&pooled)?,
            yaw: yaw.forward(&pooled)?,
            roll: roll.forward(&pooled)?,
            t: t.forward(&pooled)?,
            exp: exp.forward(&pooled)?,
            scale: scale.forward(&pooled)?,
            kp: kp.forward(&pooled)?,
        })
    }
}

impl candle_nn::Module for Block {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Block::forward(self, x)
    }
}
