//! Layers shared by the face networks, written for TensorFlow-trained weights in NCHW.
//!
//! TF's "SAME" padding is asymmetric (the extra row/column goes after), so every conv pads
//! explicitly. Depthwise convs are the bulk of these mobile nets and candle runs a grouped conv
//! as one small conv per channel, so on the CPU they go through a direct kernel instead.

use candle_core::{CpuStorage, CustomOp1, DType, Device, Layout, Module, Result, Shape, Tensor};
use candle_nn::VarBuilder;

/// TF "SAME" padding for one axis: (before, after).
pub fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
}

/// A dense 2-D convolution with bias. 1×1 convs run as one matmul.
#[derive(Debug, Clone)]
pub struct Conv {
    weight: Tensor,
    bias: Tensor,
    stride: usize,
    padding: Padding,
    kernel: usize,
}

impl Conv {
    pub fn new(vb: VarBuilder, stride: usize, padding: Padding) -> Result<Self> {
        let weight = vb.get_unchecked_dtype("weight", DType::F32)?;
        let (c_out, _, kh, kw) = weight.dims4()?;
        if kh != kw {
            candle_core::bail!("{}: non-square kernel {kh}×{kw}", vb.prefix());
        }
        let bias = vb.get(c_out, "bias")?;
        Ok(Self {
            weight,
            bias,
            stride,
            padding,
            kernel: kh,
        })
    }

    /// From tensors already loaded (face-api keeps a separable conv's bias beside, not under, it).
    pub fn from_parts(weight: Tensor, bias: Tensor, stride: usize, padding: Padding) -> Result<Self> {
        let (_, _, kh, _) = weight.dims4()?;
        Ok(Self {
            weight,
            bias,
            stride,
            padding,
            kernel: kh,
        })
    }

    pub fn out_channels(&self) -> usize {
        self.weight.dims()[0]
    }
}

impl Module for Conv {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = x.dims4()?;
        let c_out = self.out_channels();
        if self.kernel == 1 && self.stride == 1 {
            let wm = self.weight.reshape((c_out, c))?;
            let y = wm.broadcast_matmul(&x.reshape((b, c, h * w))?)?;
            let y = y.broadcast_add(&self.bias.reshape((1, c_out, 1))?)?;
            return y.reshape((b, c_out, h, w));
        }
        let x = match self.padding {
            Padding::Same => {
                let (t, bo) = same_padding(h, self.kernel, self.stride);
                let (l, r) = same_padding(w, self.kernel, self.stride);
                x.pad_with_zeros(2, t, bo)?.pad_with_zeros(3, l, r)?
            }
            Padding::Valid => x.clone(),
        };
        let y = x.conv2d(&self.weight, 0, self.stride, 1, 1)?;
        y.broadcast_add(&self.bias.reshape((1, c_out, 1, 1))?)
    }
}

/// A depthwise 3×3 (or k×k) convolution, channel multiplier 1, "SAME" padding, optional bias.
#[derive(Debug, Clone)]
pub struct Depthwise {
    weight: Tensor,
    bias: Option<Tensor>,
    // Host copies for the CPU kernel.
    w_host: Vec<f32>,
    b_host: Vec<f32>,
    stride: usize,
    kernel: usize,
}

impl Depthwise {
    pub fn new(vb: VarBuilder, stride: usize, with_bias: bool) -> Result<Self> {
        let weight = vb.get_unchecked_dtype("weight", DType::F32)?;
        let (c, one, k, k2) = weight.dims4()?;
        if one != 1 || k != k2 {
            candle_core::bail!("{}: not a depthwise kernel: {:?}", vb.prefix(), weight.dims());
        }
        let bias = if with_bias {
            Some(vb.get(c, "bias")?)
        } else {
            None
        };
        let w_host = weight.flatten_all()?.to_vec1::<f32>()?;
        let b_host = match &bias {
            Some(b) => b.to_vec1::<f32>()?,
            None => vec![0.0; c],
        };
        Ok(Self {
            weight,
            bias,
            w_host,
            b_host,
            stride,
            kernel: k,
        })
    }

