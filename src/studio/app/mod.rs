//! The studio's state and what the user can do to it, apart from how it is drawn (`ui`).
//! Every action the window offers is a method here, so a dropped file, a menu item and a test
//! all go through the same code. The actions are grouped by concern in the files beside this
//! one: `landmarks`, `transport`, `export`, `download`, `files`, `events`.

mod actions;
mod choose;
mod download;
mod engine;
mod events;
mod export;
mod files;
mod landmarks;
mod settings;
mod transport;

pub use self::choose::{PathPrompt, Purpose, complete, entries};
pub use self::download::{DOWNLOAD_LABEL, DOWNLOAD_TIP};

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
    Backend, EngineSettings, OutputSize, RenderJob, RenderReport, Soundtrack, Stage,
};

/// Where the studio keeps its autosave and recent projects, and how it starts.
#[derive(Clone, Debug, Default)]
pub struct StudioOptions {
    /// Open this project (else recover, else the last one, else the bundled demo).
    pub project: Option<PathBuf>,
    /// Autosave and recent projects (default: `$XDG_STATE_HOME/vivant`).
    pub state_dir: Option<PathBuf>,
    /// Open the sound device (tests run silent).
    pub sound: bool,
    /// On a first launch, open the bundled demo project.
    pub demo_on_first_launch: bool,
    /// Ask for files with the desktop's dialogs (tests type paths into Vivant's own prompt).
    pub desktop_dialogs: bool,
    /// Pictures, a clip or a recording to start a new project with, as if dropped on the
    /// window (the desktop's "Open with Vivant").
    pub media: Vec<PathBuf>,
}

/// Which file kinds go where when dropped or added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Project,
}

pub fn media_kind(path: &Path) -> Option<MediaKind> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" | "jpg" | "jpeg" | "webp" | "tif" | "tiff" | "bmp" => MediaKind::Image,
        "mp4" | "mov" | "mkv" | "webm" | "avi" | "m4v" => MediaKind::Video,
        "wav" | "mp3" | "flac" | "ogg" | "oga" | "opus" | "m4a" | "aac" => MediaKind::Audio,
        "vivant" => MediaKind::Project,
        _ => return None,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// What a banner's button does.
#[derive(Clone, Debug, PartialEq)]
pub enum BannerAction {
    Relocate(Missing),
    Recover,
    PlaceFace(usize),
    ShowInFolder(PathBuf),
    /// Download LivePortrait's weights (offered where none were found).
    DownloadWeights,
}

impl BannerAction {
    /// What the banner's button does, for its tooltip.
    pub fn tooltip(&self) -> String {
        match self {
            BannerAction::Relocate(_) => "Choose where the missing file is now".into(),
            BannerAction::Recover => "Open the changes autosaved before Vivant closed".into(),
            BannerAction::PlaceFace(_) => {
                "Drag a box around the face yourself: brows to chin".into()
            }
            BannerAction::ShowInFolder(p) => format!("Open the folder of {}", p.display()),
            BannerAction::DownloadWeights => DOWNLOAD_TIP.into(),
        }
    }
}

/// Something the user asked for that would throw away unsaved changes: held while they are
/// asked whether to save first.
#[derive(Clone, Debug, PartialEq)]
pub enum Discard {
    NewProject,
    OpenProject(PathBuf),
    /// The open dialog, shown once the changes are dealt with.
    ChooseProject,
    /// The autosaved project, offered back after a crash.
    Recover,
    Quit,
}

/// "Don't save" or "Cancel" to "save your changes?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    DontSave,
    Cancel,
}

/// A message across the top of the window, until dismissed.
#[derive(Clone, Debug)]
pub struct Banner {
    pub id: u64,
    pub severity: Severity,
    pub text: String,
    pub action: Option<(String, BannerAction)>,
}

/// The state of a source picture.
pub enum SourceStatus {
    Loading,
    Ready,
    /// The detector found no face: the user places one.
    NoFace,
    Failed(Arc<JobError>),
}

