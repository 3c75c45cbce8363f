//! Expression details: the creases the driver's expression makes (the forehead raised, the
//! brows drawn together, the nasolabial folds of a smile, crow's feet) carried onto the
//! portrait's skin as a ratio image (after Averbuch-Elor et al., *Bringing Portraits to Life*,
//! 2017). In the face frame (`motion::details`) the driving frame's brightness over the
//! reference frame's is what the expression changed; its fine scale (a crease, not the light
//! moving over a turning head) is kept and multiplied into the portrait where its face is at
//! the same place of the layout.
//!
//! What the 68 points do not align from frame to frame (a lid's edge, a brow's hair, a nostril,
//! the lips) would come out as ghost edges, so the ratio is read only on skin that creases,
//! only where the reference is flat (a crease appears on smooth skin; an edge that was there
//! already is misalignment), and only past a threshold above a webcam's noise. On the portrait
//! it is laid only on pixels of its own skin's colour (not hair, spectacles or a hand).

use std::sync::Arc;

use image::RgbImage;

use crate::geometry::{Face68, dist, mean, parts};
use crate::motion::details::{
    DetailFrame, DetailGeometry, PATCH_H, PATCH_W, barycentric, layout_points,
};

/// Below this change of brightness (as a natural log, about 2.5 %) the ratio is a webcam's
/// noise and compression, not a crease.
const THRESHOLD: f32 = 0.025;
/// The most a crease darkens or lightens (as a log: about 30 %).
const LIMIT: f32 = 0.35;
/// The fine scale kept: what changes within this share of an eye distance.
const SCALE: f32 = 0.15;
/// The reference's own relative gradient (per patch pixel) at which the ratio counts half:
/// smooth skin is well under it, an edge that misaligns well over.
const FLAT: f32 = 0.03;
/// Brightness offset in the ratio, so dark pixels do not make large ratios of small numbers.
const DARK: f32 = 8.0;

/// One frame's expression details: the log of the brightness change, per face-frame pixel.
pub struct DetailLayer<'a> {
    geometry: &'a DetailGeometry,
    gain: Vec<f32>,
}

/// The driving face at rest, laid flat and read once: what every frame's details are
/// measured against.
pub struct AtRest {
    geometry: Arc<DetailGeometry>,
    /// 1 where a face-frame pixel lies in the face, else 0.
    valid: Vec<f32>,
    /// Its brightness, lightly blurred.
    luma: Vec<f32>,
    /// Per pixel, how much a change there may be a crease, as far as the face at rest tells:
    /// skin that creases, flat there (an edge already there is misalignment), and near the
    /// driver's skin brightness.
    weight: Vec<f32>,
    /// The driver's own skin brightness (the median over the skin that creases): what is far
    /// darker or brighter in either frame is hair, background or a hand crossing the face,
    /// moved against the 68 points, not a crease (a crease darkens by a third at most).
    skin_l: f32,
}

impl AtRest {
    /// `frame` as the face at rest; `None` when its face was not found.
    pub fn new(frame: &DetailFrame) -> Option<Self> {
        if !frame.found {
            return None;
        }
        let g = &*frame.geometry;
        let valid: Vec<f32> = (0..PATCH_W * PATCH_H)
            .map(|i| f32::from(u8::from(g.locate(i % PATCH_W, i / PATCH_W).is_some())))
            .collect();
        let r = blur(&brightness(&frame.luma), &valid, 1);
        let mut on_skin: Vec<f32> = (0..r.len())
            .filter(|&i| g.skin[i] > 0.5)
            .map(|i| r[i])
            .collect();
        on_skin.sort_by(f32::total_cmp);
        let skin_l = on_skin
            .get(on_skin.len() / 2)
            .copied()
            .unwrap_or(128.0)
            .max(16.0);
        let mut weight = vec![0.0f32; PATCH_W * PATCH_H];
        for y in 1..PATCH_H - 1 {
            for x in 1..PATCH_W - 1 {
                let i = y * PATCH_W + x;
                let skin = g.skin[i];
                if skin == 0.0 {
                    continue;
                }
                let gx = (r[i + 1] - r[i - 1]) / 2.0;
                let gy = (r[i + PATCH_W] - r[i - PATCH_W]) / 2.0;
                let grad = (gx * gx + gy * gy).sqrt() / (r[i] + DARK);
                let flat = 1.0 / (1.0 + (grad / FLAT).powi(2));
                weight[i] = flat * skin * like(r[i], skin_l);
            }
        }
        Some(Self {
            geometry: frame.geometry.clone(),
            valid,
            luma: r,
            weight,
            skin_l,
        })
    }

