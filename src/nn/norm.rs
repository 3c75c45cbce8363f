//! Normalisations: batch norm (evaluation mode, folded to a per-channel affine map), instance
//! norm, layer norm over channels (channels-first) or the last axis, and ConvNeXt V2's global
//! response normalisation.

use candle_core::{DType, Result, Tensor};
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
        if x.device().is_cpu() && !super::generic_ops() && x.rank() == 4 {
            return self.forward_cpu(x);
        }
        let mean = x.mean_keepdim(1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(1)?;
        let normed = centred.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        normed
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }

    /// On the CPU: pixels in runs of 64 (the channel loop strided by the plane, the pixels
    /// contiguous, so the sums vectorise), runs in parallel; statistics in f32 as the
    /// reference's are.
    fn forward_cpu(&self, x: &Tensor) -> Result<Tensor> {
        let (n, c, h, w) = x.dims4()?;
        let plane = h * w;
        let wt = self.weight.flatten_all()?.to_vec1::<f32>()?;
        let bs = self.bias.flatten_all()?.to_vec1::<f32>()?;
        let eps = self.eps as f32;
        let mut out = vec![0f32; n * c * plane];
        let dst = super::threads::SharedMut(out.as_mut_ptr());
        const RUN: usize = 64;
        let runs = plane.div_ceil(RUN);
        super::with_host(x, |xs| {
            super::threads::for_each(n * runs, (n * c * plane) as f64 * 8.0, |i| {
                let (b, p0) = (i / runs, (i % runs) * RUN);
                let len = RUN.min(plane - p0);
                let at = |ch: usize| (b * c + ch) * plane + p0;
                let mut mean = [0f32; RUN];
                for ch in 0..c {
                    for (m, &v) in mean[..len].iter_mut().zip(&xs[at(ch)..at(ch) + len]) {
                        *m += v;
                    }
                }
                mean[..len].iter_mut().for_each(|m| *m /= c as f32);
                let mut var = [0f32; RUN];
                for ch in 0..c {
                    for ((s, &v), &m) in var[..len].iter_mut().zip(&xs[at(ch)..]).zip(&mean) {
                        *s += (v - m) * (v - m);
                    }
                }
                let inv: Vec<f32> = var[..len]
                    .iter()
                    .map(|s| 1.0 / (s / c as f32 + eps).sqrt())
                    .collect();
                for ch in 0..c {
                    // SAFETY: this run's pixels of every channel are written by this task only.
                    let o = unsafe { std::slice::from_raw_parts_mut(dst.ptr().add(at(ch)), len) };
                    for (((o, &v), &m), &iv) in o.iter_mut().zip(&xs[at(ch)..]).zip(&mean).zip(&inv)
                    {
                        *o = wt[ch] * ((v - m) * iv) + bs[ch];
                    }
                }
            })
        })?;
        Tensor::from_vec(out, (n, c, h, w), x.device())
    }
}

/// Layer norm over the last axis (PyTorch `nn.LayerNorm` / `F.layer_norm`): candle-nn's (its
/// fused kernel on contiguous input), and the same weights over the channel axis.
#[derive(Clone, Debug)]
pub struct LayerNorm(candle_nn::LayerNorm);

impl LayerNorm {
    pub fn load(vb: &VarBuilder, dim: usize, eps: f64) -> Result<Self> {
        Ok(Self(candle_nn::layer_norm(dim, eps, vb.clone())?))
    }

