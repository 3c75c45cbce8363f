//! The studio's state and what the user can do to it, apart from how it is drawn (`ui`).
//! Every action the window offers is a method here, so a dropped file, a menu item and a test
//! all go through the same code. The state's types are in `state`; the actions are grouped by
//! concern in the files beside this one: `media`, `preview`, `history`, `settings`, `engine`,
//! `landmarks`, `transport`, `export`, `download`, `files`, `choose`, `perform` (the live
//! camera and takes), `actions` (the command table's), `events` (the worker's results).

mod actions;
mod choose;
mod download;
mod engine;
mod events;
mod export;
mod files;
mod history;
mod landmarks;
mod media;
mod perform;
mod preview;
mod settings;
mod state;
mod transport;

pub use self::choose::{PathPrompt, Purpose, complete, entries, prompt_folder};
pub use self::download::{DOWNLOAD_LABEL, DOWNLOAD_TIP};
pub use self::engine::{GPU_FALLBACK, WarpSwitch};
pub use self::perform::{COUNT_IN, LiveDevices, LiveSession, LiveShown, PerformState};
pub use self::state::*;

use crate::geometry::Face68;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use egui::{ColorImage, TextureHandle};
use image::RgbImage;

use super::edit::History;
use super::playback::Player;
use super::project::{Missing, Project, SourceEntry};
use super::worker::{Drawn, FoundFace, Job, JobError, NeuralCancel, Task, Worker};
use crate::pipeline::{
    Backend, EngineSettings, KeepStill, OutputSize, RenderJob, RenderReport, Soundtrack, Stage,
};

pub struct StudioApp {
    pub ctx: egui::Context,
    pub options: StudioOptions,
    pub project: Project,
    pub project_path: Option<PathBuf>,
    /// What a project not saved to a file of its own is called (the bundled demo), until it is.
    pub untitled_name: Option<String>,
    pub sources: Vec<SourceState>,
    pub selected: usize,
    pub driving: Option<DrivingState>,
    pub audio: Option<AudioState>,
    pub export: Option<ExportState>,
    pub notices: NoticeState,
    pub dialogs: DialogState,
    pub preview: PreviewState,
    pub editing: EditingState,
    pub layout: LayoutState,
    pub player: Player,
    pub worker: Worker,
    dirty: bool,
    /// Changes since the last autosave.
    autosave_due: bool,
    last_autosave: Instant,
    /// UI frame times, for the status bar and the responsiveness benchmark.
    pub frame_times: VecDeque<f64>,
    last_frame: Option<Instant>,
    pub recent: Vec<PathBuf>,
    /// The LivePortrait weights folder last chosen, offered to every project.
    pub weights: Option<PathBuf>,
    /// The settings of the engine last chosen before the current one, restored when it is
    /// chosen again (the project keeps only its engine's own).
    other_engine: Option<EngineSettings>,
    /// Commands asked for during this frame, run once it is drawn.
    queued: Vec<crate::studio::commands::Command>,
    /// Where LivePortrait's weights are looked for when none are chosen (the environment's
    /// places; tests set their own).
    pub places: crate::neural::weights::Places,
    /// Where *Download* fetches the weights from and into: tests set their own; `None`, the
    /// environment's, read when the button is pressed (not before: nothing of the Hub's is
    /// looked at until the user asks).
    pub hub: Option<crate::neural::fetch::Hub>,
    /// The download of the weights, while it runs.
    pub download: Option<DownloadState>,
    /// The user's own certificate for Content Credentials, when chosen (`signer()`).
    own_signer: Option<crate::export::credentials::Signer>,
    /// Whether a GPU can draw the warp (its name, or why not); `None` until probed.
    pub gpu: Option<Result<String, crate::render::GpuError>>,
    /// Perform: the camera, the live view, takes being recorded.
    pub perform: PerformState,
    /// When the project now open began opening, until its opening counts as survived.
    opening_since: Option<Instant>,
    /// Where the neural engine's networks can run here; `None` until probed.
    pub compute: Option<crate::devices::ComputeReport>,
}

