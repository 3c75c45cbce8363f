//! The studio's state, apart from what the user can do to it: its parts (sources, driving
//! clip, soundtrack, preview, editing, layout, dialogs, notices, export) as plain types.

use super::*;
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
    /// Open a project that was not reopened because Vivant stopped while opening it.
    OpenAnyway(PathBuf),
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
            BannerAction::OpenAnyway(p) => format!("Open {} again", p.display()),
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
    /// What went wrong in the words of the library that said it (for a bug report), behind a
    /// "Details" disclosure: the text itself stays one plain sentence.
    pub detail: Option<String>,
    pub action: Option<(String, BannerAction)>,
    /// What it is about, when a later success there makes it stale (it then goes).
    pub topic: Option<Topic>,
}

/// What a banner is about, so that it goes once that is settled: a weights folder refused
/// goes when a good one is chosen, an export's outcome when the next export starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Weights,
    Export,
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
    /// Frames' own thumbnails, made when the timeline is zoomed in far enough to show them,
    /// by frame index.
    pub frame_thumbnails: HashMap<u64, TextureHandle>,
    /// Frames whose thumbnails were asked for.
    pub frame_thumbnails_asked: std::collections::HashSet<u64>,
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
    pub(super) bytes: usize,
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
    pub(super) fn new(budget: usize) -> Self {
        Self {
            frames: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            budget,
        }
    }

    pub(super) fn insert(&mut self, k: u64, f: PreviewFrame) {
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    SideBySide,
    Source,
    Driving,
    Result,
    Perform,
}

impl View {
    pub const ALL: [(View, &'static str); 5] = [
        (View::SideBySide, "Side by side"),
        (View::Source, "Source"),
        (View::Driving, "Driving"),
        (View::Result, "Result"),
        (View::Perform, "Perform"),
    ];

    /// What the view shows, for its tooltip.
    pub fn tooltip(self) -> &'static str {
        match self {
            View::SideBySide => "The portrait, the driving clip and the result together",
            View::Source => "The portrait alone, large, for correcting its landmarks",
            View::Driving => "The driving clip's frame alone, with its tracked face",
            View::Result => "The animated result alone",
            View::Perform => "The portrait follows your face from the camera, live; record takes",
        }
    }
}

/// The preview's three pictures: each has its own zoom in each view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Source,
    Driving,
    Result,
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
        self.stage = Some(stage);
        if self.rendering() && self.rendering_since.is_none() {
            self.rendering_since = Some((now, self.frames().0));
        }
    }

    /// Frames done of all in the current stage ((0, 0) where it counts none).
    pub fn frames(&self) -> (u64, u64) {
        match self.stage {
            Some(Stage::Analysing(d, t) | Stage::Rendering(d, t)) => (d, t),
            _ => (0, 0),
        }
    }

    /// How far the current stage is (0–1), where it counts frames.
    pub fn fraction(&self) -> Option<f32> {
        let (done, total) = self.frames();
        (total > 0).then(|| done as f32 / total as f32)
    }

    pub(super) fn rendering(&self) -> bool {
        matches!(self.stage, Some(Stage::Rendering(..)))
    }

    /// The stage in words.
    pub(super) fn stage_words(&self) -> &'static str {
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
        let (done, total) = self.frames();
        if !self.rendering() || total == 0 || done <= first {
            return None;
        }
        let per_frame = (now - since).as_secs_f64() / (done - first) as f64;
        Some(total.saturating_sub(done) as f64 * per_frame)
    }

    /// What the status bar and the export panel say: the stage, frames done of all, and
    /// while rendering the time left ("Rendering: 12 of 50 frames · 19 s left").
    pub fn progress_text(&self, now: Instant) -> String {
        let stage = self.stage_words();
        let (done, total) = self.frames();
        if total == 0 {
            return stage.into();
        }
        let frames = format!("{stage}: {done} of {total} frames");
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
    /// Playback starts again from its first frame on passing its last (Ctrl+L).
    pub looping: bool,
    /// The first and last frame the current playback plays between (the in and out points,
    /// or the whole timeline).
    pub(super) play_bounds: (u64, u64),
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
    /// The Source view paints what is kept still instead of moving landmarks.
    pub paint_still: bool,
    /// The keep-still brush's radius, in screen points.
    pub brush: f32,
    /// The stroke being painted, in the source's pixels.
    pub stroke: Option<crate::render::StillStroke>,
    /// The keep-still overlay last drawn: which source, its strokes, and the texture.
    pub still_overlay: Option<(u64, Vec<crate::render::StillStroke>, egui::TextureHandle)>,
}

/// The panels' own view state: the preview's layout, zoom and overlays, and where things were
/// last drawn (for hit tests and tests).
pub struct LayoutState {
    pub view: View,
    /// Each view's zoom of each of its pictures (a picture zoomed alone is not zoomed side by
    /// side); absent, fitted.
    pub zooms: HashMap<(View, Pane), ZoomPan>,
    pub show_landmarks: bool,
    /// Screen geometry of the source image last drawn: image pixel → screen point.
    pub source_rect: Option<(egui::Rect, f32)>,
    /// Where the timeline was last drawn.
    pub timeline_rect: Option<egui::Rect>,
    /// Where the preview's pictures were last drawn (below its toolbar): notes float over its
    /// top.
    pub preview_rect: Option<egui::Rect>,
    /// The title last given to the desktop's window.
    pub window_title: Option<String>,
    /// The stretch of the timeline in view: its start and length as fractions of the whole.
    pub timeline_view: (f64, f64),
    /// The side panels' widths as the user left them (remembered between runs).
    pub panels: PanelSizes,
    /// `panels` changed since it was last written to the state folder.
    pub panels_changed: bool,
}

impl LayoutState {
    /// The zoom of `pane` in the view shown.
    pub fn zoom(&self, pane: Pane) -> ZoomPan {
        self.zooms
            .get(&(self.view, pane))
            .copied()
            .unwrap_or_default()
    }

    pub fn zoom_mut(&mut self, pane: Pane) -> &mut ZoomPan {
        self.zooms.entry((self.view, pane)).or_default()
    }

    /// Fit: the view shown shows its pictures whole again (other views keep their zoom).
    pub fn fit(&mut self) {
        let view = self.view;
        self.zooms.retain(|(v, _), _| *v != view);
    }
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
    /// The folder each kind of file was last chosen in (`Purpose::folder_kind`), where the
    /// next prompt or dialog for it starts (kept in the state folder, `folders.json`).
    pub last_folders: std::collections::BTreeMap<String, PathBuf>,
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
    /// The notes and warnings the user dismissed: not shown again this session (a note the
    /// preview makes again after each change would otherwise come back every time).
    pub dismissed: std::collections::HashSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn an_export_says_frames_done_and_the_time_left_from_its_rendering_rate() {
        let t0 = Instant::now();
        let mut e = ExportState {
            output: PathBuf::from("out.mp4"),
            cancel: Arc::new(AtomicBool::new(false)),
            started: t0,
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
}
