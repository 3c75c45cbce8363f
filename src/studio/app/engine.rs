//! The project's engine and its own settings, as the inspector changes them: which engine,
//! the warp's back end, the neural engine's weights folder and device, and what the GPU and
//! device probes found (a project asking for a GPU that is not here runs on the CPU, said
//! once).

use std::path::PathBuf;

use super::{Purpose, Severity, StudioApp, Topic};
use crate::devices::DeviceChoice;
use crate::pipeline::{Backend, EngineChoice, EngineSettings};
use crate::render::GpuError;

impl StudioApp {
    /// The warp's back end: the project's, or the one it had before another engine was chosen.
    pub fn warp_backend(&self) -> Backend {
        match (&self.project.settings.engine, &self.other_engine) {
            (EngineSettings::Warp { backend, .. }, _)
            | (_, Some(EngineSettings::Warp { backend, .. })) => *backend,
            _ => Backend::Cpu,
        }
    }

    /// The neural engine's device: the project's, or the one it had before another engine.
    pub fn neural_device(&self) -> DeviceChoice {
        match (&self.project.settings.engine, &self.other_engine) {
            (EngineSettings::Neural { device, .. }, _)
            | (_, Some(EngineSettings::Neural { device, .. })) => *device,
            _ => DeviceChoice::Auto,
        }
    }

    /// The weights folder the neural engine reads: the project's, else the one last chosen.
    pub fn neural_weights(&self) -> Option<PathBuf> {
        match &self.project.settings.engine {
            EngineSettings::Neural {
                weights: Some(w), ..
            } => Some(w.clone()),
            _ => self.weights.clone(),
        }
    }

    /// One of the warp's switches: the project's, or as it was before another engine was
    /// chosen.
    pub fn warp_switch(&self, which: WarpSwitch) -> bool {
        self.warp_settings().is_none_or(|s| which.of(s))
    }

    /// The warp's settings: the project's, or as they were before another engine was chosen.
    fn warp_settings(&self) -> Option<&EngineSettings> {
        match (&self.project.settings.engine, &self.other_engine) {
            (s @ EngineSettings::Warp { .. }, _) | (_, Some(s @ EngineSettings::Warp { .. })) => {
                Some(s)
            }
            _ => None,
        }
    }

    /// Turn one of the warp's switches on or off (undoable).
    pub fn set_warp_switch(&mut self, which: WarpSwitch, to: bool) {
        // Asked every frame by the inspector: the project is copied for the history only
        // when the switch changes.
        if which
            .in_settings(&mut self.project.settings.engine)
            .is_none_or(|on| *on == to)
        {
            return;
        }
        let before = self.project.clone();
        if let Some(on) = which.in_settings(&mut self.project.settings.engine) {
            *on = to;
        }
        self.settings_changed(which.label(to), before);
    }

    /// How strongly the warp lays on the driver's expression details: the project's, or as it
    /// was before another engine was chosen.
    pub fn warp_details(&self) -> f32 {
        self.warp_settings()
            .and_then(EngineSettings::details)
            .unwrap_or(crate::render::DEFAULT_DETAILS)
    }

    /// Lay the driver's expression details on this strongly (undoable; a drag is one step).
    pub fn set_warp_details(&mut self, to: f32) {
        let mut settings = self.project.settings.clone();
        if let EngineSettings::Warp { details, .. } = &mut settings.engine {
            *details = to.clamp(0.0, crate::render::MAX_DETAILS);
        }
        // Asked every frame: nothing is recorded unless the value moved.
        self.set_settings("Expression details", settings);
    }

    /// Draw the warp on `backend` (undoable).
    pub fn set_backend(&mut self, to: Backend) {
        if self
            .project
            .settings
            .engine
            .backend()
            .is_none_or(|b| b == to)
        {
            return;
        }
        let before = self.project.clone();
        if let EngineSettings::Warp { backend, .. } = &mut self.project.settings.engine {
            *backend = to;
        }
        self.settings_changed("Change back end", before);
    }

    /// Run the neural engine's networks on `to` (undoable).
    pub fn set_device(&mut self, to: DeviceChoice) {
        if self
            .project
            .settings
            .engine
            .device()
            .is_none_or(|d| d == to)
        {
            return;
        }
        let before = self.project.clone();
        if let EngineSettings::Neural { device, .. } = &mut self.project.settings.engine {
            *device = to;
        }
        self.settings_changed("Change device", before);
    }

    /// Use the LivePortrait weights in `dir` (checked for every network's file first) and
    /// remember the folder for other projects. Whether they are now the ones used.
    pub fn set_weights(&mut self, dir: PathBuf) -> bool {
        match crate::neural::weights::check_folder(&dir) {
            Ok(()) => {
                // The project's neural settings, or those kept while another engine is chosen.
                for engine in [
                    Some(&mut self.project.settings.engine),
                    self.other_engine.as_mut(),
                ]
                .into_iter()
                .flatten()
                {
                    if let EngineSettings::Neural { weights, .. } = engine {
                        *weights = Some(dir.clone());
                    }
                }
                self.weights = Some(dir.clone());
                let _ = self.write_state("weights.json", &dir);
                // A folder refused before, or none found: no longer so.
                self.settled(Topic::Weights);
                self.changed();
                true
            }
            Err(e) => {
                self.banner_on(Topic::Weights, Severity::Error, e.to_string(), None);
                false
            }
        }
    }

