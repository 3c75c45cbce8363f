//! Dense 2-D and 3-D convolutions with their per-channel epilogue (bias, a folded batch norm,
//! an activation), for every device.
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

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::VarBuilder;

use super::gemm::{Layout, Packed};
use super::polyphase::Phases;
use super::simd::Isa;
use super::spectral::Spectral;
use super::threads::{self, SharedMut};
use super::winograd::Winograd;
use super::{CpuPath, WinogradUse};

/// The activation that ends a convolution's epilogue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    Identity,
    Relu,
    LeakyRelu(f32),
    /// GELU with the exact erf (`erf::gelu`).
    Gelu,
}

impl Act {
    #[inline(always)]
    pub fn apply(self, v: f32) -> f32 {
        match self {
            Act::Identity => v,
            Act::Relu => v.max(0.0),
            Act::LeakyRelu(a) => {
                if v >= 0.0 {
                    v
                } else {
                    v * a
                }
            }
            Act::Gelu => super::erf::gelu(v),
        }
    }

    /// The same on a tensor (the generic path).
    pub fn forward(self, x: &Tensor) -> Result<Tensor> {
        match self {
            Act::Identity => Ok(x.clone()),
            Act::Relu => x.relu(),
            Act::LeakyRelu(a) => {
                let neg = (x.minimum(0f32)? * a as f64)?;
                x.relu()? + neg
            }
            Act::Gelu => x.gelu_erf(),
        }
    }
}

/// y = act((x + bias) · scale + shift), per output channel; scale and shift come from a
/// batch norm in evaluation mode.
#[derive(Clone, Debug)]
struct Epilogue {
    bias: Vec<f32>,
    scale: Option<Vec<f32>>,
    shift: Option<Vec<f32>>,
    act: Act,
}

impl Epilogue {
    /// `out = epilogue(src)` for a run of channel `o`'s values: one loop per activation (so
    /// each vectorises, GELU's erf included), compiled for the CPU's vector width.
    fn run(&self, isa: Isa, o: usize, src: &[f32], out: &mut [f32]) {
        let (mul, add) = (
            self.scale.as_ref().map_or(1.0, |s| s[o]),
            self.shift.as_ref().map_or(0.0, |t| t[o]),
        );
        epilogue(isa, src, out, self.bias[o], mul, add, self.act)
    }

    /// As [`Epilogue::run`] on values already in place.
    fn run_in_place(&self, isa: Isa, o: usize, values: &mut [f32]) {
        // Runs are short (a strip of columns): a copy keeps one loop for both.
        let src = values.to_vec();
        self.run(isa, o, &src, values);
    }

    /// As one multiply-add per channel, y = act(v · mul + add), for kernels that fuse it.
    fn folded(&self) -> (Vec<f32>, Vec<f32>) {
        let o = self.bias.len();
        (0..o)
            .map(|c| {
                let s = self.scale.as_ref().map_or(1.0, |s| s[c]);
                let t = self.shift.as_ref().map_or(0.0, |t| t[c]);
                (s, self.bias[c] * s + t)
            })
            .unzip()
    }

    /// The same on an (N, O, …) tensor.
    fn forward(&self, y: &Tensor) -> Result<Tensor> {
        let o = self.bias.len();
        let mut shape = vec![1usize; y.rank()];
        shape[1] = o;
        let per_channel = |v: &[f32]| Tensor::from_slice(v, shape.as_slice(), y.device());
        let mut y = y.broadcast_add(&per_channel(&self.bias)?)?;
        if let Some(s) = &self.scale {
            y = y.broadcast_mul(&per_channel(s)?)?;
        }
        if let Some(t) = &self.shift {
            y = y.broadcast_add(&per_channel(t)?)?;
        }
        self.act.forward(&y)
    }
}

/// Output rows split for parallel work when the column blocks alone are fewer than the
/// threads (the motion extractor's 8² and 16² layers are one block of columns): chunks of
/// whole microkernel panels (`step` rows; `usize::MAX` for kernels that need every row).
fn row_chunks(o: usize, step: usize, blocks: usize) -> Vec<std::ops::Range<usize>> {
    let want = (2 * threads::compute_threads()).div_ceil(blocks.max(1));
    if want <= 1 || step >= o {
        return std::iter::once(0..o).collect();
    }
    let panels = o.div_ceil(step);
    let per = panels.div_ceil(want.min(panels));
    (0..panels)
        .step_by(per)
        .map(|p| p * step..((p + per) * step).min(o))
        .collect()
}

