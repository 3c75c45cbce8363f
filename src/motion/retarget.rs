//! Retargeting: the driving face's motion applied to the source face.
//!
//! Driving motion is split into head pose — a similarity (rotation, scale, translation)
//! fitted to points that move only with the head — and expression: the landmarks' offsets from
//! the reference frame once the pose is undone. Both are carried into the source face's own
//! frame (scaled and turned by the similarity between the two faces), weighted by separate
//! strengths, and clamped to shapes a face can make.
//!
//! Neither mode copies the driving face's outline: who the portrait is (its face shape) is
//! always its own. Absolute mode differs in taking the head's roll and the eyes' and mouth's
//! opening as absolute measures (ratios to the eye's and mouth's width) instead of changes.

use serde::{Deserialize, Serialize};

use crate::geometry::{Face68, Similarity, dist, parts};

/// How motion is transferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Motion relative to the reference driving frame, added to the source's own face (keeps
    /// the source's identity and resting expression).
    #[default]
    Relative,
    /// The driving head's roll and how open its eyes and mouth are taken as they are, not as
    /// changes from the reference frame: a tilted portrait is straightened to the driving
    /// head's tilt, a portrait with parted lips closes them when the driver's are closed. The
    /// face's shape (outline, nose, proportions) stays the portrait's, as in relative mode.
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
    source: Face68,
    reference: Face68,
    /// Driving reference frame → source face.
    to_source: Similarity,
}

/// Lid gap over the eye's width (corner to corner) for each lid pair, and inner-lip gap
/// over the mouth's width for each inner-lip pair: openings as absolute measures, in the
/// face's own down direction.
fn openings(face: &Face68, down: [f32; 2]) -> ([f32; 4], [f32; 3]) {
    let along = |u: usize, d: usize| {
        (face[d][0] - face[u][0]) * down[0] + (face[d][1] - face[u][1]) * down[1]
    };
    let right = dist(face[36], face[39]).max(1e-3);
    let left = dist(face[42], face[45]).max(1e-3);
    let mouth = dist(face[parts::MOUTH_RIGHT], face[parts::MOUTH_LEFT]).max(1e-3);
    let lids = parts::LIDS.map(|(u, d)| along(u, d) / if u < 42 { right } else { left });
    let lips = parts::INNER_LIP_PAIRS.map(|(u, d)| along(u, d) / mouth);
    (lids, lips)
}

impl Retargeter {
    pub fn new(source: &Face68, reference: &Face68, mode: Mode, strengths: Strengths) -> Self {
        let to_source = Similarity::fit(&reference.pick(&parts::HEAD), &source.pick(&parts::HEAD));
        Self {
            mode,
            strengths,
            source: *source,
            reference: *reference,
            to_source,
        }
    }

    /// The source's landmarks moved as the driving face moves in `driving`.
    pub fn target(&self, driving: &Face68) -> Face68 {
        let st = &self.strengths;
        // Head pose of this frame relative to the reference, in driving coordinates.
        let pose = Similarity::fit(
            &self.reference.pick(&parts::HEAD),
            &driving.pick(&parts::HEAD),
        );
        let undo = pose.inverse();
        let c = &self.to_source;
        // The same head motion seen in the source's frame: c ∘ pose ∘ c⁻¹.
        let mut pose_src = c
            .then_after(&pose)
            .then_after(&c.inverse())
            .partial(st.pose.clamp(0.0, 2.0));
        // The driving face with its head pose undone, in the reference frame's coordinates.
        let neutral = driving.map(|p| undo.apply(p));
        let mut out = *driving;
        for (i, n) in neutral.iter().enumerate() {
            let offset = [n[0] - self.reference[i][0], n[1] - self.reference[i][1]];
            let offset = c.apply_linear(offset);
            let w = weight(i, st);
            out[i] = [
                self.source[i][0] + w * offset[0],
                self.source[i][1] + w * offset[1],
            ];
        }
        if self.mode == Mode::Absolute {
            self.absolute_openings(&mut out, &neutral);
            // The head's roll as the driver's: the turn from the reference into the
            // source's frame is left out.
            let centre = self.source.centre();
            let turn = Similarity::rotation_about(-c.angle() * st.pose.clamp(0.0, 2.0), centre);
            pose_src = pose_src.then_after(&turn);
        }
        jaw_follows_lip(&mut out, &self.source);
        clamp_shapes(&mut out, &self.source);
        for p in out.iter_mut() {
            *p = pose_src.apply(*p);
        }
        out
    }