    /// The bias, for callers that fold it into what follows (face-api adds it after the pointwise conv).
    pub fn has_bias(&self) -> bool {
        self.bias.is_some()
    }
}

impl Module for Depthwise {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if x.device().is_cpu() {
            return x.contiguous()?.apply_op1_no_bwd(self);
        }
        // Other devices: candle's grouped conv (slower per channel, but correct everywhere).
        let (_, c, h, w) = x.dims4()?;
        let (t, bo) = same_padding(h, self.kernel, self.stride);
        let (l, r) = same_padding(w, self.kernel, self.stride);
        let xp = x.pad_with_zeros(2, t, bo)?.pad_with_zeros(3, l, r)?;
        let y = xp.conv2d(&self.weight, 0, self.stride, 1, c)?;
        match &self.bias {
            Some(b) => y.broadcast_add(&b.reshape((1, c, 1, 1))?),
            None => Ok(y),
        }
    }
}

impl CustomOp1 for Depthwise {
    fn name(&self) -> &'static str {
        "depthwise-same"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = match storage {
            CpuStorage::F32(v) => v,
            _ => candle_core::bail!("depthwise: only f32 is supported"),
        };
        let src = match layout.contiguous_offsets() {
            Some((a, b)) => &src[a..b],
            None => candle_core::bail!("depthwise: input must be contiguous"),
        };
        let (n, c, h, w) = layout.shape().dims4()?;
        let (k, s) = (self.kernel, self.stride);
        let (pt, _) = same_padding(h, k, s);
        let (pl, _) = same_padding(w, k, s);
        let (oh, ow) = (h.div_ceil(s), w.div_ceil(s));
        let mut dst = vec![0f32; n * c * oh * ow];
        let plane = |idx: usize, out: &mut [f32]| {
            let ch = idx % c;
            let inp = &src[idx * h * w..(idx + 1) * h * w];
            let wk = &self.w_host[ch * k * k..(ch + 1) * k * k];
            let bias = self.b_host[ch];
            for (oy, row) in out.chunks_exact_mut(ow).enumerate() {
                row.fill(bias);
                for ky in 0..k {
                    let iy = (oy * s + ky) as isize - pt as isize;
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    let irow = &inp[iy as usize * w..(iy as usize + 1) * w];
                    for kx in 0..k {
                        let wv = wk[ky * k + kx];
                        // Output columns whose input column ox*s + kx - pl lies inside the row.
                        let lo = (pl.saturating_sub(kx)).div_ceil(s);
                        let hi = ((w + pl).saturating_sub(kx)).div_ceil(s).min(ow);
                        for (ox, o) in row.iter_mut().enumerate().take(hi).skip(lo) {
                            *o += wv * irow[ox * s + kx - pl];
                        }
                    }
                }
            }
        };
        let planes = n * c;
        let per = oh * ow;
        // Large planes are worth a thread each; tiny ones are not.
        if per * k * k * planes > 200_000 {
            std::thread::scope(|scope| {
                let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
                let chunk = planes.div_ceil(threads);
                for (t, part) in dst.chunks_mut(chunk * per).enumerate() {
                    let plane = &plane;
                    scope.spawn(move || {
                        for (i, out) in part.chunks_exact_mut(per).enumerate() {
                            plane(t * chunk + i, out);
                        }
                    });
                }
            });
        } else {
            for (i, out) in dst.chunks_exact_mut(per).enumerate() {
                plane(i, out);
            }
        }
        Ok((CpuStorage::F32(dst), Shape::from((n, c, oh, ow))))
    }
}

/// Per-channel PReLU: max(x, 0) + alpha · min(x, 0).
#[derive(Debug, Clone)]
pub struct PRelu {
    alpha: Tensor,
}

impl PRelu {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        let alpha = vb.get_unchecked_dtype("weight", DType::F32)?;
        let c = alpha.elem_count();
        Ok(Self {
            alpha: alpha.reshape((1, c, 1, 1))?,
        })
    }
}

impl Module for PRelu {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let pos = x.relu()?;
        let neg = x.minimum(0f32)?;
        pos.add(&neg.broadcast_mul(&self.alpha)?)
    }
}