impl StudioApp {
    pub fn new(ctx: &egui::Context, options: StudioOptions) -> Self {
        let waker = ctx.clone();
        let worker = Worker::start(Arc::new(move || waker.request_repaint()));
        let player = Player::new(options.sound);
        let mut app = Self {
            ctx: ctx.clone(),
            options: options.clone(),
            project: Project::default(),
            project_path: None,
            untitled_name: None,
            sources: Vec::new(),
            selected: 0,
            driving: None,
            audio: None,
            export: None,
            notices: NoticeState {
                next_id: 1,
                ..Default::default()
            },
            dialogs: DialogState::default(),
            preview: PreviewState {
                playhead: 0,
                looping: false,
                play_bounds: (0, 0),
                frames: 0,
                fps: 25.0,
                cache: FrameCache::new(512 << 20),
                shown: None,
                generation: 0,
                prepared: 0,
                prepare_cancel: Arc::new(AtomicBool::new(false)),
                prepare_due: None,
                requested: None,
                neural: false,
                neural_state: NeuralState::default(),
                drawing: None,
                neural_failed: None,
                last_cancel: None,
                cancels: 0,
                sources: Vec::new(),
                chosen: HashMap::new(),
            },
            editing: EditingState::default(),
            layout: LayoutState {
                view: View::SideBySide,
                zooms: HashMap::new(),
                show_landmarks: true,
                source_rect: None,
                timeline_rect: None,
                preview_rect: None,
                window_title: None,
                timeline_view: (0.0, 1.0),
                panels: PanelSizes::default(),
                panels_changed: false,
            },
            player,
            worker,
            dirty: false,
            autosave_due: false,
            last_autosave: Instant::now(),
            frame_times: VecDeque::new(),
            last_frame: None,
            recent: Vec::new(),
            weights: None,
            other_engine: None,
            queued: Vec::new(),
            places: crate::neural::weights::Places::from_env(),
            hub: None,
            download: None,
            own_signer: None,
            gpu: None,
            compute: None,
            perform: PerformState::default(),
            opening_since: None,
        };
        // Once, in the background: is there a GPU for the warp, and for the networks?
        app.worker.send(Job::ProbeGpu);
        app.worker.send(Job::ProbeDevices);
        if let Some(notice) = app.player.notice.clone() {
            app.banner(Severity::Info, notice, None);
        }
        app.recent = app.read_recent();
        app.dialogs.last_folders = app.read_state("folders.json").unwrap_or_default();
        app.weights = app.read_weights();
        app.own_signer = app.read_own_signer();
        app.layout.panels = app.read_panels();
        app.perform.devices = app.read_live_devices();
        let autosave = app.autosave_path().filter(|p| p.exists());
        // A project Vivant went down while opening is not opened again by itself: the window
        // always comes up, and offers it (a crash loop otherwise).
        let unsafe_project = app.take_opening_mark();
        let reopen = |p: &Path| unsafe_project.as_deref() != Some(p);
        if let Some(bad) = &unsafe_project
            && (options
                .project
                .as_deref()
                .map(super::project::absolute)
                .as_deref()
                == Some(bad.as_path())
                || app.recent.first() == Some(bad))
        {
            app.banner(
                Severity::Warning,
                format!(
                    "Vivant stopped unexpectedly while opening {} last time, so it was not opened again. If it stops again, check the engine's weights folder (`vivant models check`) or open its media one by one.",
                    file_name(bad)
                ),
                Some(("Open anyway".into(), BannerAction::OpenAnyway(bad.clone()))),
            );
        }
        if let Some(path) = options
            .project
            .clone()
            .filter(|p| reopen(&super::project::absolute(p)))
        {
            app.open_project(&path);
        } else if let Some(auto) = autosave {
            // Offered back, also when files were given to start a new project with.
            app.banner(
                Severity::Warning,
                format!(
                    "Vivant closed without saving your last changes (autosaved in {}).",
                    auto.display()
                ),
                Some(("Recover".into(), BannerAction::Recover)),
            );
        } else if !options.media.is_empty() {
            // A new project with the files given: added below.
        } else if options.project.is_some() || unsafe_project.is_some() {
            // Not reopened (said above); the window starts empty.
        } else if let Some(last) = app.recent.first().cloned().filter(|p| p.exists()) {
            app.open_project(&last);
        } else if options.demo_on_first_launch {
            let demo = crate::studio::demo_project();
            // The demo is a starting point, not the user's file: opened untitled, so a save
            // asks where, and not remembered among the recent projects.
            match Project::load(&demo) {
                Ok(p) => {
                    app.load(p, None);
                    app.untitled_name = Some(format!("Demo project ({})", file_name(&demo)));
                }
                Err(e) => app.banner(Severity::Error, e.to_string(), None),
            }
        }
        if options.project.is_none() {
            for path in &options.media {
                app.add_path(path);
            }
        }
        app
    }

