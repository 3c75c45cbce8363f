//! Landmark corrections on the sources: commits, undo/redo, re-detect, picking a face.

use super::{Drag, SourceState, SourceStatus, StudioApp, View};
use crate::studio::edit;

impl SourceState {
    /// Derive what follows from the landmarks: whether they differ from the chosen detected
    /// face (so are saved as a correction), and whether a face is still to be placed.
    pub(super) fn settle(&mut self) {
        self.edited = self.landmarks.is_some()
            && self.landmarks.as_ref() != self.faces.get(self.face).map(|f| &f.landmarks);
        if self.landmarks.is_some() && matches!(self.status, SourceStatus::NoFace) {
            self.status = SourceStatus::Ready;
        } else if self.landmarks.is_none() && self.faces.is_empty() && self.image.is_some() {
            self.status = SourceStatus::NoFace;
        }
    }
}

impl StudioApp {
    /// Record a change made to source `i`'s landmarks or chosen face (a drag, a placement, a
    /// face pick, a re-detect) as one undoable step.
    pub fn commit_edit(&mut self, i: usize, label: &str) {
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        s.settle();
        let before = self.project.clone();
        self.sync_source(i);
        self.record(label, before, false);
        self.changed();
    }

    /// Discard the corrections on source `i` and take the detected face again (undoable).
    pub fn redetect(&mut self, i: usize) {
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        s.landmarks = s.faces.get(s.face).map(|f| f.landmarks);
        self.commit_edit(i, "Re-detect");
    }

    /// Animate another of the faces found on source `i` (undoable).
    pub fn pick_face(&mut self, i: usize, face: usize) {
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        let Some(found) = s.faces.get(face) else {
            return;
        };
        if s.face == face {
            return;
        }
        s.landmarks = Some(found.landmarks);
        s.face = face;
        self.commit_edit(i, "Choose face");
    }

    /// Show and edit source `i`.
    pub fn select_source(&mut self, i: usize) {
        if i < self.sources.len() {
            self.selected = i;
        }
    }

    /// Press on landmark `point` of source `i` at `at` (image pixels): a drag starts.
    pub fn begin_landmark_drag(&mut self, i: usize, point: usize, at: [f32; 2], whole: bool) {
        let Some(before) = self.sources.get(i).and_then(|s| s.landmarks) else {
            return;
        };
        self.editing.drag = Some(Drag {
            point,
            whole_feature: whole || self.editing.feature_drag,
            before: Some(before),
            origin: at,
        });
    }

    /// The dragged landmark (or its feature) follows the pointer, now at `at`.
    pub fn drag_landmark_to(&mut self, i: usize, at: [f32; 2]) {
        let Some(d) = &self.editing.drag else {
            return;
        };
        let Some(mut lm) = d.before else {
            return;
        };
        edit::drag(
            &mut lm,
            d.point,
            d.whole_feature,
            [at[0] - d.origin[0], at[1] - d.origin[1]],
        );
        if let Some(s) = self.sources.get_mut(i) {
            s.landmarks = Some(lm);
        }
    }

    /// The drag ends: one undoable step.
    pub fn end_landmark_drag(&mut self, i: usize) {
        if self.editing.drag.take().is_some() {
            self.commit_edit(i, "Move landmarks");
        }
    }

    /// Place a face by hand on source `i` (where none was found): the source is shown alone,
    /// waiting for the box to be dragged around its face.
    pub fn start_placing(&mut self, i: usize) {
        self.selected = i;
        self.layout.view = View::Source;
        self.editing.placing = Some(i);
    }

    /// Start placing a face by hand on source `i`: the box's first corner at `at`.
    pub fn begin_placement(&mut self, i: usize, at: [f32; 2]) {
        self.editing.placing = Some(i);
        self.editing.place_start = Some(at);
    }

    /// The placement box drawn from `a` to `b`: a mean face laid into it (undoable); a box
    /// too small to be meant is ignored.
    pub fn finish_placement(&mut self, i: usize, a: [f32; 2], b: [f32; 2]) {
        self.editing.place_start = None;
        let (min, max) = (
            [a[0].min(b[0]), a[1].min(b[1])],
            [a[0].max(b[0]), a[1].max(b[1])],
        );
        if max[0] - min[0] <= 8.0 || max[1] - min[1] <= 8.0 {
            return;
        }
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        s.landmarks = Some(edit::place_in_box(min, max));
        self.editing.placing = None;
        self.commit_edit(i, "Place face");
    }

    /// Start a keep-still stroke on source `i` at `at` (its pixels); `erase` rubs out. The
    /// brush's radius is `radius` pixels of the source.
    pub fn begin_still_stroke(&mut self, i: usize, at: [f32; 2], radius: f32, erase: bool) {
        if i < self.project.sources.len() {
            self.editing.stroke = Some(crate::render::StillStroke {
                points: vec![at],
                radius,
                erase,
            });
        }
    }

    /// The stroke goes on to `at`.
    pub fn extend_still_stroke(&mut self, at: [f32; 2]) {
        if let Some(s) = &mut self.editing.stroke
            && s.points
                .last()
                .is_none_or(|p| (p[0] - at[0]).hypot(p[1] - at[1]) >= 0.5)
        {
            s.points.push(at);
        }
    }

    /// The stroke ends: one undoable step on source `i`.
    pub fn end_still_stroke(&mut self, i: usize) {
        let Some(stroke) = self.editing.stroke.take() else {
            return;
        };
        let Some(entry) = self.project.sources.get(i) else {
            return;
        };
        let before = self.project.clone();
        let label = if stroke.erase {
            "Rub out keep-still"
        } else {
            "Paint keep-still"
        };
        // Rubbing out where nothing is painted changes nothing.
        if stroke.erase && entry.keep_still.is_empty() {
            return;
        }
        self.project.sources[i].keep_still.push(stroke);
        self.record(label, before, false);
        self.changed();
    }

    /// Nothing kept still on source `i` (undoable).
    pub fn clear_keep_still(&mut self, i: usize) {
        if self
            .project
            .sources
            .get(i)
            .is_some_and(|e| !e.keep_still.is_empty())
        {
            let before = self.project.clone();
            self.project.sources[i].keep_still.clear();
            self.record("Clear keep-still", before, false);
            self.changed();
        }
    }

    /// Copy a source's state into the project (what is saved).
    pub(super) fn sync_source(&mut self, i: usize) {
        if let (Some(s), Some(e)) = (self.sources.get(i), self.project.sources.get_mut(i)) {
            e.face = s.face;
            e.landmarks = if s.edited { s.landmarks } else { None };
        }
    }
}
