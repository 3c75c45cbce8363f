//! Undo and redo: each change to the project recorded as one named step, and a step undone
//! or redone restored whole (its media opened again where they changed).

use super::*;

impl StudioApp {
    /// Record what the user just did to the project (from `before` to now) as one undoable
    /// step named `label`; with `merges`, a continuation of the last step of that name (a
    /// slider being dragged) extends it.
    pub(super) fn record(&mut self, label: &str, before: Project, merges: bool) {
        let after = self.project.clone();
        self.editing.history.record(label, before, after, merges);
    }

    /// A settings change made in a panel: undoable (a drag is one step) and the preview
    /// made again.
    pub fn settings_changed(&mut self, label: &str, before: Project) {
        self.record(label, before, true);
        self.changed();
    }

    /// A change the preview does not show (output quality, encoder speed): undoable, saved,
    /// the preview left as it is.
    pub fn record_change(&mut self, label: &str, before: Project) {
        self.record(label, before, true);
        self.mark_dirty();
    }

    pub fn undo(&mut self) {
        if let Some(p) = self.editing.history.undo() {
            self.restore(p);
        }
    }

    pub fn redo(&mut self) {
        if let Some(p) = self.editing.history.redo() {
            self.restore(p);
        }
    }

    /// Make the project `p` again: sources kept where their file is the same (with their
    /// landmarks and face as `p` has them), others opened; the clip and soundtrack reopened
    /// if they differ.
    pub(super) fn restore(&mut self, p: Project) {
        let driving_changed = p.driving != self.project.driving;
        let audio_changed = p.audio != self.project.audio;
        let mut old: Vec<Option<SourceState>> = std::mem::take(&mut self.sources)
            .into_iter()
            .map(Some)
            .collect();
        self.project = p;
        for i in 0..self.project.sources.len() {
            let entry = self.project.sources[i].clone();
            let kept = old
                .iter_mut()
                .find(|s| s.as_ref().is_some_and(|s| s.path == entry.path))
                .and_then(Option::take);
            match kept {
                Some(mut s) => {
                    s.face = entry.face.min(s.faces.len().saturating_sub(1));
                    s.landmarks = entry
                        .landmarks
                        .or_else(|| s.faces.get(s.face).map(|f| f.landmarks));
                    s.settle();
                    self.sources.push(s);
                }
                None => self.load_source(i),
            }
        }
        self.selected = self.selected.min(self.sources.len().saturating_sub(1));
        if driving_changed {
            let d = self.project.driving.clone();
            self.set_driving(d);
        }
        if audio_changed {
            let a = self.project.audio.clone();
            self.set_audio(a);
        }
        self.changed();
    }
}
