//! Layers and operations shared by every network Vivant runs: the face networks (`face`) and
//! the neural engine's networks (`neural`). candle lacks several of them (3-D convolution and
//! batch norm, `grid_sample`, instance norm, GRN, channels-first layer norm); each has a CPU
//! kernel where it pays and a generic path built only from candle ops that every backend has,
//! so CUDA and Metal run them unchanged. Where candle-nn has the layer (last-axis layer norm,
//! pixel shuffle) it is candle-nn's. Most of this file's length is the layers' tests against
//! the plain candle ops they replace.
//!
//! - `conv`: dense 2-D and 3-D convolutions with a fused bias / batch norm / activation.
//! - `winograd`: 3×3 and 3×3×3 convolutions in the Winograd domain (4× less arithmetic).
//! - `gemm`: the packed-weight GEMM microkernels the CPU kernels share.
//! - `erf`: erfc and GELU that vectorise.
//! - `simd`: which vector instructions they use (AVX-512, AVX2, portable), chosen at run time.
//! - `depthwise`: depthwise k×k convolutions.
//! - `linear`: fully connected layers.
//! - `norm`: batch, instance, layer norms and GRN.
//! - `sample`: `grid_sample`, trilinear and bilinear.
//! - `resize`: nearest upsampling, average pooling, pixel shuffle.
//! - `threads`: how many cores one op may use.

pub mod conv;
pub mod depthwise;
pub mod erf;
pub mod gemm;
pub mod linear;
pub mod norm;
pub mod polyphase;
pub mod resize;
pub mod sample;
pub mod simd;
pub mod spectral;
pub mod threads;
pub mod winograd;

use std::cell::Cell;

/// PixelShuffle(r): out[c, r·y + i, r·x + j] = in[r²·c + r·i + j, y, x] (candle-nn's).
pub use candle_nn::ops::pixel_shuffle;
pub use conv::{Act, Conv};
pub use depthwise::{Depthwise, same_padding};
pub use linear::Linear;
pub use norm::{
    BatchNorm, Grn, LayerNorm, LayerNormChannels, instance_norm, modulated_instance_norm,
};
pub use resize::{avg_pool2x, upsample2x_nearest};
pub use sample::{grid_sample_2d, grid_sample_3d};

/// Run `f` on a CPU tensor's values (row-major f32): in place when they are a contiguous f32
/// range (no copy: the generator's 256² activations are 67–134 MB), else on a copy.
pub(crate) fn with_host<R>(
    x: &candle_core::Tensor,
    f: impl FnOnce(&[f32]) -> R,
) -> candle_core::Result<R> {
    {
        let (storage, layout) = x.storage_and_layout();
        if let (candle_core::Storage::Cpu(candle_core::CpuStorage::F32(v)), Some((a, b))) =
            (&*storage, layout.contiguous_offsets())
        {
            return Ok(f(&v[a..b]));
        }
    }
    let v = x
        .to_dtype(candle_core::DType::F32)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    Ok(f(&v))
}

/// How the layers built (and run) on this thread compute on the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuPath {
    /// Vivant's kernels for this instruction set, the Winograd form as `winograd` says.
    Kernels {
        isa: simd::Isa,
        winograd: WinogradUse,
    },
    /// candle's generic tensor ops only: the path CUDA and Metal take, run on the CPU so tests
    /// can hold it to the reference outputs on a machine without a GPU.
    Generic,
}

/// When 3×3 convolutions run in the Winograd domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WinogradUse {
    /// Where the plane is wide enough for the vector lanes (the default).
    WherePays,
    /// For every input (tests: the golden networks' planes are small).
    Always,
    Never,
}

impl CpuPath {
    /// The CPU's best kernels (or what `VIVANT_CPU` asks for), Winograd where it pays.
    pub fn default_kernels() -> CpuPath {
        CpuPath::Kernels {
            isa: simd::Isa::current(),
            winograd: WinogradUse::WherePays,
        }
    }