pub struct SourceState {
    pub id: u64,
    pub path: PathBuf,
    pub status: SourceStatus,
    pub image: Option<Arc<RgbImage>>,
    pub texture: Option<TextureHandle>,
    pub faces: Vec<FoundFace>,
    /// The face animated (index into `faces`).
    pub face: usize,
    /// The landmarks in use: the chosen face's, or the user's corrections.
    pub landmarks: Option<Face68>,
    /// `landmarks` differ from the detection (saved in the project).
    pub edited: bool,
}

pub struct DrivingState {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub times: Vec<f64>,
    pub thumbnails: Vec<(f64, TextureHandle)>,
    pub waveform: Option<(Vec<(f32, f32)>, f64)>,
}

pub struct AudioState {
    pub path: PathBuf,
    pub waveform: Vec<(f32, f32)>,
    pub duration_s: f64,
    /// The mouth opening the voice makes, per frame at `fps`.
    pub open: Vec<f32>,
    pub fps: f64,
}

/// A drawn preview frame, kept in memory (not on the GPU: two textures show whichever frame
/// is on screen).
pub struct PreviewFrame {
    pub result: Arc<ColorImage>,
    /// The project's source the engine animated for it.
    pub source: Option<usize>,
    pub driving: Option<(Arc<ColorImage>, Face68)>,
    /// By which engine: a warp stand-in is replaced when the neural frame comes.
    pub drawn: Drawn,
    bytes: usize,
}

/// What the driving and result views show now.
pub struct Shown {
    /// Generation and frame index shown.
    pub key: (u64, u64),
    /// How the frame shown was drawn (a stand-in is marked as such).
    pub drawn: Drawn,
    /// The project's source animated in it.
    pub source: Option<usize>,
    pub result: TextureHandle,
    pub driving: Option<(TextureHandle, Face68)>,
}

/// Drawn frames by index, oldest out first past a memory budget, so scrubbing back over a
/// drawn range shows frames at once.
pub struct FrameCache {
    frames: HashMap<u64, PreviewFrame>,
    order: VecDeque<u64>,
    bytes: usize,
    pub budget: usize,
}

impl FrameCache {
    fn new(budget: usize) -> Self {
        Self {
            frames: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            budget,
        }
    }

    fn insert(&mut self, k: u64, f: PreviewFrame) {
        // A neural frame took seconds; its warp stand-in never takes its place.
        if f.drawn == Drawn::StandIn
            && self
                .frames
                .get(&k)
                .is_some_and(|old| matches!(old.drawn, Drawn::Neural(_)))
        {
            return;
        }
        self.bytes += f.bytes;
        if let Some(old) = self.frames.insert(k, f) {
            self.bytes -= old.bytes;
            self.order.retain(|&x| x != k);
        }
        self.order.push_back(k);
        while self.bytes > self.budget && self.order.len() > 1 {
            if let Some(old) = self.order.pop_front().and_then(|o| self.frames.remove(&o)) {
                self.bytes -= old.bytes;
            }
        }
    }

    pub fn get(&self, k: u64) -> Option<&PreviewFrame> {
        self.frames.get(&k)
    }

    /// The drawn frame nearest `k` (shown while `k` itself is being drawn).
    pub fn nearest_index(&self, k: u64) -> Option<u64> {
        self.frames.keys().copied().min_by_key(|i| i.abs_diff(k))
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    pub fn clear(&mut self) {
        self.frames.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

/// Preview layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    SideBySide,
    Source,
    Driving,
    Result,
}

impl View {
    pub const ALL: [(View, &'static str); 4] = [
        (View::SideBySide, "Side by side"),
        (View::Source, "Source"),
        (View::Driving, "Driving"),
        (View::Result, "Result"),
    ];

    /// What the view shows, for its tooltip.
    pub fn tooltip(self) -> &'static str {
        match self {
            View::SideBySide => "The portrait, the driving clip and the result together",
            View::Source => "The portrait alone, large, for correcting its landmarks",
            View::Driving => "The driving clip's frame alone, with its tracked face",
            View::Result => "The animated result alone",
        }
    }
}

/// Zoom and pan of a preview image (1 = fitted to its area).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZoomPan {
    pub zoom: f32,
    pub pan: egui::Vec2,
}

impl Default for ZoomPan {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            pan: egui::Vec2::ZERO,
        }
    }
}

