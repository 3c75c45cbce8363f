//! The transforms' SIMD lanes on x86-64: AVX-512 (16 lanes) and AVX2 (8 lanes).

use super::{Ctx, Layout, SharedMut, Simd, block, weights_panel};
use std::arch::x86_64::*;

/// # Safety
/// The CPU has AVX-512 F; as `weights_panel`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn weights_avx512(
    taps: &Layout,
    src: &[f32],
    ul: &Layout,
    ulen: usize,
    kd: usize,
    dst: SharedMut,
    p: usize,
) {
    unsafe { weights_panel::<14>(taps, src, ul, ulen, kd, dst, p) }
}

/// # Safety
/// The CPU has AVX2 and FMA; as `weights_panel`.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn weights_avx2(
    taps: &Layout,
    src: &[f32],
    ul: &Layout,
    ulen: usize,
    kd: usize,
    dst: SharedMut,
    p: usize,
) {
    unsafe { weights_panel::<6>(taps, src, ul, ulen, kd, dst, p) }
}

/// # Safety
/// The CPU has AVX-512 F; as `block`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn block_avx512(ctx: &Ctx, bi: usize) {
    unsafe { block::<Avx512>(ctx, bi) }
}

/// # Safety
/// The CPU has AVX2 and FMA; as `block`.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn block_avx2(ctx: &Ctx, bi: usize) {
    unsafe { block::<Avx2>(ctx, bi) }
}

#[derive(Clone, Copy)]
struct Avx512;

// SAFETY (every intrinsic below): only reached through `forward_avx512`, which requires
// AVX-512 F; pointer bounds are the callers'.
impl Simd for Avx512 {
    type V = __m512;
    const L: usize = 16;
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: __m512, n: usize) {
        unsafe { _mm512_mask_storeu_ps(p, ((1u32 << n) - 1) as u16, v) }
    }
    #[inline(always)]
    fn splat(x: f32) -> __m512 {
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    fn add(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    fn fma(a: __m512, b: __m512, c: __m512) -> __m512 {
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_max_ps(a, b) }
    }
    #[inline(always)]
    fn min(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_min_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn phases(p: *const f32) -> [__m512; 6] {
        unsafe {
            let r = [
                _mm512_loadu_ps(p),
                _mm512_loadu_ps(p.add(16)),
                _mm512_loadu_ps(p.add(32)),
                _mm512_loadu_ps(p.add(48)),
                _mm512_loadu_ps(p.add(64)),
            ];
            let mut v = [_mm512_setzero_ps(); 6];
            for i in 0..4i32 {
                let idx = _mm512_setr_epi32(
                    i,
                    i + 4,
                    i + 8,
                    i + 12,
                    i + 16,
                    i + 20,
                    i + 24,
                    i + 28,
                    i,
                    i + 4,
                    i + 8,
                    i + 12,
                    i + 16,
                    i + 20,
                    i + 24,
                    i + 28,
                );
                // Phase i of the first 32 values in lanes 0..8, of the next 32 in 8..16.
                let a = _mm512_permutex2var_ps(r[0], idx, r[1]);
                let b = _mm512_permutex2var_ps(r[2], idx, r[3]);
                v[i as usize] = _mm512_shuffle_f32x4(a, b, 0b01_00_01_00);
            }
            // Phases 4 and 5 are 0 and 1 one tile on: shift a lane in from p[64], p[65].
            let r4 = _mm512_castps_si512(r[4]);
            let r4s = _mm512_alignr_epi32(r4, r4, 1);
            v[4] = _mm512_castsi512_ps(_mm512_alignr_epi32(r4, _mm512_castps_si512(v[0]), 1));
            v[5] = _mm512_castsi512_ps(_mm512_alignr_epi32(r4s, _mm512_castps_si512(v[1]), 1));
            v
        }
    }
    #[inline(always)]
    fn interleave(y: [__m512; 4]) -> [__m512; 4] {
        unsafe {
            let a_lo = _mm512_unpacklo_ps(y[0], y[1]);
            let a_hi = _mm512_unpackhi_ps(y[0], y[1]);
            let b_lo = _mm512_unpacklo_ps(y[2], y[3]);
            let b_hi = _mm512_unpackhi_ps(y[2], y[3]);
            let pd = _mm512_castps_pd;
            // Per 128-bit lane k: the four pixels of tiles 4k, 4k+1, 4k+2, 4k+3.
            let t0 = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(a_lo), pd(b_lo)));
            let t1 = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(a_lo), pd(b_lo)));
            let t2 = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(a_hi), pd(b_hi)));
            let t3 = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(a_hi), pd(b_hi)));
            let u0 = _mm512_shuffle_f32x4(t0, t1, 0b01_00_01_00);
            let u1 = _mm512_shuffle_f32x4(t2, t3, 0b01_00_01_00);
            let u2 = _mm512_shuffle_f32x4(t0, t1, 0b11_10_11_10);
            let u3 = _mm512_shuffle_f32x4(t2, t3, 0b11_10_11_10);
            [
                _mm512_shuffle_f32x4(u0, u1, 0b10_00_10_00),
                _mm512_shuffle_f32x4(u0, u1, 0b11_01_11_01),
                _mm512_shuffle_f32x4(u2, u3, 0b10_00_10_00),
                _mm512_shuffle_f32x4(u2, u3, 0b11_01_11_01),
            ]
        }
    }
}