    /// Every path this machine can run, for tests: each instruction set with Winograd always
    /// and never, then the generic ops.
    pub fn all() -> Vec<CpuPath> {
        let mut all: Vec<CpuPath> = simd::Isa::available()
            .into_iter()
            .flat_map(|isa| {
                [WinogradUse::Always, WinogradUse::Never]
                    .map(|winograd| CpuPath::Kernels { isa, winograd })
            })
            .collect();
        all.push(CpuPath::Generic);
        all
    }

    /// A short name for reports: "avx512 (Winograd where it pays)", "generic ops".
    pub fn describe(&self) -> String {
        match self {
            CpuPath::Kernels { isa, winograd } => format!(
                "{} ({})",
                isa.name(),
                match winograd {
                    WinogradUse::WherePays => "Winograd where it pays",
                    WinogradUse::Always => "Winograd always",
                    WinogradUse::Never => "no Winograd",
                }
            ),
            CpuPath::Generic => "generic ops".into(),
        }
    }
}

thread_local! {
    static PATH: Cell<Option<CpuPath>> = const { Cell::new(None) };
}

/// Build and run layers on this thread with `path` inside `f` (then back to what it was, even
/// if `f` panics). Per thread, so tests of different paths can run side by side.
pub fn with_cpu_path<R>(path: CpuPath, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<CpuPath>);
    impl Drop for Restore {
        fn drop(&mut self) {
            PATH.with(|p| p.set(self.0));
        }
    }
    let _restore = Restore(PATH.with(|p| p.replace(Some(path))));
    f()
}

/// This thread's path (see [`with_cpu_path`]).
pub fn cpu_path() -> CpuPath {
    PATH.with(|p| p.get())
        .unwrap_or_else(CpuPath::default_kernels)
}

/// Whether this thread takes candle's generic ops (see [`CpuPath::Generic`]). Layers that
/// keep weights in a kernel-specific layout (convolutions, linear layers) choose when they
/// are built.
pub fn generic_ops() -> bool {
    cpu_path() == CpuPath::Generic
}

