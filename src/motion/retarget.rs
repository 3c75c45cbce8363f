//! Retargeting: the driving face's motion applied to the source face.
//!
//! Driving motion is split into head pose — a similarity (rotation, scale, translation)
//! fitted to points that move only with the head — and expression: the landmarks' offsets from
//! the reference frame once the pose is undone. Both are carried into the source face's own
//! frame (scaled and turned by the similarity between the two faces), weighted by separate
//! strengths, and clamped to shapes a face can make.

use serde::{Deserialize, Serialize};

/// Points that move with the head but not with expressions: nose bridge and tip, eye corners.
pub const POSE_POINTS: [usize; 9] = [27, 28, 29, 30, 33, 36, 39, 42, 45];

/// A 2-D similarity: p ↦ s·R(θ)·p + t, stored as [a, b, tx, ty] with a = s cos θ, b = s sin θ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    pub const IDENTITY: Self = Self {
        a: 1.0,
        b: 0.0,
        tx: 0.0,
        ty: 0.0,
    };

    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        [
            self.a * p[0] - self.b * p[1] + self.tx,
            self.b * p[0] + self.a * p[1] + self.ty,
        ]
    }

    /// The rotation and scale only (for offsets).
    pub fn apply_linear(&self, v: [f32; 2]) -> [f32; 2] {
        [self.a * v[0] - self.b * v[1], self.b * v[0] + self.a * v[1]]
    }

    pub fn inverse(&self) -> Self {
        let d = (self.a * self.a + self.b * self.b).max(1e-12);
        let (a, b) = (self.a / d, -self.b / d);
        Self {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }

    /// self ∘ other (apply `other` first).
    pub fn then_after(&self, other: &Self) -> Self {
        Self {
            a: self.a * other.a - self.b * other.b,
            b: self.b * other.a + self.a * other.b,
            tx: self.a * other.tx - self.b * other.ty + self.tx,
            ty: self.b * other.tx + self.a * other.ty + self.ty,
        }
    }

    pub fn scale(&self) -> f32 {
        (self.a * self.a + self.b * self.b).sqrt()
    }

    pub fn angle(&self) -> f32 {
        self.b.atan2(self.a)
    }

    /// Least-squares fit mapping `from` onto `to` (Umeyama, without reflection).
    pub fn fit(from: &[[f32; 2]], to: &[[f32; 2]]) -> Self {
        let n = from.len().min(to.len()).max(1) as f32;
        let mean = |v: &[[f32; 2]]| {
            let (sx, sy) = v.iter().fold((0.0, 0.0), |a, p| (a.0 + p[0], a.1 + p[1]));
            [sx / n, sy / n]
        };
        let (mf, mt) = (mean(from), mean(to));
        let (mut sxx, mut sab, mut sba) = (0.0f32, 0.0f32, 0.0f32);
        for (p, q) in from.iter().zip(to) {
            let (x, y) = (p[0] - mf[0], p[1] - mf[1]);
            let (u, v) = (q[0] - mt[0], q[1] - mt[1]);
            sxx += x * x + y * y;
            sab += x * u + y * v;
            sba += x * v - y * u;
        }
        let (a, b) = if sxx > 1e-9 {
            (sab / sxx, sba / sxx)
        } else {
            (1.0, 0.0)
        };
        Self {
            a,
            b,
            tx: mt[0] - (a * mf[0] - b * mf[1]),
            ty: mt[1] - (b * mf[0] + a * mf[1]),
        }
    }

    /// `t` of the way from identity to self (angle, log-scale and translation blended).
    pub fn partial(&self, t: f32) -> Self {
        let s = self.scale().max(1e-6).powf(t);
        let th = self.angle() * t;
        Self {
            a: s * th.cos(),
            b: s * th.sin(),
            tx: self.tx * t,
            ty: self.ty * t,
        }
    }
}

fn pick(points: &[[f32; 2]], idx: &[usize]) -> Vec<[f32; 2]> {
    idx.iter().map(|&i| points[i]).collect()
}

/// How motion is transferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Motion relative to the reference driving frame, added to the source's own face (keeps
    /// the source's identity and resting expression).
    #[default]
    Relative,
    /// The driving face's shape itself, placed where the source face is.
    Absolute,
}

/// Strengths, each 0–2 (1 = as driven).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Strengths {
    pub pose: f32,
    pub expression: f32,
    pub eyes: f32,
    pub mouth: f32,
}

impl Default for Strengths {
    fn default() -> Self {
        Self {
            pose: 1.0,
            expression: 1.0,
            eyes: 1.0,
            mouth: 1.0,
        }
    }
}

/// Fixed parts of a retargeting: the source face, the reference driving frame, and how the
/// two faces relate.
#[derive(Clone, Debug)]
pub struct Retargeter {
    pub mode: Mode,
    pub strengths: Strengths,
    source: Vec<[f32; 2]>,
    reference: Vec<[f32; 2]>,
    /// Driving reference frame → source face.
    to_source: Similarity,
}

