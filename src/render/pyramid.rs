//! Sampling the source where the face shrinks: a mip pyramid (the source at halving sizes,
//! each level the 2×2 box average of the one above) and trilinear lookups into it. A triangle
//! drawn smaller than its source would otherwise skip source pixels and alias (moiré on fine
//! hair, fabric, canvas texture); reading the level whose pixels are as large as one output
//! pixel prefilters it. The GPU back end uploads these same levels, so both sample alike.

use image::RgbImage;

/// Levels of detail below this count as 0 (plain bilinear): the slight shrinks of ordinary
/// head motion need no prefilter, and the 0-level path is the fast one.
pub const MIN_LOD: f32 = 1.0 / 32.0;
/// Enough for a face drawn at 1/256 of its source size.
const MAX_LEVELS: usize = 9;

/// The source and its halvings; level 0 is the source itself.
pub struct Pyramid {
    levels: Vec<RgbImage>,
}

impl Pyramid {
    pub fn new(source: RgbImage) -> Self {
        let mut levels = vec![source];
        while levels.len() < MAX_LEVELS {
            let prev = &levels[levels.len() - 1];
            let (w, h) = prev.dimensions();
            if w <= 1 && h <= 1 {
                break;
            }
            levels.push(halve(prev));
        }
        Self { levels }
    }

    pub fn levels(&self) -> &[RgbImage] {
        &self.levels
    }

    pub fn base(&self) -> &RgbImage {
        &self.levels[0]
    }

    /// A sampler fixed at level of detail `lod` (> 0; below `MIN_LOD` the source is read
    /// directly with `bilinear_u8`), for a run of lookups at that level.
    pub fn at_lod(&self, lod: f32) -> Trilinear<'_> {
        let last = self.levels.len() - 1;
        let lod = lod.clamp(0.0, last as f32);
        let lo = (lod.floor() as usize).min(last);
        let hi = (lo + 1).min(last);
        let (w0, h0) = self.levels[0].dimensions();
        let level = |k: usize| {
            let l = &self.levels[k];
            let (w, h) = l.dimensions();
            Level {
                raw: l.as_raw(),
                w: w as usize,
                h: h as usize,
                sx: w as f32 / w0 as f32,
                sy: h as f32 / h0 as f32,
            }
        };
        Trilinear {
            lo: level(lo),
            hi: level(hi),
            t: if hi == lo { 0.0 } else { lod - lo as f32 },
        }
    }
}

/// One pyramid level, with its size relative to the source.
struct Level<'a> {
    raw: &'a [u8],
    w: usize,
    h: usize,
    sx: f32,
    sy: f32,
}

impl Level<'_> {
    /// Level-0 pixel-index position → this level's (odd sizes round down when halved, so the
    /// normalised position is what both levels share).
    #[inline]
    fn at(&self, x: f32, y: f32) -> [f32; 3] {
        bilinear(
            self.raw,
            self.w,
            self.h,
            (x + 0.5) * self.sx - 0.5,
            (y + 0.5) * self.sy - 0.5,
        )
    }
}

/// Lookups between two pyramid levels.
pub struct Trilinear<'a> {
    lo: Level<'a>,
    hi: Level<'a>,
    t: f32,
}

impl Trilinear<'_> {
    /// The pixel at level-0 position (`x`, `y`); writes 3 bytes to `out`.
    #[inline]
    pub fn sample(&self, x: f32, y: f32, out: &mut [u8]) {
        let a = self.lo.at(x, y);
        if self.t == 0.0 {
            for c in 0..3 {
                out[c] = (a[c] + 0.5) as u8;
            }
            return;
        }
        let b = self.hi.at(x, y);
        for c in 0..3 {
            out[c] = (a[c] + (b[c] - a[c]) * self.t + 0.5) as u8;
        }
    }
}

/// Level of detail of an affine map whose source step per output pixel is (`a`, `d`) along x
/// and (`b`, `e`) along y: log2 of the longer step, so the larger shrink sets the blur (a
/// little soft along the other axis rather than aliased along this one).
pub fn lod(a: f32, b: f32, d: f32, e: f32) -> f32 {
    let rho = a.hypot(d).max(b.hypot(e));
    if rho <= 1.0 {
        0.0
    } else {
        let l = rho.log2();
        if l < MIN_LOD { 0.0 } else { l }
    }
}

