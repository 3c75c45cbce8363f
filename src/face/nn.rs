//! Layers of the face networks, written for TensorFlow-trained weights in NCHW.
//!
//! TF's "SAME" padding is asymmetric (the extra row/column goes after), so every conv pads
//! explicitly. The depthwise kernel these mobile nets are built on is shared with the neural
//! engine and lives in `crate::nn`.

use candle_core::{CpuStorage, CustomOp2, DType, Device, Layout, Module, Result, Shape, Tensor};
use candle_nn::VarBuilder;

pub use crate::nn::{Depthwise, same_padding};

/// Whether `x` goes through the hand-written CPU kernels.
fn cpu_kernels(x: &Tensor) -> bool {
    x.device().is_cpu() && !crate::nn::generic_ops()
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
        let bias = vb.get(weight.dims4()?.0, "bias")?;
        Self::from_parts(weight, bias, stride, padding)
            .map_err(|e| candle_core::Error::Msg(format!("{}: {e}", vb.prefix())))
    }

    /// From tensors already loaded (face-api keeps a separable conv's bias beside, not under, it).
    pub fn from_parts(
        weight: Tensor,
        bias: Tensor,
        stride: usize,
        padding: Padding,
    ) -> Result<Self> {
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

impl Conv {
    /// k×k conv on the CPU as one matmul over patches gathered here: candle's own im2col
    /// dispatches through rayon per element and cost as much as the matmul itself.
    fn forward_im2col(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = x.dims4()?;
        let (k, s) = (self.kernel, self.stride);
        let ((pt, pb), (pl, pr)) = match self.padding {
            Padding::Same => (same_padding(h, k, s), same_padding(w, k, s)),
            Padding::Valid => ((0, 0), (0, 0)),
        };
        let (ph, pw) = (h + pt + pb, w + pl + pr);
        if ph < k || pw < k {
            candle_core::bail!("conv: input {h}×{w} smaller than kernel {k}");
        }
        let (oh, ow) = ((ph - k) / s + 1, (pw - k) / s + 1);
        let src = x.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
        let rows = c * k * k;
        let mut cols = vec![0f32; b * rows * oh * ow];
        for n in 0..b {
            crate::nn::conv::im2col(
                &src[n * c * h * w..(n + 1) * c * h * w],
                (c, h, w),
                (k, k),
                s,
                (pt, pl),
                (oh, ow),
                &mut cols[n * rows * oh * ow..(n + 1) * rows * oh * ow],
            );
        }
        let c_out = self.out_channels();
        let cols = Tensor::from_vec(cols, (b, rows, oh * ow), x.device())?;
        let y = self
            .weight
            .reshape((c_out, rows))?
            .broadcast_matmul(&cols)?;
        y.broadcast_add(&self.bias.reshape((1, c_out, 1))?)?
            .reshape((b, c_out, oh, ow))
    }

    /// A 1×1 conv without its bias (the caller fuses the bias into what follows).
    fn pointwise_no_bias(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = x.dims4()?;
        let c_out = self.out_channels();
        let wm = self.weight.reshape((c_out, c))?;
        wm.broadcast_matmul(&x.reshape((b, c, h * w))?)?
            .reshape((b, c_out, h, w))
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
        if cpu_kernels(x) {
            return self.forward_im2col(x);
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
    tail: ResidualTail,
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
        let tail = ResidualTail {
            bias: pw.bias.to_vec1::<f32>()?,
            alpha: match &act {
                Activation::PRelu(p) => Some(p.alpha.flatten_all()?.to_vec1::<f32>()?),
                Activation::Relu => None,
            },
            stride,
        };
        Ok(Self {
            dw,
            pw,
            act,
            stride,
            tail,
        })
    }
}

impl Module for ResidualBlock {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if cpu_kernels(x) {
            let y = self.pw.pointwise_no_bias(&self.dw.forward(x)?)?;
            return y
                .contiguous()?
                .apply_op2_no_bwd(&x.contiguous()?, &self.tail);
        }
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

/// The end of a residual block in one pass on the CPU: act(y + bias + shortcut(x)), where the
/// shortcut max-pools 2×2 on stride 2 and is zero on channels that x lacks. Done as tensor ops
/// it would be five full passes over the activations.
#[derive(Debug, Clone)]
struct ResidualTail {
    bias: Vec<f32>,
    alpha: Option<Vec<f32>>,
    stride: usize,
}

impl CustomOp2 for ResidualTail {
    fn name(&self) -> &'static str {
        "residual-tail"
    }

    fn cpu_fwd(
        &self,
        ys: &CpuStorage,
        yl: &Layout,
        xs: &CpuStorage,
        xl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(y), CpuStorage::F32(x)) = (ys, xs) else {
            candle_core::bail!("residual tail: only f32 is supported");
        };
        let (Some((y0, y1)), Some((x0, x1))) = (yl.contiguous_offsets(), xl.contiguous_offsets())
        else {
            candle_core::bail!("residual tail: inputs must be contiguous");
        };
        let (y, x) = (&y[y0..y1], &x[x0..x1]);
        let (n, co, oh, ow) = yl.shape().dims4()?;
        let (_, ci, h, w) = xl.shape().dims4()?;
        let s = self.stride;
        if h.div_ceil(s) != oh
            || w.div_ceil(s) != ow
            || ci > co
            || (s == 2 && (h % 2 != 0 || w % 2 != 0))
        {
            candle_core::bail!(
                "residual tail: shapes {:?} and {:?}",
                yl.shape(),
                xl.shape()
            );
        }
        let mut out = y.to_vec();
        let plane = oh * ow;
        for b in 0..n {
            for ch in 0..co {
                let o = &mut out[(b * co + ch) * plane..(b * co + ch + 1) * plane];
                let bias = self.bias[ch];
                if ch < ci {
                    let xp = &x[(b * ci + ch) * h * w..(b * ci + ch + 1) * h * w];
                    if s == 1 {
                        for (v, r) in o.iter_mut().zip(xp) {
                            *v += bias + r;
                        }
                    } else {
                        for oy in 0..oh {
                            for ox in 0..ow {
                                let r0 = &xp[(oy * 2) * w + ox * 2..];
                                let r1 = &xp[(oy * 2 + 1) * w + ox * 2..];
                                let m = r0[0].max(r0[1]).max(r1[0]).max(r1[1]);
                                o[oy * ow + ox] += bias + m;
                            }
                        }
                    }
                } else {
                    for v in o.iter_mut() {
                        *v += bias;
                    }
                }
                match &self.alpha {
                    None => o.iter_mut().for_each(|v| *v = v.max(0.0)),
                    Some(a) => {
                        let a = a[ch];
                        o.iter_mut().for_each(|v| *v = v.max(0.0) + a * v.min(0.0))
                    }
                }
            }
        }
        Ok((CpuStorage::F32(out), yl.shape().clone()))
    }
}

/// HWC u8/f32 pixels → a 1×3×H×W tensor on `device`.
pub fn hwc_to_nchw(data: Vec<f32>, h: usize, w: usize, device: &Device) -> Result<Tensor> {
    Tensor::from_vec(data, (1, h, w, 3), device)?
        .permute((0, 3, 1, 2))?
        .contiguous()
}