impl Retargeter {
    pub fn new(
        source: &[[f32; 2]],
        reference: &[[f32; 2]],
        mode: Mode,
        strengths: Strengths,
    ) -> Self {
        let to_source =
            Similarity::fit(&pick(reference, &POSE_POINTS), &pick(source, &POSE_POINTS));
        Self {
            mode,
            strengths,
            source: source.to_vec(),
            reference: reference.to_vec(),
            to_source,
        }
    }

    /// The source's landmarks moved as the driving face moves in `driving`.
    pub fn target(&self, driving: &[[f32; 2]]) -> Vec<[f32; 2]> {
        let st = &self.strengths;
        // Head pose of this frame relative to the reference, in driving coordinates.
        let pose = Similarity::fit(
            &pick(&self.reference, &POSE_POINTS),
            &pick(driving, &POSE_POINTS),
        );
        let undo = pose.inverse();
        let c = &self.to_source;
        // The same head motion seen in the source's frame: c ∘ pose ∘ c⁻¹.
        let pose_src = c
            .then_after(&pose)
            .then_after(&c.inverse())
            .partial(st.pose.clamp(0.0, 2.0));
        let mut out = Vec::with_capacity(68);
        for (i, &d) in driving.iter().enumerate().take(68) {
            let neutral = undo.apply(d);
            let w = weight(i, st);
            let p = match self.mode {
                Mode::Relative => {
                    let d = [
                        neutral[0] - self.reference[i][0],
                        neutral[1] - self.reference[i][1],
                    ];
                    let d = c.apply_linear(d);
                    [self.source[i][0] + w * d[0], self.source[i][1] + w * d[1]]
                }
                Mode::Absolute => {
                    let q = c.apply(neutral);
                    [
                        self.source[i][0] + w * (q[0] - self.source[i][0]),
                        self.source[i][1] + w * (q[1] - self.source[i][1]),
                    ]
                }
            };
            out.push(p);
        }
        clamp_shapes(&mut out, &self.source);
        out.iter().map(|&p| pose_src.apply(p)).collect()
    }
}

/// Expression strength for landmark `i`.
fn weight(i: usize, st: &Strengths) -> f32 {
    let part = match i {
        36..=47 => st.eyes,
        48..=67 => st.mouth,
        _ => 1.0,
    };
    (st.expression * part).clamp(0.0, 4.0)
}

/// Keep shapes a face can make, in the face's upright frame: eyelids may close but not
/// cross, inner lips may touch but not cross.
fn clamp_shapes(p: &mut [[f32; 2]], source: &[[f32; 2]]) {
    // The face's "down" direction from the source's eye line.
    let (r, l) = (source[36], source[45]);
    let ang = (l[1] - r[1]).atan2(l[0] - r[0]);
    let (s, c) = ang.sin_cos();
    let down = [-s, c];
    let along = |q: [f32; 2]| q[0] * down[0] + q[1] * down[1];
    let push_below = |upper: usize, lower: usize, p: &mut [[f32; 2]]| {
        let gap = along(p[lower]) - along(p[upper]);
        if gap < 0.0 {
            // Meet in the middle.
            let h = -gap / 2.0;
            p[upper] = [p[upper][0] - down[0] * h, p[upper][1] - down[1] * h];
            p[lower] = [p[lower][0] + down[0] * h, p[lower][1] + down[1] * h];
        }
    };
    // Eyes: upper lid 37, 38 over lower 41, 40; 43, 44 over 47, 46.
    for (u, d) in [(37, 41), (38, 40), (43, 47), (44, 46)] {
        push_below(u, d, p);
    }
    // Inner lips: 61, 62, 63 over 67, 66, 65.
    for (u, d) in [(61, 67), (62, 66), (63, 65)] {
        push_below(u, d, p);
    }
}

/// Distance between two points.
pub fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Distance between the outer eye corners (36, 45), at least 1 px: the unit faces are measured
/// in.
pub fn eye_distance(p: &[[f32; 2]]) -> f32 {
    dist(p[36], p[45]).max(1.0)
}

/// Mouth opening (inner lips, 62 to 66) as a fraction of the eye distance.
pub fn mouth_open(p: &[[f32; 2]]) -> f32 {
    dist(p[62], p[66]) / eye_distance(p)
}

/// Eye opening (mean lid gap of both eyes) as a fraction of the eye distance.
pub fn eyes_open(p: &[[f32; 2]]) -> f32 {
    let gap = |a: usize, b: usize| dist(p[a], p[b]);
    (gap(37, 41) + gap(38, 40) + gap(43, 47) + gap(44, 46)) / 4.0 / eye_distance(p)
}

