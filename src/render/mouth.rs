//! The mouth interior. When the target mouth opens wider than the source's, the warp alone
//! would stretch the lips across the gap; instead the inside is painted: a dark cavity in the
//! portrait's own lip colour, darker towards the back, and a band of upper teeth in a light,
//! slightly warm tone taken from the face, all feathered into the lips.

use image::RgbImage;

use crate::motion::retarget::{dist, eye_distance};

const INNER: [usize; 8] = [60, 61, 62, 63, 64, 65, 66, 67];

/// Colours for the inside of the mouth, sampled once from the source.
pub struct MouthInterior {
    cavity: [f32; 3],
    teeth: [f32; 3],
    /// The source's own inner-lip opening, as a fraction of the eye distance.
    source_open: f32,
}

/// Mean gap of the three inner-lip pairs, as a fraction of the eye distance.
fn opening(p: &[[f32; 2]]) -> f32 {
    let gap = |a: usize, b: usize| dist(p[a], p[b]);
    (gap(61, 67) + gap(62, 66) + gap(63, 65)) / 3.0 / eye_distance(p)
}

impl MouthInterior {
    pub fn new(src: &RgbImage, lm: &[[f32; 2]]) -> Self {
        let sample = |p: [f32; 2]| -> [f32; 3] {
            let x = (p[0].max(0.0) as u32).min(src.width().saturating_sub(1));
            let y = (p[1].max(0.0) as u32).min(src.height().saturating_sub(1));
            let q = src.get_pixel(x, y).0;
            [q[0] as f32, q[1] as f32, q[2] as f32]
        };
        let avg = |idx: &[usize]| {
            let mut s = [0.0f32; 3];
            for &i in idx {
                let c = sample(lm[i]);
                for k in 0..3 {
                    s[k] += c[k] / idx.len() as f32;
                }
            }
            s
        };
        // Lip colour from the middle of the lips (between outer and inner contours).
        let mid: Vec<[f32; 2]> = [(50, 61), (51, 62), (52, 63), (58, 67), (57, 66), (56, 65)]
            .iter()
            .map(|&(o, i)| [(lm[o][0] + lm[i][0]) / 2.0, (lm[o][1] + lm[i][1]) / 2.0])
            .collect();
        let mut lip = [0.0f32; 3];
        for p in &mid {
            let c = sample(*p);
            for k in 0..3 {
                lip[k] += c[k] / mid.len() as f32;
            }
        }
        let cavity = [lip[0] * 0.28, lip[1] * 0.16, lip[2] * 0.16];
        // Teeth: as light as the portrait's own near-white — the brightest few percent of the
        // face and its surroundings (a catch light, a collar, varnished highlights) — in the
        // skin's hue at 70 % of its saturation, so they sit in the picture's light and tint (a
        // sky or a blue collar being the brightest thing must not make them blue).
        let white = face_white(src, lm);
        let third = |a: usize, b: usize, c: usize| {
            [
                (lm[a][0] + lm[b][0] + lm[c][0]) / 3.0,
                (lm[a][1] + lm[b][1] + lm[c][1]) / 3.0,
            ]
        };
        let cheeks = [
            sample(third(1, 31, 40)),
            sample(third(15, 35, 47)),
            avg(&[28, 29]),
        ];
        let skin: [f32; 3] =
            std::array::from_fn(|k| cheeks.iter().map(|c| c[k]).sum::<f32>() / 3.0);
        let luma = |c: &[f32; 3]| 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
        let (ls, lw) = (luma(&skin).max(1.0), luma(&white));
        let teeth: [f32; 3] =
            std::array::from_fn(|k| (lw * (1.0 + 0.7 * (skin[k] / ls - 1.0))).clamp(0.0, 255.0));
        Self {
            cavity,
            teeth,
            source_open: opening(lm),
        }
    }

    /// The colours in use (cavity, teeth), for tests and tuning.
    pub fn colours(&self) -> ([f32; 3], [f32; 3]) {
        (self.cavity, self.teeth)
    }