    /// Absolute mode: each lid and inner-lip gap set to the driving face's, measured against
    /// the eye's or mouth's width and laid on the source's own eyes and mouth (blended from the
    /// source's own by the eye and mouth strengths). Lids meet in the middle; the mouth opens
    /// with the lower lip, as a jaw does.
    /// `driving` is the driving face with its pose undone.
    fn absolute_openings(&self, out: &mut Face68, driving: &Face68) {
        let st = &self.strengths;
        let down = self.source.down();
        let (want_lids, want_lips) = openings(driving, self.reference.down());
        let (own_lids, own_lips) = openings(&self.source, down);
        let (now_lids, now_lips) = openings(out, down);
        let right = dist(self.source[36], self.source[39]);
        let left = dist(self.source[42], self.source[45]);
        let mouth = dist(
            self.source[parts::MOUTH_RIGHT],
            self.source[parts::MOUTH_LEFT],
        );
        let shift = |p: [f32; 2], by: f32| [p[0] + down[0] * by, p[1] + down[1] * by];
        for (k, &(u, d)) in parts::LIDS.iter().enumerate() {
            let w = weight(u, st);
            let width = if u < 42 { right } else { left };
            let want = own_lids[k] + w * (want_lids[k] - own_lids[k]);
            let by = (want - now_lids[k]) * width / 2.0;
            out[u] = shift(out[u], -by);
            out[d] = shift(out[d], by);
        }
        // The outer lower lip follows the inner one it lies under.
        const OUTER_BELOW: [usize; 3] = [58, 57, 56];
        for (k, &(_, d)) in parts::INNER_LIP_PAIRS.iter().enumerate() {
            let w = weight(d, st);
            let want = own_lips[k] + w * (want_lips[k] - own_lips[k]);
            let by = (want - now_lips[k]) * mouth;
            out[d] = shift(out[d], by);
            out[OUTER_BELOW[k]] = shift(out[OUTER_BELOW[k]], by);
        }
    }
}

/// Expression strength for landmark `i`.
fn weight(i: usize, st: &Strengths) -> f32 {
    let part = if parts::is_eye(i) {
        st.eyes
    } else if parts::is_mouth(i) {
        st.mouth
    } else {
        1.0
    };
    (st.expression * part).clamp(0.0, 4.0)
}

/// The lower lip rides on the jaw: when it drops further than the chin (a mouth strength
/// above 1, or absolute mode opening a portrait's mouth wider than the driver's jaw moved),
/// the lower jaw is taken down with it, most at the chin. Left behind, the chin met the
/// lower lip, the mesh folded there, and the fold guard shut the mouth to a slit.
fn jaw_follows_lip(p: &mut Face68, source: &Face68) {
    /// Of the lower lip's drop, the share each lower-jaw point takes (a jaw's hinge is by the
    /// ears: the chin drops almost as far as the lip, the sides less).
    const JAW: [(usize, f32); 9] = [
        (4, 0.1),
        (5, 0.3),
        (6, 0.5),
        (7, 0.7),
        (8, 0.8),
        (9, 0.7),
        (10, 0.5),
        (11, 0.3),
        (12, 0.1),
    ];
    let down = source.down();
    let drop = |p: &Face68, i: usize| {
        (p[i][0] - source[i][0]) * down[0] + (p[i][1] - source[i][1]) * down[1]
    };
    let lip = drop(p, 57).max(drop(p, 66));
    if lip <= 0.0 {
        return;
    }
    // How far the chin is behind where the lip would take it.
    let short = JAW[4].1 * lip - drop(p, parts::CHIN);
    if short <= 0.0 {
        return;
    }
    for (i, share) in JAW {
        let by = short * share / JAW[4].1;
        p[i] = [p[i][0] + down[0] * by, p[i][1] + down[1] * by];
    }
}

/// Keep shapes a face can make, in the face's upright frame: eyelids may close but not
/// cross, inner lips may touch but not cross.
fn clamp_shapes(p: &mut Face68, source: &Face68) {
    // The face's "down" direction from the source's eye line.
    let down = source.down();
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
    for (u, d) in parts::LIDS.into_iter().chain(parts::INNER_LIP_PAIRS) {
        push_below(u, d, p);
    }
    // The upper lip may lift, but not into the nose: it keeps a third of its own distance
    // below the nose's base (and the lip's inner edge below its outer one). Lifted further
    // (a strong snarl doubled by the mouth strength), the mesh folded there and the fold guard
    // held the whole nose back while the head moved on.
    let keep_below = |upper: usize, lower: usize, p: &mut [[f32; 2]]| {
        let least = (along(source[lower]) - along(source[upper])).max(0.0) / 3.0;
        let short = least - (along(p[lower]) - along(p[upper]));
        if short > 0.0 {
            p[lower] = [p[lower][0] + down[0] * short, p[lower][1] + down[1] * short];
        }
    };
    for (u, d) in [
        (31, 49),
        (32, 50),
        (33, 51),
        (34, 52),
        (35, 53),
        (50, 61),
        (51, 62),
        (52, 63),
    ] {
        keep_below(u, d, p);
    }
}

