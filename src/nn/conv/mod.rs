//! Dense 2-D and 3-D convolutions with their per-channel epilogue (bias, a folded batch norm,
//! an activation), for every device. (A little over 600 lines: `Conv` is one type whose
//! forward picks among its paths per call; the paths' helpers are in the files beside it.)
//!
//! On the CPU the weights are packed once, at load, for our own GEMM microkernel
//! (`gemm::Packed`, one segment per kernel tap), and:
//! - 3×3 and 3×3×3 kernels with stride 1 and padding 1 (the generator's and the warping
//!   network's bulk) run in the Winograd domain (`winograd`, 4× less arithmetic) whenever the
//!   plane is wide enough for its vector lanes;
//! - other stride-1 convolutions need no im2col buffer: with the input zero-padded once,
//!   output voxel `j` (counted over the *padded* row and plane length) reads input
//!   `j + offset` for each kernel tap, a plain shifted range, so the microkernel sums the taps
//!   over shifted rows of one buffer, in cache-sized column blocks that run in parallel; the
//!   few columns that fall in the padding are computed and dropped (6–20 % more work, against
//!   a 2–50× larger im2col buffer for the 3³ and 7³ kernels);
//!   on the smallest planes (4², the warping hourglass's bottom) the in-plane taps are
//!   gathered first instead, so no column is padding;
//! - 7×7×7 kernels (the warping network's mask, half of its work) run in the frequency
//!   domain (`spectral`, 13× less arithmetic);
//! - strided convolutions (the motion extractor's patchify layers) go through a small im2col.
//!
//! Other devices use candle's `conv2d` (3-D as one `conv2d` per kernel depth), so CUDA and
//! Metal need nothing that candle lacks.

mod bias_act;
mod direct;
mod gathered;
pub use self::bias_act::*;
pub(crate) use self::gathered::*;

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::VarBuilder;

use super::gemm::{Layout, Packed};
use super::polyphase::Phases;
use super::simd::Isa;
use super::spectral::Spectral;
use super::threads::{self, SharedMut};
use super::winograd::Winograd;
use super::{CpuPath, WinogradUse};

/// The weights as the kernel that runs them wants them.
#[derive(Clone, Debug)]
pub(super) enum Weights {
    /// CPU, stride 1: packed per tap; for a 3×3(×3), padding-1 kernel also its Winograd form
    /// (which runs from the same packed values).
    Taps {
        packed: Packed,
        winograd: Option<Winograd>,
        /// Winograd for every input size, not only where it pays (tests).
        always: bool,
    },
    /// CPU, strided: packed rows of C·kh·kw (one segment), for im2col.
    Rows(Packed),
    /// CPU with AVX-512, stride 1, few output channels (the warping network's 7×7 occlusion
    /// conv, the generator's last conv): per input channel and tap, the
    /// `lanes` output channels' weights side by side (zero-padded), for the direct kernel.
    Direct { weights: Vec<f32>, lanes: usize },
    /// CPU, 7×7×7 with padding 3 (the warping network's mask conv): in the frequency
    /// domain (`spectral`).
    Spectral(Box<Spectral>),
    /// Any other device (or the generic path on the CPU): the tensor as loaded.
    Tensor(Tensor),
}

/// A convolution over NCHW (2-D) or NCDHW (3-D) input with symmetric zero padding.
#[derive(Clone, Debug)]
pub struct Conv {
    pub(super) weights: Weights,
    /// (C_in, C_out)
    channels: (usize, usize),
    /// (kd, kh, kw); kd = 1 for a 2-D convolution.
    kernel: [usize; 3],
    /// Padding on (d, h, w).
    pad: [usize; 3],
    stride: usize,
    rank: usize,
    epilogue: Epilogue,
}

impl Conv {
    /// The same convolution on the generic path (tests hold both paths to one reference).
    #[cfg(test)]
    pub(super) fn on_generic_path(&self, weight: &Tensor) -> Self {
        Self {
            weights: Weights::Tensor(weight.clone()),
            ..self.clone()
        }
    }

    /// The same convolution on the CPU kernels of `isa`, with or without the Winograd form
    /// (tests hold every CPU kernel to one reference, whichever `new` picked).
    #[cfg(test)]
    pub(super) fn on_isa(&self, weight: &Tensor, isa: Isa, winograd: WinogradUse) -> Result<Self> {
        let host = weight.flatten_all()?.to_vec1::<f32>()?;
        let mut conv = Self {
            weights: Weights::Tensor(weight.clone()),
            ..self.clone()
        };
        conv.weights = conv.cpu_weights(&host, isa, winograd);
        Ok(conv)
    }

