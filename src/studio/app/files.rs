//! Projects: new, open, save, relocate; autosave and recovery; recent projects.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{Answer, BannerAction, Discard, Purpose, Severity, StudioApp};
use crate::export::credentials::Signer;
use crate::studio::project::{Missing, Project};
use crate::studio::worker::Job;

impl StudioApp {
    pub fn new_project(&mut self) {
        self.load(Project::default(), None);
    }

    pub fn open_project(&mut self, path: &Path) {
        self.mark_opening(path);
        match Project::load(path) {
            Ok(p) => {
                self.load(p, Some(path.to_path_buf()));
                self.remember(path);
            }
            Err(e) => self.banner(Severity::Error, e.to_string(), None),
        }
    }

    /// Take a project's contents; media that are not where it says are asked for.
    pub fn load(&mut self, mut project: Project, path: Option<PathBuf>) {
        let repairs = project.repair();
        self.player.stop();
        self.cancel_export_if_idle();
        let missing = project.missing();
        self.project = project;
        self.project_path = path;
        self.untitled_name = None;
        self.sources.clear();
        self.driving = None;
        self.audio = None;
        self.editing.history.clear();
        self.preview.playhead = 0;
        self.preview.frames = 0;
        self.selected = 0;
        self.notices
            .banners
            .retain(|b| b.severity != Severity::Error);
        for i in 0..self.project.sources.len() {
            self.load_source(i);
        }
        if let Some(d) = self.project.driving.clone().filter(|d| d.exists()) {
            self.worker.send(Job::Driving { path: d });
        }
        if let Some(a) = self.project.audio.clone().filter(|a| a.exists()) {
            let fps = self.project.settings.fps.unwrap_or(25.0);
            self.worker.send(Job::Audio { path: a, fps });
        }
        for (which, p) in missing {
            self.banner(
                Severity::Error,
                format!(
                    "{} is missing (moved or renamed?). Point Vivant at where it is now.",
                    p.display()
                ),
                Some(("Relocate…".into(), BannerAction::Relocate(which))),
            );
        }
        for note in repairs {
            self.banner(Severity::Warning, note, None);
        }
        self.note_gpu_fallback();
        self.note_device_fallback();
        self.changed();
        self.dirty = false;
        self.autosave_due = false;
    }

    pub(super) fn cancel_export_if_idle(&mut self) {
        if !self.exporting() {
            self.export = None;
        }
    }

    /// Point a missing file at where it is now, and load it.
    pub fn relocate(&mut self, which: &Missing, to: PathBuf) {
        self.project.relocate(which, to.clone());
        match which {
            Missing::Source(i) => {
                if *i < self.sources.len() {
                    self.load_source(*i);
                }
            }
            Missing::Driving => self.set_driving(Some(to)),
            Missing::Audio => self.set_audio(Some(to)),
        }
        self.changed();
    }