    /// The same normalisation over axis 1 of (N, C, H, W) input.
    pub fn channels_first(&self) -> Result<LayerNormChannels> {
        let bias = match self.0.bias() {
            Some(b) => b.clone(),
            None => self.0.weight().zeros_like()?,
        };
        LayerNormChannels::from_parts(self.0.weight().clone(), bias, self.0.eps())
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        candle_nn::Module::forward(&self.0, x)
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

    /// The same on channels-first input (N, C, H, W) on the CPU: the channel norms over each
    /// plane (f64), then one scale and shift per channel, x·(1 + γ·Nx) + β, in parallel.
    pub fn forward_channels_first(&self, x: &Tensor) -> Result<Tensor> {
        let (n, c, h, w) = x.dims4()?;
        let plane = h * w;
        let gamma = self.gamma.flatten_all()?.to_vec1::<f32>()?;
        let beta = self.beta.flatten_all()?.to_vec1::<f32>()?;
        if gamma.len() != c {
            candle_core::bail!("GRN of {} channels on {:?}", gamma.len(), x.dims());
        }
        let mut out = vec![0f32; n * c * plane];
        let dst = super::threads::SharedMut(out.as_mut_ptr());
        super::with_host(x, |xs| {
            let mut norms = vec![0f64; n * c];
            let np = super::threads::SharedMut64(norms.as_mut_ptr());
            super::threads::for_each(n * c, (n * c * plane) as f64 * 2.0, |i| {
                let mut acc = [0f64; 8];
                let mut chunks = xs[i * plane..(i + 1) * plane].chunks_exact(8);
                for ch in &mut chunks {
                    for (a, &v) in acc.iter_mut().zip(ch) {
                        *a += (v as f64) * (v as f64);
                    }
                }
                let rest: f64 = chunks
                    .remainder()
                    .iter()
                    .map(|&v| (v as f64) * (v as f64))
                    .sum();
                // SAFETY: entry i is written by this task only.
                unsafe { np.write(i, (acc.iter().sum::<f64>() + rest).sqrt()) };
            });
            let means: Vec<f64> = norms
                .chunks_exact(c)
                .map(|item| item.iter().sum::<f64>() / c as f64)
                .collect();
            super::threads::for_each(n * c, (n * c * plane) as f64 * 2.0, |i| {
                let mean = means[i / c];
                let ch = i % c;
                let scale = (1.0 + gamma[ch] as f64 * norms[i] / (mean + 1e-6)) as f32;
                let shift = beta[ch];
                // SAFETY: plane i is written by this task only.
                let o = unsafe { std::slice::from_raw_parts_mut(dst.ptr().add(i * plane), plane) };
                for (o, &v) in o.iter_mut().zip(&xs[i * plane..(i + 1) * plane]) {
                    *o = v * scale + shift;
                }
            });
        })?;
        Tensor::from_vec(out, (n, c, h, w), x.device())
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

/// Mean and biased variance of one plane, accumulated in f64 over 8 independent lanes (a
/// single running f64 sum is one add per cycle, the slowest part of the generator's norms).
#[inline(always)]
fn plane_moments(v: &[f32]) -> (f64, f64) {
    #[inline(always)]
    fn lanes(v: &[f32], f: impl Fn(f32) -> f64) -> f64 {
        let mut acc = [0f64; 8];
        let mut chunks = v.chunks_exact(8);
        for ch in &mut chunks {
            for (a, &x) in acc.iter_mut().zip(ch) {
                *a += f(x);
            }
        }
        acc.iter().sum::<f64>() + chunks.remainder().iter().map(|&x| f(x)).sum::<f64>()
    }
    let n = v.len().max(1) as f64;
    let mean = lanes(v, |x| x as f64) / n;
    let var = lanes(v, |x| {
        let d = x as f64 - mean;
        d * d
    }) / n;
    (mean, var)
}

/// One channel plane of [`modulated_instance_norm`]: statistics, then the modulation, the
/// activation chosen outside the loop so that it vectorises.
#[inline(always)]
fn modulate_plane(
    src: &[f32],
    gamma: &[f32],
    beta: &[f32],
    out: &mut [f32],
    eps: f64,
    act: super::Act,
) {
    let (mean, var) = plane_moments(src);
    let (mean, inv) = (mean as f32, (1.0 / (var + eps).sqrt()) as f32);
    match act {
        super::Act::Identity => {
            for (((o, &v), &g), &bt) in out.iter_mut().zip(src).zip(gamma).zip(beta) {
                *o = (v - mean) * inv * (1.0 + g) + bt;
            }
        }
        super::Act::LeakyRelu(a) => {
            for (((o, &v), &g), &bt) in out.iter_mut().zip(src).zip(gamma).zip(beta) {
                let y = (v - mean) * inv * (1.0 + g) + bt;
                *o = if y >= 0.0 { y } else { y * a };
            }
        }
        other => {
            for (((o, &v), &g), &bt) in out.iter_mut().zip(src).zip(gamma).zip(beta) {
                *o = other.apply((v - mean) * inv * (1.0 + g) + bt);
            }
        }
    }
}

super::simd::per_isa! {
    fn modulate(
        src: &[f32],
        gamma: &[f32],
        beta: &[f32],
        out: &mut [f32],
        eps: f64,
        act: super::Act,
    ) = modulate_plane
}

/// SPADE's modulation in one pass: act(instance_norm(x)·(1 + γ) + β) on (N, C, H, W), with γ
/// and β the two halves of `gamma_beta` (N, 2C, H, W). On the CPU one parallel pass over the
/// channel planes (statistics in f64) instead of a dozen single-threaded tensor passes.
pub fn modulated_instance_norm(
    x: &Tensor,
    gamma_beta: &Tensor,
    eps: f64,
    act: super::Act,
) -> Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    if gamma_beta.dims() != [n, 2 * c, h, w] {
        candle_core::bail!(
            "modulated instance norm: x {:?} and gamma/beta {:?}",
            x.dims(),
            gamma_beta.dims()
        );
    }
    if !x.device().is_cpu() || super::generic_ops() {
        let gamma = gamma_beta.narrow(1, 0, c)?;
        let beta = gamma_beta.narrow(1, c, c)?;
        let y = ((instance_norm(x, eps)? * (gamma + 1.0)?)? + beta)?;
        return act.forward(&y);
    }
    let plane = h * w;
    let isa = match super::cpu_path() {
        super::CpuPath::Kernels { isa, .. } => isa,
        _ => super::simd::Isa::Generic,
    };
    let mut out = vec![0f32; n * c * plane];
    let dst = super::threads::SharedMut(out.as_mut_ptr());
    super::with_host(x, |xs| {
        super::with_host(gamma_beta, |gb| {
            super::threads::for_each(n * c, 8.0 * xs.len() as f64, |i| {
                let (b, ch) = (i / c, i % c);
                let src = &xs[i * plane..(i + 1) * plane];
                let gamma = &gb[((b * 2 * c) + ch) * plane..((b * 2 * c) + ch + 1) * plane];
                let beta = &gb[((b * 2 * c) + c + ch) * plane..((b * 2 * c) + c + ch + 1) * plane];
                // SAFETY: plane i is written by this task only.
                let out =
                    unsafe { std::slice::from_raw_parts_mut(dst.ptr().add(i * plane), plane) };
                modulate(isa, src, gamma, beta, out, eps, act);
            })
        })
    })??;
    Tensor::from_vec(out, (n, c, h, w), x.device())
}
