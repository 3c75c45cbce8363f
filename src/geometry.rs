//! Plane geometry shared by the motion and render stages (below both): similarities,
//! distances, and the 68-point face in the iBUG numbering every stage uses, with its parts
//! named once here instead of index lists in each module.

use std::ops::{Deref, DerefMut, Range};

use serde::{Deserialize, Serialize};

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

    /// A turn by `angle` radians about `centre`.
    pub fn rotation_about(angle: f32, centre: [f32; 2]) -> Self {
        let (b, a) = angle.sin_cos();
        Self {
            a,
            b,
            tx: centre[0] - (a * centre[0] - b * centre[1]),
            ty: centre[1] - (b * centre[0] + a * centre[1]),
        }
    }

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

/// Distance between two points.
pub fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Distance from `p` to the segment from `a` to `b`.
pub fn segment_distance(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    dist(p, [a[0] + t * dx, a[1] + t * dy])
}

/// Piecewise-linear `y(x)` through `pairs` of (x, y) sorted by x, held at the ends.
pub fn piecewise_linear(pairs: &[[f32; 2]], x: f32) -> f32 {
    let i = pairs.partition_point(|p| p[0] < x);
    if i == 0 {
        return pairs.first().map_or(0.0, |p| p[1]);
    }
    if i >= pairs.len() {
        return pairs[pairs.len() - 1][1];
    }
    let (a, b) = (pairs[i - 1], pairs[i]);
    let f = if b[0] > a[0] {
        (x - a[0]) / (b[0] - a[0])
    } else {
        0.0
    };
    a[1] + (b[1] - a[1]) * f
}

/// The centroid of `points` (the origin for none).
pub fn mean(points: &[[f32; 2]]) -> [f32; 2] {
    let n = points.len().max(1) as f32;
    let (x, y) = points
        .iter()
        .fold((0.0, 0.0), |a, p| (a.0 + p[0], a.1 + p[1]));
    [x / n, y / n]
}

/// The parts of the 68-point face (iBUG 300-W numbering, from 0; "right" is the subject's
/// right, on the image's left).
pub mod parts {
    use std::ops::Range;

    pub const JAW: Range<usize> = 0..17;
    pub const CHIN: usize = 8;
    /// The jaw's lower half, which opens with the mouth.
    pub const LOWER_JAW: Range<usize> = 4..13;
    pub const RIGHT_BROW: Range<usize> = 17..22;
    pub const LEFT_BROW: Range<usize> = 22..27;
    pub const BROWS: Range<usize> = 17..27;
    /// Brow points the forehead is raised above.
    pub const BROW_ARCH: [usize; 6] = [17, 19, 21, 22, 24, 26];
    pub const NOSE: Range<usize> = 27..36;
    pub const RIGHT_EYE: Range<usize> = 36..42;
    pub const LEFT_EYE: Range<usize> = 42..48;
    pub const EYES: Range<usize> = 36..48;
    /// The outer eye corners: the face's width and roll are measured between them.
    pub const RIGHT_EYE_OUTER: usize = 36;
    pub const LEFT_EYE_OUTER: usize = 45;
    pub const RIGHT_EYE_INNER: usize = 39;
    pub const LEFT_EYE_INNER: usize = 42;
    /// Upper lid over lower lid, both eyes.
    pub const LIDS: [(usize, usize); 4] = [(37, 41), (38, 40), (43, 47), (44, 46)];
    pub const MOUTH: Range<usize> = 48..68;
    pub const OUTER_LIPS: Range<usize> = 48..60;
    pub const INNER_LIPS: Range<usize> = 60..68;
    /// The mouth's corners.
    pub const MOUTH_RIGHT: usize = 48;
    pub const MOUTH_LEFT: usize = 54;
    /// Upper inner lip over lower inner lip.
    pub const INNER_LIP_PAIRS: [(usize, usize); 3] = [(61, 67), (62, 66), (63, 65)];
    /// The middle of the inner lips, upper and lower: the mouth's opening.
    pub const INNER_LIP_MIDDLE: (usize, usize) = (62, 66);
    /// Points that move with the head but not with expressions: nose bridge and tip, eye
    /// corners (the head pose is fitted to them).
    pub const HEAD: [usize; 9] = [27, 28, 29, 30, 33, 36, 39, 42, 45];
    /// Points that barely move at all but with the head, for measuring jitter.
    pub const STABLE: [usize; 8] = [27, 28, 29, 30, 36, 39, 42, 45];
    /// Points that make a face's shape — who it is — and that expressions barely move: the
    /// outline above the jaw's hinge, the nose, the eye corners.
    pub const IDENTITY: [usize; 23] = [
        0, 1, 2, 3, 4, 12, 13, 14, 15, 16, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45,
    ];

