//! 7×7×7 convolutions (stride 1, padding 3) in the frequency domain: the warping network's
//! mask conv, 142 → 22 channels over 16×64×64, is 140 GFLOP directly — half of W's work.
//!
//! Each depth plane is cut into tiles of 16×16 outputs; a tile's 22×22 input window and the
//! 7×7 kernel slices meet in a 22-point 2-D DFT (real input: 22 × 12 bins), where the
//! correlation is a product: Y = X · conj(K) at every bin, which is exact for the 16 outputs
//! of each row and column (16 + 6 < 22: nothing wraps round). Per bin the sum over input
//! channels and the seven depth taps is one real GEMM through the packed microkernel, with
//! the complex product written as the block [[Kr, Ki], [−Ki, Kr]] · [Xr; Xi] and the depth
//! taps as shifted columns (as in `winograd`). 13× less arithmetic than the direct sum; the
//! kernel's spectra (made once at load, in f64) take 2O × 2C × 7 values per bin.
//!
//! Precision: the DFT's coefficients are at most 1 in size, so the error is a few f32
//! rounding steps of the accumulated magnitude, as for the direct sum (the tests hold it).

use super::gemm::Packed;
use super::simd::Isa;
use super::threads::{self, SharedMut};

/// Outputs per tile side, the DFT length, and its real-input bins along a row.
const T: usize = 16;
const N: usize = 22;
const HALF: usize = N / 2 + 1;
const BINS: usize = N * HALF;
const K: usize = 7;
const PAD: usize = 3;
/// The transformed input of one chunk of tile rows stays below this.
const CHUNK_BYTES: usize = 32 << 20;

/// Lanes for the bins along a row (HALF padded to a vector).
const L: usize = 16;

/// The DFT's coefficients as the tile transforms read them, in vector-wide rows.
struct Tables {
    /// cos and sin of 2π·k/N, k in 0..N.
    c: [f32; N],
    s: [f32; N],
    /// Along a row: cos and sin of 2π·v·b/N for input column b, bins v in lanes.
    row_c: [[f32; L]; N],
    row_s: [[f32; L]; N],
    /// Back along a row, real output q in lanes: the bin's weight (1 for v = 0 and N/2, 2 for
    /// the bins that stand for their mirror images) × cos and sin of 2π·v·q/N, over N².
    inv_c: [[f32; L]; HALF],
    inv_s: [[f32; L]; HALF],
}

impl Tables {
    fn new() -> Self {
        let angle = |k: usize| 2.0 * std::f64::consts::PI * (k % N) as f64 / N as f64;
        let mut t = Self {
            c: [0.0; N],
            s: [0.0; N],
            row_c: [[0.0; L]; N],
            row_s: [[0.0; L]; N],
            inv_c: [[0.0; L]; HALF],
            inv_s: [[0.0; L]; HALF],
        };
        for k in 0..N {
            t.c[k] = angle(k).cos() as f32;
            t.s[k] = angle(k).sin() as f32;
            for v in 0..HALF {
                t.row_c[k][v] = angle(v * k).cos() as f32;
                t.row_s[k][v] = angle(v * k).sin() as f32;
            }
        }
        for v in 0..HALF {
            let weight = if v == 0 || 2 * v == N { 1.0 } else { 2.0 } / (N * N) as f64;
            for q in 0..T {
                t.inv_c[v][q] = (weight * angle(v * q).cos()) as f32;
                t.inv_s[v][q] = (weight * angle(v * q).sin()) as f32;
            }
        }
        t
    }
}

/// A tile's spectrum: real and imaginary parts, row u, bins v in lanes (zero past HALF).
type Spectrum = ([[f32; L]; N], [[f32; L]; N]);

/// The kernel in the frequency domain, one packed GEMM operand per bin.
#[derive(Clone, Debug)]
pub struct Spectral {
    c: usize,
    o: usize,
    /// Per bin: 2O rows × 7 depth taps × 2C, rows (Re, then Im of each output), columns
    /// (Re, then Im of each input).
    bins: Vec<Packed>,
}

impl Spectral {
    /// Whether a convolution has the shape this handles.
    pub fn applies(kernel: [usize; 3], pad: [usize; 3], stride: usize) -> bool {
        kernel == [K; 3] && pad == [PAD; 3] && stride == 1
    }