    /// Whether `forward(x)` takes the Winograd form (tests set their tolerances by it).
    #[cfg(test)]
    pub(super) fn runs_winograd(&self, x: &Tensor) -> bool {
        let d = x.dims();
        matches!(&self.weights, Weights::Taps { packed, winograd: Some(_), always }
            if *always || Winograd::worth_it(packed.layout().isa(), d[d.len() - 2], d[d.len() - 1]))
    }

    /// A 2-D conv k×k from `vb` ("weight", and "bias" when `bias`), checking the shape.
    pub fn load2d(
        vb: &VarBuilder,
        (c_in, c_out): (usize, usize),
        k: usize,
        stride: usize,
        pad: usize,
        bias: bool,
    ) -> Result<Self> {
        let weight = vb.get((c_out, c_in, k, k), "weight")?;
        let bias = if bias {
            Some(vb.get(c_out, "bias")?)
        } else {
            None
        };
        Self::new(&weight, bias.as_ref(), stride, pad)
    }

    /// A 3-D conv k×k×k with bias from `vb`, checking the shape.
    pub fn load3d(vb: &VarBuilder, (c_in, c_out): (usize, usize), k: usize) -> Result<Self> {
        let weight = vb.get((c_out, c_in, k, k, k), "weight")?;
        let bias = vb.get(c_out, "bias")?;
        Self::new(&weight, Some(&bias), 1, k / 2)
    }

    /// From a weight of shape (O, C, kh, kw) or (O, C, kd, kh, kw). The kernel chosen follows
    /// the weight's device (and this thread's `cpu_path`).
    pub fn new(weight: &Tensor, bias: Option<&Tensor>, stride: usize, pad: usize) -> Result<Self> {
        let weight = weight.to_dtype(DType::F32)?;
        let dims = weight.dims().to_vec();
        let (rank, kernel, pads) = match dims.as_slice() {
            [_, _, kh, kw] => (2, [1, *kh, *kw], [0, pad, pad]),
            [_, _, kd, kh, kw] => (3, [*kd, *kh, *kw], [pad, pad, pad]),
            _ => candle_core::bail!("conv weight must be 4-D or 5-D, got {dims:?}"),
        };
        if stride == 0 || (rank == 3 && stride != 1) {
            candle_core::bail!("conv: unsupported stride {stride} for a {rank}-D conv");
        }
        let (c_out, c_in) = (dims[0], dims[1]);
        let bias = match bias {
            Some(b) => b.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?,
            None => vec![0.0; c_out],
        };
        if bias.len() != c_out {
            candle_core::bail!("conv bias has {} values for {c_out} channels", bias.len());
        }
        let mut conv = Self {
            weights: Weights::Tensor(weight.clone()),
            channels: (c_in, c_out),
            kernel,
            pad: pads,
            stride,
            rank,
            epilogue: Epilogue {
                bias,
                scale: None,
                shift: None,
                act: Act::Identity,
            },
        };
        if let (true, CpuPath::Kernels { isa, winograd }) =
            (weight.device().is_cpu(), super::cpu_path())
        {
            let host = weight.flatten_all()?.to_vec1::<f32>()?;
            conv.weights = conv.cpu_weights(&host, isa, winograd);
        }
        Ok(conv)
    }

    /// The CPU kernels' form of the weights (PyTorch's layout in `host`).
    fn cpu_weights(&self, host: &[f32], isa: Isa, winograd: WinogradUse) -> Weights {
        let (c_in, c_out) = self.channels;
        let taps = self.kernel.iter().product::<usize>();
        if self.stride != 1 {
            return Weights::Rows(Packed::new(isa, c_out, c_in * taps, 1, |o, _, k| {
                host[o * c_in * taps + k]
            }));
        }
        if self.rank == 3
            && winograd != WinogradUse::Never
            && Spectral::applies(self.kernel, self.pad, self.stride)
        {
            return Weights::Spectral(Box::new(Spectral::new(isa, host, c_in, c_out)));
        }
        if isa == Isa::Avx512
            && let Some(lanes) = direct::lanes(c_out, c_in * taps)
        {
            let weights = regroup(host, (c_in, c_out, taps), c_in * taps * lanes, |o, c, k| {
                (c * taps + k) * lanes + o
            });
            return Weights::Direct { weights, lanes };
        }
        let packed = pack_taps(isa, host, c_in, c_out, taps);
        let [kd, kh, kw] = self.kernel;
        let always = winograd == WinogradUse::Always;
        let winograd = (winograd != WinogradUse::Never
            && Winograd::supports(self.epilogue.act)
            && kh == 3
            && kw == 3
            && (kd == 1 || kd == 3)
            && self.pad[1..] == [1, 1]
            && self.pad[0] == kd / 2)
            .then(|| {
                Winograd::new(
                    packed.layout(),
                    kd,
                    self.epilogue.folded().0,
                    self.epilogue.folded().1,
                    self.epilogue.act,
                )
            });
        Weights::Taps {
            packed,
            winograd,
            always,
        }
    }