/// Activation after a residual add: ReLU (BlazeFace) or PReLU (face mesh).
#[derive(Debug, Clone)]
pub enum Activation {
    Relu,
    PRelu(PRelu),
}

impl Module for Activation {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Self::Relu => x.relu(),
            Self::PRelu(p) => p.forward(x),
        }
    }
}

/// The MediaPipe residual block: act(pw(dw(x)) + shortcut(x)); on stride 2 the shortcut is a
/// 2×2 max-pool, and when channels grow it is zero-padded on channels.
#[derive(Debug, Clone)]
pub struct ResidualBlock {
    dw: Depthwise,
    pw: Conv,
    act: Activation,
    stride: usize,
}

impl ResidualBlock {
    pub fn new(vb: VarBuilder, stride: usize, prelu: bool) -> Result<Self> {
        let dw = Depthwise::new(vb.pp("dw"), stride, true)?;
        let pw = Conv::new(vb.pp("pw"), 1, Padding::Valid)?;
        let act = if prelu {
            Activation::PRelu(PRelu::new(vb.pp("prelu"))?)
        } else {
            Activation::Relu
        };
        Ok(Self {
            dw,
            pw,
            act,
            stride,
        })
    }
}

impl Module for ResidualBlock {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.pw.forward(&self.dw.forward(x)?)?;
        let mut res = if self.stride == 2 {
            let (_, _, h, w) = x.dims4()?;
            // TF "SAME" 2×2/2 pooling on an odd size pads after; our sizes are even.
            if h % 2 != 0 || w % 2 != 0 {
                candle_core::bail!("residual block: odd input size {h}×{w}");
            }
            x.max_pool2d(2)?
        } else {
            x.clone()
        };
        let (c_in, c_out) = (res.dims()[1], y.dims()[1]);
        if c_out > c_in {
            res = res.pad_with_zeros(1, 0, c_out - c_in)?;
        }
        self.act.forward(&(y + res)?)
    }
}

/// HWC u8/f32 pixels → a 1×3×H×W tensor on `device`.
pub fn hwc_to_nchw(data: Vec<f32>, h: usize, w: usize, device: &Device) -> Result<Tensor> {
    Tensor::from_vec(data, (1, h, w, 3), device)?
        .permute((0, 3, 1, 2))?
        .contiguous()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(same_padding(128, 5, 2), (1, 2));
        assert_eq!(same_padding(64, 3, 2), (0, 1));
        assert_eq!(same_padding(64, 3, 1), (1, 1));
        assert_eq!(same_padding(7, 3, 2), (1, 1));
    }

    #[test]
    fn depthwise_kernel_matches_grouped_conv() -> Result<()> {
        let dev = Device::Cpu;
        for (h, w, s) in [(8, 8, 1), (8, 8, 2), (7, 9, 2), (5, 6, 1)] {
            let c = 3;
            let weight = Tensor::randn(0f32, 1., (c, 1, 3, 3), &dev)?;
            let bias = Tensor::randn(0f32, 1., c, &dev)?;
            let dw = Depthwise {
                w_host: weight.flatten_all()?.to_vec1()?,
                b_host: bias.to_vec1()?,
                weight: weight.clone(),
                bias: Some(bias.clone()),
                stride: s,
                kernel: 3,
            };
            let x = Tensor::randn(0f32, 1., (2, c, h, w), &dev)?;
            let fast = dw.forward(&x)?;
            let (t, b) = same_padding(h, 3, s);
            let (l, r) = same_padding(w, 3, s);
            let xp = x.pad_with_zeros(2, t, b)?.pad_with_zeros(3, l, r)?;
            let slow = xp
                .conv2d(&weight, 0, s, 1, c)?
                .broadcast_add(&bias.reshape((1, c, 1, 1))?)?;
            let diff = (fast - slow)?.abs()?.max_all()?.to_scalar::<f32>()?;
            assert!(diff < 1e-5, "{h}x{w} s{s}: {diff}");
        }
        Ok(())
    }
}
