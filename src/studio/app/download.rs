//! LivePortrait's weights without a folder chosen: found in the usual places, or downloaded
//! from Hugging Face when the user asks (*Download*), in the background with progress and
//! Cancel. Nothing is downloaded any other way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{BannerAction, DownloadState, Severity, StudioApp, Topic};
use crate::neural::fetch::{self, FetchOptions, FetchProgress, FetchStage, Fetched, megabytes};
use crate::pipeline::EngineChoice;
use crate::studio::worker::Task;

/// The button's words: what, how much, under which licence, from where.
pub const DOWNLOAD_LABEL: &str =
    "Download LivePortrait's weights (≈ 520 MB, MIT licence, from Hugging Face)";

/// What the download does, on hover.
pub const DOWNLOAD_TIP: &str = "The five files the neural engine needs, from huggingface.co/KwaiVGI/LivePortrait into the Hugging Face cache (shared with Python tools); checked, then used. Cancel at any time: the next download resumes where it stopped.";

impl DownloadState {
    /// The status line and the fraction done.
    pub fn describe(&self) -> (String, Option<f32>) {
        let Some(p) = &self.progress else {
            return ("Downloading LivePortrait's weights".into(), None);
        };
        let what = match &p.stage {
            FetchStage::Asking => {
                return (
                    "Asking Hugging Face for LivePortrait's weights".into(),
                    None,
                );
            }
            FetchStage::Checking(f) => format!("Checking {}", base_name(f)),
            FetchStage::Downloading(f) => format!("Downloading {}", base_name(f)),
            FetchStage::Installing => "Installing LivePortrait's weights".into(),
        };
        let left = p
            .eta(self.started.elapsed())
            .map(|t| format!(", {} left", duration(t)))
            .unwrap_or_default();
        let text = format!(
            "{what}: {} of {}{left}",
            megabytes(p.done),
            megabytes(p.total)
        );
        let fraction = (p.total > 0).then(|| p.done as f32 / p.total as f32);
        (text, fraction)
    }
}

/// The last part of a path in the repository (`liveportrait/spade_generator.pth`).
fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn duration(t: Duration) -> String {
    let s = t.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

impl StudioApp {
    /// Look for LivePortrait's weights in the usual places (the Hugging Face cache, a
    /// LivePortrait checkout, ComfyUI's models folder). Found: chosen, and a banner says which
    /// (true). Not found: a banner says where it looked and offers the download (false).
    pub fn find_weights(&mut self) -> bool {
        match crate::neural::weights::find(&self.places) {
            Ok(found) => {
                let before = self.project.clone();
                if !self.set_weights(found.root.clone()) {
                    return false;
                }
                self.record("Choose weights folder", before, false);
                self.banner(
                    Severity::Info,
                    format!(
                        "Using LivePortrait's weights from {} ({}).",
                        found.root.display(),
                        found.layout.describe()
                    ),
                    None,
                );
                true
            }
            Err(crate::neural::NeuralError::NotFound { looked }) => {
                self.banner_on(
                    Topic::Weights,
                    Severity::Info,
                    format!(
                        "LivePortrait's weights were not found (looked in {}). Download them ({}, MIT licence, from Hugging Face), or choose the folder where you have them.",
                        if looked.is_empty() {
                            "no folder: no home folder is set".to_string()
                        } else {
                            looked.join(", ")
                        },
                        fetch::APPROX_SIZE
                    ),
                    Some(("Download".into(), BannerAction::DownloadWeights)),
                );
                false
            }
            Err(e) => {
                self.banner_on(Topic::Weights, Severity::Error, e.to_string(), None);
                false
            }
        }
    }

    /// Download LivePortrait's weights into the Hugging Face cache in the background (the
    /// user's *Download*); when they are in and their networks build, they are used.
    pub fn start_download(&mut self) {
        if self.download.is_some() {
            self.banner(
                Severity::Warning,
                "LivePortrait's weights are already downloading.",
                None,
            );
            return;
        }
        let hub = match self.hub.clone().map_or_else(fetch::Hub::from_env, Ok) {
            Ok(hub) => hub,
            Err(why) => {
                self.banner(Severity::Error, format!("Cannot download: {why}."), None);
                return;
            }
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let state = DownloadState {
            cancel: cancel.clone(),
            started: Instant::now(),
            progress: None,
        };
        let (text, fraction) = state.describe();
        self.set_activity(&Task::Download, text, fraction);
        self.download = Some(state);
        self.worker.download(hub, FetchOptions::default(), cancel);
    }

    /// Stop the download at its next chunk: nothing is installed, and what it has stays in the
    /// cache for the next download to resume from.
    pub fn cancel_download(&mut self) {
        if let Some(d) = &self.download {
            d.cancel.store(true, Ordering::Relaxed);
        }
    }

    pub fn downloading(&self) -> bool {
        self.download.is_some()
    }

    pub(super) fn on_download_progress(&mut self, p: FetchProgress) {
        if let Some(d) = &mut self.download {
            d.progress = Some(p);
            let (text, fraction) = d.describe();
            self.set_activity(&Task::Download, text, fraction);
        }
    }

    /// The weights are in the cache and build: chosen, and the neural engine with them (as
    /// choosing their folder does).
    pub(super) fn on_downloaded(&mut self, fetched: Fetched) {
        self.download = None;
        self.end_activity(&Task::Download);
        let before = self.project.clone();
        if !self.set_weights(fetched.folder.clone()) {
            return;
        }
        self.record("Choose weights folder", before, false);
        let how = if fetched.offline {
            "offline: the copy already in the cache".to_string()
        } else if fetched.downloaded == 0 {
            "already in the cache".to_string()
        } else if fetched.files.iter().any(|f| f.resumed_from.is_some()) {
            format!(
                "{} downloaded, resuming the last download",
                megabytes(fetched.downloaded)
            )
        } else {
            format!("{} downloaded", megabytes(fetched.downloaded))
        };
        self.banner(
            Severity::Info,
            format!(
                "LivePortrait's weights are in {} ({how}) and checked; the neural engine uses them.",
                fetched.folder.display()
            ),
            None,
        );
        self.set_engine(EngineChoice::Neural);
    }

    /// The download failed or was cancelled (the banner is the failure's own).
    pub(super) fn on_download_failed(&mut self) {
        self.download = None;
    }
}