    /// What the GPU probe found. A project that asks for a GPU there is not runs on the CPU,
    /// with one note saying so.
    pub fn set_gpu(&mut self, found: Result<String, GpuError>) {
        self.gpu = Some(found);
        self.note_gpu_fallback();
        self.refresh();
    }

    pub(super) fn note_gpu_fallback(&mut self) {
        if let (
            Some(Err(why)),
            EngineSettings::Warp {
                backend: Backend::Wgpu,
                ..
            },
        ) = (&self.gpu, &self.project.settings.engine)
        {
            // One plain sentence; what wgpu said (every back end it tried) behind "Details".
            let detail = match why {
                GpuError::NoAdapter(tried) => tried.clone(),
                other => other.to_string(),
            };
            self.banner_with_detail(Severity::Info, GPU_FALLBACK, Some(detail), None);
        }
    }

    /// What the device probe found for the neural engine. A project that asks for a GPU back
    /// end this machine (or build) has not runs on the CPU, with one note saying so.
    pub fn set_compute(&mut self, report: crate::devices::ComputeReport) {
        self.compute = Some(report);
        self.note_device_fallback();
        self.refresh();
    }

    /// Why the neural engine's device cannot be used here, when it is a GPU back end that is
    /// not usable (built in or not); `None` when it can, or before the probe.
    pub fn device_unavailable(&self) -> Option<String> {
        let report = self.compute.as_ref()?;
        let chosen = self.neural_device();
        let backend = crate::devices::GpuBackend::ALL
            .into_iter()
            .find(|b| b.choice() == chosen)?;
        let gpu = report.gpu(backend)?;
        if gpu.available {
            return None;
        }
        Some(format!(
            "{}: {}",
            backend.label(),
            gpu.reason.as_deref().unwrap_or("not available")
        ))
    }

    pub(super) fn note_device_fallback(&mut self) {
        if !matches!(self.project.settings.engine, EngineSettings::Neural { .. }) {
            return;
        }
        if let Some(why) = self.device_unavailable() {
            let text = format!(
                "This project runs the neural engine on a GPU that is not available here ({why}); it runs on the CPU."
            );
            if !self.notices.banners.iter().any(|b| b.text == text) {
                self.banner(Severity::Info, text, None);
            }
        }
    }

    /// Choose the engine, with the settings it had when last chosen. The neural one needs a
    /// weights folder first: the one last chosen, else the first complete one of the usual
    /// places (said in a banner), else the user is asked for it and offered the download.
    pub fn set_engine(&mut self, engine: EngineChoice) {
        let switching = self.project.settings.engine.choice() != engine;
        let mut chosen = match self.other_engine.take() {
            _ if !switching => self.project.settings.engine.clone(),
            Some(s) if s.choice() == engine => s,
            other => {
                self.other_engine = other;
                EngineSettings::new(engine)
            }
        };
        if let EngineSettings::Neural { weights, .. } = &mut chosen
            && weights.is_none()
        {
            if self.weights.is_none() && !self.find_weights() {
                self.choose(Purpose::Weights);
                return;
            }
            *weights = self.weights.clone();
        }
        if chosen == self.project.settings.engine {
            return;
        }
        let before = self.project.clone();
        let old = std::mem::replace(&mut self.project.settings.engine, chosen);
        if switching {
            self.other_engine = Some(old);
        }
        self.record("Choose engine", before, false);
        self.note_device_fallback();
        self.changed();
    }
}

/// The note of a project that asks for a GPU where there is none.
pub const GPU_FALLBACK: &str = "No usable GPU was found here, so this project runs on the CPU.";

/// The warp engine's switches for what the warp alone would stretch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarpSwitch {
    /// The inside of an opened mouth from the driving clip's own mouth.
    ClipMouth,
    /// Real mouths for a voice's lips.
    VoiceMouth,
    /// Eyes opened wider filled from the portrait's own.
    EyeFill,
}

impl WarpSwitch {
    fn in_settings(self, s: &mut EngineSettings) -> Option<&mut bool> {
        match s {
            EngineSettings::Warp {
                clip_mouth,
                voice_mouth,
                eye_fill,
                ..
            } => Some(match self {
                Self::ClipMouth => clip_mouth,
                Self::VoiceMouth => voice_mouth,
                Self::EyeFill => eye_fill,
            }),
            _ => None,
        }
    }

    fn of(self, s: &EngineSettings) -> bool {
        match self {
            Self::ClipMouth => s.clip_mouth(),
            Self::VoiceMouth => s.voice_mouth(),
            Self::EyeFill => s.eye_fill(),
        }
        .unwrap_or(true)
    }

    /// What the history calls turning it `on` or off.
    fn label(self, on: bool) -> &'static str {
        match (self, on) {
            (Self::ClipMouth, true) => "Mouth from the clip",
            (Self::ClipMouth, false) => "Painted mouth",
            (Self::VoiceMouth, true) => "Real mouths for a voice",
            (Self::VoiceMouth, false) => "Painted mouth for a voice",
            (Self::EyeFill, true) => "Fill opened eyes",
            (Self::EyeFill, false) => "Stretched eyes",
        }
    }
}