    /// Follow the convolution with a per-channel affine map (a folded batch norm).
    pub fn with_affine(mut self, scale: Vec<f32>, shift: Vec<f32>) -> Self {
        self.epilogue.scale = Some(scale);
        self.epilogue.shift = Some(shift);
        self.refresh_fused_epilogue();
        self
    }

    /// End with an activation.
    pub fn with_act(mut self, act: Act) -> Self {
        self.epilogue.act = act;
        self.refresh_fused_epilogue();
        self
    }

    /// The Winograd form carries the epilogue folded into its output transform.
    fn refresh_fused_epilogue(&mut self) {
        if let Weights::Taps {
            packed, winograd, ..
        } = &mut self.weights
            && winograd.is_some()
        {
            let (mul, add) = self.epilogue.folded();
            *winograd = Winograd::supports(self.epilogue.act).then(|| {
                Winograd::new(packed.layout(), self.kernel[0], mul, add, self.epilogue.act)
            });
        }
    }

    pub fn in_channels(&self) -> usize {
        self.channels.0
    }

    pub fn out_channels(&self) -> usize {
        self.channels.1
    }

    /// Multiply-adds ×2 for an input of the given spatial size (for benchmarks and reports).
    pub fn flops(&self, spatial: usize) -> f64 {
        let taps = self.kernel.iter().product::<usize>();
        2.0 * (self.channels.0 * self.channels.1 * taps * spatial) as f64
            / (self.stride * self.stride) as f64
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if x.rank() != self.rank + 2 {
            candle_core::bail!("a {}-D conv got input of shape {:?}", self.rank, x.dims());
        }
        if x.dims()[1] != self.channels.0 {
            candle_core::bail!(
                "conv expects {} input channels, got shape {:?}",
                self.channels.0,
                x.dims()
            );
        }
        match &self.weights {
            Weights::Taps {
                packed,
                winograd: Some(wg),
                always,
            } if *always || {
                let d = x.dims();
                Winograd::worth_it(packed.layout().isa(), d[d.len() - 2], d[d.len() - 1])
            } =>
            {
                self.forward_winograd(x, packed, wg)
            }
            Weights::Taps { packed, .. } => {
                self.forward_shifted(x, packed.layout().mr(), &|ctx, j0, bl, rows, acc| {
                    taps_block(ctx, packed, j0, bl, rows, acc)
                })
            }
            // All outputs at once: one row chunk.
            Weights::Direct { weights, lanes } => {
                self.forward_shifted(x, usize::MAX, &|ctx, j0, bl, _, acc| {
                    direct::block(ctx, weights, *lanes, j0, bl, acc)
                })
            }
            Weights::Rows(rows) => self.forward_im2col(x, rows),
            Weights::Spectral(sp) => self.forward_spectral(x, sp),
            Weights::Tensor(w) => self.forward_generic(x, w),
        }
    }

    /// Its form for inputs upsampled before it (`polyphase`): a 3×3, padding-1, 2-D conv on
    /// the CPU kernels; `None` otherwise.
    pub fn phases(&self) -> Option<Phases> {
        let Weights::Taps { packed, .. } = &self.weights else {
            return None;
        };
        (self.rank == 2 && self.kernel == [1, 3, 3] && self.pad == [0, 1, 1] && self.stride == 1)
            .then(|| Phases::new(packed, self.channels))
    }

