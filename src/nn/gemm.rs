//! A GEMM with the left matrix packed once, when a network is loaded, for microkernels of our
//! own: C (M × N) (+)= A (M × K) · B (K × N), with B read in place.
//!
//! The layers that call it (convolutions, Winograd's transformed products, linear layers) own
//! their weights for the life of the network, so A is packed into the panel layout the
//! microkernel streams (MR rows side by side for each k) at load time instead of once per
//! column block, which is where a general GEMM spends much of its time on these shapes.
//! B is read where it lies: row k of segment s starts at `b + offsets[s] + k·ldb`, which lets
//! one call sum over a convolution's kernel taps (shifted ranges of one padded input) or a 3-D
//! Winograd product's depth taps without copying anything.
//!
//! Microkernels: AVX-512 14 × 32 (28 accumulators of the 32 registers), AVX2 + FMA 6 × 16 (12
//! of 16), and a portable 4 × 16 the compiler vectorises. Columns past N are masked, rows past
//! M are zero in the packing and not stored.

use super::simd::Isa;

/// Where each value of a packed A (M × segs·kseg) lies, for one instruction set: for each
/// panel of `mr` rows, for each segment, for each k, the panel's `mr` values (zero past M).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    isa: Isa,
    mr: usize,
    m: usize,
    kseg: usize,
    segs: usize,
}

/// A packed A that owns its values.
#[derive(Clone, Debug)]
pub struct Packed {
    layout: Layout,
    data: Vec<f32>,
}

/// Rows and columns of one microkernel tile.
pub fn tile_shape(isa: Isa) -> (usize, usize) {
    match isa {
        Isa::Avx512 => (14, 32),
        Isa::Avx2 => (6, 16),
        Isa::Generic => (4, 16),
    }
}

impl Layout {
    pub fn new(isa: Isa, m: usize, kseg: usize, segs: usize) -> Self {
        Self {
            isa,
            mr: tile_shape(isa).0,
            m,
            kseg,
            segs,
        }
    }

    /// Values in a packed A (panels padded to `mr` rows).
    pub fn len(&self) -> usize {
        self.panels() * self.mr * self.segs * self.kseg
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where element (row, seg, k) goes.
    #[inline(always)]
    pub fn index(&self, row: usize, seg: usize, k: usize) -> usize {
        (((row / self.mr) * self.segs + seg) * self.kseg + k) * self.mr + row % self.mr
    }

    pub fn isa(&self) -> Isa {
        self.isa
    }

    pub fn rows(&self) -> usize {
        self.m
    }

    /// Rows per panel.
    pub fn mr(&self) -> usize {
        self.mr
    }

    /// Columns per microkernel call.
    pub fn nr(&self) -> usize {
        tile_shape(self.isa).1
    }

    pub fn panels(&self) -> usize {
        self.m.div_ceil(self.mr)
    }

    /// Columns of A in one segment.
    pub fn kseg(&self) -> usize {
        self.kseg
    }

    pub fn segs(&self) -> usize {
        self.segs
    }

    /// One microkernel tile of A (`data`, in this layout): rows of panel `p` by columns
    /// j..j+cols (cols ≤ `nr()`), summed over every segment, written to `c` (row stride
    /// `ldc`), added to what is there when `accumulate`.
    ///
    /// # Safety
    /// `data` holds `len()` values; for every segment s and k < kseg, `b + offsets[s] + k·ldb`
    /// is readable for `cols` values (the tail past them is masked, never read); `c` is
    /// writable for min(mr, M − p·mr) rows of `cols` values at stride `ldc`.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn tile(
        &self,
        data: &[f32],
        p: usize,
        b: *const f32,
        ldb: usize,
        offsets: &[usize],
        c: *mut f32,
        ldc: usize,
        cols: usize,
        accumulate: bool,
    ) {
        // SAFETY: as the caller promises.
        unsafe {
            self.tile_taps(
                data,
                p,
                0..self.segs,
                b,
                ldb,
                offsets,
                c,
                ldc,
                cols,
                accumulate,
            )
        }
    }

