//! Landmark correction on a source: the 68 points grouped into features, drags of one point or
//! a whole feature, a guided manual placement for faces the detector misses, and undo/redo.
//! Pure data: the source panel turns pointer input into these calls.

use crate::geometry::{Face68, parts};
use std::ops::Range;

/// A feature of the 68-point face, to drag as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Jaw,
    RightBrow,
    LeftBrow,
    Nose,
    RightEye,
    LeftEye,
    Mouth,
}

impl Feature {
    pub const ALL: [Feature; 7] = [
        Feature::Jaw,
        Feature::RightBrow,
        Feature::LeftBrow,
        Feature::Nose,
        Feature::RightEye,
        Feature::LeftEye,
        Feature::Mouth,
    ];

    /// The points of this feature (iBUG 68 numbering, from 0).
    pub fn points(self) -> Range<usize> {
        match self {
            Feature::Jaw => parts::JAW,
            Feature::RightBrow => parts::RIGHT_BROW,
            Feature::LeftBrow => parts::LEFT_BROW,
            Feature::Nose => parts::NOSE,
            Feature::RightEye => parts::RIGHT_EYE,
            Feature::LeftEye => parts::LEFT_EYE,
            Feature::Mouth => parts::MOUTH,
        }
    }

    /// Closed outlines are drawn as loops.
    pub fn closed(self) -> bool {
        matches!(self, Feature::RightEye | Feature::LeftEye | Feature::Mouth)
    }

    pub fn of_point(i: usize) -> Feature {
        Feature::ALL
            .into_iter()
            .find(|f| f.points().contains(&i))
            .unwrap_or(Feature::Jaw)
    }

    pub fn name(self) -> &'static str {
        match self {
            Feature::Jaw => "jaw",
            Feature::RightBrow => "right brow",
            Feature::LeftBrow => "left brow",
            Feature::Nose => "nose",
            Feature::RightEye => "right eye",
            Feature::LeftEye => "left eye",
            Feature::Mouth => "mouth",
        }
    }
}

/// The point nearest `p` within `radius` (image pixels).
pub fn nearest_point(points: &[[f32; 2]], p: [f32; 2], radius: f32) -> Option<usize> {
    points
        .iter()
        .enumerate()
        .map(|(i, q)| (i, (q[0] - p[0]).hypot(q[1] - p[1])))
        .filter(|&(_, d)| d <= radius)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// Move point `i`, or its whole feature, by `delta`.
pub fn drag(points: &mut [[f32; 2]], i: usize, whole_feature: bool, delta: [f32; 2]) {
    let range = if whole_feature {
        Feature::of_point(i).points()
    } else {
        i..i + 1
    };
    let n = points.len();
    for p in &mut points[range.start.min(n)..range.end.min(n)] {
        p[0] += delta[0];
        p[1] += delta[1];
    }
}

/// A mean face laid into the box `min`–`max` (the box around jaw and brows): the start of a
/// manual placement, refined by dragging eyes, nose and mouth onto the painting.
pub fn place_in_box(min: [f32; 2], max: [f32; 2]) -> Face68 {
    let (w, h) = (max[0] - min[0], max[1] - min[1]);
    Face68::from(TEMPLATE.map(|t| [min[0] + t[0] * w, min[1] + t[1] * h]))
}

/// One undoable change to a source's landmarks.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub source: usize,
    pub before: Option<Face68>,
    pub after: Option<Face68>,
    /// The face index chosen before and after (picking another face is undoable too).
    pub face_before: usize,
    pub face_after: usize,
}

/// Undo and redo stacks; a new edit clears the redo stack.
#[derive(Clone, Debug, Default)]
pub struct History {
    undo: Vec<Edit>,
    redo: Vec<Edit>,
}

impl History {
    pub fn push(&mut self, edit: Edit) {
        if edit.before != edit.after || edit.face_before != edit.face_after {
            self.undo.push(edit);
            self.redo.clear();
        }
    }

    /// The edit to revert (its `before` is the state to restore).
    pub fn undo(&mut self) -> Option<Edit> {
        let e = self.undo.pop()?;
        self.redo.push(e.clone());
        Some(e)
    }

    /// The edit to apply again (its `after` is the state to restore).
    pub fn redo(&mut self) -> Option<Edit> {
        let e = self.redo.pop()?;
        self.undo.push(e.clone());
        Some(e)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }
}