    // ---- banners ------------------------------------------------------------------------------

    pub fn banner(
        &mut self,
        severity: Severity,
        text: impl Into<String>,
        action: Option<(String, BannerAction)>,
    ) {
        self.banner_with_detail(severity, text, None, action);
    }

    /// A banner whose technical detail (`detail`) is shown only when asked for.
    pub fn banner_with_detail(
        &mut self,
        severity: Severity,
        text: impl Into<String>,
        detail: Option<String>,
        action: Option<(String, BannerAction)>,
    ) {
        let text = text.into();
        if self.notices.banners.iter().any(|b| b.text == text)
            || self.notices.dismissed.contains(&text)
        {
            return;
        }
        self.notices.next_id += 1;
        self.notices.banners.push(Banner {
            id: self.notices.next_id,
            severity,
            text,
            detail,
            action,
            topic: None,
        });
    }

    /// A banner about `topic`: it goes by itself once that is settled (`settled`).
    pub fn banner_on(
        &mut self,
        topic: Topic,
        severity: Severity,
        text: impl Into<String>,
        action: Option<(String, BannerAction)>,
    ) {
        let text = text.into();
        self.banner(severity, text.clone(), action);
        if let Some(b) = self.notices.banners.iter_mut().find(|b| b.text == text) {
            b.topic = Some(topic);
        }
    }

    /// What was said about `topic` is out of date: it goes.
    pub fn settled(&mut self, topic: Topic) {
        self.notices.banners.retain(|b| b.topic != Some(topic));
    }

    pub fn dismiss(&mut self, id: u64) {
        self.notices.banners.retain(|b| b.id != id);
    }

    /// The user's *Dismiss*: the banner goes, and a note or warning with the same words is
    /// not shown again this session. An error still is: it answers something the user did
    /// again.
    pub fn dismiss_by_user(&mut self, id: u64) {
        if let Some(b) = self.notices.banners.iter().find(|b| b.id == id)
            && b.severity != Severity::Error
        {
            self.notices.dismissed.insert(b.text.clone());
        }
        self.dismiss(id);
    }

    pub fn run_banner_action(&mut self, id: u64, action: BannerAction) {
        match action {
            BannerAction::Relocate(which) => self.choose(Purpose::Relocate(which, id)),
            BannerAction::Recover => {
                self.dismiss(id);
                self.request(Discard::Recover);
            }
            BannerAction::PlaceFace(i) => {
                self.dismiss(id);
                self.start_placing(i);
            }
            BannerAction::ShowInFolder(dir) => {
                if let Err(e) = show_in_folder(&dir, FOLDER_OPENER) {
                    self.banner(Severity::Error, e, None);
                }
            }
            BannerAction::DownloadWeights => {
                self.dismiss(id);
                self.start_download();
            }
            BannerAction::OpenAnyway(path) => {
                self.dismiss(id);
                self.request(Discard::OpenProject(path));
            }
        }
    }

    // ---- adding media (drop, Add…, tests) -----------------------------------------------------

    /// Add a file as a drop does: images become sources, a video the driving clip, an audio
    /// file the soundtrack, a project is opened.
    pub fn add_path(&mut self, path: &Path) {
        let path = super::project::absolute(path);
        let before = self.project.clone();
        if path.is_dir() {
            // A folder: the neural engine's weights.
            self.set_weights(path);
            self.record("Choose weights folder", before, false);
            return;
        }
        match media_kind(&path) {
            Some(MediaKind::Image) => {
                self.add_source(path);
                self.record("Add picture", before, false);
            }
            Some(MediaKind::Video) => {
                self.set_driving(Some(path));
                self.record("Set driving clip", before, false);
            }
            Some(MediaKind::Audio) => {
                self.set_audio(Some(path));
                self.record("Set soundtrack", before, false);
            }
            Some(MediaKind::Project) => self.request(Discard::OpenProject(path)),
            None => self.banner(
                Severity::Error,
                format!(
                    "{}: not a file Vivant opens. Drop a picture (PNG, JPEG, WebP, TIFF, BMP), a video (MP4, MOV, MKV, WebM) or a sound file (WAV, MP3, FLAC, Ogg, M4A).",
                    path.display()
                ),
                None,
            ),
        }
    }