/// A landmark drag in progress.
#[derive(Clone, Debug)]
pub struct Drag {
    pub point: usize,
    pub whole_feature: bool,
    pub before: Option<Face68>,
    /// Where the press was, image pixels.
    pub origin: [f32; 2],
}

/// The export in progress or just finished.
pub struct ExportState {
    pub output: PathBuf,
    pub cancel: Arc<AtomicBool>,
    pub started: Instant,
    pub done: u64,
    pub total: u64,
    /// What it is doing (`None` before its first report).
    pub stage: Option<Stage>,
    /// When the first rendered frame was reported, and how many were done then: the
    /// per-frame rate is measured from there (preparation does not count).
    pub rendering_since: Option<(Instant, u64)>,
    pub finished: Option<Result<RenderReport, Arc<JobError>>>,
}

impl ExportState {
    /// A progress report from the export.
    pub fn progress(&mut self, stage: Stage, now: Instant) {
        let (done, total) = match stage {
            Stage::Analysing(d, t) | Stage::Rendering(d, t) => (d, t),
            Stage::Source | Stage::Listening => (0, 0),
        };
        if matches!(stage, Stage::Rendering(..)) && self.rendering_since.is_none() {
            self.rendering_since = Some((now, done));
        }
        self.done = done;
        self.total = total;
        self.stage = Some(stage);
    }

    fn rendering(&self) -> bool {
        matches!(self.stage, Some(Stage::Rendering(..)))
    }

    /// The stage in words.
    fn stage_words(&self) -> &'static str {
        match self.stage {
            None => "Starting",
            Some(Stage::Source) => "Finding the face",
            Some(Stage::Listening) => "Listening to the voice",
            Some(Stage::Analysing(..)) => "Analysing the driving clip",
            Some(Stage::Rendering(..)) => "Rendering",
        }
    }

    /// Seconds left at `now`, from the frames rendered since the first one was reported (at
    /// least one frame measured).
    pub fn eta_s(&self, now: Instant) -> Option<f64> {
        let (since, first) = self.rendering_since?;
        if !self.rendering() || self.total == 0 || self.done <= first {
            return None;
        }
        let per_frame = (now - since).as_secs_f64() / (self.done - first) as f64;
        Some(self.total.saturating_sub(self.done) as f64 * per_frame)
    }

    /// What the status bar and the export panel say: the stage, frames done of all, and
    /// while rendering the time left ("Rendering: 12 of 50 frames · 19 s left").
    pub fn progress_text(&self, now: Instant) -> String {
        let stage = self.stage_words();
        if self.total == 0 {
            return stage.into();
        }
        let frames = format!("{stage}: {} of {} frames", self.done, self.total);
        if !self.rendering() {
            return frames;
        }
        match self.eta_s(now) {
            Some(s) => format!("{frames} · {} left", duration_words(s)),
            None => format!("{frames} · measuring the time left"),
        }
    }
}