/// act((v + bias)·mul + add) over a run, the activation's loop chosen once. Plain loops, not
/// iterator adaptors: GELU's body made `zip().for_each()` an out-of-line call, compiled
/// without the caller's vector width (4.5 ns a value instead of a fraction of one).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn epilogue_run(src: &[f32], out: &mut [f32], bias: f32, mul: f32, add: f32, act: Act) {
    let n = src.len().min(out.len());
    let (src, out) = (&src[..n], &mut out[..n]);
    match act {
        Act::Identity => {
            for i in 0..n {
                out[i] = (src[i] + bias) * mul + add;
            }
        }
        Act::Relu => {
            for i in 0..n {
                out[i] = ((src[i] + bias) * mul + add).max(0.0);
            }
        }
        Act::LeakyRelu(a) => {
            for i in 0..n {
                let y = (src[i] + bias) * mul + add;
                out[i] = if y >= 0.0 { y } else { y * a };
            }
        }
        Act::Gelu => {
            for i in 0..n {
                out[i] = super::erf::gelu((src[i] + bias) * mul + add);
            }
        }
    }
}

super::simd::per_isa! {
    fn epilogue(src: &[f32], out: &mut [f32], bias: f32, mul: f32, add: f32, act: Act) = epilogue_run
}

/// PyTorch's (O, C, taps) weight layout regrouped: element (o, c, t) goes to `at(o, c, t)`.
fn regroup(
    host: &[f32],
    (c_in, c_out, taps): (usize, usize, usize),
    len: usize,
    at: impl Fn(usize, usize, usize) -> usize,
) -> Vec<f32> {
    let mut out = vec![0f32; len];
    for o in 0..c_out {
        for c in 0..c_in {
            for k in 0..taps {
                out[at(o, c, k)] = host[(o * c_in + c) * taps + k];
            }
        }
    }
    out
}