/// Half size, rounded down as GPUs size their mip levels; each pixel the box average of the
/// 2×2 block above it, the last row or column of an odd size taking in the leftover one too
/// (a 3-wide box) so no source pixel is dropped.
fn halve(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let (nw, nh) = ((w / 2).max(1), (h / 2).max(1));
    let raw = img.as_raw();
    let (w, h) = (w as usize, h as usize);
    let span = |i: usize, n: usize, size: usize| {
        let lo = (2 * i).min(size - 1);
        let hi = if i + 1 == n { size - 1 } else { 2 * i + 1 };
        lo..=hi.max(lo)
    };
    let mut out = Vec::with_capacity(nw as usize * nh as usize * 3);
    for y in 0..nh as usize {
        let ys = span(y, nh as usize, h);
        for x in 0..nw as usize {
            let xs = span(x, nw as usize, w);
            let mut sum = [0u32; 3];
            let mut n = 0u32;
            for sy in ys.clone() {
                for sx in xs.clone() {
                    let i = (sy * w + sx) * 3;
                    for c in 0..3 {
                        sum[c] += raw[i + c] as u32;
                    }
                    n += 1;
                }
            }
            out.extend(sum.map(|v| ((v + n / 2) / n) as u8));
        }
    }
    RgbImage::from_raw(nw, nh, out).unwrap_or_else(|| RgbImage::new(nw, nh))
}

/// Bilinear lookup with clamped edges, rounded to bytes in `out` (the source-size path).
#[inline]
pub fn bilinear_u8(src: &[u8], w: usize, h: usize, x: f32, y: f32, out: &mut [u8]) {
    let v = bilinear(src, w, h, x, y);
    for c in 0..3 {
        out[c] = (v[c] + 0.5) as u8;
    }
}

/// Bilinear lookup with clamped edges, unrounded.
#[inline]
pub(crate) fn bilinear(src: &[u8], w: usize, h: usize, x: f32, y: f32) -> [f32; 3] {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let i00 = (y0 * w + x0) * 3;
    let i01 = (y0 * w + x1) * 3;
    let i10 = (y1 * w + x0) * 3;
    let i11 = (y1 * w + x1) * 3;
    let mut out = [0.0; 3];
    for c in 0..3 {
        let top = src[i00 + c] as f32 + (src[i01 + c] as f32 - src[i00 + c] as f32) * fx;
        let bot = src[i10 + c] as f32 + (src[i11 + c] as f32 - src[i10 + c] as f32) * fx;
        out[c] = top + (bot - top) * fy;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_halve_and_average() {
        let img = RgbImage::from_fn(5, 4, |x, _| image::Rgb([(x * 50) as u8, 7, 255]));
        let p = Pyramid::new(img);
        let dims: Vec<(u32, u32)> = p.levels().iter().map(|l| l.dimensions()).collect();
        // Sizes as a GPU's mip chain has them (halved, rounded down).
        assert_eq!(dims, vec![(5, 4), (2, 2), (1, 1)]);
        // Columns 0 and 1 (0, 50) average to 25; the last takes in the odd column:
        // (100 + 150 + 200) / 3.
        assert_eq!(p.levels()[1].get_pixel(0, 0).0, [25, 7, 255]);
        assert_eq!(p.levels()[1].get_pixel(1, 1).0, [150, 7, 255]);
    }

    #[test]
    fn lod_follows_the_longer_step() {
        assert_eq!(lod(1.0, 0.0, 0.0, 1.0), 0.0);
        assert_eq!(lod(0.5, 0.0, 0.0, 0.5), 0.0);
        assert!((lod(2.0, 0.0, 0.0, 1.0) - 1.0).abs() < 1e-6);
        assert!((lod(0.0, 4.0, 0.0, 0.0) - 2.0).abs() < 1e-6);
        assert_eq!(lod(1.01, 0.0, 0.0, 1.0), 0.0);
    }
}