#[derive(Clone, Copy)]
struct Avx2;

// SAFETY (every intrinsic below): only reached through `forward_avx2`, which requires
// AVX2 and FMA; pointer bounds are the callers'.
impl Simd for Avx2 {
    type V = __m256;
    const L: usize = 8;
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: __m256, n: usize) {
        unsafe {
            let idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), idx);
            _mm256_maskstore_ps(p, mask, v)
        }
    }
    #[inline(always)]
    fn splat(x: f32) -> __m256 {
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    fn add(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn fma(a: __m256, b: __m256, c: __m256) -> __m256 {
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    fn min(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_min_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn phases(p: *const f32) -> [__m256; 6] {
        unsafe {
            let r = [
                _mm256_loadu_ps(p),
                _mm256_loadu_ps(p.add(8)),
                _mm256_loadu_ps(p.add(16)),
                _mm256_loadu_ps(p.add(24)),
            ];
            let mut v = [_mm256_setzero_ps(); 6];
            for i in 0..4i32 {
                // Each 8-value load holds tiles 2k and 2k+1: their phase i at i and i + 4.
                let idx = _mm256_setr_epi32(i, i + 4, i, i + 4, i, i + 4, i, i + 4);
                let q = [
                    _mm256_permutevar8x32_ps(r[0], idx),
                    _mm256_permutevar8x32_ps(r[1], idx),
                    _mm256_permutevar8x32_ps(r[2], idx),
                    _mm256_permutevar8x32_ps(r[3], idx),
                ];
                let a = _mm256_blend_ps(q[0], q[1], 0b0000_1100);
                let b = _mm256_blend_ps(q[2], q[3], 0b1100_0000);
                v[i as usize] = _mm256_blend_ps(a, b, 0b1111_0000);
            }
            let next = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 7);
            v[4] = _mm256_blend_ps(
                _mm256_permutevar8x32_ps(v[0], next),
                _mm256_broadcast_ss(&*p.add(32)),
                0b1000_0000,
            );
            v[5] = _mm256_blend_ps(
                _mm256_permutevar8x32_ps(v[1], next),
                _mm256_broadcast_ss(&*p.add(33)),
                0b1000_0000,
            );
            v
        }
    }
    #[inline(always)]
    fn interleave(y: [__m256; 4]) -> [__m256; 4] {
        unsafe {
            let a_lo = _mm256_unpacklo_ps(y[0], y[1]);
            let a_hi = _mm256_unpackhi_ps(y[0], y[1]);
            let b_lo = _mm256_unpacklo_ps(y[2], y[3]);
            let b_hi = _mm256_unpackhi_ps(y[2], y[3]);
            let pd = _mm256_castps_pd;
            let t0 = _mm256_castpd_ps(_mm256_unpacklo_pd(pd(a_lo), pd(b_lo)));
            let t1 = _mm256_castpd_ps(_mm256_unpackhi_pd(pd(a_lo), pd(b_lo)));
            let t2 = _mm256_castpd_ps(_mm256_unpacklo_pd(pd(a_hi), pd(b_hi)));
            let t3 = _mm256_castpd_ps(_mm256_unpackhi_pd(pd(a_hi), pd(b_hi)));
            [
                _mm256_permute2f128_ps(t0, t1, 0x20),
                _mm256_permute2f128_ps(t2, t3, 0x20),
                _mm256_permute2f128_ps(t0, t1, 0x31),
                _mm256_permute2f128_ps(t2, t3, 0x31),
            ]
        }
    }
}
