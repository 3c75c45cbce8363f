//! Depthwise convolution (channel multiplier 1, TF "SAME" padding, which for stride 1 and an
//! odd kernel is the symmetric k/2 padding PyTorch models use). The face networks are built on
//! 3×3 and 5×5 ones, the motion extractor's ConvNeXt blocks on 7×7. candle runs a grouped
//! conv as one small conv per channel (6,600 calls for the motion extractor), so the CPU has a
//! direct kernel and other devices a sum of k² shifted, scaled copies of the input.

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Module, Result, Shape, Tensor};
use candle_nn::VarBuilder;

/// TF "SAME" padding for one axis: (before, after).
pub fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
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
        if x.device().is_cpu() && !super::generic_ops() {
            return x.contiguous()?.apply_op1_no_bwd(self);
        }
        self.forward_generic(x)
    }
}

impl Depthwise {
    /// Channels (= groups).
    pub fn channels(&self) -> usize {
        self.b_host.len()
    }

    /// Kernel side.
    pub fn kernel(&self) -> usize {
        self.kernel
    }

    /// The path every device has (what CUDA and Metal run).
    pub fn forward_generic(&self, x: &Tensor) -> Result<Tensor> {
        let (_, c, h, w) = x.dims4()?;
        let (t, bo) = same_padding(h, self.kernel, self.stride);
        let (l, r) = same_padding(w, self.kernel, self.stride);
        let xp = x.pad_with_zeros(2, t, bo)?.pad_with_zeros(3, l, r)?;
        let y = if self.stride == 1 {
            // Other devices: k² shifted copies, each scaled per channel and summed (a grouped
            // conv would be one launch per channel).
            let k = self.kernel;
            let mut acc: Option<Tensor> = None;
            for ky in 0..k {
                for kx in 0..k {
                    let tap = self
                        .weight
                        .narrow(2, ky, 1)?
                        .narrow(3, kx, 1)?
                        .reshape((1, c, 1, 1))?;
                    let term = xp.narrow(2, ky, h)?.narrow(3, kx, w)?.broadcast_mul(&tap)?;
                    acc = Some(match acc {
                        None => term,
                        Some(a) => (a + term)?,
                    });
                }
            }
            acc.ok_or_else(|| candle_core::Error::Msg("depthwise: empty kernel".into()))?
        } else {
            // Strided (face networks only): candle's grouped conv.
            xp.conv2d(&self.weight, 0, self.stride, 1, c)?
        };
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
        // slices with no bounds logic (and vectorise for stride 1). Planes run in parallel
        // when the op is large (the motion extractor's 7×7 layers; the face networks' are
        // small enough to stay on the calling thread).
        let geometry = PlaneGeometry { pw, ow, k, s };
        let out = super::threads::SharedMut(dst.as_mut_ptr());
        let flops = 2.0 * (n * c * oh * ow * k * k) as f64;
        super::threads::for_each(n * c, flops, |idx| {
            let mut padded = vec![0f32; ph * pw];
            let ch = idx % c;
            let inp = &src[idx * h * w..(idx + 1) * h * w];
            for (y, row) in inp.chunks_exact(w).enumerate() {
                padded[(y + pt) * pw + pl..(y + pt) * pw + pl + w].copy_from_slice(row);
            }
            let wk = &self.w_host[ch * k * k..(ch + 1) * k * k];
            // SAFETY: plane idx of the output is written by this task only.
            let plane =
                unsafe { std::slice::from_raw_parts_mut(out.ptr().add(idx * oh * ow), oh * ow) };
            depthwise_plane_dispatch(plane, &padded, wk, self.b_host[ch], geometry);
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

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
        for (h, w, s, k) in [
            (8, 8, 1, 3),
            (8, 8, 2, 3),
            (7, 9, 2, 3),
            (5, 6, 1, 3),
            (9, 11, 1, 7),
        ] {
            let c = 3;
            let weight = Tensor::randn(0f32, 1., (c, 1, k, k), &dev)?;
            let bias = Tensor::randn(0f32, 1., c, &dev)?;
            let dw = Depthwise {
                w_host: weight.flatten_all()?.to_vec1()?,
                b_host: bias.to_vec1()?,
                weight: weight.clone(),
                bias: Some(bias.clone()),
                stride: s,
                kernel: k,
            };
            let x = Tensor::randn(0f32, 1., (2, c, h, w), &dev)?;
            let fast = dw.forward(&x)?;
            let generic = dw.forward_generic(&x)?;
            let (t, b) = same_padding(h, k, s);
            let (l, r) = same_padding(w, k, s);
            let xp = x.pad_with_zeros(2, t, b)?.pad_with_zeros(3, l, r)?;
            let slow = xp
                .conv2d(&weight, 0, s, 1, c)?
                .broadcast_add(&bias.reshape((1, c, 1, 1))?)?;
            let diff = (fast - &slow)?.abs()?.max_all()?.to_scalar::<f32>()?;
            assert!(diff < 1e-5, "{h}x{w} s{s} k{k}: {diff}");
            let diff = (generic - &slow)?.abs()?.max_all()?.to_scalar::<f32>()?;
            assert!(diff < 1e-5, "generic {h}x{w} s{s} k{k}: {diff}");
        }
        Ok(())
    }
}
