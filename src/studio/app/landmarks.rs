//! Landmark corrections on the sources: commits, undo/redo, re-detect, picking a face.

use super::{SourceState, SourceStatus, StudioApp};
use crate::geometry::Face68;
use crate::studio::edit::Edit;

impl SourceState {
    /// Derive what follows from the landmarks: whether they differ from the chosen detected
    /// face (so are saved as a correction), and whether a face is still to be placed.
    fn settle(&mut self) {
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
    /// face pick, a re-detect), undoable.
    pub fn commit_edit(&mut self, i: usize, before: Option<Face68>, face_before: usize) {
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        s.settle();
        let edit = Edit {
            source: i,
            before,
            after: s.landmarks,
            face_before,
            face_after: s.face,
        };
        self.history.push(edit);
        self.sync_source(i);
        self.changed();
    }

    pub fn undo(&mut self) {
        if let Some(e) = self.history.undo() {
            self.apply_landmarks(e.source, e.before, e.face_before);
        }
    }

    pub fn redo(&mut self) {
        if let Some(e) = self.history.redo() {
            self.apply_landmarks(e.source, e.after, e.face_after);
        }
    }

    fn apply_landmarks(&mut self, i: usize, lm: Option<Face68>, face: usize) {
        if let Some(s) = self.sources.get_mut(i) {
            s.face = face;
            s.landmarks = lm;
            s.settle();
            self.selected = i;
            self.sync_source(i);
            self.changed();
        }
    }

    /// Discard the corrections on source `i` and take the detected face again (undoable).
    pub fn redetect(&mut self, i: usize) {
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        let (before, face_before) = (s.landmarks, s.face);
        s.landmarks = s.faces.get(s.face).map(|f| f.landmarks);
        self.commit_edit(i, before, face_before);
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
        let (before, face_before) = (s.landmarks, s.face);
        s.landmarks = Some(found.landmarks);
        s.face = face;
        self.commit_edit(i, before, face_before);
    }

    /// Copy a source's state into the project (what is saved).
    pub(super) fn sync_source(&mut self, i: usize) {
        if let (Some(s), Some(e)) = (self.sources.get(i), self.project.sources.get_mut(i)) {
            e.face = s.face;
            e.landmarks = if s.edited { s.landmarks } else { None };
        }
    }
}