/// A duration as people say it: "8 s", "2 min 05 s", "1 h 03 min".
pub fn duration_words(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// The download of LivePortrait's weights, while it runs.
pub struct DownloadState {
    pub cancel: Arc<AtomicBool>,
    pub started: Instant,
    /// The latest report (none before the first).
    pub progress: Option<crate::neural::fetch::FetchProgress>,
}

/// Background work shown in the status bar.
#[derive(Clone, Debug)]
pub struct Activity {
    pub text: String,
    pub fraction: Option<f32>,
}

/// What the preview shows and what it waits for: the playhead, the prepared animation's length
/// and rate, the drawn frames, and the scheduling of preparation and frame requests.
pub struct PreviewState {
    pub playhead: u64,
    /// Frames and rate on the timeline (the prepared animation's).
    pub frames: u64,
    pub fps: f64,
    pub cache: FrameCache,
    /// The preview frame on screen (exact or nearest to the playhead).
    pub shown: Option<Shown>,
    /// Bumped whenever what the preview shows must be made again.
    pub generation: u64,
    pub prepared: u64,
    pub(super) prepare_cancel: Arc<AtomicBool>,
    pub(super) prepare_due: Option<Instant>,
    /// The last frame asked for: generation, frame, and whether its neural frame too.
    pub(super) requested: Option<(u64, u64, bool)>,
    /// The prepared animation is the neural engine's: its frames come first from the warp
    /// engine, as stand-ins.
    pub neural: bool,
    /// Where the neural engine's own preparation stands.
    pub neural_state: NeuralState,
    /// The neural frame being drawn, and how far (0–1).
    pub drawing: Option<(u64, f32)>,
    /// The neural frame whose drawing failed (its stand-in stays).
    pub neural_failed: Option<u64>,
    /// The last neural frame stopped part way by a newer request, and how many so far.
    pub last_cancel: Option<NeuralCancel>,
    pub cancels: u64,
    /// For each source of the prepared job, the project's source it is (sources without a
    /// face are left out of the job).
    pub sources: Vec<usize>,
    /// For each frame drawn so far, the project's source the engine animated (few-shot).
    pub chosen: HashMap<u64, usize>,
}

/// Editing in progress and its history: landmark drags, manual placement, undo/redo.
#[derive(Default)]
pub struct EditingState {
    pub history: History,
    pub drag: Option<Drag>,
    /// Dragging a box for a manual face placement on this source.
    pub placing: Option<usize>,
    pub place_start: Option<[f32; 2]>,
    /// Drag whole features instead of single points.
    pub feature_drag: bool,
}

/// The panels' own view state: the preview's layout, zoom and overlays, and where things were
/// last drawn (for hit tests and tests).
pub struct LayoutState {
    pub view: View,
    pub zoom: ZoomPan,
    pub show_landmarks: bool,
    /// Screen geometry of the source image last drawn: image pixel → screen point.
    pub source_rect: Option<(egui::Rect, f32)>,
    /// Where the timeline was last drawn.
    pub timeline_rect: Option<egui::Rect>,
    /// The title last given to the desktop's window.
    pub window_title: Option<String>,
    /// The stretch of the timeline in view: its start and length as fractions of the whole.
    pub timeline_view: (f64, f64),
    /// The side panels' widths as the user left them (remembered between runs).
    pub panels: PanelSizes,
    /// `panels` changed since it was last written to the state folder.
    pub panels_changed: bool,
}

/// The widths, in points, of the panels the user can resize by their edges.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PanelSizes {
    pub sources: f32,
    pub inspector: f32,
}

impl Default for PanelSizes {
    fn default() -> Self {
        Self {
            sources: 230.0,
            inspector: 260.0,
        }
    }
}

/// The neural engine's preparation for the prepared generation (its warp stand-ins draw
/// meanwhile).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NeuralState {
    #[default]
    Preparing,
    Ready,
    Failed,
}

/// The questions and overlays that take the keyboard while open.
#[derive(Default)]
pub struct DialogState {
    /// Waiting for "save your changes?" to be answered before doing this.
    pub unsaved_prompt: Option<Discard>,
    /// The window may close: nothing unsaved, or the user said so.
    pub quitting: bool,
    /// Asking for a path in Vivant's own prompt.
    pub path_prompt: Option<PathPrompt>,
    /// The command palette, while open.
    pub palette: Option<crate::studio::commands::Palette>,
    /// The help window, while open, on this page.
    pub help: Option<HelpPage>,
    /// The desktop showed no file dialog when asked: use the prompt from then on.
    pub(super) no_desktop_dialog: bool,
}

/// The help window's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelpPage {
    Shortcuts,
    Weights,
    About,
}

