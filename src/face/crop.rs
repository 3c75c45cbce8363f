//! Cropping faces out of an image for the networks: an affine map from the network's input
//! square to the image (scale, rotation, translation) sampled bilinearly.
//!
//! Conventions: continuous coordinates put pixel (i, j)'s centre at (i + 0.5, j + 0.5); pixels
//! outside the image read as black. When the crop shrinks the image by more than 2×, the image
//! is first box-filtered by an integer factor so small inputs are not aliased (a 6000-pixel
//! painting scan letterboxed to 128 would otherwise be sampled at one pixel in 47).

use image::RgbImage;

/// Output continuous (u, v) → image continuous (x, y): x = a·u + b·v + tx, y = c·u + d·v + ty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    pub a: f32,
    pub b: f32,
    pub c: f32,
    pub d: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Affine {
    /// The square crop of side `side` (image pixels) centred at (cx, cy), rotated by `angle`
    /// radians (positive turns the crop's x axis towards the image's y axis), sampled to `out`
    /// pixels.
    pub fn rotated_square(cx: f32, cy: f32, side: f32, angle: f32, out: usize) -> Self {
        let s = side / out as f32;
        let (sin, cos) = angle.sin_cos();
        let half = out as f32 / 2.0;
        // p = c + R · s · (u − half)
        let (a, b, c, d) = (cos * s, -sin * s, sin * s, cos * s);
        Affine {
            a,
            b,
            c,
            d,
            tx: cx - (a * half + b * half),
            ty: cy - (c * half + d * half),
        }
    }

    pub fn apply(&self, u: f32, v: f32) -> (f32, f32) {
        (
            self.a * u + self.b * v + self.tx,
            self.c * u + self.d * v + self.ty,
        )
    }

    /// Image pixels per output pixel.
    pub fn scale(&self) -> f32 {
        (self.a * self.d - self.b * self.c).abs().sqrt()
    }
}

/// Integer box-filter factor used before sampling at `scale` image pixels per output pixel.
pub fn prefilter_factor(scale: f32) -> usize {
    let k = (scale / 2.0).floor();
    if k >= 2.0 { k as usize } else { 1 }
}

/// Sample `out_w × out_h` RGB pixels (HWC, values 0–255 as f32) through `map`.
pub fn warp_rgb(img: &RgbImage, map: &Affine, out_w: usize, out_h: usize) -> Vec<f32> {
    let k = prefilter_factor(map.scale());
    let mut out = vec![0f32; out_w * out_h * 3];
    let (w, h) = (img.width() as usize, img.height() as usize);
    if k == 1 {
        let src = img.as_raw();
        sample(src, w, h, map, 1.0, out_w, out_h, &mut out);
        return out;
    }
    // Box-filter only the blocks the crop can reach, on a grid aligned to the image origin.
    let (bw, bh) = (w / k, h / k);
    let mut xs = [0f32; 4];
    let mut ys = [0f32; 4];
    for (i, (u, v)) in [
        (0., 0.),
        (out_w as f32, 0.),
        (0., out_h as f32),
        (out_w as f32, out_h as f32),
    ]
    .into_iter()
    .enumerate()
    {
        let (x, y) = map.apply(u, v);
        xs[i] = x / k as f32;
        ys[i] = y / k as f32;
    }
    let clampi = |v: f32, hi: usize| (v.max(0.0) as usize).min(hi);
    let x0 = clampi(xs.iter().cloned().fold(f32::MAX, f32::min) - 2.0, bw);
    let x1 = clampi(xs.iter().cloned().fold(f32::MIN, f32::max) + 2.0, bw);
    let y0 = clampi(ys.iter().cloned().fold(f32::MAX, f32::min) - 2.0, bh);
    let y1 = clampi(ys.iter().cloned().fold(f32::MIN, f32::max) + 2.0, bh);
    let mut small = vec![0u8; bw * bh * 3];
    let src = img.as_raw();
    let area = (k * k) as u32;
    for by in y0..y1 {
        for bx in x0..x1 {
            let mut acc = [0u32; 3];
            for yy in by * k..(by + 1) * k {
                let row = &src[(yy * w + bx * k) * 3..(yy * w + (bx + 1) * k) * 3];
                for px in row.chunks_exact(3) {
                    acc[0] += px[0] as u32;
                    acc[1] += px[1] as u32;
                    acc[2] += px[2] as u32;
                }
            }
            let o = (by * bw + bx) * 3;
            for ch in 0..3 {
                // Rounded mean, half up.
                small[o + ch] = ((acc[ch] + area / 2) / area) as u8;
            }
        }
    }
    sample(&small, bw, bh, map, 1.0 / k as f32, out_w, out_h, &mut out);
    out
}