    /// The playhead starts the render range.
    pub fn set_in(&mut self) {
        let before = self.project.clone();
        let t = self.time_of(self.preview.playhead);
        let s = &mut self.project.settings;
        s.start_s = Some(t);
        if s.end_s.is_some_and(|o| o <= t) {
            s.end_s = None;
        }
        self.record("Set in point", before, false);
        self.mark_dirty();
    }

    /// The playhead's frame ends the render range (it is included).
    pub fn set_out(&mut self) {
        let before = self.project.clone();
        let t = self.time_of(self.preview.playhead) + 1.0 / self.preview.fps.max(1.0);
        let s = &mut self.project.settings;
        s.end_s = Some(t);
        if s.start_s.is_some_and(|i| i >= t) {
            s.start_s = None;
        }
        self.record("Set out point", before, false);
        self.mark_dirty();
    }

    /// Open the command palette (Ctrl+Shift+P): type to find any command.
    pub fn open_palette(&mut self) {
        self.dialogs.palette = Some(Default::default());
    }

    pub fn clear_range(&mut self) {
        let before = self.project.clone();
        self.project.settings.start_s = None;
        self.project.settings.end_s = None;
        self.record("Clear range", before, false);
        self.mark_dirty();
    }

    /// A change that the preview does not show (output settings): only autosave.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
        self.autosave_due = true;
    }

    /// With no driving clip, a soundtrack is a voice the portrait speaks.
    pub fn voice_mode(&self) -> bool {
        self.project.driving.is_none() && self.project.audio.is_some()
    }

    // ---- settings, preview --------------------------------------------------------------------

    /// Something that changes the animation changed: prepare the preview again (shortly, so a
    /// slider drag prepares once) and mark the project for autosave.
    pub fn changed(&mut self) {
        self.dirty = true;
        self.autosave_due = true;
        self.refresh();
    }

    /// What the preview needs arrived (a source's faces): prepare it again, nothing to save.
    fn refresh(&mut self) {
        self.preview.prepare_due = Some(Instant::now() + Duration::from_millis(150));
    }
}

pub use crate::output::writable;

/// The desktop's program that opens a folder in its file manager.
const FOLDER_OPENER: &str = if cfg!(target_os = "macos") {
    "open"
} else if cfg!(windows) {
    "explorer"
} else {
    "xdg-open"
};

/// Open `dir` in the file manager with `opener`. The error says which went wrong: the folder,
/// or the program (a missing `xdg-open` used to read as if the folder did not exist).
fn show_in_folder(dir: &Path, opener: &str) -> Result<(), String> {
    if !dir.is_dir() {
        return Err(format!(
            "{} no longer exists (moved or deleted since the export?)",
            dir.display()
        ));
    }
    match std::process::Command::new(opener).arg(dir).spawn() {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "No program to open folders was found ({opener} is not installed); the file is in {}",
            dir.display()
        )),
        Err(e) => Err(format!("{opener} could not open {}: {e}", dir.display())),
    }
}

pub use crate::media::file_name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_in_folder_says_whether_the_folder_or_the_program_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        // An existing folder and a program that exists: opened.
        assert_eq!(show_in_folder(dir.path(), "true"), Ok(()));
        // An existing folder and no such program: the program is named, not the folder.
        let e = show_in_folder(dir.path(), "vivant-no-such-opener").expect_err("no opener");
        assert!(
            e.contains("vivant-no-such-opener is not installed")
                && e.contains(&dir.path().display().to_string()),
            "{e}"
        );
        // A folder that is gone.
        let gone = dir.path().join("gone");
        let e = show_in_folder(&gone, "true").expect_err("no folder");
        assert!(e.contains("no longer exists"), "{e}");
    }
}
