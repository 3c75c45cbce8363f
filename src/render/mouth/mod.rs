//! The mouth interior. When the target mouth opens wider than the source's, the warp alone
//! would stretch the lips across the gap; instead the inside is painted inside a smooth inner
//! lip line: a dark cavity in the portrait's own lip colour, deepest in the middle, the upper
//! teeth hanging from the upper lip in a light tone taken from the face (shaded by the lip,
//! fading into the corners), and, when wide open, the tongue's warmth low in the middle, all
//! feathered into the lips. When a clip drives the face, the inside comes from the driver's
//! own mouth in that frame instead (`from_clip`), the painted one its fallback.

pub mod for_voice;
pub mod from_clip;

use image::RgbImage;

use crate::geometry::{Face68, dist, parts, piecewise_linear, segment_distance};

pub use self::for_voice::{Viseme, Visemes};
pub use self::from_clip::{ClipMouth, DriverMouth, MouthFit};

/// Colours for the inside of the mouth, sampled once from the source.
pub struct MouthInterior {
    cavity: [f32; 3],
    teeth: [f32; 3],
    /// The skin's colour (cheeks and the nose's bridge): the clip's mouth is carried into
    /// the portrait's light by it.
    skin: [f32; 3],
    /// The lips' colour (between their outer and inner lines): the clip's lips and tongue
    /// are carried into the portrait's palette by it.
    lips: [f32; 3],
    /// The source's own inner-lip opening, as a fraction of the eye distance.
    source_open: f32,
}

/// Outer and inner lip points whose midpoints lie on the lips themselves.
const LIP_MIDDLES: [(usize, usize); 6] =
    [(50, 61), (51, 62), (52, 63), (58, 67), (57, 66), (56, 65)];

/// Mean gap of the three inner-lip pairs, as a fraction of the eye distance.
pub(crate) fn opening(p: &Face68) -> f32 {
    let gaps: f32 = parts::INNER_LIP_PAIRS
        .iter()
        .map(|&(a, b)| dist(p[a], p[b]))
        .sum();
    gaps / parts::INNER_LIP_PAIRS.len() as f32 / p.eye_distance()
}

impl MouthInterior {
    pub fn new(src: &RgbImage, lm: &Face68) -> Self {
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
        let mid: Vec<[f32; 2]> = LIP_MIDDLES
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
        let [right, left, _] = lm.skin_spots();
        let cheeks = [sample(right), sample(left), avg(&[28, 29])];
        let skin: [f32; 3] =
            std::array::from_fn(|k| cheeks.iter().map(|c| c[k]).sum::<f32>() / 3.0);
        let luma = |c: &[f32; 3]| 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
        let (ls, lw) = (luma(&skin).max(1.0), luma(&white));
        let teeth: [f32; 3] =
            std::array::from_fn(|k| (lw * (1.0 + 0.7 * (skin[k] / ls - 1.0))).clamp(0.0, 255.0));
        Self {
            cavity,
            teeth,
            skin,
            lips: lip,
            source_open: opening(lm),
        }
    }

    /// The colours in use (cavity, teeth), for tests and tuning.
    pub fn colours(&self) -> ([f32; 3], [f32; 3]) {
        (self.cavity, self.teeth)
    }

    /// The source's skin colour, 0–255.
    pub fn skin(&self) -> [f32; 3] {
        self.skin
    }

    /// The source's lip colour, 0–255.
    pub fn lips(&self) -> [f32; 3] {
        self.lips
    }