    /// This conv of `x` upsampled `factor`× (nearest): with `phases` (from
    /// [`Conv::phases`]) at `x`'s own resolution, else through the upsampled copy.
    pub fn forward_upsampled(
        &self,
        x: &Tensor,
        factor: usize,
        phases: Option<&Phases>,
    ) -> Result<Tensor> {
        let (n, c, h, w) = x.dims4()?;
        let Some(ph) = phases.filter(|_| factor >= 2 && x.device().is_cpu()) else {
            return match factor {
                1 => self.forward(x),
                _ => self.forward(&x.upsample_nearest2d(h * factor, w * factor)?),
            };
        };
        if c != self.channels.0 {
            candle_core::bail!(
                "conv expects {} input channels, got shape {:?}",
                self.channels.0,
                x.dims()
            );
        }
        let o = self.channels.1;
        let (hh, ww) = (h * factor, w * factor);
        let mut out = vec![0f32; n * o * hh * ww];
        let epilogue =
            |oc: usize, sums: &[f32], y: &mut [f32]| self.epilogue.run(ph.isa(), oc, sums, y);
        super::with_host(x, |src| {
            for (item, dst) in src
                .chunks_exact(c * h * w)
                .zip(out.chunks_exact_mut(o * hh * ww))
            {
                ph.forward(item, (h, w), factor, &epilogue, dst);
            }
        })?;
        Tensor::from_vec(out, (n, o, hh, ww), &Device::Cpu)
    }

    /// 7×7×7, padding 3, on the CPU in the frequency domain, item by item, then the epilogue.
    fn forward_spectral(&self, x: &Tensor, sp: &Spectral) -> Result<Tensor> {
        let (n, c, d, h, w) = x.dims5()?;
        let o = self.channels.1;
        let vol = d * h * w;
        let mut raw = vec![0f32; o * vol];
        let mut out = vec![0f32; n * o * vol];
        super::with_host(x, |src| {
            for (item, dst) in src.chunks_exact(c * vol).zip(out.chunks_exact_mut(o * vol)) {
                sp.forward(item, (d, h, w), &mut raw);
                for (oc, (r, y)) in raw
                    .chunks_exact(vol)
                    .zip(dst.chunks_exact_mut(vol))
                    .enumerate()
                {
                    self.epilogue.run(sp.isa(), oc, r, y);
                }
            }
        })?;
        Tensor::from_vec(out, (n, o, d, h, w), &Device::Cpu)
    }

    /// The batch and each item's (depth, height, width) of `x` (depth 1 for a 2-D conv).
    fn volume(&self, x: &Tensor) -> (usize, (usize, usize, usize)) {
        let dims = x.dims();
        match self.rank {
            2 => (dims[0], (1, dims[2], dims[3])),
            _ => (dims[0], (dims[2], dims[3], dims[4])),
        }
    }

    /// 3×3(×3), stride 1, padding 1 on the CPU in the Winograd domain, item by item.
    fn forward_winograd(&self, x: &Tensor, packed: &Packed, wg: &Winograd) -> Result<Tensor> {
        let (n, (d, h, w)) = self.volume(x);
        let (c, o) = self.channels;
        let mut out = vec![0f32; n * o * d * h * w];
        super::with_host(x, |src| {
            for (item, dst) in src
                .chunks_exact(c * d * h * w)
                .zip(out.chunks_exact_mut(o * d * h * w))
            {
                wg.forward(packed.layout(), packed.data(), item, (d, h, w), dst);
            }
        })?;
        let mut shape = x.dims().to_vec();
        shape[1] = o;
        Tensor::from_vec(out, shape, &Device::Cpu)
    }

    fn forward_generic(&self, x: &Tensor, w: &Tensor) -> Result<Tensor> {
        let x = x.to_dtype(DType::F32)?;
        let y = if self.rank == 2 {
            x.conv2d(w, self.pad[1], self.stride, 1, 1)?
        } else {
            let (n, c, d, h, wd) = x.dims5()?;
            let [kd, _, _] = self.kernel;
            let pd = self.pad[0];
            let xp = x.pad_with_zeros(2, pd, pd)?;
            let od = d + 2 * pd + 1 - kd;
            let mut acc: Option<Tensor> = None;
            for z in 0..kd {
                // Depth slices z..z+od stacked into the batch: one 2-D conv per kernel depth.
                let slab =
                    xp.narrow(2, z, od)?
                        .permute((0, 2, 1, 3, 4))?
                        .reshape((n * od, c, h, wd))?;
                let wz = w.narrow(2, z, 1)?.squeeze(2)?.contiguous()?;
                let y = slab.conv2d(&wz, self.pad[1], 1, 1, 1)?;
                acc = Some(match acc {
                    None => y,
                    Some(a) => (a + y)?,
                });
            }
            let y = acc.ok_or_else(|| candle_core::Error::Msg("conv: empty kernel".into()))?;
            let (_, o, oh, ow) = y.dims4()?;
            y.reshape((n, od, o, oh, ow))?.permute((0, 2, 1, 3, 4))?
        };
        self.epilogue.forward(&y)
    }