    /// As [`Layout::tile`] over the segments in `segs` only (`offsets` gives theirs).
    ///
    /// # Safety
    /// As [`Layout::tile`], for the segments in `segs`.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn tile_taps(
        &self,
        data: &[f32],
        p: usize,
        segs: std::ops::Range<usize>,
        b: *const f32,
        ldb: usize,
        offsets: &[usize],
        c: *mut f32,
        ldc: usize,
        cols: usize,
        accumulate: bool,
    ) {
        debug_assert_eq!(offsets.len(), segs.len());
        debug_assert!(segs.end <= self.segs && data.len() >= self.len());
        debug_assert!(cols <= self.nr() && p < self.panels());
        let rows = (self.m - p * self.mr).min(self.mr);
        let a = data[(p * self.segs + segs.start) * self.kseg * self.mr..].as_ptr();
        let t = Tile {
            a,
            kseg: self.kseg,
            offsets,
            b,
            ldb,
            c,
            ldc,
            rows,
            cols,
            accumulate,
        };
        // SAFETY: the caller's promises, and `isa` was chosen from what the CPU has.
        unsafe {
            match self.isa {
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => avx512::tile(&t),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => avx2::tile(&t),
                _ => generic::tile(&t),
            }
        }
    }

    /// The whole product: C (M × n) (+)= A · B, panel by panel, each panel's tiles across the
    /// columns (so one panel of A stays in L1 while B streams from L2).
    ///
    /// # Safety
    /// As [`Layout::tile`] for every column block of `n`.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn gemm(
        &self,
        data: &[f32],
        b: *const f32,
        ldb: usize,
        offsets: &[usize],
        n: usize,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    ) {
        let nr = self.nr();
        for p in 0..self.panels() {
            let mut j = 0;
            while j < n {
                // SAFETY: as the caller promises, for columns j..j+cols.
                unsafe {
                    self.tile(
                        data,
                        p,
                        b.add(j),
                        ldb,
                        offsets,
                        c.add(p * self.mr * ldc + j),
                        ldc,
                        nr.min(n - j),
                        accumulate,
                    )
                };
                j += nr;
            }
        }
    }
}

impl Packed {
    /// Pack A, M rows by `segs` segments of `kseg` columns, element (row, seg, k) = `at`.
    pub fn new(
        isa: Isa,
        m: usize,
        kseg: usize,
        segs: usize,
        at: impl Fn(usize, usize, usize) -> f32,
    ) -> Self {
        let layout = Layout::new(isa, m, kseg, segs);
        let mut data = vec![0f32; layout.len()];
        for row in 0..m {
            for s in 0..segs {
                for k in 0..kseg {
                    data[layout.index(row, s, k)] = at(row, s, k);
                }
            }
        }
        Self { layout, data }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// As [`Layout::tile`] on these values.
    ///
    /// # Safety
    /// As [`Layout::tile`].
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn tile(
        &self,
        p: usize,
        b: *const f32,
        ldb: usize,
        offsets: &[usize],
        c: *mut f32,
        ldc: usize,
        cols: usize,
        accumulate: bool,
    ) {
        // SAFETY: as the caller promises; `data` is in `layout`.
        unsafe {
            self.layout
                .tile(&self.data, p, b, ldb, offsets, c, ldc, cols, accumulate)
        }
    }

    /// As [`Layout::gemm`] on these values.
    ///
    /// # Safety
    /// As [`Layout::gemm`].
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn gemm(
        &self,
        b: *const f32,
        ldb: usize,
        offsets: &[usize],
        n: usize,
        c: *mut f32,
        ldc: usize,
        accumulate: bool,
    ) {
        // SAFETY: as the caller promises; `data` is in `layout`.
        unsafe {
            self.layout
                .gemm(&self.data, b, ldb, offsets, n, c, ldc, accumulate)
        }
    }
}

/// One microkernel call's operands.
struct Tile<'a> {
    a: *const f32,
    kseg: usize,
    offsets: &'a [usize],
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    accumulate: bool,
}

