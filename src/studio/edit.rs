//! Landmark correction on a source: the 68 points grouped into features, drags of one point or
//! a whole feature, a guided manual placement for faces the detector misses; and the undo
//! history of every change to the project. Pure data: the panels turn input into these calls.

use crate::geometry::{Face68, parts};
use std::ops::Range;
use std::time::{Duration, Instant};

use super::project::Project;

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

/// One undoable change to the project: what it was before and after, and its name for the
/// Edit menu ("Undo Move landmarks").
#[derive(Clone, Debug)]
pub struct Step {
    pub label: String,
    pub before: Project,
    pub after: Project,
    /// Whether the next change of the same name continues this one (a slider being dragged).
    merges: bool,
    at: Instant,
}

/// Undo and redo stacks of whole-project steps; a new step clears the redo stack.
#[derive(Clone, Debug, Default)]
pub struct History {
    undo: Vec<Step>,
    redo: Vec<Step>,
}

/// Within this long, a change of the same name that `merges` continues the last step.
const MERGE_WITHIN: Duration = Duration::from_millis(1200);

impl History {
    /// Record a change from `before` to `after` (nothing when they are equal). With `merges`,
    /// a change that continues the last one of the same name (a slider dragged, a value
    /// typed) extends it instead of making another step.
    pub fn record(&mut self, label: &str, before: Project, after: Project, merges: bool) {
        if before == after {
            return;
        }
        if let Some(last) = self.undo.last_mut()
            && merges
            && last.merges
            && last.label == label
            && last.after == before
            && last.at.elapsed() < MERGE_WITHIN
        {
            last.after = after;
            last.at = Instant::now();
            self.redo.clear();
            return;
        }
        self.undo.push(Step {
            label: label.to_string(),
            before,
            after,
            merges,
            at: Instant::now(),
        });
        self.redo.clear();
    }

    /// The project to go back to.
    pub fn undo(&mut self) -> Option<Project> {
        let step = self.undo.pop()?;
        let before = step.before.clone();
        self.redo.push(step);
        Some(before)
    }

    /// The project to go forward to again.
    pub fn redo(&mut self) -> Option<Project> {
        let step = self.redo.pop()?;
        let after = step.after.clone();
        self.undo.push(step);
        Some(after)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// What Undo would undo, and Redo redo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|s| s.label.as_str())
    }

    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
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
    fn undo_then_redo_returns_each_state_and_a_new_step_clears_redo() {
        let a = Project::default();
        let mut b = a.clone();
        b.settings.crf = 20;
        let mut c = b.clone();
        c.settings.crf = 22;
        let mut h = History::default();
        h.record("Change quality", a.clone(), b.clone(), false);
        assert_eq!(h.undo_label(), Some("Change quality"));
        assert_eq!(h.undo(), Some(a.clone()));
        assert!(h.can_redo());
        assert_eq!(h.redo_label(), Some("Change quality"));
        assert_eq!(h.redo(), Some(b.clone()));
        h.undo();
        h.record("Change quality", a.clone(), c.clone(), false);
        assert!(!h.can_redo());
        // No change, no step.
        h.record("Nothing", c.clone(), c.clone(), false);
        assert_eq!(h.undo_label(), Some("Change quality"));
    }

    #[test]
    fn a_dragged_slider_is_one_step() {
        let a = Project::default();
        let mut h = History::default();
        let mut last = a.clone();
        for crf in 17..30 {
            let mut next = last.clone();
            next.settings.crf = crf;
            h.record("Change output", last, next.clone(), true);
            last = next;
        }
        assert_eq!(h.undo(), Some(a));
        assert!(!h.can_undo(), "one step for the whole drag");
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
