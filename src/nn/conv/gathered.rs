//! The input rearranged for the GEMM: tiny planes' taps gathered ahead, the shifted-range
//! view of a padded input, and im2col for what neither fits.

use super::*;

/// The in-plane taps of a stride-1 "same" convolution gathered ahead, for planes so small
/// that the shifted rows of the padded input would be mostly padding: for each in-plane tap
/// (ky, kx), a copy of the input shifted by it, planes unpadded (H·W) and depth padded; tap
/// (kz, ky, kx) then reads copy (ky, kx) at depth offset kz, so every column computed is an
/// output voxel. Costs kh·kw copies of the input (tens of MB at most, see `pays`).
pub(super) struct Gathered;

impl Gathered {
    const MAX_BYTES: usize = 64 << 20;

    pub(super) fn pays(
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
    pub(super) fn fill(
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
pub(super) unsafe fn rows_tile(
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
    pub(super) xp: &'a [f32],
    pub(super) vol: usize,
    pub(super) offsets: &'a [usize],
    pub(super) c: usize,
    pub(super) o: usize,
}

/// Fills the (O × bl) accumulator for output columns j0..j0+bl.
/// Fills the accumulator of output rows `rows` (its row 0 is output `rows.start`) by output
/// columns j0..j0+bl.
pub(super) type BlockFn<'a> =
    dyn Fn(&Shifted, usize, usize, std::ops::Range<usize>, &mut [f32]) + Sync + 'a;

/// The per-tap sum for one column block: acc (O × bl) = Σ_t W_t (O × C) · x (C × bl, shifted
/// by tap t), through the packed microkernel, taps in chunks that keep a panel's weights in
/// L2 (the 7³ kernels' 343 taps would not fit).
pub(super) fn taps_block(
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