    /// Which part a point belongs to (for per-part strengths).
    pub fn is_eye(i: usize) -> bool {
        EYES.contains(&i)
    }

    pub fn is_mouth(i: usize) -> bool {
        MOUTH.contains(&i)
    }
}

/// A face's 68 landmarks: exactly 68 by construction, so the named parts can be indexed
/// without hope. Reads as a slice of points; (de)serialised as a plain array of `[x, y]`.
#[derive(Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<[f32; 2]>", into = "Vec<[f32; 2]>")]
pub struct Face68([[f32; 2]; 68]);

impl std::fmt::Debug for Face68 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// Not 68 points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} landmarks where 68 are needed")]
pub struct NotSixtyEight(pub usize);

impl TryFrom<&[[f32; 2]]> for Face68 {
    type Error = NotSixtyEight;
    fn try_from(p: &[[f32; 2]]) -> Result<Self, NotSixtyEight> {
        <[[f32; 2]; 68]>::try_from(p)
            .map(Face68)
            .map_err(|_| NotSixtyEight(p.len()))
    }
}

impl TryFrom<Vec<[f32; 2]>> for Face68 {
    type Error = NotSixtyEight;
    fn try_from(p: Vec<[f32; 2]>) -> Result<Self, NotSixtyEight> {
        Self::try_from(p.as_slice())
    }
}

impl From<Face68> for Vec<[f32; 2]> {
    fn from(f: Face68) -> Self {
        f.0.to_vec()
    }
}

impl From<[[f32; 2]; 68]> for Face68 {
    fn from(p: [[f32; 2]; 68]) -> Self {
        Face68(p)
    }
}

impl Deref for Face68 {
    type Target = [[f32; 2]];
    fn deref(&self) -> &[[f32; 2]] {
        &self.0
    }
}

