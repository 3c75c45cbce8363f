//! Eyes that open wider than the portrait's. The warp alone would stretch what lies between the
//! lids — the iris drawn into a tall oval, its catch lights into streaks — as the driver's
//! lids part. The eyeball does not move with the lids: inside the opened eye, where the
//! portrait's lids showed it clear of their rims, each pixel is the portrait's own at the same
//! place in the eye's frame (the corners fixed, no stretch); towards each lid, the portrait's
//! rim there (white and iris in the lid's shadow) is spread over the wider gap, and inside the
//! iris's circle (found as the darkest span between the lids) it takes the iris's colour, so
//! the iris opens round. Painted after the warp, as the mouth's inside is, on either back end.

use image::RgbImage;

use super::pyramid::bilinear;
use crate::geometry::{Face68, Similarity, dist, piecewise_linear};

/// The portrait's colour at picture point `q` (bilinear, pixel centres at +0.5).
fn sample(src: &RgbImage, q: [f32; 2]) -> [f32; 3] {
    bilinear(
        src.as_raw(),
        src.width() as usize,
        src.height() as usize,
        q[0] - 0.5,
        q[1] - 0.5,
    )
}

/// One eye's points: the corner the axis starts from, the upper lid's two, the other corner,
/// the lower lid's two (below the upper ones, in the same order).
struct EyePoints {
    corners: (usize, usize),
    upper: [usize; 2],
    lower: [usize; 2],
}

const EYES: [EyePoints; 2] = [
    EyePoints {
        corners: (36, 39),
        upper: [37, 38],
        lower: [41, 40],
    },
    EyePoints {
        corners: (42, 45),
        upper: [43, 44],
        lower: [47, 46],
    },
];

/// An eye in its own frame: u from 0 at the first corner to 1 at the other, v across it
/// (down the face positive), both in eye widths.
#[derive(Clone, Copy)]
struct Frame {
    into: Similarity,
    out: Similarity,
    /// The eye's width in the picture's pixels.
    width: f32,
}

impl Frame {
    fn of(p: &Face68, e: &EyePoints) -> Self {
        let (a, b) = (p[e.corners.0], p[e.corners.1]);
        let into = Similarity::fit(&[a, b], &[[0.0, 0.0], [1.0, 0.0]]);
        Self {
            into,
            out: into.inverse(),
            width: dist(a, b).max(1e-3),
        }
    }

    fn to_eye(self, q: [f32; 2]) -> [f32; 2] {
        self.into.apply(q)
    }

    fn to_image(self, q: [f32; 2]) -> [f32; 2] {
        self.out.apply(q)
    }
}

/// The lids as v against u (eye frame): the corners, then the two lid points.
#[derive(Clone, Copy)]
struct Lids {
    upper: [[f32; 2]; 4],
    lower: [[f32; 2]; 4],
}

impl Lids {
    fn of(p: &Face68, e: &EyePoints, f: &Frame) -> Self {
        let (a, b) = (f.to_eye(p[e.corners.0]), f.to_eye(p[e.corners.1]));
        let mut upper = [a, f.to_eye(p[e.upper[0]]), f.to_eye(p[e.upper[1]]), b];
        let mut lower = [a, f.to_eye(p[e.lower[0]]), f.to_eye(p[e.lower[1]]), b];
        upper.sort_by(|x, y| x[0].total_cmp(&y[0]));
        lower.sort_by(|x, y| x[0].total_cmp(&y[0]));
        Self { upper, lower }
    }

    /// (upper, lower) lid at u.
    fn at(&self, u: f32) -> (f32, f32) {
        (
            piecewise_linear(&self.upper, u),
            piecewise_linear(&self.lower, u),
        )
    }

    /// Mean gap at the two lid points, in eye widths.
    fn opening(&self) -> f32 {
        let (a, b) = (self.upper[1][0], self.upper[2][0]);
        let gap = |u: f32| {
            let (t, d) = self.at(u);
            (d - t).max(0.0)
        };
        (gap(a) + gap(b)) / 2.0
    }
}