    /// Paint the inside of the mouth of `img` whose face now has landmarks `lm`: from the
    /// driving clip's mouth (`clip`) where it has one, else painted.
    pub fn paint(&self, img: &mut RgbImage, lm: &Face68, clip: Option<&ClipMouth>) {
        let extra = opening(lm) - self.source_open;
        // Fade in over the first few percent of extra opening: no pop.
        let strength = ((extra - 0.015) / 0.05).clamp(0.0, 1.0);
        if strength <= 0.0 {
            return;
        }
        // The inner lip line as a smooth curve: eight points joined by straight edges make a
        // trapezoid with a ruler-straight upper lip.
        let poly = smooth_closed(lm.part(parts::INNER_LIPS), 6);
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
        let axes = |q: [f32; 2]| {
            let (dx, dy) = (q[0] - centre[0], q[1] - centre[1]);
            [
                (dx * along[0] + dy * along[1]) / half_width,
                dx * down[0] + dy * down[1],
            ]
        };
        // Upper and lower lip edges across the mouth (u from -1 to 1), from the curve: the
        // teeth hang from the upper edge wherever it is, not from a straight average line.
        let edges = LipEdges::new(&poly.iter().map(|&p| axes(p)).collect::<Vec<_>>());
        let eye = lm.eye_distance();
        // Upper teeth show about as much as in life: a fixed height under the lip, less
        // where the gap is narrow (the lower ones stay behind the lower lip).
        let upper_teeth = 0.12 * eye;
        // Feather in proportion to the face: soft at any resolution.
        let feather = (0.02 * eye).max(1.5);
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
        let smooth = |e0: f32, e1: f32, x: f32| {
            let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
            t * t * (3.0 - 2.0 * t)
        };
        let tongue: [f32; 3] = std::array::from_fn(|k| self.cavity[k] * 1.9);
        let real = clip.map_or(0.0, |m| m.weight());
        let mut fill: Vec<(u32, u32, f32, [f32; 3])> = Vec::new();
        for y in y0..y1 {
            for x in x0..x1 {
                let p = [x as f32 + 0.5, y as f32 + 0.5];
                let d = signed_distance(&poly, p);
                let a = ((d + 0.5) / feather).clamp(0.0, 1.0) * strength;
                if a <= 0.0 {
                    continue;
                }
                let [u, t] = axes(p);
                let (top, bottom) = edges.at(u);
                let gap = (bottom - top).max(1.0);
                let (below_top, above_bottom) = (t - top, bottom - t);
                // Corners recede into shadow; the teeth follow the arch and fade there too.
                let arch = (1.0 - u.abs().powi(4)).clamp(0.0, 1.0);
                let reach = upper_teeth.min(0.4 * gap) * (0.5 + 0.5 * arch);
                // With a real mouth laid in, its own teeth are the teeth: painted ones left in
                // the corners beyond it read as fangs.
                let teeth_a =
                    (1.0 - smooth(0.6 * reach, 1.1 * reach, below_top)) * arch * (1.0 - real);
                // The upper lip shades the top of the teeth.
                let teeth_shade =
                    (0.72 + 0.2 * smooth(0.0, 0.4 * reach, below_top)) * (0.8 + 0.2 * arch);
                // Depth: darkest in the middle of the opening, lighter at the lip edges, and a
                // tongue's warmth low in the middle when the mouth is wide.
                let depth = 4.0 * (below_top / gap) * (above_bottom / gap);
                let shade = (0.85 - 0.25 * depth.clamp(0.0, 1.0)) * (0.7 + 0.3 * arch);
                let tongue_a = smooth(0.5, 0.9, 1.0 - above_bottom / gap)
                    * smooth(0.15 * eye, 0.35 * eye, gap)
                    * arch
                    * 0.6;
                // Texture: the picture's grain on the teeth; little in the cavity, where the
                // warped pixels are lips stretched into streaks.
                let grain = 0.1 + 0.5 * teeth_a;
                let mut c: [f32; 3] = std::array::from_fn(|k| {
                    let inside = self.cavity[k] * shade * (1.0 - tongue_a) + tongue[k] * tongue_a;
                    inside * (1.0 - teeth_a)
                        + self.teeth[k] * teeth_shade * teeth_a
                        + grain * detail(img, x, y, k)
                });
                if let Some((clip, (from, take))) = clip.and_then(|m| Some((m, m.colour(p)?))) {
                    // The driver's mouth keeps a little of the picture's grain, as painted
                    // teeth do: a painting's mouth must look painted.
                    for k in 0..3 {
                        let drawn = from[k] + 0.3 * detail(img, x, y, k);
                        c[k] += (drawn - c[k]) * clip.weight() * take;
                    }
                }
                fill.push((x as u32, y as u32, a, c));
            }
        }
        for (x, y, a, c) in fill {
            super::blend(&mut img.get_pixel_mut(x, y).0, c, a);
        }
    }
}