impl DerefMut for Face68 {
    fn deref_mut(&mut self) -> &mut [[f32; 2]] {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a Face68 {
    type Item = &'a [f32; 2];
    type IntoIter = std::slice::Iter<'a, [f32; 2]>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut Face68 {
    type Item = &'a mut [f32; 2];
    type IntoIter = std::slice::IterMut<'a, [f32; 2]>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}

impl Face68 {
    /// All points at one place (a start for building a face).
    pub fn filled(p: [f32; 2]) -> Self {
        Face68([p; 68])
    }

    /// The points of a part.
    pub fn part(&self, r: Range<usize>) -> &[[f32; 2]] {
        &self.0[r]
    }

    /// Every point moved by `f`.
    pub fn map(&self, f: impl Fn([f32; 2]) -> [f32; 2]) -> Self {
        Face68(self.0.map(f))
    }

    /// The chosen points, in order.
    pub fn pick(&self, idx: &[usize]) -> Vec<[f32; 2]> {
        idx.iter().map(|&i| self.0[i]).collect()
    }

    /// Distance between the outer eye corners, at least 1 px: the unit faces are measured in.
    pub fn eye_distance(&self) -> f32 {
        dist(
            self.0[parts::RIGHT_EYE_OUTER],
            self.0[parts::LEFT_EYE_OUTER],
        )
        .max(1.0)
    }

    /// The eye line's angle from the image's x axis (the face's roll), radians.
    pub fn roll(&self) -> f32 {
        let (r, l) = (
            self.0[parts::RIGHT_EYE_OUTER],
            self.0[parts::LEFT_EYE_OUTER],
        );
        (l[1] - r[1]).atan2(l[0] - r[0])
    }

    /// The face's "down" direction (perpendicular to the eye line), a unit vector.
    pub fn down(&self) -> [f32; 2] {
        let (s, c) = self.roll().sin_cos();
        [-s, c]
    }

    /// Mouth opening (the inner lips' middle) as a fraction of the eye distance.
    pub fn mouth_open(&self) -> f32 {
        let (u, d) = parts::INNER_LIP_MIDDLE;
        dist(self.0[u], self.0[d]) / self.eye_distance()
    }

    /// Eye opening (mean lid gap of both eyes) as a fraction of the eye distance.
    pub fn eyes_open(&self) -> f32 {
        let gaps: f32 = parts::LIDS
            .iter()
            .map(|&(u, d)| dist(self.0[u], self.0[d]))
            .sum();
        gaps / parts::LIDS.len() as f32 / self.eye_distance()
    }

    /// The centroid of all 68 points.
    pub fn centre(&self) -> [f32; 2] {
        mean(&self.0)
    }

    /// Where the face's bare skin is seen most surely: the middle of each cheek (a third of
    /// the way between the jaw, the nose's wing and the lower lid) and the nose's bridge.
    pub fn skin_spots(&self) -> [[f32; 2]; 3] {
        let third = |a: usize, b: usize, c: usize| mean(&[self[a], self[b], self[c]]);
        [
            third(1, 31, 40),
            third(15, 35, 47),
            mean(&[self[28], self[29]]),
        ]
    }

    /// How far this face's shape is from `other`'s once head pose is taken out: the identity
    /// points fitted onto `other`'s by a similarity, their RMS distance as a fraction of
    /// `other`'s eye distance. 0 for the same face anywhere, at any size and roll.
    pub fn shape_distance(&self, other: &Face68) -> f32 {
        let (a, b) = (self.pick(&parts::IDENTITY), other.pick(&parts::IDENTITY));
        let fit = Similarity::fit(&a, &b);
        let sq: f32 = a
            .iter()
            .zip(&b)
            .map(|(p, q)| dist(fit.apply(*p), *q).powi(2))
            .sum();
        (sq / a.len() as f32).sqrt() / other.eye_distance()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_68_points_make_a_face_and_it_reads_back_as_an_array() {
        assert_eq!(
            Face68::try_from(vec![[0.0, 0.0]; 67]),
            Err(NotSixtyEight(67))
        );
        let mut f = Face68::filled([1.0, 2.0]);
        f[parts::LEFT_EYE_OUTER] = [41.0, 2.0];
        assert_eq!(f.eye_distance(), 40.0);
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert!(json.starts_with("[[1.0,2.0],"), "{json}");
        let back: Face68 = serde_json::from_str(&json).expect("68 points");
        assert_eq!(back, f);
        assert!(serde_json::from_str::<Face68>("[[1.0,2.0]]").is_err());
    }

    #[test]
    fn parts_cover_the_face_once() {
        let mut seen = [0; 68];
        for r in [
            parts::JAW,
            parts::BROWS,
            parts::NOSE,
            parts::EYES,
            parts::OUTER_LIPS,
            parts::INNER_LIPS,
        ] {
            for i in r {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
    }

    #[test]
    fn shape_distance_ignores_pose_and_sees_a_changed_outline() {
        let mut f = Face68::filled([0.0; 2]);
        for (i, q) in f.iter_mut().enumerate() {
            let a = i as f32 * 0.37;
            *q = [100.0 + 30.0 * a.cos(), 100.0 + 40.0 * a.sin()];
        }
        let moved = Similarity {
            a: 1.5 * 0.4f32.cos(),
            b: 1.5 * 0.4f32.sin(),
            tx: 20.0,
            ty: -5.0,
        };
        assert!(f.map(|p| moved.apply(p)).shape_distance(&f) < 1e-4);
        // The outline widened by a fifth: seen, in eye distances.
        let mut wide = f;
        for i in parts::JAW {
            wide[i][0] = 100.0 + (wide[i][0] - 100.0) * 1.2;
        }
        let d = wide.shape_distance(&f);
        assert!(d > 0.02, "{d}");
        // Expressions (mouth, lids, brows) do not count.
        let mut smiling = f;
        for i in parts::MOUTH.chain(parts::BROWS).chain([37, 38, 40, 41]) {
            smiling[i][1] += 8.0;
        }
        assert!(smiling.shape_distance(&f) < 1e-4);
    }
}