/// The 68 points of an average face in the unit box around them, measured with Vivant's own
/// landmark stage on the bundled and test portraits (Mona Lisa, Eileen Collins, Grace Hopper,
/// Père Tanguy).
pub const TEMPLATE: [[f32; 2]; 68] = [
    [0.000, 0.149],
    [0.010, 0.297],
    [0.032, 0.435],
    [0.056, 0.555],
    [0.097, 0.689],
    [0.160, 0.798],
    [0.238, 0.877],
    [0.337, 0.958],
    [0.488, 1.000],
    [0.639, 0.957],
    [0.745, 0.881],
    [0.827, 0.801],
    [0.899, 0.688],
    [0.946, 0.555],
    [0.970, 0.429],
    [0.992, 0.296],
    [1.000, 0.150],
    [0.081, 0.054],
    [0.138, 0.017],
    [0.213, 0.012],
    [0.286, 0.024],
    [0.350, 0.053],
    [0.598, 0.053],
    [0.664, 0.026],
    [0.738, 0.010],
    [0.822, 0.016],
    [0.887, 0.054],
    [0.472, 0.197],
    [0.469, 0.298],
    [0.464, 0.396],
    [0.463, 0.484],
    [0.387, 0.515],
    [0.424, 0.537],
    [0.472, 0.548],
    [0.521, 0.532],
    [0.561, 0.518],
    [0.176, 0.160],
    [0.220, 0.146],
    [0.285, 0.145],
    [0.343, 0.180],
    [0.290, 0.200],
    [0.222, 0.194],
    [0.613, 0.181],
    [0.671, 0.143],
    [0.739, 0.143],
    [0.787, 0.169],
    [0.738, 0.199],
    [0.670, 0.195],
    [0.289, 0.657],
    [0.354, 0.646],
    [0.431, 0.634],
    [0.475, 0.644],
    [0.515, 0.630],
    [0.603, 0.647],
    [0.680, 0.658],
    [0.600, 0.714],
    [0.538, 0.744],
    [0.475, 0.753],
    [0.420, 0.745],
    [0.357, 0.720],
    [0.301, 0.660],
    [0.416, 0.672],
    [0.476, 0.673],
    [0.535, 0.672],
    [0.662, 0.657],
    [0.535, 0.685],
    [0.477, 0.691],
    [0.422, 0.688],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_drag_moves_only_that_feature() {
        let mut p = place_in_box([0.0, 0.0], [100.0, 100.0]);
        let before = p;
        drag(&mut p, 40, true, [3.0, -2.0]);
        for i in 0..68 {
            let moved = p[i] != before[i];
            assert_eq!(moved, (36..42).contains(&i), "point {i}");
        }
        drag(&mut p, 0, false, [1.0, 0.0]);
        assert_eq!(p[0][0], before[0][0] + 1.0);
        assert_eq!(p[1], before[1]);
    }

    #[test]
    fn undo_then_redo_returns_each_state_and_a_new_edit_clears_redo() {
        let a = place_in_box([0.0, 0.0], [10.0, 10.0]);
        let mut b = a;
        drag(&mut b, 30, false, [1.0, 1.0]);
        let mut h = History::default();
        h.push(Edit {
            source: 0,
            before: Some(a),
            after: Some(b),
            face_before: 0,
            face_after: 0,
        });
        assert_eq!(h.undo().and_then(|e| e.before), Some(a));
        assert!(h.can_redo());
        assert_eq!(h.redo().and_then(|e| e.after), Some(b));
        h.undo();
        h.push(Edit {
            source: 0,
            before: Some(a),
            after: None,
            face_before: 0,
            face_after: 0,
        });
        assert!(!h.can_redo());
    }

    #[test]
    fn the_template_fills_its_box() {
        let p = place_in_box([10.0, 20.0], [110.0, 220.0]);
        let min_x = p.iter().map(|q| q[0]).fold(f32::MAX, f32::min);
        let max_y = p.iter().map(|q| q[1]).fold(f32::MIN, f32::max);
        assert!((min_x - 10.0).abs() < 1.0 && (max_y - 220.0).abs() < 1.0);
        // Eyes above the mouth, nose between.
        assert!(p[36][1] < p[30][1] && p[30][1] < p[62][1]);
    }
}