    /// Stride 1 on the CPU over shifted ranges of the zero-padded input: `block` fills the
    /// (O × bl) accumulator of output columns j0..j0+bl; blocks run in parallel, then the
    /// columns that are real output voxels go through the epilogue into place.
    fn forward_shifted(&self, x: &Tensor, row_step: usize, block_fn: &BlockFn) -> Result<Tensor> {
        let (c, o) = self.channels;
        let isa = match &self.weights {
            Weights::Taps { packed, .. } => packed.layout().isa(),
            Weights::Direct { .. } => Isa::Avx512,
            _ => Isa::Generic,
        };
        let (n, (d, h, w)) = self.volume(x);
        let [kd, kh, kw] = self.kernel;
        let [pd, ph, pw] = self.pad;
        let (dp, hp, wp) = (d + 2 * pd, h + 2 * ph, w + 2 * pw);
        if dp < kd || hp < kh || wp < kw {
            candle_core::bail!(
                "conv: input {:?} smaller than kernel {:?}",
                x.dims(),
                self.kernel
            );
        }
        let (od, oh, ow) = (dp + 1 - kd, hp + 1 - kh, wp + 1 - kw);
        // Small planes (the warping hourglass's 4²) waste most columns on the padding (2.3×
        // the work): their in-plane taps are gathered instead (see `Gathered`).
        let gather = Gathered::pays(self, (c, dp, h, w), (hp, wp));
        let (plane, wp) = if gather { (h * w, w) } else { (hp * wp, wp) };
        let vol = dp * plane;
        // Columns computed: up to the last valid output voxel, counted in padded strides.
        let span = (od - 1) * plane + (oh - 1) * wp + ow;
        let taps = kd * kh * kw;
        let out_len = od * oh * ow;
        let mut out = vec![0f32; n * o * out_len];
        // Column blocks: the destination block (O × B) and one tap's input rows stay in cache.
        let block = ((32768 / o.max(c).max(1)).clamp(64, 2048) / 32 * 32).min(span);
        let blocks = span.div_ceil(block);
        let offsets: Vec<usize> = (0..kd)
            .flat_map(|z| {
                (0..kh).flat_map(move |y| {
                    (0..kw).map(move |xk| match gather {
                        true => (y * kw + xk) * c * vol + z * plane,
                        false => z * plane + y * wp + xk,
                    })
                })
            })
            .collect();
        // Without padding the input is read where it lies (the packed kernel masks its last
        // vector); the direct kernel reads whole vectors, 16 spare values past the end.
        let in_place = self.pad == [0, 0, 0] && matches!(self.weights, Weights::Taps { .. });
        let mut xp = if in_place {
            Vec::new()
        } else if gather {
            vec![0f32; kh * kw * c * vol + 16]
        } else {
            vec![0f32; c * vol + 16]
        };
        super::with_host(x, |src| {
            for b in 0..n {
                let xin = &src[b * c * d * h * w..(b + 1) * c * d * h * w];
                if gather {
                    Gathered::fill(xin, (c, d, h, w), (kh, kw), [pd, ph, pw], &mut xp);
                } else if !in_place {
                    for ch in 0..c {
                        for z in 0..d {
                            for y in 0..h {
                                let s = ((ch * d + z) * h + y) * w;
                                let t = ch * vol + (z + pd) * plane + (y + ph) * wp + pw;
                                xp[t..t + w].copy_from_slice(&xin[s..s + w]);
                            }
                        }
                    }
                }
                let ctx = Shifted {
                    xp: if in_place { xin } else { &xp },
                    vol,
                    offsets: &offsets,
                    c,
                    o,
                };
                let dst = SharedMut(out[b * o * out_len..].as_mut_ptr());
                let flops = 2.0 * (o * c * taps * span) as f64;
                let chunks = row_chunks(o, row_step, blocks);
                threads::for_each(blocks * chunks.len(), flops, |wi| {
                    let (bi, rows) = (wi / chunks.len(), chunks[wi % chunks.len()].clone());
                    let j0 = bi * block;
                    let bl = block.min(span - j0);
                    let mut acc = vec![0f32; rows.len() * bl];
                    block_fn(&ctx, j0, bl, rows.clone(), &mut acc);
                    // Keep the columns that are real output voxels, through the epilogue: runs
                    // of consecutive voxels (one output row each), written channel by channel.
                    let mut runs: Vec<(usize, usize, usize)> = Vec::new(); // (jj, pos, len)
                    let mut jj = 0;
                    while jj < bl {
                        let j = j0 + jj;
                        let (z, r) = (j / plane, j % plane);
                        let (y, xx) = (r / wp, r % wp);
                        if y >= oh || xx >= ow {
                            jj += wp - xx;
                            continue;
                        }
                        let len = (ow - xx).min(bl - jj);
                        runs.push((jj, (z * oh + y) * ow + xx, len));
                        jj += len;
                    }
                    for oc in rows.clone() {
                        let row = &acc[(oc - rows.start) * bl..(oc - rows.start + 1) * bl];
                        for &(jj, pos, len) in &runs {
                            // SAFETY: each output voxel belongs to exactly one column block.
                            let out = unsafe {
                                std::slice::from_raw_parts_mut(
                                    dst.ptr().add(oc * out_len + pos),
                                    len,
                                )
                            };
                            self.epilogue.run(isa, oc, &row[jj..jj + len], out);
                        }
                    }
                });
            }
        })?;
        let shape: Vec<usize> = if self.rank == 2 {
            vec![n, o, oh, ow]
        } else {
            vec![n, o, od, oh, ow]
        };
        Tensor::from_vec(out, shape, &Device::Cpu)
    }