/// Reproducible values in [-1, 1) for the layers' tests: a small LCG, no dependency.
#[cfg(test)]
pub(crate) fn test_values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Each op against a direct, loop-by-loop reading of PyTorch's definition.
    use super::*;
    use crate::nn::WinogradUse;
    use candle_core::{Device, Tensor};

    fn rand(shape: &[usize], seed: u64) -> Vec<f32> {
        super::test_values(shape.iter().product(), seed)
    }

    /// The Winograd form rounds differently from a direct sum: its transforms scale values by
    /// up to 8 before the products and sum 36 of them back, so its error is bounded by a few
    /// dozen f32 steps of Σ|w·x| (the largest such sum an output can have), not of the output.
    fn winograd_tolerance(x: &[f32], w: &[f32], terms: usize) -> f32 {
        let mx = x.iter().fold(0f32, |m, v| m.max(v.abs()));
        let mw = w.iter().fold(0f32, |m, v| m.max(v.abs()));
        32.0 * f32::EPSILON * terms as f32 * mx * mw
    }

    fn max_diff(a: &Tensor, b: &[f32]) -> f32 {
        let a = a.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    /// out[n,o,z,y,x] = b[o] + Σ w[o,c,i,j,k]·in[n,c,z+i−p,y+j−p,x+k−p], stride 1.
    #[allow(clippy::too_many_arguments)]
    fn naive_conv3d(
        x: &[f32],
        w: &[f32],
        b: &[f32],
        (n, c, d, h, wd): (usize, usize, usize, usize, usize),
        o: usize,
        k: usize,
        p: usize,
    ) -> Vec<f32> {
        let (od, oh, ow) = (d + 2 * p + 1 - k, h + 2 * p + 1 - k, wd + 2 * p + 1 - k);
        let mut out = vec![0f32; n * o * od * oh * ow];
        for nn in 0..n {
            for oc in 0..o {
                for z in 0..od {
                    for y in 0..oh {
                        for xx in 0..ow {
                            let mut acc = b[oc] as f64;
                            for ic in 0..c {
                                for i in 0..k {
                                    for j in 0..k {
                                        for l in 0..k {
                                            let (zz, yy, xi) = (
                                                (z + i) as isize - p as isize,
                                                (y + j) as isize - p as isize,
                                                (xx + l) as isize - p as isize,
                                            );
                                            if zz < 0
                                                || yy < 0
                                                || xi < 0
                                                || zz >= d as isize
                                                || yy >= h as isize
                                                || xi >= wd as isize
                                            {
                                                continue;
                                            }
                                            let xv = x[(((nn * c + ic) * d + zz as usize) * h
                                                + yy as usize)
                                                * wd
                                                + xi as usize];
                                            let wv = w[(((oc * c + ic) * k + i) * k + j) * k + l];
                                            acc += (xv * wv) as f64;
                                        }
                                    }
                                }
                            }
                            out[(((nn * o + oc) * od + z) * oh + y) * ow + xx] = acc as f32;
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn conv3d_matches_definition_for_1_3_7_kernels_on_both_paths() -> candle_core::Result<()> {
        let dev = Device::Cpu;
        // The last is wide enough for the Winograd form (and 30 outputs for two panels).
        for (k, c, o, d, h, w) in [
            (1, 5, 3, 3, 4, 5),
            (3, 4, 6, 4, 5, 6),
            (7, 3, 2, 5, 8, 9),
            (3, 5, 30, 3, 9, 37),
            // In the frequency domain: several 16×16 tiles, the last ones cut by the edges.
            (7, 6, 5, 4, 20, 35),
        ] {
            let (xs, ws, bs) = (
                rand(&[2, c, d, h, w], 1),
                rand(&[o, c, k, k, k], 2),
                rand(&[o], 3),
            );
            let (xs_host, ws_host) = (xs.clone(), ws.clone());
            let expected = naive_conv3d(&xs, &ws, &bs, (2, c, d, h, w), o, k, k / 2);
            let x = Tensor::from_vec(xs, (2, c, d, h, w), &dev)?;
            let wt = Tensor::from_vec(ws, (o, c, k, k, k), &dev)?;
            let bt = Tensor::from_vec(bs, o, &dev)?;
            let fast = Conv::new(&wt, Some(&bt), 1, k / 2)?;
            assert!(!matches!(fast.weights, conv::Weights::Tensor(_)));
            assert_eq!(
                k == 7,
                matches!(fast.weights, conv::Weights::Spectral(_)),
                "7³ kernels run in the frequency domain"
            );
            // f32 rounding of up to 1,029-term sums: relative to the output's size.
            let tol =
                1e-6 * expected.iter().fold(1f32, |m, v| m.max(v.abs())) * (c * k * k * k) as f32
                    / 100.0;
            let tol = tol.max(1e-5);
            let wtol = winograd_tolerance(&xs_host, &ws_host, c * k * k * k);
            let diff = max_diff(&fast.forward(&x)?, &expected);
            let t = if fast.runs_winograd(&x) { wtol } else { tol };
            assert!(diff < t, "cpu k{k}: {diff} (tolerance {t})");
            for isa in simd::Isa::available() {
                for winograd in [WinogradUse::Never, WinogradUse::Always] {
                    let conv = fast.on_isa(&wt, isa, winograd)?;
                    let diff = max_diff(&conv.forward(&x)?, &expected);
                    let tol = if conv.runs_winograd(&x) { wtol } else { tol };
                    assert!(
                        diff < tol,
                        "{isa:?} {winograd:?} k{k}: {diff} (tolerance {tol})"
                    );
                }
            }
            let generic = fast.on_generic_path(&wt);
            let diff = max_diff(&generic.forward(&x)?, &expected);
            assert!(diff < tol, "generic k{k}: {diff} (tolerance {tol})");
        }
        Ok(())
    }

    /// A 3×3 conv of an upsampled input, computed phase by phase at the input's resolution,
    /// is the conv of the upsampled copy (odd sizes, factors 2 to 4, every ISA).
    #[test]
    fn a_conv_of_an_upsampled_input_runs_at_the_input_resolution() -> candle_core::Result<()> {
        let dev = Device::Cpu;
        for (c, o, h, w, f) in [(5, 17, 7, 9, 2), (6, 30, 5, 11, 4), (3, 4, 6, 4, 3)] {
            let x = Tensor::from_vec(rand(&[2, c, h, w], 11), (2, c, h, w), &dev)?;
            let wt = Tensor::from_vec(rand(&[o, c, 3, 3], 12), (o, c, 3, 3), &dev)?;
            let bt = Tensor::from_vec(rand(&[o], 13), o, &dev)?;
            let expected = x
                .upsample_nearest2d(h * f, w * f)?
                .conv2d(&wt, 1, 1, 1, 1)?
                .broadcast_add(&bt.reshape((1, o, 1, 1))?)?
                .relu()?
                .flatten_all()?
                .to_vec1::<f32>()?;
            for isa in simd::Isa::available() {
                let conv = Conv::new(&wt, Some(&bt), 1, 1)?
                    .with_act(Act::Relu)
                    .on_isa(&wt, isa, WinogradUse::Never)?;
                let phases = conv.phases();
                assert!(phases.is_some(), "{isa:?}");
                let diff = max_diff(&conv.forward_upsampled(&x, f, phases.as_ref())?, &expected);
                assert!(diff < 1e-5, "{isa:?} c{c} o{o} {h}×{w} ×{f}: {diff}");
            }
        }
        Ok(())
    }

    #[test]
    fn conv2d_paths_agree_with_candle_including_strided_and_epilogue() -> candle_core::Result<()> {
        let dev = Device::Cpu;
        for (k, s, p, c, o, h, w) in [
            (3, 1, 1, 3, 8, 9, 7),
            (3, 1, 1, 6, 17, 12, 45),
            (1, 1, 0, 6, 4, 5, 5),
            (7, 1, 3, 4, 1, 12, 10),
            (4, 4, 0, 3, 5, 16, 12),
            (2, 2, 0, 4, 6, 8, 8),
        ] {
            let x = Tensor::from_vec(rand(&[2, c, h, w], 4), (2, c, h, w), &dev)?;
            let wt = Tensor::from_vec(rand(&[o, c, k, k], 5), (o, c, k, k), &dev)?;
            let bt = Tensor::from_vec(rand(&[o], 6), o, &dev)?;
            let (scale, shift) = (rand(&[o], 7), rand(&[o], 8));
            let reference = x
                .conv2d(&wt, p, s, 1, 1)?
                .broadcast_add(&bt.reshape((1, o, 1, 1))?)?
                .broadcast_mul(&Tensor::from_slice(&scale, (1, o, 1, 1), &dev)?)?
                .broadcast_add(&Tensor::from_slice(&shift, (1, o, 1, 1), &dev)?)?;
            let leaky = (reference.relu()? + (reference.minimum(0f32)? * 0.2)?)?;
            let expected = leaky.flatten_all()?.to_vec1::<f32>()?;
            let fast = Conv::new(&wt, Some(&bt), s, p)?
                .with_affine(scale.clone(), shift.clone())
                .with_act(Act::LeakyRelu(0.2));
            let (xs_host, ws_host) = (
                x.flatten_all()?.to_vec1::<f32>()?,
                wt.flatten_all()?.to_vec1::<f32>()?,
            );
            let wtol = winograd_tolerance(&xs_host, &ws_host, c * k * k)
                * scale.iter().fold(1f32, |m, v| m.max(v.abs()));
            let diff = max_diff(&fast.forward(&x)?, &expected);
            let t = if fast.runs_winograd(&x) { wtol } else { 1e-5 };
            assert!(diff < t, "cpu k{k} s{s}: {diff} (tolerance {t})");
            for isa in simd::Isa::available() {
                for winograd in [WinogradUse::Never, WinogradUse::Always] {
                    let conv = fast.on_isa(&wt, isa, winograd)?;
                    let diff = max_diff(&conv.forward(&x)?, &expected);
                    let tol = if conv.runs_winograd(&x) { wtol } else { 1e-5 };
                    assert!(
                        diff < tol,
                        "{isa:?} {winograd:?} k{k} s{s}: {diff} (tolerance {tol})"
                    );
                }
            }
            let generic = fast.on_generic_path(&wt);
            let diff = max_diff(&generic.forward(&x)?, &expected);
            assert!(diff < 1e-5, "generic k{k} s{s}: {diff}");
        }
        Ok(())
    }

    /// PyTorch's grid_sample (align_corners=False, zeros) read literally, in f64.
    fn naive_grid_sample_3d(
        x: &[f32],
        g: &[f32],
        (c, d, h, w): (usize, usize, usize, usize),
        p: usize,
    ) -> Vec<f32> {
        let mut out = vec![0f32; c * p];
        for i in 0..p {
            let u = |v: f32, s: usize| ((v as f64 + 1.0) * s as f64 - 1.0) / 2.0;
            let (ix, iy, iz) = (u(g[3 * i], w), u(g[3 * i + 1], h), u(g[3 * i + 2], d));
            for ch in 0..c {
                let mut acc = 0f64;
                for dz in 0..2 {
                    for dy in 0..2 {
                        for dx in 0..2 {
                            let (x0, y0, z0) = (ix.floor(), iy.floor(), iz.floor());
                            let (xx, yy, zz) = (x0 + dx as f64, y0 + dy as f64, z0 + dz as f64);
                            let wgt = (1.0 - (ix - xx).abs())
                                * (1.0 - (iy - yy).abs())
                                * (1.0 - (iz - zz).abs());
                            if xx < 0.0
                                || yy < 0.0
                                || zz < 0.0
                                || xx >= w as f64
                                || yy >= h as f64
                                || zz >= d as f64
                            {
                                continue;
                            }
                            let v = x[((ch * d + zz as usize) * h + yy as usize) * w + xx as usize];
                            acc += v as f64 * wgt;
                        }
                    }
                }
                out[ch * p + i] = acc as f32;
            }
        }
        out
    }

    #[test]
    fn grid_sample_matches_definition_including_borders() -> candle_core::Result<()> {
        let dev = Device::Cpu;
        let (c, d, h, w) = (3, 4, 5, 6);
        let xs = rand(&[c, d, h, w], 9);
        // Points inside, on and beyond the borders (the identity grid of the warping network
        // uses the other normalisation, so its edges sample half outside).
        let gs: Vec<f32> = rand(&[2, 3, 4, 3], 10).iter().map(|v| v * 1.3).collect();
        let expected = naive_grid_sample_3d(&xs, &gs, (c, d, h, w), 24);
        let x = Tensor::from_vec(xs.clone(), (1, c, d, h, w), &dev)?;
        let g = Tensor::from_vec(gs.clone(), (1, 2, 3, 4, 3), &dev)?;
        let diff = max_diff(&grid_sample_3d(&x, &g)?, &expected);
        assert!(diff < 1e-5, "cpu 3-D: {diff}");
        let generic = sample::sample_generic(&x, &g, [d, h, w], [2, 3, 4], c, 1)?;
        let diff = max_diff(&generic, &expected);
        assert!(diff < 1e-5, "generic 3-D: {diff}");

        // 2-D: a 3-D volume of depth 1 sampled at z = 0 (the middle of the only plane).
        let x2 = Tensor::from_vec(xs[..c * h * w].to_vec(), (1, c, h, w), &dev)?;
        let g2: Vec<f32> = gs.chunks(3).flat_map(|p| [p[0], p[1]]).collect();
        let g3: Vec<f32> = gs.chunks(3).flat_map(|p| [p[0], p[1], 0.0]).collect();
        let plane: Vec<f32> = (0..c)
            .flat_map(|ch| xs[ch * d * h * w..ch * d * h * w + h * w].to_vec())
            .collect();
        let expected = naive_grid_sample_3d(&plane, &g3, (c, 1, h, w), 24);
        let g2t = Tensor::from_vec(g2, (1, 6, 4, 2), &dev)?;
        let plane_t = Tensor::from_vec(plane.clone(), (1, c, h, w), &dev)?;
        let diff = max_diff(&grid_sample_2d(&plane_t, &g2t)?, &expected);
        assert!(diff < 1e-5, "cpu 2-D: {diff}");
        let generic = sample::sample_generic(&plane_t, &g2t, [1, h, w], [1, 6, 4], c, 1)?;
        let diff = max_diff(&generic, &expected);
        assert!(diff < 1e-5, "generic 2-D: {diff}");
        drop(x2);
        Ok(())
    }

    #[test]
    fn norms_match_their_definitions() -> candle_core::Result<()> {
        let dev = Device::Cpu;
        let (n, c, h, w) = (2, 3, 4, 5);
        let xs = rand(&[n, c, h, w], 11);
        let x = Tensor::from_vec(xs.clone(), (n, c, h, w), &dev)?;
        // Instance norm: per (n, c) over H·W, biased variance.
        let got = instance_norm(&x, 1e-5)?;
        let mut expected = vec![0f32; xs.len()];
        for (plane, out) in xs.chunks(h * w).zip(expected.chunks_mut(h * w)) {
            let m = plane.iter().map(|&v| v as f64).sum::<f64>() / (h * w) as f64;
            let v = plane.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / (h * w) as f64;
            for (o, &p) in out.iter_mut().zip(plane) {
                *o = ((p as f64 - m) / (v + 1e-5).sqrt()) as f32;
            }
        }
        assert!(max_diff(&got, &expected) < 1e-5);

        // SPADE's fused modulation against the same ops one by one, on both paths.
        let gb = Tensor::from_vec(rand(&[n, 2 * c, h, w], 17), (n, 2 * c, h, w), &dev)?;
        let unfused = ((got.clone() * (gb.narrow(1, 0, c)? + 1.0)?)? + gb.narrow(1, c, c)?)?;
        let unfused = Act::LeakyRelu(0.2).forward(&unfused)?;
        let unfused = unfused.flatten_all()?.to_vec1::<f32>()?;
        let fused = modulated_instance_norm(&x, &gb, 1e-5, Act::LeakyRelu(0.2))?;
        assert!(max_diff(&fused, &unfused) < 1e-5);

        // Channels-first layer norm: over C at each pixel, then w[c]·x + b[c].
        let (wv, bv) = (rand(&[c], 12), rand(&[c], 13));
        let ln = LayerNormChannels::from_parts(
            Tensor::from_slice(&wv, c, &dev)?,
            Tensor::from_slice(&bv, c, &dev)?,
            1e-6,
        )?;
        let got = ln.forward(&x)?;
        let mut expected = vec![0f32; xs.len()];
        for b in 0..n {
            for p in 0..h * w {
                let vals: Vec<f64> = (0..c)
                    .map(|ch| xs[(b * c + ch) * h * w + p] as f64)
                    .collect();
                let m = vals.iter().sum::<f64>() / c as f64;
                let v = vals.iter().map(|x| (x - m).powi(2)).sum::<f64>() / c as f64;
                for ch in 0..c {
                    expected[(b * c + ch) * h * w + p] =
                        (wv[ch] as f64 * (vals[ch] - m) / (v + 1e-6).sqrt() + bv[ch] as f64) as f32;
                }
            }
        }
        assert!(max_diff(&got, &expected) < 1e-5);

        // GRN on NHWC.
        let (gv, be) = (rand(&[w], 14), rand(&[w], 15));
        let grn = Grn::from_parts(
            Tensor::from_slice(&gv, (1, 1, 1, w), &dev)?,
            Tensor::from_slice(&be, (1, 1, 1, w), &dev)?,
        );
        let xn = x.reshape((n, c, h, w))?; // read as N, H=c, W=h, C=w
        let got = grn.forward(&xn)?;
        let mut expected = vec![0f32; xs.len()];
        for b in 0..n {
            let idx = |i: usize, j: usize, k: usize| ((b * c + i) * h + j) * w + k;
            let gx: Vec<f64> = (0..w)
                .map(|k| {
                    (0..c)
                        .flat_map(|i| (0..h).map(move |j| (i, j)))
                        .map(|(i, j)| (xs[idx(i, j, k)] as f64).powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .collect();
            let mean = gx.iter().sum::<f64>() / w as f64;
            for i in 0..c {
                for j in 0..h {
                    for k in 0..w {
                        let v = xs[idx(i, j, k)] as f64;
                        expected[idx(i, j, k)] =
                            (gv[k] as f64 * v * gx[k] / (mean + 1e-6) + be[k] as f64 + v) as f32;
                    }
                }
            }
        }
        assert!(max_diff(&got, &expected) < 1e-5);

        // Batch norm (evaluation): (x − m)/√(v + eps)·w + b.
        let bn = BatchNorm {
            scale: wv.iter().map(|w| w / (0.5f32 + 1e-5).sqrt()).collect(),
            shift: bv
                .iter()
                .zip(&wv)
                .map(|(b, w)| b - 0.1 * w / (0.5f32 + 1e-5).sqrt())
                .collect(),
        };
        let got = bn.forward(&x, true)?;
        let expected: Vec<f32> = xs
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let ch = (i / (h * w)) % c;
                ((v - 0.1) / (0.5f32 + 1e-5).sqrt() * wv[ch] + bv[ch]).max(0.0)
            })
            .collect();
        assert!(max_diff(&got, &expected) < 1e-5);
        Ok(())
    }

    #[test]
    fn resizes_match_their_definitions() -> candle_core::Result<()> {
        let dev = Device::Cpu;
        let xs = rand(&[1, 8, 3, 2], 16);
        let x = Tensor::from_vec(xs.clone(), (1, 8, 3, 2), &dev)?;
        // Pixel shuffle by 2: out[c, 2y+i, 2x+j] = in[4c + 2i + j, y, x].
        let got = pixel_shuffle(&x, 2)?;
        assert_eq!(got.dims(), &[1, 2, 6, 4]);
        let got = got.flatten_all()?.to_vec1::<f32>()?;
        for c in 0..2 {
            for y in 0..3 {
                for xx in 0..2 {
                    for i in 0..2 {
                        for j in 0..2 {
                            assert_eq!(
                                got[(c * 6 + 2 * y + i) * 4 + 2 * xx + j],
                                xs[((4 * c + 2 * i + j) * 3 + y) * 2 + xx]
                            );
                        }
                    }
                }
            }
        }
        // Nearest ×2 on H, W of a 5-D tensor keeps depth; average pooling undoes it.
        let v = Tensor::from_vec(xs.clone(), (1, 2, 4, 3, 2), &dev)?;
        let up = upsample2x_nearest(&v)?;
        assert_eq!(up.dims(), &[1, 2, 4, 6, 4]);
        let upv = up.flatten_all()?.to_vec1::<f32>()?;
        assert_eq!(upv[((3 * 6) + 5) * 4 + 3], xs[((3 * 3) + 2) * 2 + 1]);
        let back = avg_pool2x(&up)?;
        assert!(max_diff(&back, &xs) < 1e-6);
        Ok(())
    }
}
