//! The render settings as the inspector's panels change them: each panel edits a copy and
//! hands it here, where the change becomes one undoable step and the preview is made again
//! when it shows the change.

use super::StudioApp;
use crate::pipeline::RenderSettings;

impl StudioApp {
    /// Settings a panel changed that the preview shows (motion, voice): one undoable step
    /// named `label` (a slider's drag is one step), and the preview made again.
    pub fn set_settings(&mut self, label: &str, settings: RenderSettings) {
        if settings == self.project.settings {
            return;
        }
        let before = self.project.clone();
        self.project.settings = settings;
        self.settings_changed(label, before);
    }

    /// The output's settings: a new size or fit changes the preview's framing (made again);
    /// rate, quality and speed only the export (and a voice alone's timing, by its rate).
    pub fn set_output_settings(&mut self, settings: RenderSettings) {
        let before = self.project.clone();
        let old = &before.settings;
        if settings == *old {
            return;
        }
        let framing = (
            settings.size,
            settings.fit,
            settings.crop_shift,
            settings.crop_zoom,
        ) != (old.size, old.fit, old.crop_shift, old.crop_zoom);
        let rate = settings.fps != old.fps;
        self.project.settings = settings;
        if framing {
            let new = &self.project.settings;
            let label = if (new.size, new.fit) == (old.size, old.fit) {
                "Place the crop"
            } else {
                "Change output size"
            };
            self.settings_changed(label, before);
            return;
        }
        self.record_change("Change output settings", before);
        if rate && self.project.driving.is_none() {
            // A voice alone is timed by the output frame rate.
            let audio = self.project.audio.clone();
            self.set_audio(audio);
        }
    }

    /// What the exported file says about itself (Content Credentials, the visible mark):
    /// saved with the project and undoable; the preview does not show it.
    pub fn set_export_settings(&mut self, settings: RenderSettings) {
        if settings == self.project.settings {
            return;
        }
        let before = self.project.clone();
        let what = if settings.credentials != before.settings.credentials {
            "Content Credentials on/off"
        } else {
            "Visible mark on/off"
        };
        self.project.settings = settings;
        self.record_change(what, before);
    }
}