    /// Strided 2-D conv on the CPU: im2col, then one GEMM (column strips in parallel).
    fn forward_im2col(&self, x: &Tensor, rows_packed: &Packed) -> Result<Tensor> {
        let (n, c, h, w) = x.dims4()?;
        let o = self.channels.1;
        let [_, kh, kw] = self.kernel;
        let (p, s) = (self.pad[1], self.stride);
        let (hp, wp) = (h + 2 * p, w + 2 * p);
        if hp < kh || wp < kw {
            candle_core::bail!("conv: input {h}×{w} smaller than kernel {kh}×{kw}");
        }
        let (oh, ow) = ((hp - kh) / s + 1, (wp - kw) / s + 1);
        let k = c * kh * kw;
        let cols_n = oh * ow;
        let mut cols = vec![0f32; k * cols_n];
        let mut out = vec![0f32; n * o * cols_n];
        let layout = rows_packed.layout();
        // Strips of whole microkernel tiles, a few per thread.
        let strip = (layout.nr() * 8).min(cols_n.max(1));
        for b in 0..n {
            cols.iter_mut().for_each(|v| *v = 0.0);
            super::with_host(x, |src| {
                let item = &src[b * c * h * w..(b + 1) * c * h * w];
                im2col(item, (c, h, w), (kh, kw), s, (p, p), (oh, ow), &mut cols);
            })?;
            let dst = SharedMut(out[b * o * cols_n..].as_mut_ptr());
            let cols = &cols;
            let flops = 2.0 * (o * k * cols_n) as f64;
            let strips = cols_n.div_ceil(strip);
            let chunks = row_chunks(o, layout.mr(), strips);
            threads::for_each(strips * chunks.len(), flops, |wi| {
                let (si, rows) = (wi / chunks.len(), chunks[wi % chunks.len()].clone());
                let j0 = si * strip;
                let nj = strip.min(cols_n - j0);
                let mut j = 0;
                while j < nj {
                    for p in rows.start / layout.mr()..rows.end.div_ceil(layout.mr()) {
                        // SAFETY: cols is K × cols_n, the output O × cols_n; this strip's
                        // columns of these rows are written by this task only.
                        unsafe {
                            rows_tile(
                                layout,
                                rows_packed,
                                p,
                                cols,
                                cols_n,
                                j0 + j,
                                dst,
                                layout.nr().min(nj - j),
                            )
                        };
                    }
                    j += layout.nr();
                }
                for oc in rows {
                    // SAFETY: as above.
                    let out = unsafe {
                        std::slice::from_raw_parts_mut(dst.ptr().add(oc * cols_n + j0), nj)
                    };
                    self.epilogue.run_in_place(layout.isa(), oc, out);
                }
            });
        }
        Tensor::from_vec(out, (n, o, oh, ow), &Device::Cpu)
    }
}
