//! Normalisations: batch norm (evaluation mode, folded to a per-channel affine map), instance
//! norm, layer norm over channels (channels-first) or the last axis, and ConvNeXt V2's global
//! response normalisation.

use candle_core::{D, DType, Result, Tensor};
use candle_nn::VarBuilder;

/// A batch norm in evaluation mode: y = (x − mean)/√(var + eps)·w + b, kept as
/// y = x·scale + shift (what PyTorch's CPU kernel computes too).
#[derive(Clone, Debug)]
pub struct BatchNorm {
    pub scale: Vec<f32>,
    pub shift: Vec<f32>,
}

impl BatchNorm {
    /// From "weight", "bias", "running_mean", "running_var" under `vb` (shape-checked);
    /// `num_batches_tracked` is a training counter and is not read.
    pub fn load(vb: &VarBuilder, channels: usize, eps: f64) -> Result<Self> {
        let get = |name: &str| -> Result<Vec<f32>> {
            vb.get(channels, name)?
                .to_dtype(DType::F32)?
                .to_vec1::<f32>()
        };
        let (w, b, m, v) = (
            get("weight")?,
            get("bias")?,
            get("running_mean")?,
            get("running_var")?,
        );
        let scale: Vec<f32> = w
            .iter()
            .zip(&v)
            .map(|(w, v)| w / (v + eps as f32).sqrt())
            .collect();
        let shift = b
            .iter()
            .zip(&m)
            .zip(&scale)
            .map(|((b, m), s)| b - m * s)
            .collect();
        Ok(Self { scale, shift })
    }

    pub fn channels(&self) -> usize {
        self.scale.len()
    }

    /// x·scale + shift over axis 1 of an (N, C, …) tensor, then ReLU when `relu`.
    pub fn forward(&self, x: &Tensor, relu: bool) -> Result<Tensor> {
        let mut shape = vec![1usize; x.rank()];
        shape[1] = self.channels();
        let s = Tensor::from_slice(&self.scale, shape.as_slice(), x.device())?;
        let t = Tensor::from_slice(&self.shift, shape.as_slice(), x.device())?;
        let y = x.broadcast_mul(&s)?.broadcast_add(&t)?;
        if relu { y.relu() } else { Ok(y) }
    }
}

/// Instance norm without affine parameters on (N, C, H, W): per sample and channel over H×W,
/// biased variance.
pub fn instance_norm(x: &Tensor, eps: f64) -> Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    let flat = x.reshape((n, c, h * w))?;
    let mean = flat.mean_keepdim(2)?;
    let centred = flat.broadcast_sub(&mean)?;
    let var = centred.sqr()?.mean_keepdim(2)?;
    centred
        .broadcast_div(&(var + eps)?.sqrt()?)?
        .reshape((n, c, h, w))
}

/// Layer norm over axis 1 of (N, C, H, W) at each pixel, with a per-channel weight and bias
/// (ConvNeXt's "channels_first" LayerNorm).
#[derive(Clone, Debug)]
pub struct LayerNormChannels {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNormChannels {
    pub fn load(vb: &VarBuilder, channels: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: vb.get(channels, "weight")?.reshape((1, channels, 1, 1))?,
            bias: vb.get(channels, "bias")?.reshape((1, channels, 1, 1))?,
            eps,
        })
    }

    pub fn from_parts(weight: Tensor, bias: Tensor, eps: f64) -> Result<Self> {
        let c = weight.elem_count();
        Ok(Self {
            weight: weight.reshape((1, c, 1, 1))?,
            bias: bias.reshape((1, c, 1, 1))?,
            eps,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(1)?;
        let normed = centred.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        normed
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }
}

/// Layer norm over the last axis (PyTorch `nn.LayerNorm` / `F.layer_norm`).
#[derive(Clone, Debug)]
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    pub fn load(vb: &VarBuilder, dim: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: vb.get(dim, "weight")?,
            bias: vb.get(dim, "bias")?,
            eps,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        centred
            .broadcast_div(&(var + self.eps)?.sqrt()?)?
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }
}

/// Global response normalisation on NHWC input (ConvNeXt V2): Gx = ‖x‖₂ over H and W per
/// channel, Nx = Gx / (mean over channels of Gx + 1e-6), out = γ·(x·Nx) + β + x.
#[derive(Clone, Debug)]
pub struct Grn {
    gamma: Tensor,
    beta: Tensor,
}

impl Grn {
    pub fn load(vb: &VarBuilder, dim: usize) -> Result<Self> {
        Ok(Self {
            gamma: vb.get((1, 1, 1, dim), "gamma")?,
            beta: vb.get((1, 1, 1, dim), "beta")?,
        })
    }

    pub fn from_parts(gamma: Tensor, beta: Tensor) -> Self {
        Self { gamma, beta }
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (n, h, w, c) = x.dims4()?;
        let gx = x
            .reshape((n, h * w, c))?
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .reshape((n, 1, 1, c))?;
        let nx = gx.broadcast_div(&(gx.mean_keepdim(3)? + 1e-6)?)?;
        let y = self.gamma.broadcast_mul(&x.broadcast_mul(&nx)?)?;
        y.broadcast_add(&self.beta)? + x
    }
}
