//! Winograd's minimal filtering F(4×4, 3×3) for stride-1, padding-1 convolutions with 3×3
//! kernels (and 3×3×3 ones, as three depth taps over 2-D Winograd planes): 36 products per
//! 4×4 output tile where direct convolution needs 144, so 4× less arithmetic for the
//! generator's and the warping network's bulk (Lavin and Gray, *Fast Algorithms for
//! Convolutional Neural Networks*, 2016).
//!
//! The kernel's transform G g Gᵀ is made once at load, in f64, and packed for the GEMM
//! microkernel (`gemm::Packed`), one matrix per transformed position ξ (and depth tap). A
//! convolution then runs block by block of 64 tiles, each block on one thread: the input
//! transform Bᵀ d B (vectorised across 16 or 8 neighbouring tiles of a tile row, whose 6×6
//! windows are de-interleaved from the padded rows with vector permutes), 36 GEMMs
//! (O × C) · (C × tiles), and the output transform Aᵀ m A with the layer's per-channel
//! epilogue, re-interleaved into rows. For a 3×3×3 kernel the GEMM sums three depth taps
//! that read the transformed planes above and below (shifted column ranges, nothing copied).
//!
//! Precision: the points 0, ±1, ±2 and ∞ keep the transforms' coefficients small (at most 8
//! in Aᵀ); against an f64 direct convolution the error stays within a few f32 rounding steps
//! of the accumulated magnitude (the tests hold it to that).

use super::gemm::{Layout, tile_shape};
use super::simd::Isa;
use super::threads::{self, SharedMut};

/// The activation that ends the epilogue (the conv's own; see `conv::Act`).
pub use super::conv::Act;

/// Tiles per block: a multiple of every lane count (16, 8) and GEMM width (32, 16); halved
/// when a block's transformed input would pass `BLOCK_BYTES` (the 3×3×3 kernels' 18 planes).
const TB: usize = 64;
const BLOCK_BYTES: usize = 8 << 20;

/// Per-thread block scratch above this is given back after each call rather than kept (the
/// 3-D convolutions' blocks need tens of megabytes once per frame; the rest need a few); the
/// transformed weights are kept up to the generator's 512 × 512 kernels (38 MB), which run
/// twelve times a frame.
const KEEP_BYTES: usize = 16 << 20;
const KEEP_WEIGHT_BYTES: usize = 48 << 20;

