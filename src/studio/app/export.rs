//! Exporting: checks before starting, the export job, cancelling.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::{ExportState, Severity, StudioApp, Topic, writable};

impl StudioApp {
    /// Export to `output` (the Export button asks where first).
    pub fn start_export(&mut self, output: PathBuf) {
        if self.export.as_ref().is_some_and(|e| e.finished.is_none()) {
            self.banner_on(
                Topic::Export,
                Severity::Warning,
                "An export is already running.",
                None,
            );
            return;
        }
        // What the last export came to (cancelled, failed, done) is not this one's.
        self.settled(Topic::Export);
        let Some(job) = self.render_job(output.clone(), true) else {
            self.banner_on(
                Topic::Export,
                Severity::Error,
                "Nothing to export yet: add a portrait with a face, and a driving clip or a voice recording.",
                None,
            );
            return;
        };
        let dir = output
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if let Err(e) = writable(&dir) {
            self.banner_on(
                Topic::Export,
                Severity::Error,
                format!(
                    "Cannot write to {}: {e}. Choose another folder.",
                    dir.display()
                ),
                None,
            );
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.export = Some(ExportState {
            output,
            cancel: cancel.clone(),
            started: Instant::now(),
            stage: None,
            rendering_since: None,
            finished: None,
        });
        self.worker.export(job, cancel);
    }

    pub fn cancel_export(&mut self) {
        if let Some(e) = &self.export {
            e.cancel.store(true, Ordering::Relaxed);
        }
    }

    pub fn exporting(&self) -> bool {
        self.export.as_ref().is_some_and(|e| e.finished.is_none())
    }
}