/// What the portrait's eye gives: its frame, its lids and its iris (eye frame).
struct SourceEye {
    frame: Frame,
    lids: Lids,
    /// Centre (u, v), radius and median colour, when an iris stands out.
    iris: Option<([f32; 2], f32, [f32; 3])>,
}

/// The portrait's two eyes, for filling them as they open.
pub struct EyeFill {
    eyes: Vec<SourceEye>,
}

/// How much of the gap at each u stays clear of the lids' own edge (the lash line and its
/// shadow are the lids', not the eye's), as a share of the gap.
const RIM: f32 = 0.18;

impl EyeFill {
    pub fn new(src: &RgbImage, lm: &Face68) -> Self {
        let eyes = EYES
            .iter()
            .map(|e| {
                let frame = Frame::of(lm, e);
                let lids = Lids::of(lm, e, &frame);
                read_eye(src, frame, lids)
            })
            .collect();
        Self { eyes }
    }

    /// Fill the eyes of `img`, whose face now has landmarks `lm`, where they open wider than
    /// the portrait's; `src` is the portrait.
    pub fn paint(&self, img: &mut RgbImage, src: &RgbImage, lm: &Face68) {
        for (e, s) in EYES.iter().zip(&self.eyes) {
            let frame = Frame::of(lm, e);
            let lids = Lids::of(lm, e, &frame);
            let (was, now) = (s.lids.opening(), lids.opening());
            // From 8 % wider on, in full by 25 %: a lid's tremor leaves the warp alone.
            let strength = ((now / was.max(1e-3) - 1.08) / 0.17).clamp(0.0, 1.0);
            if strength <= 0.0 || was < 0.02 {
                continue;
            }
            paint_eye(img, src, s, &frame, &lids, strength);
        }
    }
}

/// Columns across the eye the portrait's colours are read in.
const COLUMNS: usize = 24;

/// The median of colours, channel by channel (catch lights and lashes do not count).
fn median(mut c: Vec<[f32; 3]>) -> [f32; 3] {
    if c.is_empty() {
        return [0.0; 3];
    }
    std::array::from_fn(|k| {
        c.sort_by(|a, b| a[k].total_cmp(&b[k]));
        c[c.len() / 2][k]
    })
}

fn luma(c: &[f32; 3]) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

/// Read the portrait's eye: each column's colours between the lids, and the iris as the
/// darkest span across it, if it stands out.
fn read_eye(src: &RgbImage, frame: Frame, lids: Lids) -> SourceEye {
    let columns: Vec<(f32, Vec<[f32; 3]>)> = (0..COLUMNS)
        .map(|k| {
            let u = 0.12 + 0.76 * (k as f32 + 0.5) / COLUMNS as f32;
            let (t, d) = lids.at(u);
            let gap = d - t;
            let samples = (0..7)
                .map(|j| {
                    let v = t + gap * (RIM + (1.0 - 2.0 * RIM) * (j as f32 + 0.5) / 7.0);
                    sample(src, frame.to_image([u, v]))
                })
                .collect();
            (u, samples)
        })
        .collect();
    let mids: Vec<(f32, [f32; 3])> = columns
        .iter()
        .map(|(u, c)| (*u, median(c.clone())))
        .collect();
    let (lo, hi) = mids.iter().fold((f32::MAX, f32::MIN), |(a, b), c| {
        (a.min(luma(&c.1)), b.max(luma(&c.1)))
    });
    let mut iris = None;
    if hi - lo >= 25.0 {
        let dark = lo + 0.5 * (hi - lo);
        let darkest = (0..COLUMNS)
            .min_by(|&a, &b| luma(&mids[a].1).total_cmp(&luma(&mids[b].1)))
            .unwrap_or(0);
        let (mut first, mut last) = (darkest, darkest);
        while first > 0 && luma(&mids[first - 1].1) < dark {
            first -= 1;
        }
        while last + 1 < COLUMNS && luma(&mids[last + 1].1) < dark {
            last += 1;
        }
        let (u0, u1) = (mids[first].0, mids[last].0);
        let step = 0.76 / COLUMNS as f32;
        // An iris is about 0.4 of the eye's width across: its visible span, clamped to sense.
        let radius = ((u1 - u0 + step) / 2.0).clamp(0.12, 0.25);
        let u = (u0 + u1) / 2.0;
        let (t, d) = lids.at(u);
        let colour = median(
            columns[first..=last]
                .iter()
                .flat_map(|(_, c)| c.iter().copied())
                .collect(),
        );
        iris = Some(([u, (t + d) / 2.0], radius, colour));
    }
    SourceEye { frame, lids, iris }
}

