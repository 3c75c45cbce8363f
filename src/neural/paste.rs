//! Paste-back: the generator's square face crop put back into the full-resolution portrait.
//!
//! Each portrait pixel near the face looks up its place in the crop (through the crop's
//! similarity) and blends the generated colour in under a feathered mask: 1 over the face,
//! easing to 0 well inside the crop's edge, so no seam or colour step shows. Pixels the mask
//! does not reach are the portrait's own, exactly, and the output has the portrait's size.

use image::RgbImage;

use crate::geometry::Similarity;

/// Mask radius (fraction of the crop's half side, in a rounded-square norm) inside which the
/// crop is taken whole, and where it has faded out. The reference's crop is 2.3× the face's
/// landmark extent, so the face ends near 0.45 and the hair and neck fade in between.
const INNER: f32 = 0.62;
const OUTER: f32 = 0.92;

/// The paste-back mask at crop position (u, v) in [−1, 1]² (centre 0).
pub fn mask(u: f32, v: f32) -> f32 {
    // A superellipse (power 4): round at the corners, nearly square along the sides.
    let r = (u.powi(4) + v.powi(4)).sqrt().sqrt();
    let t = ((OUTER - r) / (OUTER - INNER)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Bilinear sample of an RGB crop (HWC, 0–255) at continuous (x, y) (pixel centres at
/// i + 0.5), clamped at the edges.
fn sample(crop: &[f32], n: usize, x: f32, y: f32) -> [f32; 3] {
    let fx = (x - 0.5).clamp(0.0, (n - 1) as f32);
    let fy = (y - 0.5).clamp(0.0, (n - 1) as f32);
    let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(n - 1), (y0 + 1).min(n - 1));
    let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
    let px = |xx: usize, yy: usize, c: usize| crop[(yy * n + xx) * 3 + c];
    std::array::from_fn(|c| {
        let top = px(x0, y0, c) * (1.0 - ax) + px(x1, y0, c) * ax;
        let bottom = px(x0, y1, c) * (1.0 - ax) + px(x1, y1, c) * ax;
        top * (1.0 - ay) + bottom * ay
    })
}

/// `source` with the `n`² RGB crop (HWC, 0–255) blended back where `to_crop` (source pixels
/// → crop pixels) placed it.
pub fn paste_back(source: &RgbImage, crop: &[f32], n: usize, to_crop: &Similarity) -> RgbImage {
    let mut out = source.clone();
    if n == 0 || crop.len() != n * n * 3 {
        return out;
    }
    let (w, h) = source.dimensions();
    let from_crop = to_crop.inverse();
    // Only the part of the portrait the mask can reach: the crop's corners, bounded.
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (u, v) in [
        (0.0, 0.0),
        (n as f32, 0.0),
        (0.0, n as f32),
        (n as f32, n as f32),
    ] {
        let p = from_crop.apply([u, v]);
        (x0, y0, x1, y1) = (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1]));
    }
    let xs = (x0.floor().max(0.0) as u32).min(w)..(x1.ceil().max(0.0) as u32).min(w);
    let ys = (y0.floor().max(0.0) as u32).min(h)..(y1.ceil().max(0.0) as u32).min(h);
    let half = n as f32 / 2.0;
    for y in ys {
        for x in xs.clone() {
            let c = to_crop.apply([x as f32 + 0.5, y as f32 + 0.5]);
            let m = mask(c[0] / half - 1.0, c[1] / half - 1.0);
            if m <= 0.0 {
                continue;
            }
            let g = sample(crop, n, c[0], c[1]);
            let px = out.get_pixel_mut(x, y);
            for k in 0..3 {
                let v = px[k] as f32 + m * (g[k] - px[k] as f32);
                px[k] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_is_whole_in_the_middle_and_gone_at_the_edges() {
        assert_eq!(mask(0.0, 0.0), 1.0);
        assert_eq!(mask(0.5, 0.3), 1.0);
        assert_eq!(mask(0.95, 0.0), 0.0);
        assert_eq!(mask(0.8, 0.8), 0.0);
        let mid = mask(0.77, 0.0);
        assert!(mid > 0.2 && mid < 0.8, "{mid}");
        // Monotone along a ray.
        let mut last = 1.0;
        for i in 0..=100 {
            let m = mask(i as f32 / 100.0, 0.0);
            assert!(m <= last);
            last = m;
        }
    }
}