    /// Paint the inside of the mouth of `img` whose face now has landmarks `lm`.
    pub fn paint(&self, img: &mut RgbImage, lm: &[[f32; 2]]) {
        let extra = opening(lm) - self.source_open;
        // Fade in over the first few percent of extra opening: no pop.
        let strength = ((extra - 0.015) / 0.05).clamp(0.0, 1.0);
        if strength <= 0.0 {
            return;
        }
        let poly: Vec<[f32; 2]> = INNER.iter().map(|&i| lm[i]).collect();
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in &poly {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let (w, h) = (img.width() as i64, img.height() as i64);
        let x0 = (lo[0].floor() as i64 - 1).clamp(0, w);
        let x1 = (hi[0].ceil() as i64 + 1).clamp(0, w);
        let y0 = (lo[1].floor() as i64 - 1).clamp(0, h);
        let y1 = (hi[1].ceil() as i64 + 1).clamp(0, h);
        // The mouth's own axes: along the lips and across them.
        let (l, r) = (lm[60], lm[64]);
        let along = {
            let d = [r[0] - l[0], r[1] - l[1]];
            let n = (d[0] * d[0] + d[1] * d[1]).sqrt().max(1e-3);
            [d[0] / n, d[1] / n]
        };
        let down = [-along[1], along[0]];
        let centre = [(l[0] + r[0]) / 2.0, (l[1] + r[1]) / 2.0];
        let half_width = (dist(l, r) / 2.0).max(1.0);
        let top = |q: [f32; 2]| (q[0] - centre[0]) * down[0] + (q[1] - centre[1]) * down[1];
        let upper = (top(lm[61]) + top(lm[62]) + top(lm[63])) / 3.0;
        let lower = (top(lm[65]) + top(lm[66]) + top(lm[67])) / 3.0;
        let gap = (lower - upper).max(1.0);
        // Feather in proportion to the face: soft at any resolution.
        let feather = (0.02 * eye_distance(lm)).max(1.5);
        // The picture's own fine texture (brush strokes, craquelure, film grain) is kept on
        // the painted inside: the warped pixels' difference from their 3×3 mean.
        let detail = |img: &RgbImage, x: i64, y: i64, k: usize| -> f32 {
            let mut sum = 0.0f32;
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (xx, yy) = ((x + dx).clamp(0, w - 1), (y + dy).clamp(0, h - 1));
                    sum += img.get_pixel(xx as u32, yy as u32).0[k] as f32;
                }
            }
            img.get_pixel(x as u32, y as u32).0[k] as f32 - sum / 9.0
        };
        let mut fill: Vec<(u32, u32, f32, [f32; 3])> = Vec::new();
        for y in y0..y1 {
            for x in x0..x1 {
                let p = [x as f32 + 0.5, y as f32 + 0.5];
                let d = signed_distance(&poly, p);
                let a = ((d + 0.5) / feather).clamp(0.0, 1.0) * strength;
                if a <= 0.0 {
                    continue;
                }
                let u =
                    ((p[0] - centre[0]) * along[0] + (p[1] - centre[1]) * along[1]) / half_width;
                let v = (top(p) - upper) / gap;
                // Teeth: the top ~40 % of the opening, fading towards the corners and shaded
                // darker at their lower edge.
                let teeth_a = (1.0 - ((v - 0.16) / 0.2).abs()).clamp(0.0, 1.0).sqrt()
                    * (1.0 - u.abs().powi(3)).clamp(0.0, 1.0);
                let teeth_shade = 1.0 - 0.35 * ((v - 0.05) / 0.3).clamp(0.0, 1.0);
                let shade = 0.7 + 0.3 * (1.0 - u.abs());
                let c: [f32; 3] = std::array::from_fn(|k| {
                    self.cavity[k] * shade * (1.0 - teeth_a)
                        + self.teeth[k] * teeth_shade * teeth_a
                        + 0.6 * detail(img, x, y, k)
                });
                fill.push((x as u32, y as u32, a, c));
            }
        }
        for (x, y, a, c) in fill {
            let px = img.get_pixel_mut(x, y);
            for (old, new) in px.0.iter_mut().zip(c) {
                let o = *old as f32;
                *old = (o + (new - o) * a).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// A light, nearly neutral tone from the brightest pixels around the face.
fn face_white(src: &RgbImage, lm: &[[f32; 2]]) -> [f32; 3] {
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for p in lm {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    // The face box grown by half its size on each side.
    let (bw, bh) = (hi[0] - lo[0], hi[1] - lo[1]);
    let x0 = (lo[0] - bw / 2.0).max(0.0) as u32;
    let y0 = (lo[1] - bh / 2.0).max(0.0) as u32;
    let x1 = ((hi[0] + bw / 2.0) as u32).min(src.width());
    let y1 = ((hi[1] + bh / 2.0) as u32).min(src.height());
    let mut px: Vec<[f32; 3]> = Vec::new();
    for y in (y0..y1).step_by(2) {
        for x in (x0..x1).step_by(2) {
            let q = src.get_pixel(x, y).0;
            px.push([q[0] as f32, q[1] as f32, q[2] as f32]);
        }
    }
    if px.is_empty() {
        return [220.0, 214.0, 200.0];
    }
    let luma = |c: &[f32; 3]| 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
    px.sort_by(|a, b| luma(b).total_cmp(&luma(a)));
    let top = &px[..(px.len() / 30).max(1)];
    let mut m = [0.0f32; 3];
    for c in top {
        for k in 0..3 {
            m[k] += c[k] / top.len() as f32;
        }
    }
    let l = luma(&m);
    // A quarter of the way to neutral grey of the same lightness, at 85 % of it, never dark.
    let level = (l * 0.85).max(140.0);
    let mut out = [0.0f32; 3];
    for k in 0..3 {
        let tinted = m[k] / l.max(1.0) * level;
        out[k] = (0.75 * tinted + 0.25 * level).clamp(0.0, 255.0);
    }
    out
}

/// Distance from `p` to the polygon's edge: positive inside, negative outside.
fn signed_distance(poly: &[[f32; 2]], p: [f32; 2]) -> f32 {
    let mut inside = false;
    let mut best = f32::MAX;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if p[0] < x {
                inside = !inside;
            }
        }
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = (dx * dx + dy * dy).max(1e-9);
        let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
        let (qx, qy) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
        best = best.min((qx * qx + qy * qy).sqrt());
    }
    if inside { best } else { -best }
}