/// The weights packed for the microkernel: one segment of C per tap, taps in (kd, kh, kw)
/// order.
fn pack_taps(isa: Isa, host: &[f32], c_in: usize, c_out: usize, taps: usize) -> Packed {
    Packed::new(isa, c_out, c_in, taps, |o, t, c| {
        host[(o * c_in + c) * taps + t]
    })
}

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

    /// 3×3(×3), stride 1, padding 1 on the CPU in the Winograd domain, item by item.
    fn forward_winograd(&self, x: &Tensor, packed: &Packed, wg: &Winograd) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let n = dims[0];
        let (d, h, w) = if self.rank == 2 {
            (1, dims[2], dims[3])
        } else {
            (dims[2], dims[3], dims[4])
        };
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
        let mut shape = dims;
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
        let dims = x.dims().to_vec();
        let n = dims[0];
        let (d, h, w) = if self.rank == 2 {
            (1, dims[2], dims[3])
        } else {
            (dims[2], dims[3], dims[4])
        };
        let [kd, kh, kw] = self.kernel;
        let [pd, ph, pw] = self.pad;
        let (dp, hp, wp) = (d + 2 * pd, h + 2 * ph, w + 2 * pw);
        if dp < kd || hp < kh || wp < kw {
            candle_core::bail!("conv: input {dims:?} smaller than kernel {:?}", self.kernel);
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

/// The in-plane taps of a stride-1 "same" convolution gathered ahead, for planes so small
/// that the shifted rows of the padded input would be mostly padding: for each in-plane tap
/// (ky, kx), a copy of the input shifted by it, planes unpadded (H·W) and depth padded; tap
/// (kz, ky, kx) then reads copy (ky, kx) at depth offset kz, so every column computed is an
/// output voxel. Costs kh·kw copies of the input (tens of MB at most, see `pays`).
struct Gathered;

impl Gathered {
    const MAX_BYTES: usize = 64 << 20;

    fn pays(
        conv: &Conv,
        (c, dp, h, w): (usize, usize, usize, usize),
        (hp, wp): (usize, usize),
    ) -> bool {
        let [_, kh, kw] = conv.kernel;
        let [_, ph, pw] = conv.pad;
        matches!(conv.weights, Weights::Taps { .. })
            && conv.stride == 1
            && kh * kw > 1
            && 2 * ph + 1 == kh
            && 2 * pw + 1 == kw
            // At least half the work saved (4² planes with 3×3 kernels; on 8² planes the
            // copies cost what the padding did).
            && hp * wp >= 2 * h * w
            && kh * kw * c * dp * h * w * 4 <= Self::MAX_BYTES
    }

    /// `xp` (zeroed, kh·kw·C·Dp·H·W + spare): copy (ky, kx) of channel ch at padded depth
    /// z + pd, row y, column x holds input (ch, z, y + ky − ph, x + kx − pw), zero outside.
    fn fill(
        xin: &[f32],
        (c, d, h, w): (usize, usize, usize, usize),
        (kh, kw): (usize, usize),
        [pd, ph, pw]: [usize; 3],
        xp: &mut [f32],
    ) {
        let plane = h * w;
        let vol = (d + 2 * pd) * plane;
        for ky in 0..kh {
            // Output rows y whose source row y + ky − ph is inside the input.
            let (y0, y1) = (ph.saturating_sub(ky), (h + ph).saturating_sub(ky).min(h));
            for kx in 0..kw {
                let (x0, x1) = (pw.saturating_sub(kx), (w + pw).saturating_sub(kx).min(w));
                if x0 >= x1 {
                    continue;
                }
                let copy = (ky * kw + kx) * c;
                for ch in 0..c {
                    for z in 0..d {
                        for y in y0..y1 {
                            let sy = y + ky - ph;
                            let s = ((ch * d + z) * h + sy) * w + x0 + kx - pw;
                            let t = (copy + ch) * vol + (z + pd) * plane + y * w + x0;
                            xp[t..t + x1 - x0].copy_from_slice(&xin[s..s + x1 - x0]);
                        }
                    }
                }
            }
        }
    }
}

/// One microkernel tile of a strided conv's GEMM: panel `p` of the packed rows by columns
/// j..j+cols of the im2col buffer, into the output.
///
/// # Safety
/// `cols` is K × n with K the packed rows' length; `dst` holds this panel's rows × n; nobody
/// else writes those columns of those rows.
#[allow(clippy::too_many_arguments)]
unsafe fn rows_tile(
    layout: &Layout,
    packed: &Packed,
    p: usize,
    cols: &[f32],
    n: usize,
    j: usize,
    dst: SharedMut,
    width: usize,
) {
    // SAFETY: as the caller promises.
    unsafe {
        layout.tile(
            packed.data(),
            p,
            cols.as_ptr().add(j),
            n,
            &[0],
            dst.ptr().add(p * layout.mr() * n + j),
            n,
            width,
            false,
        )
    }
}

/// The patches of one (C, H, W) item as columns: row (c·kh + ky)·kw + kx, column oy·ow + ox
/// holds input (c, oy·s + ky − top, ox·s + kx − left), or stays as it was (zero) where that
/// falls in the padding. Shared with the face networks' TF-padded convolutions.
pub(crate) fn im2col(
    item: &[f32],
    (c, h, w): (usize, usize, usize),
    (kh, kw): (usize, usize),
    s: usize,
    (top, left): (usize, usize),
    (oh, ow): (usize, usize),
    cols: &mut [f32],
) {
    let cols_n = oh * ow;
    for ch in 0..c {
        let plane = &item[ch * h * w..(ch + 1) * h * w];
        for ky in 0..kh {
            for kx in 0..kw {
                let r = (ch * kh + ky) * kw + kx;
                let dst = &mut cols[r * cols_n..(r + 1) * cols_n];
                for oy in 0..oh {
                    let iy = (oy * s + ky) as isize - top as isize;
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    let row = &plane[iy as usize * w..(iy as usize + 1) * w];
                    for ox in 0..ow {
                        let ix = (ox * s + kx) as isize - left as isize;
                        if ix >= 0 && ix < w as isize {
                            dst[oy * ow + ox] = row[ix as usize];
                        }
                    }
                }
            }
        }
    }
}

/// The padded input of one batch item, as the stride-1 kernels read it: output column j takes
/// tap t from `xp[ch·vol + offsets[t] + j]`.
pub(super) struct Shifted<'a> {
    xp: &'a [f32],
    vol: usize,
    offsets: &'a [usize],
    c: usize,
    o: usize,
}

/// Fills the (O × bl) accumulator for output columns j0..j0+bl.
/// Fills the accumulator of output rows `rows` (its row 0 is output `rows.start`) by output
/// columns j0..j0+bl.
type BlockFn<'a> = dyn Fn(&Shifted, usize, usize, std::ops::Range<usize>, &mut [f32]) + Sync + 'a;