/// The most neutral frame among `frames` (those with `usable` true): mouth closed, eyes at
/// their usual opening, head level and near its usual size.
pub fn most_neutral(frames: &[&[[f32; 2]]], usable: &[bool]) -> Option<usize> {
    let idx: Vec<usize> = (0..frames.len()).filter(|&i| usable[i]).collect();
    if idx.is_empty() {
        return None;
    }
    let mut eyes: Vec<f32> = idx.iter().map(|&i| eyes_open(frames[i])).collect();
    eyes.sort_by(f32::total_cmp);
    let eye_median = eyes[eyes.len() / 2];
    let roll = |p: &[[f32; 2]]| (p[45][1] - p[36][1]).atan2(p[45][0] - p[36][0]).abs();
    idx.into_iter().min_by(|&a, &b| {
        let score = |i: usize| {
            let p = frames[i];
            mouth_open(p) + (eyes_open(p) - eye_median).abs() + 0.5 * roll(p)
        };
        score(a).total_cmp(&score(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face() -> Vec<[f32; 2]> {
        // A plausible 68-point layout: a ring of points with eyes and mouth at the right places.
        let mut p = vec![[0.0f32; 2]; 68];
        for (i, q) in p.iter_mut().enumerate() {
            let a = i as f32 * 0.37;
            *q = [100.0 + 30.0 * a.cos(), 100.0 + 40.0 * a.sin()];
        }
        p[36] = [80.0, 90.0];
        p[45] = [120.0, 90.0];
        for (u, d) in [(37, 41), (38, 40), (43, 47), (44, 46)] {
            p[u] = [p[u][0], 88.0];
            p[d] = [p[d][0], 92.0];
        }
        for (u, d) in [(61, 67), (62, 66), (63, 65)] {
            p[u] = [p[u][0], 130.0];
            p[d] = [p[d][0], 131.0];
        }
        p
    }

    #[test]
    fn similarity_fit_recovers_a_known_transform() {
        let from = face();
        let t = Similarity {
            a: 1.2 * 0.3f32.cos(),
            b: 1.2 * 0.3f32.sin(),
            tx: 15.0,
            ty: -7.0,
        };
        let to: Vec<_> = from.iter().map(|&p| t.apply(p)).collect();
        let fit = Similarity::fit(&from, &to);
        assert!((fit.a - t.a).abs() < 1e-4 && (fit.b - t.b).abs() < 1e-4);
        assert!((fit.tx - t.tx).abs() < 1e-2 && (fit.ty - t.ty).abs() < 1e-2);
        let back = fit.then_after(&fit.inverse());
        assert!((back.a - 1.0).abs() < 1e-5 && back.b.abs() < 1e-5 && back.tx.abs() < 1e-3);
    }

    #[test]
    fn reference_frame_gives_the_source_back_and_pose_is_carried_over() {
        let src: Vec<_> = face()
            .iter()
            .map(|p| [p[0] * 2.0 + 50.0, p[1] * 2.0])
            .collect();
        let reference = face();
        let r = Retargeter::new(&src, &reference, Mode::Relative, Strengths::default());
        let same = r.target(&reference);
        for (a, b) in same.iter().zip(&src) {
            assert!((a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3);
        }
        // The driving head moves 10 px right: the source (twice the size) moves 20 px.
        let moved: Vec<_> = reference.iter().map(|p| [p[0] + 10.0, p[1]]).collect();
        let t = r.target(&moved);
        for (a, b) in t.iter().zip(&src) {
            assert!((a[0] - b[0] - 20.0).abs() < 1e-2 && (a[1] - b[1]).abs() < 1e-2);
        }
        // Pose strength 0 keeps the head still.
        let still = Retargeter::new(
            &src,
            &reference,
            Mode::Relative,
            Strengths {
                pose: 0.0,
                ..Strengths::default()
            },
        );
        for (a, b) in still.target(&moved).iter().zip(&src) {
            assert!((a[0] - b[0]).abs() < 1e-2);
        }
    }

    #[test]
    fn mouth_opens_by_the_driving_amount_and_lips_never_cross() {
        let src = face();
        let reference = face();
        let r = Retargeter::new(&src, &reference, Mode::Relative, Strengths::default());
        let mut open = reference.clone();
        for i in [65, 66, 67, 56, 57, 58] {
            open[i][1] += 12.0;
        }
        let t = r.target(&open);
        assert!((t[66][1] - src[66][1] - 12.0).abs() < 0.5);
        // Driving lips pushed through each other: clamped to touch.
        let mut crossed = reference.clone();
        for i in [65, 66, 67] {
            crossed[i][1] -= 6.0;
        }
        let t = r.target(&crossed);
        for (u, d) in [(61, 67), (62, 66), (63, 65)] {
            assert!(
                t[d][1] >= t[u][1] - 1e-3,
                "{u}/{d}: {} vs {}",
                t[u][1],
                t[d][1]
            );
        }
        // Eyes may close fully but not invert.
        let mut shut = reference.clone();
        for i in [37, 38, 43, 44] {
            shut[i][1] += 10.0;
        }
        let t = r.target(&shut);
        for (u, d) in [(37, 41), (38, 40), (43, 47), (44, 46)] {
            assert!(t[d][1] >= t[u][1] - 1e-3);
        }
    }
}