#[allow(clippy::too_many_arguments)]
fn sample(
    src: &[u8],
    w: usize,
    h: usize,
    map: &Affine,
    zoom: f32,
    out_w: usize,
    out_h: usize,
    out: &mut [f32],
) {
    let px = |x: isize, y: isize, ch: usize| -> f32 {
        if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
            0.0
        } else {
            src[(y as usize * w + x as usize) * 3 + ch] as f32
        }
    };
    for v in 0..out_h {
        for u in 0..out_w {
            let (x, y) = map.apply(u as f32 + 0.5, v as f32 + 0.5);
            let (x, y) = (x * zoom - 0.5, y * zoom - 0.5);
            let (ix, iy) = (floor(x), floor(y));
            let (dx, dy) = (x - ix as f32, y - iy as f32);
            let o = (v * out_w + u) * 3;
            let dst = &mut out[o..o + 3];
            if ix >= 0 && iy >= 0 && (ix as usize) + 1 < w && (iy as usize) + 1 < h {
                // Inside: all four neighbours exist (the common case, without bounds logic).
                let i00 = (iy as usize * w + ix as usize) * 3;
                let i10 = i00 + w * 3;
                let p00 = &src[i00..i00 + 6];
                let p10 = &src[i10..i10 + 6];
                for ch in 0..3 {
                    let top = p00[ch] as f32 * (1.0 - dx) + p00[ch + 3] as f32 * dx;
                    let bot = p10[ch] as f32 * (1.0 - dx) + p10[ch + 3] as f32 * dx;
                    dst[ch] = top * (1.0 - dy) + bot * dy;
                }
            } else {
                for (ch, d) in dst.iter_mut().enumerate() {
                    let top = px(ix, iy, ch) * (1.0 - dx) + px(ix + 1, iy, ch) * dx;
                    let bot = px(ix, iy + 1, ch) * (1.0 - dx) + px(ix + 1, iy + 1, ch) * dx;
                    *d = top * (1.0 - dy) + bot * dy;
                }
            }
        }
    }
}

/// floor() without a libm call (baseline x86-64 has no SSE4.1 round instruction); coordinates
/// far outside any image saturate, which reads as black like any other outside pixel.
#[inline(always)]
fn floor(v: f32) -> isize {
    let t = v as isize;
    if (t as f32) > v { t - 1 } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_crop_reproduces_pixels() {
        let img = RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 10, y as u8 * 10, 7]));
        let map = Affine::rotated_square(8.0, 8.0, 16.0, 0.0, 16);
        let out = warp_rgb(&img, &map, 16, 16);
        assert_eq!(out[(3 * 16 + 5) * 3], 50.0);
        assert_eq!(out[(3 * 16 + 5) * 3 + 1], 30.0);
    }

    #[test]
    fn rotation_turns_the_image() {
        // A quarter turn: the crop's x axis runs down the image.
        let img = RgbImage::from_fn(9, 9, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let map = Affine::rotated_square(4.5, 4.5, 9.0, std::f32::consts::FRAC_PI_2, 9);
        let out = warp_rgb(&img, &map, 9, 9);
        // Output (u=8, v=4) looks at image x≈4, y≈8.
        let o = (4 * 9 + 8) * 3;
        assert!((out[o] - 4.0).abs() < 1e-3 && (out[o + 1] - 8.0).abs() < 1e-3);
    }

    #[test]
    fn big_downscale_is_box_filtered() {
        // A 1-pixel checkerboard averages to grey instead of aliasing to black or white.
        let img = RgbImage::from_fn(512, 512, |x, y| {
            let v = if (x + y) % 2 == 0 { 255 } else { 0 };
            image::Rgb([v, v, v])
        });
        let map = Affine::rotated_square(256.0, 256.0, 512.0, 0.0, 64);
        let out = warp_rgb(&img, &map, 64, 64);
        let centre = out[(32 * 64 + 32) * 3];
        assert!((centre - 127.5).abs() < 2.0, "{centre}");
    }
}