    /// The details `now` shows against the face at rest; `None` when its face was not found
    /// or it is of another layout.
    pub fn layer(&self, now: &DetailFrame) -> Option<DetailLayer<'_>> {
        let g = &*self.geometry;
        if !now.found || *now.geometry != *g {
            return None;
        }
        let r = &self.luma;
        let n = blur(&brightness(&now.luma), &self.valid, 1);
        let ratio: Vec<f32> = r
            .iter()
            .zip(&n)
            .map(|(r, n)| ((n + DARK) / (r + DARK)).ln())
            .collect();
        let radius = (SCALE * g.eye_distance()).round().max(2.0) as usize;
        let coarse = blur(&ratio, &self.valid, radius);
        let gain = (0..PATCH_W * PATCH_H)
            .map(|i| {
                let weight = self.weight[i];
                if weight == 0.0 {
                    return 0.0;
                }
                let fine = ratio[i] - coarse[i];
                let past = (fine.abs() - THRESHOLD).clamp(0.0, LIMIT) * fine.signum();
                // A crease changes the skin's brightness locally, not its mean: where the
                // mean moved far, something else (the background round a turned head) came in.
                let steady = ((0.15 - coarse[i].abs()) / 0.08).clamp(0.0, 1.0);
                past * steady * weight * like(n[i], self.skin_l)
            })
            .collect();
        Some(DetailLayer { geometry: g, gain })
    }
}

/// Brightness bytes as numbers.
fn brightness(v: &[u8]) -> Vec<f32> {
    v.iter().map(|&b| f32::from(b)).collect()
}

/// How near brightness `l` is to the driver's skin's (`skin_l`): 1 from 0.6 to 1.6 times it,
/// none below a half or above 1.7 times.
fn like(l: f32, skin_l: f32) -> f32 {
    let q = l / skin_l;
    ((q - 0.5) / 0.1).clamp(0.0, 1.0) * ((1.7 - q) / 0.1).clamp(0.0, 1.0)
}

/// A box blur of `radius` over the pixels where `valid` is 1 (the rest neither read nor
/// written: 0).
fn blur(v: &[f32], valid: &[f32], radius: usize) -> Vec<f32> {
    let pass = |src: &[f32], wsrc: &[f32], along_x: bool| -> (Vec<f32>, Vec<f32>) {
        let (mut out, mut wout) = (vec![0.0f32; src.len()], vec![0.0f32; src.len()]);
        let (len, lines) = if along_x {
            (PATCH_W, PATCH_H)
        } else {
            (PATCH_H, PATCH_W)
        };
        let at = |line: usize, k: usize| {
            if along_x {
                line * PATCH_W + k
            } else {
                k * PATCH_W + line
            }
        };
        for line in 0..lines {
            let (mut s, mut w) = (0.0f32, 0.0f32);
            // A running window [k - radius, k + radius].
            for k in 0..radius.min(len) {
                s += src[at(line, k)] * wsrc[at(line, k)];
                w += wsrc[at(line, k)];
            }
            for k in 0..len {
                if k + radius < len {
                    s += src[at(line, k + radius)] * wsrc[at(line, k + radius)];
                    w += wsrc[at(line, k + radius)];
                }
                if k > radius {
                    s -= src[at(line, k - radius - 1)] * wsrc[at(line, k - radius - 1)];
                    w -= wsrc[at(line, k - radius - 1)];
                }
                out[at(line, k)] = if w > 1e-3 { s / w } else { 0.0 };
                wout[at(line, k)] = w;
            }
        }
        (out, wout)
    };
    let (h, hw) = pass(v, valid, true);
    let hw: Vec<f32> = hw.iter().map(|&w| f32::from(u8::from(w > 1e-3))).collect();
    let (vv, _) = pass(&h, &hw, false);
    vv.iter()
        .zip(valid)
        .map(|(x, &ok)| if ok > 0.0 { *x } else { 0.0 })
        .collect()
}

