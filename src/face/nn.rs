//! Layers shared by the face networks, written for TensorFlow-trained weights in NCHW.
//!
//! TF's "SAME" padding is asymmetric (the extra row/column goes after), so every conv pads
//! explicitly. Depthwise convs are the bulk of these mobile nets and candle runs a grouped conv
//! as one small conv per channel, so on the CPU they go through a direct kernel instead.

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, DType, Device, Layout, Module, Result, Shape, Tensor,
};
use candle_nn::VarBuilder;

static GENERIC_OPS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Run every layer through candle's generic tensor ops, the path CUDA and Metal take, even on
/// the CPU. For tests that hold that path to the reference outputs on a machine without a GPU.
pub fn force_generic_ops(on: bool) {
    GENERIC_OPS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `x` goes through the hand-written CPU kernels.
fn cpu_kernels(x: &Tensor) -> bool {
    x.device().is_cpu() && !GENERIC_OPS.load(std::sync::atomic::Ordering::Relaxed)
}

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
            for ch in 0..c {
                let plane = &src[(n * c + ch) * h * w..(n * c + ch + 1) * h * w];
                for ky in 0..k {
                    for kx in 0..k {
                        let r = (ch * k + ky) * k + kx;
                        let dst = &mut cols[(n * rows + r) * oh * ow..(n * rows + r + 1) * oh * ow];
                        for oy in 0..oh {
                            let iy = (oy * s + ky) as isize - pt as isize;
                            if iy < 0 || iy >= h as isize {
                                continue;
                            }
                            let row = &plane[iy as usize * w..(iy as usize + 1) * w];
                            for ox in 0..ow {
                                let ix = (ox * s + kx) as isize - pl as isize;
                                if ix >= 0 && ix < w as isize {
                                    dst[oy * ow + ox] = row[ix as usize];
                                }
                            }
                        }
                    }
                }
            }
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
            candle_core::bail!(
                "{}: not a depthwise kernel: {:?}",
                vb.prefix(),
                weight.dims()
            );
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
}

impl Module for Depthwise {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if cpu_kernels(x) {
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
        let (pt, pb) = same_padding(h, k, s);
        let (pl, pr) = same_padding(w, k, s);
        let (oh, ow) = (h.div_ceil(s), w.div_ceil(s));
        let (ph, pw) = (h + pt + pb, w + pl + pr);
        let mut dst = vec![0f32; n * c * oh * ow];
        // Each plane is copied into a zero-bordered buffer so the inner loops run over plain
        // slices with no bounds logic (and vectorise for stride 1).
        let mut padded = vec![0f32; ph * pw];
        let geometry = PlaneGeometry { pw, ow, k, s };
        for (idx, out) in dst.chunks_exact_mut(oh * ow).enumerate() {
            let ch = idx % c;
            let inp = &src[idx * h * w..(idx + 1) * h * w];
            for (y, row) in inp.chunks_exact(w).enumerate() {
                padded[(y + pt) * pw + pl..(y + pt) * pw + pl + w].copy_from_slice(row);
            }
            let wk = &self.w_host[ch * k * k..(ch + 1) * k * k];
            depthwise_plane_dispatch(out, &padded, wk, self.b_host[ch], geometry);
        }
        Ok((CpuStorage::F32(dst), Shape::from((n, c, oh, ow))))
    }
}

/// Shape of one depthwise plane: padded input row length, output row length, kernel, stride.
#[derive(Clone, Copy)]
struct PlaneGeometry {
    pw: usize,
    ow: usize,
    k: usize,
    s: usize,
}

/// One output plane of a depthwise conv from its zero-padded input plane.
#[inline(always)]
fn depthwise_plane(out: &mut [f32], padded: &[f32], wk: &[f32], bias: f32, g: PlaneGeometry) {
    let PlaneGeometry { pw, ow, k, s } = g;
    for (oy, orow) in out.chunks_exact_mut(ow).enumerate() {
        orow.fill(bias);
        for ky in 0..k {
            let prow = &padded[(oy * s + ky) * pw..(oy * s + ky + 1) * pw];
            for kx in 0..k {
                let wv = wk[ky * k + kx];
                if s == 1 {
                    for (o, i) in orow.iter_mut().zip(&prow[kx..kx + ow]) {
                        *o += wv * i;
                    }
                } else {
                    for (o, i) in orow.iter_mut().zip(prow[kx..].iter().step_by(s)) {
                        *o += wv * i;
                    }
                }
            }
        }
    }
}

/// The same loop compiled for AVX2 (8 lanes instead of SSE2's 4), chosen at run time so the
/// binary still runs on any x86-64.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn depthwise_plane_avx2(out: &mut [f32], padded: &[f32], wk: &[f32], bias: f32, g: PlaneGeometry) {
    depthwise_plane(out, padded, wk, bias, g)
}

fn depthwise_plane_dispatch(
    out: &mut [f32],
    padded: &[f32],
    wk: &[f32],
    bias: f32,
    g: PlaneGeometry,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has just been checked for AVX2.
        unsafe { depthwise_plane_avx2(out, padded, wk, bias, g) };
        return;
    }
    depthwise_plane(out, padded, wk, bias, g)
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