    /// From PyTorch's (O, C, 7, 7, 7) weights.
    pub fn new(isa: Isa, host: &[f32], c: usize, o: usize) -> Self {
        assert_eq!(host.len(), o * c * K * K * K);
        // Spectra of every (o, c, kz) slice, in f64: spec[(bin·O + o)·C·K + c·K + kz].
        let mut re = vec![0f64; BINS * o * c * K];
        let mut im = vec![0f64; BINS * o * c * K];
        // cos and sin of 2π·k/N.
        let (cos, sin): (Vec<f64>, Vec<f64>) = (0..N)
            .map(|k| {
                let a = 2.0 * std::f64::consts::PI * k as f64 / N as f64;
                (a.cos(), a.sin())
            })
            .unzip();
        for oc in 0..o {
            for ch in 0..c {
                for kz in 0..K {
                    let g = &host[((oc * c + ch) * K + kz) * K * K..][..K * K];
                    // Along x: rows[ky][v] = Σ_kx g[ky][kx] e^{−i 2π v kx / N}.
                    let mut rows = [[(0f64, 0f64); HALF]; K];
                    for (ky, row) in rows.iter_mut().enumerate() {
                        for (v, r) in row.iter_mut().enumerate() {
                            for kx in 0..K {
                                let k = (v * kx) % N;
                                let x = g[ky * K + kx] as f64;
                                r.0 += x * cos[k];
                                r.1 -= x * sin[k];
                            }
                        }
                    }
                    // Along y.
                    for u in 0..N {
                        for v in 0..HALF {
                            let (mut sr, mut si) = (0f64, 0f64);
                            for (ky, row) in rows.iter().enumerate() {
                                let k = (u * ky) % N;
                                let (cr, ci) = (cos[k], -sin[k]);
                                let (r, i) = row[v];
                                sr += r * cr - i * ci;
                                si += r * ci + i * cr;
                            }
                            let at = ((u * HALF + v) * o + oc) * c * K + ch * K + kz;
                            re[at] = sr;
                            im[at] = si;
                        }
                    }
                }
            }
        }
        // Y = X · conj(Kf): Yr = Xr·Kr + Xi·Ki, Yi = Xi·Kr − Xr·Ki.
        let bins = (0..BINS)
            .map(|b| {
                Packed::new(isa, 2 * o, 2 * c, K, |row, kz, k| {
                    let (oc, imag_out) = (row % o, row >= o);
                    let (ch, imag_in) = (k % c, k >= c);
                    let at = (b * o + oc) * c * K + ch * K + kz;
                    let (kr, ki) = (re[at], im[at]);
                    (match (imag_out, imag_in) {
                        (false, false) => kr,
                        (false, true) => ki,
                        (true, false) => -ki,
                        (true, true) => kr,
                    }) as f32
                })
            })
            .collect();
        Self { c, o, bins }
    }

    /// The instruction set its GEMM operands are packed for.
    pub fn isa(&self) -> Isa {
        self.bins[0].layout().isa()
    }

    /// One batch item: x (C, D, H, W) → out (O, D, H, W), the raw sums (no bias).
    pub fn forward(&self, x: &[f32], (d, h, w): (usize, usize, usize), out: &mut [f32]) {
        let (c, o) = (self.c, self.o);
        assert_eq!(x.len(), c * d * h * w);
        assert_eq!(out.len(), o * d * h * w);
        let isa = self.isa();
        let tables = Tables::new();
        let (ty_n, tx_n) = (h.div_ceil(T), w.div_ceil(T));
        let zp = d + 2 * PAD;
        // Tile rows per chunk: the chunk's transformed input under CHUNK_BYTES.
        let per_row = BINS * 2 * c * zp * tx_n * 4;
        let rows_per_chunk = (CHUNK_BYTES / per_row.max(1)).clamp(1, ty_n);
        let mut ty0 = 0;
        while ty0 < ty_n {
            let rows = rows_per_chunk.min(ty_n - ty0);
            let tiles = rows * tx_n;
            // X[bin][k][z][tile], k < C the real parts, k ≥ C the imaginary ones; the depth
            // padding stays zero.
            let ldb = zp * tiles;
            let mut xs = vec![0f32; BINS * 2 * c * ldb];
            let xs_ptr = SharedMut(xs.as_mut_ptr());
            let flops = (c * d * tiles) as f64 * 12_000.0;
            threads::for_each(c * d, flops, |i| {
                let (ch, z) = (i / d, i % d);
                let plane = &x[(ch * d + z) * h * w..][..h * w];
                for t in 0..tiles {
                    let (ty, tx) = (ty0 + t / tx_n, t % tx_n);
                    let (sr, si) = forward_tile(isa, &tables, plane, (h, w), (ty * T, tx * T));
                    for u in 0..N {
                        for v in 0..HALF {
                            let b = u * HALF + v;
                            let at = |k: usize| ((b * 2 * c + k) * zp + z + PAD) * tiles + t;
                            // SAFETY: (ch, z, t) is written by this task only, inside xs.
                            unsafe {
                                *xs_ptr.ptr().add(at(ch)) = sr[u][v];
                                *xs_ptr.ptr().add(at(c + ch)) = si[u][v];
                            }
                        }
                    }
                }
            });
            // Y[bin] (2O × D·tiles) = Σ_kz A[bin, kz] · X[bin] shifted by kz planes.
            let n = d * tiles;
            let mut ys = vec![0f32; BINS * 2 * o * n];
            let ys_ptr = SharedMut(ys.as_mut_ptr());
            let offsets: Vec<usize> = (0..K).map(|kz| kz * tiles).collect();
            let flops = (BINS * 8 * o * c * K * n) as f64;
            threads::for_each(BINS, flops, |b| {
                // SAFETY: bin b's X is 2C rows of `ldb` values and the last tap's columns end
                // at (K − 1)·tiles + n = ldb; bin b's Y is written by this task only.
                unsafe {
                    self.bins[b].gemm(
                        xs.as_ptr().add(b * 2 * c * ldb),
                        ldb,
                        &offsets,
                        n,
                        ys_ptr.ptr().add(b * 2 * o * n),
                        n,
                        false,
                    )
                };
            });
            drop(xs);
            // Back to space, per (output channel, depth).
            let dst = SharedMut(out.as_mut_ptr());
            let flops = (o * n) as f64 * 4_000.0;
            threads::for_each(o * d, flops, |i| {
                let (oc, z) = (i / d, i % d);
                // SAFETY: plane (oc, z) is written by this task only.
                let plane = unsafe {
                    std::slice::from_raw_parts_mut(dst.ptr().add((oc * d + z) * h * w), h * w)
                };
                let mut spec: Spectrum = ([[0.0; L]; N], [[0.0; L]; N]);
                for t in 0..tiles {
                    let col = z * tiles + t;
                    for u in 0..N {
                        for v in 0..HALF {
                            let base = (u * HALF + v) * 2 * o * n;
                            spec.0[u][v] = ys[base + oc * n + col];
                            spec.1[u][v] = ys[base + (o + oc) * n + col];
                        }
                    }
                    let (ty, tx) = (ty0 + t / tx_n, t % tx_n);
                    inverse_tile(isa, &tables, &spec, plane, (h, w), (ty * T, tx * T));
                }
            });
            ty0 += rows;
        }
    }
}