/// The index of the most neutral of `faces` (`None` for a frame not to be used): mouth
/// closed, eyes at their usual opening, head level. Streams: a long clip's faces need not be
/// held at once.
pub fn most_neutral(faces: impl IntoIterator<Item = Option<Face68>>) -> Option<usize> {
    // Per usable frame: eye openness, and the rest of the score (mouth, roll).
    let scored: Vec<(usize, f32, f32)> = faces
        .into_iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|p| (i, p.eyes_open(), p.mouth_open() + 0.5 * p.roll().abs())))
        .collect();
    let mut eyes: Vec<f32> = scored.iter().map(|s| s.1).collect();
    eyes.sort_by(f32::total_cmp);
    let eye_median = *eyes.get(eyes.len() / 2)?;
    scored
        .iter()
        .min_by(|a, b| {
            let score = |s: &(usize, f32, f32)| s.2 + (s.1 - eye_median).abs();
            score(a).total_cmp(&score(b))
        })
        .map(|s| s.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face() -> Face68 {
        // A plausible 68-point layout: a ring of points with eyes and mouth at the right places.
        let mut p = Face68::filled([0.0; 2]);
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
        let src = face().map(|p| [p[0] * 2.0 + 50.0, p[1] * 2.0]);
        let reference = face();
        let r = Retargeter::new(&src, &reference, Mode::Relative, Strengths::default());
        let same = r.target(&reference);
        for (a, b) in same.iter().zip(src.iter()) {
            assert!((a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3);
        }
        // The driving head moves 10 px right: the source (twice the size) moves 20 px.
        let moved = reference.map(|p| [p[0] + 10.0, p[1]]);
        let t = r.target(&moved);
        for (a, b) in t.iter().zip(src.iter()) {
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
        for (a, b) in still.target(&moved).iter().zip(src.iter()) {
            assert!((a[0] - b[0]).abs() < 1e-2);
        }
    }

    #[test]
    fn mouth_opens_by_the_driving_amount_and_lips_never_cross() {
        let src = face();
        let reference = face();
        let r = Retargeter::new(&src, &reference, Mode::Relative, Strengths::default());
        let mut open = reference;
        for i in [65, 66, 67, 56, 57, 58] {
            open[i][1] += 12.0;
        }
        let t = r.target(&open);
        assert!((t[66][1] - src[66][1] - 12.0).abs() < 0.5);
        // Driving lips pushed through each other: clamped to touch.
        let mut crossed = reference;
        for i in [65, 66, 67] {
            crossed[i][1] -= 6.0;
        }
        let t = r.target(&crossed);
        for (u, d) in parts::INNER_LIP_PAIRS {
            assert!(
                t[d][1] >= t[u][1] - 1e-3,
                "{u}/{d}: {} vs {}",
                t[u][1],
                t[d][1]
            );
        }
        // Eyes may close fully but not invert.
        let mut shut = reference;
        for i in [37, 38, 43, 44] {
            shut[i][1] += 10.0;
        }
        let t = r.target(&shut);
        for (u, d) in parts::LIDS {
            assert!(t[d][1] >= t[u][1] - 1e-3);
        }
    }

    #[test]
    fn absolute_mode_takes_roll_and_openings_from_the_driver_and_keeps_the_portraits_shape() {
        let reference = face();
        // The portrait: a wider face, eyes half as open, lips parted, head tilted.
        let mut own = face();
        for i in parts::JAW {
            own[i][0] = 100.0 + (own[i][0] - 100.0) * 1.3;
        }
        for (u, d) in parts::LIDS {
            own[u][1] = 89.0;
            own[d][1] = 91.0;
        }
        for (_, d) in parts::INNER_LIP_PAIRS {
            own[d][1] = 136.0;
        }
        let tilt = Similarity::rotation_about(0.2, own.centre());
        let src = own.map(|p| tilt.apply(p));
        let absolute = Retargeter::new(&src, &reference, Mode::Absolute, Strengths::default());
        let out = absolute.target(&reference);
        assert!(out.roll().abs() < 1e-3, "roll {}", out.roll());
        let shape = out.shape_distance(&src);
        assert!(shape < 1e-3, "the portrait's outline lost: {shape}");
        let (lids, lips) = openings(&out, out.down());
        let (want_lids, want_lips) = openings(&reference, reference.down());
        for (a, b) in lids
            .iter()
            .chain(&lips)
            .zip(want_lids.iter().chain(&want_lips))
        {
            assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
        // Relative mode keeps the portrait's own tilt and openings.
        let relative = Retargeter::new(&src, &reference, Mode::Relative, Strengths::default());
        let rel = relative.target(&reference);
        assert!((rel.roll() - 0.2).abs() < 1e-3, "roll {}", rel.roll());
        assert!(rel.shape_distance(&src) < 1e-3);
        let (rel_lids, _) = openings(&rel, rel.down());
        let (own_lids, _) = openings(&src, src.down());
        assert!((rel_lids[0] - own_lids[0]).abs() < 1e-3);
        // The driving head rolls by 0.1: both modes roll with it, absolute from level.
        let rolled_by = Similarity::rotation_about(0.1, reference.centre());
        let rolled = reference.map(|p| rolled_by.apply(p));
        assert!((absolute.target(&rolled).roll() - 0.1).abs() < 2e-3);
        assert!((relative.target(&rolled).roll() - 0.3).abs() < 2e-3);
    }
}