/// The per-tap sum for one column block: acc (O × bl) = Σ_t W_t (O × C) · x (C × bl, shifted
/// by tap t), through the packed microkernel, taps in chunks that keep a panel's weights in
/// L2 (the 7³ kernels' 343 taps would not fit).
fn taps_block(
    ctx: &Shifted,
    packed: &Packed,
    j0: usize,
    bl: usize,
    rows: std::ops::Range<usize>,
    acc: &mut [f32],
) {
    let layout: &Layout = packed.layout();
    let (nr, mr) = (layout.nr(), layout.mr());
    let taps = ctx.offsets.len();
    let chunk = (16384 / (ctx.c * mr).max(1)).clamp(1, taps);
    debug_assert!(rows.start.is_multiple_of(mr));
    for p in rows.start / mr..rows.end.div_ceil(mr) {
        let mut t0 = 0;
        while t0 < taps {
            let t1 = (t0 + chunk).min(taps);
            let mut j = 0;
            while j < bl {
                // SAFETY: the rows of every tap are inside xp (the span ends before `vol`,
                // 16 spare values after it), acc is O × bl.
                unsafe {
                    layout.tile_taps(
                        packed.data(),
                        p,
                        t0..t1,
                        ctx.xp.as_ptr().add(j0 + j),
                        ctx.vol,
                        &ctx.offsets[t0..t1],
                        acc.as_mut_ptr().add((p * mr - rows.start) * bl + j),
                        bl,
                        nr.min(bl - j),
                        t0 > 0,
                    )
                };
                j += nr;
            }
            t0 = t1;
        }
    }
}

/// A direct kernel for convolutions with few output channels, where a GEMM wastes most of its
/// tile on them and repacks the input for every tap: 16 output columns at a time, one AVX-512
/// accumulator per output channel, each input vector loaded once per (channel, tap) and used
/// by every output channel.
mod direct {
    use super::Shifted;

    /// The accumulator count for `c_out` outputs, if the direct kernel applies (AVX-512, at
    /// most 24 outputs, and deep enough that the GEMM path would be short and wide).
    pub fn lanes(c_out: usize, depth: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        {
            if depth < 64 || !std::arch::is_x86_feature_detected!("avx512f") {
                return None;
            }
            [1usize, 4, 8, 12, 16, 24].into_iter().find(|&l| l >= c_out)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (c_out, depth);
            None
        }
    }

    pub fn block(
        ctx: &Shifted,
        weights: &[f32],
        lanes: usize,
        j0: usize,
        bl: usize,
        acc: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `lanes` only returns Some when the CPU has AVX-512F; the reads stay inside
        // xp (16 spare values at its end) and weights (c · taps · lanes values).
        unsafe {
            match lanes {
                1 => run::<1>(ctx, weights, j0, bl, acc),
                4 => run::<4>(ctx, weights, j0, bl, acc),
                8 => run::<8>(ctx, weights, j0, bl, acc),
                12 => run::<12>(ctx, weights, j0, bl, acc),
                16 => run::<16>(ctx, weights, j0, bl, acc),
                _ => run::<24>(ctx, weights, j0, bl, acc),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (ctx, weights, lanes, j0, bl, acc);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn run<const R: usize>(
        ctx: &Shifted,
        weights: &[f32],
        j0: usize,
        bl: usize,
        acc: &mut [f32],
    ) {
        use std::arch::x86_64::*;
        let taps = ctx.offsets.len();
        let o = ctx.o;
        let xp = ctx.xp.as_ptr();
        let w = weights.as_ptr();
        let mut jj = 0;
        while jj < bl {
            let mut sum = [_mm512_setzero_ps(); R];
            for ch in 0..ctx.c {
                // SAFETY (all pointer arithmetic below): see `block`.
                let base = unsafe { xp.add(ch * ctx.vol + j0 + jj) };
                let wc = unsafe { w.add(ch * taps * R) };
                for (t, &off) in ctx.offsets.iter().enumerate() {
                    let v = unsafe { _mm512_loadu_ps(base.add(off)) };
                    let wt = unsafe { wc.add(t * R) };
                    for (r, s) in sum.iter_mut().enumerate() {
                        *s = _mm512_fmadd_ps(_mm512_set1_ps(unsafe { *wt.add(r) }), v, *s);
                    }
                }
            }
            let n = 16.min(bl - jj);
            let mut lane = [0f32; 16];
            for (r, s) in sum.iter().enumerate().take(o) {
                unsafe { _mm512_storeu_ps(lane.as_mut_ptr(), *s) };
                acc[r * bl + jj..r * bl + jj + n].copy_from_slice(&lane[..n]);
            }
            jj += 16;
        }
    }
}
