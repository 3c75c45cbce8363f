//! A direct kernel for convolutions with few output channels, where a GEMM wastes most of its
//! tile on them and repacks the input for every tap: 16 output columns at a time, one AVX-512
//! accumulator per output channel, each input vector loaded once per (channel, tap) and used
//! by every output channel.

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

pub fn block(ctx: &Shifted, weights: &[f32], lanes: usize, j0: usize, bl: usize, acc: &mut [f32]) {
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