/// What the window tells the user: banners, and the background work in the status bar.
#[derive(Default)]
pub struct NoticeState {
    pub banners: Vec<Banner>,
    /// All banners shown, not only the newest with a count of the others.
    pub expanded: bool,
    pub activity: HashMap<Task, Activity>,
    pub(super) next_id: u64,
}

pub struct StudioApp {
    pub ctx: egui::Context,
    pub options: StudioOptions,
    pub project: Project,
    pub project_path: Option<PathBuf>,
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
                zoom: ZoomPan::default(),
                show_landmarks: true,
                source_rect: None,
                timeline_rect: None,
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
        };
        // Once, in the background: is there a GPU for the warp, and for the networks?
        app.worker.send(Job::ProbeGpu);
        app.worker.send(Job::ProbeDevices);
        if let Some(notice) = app.player.notice.clone() {
            app.banner(Severity::Info, notice, None);
        }
        app.recent = app.read_recent();
        app.weights = app.read_weights();
        app.own_signer = app.read_own_signer();
        app.layout.panels = app.read_panels();
        let autosave = app.autosave_path().filter(|p| p.exists());
        if let Some(path) = options.project.clone() {
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
        } else if let Some(last) = app.recent.first().cloned().filter(|p| p.exists()) {
            app.open_project(&last);
        } else if options.demo_on_first_launch {
            let demo = crate::studio::demo_project();
            // The demo is a starting point, not the user's file: opened untitled, so a save
            // asks where, and not remembered among the recent projects.
            match Project::load(&demo) {
                Ok(p) => app.load(p, None),
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
        let text = text.into();
        if self.notices.banners.iter().any(|b| b.text == text) {
            return;
        }
        self.notices.next_id += 1;
        self.notices.banners.push(Banner {
            id: self.notices.next_id,
            severity,
            text,
            action,
        });
    }

    pub fn dismiss(&mut self, id: u64) {
        self.notices.banners.retain(|b| b.id != id);
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
                self.selected = i;
                self.layout.view = View::Source;
                self.editing.placing = Some(i);
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
    fn restore(&mut self, p: Project) {
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

    pub fn add_source(&mut self, path: PathBuf) {
        self.project.sources.push(SourceEntry {
            path: path.clone(),
            face: 0,
            landmarks: None,
        });
        self.load_source(self.project.sources.len() - 1);
        self.selected = self.sources.len() - 1;
        self.changed();
    }

    fn load_source(&mut self, index: usize) {
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

    /// The render job for what the project holds now.
    pub fn render_job(&self, output: PathBuf, for_export: bool) -> Option<RenderJob> {
        let ready: Vec<&SourceState> = self
            .sources
            .iter()
            .filter(|s| s.landmarks.is_some())
            .collect();
        if ready.is_empty() {
            return None;
        }
        if self.project.driving.is_none() && self.project.audio.is_none() {
            return None;
        }
        let (driving, audio) = (&self.project.driving, &self.project.audio);
        let mut settings = self.project.settings.clone();
        settings.lips_from_audio &= driving.is_some() && audio.is_some();
        let no_gpu = matches!(self.gpu, Some(Err(_)));
        let no_device = self.device_unavailable().is_some();
        match &mut settings.engine {
            // No GPU here: the CPU draws the same warp (the note said so).
            EngineSettings::Warp { backend } if no_gpu => *backend = Backend::Cpu,
            // Nor the neural engine's GPU: the CPU runs the same networks (noted too).
            EngineSettings::Neural { device, .. } if no_device => {
                *device = crate::devices::DeviceChoice::Cpu
            }
            _ => {}
        }
        if !for_export {
            // The preview shows the whole clip at its own rate, framed as the output will be
            // (its shape and fit) but no larger than the portrait.
            settings.start_s = None;
            settings.end_s = None;
            settings.size = match ready[0].image.as_ref().map(|i| i.dimensions()) {
                Some((w, h)) => preview_size(settings.size, w, h),
                None => OutputSize::Source,
            };
            if driving.is_some() {
                settings.fps = None;
            }
        }
        let sound = match (audio, driving) {
            (Some(a), _) => Soundtrack::File(a.clone()),
            (None, Some(_)) => Soundtrack::Driving,
            (None, None) => Soundtrack::None,
        };
        Some(RenderJob {
            sources: ready.iter().map(|s| s.path.clone()).collect(),
            landmarks: ready.iter().map(|s| s.landmarks).collect(),
            driving: driving.clone(),
            output,
            sound,
            settings,
            speech: Default::default(),
            cache_dir: crate::motion::cache::default_dir(),
            kind: None,
            preview: !for_export,
            signer: self.signer(),
        })
    }

    fn prepare_preview(&mut self) {
        self.preview.prepare_cancel.store(true, Ordering::Relaxed);
        self.preview.prepare_cancel = Arc::new(AtomicBool::new(false));
        self.preview.generation += 1;
        self.preview.cache.clear();
        self.preview.requested = None;
        self.preview.drawing = None;
        self.preview.neural_failed = None;
        self.end_activity(&Task::NeuralFrame);
        if self
            .sources
            .iter()
            .any(|s| matches!(s.status, SourceStatus::Loading))
        {
            // Prepared when the last source is in.
            return;
        }
        self.preview.chosen.clear();
        self.preview.sources = (0..self.sources.len())
            .filter(|&i| self.sources[i].landmarks.is_some())
            .collect();
        let Some(job) = self.render_job(PathBuf::new(), false) else {
            self.preview.frames = self.timeline_frames_without_preview();
            return;
        };
        self.set_activity(&Task::Preview, "Preparing the preview".into(), None);
        self.worker.send(Job::Prepare {
            generation: self.preview.generation,
            job: Box::new(job),
            cancel: self.preview.prepare_cancel.clone(),
        });
    }

    /// Before an animation is ready, the timeline still spans the clip or the voice.
    fn timeline_frames_without_preview(&self) -> u64 {
        if let Some(d) = &self.driving {
            return d.times.len() as u64;
        }
        if let Some(a) = &self.audio {
            return a.open.len() as u64;
        }
        0
    }

    /// The small note over the result when its frame is not the neural engine's final word:
    /// a warp stand-in (and why), or how long the neural frame took. `None` with the warp
    /// engine, whose frames are final.
    pub fn preview_badge(&self) -> Option<String> {
        let shown = self.preview.shown.as_ref()?;
        let k = shown.key.1;
        let p = &self.preview;
        Some(match shown.drawn {
            Drawn::Final => return None,
            Drawn::Neural(took) => format!("neural frame: {:.1} s", took.as_secs_f64()),
            Drawn::StandIn if self.player.is_playing() => {
                "warp preview while playing — neural frames are drawn when paused".into()
            }
            Drawn::StandIn => match p.neural_state {
                NeuralState::Failed => {
                    "warp preview — the neural engine could not start (see the message above)"
                        .into()
                }
                _ if p.neural_failed == Some(k) => {
                    "warp preview — the neural frame failed (see the message above)".into()
                }
                NeuralState::Preparing => {
                    "warp preview — the neural engine is getting ready…".into()
                }
                // How far it is: the status bar's bar.
                NeuralState::Ready => "warp preview — neural frame drawing…".into(),
            },
        })
    }

    /// The preview shows the project as it is now (no preparation pending).
    pub fn preview_ready(&self) -> bool {
        self.preview.prepare_due.is_none()
            && self.preview.prepared == self.preview.generation
            && self.preview.prepared > 0
    }

    /// Move the playhead (clamped), asking for that frame.
    pub fn seek(&mut self, k: i64) {
        let last = self.preview.frames.saturating_sub(1) as i64;
        self.preview.playhead = k.clamp(0, last.max(0)) as u64;
        if self.player.is_playing() {
            let (rate, t) = (self.player.rate(), self.time_of(self.preview.playhead));
            self.start_playing(t, rate);
        }
    }

    pub fn time_of(&self, k: u64) -> f64 {
        match &self.driving {
            Some(d) if self.project.driving.is_some() => d
                .times
                .get(k as usize)
                .map_or(k as f64 / self.preview.fps, |t| {
                    t - d.times.first().copied().unwrap_or(0.0)
                }),
            _ => k as f64 / self.preview.fps,
        }
    }

    pub fn frame_at_time(&self, t: f64) -> u64 {
        match &self.driving {
            Some(d) if self.project.driving.is_some() && !d.times.is_empty() => {
                let t0 = d.times[0];
                d.times
                    .partition_point(|&s| s - t0 <= t + 1e-6)
                    .saturating_sub(1) as u64
            }
            _ => (t * self.preview.fps + 1e-6).floor().max(0.0) as u64,
        }
    }
}

/// Can files be made in `dir`?
pub fn writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".vivant-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// The size the preview draws at for an output of `size` from a `w`×`h` portrait: the
/// output's shape, scaled down to the portrait's longer side (even sides, as the encoder needs).
fn preview_size(size: OutputSize, w: u32, h: u32) -> OutputSize {
    let Some((ow, oh)) = size.size(w, h) else {
        return OutputSize::Source;
    };
    let scale = (w.max(h) as f64 / ow.max(oh) as f64).min(1.0);
    let even = |v: u32| ((v as f64 * scale / 2.0).round() as u32 * 2).max(2);
    if (even(ow), even(oh)) == (w, h) {
        OutputSize::Source
    } else {
        OutputSize::Fixed(even(ow), even(oh))
    }
}

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

pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_framed_as_the_output_at_the_portraits_size() {
        assert_eq!(
            preview_size(OutputSize::Source, 512, 512),
            OutputSize::Source
        );
        // The same shape, larger: the portrait's own size.
        assert_eq!(
            preview_size(OutputSize::Lines(2160), 512, 512),
            OutputSize::Source
        );
        // 9:16 from a square: 9:16 within 512.
        assert_eq!(
            preview_size(OutputSize::Fixed(1080, 1920), 512, 512),
            OutputSize::Fixed(288, 512)
        );
        // Within the portrait's longer side already: as it is.
        assert_eq!(
            preview_size(OutputSize::Fixed(1080, 1080), 744, 1156),
            OutputSize::Fixed(1080, 1080)
        );
    }

    #[test]
    fn an_export_says_frames_done_and_the_time_left_from_its_rendering_rate() {
        let t0 = Instant::now();
        let mut e = ExportState {
            output: PathBuf::from("out.mp4"),
            cancel: Arc::new(AtomicBool::new(false)),
            started: t0,
            done: 0,
            total: 0,
            stage: None,
            rendering_since: None,
            finished: None,
        };
        assert_eq!(e.progress_text(t0), "Starting");
        // Analysing the clip: frames, no estimate (preparation is not rendering).
        e.progress(Stage::Analysing(120, 500), t0);
        assert_eq!(
            e.progress_text(t0),
            "Analysing the driving clip: 120 of 500 frames"
        );
        // The first rendered frame starts the clock; the time before it does not count.
        let at = |s: f64| t0 + Duration::from_secs_f64(s);
        e.progress(Stage::Rendering(1, 50), at(40.0));
        assert_eq!(e.eta_s(at(40.0)), None);
        assert_eq!(
            e.progress_text(at(40.0)),
            "Rendering: 1 of 50 frames · measuring the time left"
        );
        // Three seconds a frame (the neural engine on the CPU): 38 frames, 114 s.
        e.progress(Stage::Rendering(12, 50), at(73.0));
        assert_eq!(e.eta_s(at(73.0)), Some(114.0));
        assert_eq!(
            e.progress_text(at(73.0)),
            "Rendering: 12 of 50 frames · 1 min 54 s left"
        );
        assert_eq!(duration_words(7.4), "7 s");
        assert_eq!(duration_words(3725.0), "1 h 02 min");
    }

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