    pub fn save_project(&mut self, path: &Path) -> bool {
        for i in 0..self.sources.len() {
            self.sync_source(i);
        }
        match self.project.save(path) {
            Ok(()) => {
                self.project_path = Some(path.to_path_buf());
                self.dirty = false;
                self.autosave_due = false;
                self.remember(path);
                self.drop_autosave();
                // Saved from "save your changes?": go on with what was asked for.
                if let Some(action) = self.dialogs.unsaved_prompt.take() {
                    self.carry_out(action);
                }
                true
            }
            Err(e) => {
                self.banner(Severity::Error, e.to_string(), None);
                false
            }
        }
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The desktop window's title: the project's file name (or what an unsaved one is
    /// called), marked with a leading `*` while it has unsaved changes.
    pub fn window_title(&self) -> String {
        let name = self
            .project_path
            .as_deref()
            .map_or_else(|| self.untitled_title(), super::file_name);
        format!("{}{name} — Vivant", if self.dirty { "*" } else { "" })
    }

    /// What a project without a file of its own is called: the demo's name, or "Untitled
    /// project".
    pub fn untitled_title(&self) -> String {
        self.untitled_name
            .clone()
            .unwrap_or_else(|| "Untitled project".into())
    }

    /// Whether `action` must be confirmed first: unsaved changes, or, for quitting, a running
    /// export (it would be cancelled).
    pub fn asks_before(&self, action: &Discard) -> bool {
        self.dirty || (*action == Discard::Quit && self.exporting())
    }

    /// Do `action` now, or, with unsaved changes, once the user has said what becomes of them.
    pub fn request(&mut self, action: Discard) {
        if self.asks_before(&action) {
            self.dialogs.unsaved_prompt = Some(action);
        } else {
            self.carry_out(action);
        }
    }

    /// "Don't save" or "Cancel" to "save your changes?" ("Save" is `save_project`, which goes
    /// on with the action once the project is saved).
    pub fn answer_unsaved(&mut self, answer: Answer) {
        match answer {
            Answer::Cancel => self.dialogs.unsaved_prompt = None,
            Answer::DontSave => {
                // Thrown away on purpose: no autosave to offer back either.
                self.dirty = false;
                self.autosave_due = false;
                self.drop_autosave();
                if let Some(action) = self.dialogs.unsaved_prompt.take() {
                    self.carry_out(action);
                }
            }
        }
    }

    fn drop_autosave(&self) {
        if let Some(auto) = self.autosave_path() {
            let _ = std::fs::remove_file(auto);
        }
        if let Some(dir) = self.state_dir() {
            let _ = std::fs::remove_file(dir.join(AUTOSAVE_OF));
        }
    }

    pub(super) fn carry_out(&mut self, action: Discard) {
        match action {
            Discard::NewProject => self.new_project(),
            Discard::OpenProject(path) => self.open_project(&path),
            Discard::ChooseProject => self.choose(Purpose::OpenProject),
            Discard::Recover => self.recover(),
            Discard::Quit => {
                self.dialogs.quitting = true;
                self.ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// Who signs exports' Content Credentials: the user's own certificate when one was
    /// chosen (kept in `signer.json` in the state folder), else Vivant's self-issued signer —
    /// in the user's config folder, or beside the state of a studio run with a state folder
    /// of its own (tests, portable use).
    pub fn signer(&self) -> Option<Signer> {
        if let Some(own) = &self.own_signer {
            return Some(own.clone());
        }
        match &self.options.state_dir {
            Some(d) => Some(Signer::SelfIssued {
                folder: d.join("credentials"),
            }),
            None => Signer::default_self_issued(),
        }
    }

    /// The user's certificate chosen last time (`signer.json`), if any.
    pub(super) fn read_own_signer(&self) -> Option<Signer> {
        #[derive(serde::Deserialize)]
        struct Own {
            cert: PathBuf,
            key: PathBuf,
        }
        self.read_state::<Own>("signer.json").map(|o| Signer::Own {
            cert: o.cert,
            key: o.key,
        })
    }

    /// Sign exports with the user's certificate from now on (remembered in `signer.json`),
    /// once it is checked to sign; or say why it cannot.
    pub fn set_own_signer(&mut self, cert: PathBuf, key: PathBuf) {
        let signer = Signer::Own {
            cert: cert.clone(),
            key: key.clone(),
        };
        if let Err(e) = signer.check() {
            self.banner(Severity::Error, e.to_string(), None);
            return;
        }
        self.own_signer = Some(signer);
        let name = cert.file_name().unwrap_or_default().to_string_lossy();
        match self.write_state("signer.json", &serde_json::json!({ "cert": cert, "key": key })) {
            Ok(()) => self.banner(
                Severity::Info,
                format!("Exports are now signed with {name}."),
                None,
            ),
            Err(e) => self.banner(
                Severity::Warning,
                format!("Exports are signed with {name}, but the choice cannot be kept for next time: {e}"),
                None,
            ),
        }
    }

    /// Back to Vivant's self-issued signer.
    pub fn forget_own_signer(&mut self) {
        self.own_signer = None;
        if let Some(dir) = self.state_dir() {
            let _ = std::fs::remove_file(dir.join("signer.json"));
        }
    }

    /// A small JSON file in the state folder (`None` when it is missing or unreadable:
    /// remembered choices are not worth a warning).
    pub(super) fn read_state<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        let text = std::fs::read_to_string(self.state_dir()?.join(name)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Write one, whole or not at all.
    pub(super) fn write_state(
        &self,
        name: &str,
        value: &impl serde::Serialize,
    ) -> std::io::Result<()> {
        let dir = self
            .state_dir()
            .ok_or_else(|| std::io::Error::other("no state folder (no HOME)"))?;
        std::fs::create_dir_all(&dir)?;
        let json = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
        crate::studio::project::write_atomic(&dir.join(name), json.as_bytes())
    }

    pub fn state_dir(&self) -> Option<PathBuf> {
        self.options.state_dir.clone().or_else(|| {
            use crate::output::env_dir;
            env_dir("XDG_STATE_HOME")
                .map(|d| d.join("vivant"))
                .or_else(|| env_dir("HOME").map(|h| h.join(".local/state/vivant")))
        })
    }

    pub fn autosave_path(&self) -> Option<PathBuf> {
        self.state_dir().map(|d| d.join("autosave.vivant"))
    }

    /// Write the autosave now (done every few seconds while there are unsaved changes).
    pub fn autosave(&mut self) {
        let Some(path) = self.autosave_path() else {
            return;
        };
        for i in 0..self.sources.len() {
            self.sync_source(i);
        }
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = self.project.save(&path) {
            self.banner(Severity::Warning, format!("Autosave failed: {e}"), None);
        }
        // Whose changes they are: a recovered project keeps its own file.
        let _ = self.write_state(AUTOSAVE_OF, &self.project_path);
        self.last_autosave = Instant::now();
        self.autosave_due = false;
    }

    /// Open the autosaved project (after a crash), as the project it was: its own file stays
    /// where Save writes (an untitled one stays untitled).
    pub fn recover(&mut self) {
        if let Some(path) = self.autosave_path() {
            let own: Option<PathBuf> = self.read_state::<Option<PathBuf>>(AUTOSAVE_OF).flatten();
            match Project::load(&path) {
                Ok(p) => {
                    self.load(p, own);
                    self.dirty = true;
                }
                Err(e) => self.banner(Severity::Error, e.to_string(), None),
            }
        }
    }

    pub(super) fn read_weights(&self) -> Option<PathBuf> {
        self.read_state("weights.json")
    }

    /// The panel widths left last time (the defaults when there are none, or they are
    /// unreadable: a layout is not worth a warning).
    pub(super) fn read_panels(&self) -> super::PanelSizes {
        let read: Option<super::PanelSizes> = self.read_state("layout.json");
        let d = super::PanelSizes::default();
        // Sizes from a larger screen are kept within what any window can show.
        read.map(|p| super::PanelSizes {
            sources: p.sources.clamp(120.0, 600.0),
            inspector: p.inspector.clamp(160.0, 600.0),
        })
        .filter(|p| p.sources.is_finite() && p.inspector.is_finite())
        .unwrap_or(d)
    }

    /// A panel was resized: remember its width once the pointer lets go.
    pub fn panel_resized(&mut self, sources: f32, inspector: f32) {
        let p = &mut self.layout.panels;
        if (p.sources - sources).abs() > 0.5 || (p.inspector - inspector).abs() > 0.5 {
            *p = super::PanelSizes { sources, inspector };
            self.layout.panels_changed = true;
        }
    }

    /// Write the panel widths to the state folder (after a resize has ended).
    pub fn save_panels(&mut self) {
        self.layout.panels_changed = false;
        let _ = self.write_state("layout.json", &self.layout.panels);
    }

    /// Note that `path` is being opened, until it has run a while (`settle_opening`) or Vivant
    /// closes cleanly: a mark still there at the next start means Vivant went down opening it.
    fn mark_opening(&mut self, path: &Path) {
        let path = crate::studio::project::absolute(path);
        let _ = self.write_state(OPENING, &path);
        self.opening_since = Some(Instant::now());
        // Settled even if nothing else draws a frame by then.
        self.ctx.request_repaint_after(OPENING_GRACE);
    }

    /// The project is past its opening (or closed cleanly): the mark goes.
    pub(super) fn settle_opening(&mut self) {
        if self.opening_since.take().is_some()
            && let Some(dir) = self.state_dir()
        {
            let _ = std::fs::remove_file(dir.join(OPENING));
        }
    }

    /// Once a frame: a project open for `OPENING_GRACE` has survived its opening.
    pub(super) fn settle_opening_when_due(&mut self) {
        if self
            .opening_since
            .is_some_and(|t| t.elapsed() >= OPENING_GRACE)
        {
            self.settle_opening();
        }
    }

    /// The project Vivant was opening when it last went down, if it did (the mark is
    /// removed: one launch without it is enough).
    pub(super) fn take_opening_mark(&mut self) -> Option<PathBuf> {
        let path: Option<PathBuf> = self.read_state(OPENING);
        if let Some(dir) = self.state_dir() {
            let _ = std::fs::remove_file(dir.join(OPENING));
        }
        path
    }

    pub(super) fn read_recent(&self) -> Vec<PathBuf> {
        self.read_state("recent.json").unwrap_or_default()
    }

    pub(super) fn remember(&mut self, path: &Path) {
        let path = crate::studio::project::absolute(path);
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(10);
        let _ = self.write_state("recent.json", &self.recent);
    }

    /// A clean exit: the autosave is not needed, and a running export is cancelled and
    /// waited for, so that its temporary file is gone before the process is.
    pub fn on_clean_exit(&mut self) {
        self.settle_opening();
        self.player.stop();
        self.cancel_export();
        // A download stops at its next chunk; what it has is kept for the next one to resume.
        self.cancel_download();
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while self.exporting() && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
            for event in self.worker.poll() {
                self.on_event(event);
            }
        }
        if !self.dirty {
            self.drop_autosave();
        }
    }
}

/// The state file naming the project file the autosave's changes belong to (`null` for an
/// untitled one).
const AUTOSAVE_OF: &str = "autosave-of.json";
/// The state file marking a project being opened.
const OPENING: &str = "opening.json";
/// How long a project must stay open before its opening counts as survived: the neural
/// engine's networks are made ready within it (where a bad weights configuration used to bring
/// the process down).
const OPENING_GRACE: std::time::Duration = std::time::Duration::from_secs(60);