fn paint_eye(
    img: &mut RgbImage,
    src: &RgbImage,
    s: &SourceEye,
    frame: &Frame,
    lids: &Lids,
    strength: f32,
) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    // The opened eye's box in the picture.
    let mut lo = [f32::MAX; 2];
    let mut hi = [f32::MIN; 2];
    for p in lids.upper.iter().chain(&lids.lower) {
        let q = frame.to_image(*p);
        for k in 0..2 {
            lo[k] = lo[k].min(q[k]);
            hi[k] = hi[k].max(q[k]);
        }
    }
    let x0 = (lo[0].floor() as i64 - 1).clamp(0, w);
    let x1 = (hi[0].ceil() as i64 + 1).clamp(0, w);
    let y0 = (lo[1].floor() as i64 - 1).clamp(0, h);
    let y1 = (hi[1].ceil() as i64 + 1).clamp(0, h);
    // A pixel's worth of feather at the lids, in eye widths.
    let feather = 1.0 / frame.width;
    for y in y0..y1 {
        for x in x0..x1 {
            let [u, v] = frame.to_eye([x as f32 + 0.5, y as f32 + 0.5]);
            if !(0.0..=1.0).contains(&u) {
                continue;
            }
            let (t, d) = lids.at(u);
            // Inside the opened lids, less their own rim (the warp's lash line stays).
            let gap = d - t;
            let inner = (v - t - RIM * 0.5 * gap).min(d - v - RIM * 0.5 * gap);
            let a = (inner / feather).clamp(0.0, 1.0) * strength;
            if a <= 0.0 {
                continue;
            }
            let c = fill_colour(s, src, u, v, (t, d));
            super::blend(&mut img.get_pixel_mut(x as u32, y as u32).0, c, a);
        }
    }
}

/// The colour at eye-frame point (u, v) of the opened eye, whose lids are at `(t, d)` there:
/// the portrait's own at the same place where its lids showed the eye clear of their rims;
/// between that and each lid, the portrait's rim there (the white and iris in the lid's
/// shadow) spread over the wider gap, meeting the lid's own line at the lid, so nothing is
/// cut. Inside the iris's circle the spread rim takes the iris's colour at its own shading,
/// so the iris opens round rather than as a stretched streak.
fn fill_colour(s: &SourceEye, src: &RgbImage, u: f32, v: f32, (t, d): (f32, f32)) -> [f32; 3] {
    let (ts, ds) = s.lids.at(u);
    let gap = (ds - ts).max(0.0);
    let (top, bottom) = (ts + RIM * gap, ds - RIM * gap);
    let spread = |from: (f32, f32), to: (f32, f32)| {
        if (to.1 - to.0).abs() < 1e-4 {
            from.0
        } else {
            from.0 + (v - to.0) * (from.1 - from.0) / (to.1 - to.0)
        }
    };
    let (vs, revealed) = if v < top && t < top {
        (spread((ts, top), (t, top)), true)
    } else if v > bottom && d > bottom {
        (spread((bottom, ds), (bottom, d)), true)
    } else {
        (v, false)
    };
    let c = sample(src, s.frame.to_image([u, vs]));
    match s.iris {
        Some(([cu, cv], r, iris)) if revealed => {
            // Inside the circle, softened over a pixel's worth at its edge; the rim's
            // brightness against the iris's keeps the lid's shadow on it.
            let edge = 1.0 / s.frame.width;
            let inside =
                ((r - ((u - cu).powi(2) + (v - cv).powi(2)).sqrt()) / edge + 0.5).clamp(0.0, 1.0);
            let shade = (luma(&c) / luma(&iris).max(1.0)).min(1.0);
            std::array::from_fn(|k| c[k] + (iris[k] * shade - c[k]) * inside)
        }
        _ => c,
    }
}
