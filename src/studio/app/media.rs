//! The project's media: portraits added, removed and loaded in the background; the driving
//! clip and the soundtrack set or cleared.

use super::*;

impl StudioApp {
    /// The timeline shows these frames each in its own slot: their thumbnails are made in the
    /// background (each once).
    pub fn want_frame_thumbnails(&mut self, frames: impl IntoIterator<Item = u64>) {
        let Some(d) = self.driving.as_mut() else {
            return;
        };
        let missing: Vec<u64> = frames
            .into_iter()
            .filter(|k| (*k as usize) < d.times.len() && d.frame_thumbnails_asked.insert(*k))
            .collect();
        if !missing.is_empty() {
            self.worker.send(Job::FrameThumbnails {
                path: d.path.clone(),
                frames: missing,
            });
        }
    }

    pub fn add_source(&mut self, path: PathBuf) {
        let most = crate::pipeline::MAX_SOURCES;
        if self.project.sources.len() >= most {
            self.banner(
                Severity::Warning,
                format!(
                    "{} not added: the project has {most} pictures, the most Vivant animates from (8 to 32 already give the most). Remove one to add another.",
                    file_name(&path)
                ),
                None,
            );
            return;
        }
        self.project.sources.push(SourceEntry {
            path: path.clone(),
            face: 0,
            landmarks: None,
            keep_still: Vec::new(),
        });
        self.load_source(self.project.sources.len() - 1);
        self.selected = self.sources.len() - 1;
        self.changed();
    }

    pub(super) fn load_source(&mut self, index: usize) {
        let entry = self.project.sources[index].clone();
        self.notices.next_id += 1;
        let id = self.notices.next_id;
        let state = SourceState {
            id,
            path: entry.path.clone(),
            status: SourceStatus::Loading,
            image: None,
            texture: None,
            faces: Vec::new(),
            face: entry.face,
            landmarks: entry.landmarks,
            edited: entry.landmarks.is_some(),
        };
        if index < self.sources.len() {
            self.sources[index] = state;
        } else {
            self.sources.push(state);
        }
        self.set_activity(
            &Task::Source(id),
            format!("Opening {}", file_name(&entry.path)),
            None,
        );
        self.worker.send(Job::Source {
            id,
            path: entry.path,
        });
    }

    /// No driving clip (undoable).
    pub fn clear_driving(&mut self) {
        let before = self.project.clone();
        self.set_driving(None);
        self.record("Clear driving clip", before, false);
    }

    /// No soundtrack (undoable).
    pub fn clear_audio(&mut self) {
        let before = self.project.clone();
        self.set_audio(None);
        self.record("Clear soundtrack", before, false);
    }

    /// Take picture `index` out of the project (undoable).
    pub fn remove_source(&mut self, index: usize) {
        if index < self.sources.len() {
            let before = self.project.clone();
            self.sources.remove(index);
            self.project.sources.remove(index);
            self.selected = self.selected.min(self.sources.len().saturating_sub(1));
            self.record("Remove picture", before, false);
            self.changed();
        }
    }

    pub fn set_driving(&mut self, path: Option<PathBuf>) {
        self.project.driving = path.clone();
        self.driving = None;
        self.preview.playhead = 0;
        if let Some(path) = path {
            self.set_activity(
                &Task::Driving,
                format!("Opening {}", file_name(&path)),
                None,
            );
            self.worker.send(Job::Driving { path });
        }
        self.changed();
    }

    /// The soundtrack; with no driving clip the voice drives the face.
    pub fn set_audio(&mut self, path: Option<PathBuf>) {
        self.project.audio = path.clone();
        self.audio = None;
        if let Some(path) = path {
            self.set_activity(&Task::Audio, format!("Reading {}", file_name(&path)), None);
            let fps = self.project.settings.fps.unwrap_or(25.0);
            self.worker.send(Job::Audio { path, fps });
        }
        self.changed();
    }
}
