//! Landmark corrections on the sources: commits, undo/redo, re-detect, picking a face.

use super::StudioApp;
use crate::studio::app::SourceStatus;
use crate::studio::edit::Edit;

impl StudioApp {
    /// Record a landmark change made on source `i` (a drag, a placement, a face pick).
    pub fn commit_edit(&mut self, i: usize, before: Option<Vec<[f32; 2]>>, face_before: usize) {
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        s.edited = true;
        if matches!(s.status, SourceStatus::NoFace) && s.landmarks.is_some() {
            s.status = SourceStatus::Ready;
        }
        let edit = Edit {
            source: i,
            before,
            after: s.landmarks.clone(),
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

    pub(super) fn apply_landmarks(&mut self, i: usize, lm: Option<Vec<[f32; 2]>>, face: usize) {
        if let Some(s) = self.sources.get_mut(i) {
            s.face = face;
            s.edited = lm.is_some() && lm.as_ref() != s.faces.get(face).map(|f| &f.landmarks);
            s.landmarks = lm;
            if s.landmarks.is_some() && matches!(s.status, SourceStatus::NoFace) {
                s.status = SourceStatus::Ready;
            } else if s.landmarks.is_none() && s.faces.is_empty() && s.image.is_some() {
                s.status = SourceStatus::NoFace;
            }
            self.selected = i;
            self.sync_source(i);
            self.changed();
        }
    }

    /// Discard the edits on source `i` and take the detected face again (undoable).
    pub fn redetect(&mut self, i: usize) {
        let Some(s) = self.sources.get_mut(i) else {
            return;
        };
        let before = s.landmarks.clone();
        let face_before = s.face;
        s.landmarks = s.faces.get(s.face).map(|f| f.landmarks.clone());
        s.edited = false;
        let edit = Edit {
            source: i,
            before,
            after: s.landmarks.clone(),
            face_before,
            face_after: s.face,
        };
        self.history.push(edit);
        self.sync_source(i);
        self.changed();
    }

    /// Animate another of the faces found on source `i`.
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
        let before = s.landmarks.clone();
        let face_before = s.face;
        s.face = face;
        s.landmarks = Some(found.landmarks.clone());
        self.commit_edit(i, before, face_before);
        if let Some(s) = self.sources.get_mut(i) {
            s.edited = false;
        }
        self.sync_source(i);
    }

    /// Copy a source's state into the project (what is saved).
    pub(super) fn sync_source(&mut self, i: usize) {
        if let (Some(s), Some(e)) = (self.sources.get(i), self.project.sources.get_mut(i)) {
            e.face = s.face;
            e.landmarks = if s.edited { s.landmarks.clone() } else { None };
        }
    }
}
