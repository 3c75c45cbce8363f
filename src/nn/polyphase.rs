//! A 3×3, padding-1 convolution of a nearest-upsampled input, computed at the input's own
//! resolution: the generator's SPADE layers read its 64² feature upsampled 2× and 4×, and
//! every output pixel of the upsampled conv sees at most 2×2 distinct input values. Output
//! pixel (f·Y + py, f·X + px) is a small conv of the low-resolution input at (Y, X) whose taps
//! are sums of the 3×3 kernel's: per dimension, the first phase reads the row above (kernel
//! row 0) and its own (rows 1 + 2), the inner phases only their own (0 + 1 + 2), the last its
//! own (0 + 1) and the row below (2). 2.25 products per output instead of 9 for f = 4 (4 for
//! f = 2), exactly the same sums up to the order of f32 additions, and no upsampled copy of
//! the input. The nine kernel combinations are packed once, at load.

use super::gemm::Packed;
use super::simd::Isa;
use super::threads::{self, SharedMut};

/// Per dimension: (low-resolution offset, the kernel rows that fall on it), for the first,
/// the inner and the last phase.
const PATTERNS: [&[(isize, &[usize])]; 3] = [
    &[(-1, &[0]), (0, &[1, 2])],
    &[(0, &[0, 1, 2])],
    &[(0, &[0, 1]), (1, &[2])],
];

/// Which pattern phase `p` of `f` takes.
fn pattern(p: usize, f: usize) -> usize {
    if p == 0 {
        0
    } else if p + 1 == f {
        2
    } else {
        1
    }
}

/// What each run of an output channel's raw sums goes through: (channel, sums, out).
pub type Epilogue<'a> = dyn Fn(usize, &[f32], &mut [f32]) + Sync + 'a;

/// Output columns per task.
const BLOCK: usize = 256;

/// The kernel combined for each pair of row and column patterns.
#[derive(Clone, Debug)]
pub struct Phases {
    c: usize,
    o: usize,
    /// By row pattern · 3 + column pattern: the packed taps and their (row, column) offsets.
    combos: Vec<(Packed, Vec<(isize, isize)>)>,
}

impl Phases {
    /// From a 3×3 kernel packed per tap (taps in (ky, kx) order).
    pub(super) fn new(taps: &Packed, (c, o): (usize, usize)) -> Self {
        let layout = taps.layout();
        let weight = |oc: usize, ch: usize, tap: usize| taps.data()[layout.index(oc, tap, ch)];
        let mut combos = Vec::with_capacity(9);
        for rows in PATTERNS {
            for cols in PATTERNS {
                let mut offsets = Vec::new();
                let mut members: Vec<Vec<usize>> = Vec::new();
                for &(ry, kys) in rows {
                    for &(rx, kxs) in cols {
                        offsets.push((ry, rx));
                        members.push(
                            kys.iter()
                                .flat_map(|&ky| kxs.iter().map(move |&kx| ky * 3 + kx))
                                .collect(),
                        );
                    }
                }
                let packed = Packed::new(layout.isa(), o, c, members.len(), |oc, s, ch| {
                    members[s].iter().map(|&t| weight(oc, ch, t)).sum()
                });
                combos.push((packed, offsets));
            }
        }
        Self { c, o, combos }
    }

    pub fn isa(&self) -> Isa {
        self.combos[0].0.layout().isa()
    }

    /// One item: x (C, h, w) upsampled `f`× (f ≥ 2) through the conv → out (O, f·h, f·w),
    /// each run of raw sums of output channel `oc` passed through `epilogue(oc, sums, out)`.
    pub fn forward(
        &self,
        x: &[f32],
        (h, w): (usize, usize),
        f: usize,
        epilogue: &Epilogue,
        out: &mut [f32],
    ) {
        let (c, o) = (self.c, self.o);
        assert!(f >= 2);
        assert_eq!(x.len(), c * h * w);
        let (hh, ww) = (h * f, w * f);
        assert_eq!(out.len(), o * hh * ww);
        // The input zero-padded by one low-resolution pixel (what the high-resolution
        // padding reads), then as the shifted-range kernels read it: column j = Y·wp + X.
        let wp = w + 2;
        let plane = (h + 2) * wp;
        let mut xp = vec![0f32; c * plane + 16];
        for ch in 0..c {
            for y in 0..h {
                let t = ch * plane + (y + 1) * wp + 1;
                xp[t..t + w].copy_from_slice(&x[(ch * h + y) * w..][..w]);
            }
        }
        let span = (h - 1) * wp + w;
        let blocks = span.div_ceil(BLOCK);
        let dst = SharedMut(out.as_mut_ptr());
        let flops = 2.0 * (o * c * span * f * f) as f64 * 2.25;
        threads::for_each(f * f * blocks, flops, |i| {
            let (phase, bi) = (i / blocks, i % blocks);
            let (py, px) = (phase / f, phase % f);
            let (packed, taps) = &self.combos[pattern(py, f) * 3 + pattern(px, f)];
            let offsets: Vec<usize> = taps
                .iter()
                .map(|&(ry, rx)| (1 + ry) as usize * wp + (1 + rx) as usize)
                .collect();
            let j0 = bi * BLOCK;
            let bl = BLOCK.min(span - j0);
            let mut acc = vec![0f32; o * bl];
            // SAFETY: every tap reads xp at ch·plane + offset + j for j < span, which ends
            // before (c − 1)·plane + (h + 1)·wp + w + 1 < c·plane; acc is O × bl.
            unsafe {
                packed.gemm(
                    xp.as_ptr().add(j0),
                    plane,
                    &offsets,
                    bl,
                    acc.as_mut_ptr(),
                    bl,
                    false,
                )
            };
            let mut row = vec![0f32; w];
            for oc in 0..o {
                let sums = &acc[oc * bl..(oc + 1) * bl];
                let mut jj = 0;
                while jj < bl {
                    let j = j0 + jj;
                    let (y, xx) = (j / wp, j % wp);
                    if xx >= w {
                        jj += wp - xx;
                        continue;
                    }
                    let len = (w - xx).min(bl - jj);
                    epilogue(oc, &sums[jj..jj + len], &mut row[..len]);
                    let base = oc * hh * ww + (y * f + py) * ww + xx * f + px;
                    for (k, &v) in row[..len].iter().enumerate() {
                        // SAFETY: output pixel (f·y + py, f·(xx + k) + px) of channel oc
                        // belongs to this phase and column block only.
                        unsafe { *dst.ptr().add(base + k * f) = v };
                    }
                    jj += len;
                }
            }
        });
    }
}