mod generic {
    use super::Tile;

    const MR: usize = 4;
    const NR: usize = 16;

    pub(super) unsafe fn tile(t: &Tile) {
        let mut acc = [[0f32; NR]; MR];
        let mut a = t.a;
        for &off in t.offsets {
            for k in 0..t.kseg {
                let mut bv = [0f32; NR];
                // SAFETY (here and below): the bounds `Packed::tile` promises.
                let row = unsafe { t.b.add(off + k * t.ldb) };
                for (j, v) in bv.iter_mut().enumerate().take(t.cols) {
                    *v = unsafe { *row.add(j) };
                }
                for (r, acc_r) in acc.iter_mut().enumerate() {
                    let av = unsafe { *a.add(r) };
                    for (x, &y) in acc_r.iter_mut().zip(&bv) {
                        *x += av * y;
                    }
                }
                a = unsafe { a.add(MR) };
            }
        }
        for (r, acc_r) in acc.iter().enumerate().take(t.rows) {
            let row = unsafe { t.c.add(r * t.ldc) };
            for (j, &v) in acc_r.iter().enumerate().take(t.cols) {
                unsafe {
                    *row.add(j) = if t.accumulate { *row.add(j) + v } else { v };
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::Tile;
    use std::arch::x86_64::*;

    const MR: usize = 14;

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tile(t: &Tile) {
        // SAFETY: as the caller promises.
        unsafe {
            if t.cols == 32 {
                run::<true>(t)
            } else {
                run::<false>(t)
            }
        }
    }

    #[inline(always)]
    unsafe fn run<const FULL: bool>(t: &Tile) {
        let m0: __mmask16 = if t.cols >= 16 {
            0xffff
        } else {
            ((1u32 << t.cols) - 1) as u16
        };
        let m1: __mmask16 = if t.cols >= 32 {
            0xffff
        } else if t.cols <= 16 {
            0
        } else {
            ((1u32 << (t.cols - 16)) - 1) as u16
        };
        // SAFETY: the caller runs this with AVX-512 F.
        let (mut acc0, mut acc1) =
            unsafe { ([_mm512_setzero_ps(); MR], [_mm512_setzero_ps(); MR]) };
        let mut a = t.a;
        // SAFETY (every pointer below): the bounds `Packed::tile` promises; masked lanes are
        // not read.
        unsafe {
            for &off in t.offsets {
                let mut bp = t.b.add(off);
                for _ in 0..t.kseg {
                    let (b0, b1) = if FULL {
                        (_mm512_loadu_ps(bp), _mm512_loadu_ps(bp.add(16)))
                    } else {
                        (
                            _mm512_maskz_loadu_ps(m0, bp),
                            _mm512_maskz_loadu_ps(m1, bp.add(16)),
                        )
                    };
                    for r in 0..MR {
                        let av = _mm512_set1_ps(*a.add(r));
                        acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
                        acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
                    }
                    bp = bp.add(t.ldb);
                    a = a.add(MR);
                }
            }
            // A constant trip count, unrolled: indexing the accumulators with a run-time bound
            // made LLVM keep them in memory, stored after every FMA.
            for r in 0..MR {
                if r >= t.rows {
                    break;
                }
                let cp = t.c.add(r * t.ldc);
                let (mut v0, mut v1) = (acc0[r], acc1[r]);
                if t.accumulate {
                    v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cp));
                    v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cp.add(16)));
                }
                _mm512_mask_storeu_ps(cp, m0, v0);
                _mm512_mask_storeu_ps(cp.add(16), m1, v1);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Tile;
    use std::arch::x86_64::*;

    const MR: usize = 6;

    /// Lanes 0..n of an 8-lane mask (for maskload / maskstore).
    #[target_feature(enable = "avx2")]
    pub(crate) fn lane_mask(n: usize) -> __m256i {
        let idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_cmpgt_epi32(_mm256_set1_epi32(n.min(8) as i32), idx)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile(t: &Tile) {
        // SAFETY: as the caller promises.
        unsafe {
            if t.cols == 16 {
                run::<true>(t)
            } else {
                run::<false>(t)
            }
        }
    }

    #[inline(always)]
    unsafe fn run<const FULL: bool>(t: &Tile) {
        // SAFETY: the caller runs this with AVX2 and FMA.
        let (m0, m1, mut acc0, mut acc1) = unsafe {
            (
                lane_mask(t.cols),
                lane_mask(t.cols.saturating_sub(8)),
                [_mm256_setzero_ps(); MR],
                [_mm256_setzero_ps(); MR],
            )
        };
        let mut a = t.a;
        // SAFETY (every pointer below): the bounds `Packed::tile` promises; masked lanes are
        // not read.
        unsafe {
            for &off in t.offsets {
                let mut bp = t.b.add(off);
                for _ in 0..t.kseg {
                    let (b0, b1) = if FULL {
                        (_mm256_loadu_ps(bp), _mm256_loadu_ps(bp.add(8)))
                    } else {
                        (
                            _mm256_maskload_ps(bp, m0),
                            _mm256_maskload_ps(bp.add(8), m1),
                        )
                    };
                    for r in 0..MR {
                        let av = _mm256_broadcast_ss(&*a.add(r));
                        acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
                        acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
                    }
                    bp = bp.add(t.ldb);
                    a = a.add(MR);
                }
            }
            for r in 0..MR {
                if r >= t.rows {
                    break;
                }
                let cp = t.c.add(r * t.ldc);
                let (mut v0, mut v1) = (acc0[r], acc1[r]);
                if t.accumulate {
                    v0 = _mm256_add_ps(v0, _mm256_maskload_ps(cp, m0));
                    v1 = _mm256_add_ps(v1, _mm256_maskload_ps(cp.add(8), m1));
                }
                _mm256_maskstore_ps(cp, m0, v0);
                _mm256_maskstore_ps(cp.add(8), m1, v1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_matches_a_plain_product_with_segments_and_ragged_edges() {
        for isa in Isa::available() {
            for (m, kseg, segs, n) in [(1, 1, 1, 1), (15, 7, 3, 33), (29, 64, 2, 70), (6, 5, 1, 16)]
            {
                let rand = |i: usize| ((i * 7919 + 13) % 101) as f32 / 50.0 - 1.0;
                let offsets: Vec<usize> = (0..segs).map(|s| s * 3).collect();
                let ldb = n + 3 * segs + 5;
                let b: Vec<f32> = (0..(kseg + 3) * ldb + 64).map(|i| rand(i + 5)).collect();
                let at = |r: usize, s: usize, k: usize| rand(r * 131 + s * 17 + k);
                let packed = Packed::new(isa, m, kseg, segs, at);
                let mut c = vec![0.5f32; m * n];
                // SAFETY: b holds kseg rows of ldb plus the largest offset; c is m × n.
                unsafe { packed.gemm(b.as_ptr(), ldb, &offsets, n, c.as_mut_ptr(), n, true) };
                for r in 0..m {
                    for j in 0..n {
                        let mut want = 0.5f64;
                        for s in 0..segs {
                            for k in 0..kseg {
                                want += at(r, s, k) as f64 * b[offsets[s] + k * ldb + j] as f64;
                            }
                        }
                        let got = c[r * n + j] as f64;
                        assert!(
                            (got - want).abs() < 1e-4,
                            "{isa:?} {m}x{kseg}x{segs}x{n} at ({r},{j}): {got} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