super::simd::per_isa! {
    /// The 22×22 window at (y0 − 3, x0 − 3) of `plane` (zero outside) → its spectrum,
    /// X[u][v] = Σ_a Σ_b x[a][b] e^{−i 2π (u a + v b) / N}.
    fn forward_tile(t: &Tables, plane: &[f32], hw: (usize, usize), at: (usize, usize)) -> Spectrum = forward_tile_any
}

#[inline(always)]
fn forward_tile_any(
    t: &Tables,
    plane: &[f32],
    (h, w): (usize, usize),
    (y0, x0): (usize, usize),
) -> Spectrum {
    // Along x, row by row (rows outside the plane stay zero and are skipped below).
    let mut rr = [[0f32; L]; N];
    let mut ri = [[0f32; L]; N];
    let mut inside = [false; N];
    for a in 0..N {
        let Some(y) = (y0 + a).checked_sub(PAD).filter(|&y| y < h) else {
            continue;
        };
        inside[a] = true;
        let row = &plane[y * w..(y + 1) * w];
        for b in 0..N {
            let Some(xx) = (x0 + b).checked_sub(PAD).filter(|&xx| xx < w) else {
                continue;
            };
            let v0 = row[xx];
            for v in 0..L {
                rr[a][v] += v0 * t.row_c[b][v];
                ri[a][v] -= v0 * t.row_s[b][v];
            }
        }
    }
    // Along y.
    let mut out: Spectrum = ([[0.0; L]; N], [[0.0; L]; N]);
    for u in 0..N {
        let (sr, si) = (&mut out.0[u], &mut out.1[u]);
        for a in 0..N {
            if !inside[a] {
                continue;
            }
            let k = (u * a) % N;
            let (cr, ci) = (t.c[k], -t.s[k]);
            for v in 0..L {
                sr[v] += rr[a][v] * cr - ri[a][v] * ci;
                si[v] += rr[a][v] * ci + ri[a][v] * cr;
            }
        }
    }
    out
}

super::simd::per_isa! {
    /// A tile's product spectrum back to its 16×16 outputs at (y0, x0) of `plane` (those
    /// inside it): y[p][q] = (1/N²) Σ_u Σ_v Y[u][v] e^{i 2π (u p + v q) / N}, the half
    /// spectrum standing for the whole (Hermitian).
    fn inverse_tile(
        t: &Tables,
        spec: &Spectrum,
        plane: &mut [f32],
        hw: (usize, usize),
        at: (usize, usize),
    ) = inverse_tile_any
}

#[inline(always)]
fn inverse_tile_any(
    t: &Tables,
    (yr, yi): &Spectrum,
    plane: &mut [f32],
    (h, w): (usize, usize),
    (y0, x0): (usize, usize),
) {
    for p in 0..T.min(h - y0) {
        // Along y: z[v] = Σ_u Y[u][v] e^{i 2π u p / N}.
        let mut zr = [0f32; L];
        let mut zi = [0f32; L];
        for u in 0..N {
            let k = (u * p) % N;
            let (cr, ci) = (t.c[k], t.s[k]);
            for v in 0..L {
                zr[v] += yr[u][v] * cr - yi[u][v] * ci;
                zi[v] += yr[u][v] * ci + yi[u][v] * cr;
            }
        }
        // Along x, to real values.
        let mut acc = [0f32; L];
        for v in 0..HALF {
            for ((a, &c), &s) in acc.iter_mut().zip(&t.inv_c[v]).zip(&t.inv_s[v]) {
                *a += zr[v] * c - zi[v] * s;
            }
        }
        let n = T.min(w - x0);
        plane[(y0 + p) * w + x0..][..n].copy_from_slice(&acc[..n]);
    }
}
