//! What ends a convolution: bias, a per-channel scale and shift (a folded norm) and the
//! activation, applied to row blocks as they come out of the GEMM; and the weights packed
//! for the microkernel.

use super::*;

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
            Act::Gelu => crate::nn::erf::gelu(v),
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
pub(super) struct Epilogue {
    pub(super) bias: Vec<f32>,
    pub(super) scale: Option<Vec<f32>>,
    pub(super) shift: Option<Vec<f32>>,
    pub(super) act: Act,
}

impl Epilogue {
    /// `out = epilogue(src)` for a run of channel `o`'s values: one loop per activation (so
    /// each vectorises, GELU's erf included), compiled for the CPU's vector width.
    pub(super) fn run(&self, isa: Isa, o: usize, src: &[f32], out: &mut [f32]) {
        let (mul, add) = (
            self.scale.as_ref().map_or(1.0, |s| s[o]),
            self.shift.as_ref().map_or(0.0, |t| t[o]),
        );
        epilogue(isa, src, out, self.bias[o], mul, add, self.act)
    }

    /// As [`Epilogue::run`] on values already in place.
    pub(super) fn run_in_place(&self, isa: Isa, o: usize, values: &mut [f32]) {
        // Runs are short (a strip of columns): a copy keeps one loop for both.
        let src = values.to_vec();
        self.run(isa, o, &src, values);
    }

    /// As one multiply-add per channel, y = act(v · mul + add), for kernels that fuse it.
    pub(super) fn folded(&self) -> (Vec<f32>, Vec<f32>) {
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
    pub(super) fn forward(&self, y: &Tensor) -> Result<Tensor> {
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
pub(super) fn row_chunks(o: usize, step: usize, blocks: usize) -> Vec<std::ops::Range<usize>> {
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
pub(super) fn epilogue_run(src: &[f32], out: &mut [f32], bias: f32, mul: f32, add: f32, act: Act) {
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
                out[i] = crate::nn::erf::gelu((src[i] + bias) * mul + add);
            }
        }
    }
}

crate::nn::simd::per_isa! {
    pub(super) fn epilogue(src: &[f32], out: &mut [f32], bias: f32, mul: f32, add: f32, act: Act) = epilogue_run
}

/// PyTorch's (O, C, taps) weight layout regrouped: element (o, c, t) goes to `at(o, c, t)`.
pub(super) fn regroup(
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
pub(super) fn pack_taps(isa: Isa, host: &[f32], c_in: usize, c_out: usize, taps: usize) -> Packed {
    Packed::new(isa, c_out, c_in, taps, |o, t, c| {
        host[(o * c_in + c) * taps + t]
    })
}