impl DetailLayer<'_> {
    /// Nothing to lay on (no crease past the threshold).
    pub fn is_empty(&self) -> bool {
        self.gain.iter().all(|&g| g == 0.0)
    }

    /// The largest change it makes, as a log of brightness (for tests and diagnostics).
    pub fn strongest(&self) -> f32 {
        self.gain.iter().fold(0.0f32, |m, g| m.max(g.abs()))
    }

    /// The log change of brightness per face-frame pixel (`PATCH_W` × `PATCH_H`).
    pub fn gains(&self) -> &[f32] {
        &self.gain
    }

    /// The gain at face-frame point `p` (bilinear; 0 outside).
    fn at(&self, p: [f32; 2]) -> f32 {
        let (x, y) = (p[0] - 0.5, p[1] - 0.5);
        if !(0.0..(PATCH_W - 1) as f32).contains(&x) || !(0.0..(PATCH_H - 1) as f32).contains(&y) {
            return 0.0;
        }
        let (x0, y0) = (x as usize, y as usize);
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let g = |x: usize, y: usize| self.gain[y * PATCH_W + x];
        let top = g(x0, y0) * (1.0 - fx) + g(x0 + 1, y0) * fx;
        let bottom = g(x0, y0 + 1) * (1.0 - fx) + g(x0 + 1, y0 + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// Lay the details onto `img`, a portrait whose face is now at `target`, `strength` times
    /// the driver's own (1: the same change of brightness), on the pixels of `tone`.
    pub fn paint(&self, img: &mut RgbImage, target: &Face68, strength: f32, tone: &SkinTone) {
        if strength <= 0.0 || self.is_empty() {
            return;
        }
        let here = layout_points(target);
        let (w, h) = (img.width() as i64, img.height() as i64);
        let g = self.geometry;
        // Triangles may overlap where the face turns; each pixel is changed once.
        let (mut lo, mut hi) = ([i64::MAX; 2], [i64::MIN; 2]);
        for p in &here {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k].floor() as i64);
                hi[k] = hi[k].max(p[k].ceil() as i64);
            }
        }
        let (x0, y0) = (lo[0].clamp(0, w), lo[1].clamp(0, h));
        let (x1, y1) = (hi[0].clamp(0, w), hi[1].clamp(0, h));
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let bw = (x1 - x0) as usize;
        let mut done = vec![false; bw * (y1 - y0) as usize];
        for t in &g.triangles {
            let [a, b, c] = t.map(|i| here[i]);
            let [fa, fb, fc] = t.map(|i| g.points[i]);
            let tx0 = (a[0].min(b[0]).min(c[0]).floor() as i64).max(x0);
            let tx1 = (a[0].max(b[0]).max(c[0]).ceil() as i64).min(x1 - 1);
            let ty0 = (a[1].min(b[1]).min(c[1]).floor() as i64).max(y0);
            let ty1 = (a[1].max(b[1]).max(c[1]).ceil() as i64).min(y1 - 1);
            for y in ty0..=ty1 {
                for x in tx0..=tx1 {
                    let seen = &mut done[(y - y0) as usize * bw + (x - x0) as usize];
                    if *seen {
                        continue;
                    }
                    let p = [x as f32 + 0.5, y as f32 + 0.5];
                    let Some(wt) = barycentric(p, a, b, c) else {
                        continue;
                    };
                    *seen = true;
                    let f = [
                        wt[0] * fa[0] + wt[1] * fb[0] + wt[2] * fc[0],
                        wt[0] * fa[1] + wt[1] * fb[1] + wt[2] * fc[1],
                    ];
                    let gain = self.at(f);
                    if gain == 0.0 {
                        continue;
                    }
                    let px = img.get_pixel_mut(x as u32, y as u32);
                    let like = tone.likeness(px.0);
                    if like == 0.0 {
                        continue;
                    }
                    let k = (strength * gain * like).exp();
                    for c in px.0.iter_mut() {
                        *c = (f32::from(*c) * k).round().clamp(0.0, 255.0) as u8;
                    }
                }
            }
        }
    }
}

/// The portrait's skin colour: brightness and two colour differences, their mean and spread
/// on the cheeks, the forehead and the nose's bridge.
#[derive(Clone, Copy, Debug)]
pub struct SkinTone {
    mean: [f32; 3],
    spread: [f32; 3],
}

/// Brightness and the red and blue differences from it.
fn tone_of(c: [u8; 3]) -> [f32; 3] {
    let [r, g, b] = c.map(f32::from);
    let l = 0.299 * r + 0.587 * g + 0.114 * b;
    [l, r - l, b - l]
}

impl SkinTone {
    /// The skin of the portrait `img`, its face at `face`.
    pub fn of(img: &RgbImage, face: &Face68) -> Self {
        let down = face.down();
        let brows = mean(&face.pick(&parts::BROW_ARCH));
        let up = 0.12 * dist(brows, face[parts::CHIN]);
        let [right, left, bridge] = face.skin_spots();
        let spots = [
            right,
            left,
            bridge,
            [brows[0] - down[0] * up, brows[1] - down[1] * up],
        ];
        let r = (0.04 * face.eye_distance()).round().max(1.0) as i64;
        let (w, h) = (img.width() as i64, img.height() as i64);
        let mut samples = Vec::new();
        for p in spots {
            for dy in -r..=r {
                for dx in -r..=r {
                    let x = (p[0] as i64 + dx).clamp(0, w - 1) as u32;
                    let y = (p[1] as i64 + dy).clamp(0, h - 1) as u32;
                    samples.push(tone_of(img.get_pixel(x, y).0));
                }
            }
        }
        let n = samples.len() as f32;
        let m: [f32; 3] = std::array::from_fn(|k| samples.iter().map(|s| s[k]).sum::<f32>() / n);
        let sd: [f32; 3] = std::array::from_fn(|k| {
            (samples.iter().map(|s| (s[k] - m[k]).powi(2)).sum::<f32>() / n).sqrt()
        });
        // Light falls off across a face (a painting's shadowed cheek is still skin): the
        // brightness gets a wider floor than the colour.
        Self {
            mean: m,
            spread: [sd[0].max(28.0), sd[1].max(7.0), sd[2].max(7.0)],
        }
    }

    /// How much colour `c` is this skin: 1 within two spreads, 0 past three.
    pub fn likeness(&self, c: [u8; 3]) -> f32 {
        let t = tone_of(c);
        let d2: f32 = (0..3)
            .map(|k| ((t[k] - self.mean[k]) / self.spread[k]).powi(2))
            .sum();
        ((9.0 - d2) / 5.0).clamp(0.0, 1.0)
    }
}