/// G of F(4, 3): the kernel transform.
const G: [[f64; 3]; 6] = [
    [1.0 / 4.0, 0.0, 0.0],
    [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
    [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
    [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
    [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
    [0.0, 0.0, 1.0],
];

/// A 3×3 (or 3×3×3) convolution in the Winograd domain, with its epilogue
/// y = act(v · mul + add) per output channel.
///
/// The weights are kept as the direct kernel packs them (one segment per tap) and carried
/// into the Winograd domain at each call: the transformed kernel is 4× the size (0.9 GB for
/// the generator alone), and making it costs a few percent of the products it feeds.
#[derive(Clone, Debug)]
pub struct Winograd {
    c: usize,
    o: usize,
    /// Depth taps: 1 for a 2-D kernel, 3 for a 3-D one.
    kd: usize,
    mul: Vec<f32>,
    add: Vec<f32>,
    act: Act,
}

impl Winograd {
    /// For weights packed per tap (`kd`·9 segments of C, taps in (z, y, x) order).
    pub fn new(taps: &Layout, kd: usize, mul: Vec<f32>, add: Vec<f32>, act: Act) -> Self {
        assert_eq!(taps.segs(), kd * 9);
        Self {
            c: taps.kseg(),
            o: taps.rows(),
            kd,
            mul,
            add,
            act,
        }
    }

    /// Whether the output transform can end with `act` (GELU has no vector form here).
    pub fn supports(act: Act) -> bool {
        !matches!(act, Act::Gelu)
    }

    /// Whether Winograd pays for an input this size: the tiles of a tile row are processed
    /// in groups of 16 (8 with AVX2), so narrow planes waste most lanes.
    pub fn worth_it(isa: Isa, h: usize, w: usize) -> bool {
        let lanes = lanes(isa);
        let tw = w.div_ceil(4);
        h >= 8 && tw * 2 >= lanes
    }

    /// One batch item: x (C, D, H, W) → out (O, D, H, W), D = 1 for 2-D, with the weights
    /// `taps` in `layout` (the one given to `new`).
    pub fn forward(
        &self,
        layout: &Layout,
        taps: &[f32],
        x: &[f32],
        (d, h, w): (usize, usize, usize),
        out: &mut [f32],
    ) {
        assert_eq!(x.len(), self.c * d * h * w);
        assert_eq!(out.len(), self.o * d * h * w);
        let isa = layout.isa();
        let ul = Layout::new(isa, self.o, self.c, self.kd);
        let ulen = ul.len() + 16; // ξ strides off multiples of 4 KiB
        let mut u = take(&WEIGHTS, 36 * ulen);
        transform_weights(layout, taps, &ul, ulen, self.kd, &mut u);
        let tw = Transformed { u: &u, ul, ulen };
        match isa {
            // The layout was made for this ISA, which the CPU has (`Isa::current`).
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => forward(self, &tw, x, (d, h, w), out, 16, x86::block_avx512),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => forward(self, &tw, x, (d, h, w), out, 8, x86::block_avx2),
            _ => forward(self, &tw, x, (d, h, w), out, 8, block_portable),
        }
        give(&WEIGHTS, u, KEEP_WEIGHT_BYTES);
    }
}

/// U[ξ] = G g Gᵀ for every (output, depth tap, input) of the per-tap packed weights, written
/// in `ul` (one matrix per ξ, `ulen` apart), panels in parallel.
fn transform_weights(
    taps: &Layout,
    src: &[f32],
    ul: &Layout,
    ulen: usize,
    kd: usize,
    u: &mut [f32],
) {
    let dst = SharedMut(u.as_mut_ptr());
    let flops = (taps.panels() * kd * taps.kseg() * taps.mr()) as f64 * 400.0;
    threads::for_each(taps.panels(), flops, |p| {
        // SAFETY: panel p's values in every ξ are written by this task only; the ISA is the
        // CPU's.
        unsafe {
            match taps.isa() {
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => x86::weights_avx512(taps, src, ul, ulen, kd, dst, p),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => x86::weights_avx2(taps, src, ul, ulen, kd, dst, p),
                _ => weights_panel::<4>(taps, src, ul, ulen, kd, dst, p),
            }
        }
    });
}

/// One panel of `transform_weights`, MR outputs side by side (vectorised by the compiler).
#[inline(always)]
unsafe fn weights_panel<const MR: usize>(
    taps: &Layout,
    src: &[f32],
    ul: &Layout,
    ulen: usize,
    kd: usize,
    dst: SharedMut,
    p: usize,
) {
    debug_assert_eq!(taps.mr(), MR);
    let row0 = p * MR;
    for dz in 0..kd {
        for c in 0..taps.kseg() {
            let g: [[f32; MR]; 9] = std::array::from_fn(|t| {
                let at = taps.index(row0, dz * 9 + t, c);
                std::array::from_fn(|r| src[at + r])
            });
            // G g: 6 × 3 per output; then (G g) Gᵀ: 6 × 6.
            let mut gg = [[[0f32; MR]; 3]; 6];
            for (i, gi) in G.iter().enumerate() {
                for j in 0..3 {
                    for r in 0..MR {
                        gg[i][j][r] = gi[0] as f32 * g[j][r]
                            + gi[1] as f32 * g[3 + j][r]
                            + gi[2] as f32 * g[6 + j][r];
                    }
                }
            }
            let at = ul.index(row0, dz, c);
            for (i, ggi) in gg.iter().enumerate() {
                for (j, gj) in G.iter().enumerate() {
                    let mut v = [0f32; MR];
                    for (r, vr) in v.iter_mut().enumerate() {
                        *vr = ggi[0][r] * gj[0] as f32
                            + ggi[1][r] * gj[1] as f32
                            + ggi[2][r] * gj[2] as f32;
                    }
                    // SAFETY: inside u (36 · ulen values), this panel's own values.
                    let out = unsafe { dst.ptr().add((i * 6 + j) * ulen + at) };
                    for (r, vr) in v.iter().enumerate() {
                        unsafe { *out.add(r) = *vr };
                    }
                }
            }
        }
    }
}

fn lanes(isa: Isa) -> usize {
    match isa {
        Isa::Avx512 => 16,
        _ => 8,
    }
}

/// The vector operations the transforms need, for one lane width.
trait Simd: Copy {
    type V: Copy;
    const L: usize;
    unsafe fn load(p: *const f32) -> Self::V;
    unsafe fn store(p: *mut f32, v: Self::V);
    /// The first `n` lanes only.
    unsafe fn store_n(p: *mut f32, v: Self::V, n: usize);
    fn splat(x: f32) -> Self::V;
    fn add(a: Self::V, b: Self::V) -> Self::V;
    fn sub(a: Self::V, b: Self::V) -> Self::V;
    fn mul(a: Self::V, b: Self::V) -> Self::V;
    /// a·b + c
    fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    fn max(a: Self::V, b: Self::V) -> Self::V;
    fn min(a: Self::V, b: Self::V) -> Self::V;
    /// v_i[l] = p[4l + i] for i in 0..6: the six columns of L neighbouring 6-wide tile
    /// windows (which overlap by 2) from one padded row; reads p[0..5L].
    unsafe fn phases(p: *const f32) -> [Self::V; 6];
    /// The inverse for four columns: y_j[l] = pixel 4l + j → 4L consecutive pixels.
    fn interleave(y: [Self::V; 4]) -> [Self::V; 4];
}

/// Bᵀ d for six values: rows of Bᵀ = [4 0 −5 0 1 0], [0 −4 −4 1 1 0], [0 4 −4 −1 1 0],
/// [0 −2 −1 2 1 0], [0 2 −1 −2 1 0], [0 4 0 −5 0 1].
#[inline(always)]
fn bt<S: Simd>(d: [S::V; 6]) -> [S::V; 6] {
    let (four, neg4, neg5) = (S::splat(4.0), S::splat(-4.0), S::splat(-5.0));
    let t0 = S::fma(four, d[0], S::fma(neg5, d[2], d[4]));
    let a = S::fma(neg4, d[2], d[4]);
    let b = S::fma(neg4, d[1], d[3]);
    let c = S::sub(d[4], d[2]);
    let e = S::mul(S::splat(2.0), S::sub(d[3], d[1]));
    let t5 = S::fma(four, d[1], S::fma(neg5, d[3], d[5]));
    [
        t0,
        S::add(a, b),
        S::sub(a, b),
        S::add(c, e),
        S::sub(c, e),
        t5,
    ]
}

/// Aᵀ m for six values: rows [1 1 1 1 1 0], [0 1 −1 2 −2 0], [0 1 1 4 4 0], [0 1 −1 8 −8 1].
#[inline(always)]
fn at<S: Simd>(m: [S::V; 6]) -> [S::V; 4] {
    let a = S::add(m[1], m[2]);
    let b = S::sub(m[1], m[2]);
    let c = S::add(m[3], m[4]);
    let d = S::sub(m[3], m[4]);
    [
        S::add(S::add(m[0], a), c),
        S::fma(S::splat(2.0), d, b),
        S::fma(S::splat(4.0), c, a),
        S::add(S::fma(S::splat(8.0), d, b), m[5]),
    ]
}

#[inline(always)]
fn epilogue<S: Simd>(v: S::V, mul: S::V, add: S::V, act: Act) -> S::V {
    let v = S::fma(v, mul, add);
    match act {
        Act::Identity => v,
        Act::Relu => S::max(v, S::splat(0.0)),
        Act::LeakyRelu(a) => S::fma(
            S::min(v, S::splat(0.0)),
            S::splat(a),
            S::max(v, S::splat(0.0)),
        ),
        // Never built with GELU (`Winograd::supports`).
        Act::Gelu => v,
    }
}

thread_local! {
    /// Per-thread transform buffers (a block's V, M and padded band), kept between calls: they
    /// are megabytes, and fresh pages for every block cost more than the transforms.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The transformed weights, on the thread that calls `forward`.
    static WEIGHTS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Take a thread-local buffer of at least `len` values (its contents are stale).
fn take(
    cell: &'static std::thread::LocalKey<std::cell::RefCell<Vec<f32>>>,
    len: usize,
) -> Vec<f32> {
    let mut v = cell.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if v.len() < len {
        v.resize(len, 0.0);
    }
    v
}

fn give(
    cell: &'static std::thread::LocalKey<std::cell::RefCell<Vec<f32>>>,
    v: Vec<f32>,
    keep_bytes: usize,
) {
    if v.len() * 4 <= keep_bytes {
        cell.with(|b| *b.borrow_mut() = v);
    }
}

/// The weights in the Winograd domain: one matrix in `ul` per ξ, `ulen` apart.
struct Transformed<'a> {
    u: &'a [f32],
    ul: Layout,
    ulen: usize,
}

/// What every block of one call shares.
struct Ctx<'a> {
    wg: &'a Winograd,
    /// The transformed weights: one matrix in `ul` per ξ, `ulen` apart.
    u: &'a [f32],
    ul: Layout,
    ulen: usize,
    /// The input (C, D, H, W).
    x: &'a [f32],
    out: SharedMut,
    d: usize,
    h: usize,
    w: usize,
    /// A padded row's length: one zero on the left, room on the right for the last group's
    /// whole-vector reads (5 vectors).
    wp: usize,
    /// Lane groups per tile row, tiles in all, tiles per block.
    groups: usize,
    ntiles: usize,
    tb: usize,
}

/// One call: the blocks of 64 tiles on the pool, each through `block` (compiled for one ISA).
fn forward(
    wg: &Winograd,
    tf: &Transformed,
    x: &[f32],
    (d, h, w): (usize, usize, usize),
    out: &mut [f32],
    lanes: usize,
    block: unsafe fn(&Ctx, usize),
) {
    let (th, tw) = (h.div_ceil(4), w.div_ceil(4));
    let groups = tw.div_ceil(lanes);
    let ctx = Ctx {
        wg,
        u: tf.u,
        ul: tf.ul,
        ulen: tf.ulen,
        x,
        out: SharedMut(out.as_mut_ptr()),
        d,
        h,
        w,
        wp: (4 * groups + 1) * lanes + 1,
        groups,
        ntiles: th * groups * lanes,
        tb: if 36 * wg.c * (d + 2 * (wg.kd / 2)) * TB * 4 > BLOCK_BYTES {
            TB / 2
        } else {
            TB
        },
    };
    let flops = 2.0 * (36 * wg.c * wg.o * wg.kd * ctx.ntiles * d) as f64;
    // SAFETY: `block` is the ISA's, which the CPU has; blocks write disjoint tiles.
    threads::for_each(ctx.ntiles.div_ceil(ctx.tb), flops, |bi| unsafe {
        block(&ctx, bi)
    });
}

/// The zero-padded rows a block's tile rows read (`ty0..=ty1`), every channel and depth:
/// band row r is input row 4·ty0 − 1 + r. A band, not the whole padded input: a block of
/// the generator's 256² layers needs 6 rows where the whole was 72 MB, copied on one thread.
fn pad_band(ctx: &Ctx, (ty0, ty1): (usize, usize), band: &mut [f32]) -> usize {
    let (c, d, h, w, wp) = (ctx.wg.c, ctx.d, ctx.h, ctx.w, ctx.wp);
    let rows = 4 * (ty1 - ty0 + 1) + 2;
    for (plane, dst) in band.chunks_exact_mut(rows * wp).take(c * d).enumerate() {
        for (r, row) in dst.chunks_exact_mut(wp).enumerate() {
            match (4 * ty0 + r).checked_sub(1).filter(|&y| y < h) {
                Some(y) => {
                    row[0] = 0.0;
                    row[1..=w].copy_from_slice(&ctx.x[(plane * h + y) * w..][..w]);
                    row[w + 1..].fill(0.0);
                }
                None => row.fill(0.0),
            }
        }
    }
    rows
}

/// One block of tiles: input transform, the 36 products, output transform.
#[inline(always)]
// The transforms read their 6×6 (6×4) arrays by column as well as by row.
#[allow(clippy::needless_range_loop)]
unsafe fn block<S: Simd>(ctx: &Ctx, bi: usize) {
    let wg = ctx.wg;
    let (c, o, kd) = (wg.c, wg.o, wg.kd);
    let (d, h, w, wp, groups) = (ctx.d, ctx.h, ctx.w, ctx.wp, ctx.groups);
    let l = S::L;
    let dpad = kd / 2;
    let zin = d + 2 * dpad;
    let tb = ctx.tb;
    let vs = c * zin * tb + 16; // ξ-plane strides, off multiples of 4 KiB (L1 set aliasing)
    let ms = o * d * tb + 16;
    let offsets: [usize; 3] = [0, tb, 2 * tb];
    let offsets = &offsets[..kd];
    let nr = tile_shape(ctx.ul.isa()).1;
    let t0 = bi * tb;
    let tbv = tb.min(ctx.ntiles - t0);
    let ty0 = t0 / (groups * l);
    let ty1 = (t0 + tbv - 1) / (groups * l);
    let band_len = c * d * (4 * (ty1 - ty0 + 1) + 2) * wp;
    let mut buf = take(&SCRATCH, 36 * (vs + ms) + band_len);
    let (v, rest) = buf.split_at_mut(36 * vs);
    let (m, band) = rest.split_at_mut(36 * ms);
    let band_rows = pad_band(ctx, (ty0, ty1), band);
    let plane = band_rows * wp;
    // SAFETY: every read below stays inside the band (padded for 5 vectors past each group),
    // v and m (sized for a whole block); writes to `out` are this block's own tiles.
    unsafe {
        // Input transform: Bᵀ along each of the window's 6 rows, then down its 6 columns.
        for g in 0..tbv / l {
            let tg = t0 / l + g;
            let (ty, gx) = (tg / groups, tg % groups);
            for ch in 0..c {
                for zz in 0..zin {
                    let col = (ch * zin + zz) * tb + g * l;
                    if zz < dpad || zz >= d + dpad {
                        for xi in 0..36 {
                            S::store(v.as_mut_ptr().add(xi * vs + col), S::splat(0.0));
                        }
                        continue;
                    }
                    let z = zz - dpad;
                    let base = band
                        .as_ptr()
                        .add((ch * d + z) * plane + 4 * (ty - ty0) * wp + gx * 4 * l);
                    let mut rows = [[S::splat(0.0); 6]; 6];
                    for (r, row) in rows.iter_mut().enumerate() {
                        *row = bt::<S>(S::phases(base.add(r * wp)));
                    }
                    for j in 0..6 {
                        let t = bt::<S>([
                            rows[0][j], rows[1][j], rows[2][j], rows[3][j], rows[4][j], rows[5][j],
                        ]);
                        for (i, tv) in t.iter().enumerate() {
                            S::store(v.as_mut_ptr().add((i * 6 + j) * vs + col), *tv);
                        }
                    }
                }
            }
        }
        // The 36 products, each summing the depth taps.
        let ul = &ctx.ul;
        for xi in 0..36 {
            let u = &ctx.u[xi * ctx.ulen..];
            let vb = v.as_ptr().add(xi * vs);
            let mb = m.as_mut_ptr().add(xi * ms);
            for p in 0..ul.panels() {
                for z in 0..d {
                    let mut j = 0;
                    while j < tbv {
                        ul.tile(
                            u,
                            p,
                            vb.add(z * tb + j),
                            zin * tb,
                            offsets,
                            mb.add(p * ul.mr() * d * tb + z * tb + j),
                            d * tb,
                            nr.min(tbv - j),
                            false,
                        );
                        j += nr;
                    }
                }
            }
        }
        // Output transform and epilogue.
        for oc in 0..o {
            let (mul, add) = (S::splat(wg.mul[oc]), S::splat(wg.add[oc]));
            for z in 0..d {
                for g in 0..tbv / l {
                    let tg = t0 / l + g;
                    let (ty, gx) = (tg / groups, tg % groups);
                    let at_ = (oc * d + z) * tb + g * l;
                    // Aᵀ along each row of the 6×6, then down each of the 4 columns.
                    let mut rows = [[S::splat(0.0); 4]; 6];
                    for (i, row) in rows.iter_mut().enumerate() {
                        let mut mv = [S::splat(0.0); 6];
                        for (j, mvj) in mv.iter_mut().enumerate() {
                            *mvj = S::load(m.as_ptr().add((i * 6 + j) * ms + at_));
                        }
                        *row = at::<S>(mv);
                    }
                    let mut cols = [[S::splat(0.0); 4]; 4];
                    for (j, col) in cols.iter_mut().enumerate() {
                        *col = at::<S>([
                            rows[0][j], rows[1][j], rows[2][j], rows[3][j], rows[4][j], rows[5][j],
                        ]);
                    }
                    for i in 0..4 {
                        let oy = 4 * ty + i;
                        if oy >= h {
                            break;
                        }
                        let y = [
                            epilogue::<S>(cols[0][i], mul, add, wg.act),
                            epilogue::<S>(cols[1][i], mul, add, wg.act),
                            epilogue::<S>(cols[2][i], mul, add, wg.act),
                            epilogue::<S>(cols[3][i], mul, add, wg.act),
                        ];
                        let q = S::interleave(y);
                        let row = ((oc * d + z) * h + oy) * w;
                        for (k, qv) in q.iter().enumerate() {
                            let x0 = gx * 4 * l + k * l;
                            if x0 >= w {
                                break;
                            }
                            let n = (w - x0).min(l);
                            if n == l {
                                S::store(ctx.out.ptr().add(row + x0), *qv);
                            } else {
                                S::store_n(ctx.out.ptr().add(row + x0), *qv, n);
                            }
                        }
                    }
                }
            }
        }
    }
    give(&SCRATCH, buf, KEEP_BYTES);
}

unsafe fn block_portable(ctx: &Ctx, bi: usize) {
    // SAFETY: as `block`.
    unsafe { block::<Portable>(ctx, bi) }
}

/// Portable lanes: plain arrays the compiler vectorises (NEON on Apple silicon).
#[derive(Clone, Copy)]
struct Portable;

impl Simd for Portable {
    type V = [f32; 8];
    const L: usize = 8;
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self::V {
        // SAFETY: the caller's bounds.
        std::array::from_fn(|i| unsafe { *p.add(i) })
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self::V) {
        for (i, x) in v.iter().enumerate() {
            // SAFETY: the caller's bounds.
            unsafe { *p.add(i) = *x };
        }
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: Self::V, n: usize) {
        for (i, x) in v.iter().enumerate().take(n) {
            // SAFETY: the caller's bounds.
            unsafe { *p.add(i) = *x };
        }
    }
    #[inline(always)]
    fn splat(x: f32) -> Self::V {
        [x; 8]
    }
    #[inline(always)]
    fn add(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] + b[i])
    }
    #[inline(always)]
    fn sub(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] - b[i])
    }
    #[inline(always)]
    fn mul(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i] * b[i])
    }
    #[inline(always)]
    fn fma(a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i].mul_add(b[i], c[i]))
    }
    #[inline(always)]
    fn max(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i].max(b[i]))
    }
    #[inline(always)]
    fn min(a: Self::V, b: Self::V) -> Self::V {
        std::array::from_fn(|i| a[i].min(b[i]))
    }
    #[inline(always)]
    unsafe fn phases(p: *const f32) -> [Self::V; 6] {
        // SAFETY: the caller's bounds (p[0..5L]).
        std::array::from_fn(|i| std::array::from_fn(|l| unsafe { *p.add(4 * l + i) }))
    }
    #[inline(always)]
    fn interleave(y: [Self::V; 4]) -> [Self::V; 4] {
        std::array::from_fn(|q| std::array::from_fn(|k| y[k % 4][2 * q + k / 4]))
    }
}

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(test)]
mod tests;