/// A closed centripetal Catmull-Rom curve through `points`, `per_edge` samples between each
/// pair. Centripetal: knots spaced by the square root of the distance, so nearly touching
/// points (the inner lips near the corners) make no loops or spikes.
fn smooth_closed(points: &[[f32; 2]], per_edge: usize) -> Vec<[f32; 2]> {
    let n = points.len();
    let mut out = Vec::with_capacity(n * per_edge);
    let knot = |a: [f32; 2], b: [f32; 2]| dist(a, b).sqrt().max(1e-3);
    let lerp = |a: [f32; 2], b: [f32; 2], ta: f32, tb: f32, t: f32| -> [f32; 2] {
        let f = (t - ta) / (tb - ta);
        [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f]
    };
    for i in 0..n {
        let (p0, p1, p2, p3) = (
            points[(i + n - 1) % n],
            points[i],
            points[(i + 1) % n],
            points[(i + 2) % n],
        );
        let t0 = 0.0;
        let t1 = t0 + knot(p0, p1);
        let t2 = t1 + knot(p1, p2);
        let t3 = t2 + knot(p2, p3);
        for s in 0..per_edge {
            let t = t1 + (t2 - t1) * s as f32 / per_edge as f32;
            // Barry and Goldman's pyramid.
            let a1 = lerp(p0, p1, t0, t1, t);
            let a2 = lerp(p1, p2, t1, t2, t);
            let a3 = lerp(p2, p3, t2, t3, t);
            let b1 = lerp(a1, a2, t0, t2, t);
            let b2 = lerp(a2, a3, t1, t3, t);
            out.push(lerp(b1, b2, t1, t2, t));
        }
    }
    out
}

/// The upper and lower edges of the opening, as depth across the mouth against position
/// along it, read off the curve in mouth axes (u along, t down).
struct LipEdges {
    /// (u, t) pairs sorted by u.
    upper: Vec<[f32; 2]>,
    lower: Vec<[f32; 2]>,
}

impl LipEdges {
    fn new(curve: &[[f32; 2]]) -> Self {
        // The curve starts at the left corner (point 60) and reaches the right one (64)
        // half-way round: the first half is the upper lip, the second the lower.
        let half = curve.len() / 2;
        let mut upper: Vec<[f32; 2]> = curve[..=half].to_vec();
        let mut lower: Vec<[f32; 2]> = curve[half..].to_vec();
        lower.push(curve[0]);
        upper.sort_by(|a, b| a[0].total_cmp(&b[0]));
        lower.sort_by(|a, b| a[0].total_cmp(&b[0]));
        Self { upper, lower }
    }

    fn at(&self, u: f32) -> (f32, f32) {
        (
            piecewise_linear(&self.upper, u),
            piecewise_linear(&self.lower, u),
        )
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
        best = best.min(segment_distance(p, a, b));
    }
    if inside { best } else { -best }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inner lips as the 68-point model gives them: corners, then upper left to right, then
    /// lower right to left; `gap` apart in the middle.
    fn inner_lips(gap: f32) -> Vec<[f32; 2]> {
        vec![
            [0.0, 0.0],
            [25.0, -2.0],
            [50.0, -3.0],
            [75.0, -2.0],
            [100.0, 0.0],
            [75.0, gap - 2.0],
            [50.0, gap - 1.0],
            [25.0, gap - 2.0],
        ]
    }

    #[test]
    fn the_inner_lip_curve_passes_its_points_without_spikes() {
        // Nearly touching lips are where a uniform spline loops and spikes.
        for gap in [0.2f32, 2.0, 30.0] {
            let points = inner_lips(gap);
            let curve = smooth_closed(&points, 6);
            assert_eq!(curve.len(), 48);
            for (i, p) in points.iter().enumerate() {
                assert!(dist(curve[i * 6], *p) < 1e-3, "gap {gap}: point {i}");
            }
            let (lo, hi) = (points.iter().map(|p| p[1]).fold(f32::MAX, f32::min), gap);
            for q in &curve {
                assert!((-1.0..=101.0).contains(&q[0]), "gap {gap}: {q:?}");
                assert!(q[1] >= lo - 1.0 && q[1] <= hi + 1.0, "gap {gap}: {q:?}");
            }
            // The edges read off it: the upper above the lower across the mouth.
            let edges = LipEdges::new(&curve);
            let (top, bottom) = edges.at(50.0);
            assert!((top + 3.0).abs() < 0.5 && (bottom - (gap - 1.0)).abs() < 0.5);
        }
    }
}
