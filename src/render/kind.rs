//! Engine kinds: what an engine is before it has a portrait. A kind owns its settings (what
//! the project file stores and the command line fills), its resources (networks, loaded once
//! per process), its own reading of a driving clip beside the 68 points every engine gets, and
//! what its frames are for provenance. The pipeline, `eval`, the studio's worker and the CLI
//! hold an `Arc<dyn EngineKind>` made by [`EngineSettings::kind`] and never ask which one it is.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Deserializer, Serialize};

use super::{Engine, RenderError, SourceFace, Transfer, WarpEngine};
use crate::devices::DeviceChoice;
use crate::export::credentials::SourceType;
use crate::motion::Reading;
use crate::motion::details::{ClipDetails, DetailFrame};
use crate::motion::mouth::{ClipMouths, MouthFrame};
use crate::motion::{DrivingMotion, MotionError};

/// Which animation engine draws the frames: the variants a user picks from (`--engine`, the
/// studio's Engine choice).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum EngineChoice {
    /// Landmark-driven mesh warp of the source picture (no extra weights).
    #[default]
    Warp,
    /// LivePortrait's networks synthesise the face (the weights are yours to download:
    /// `--weights DIR`).
    Neural,
}

impl EngineChoice {
    /// Every engine, in the order menus offer them.
    pub const ALL: [EngineChoice; 2] = [Self::Warp, Self::Neural];

    /// For people: the studio's choice.
    pub fn label(self) -> &'static str {
        match self {
            Self::Warp => "Warp",
            Self::Neural => "Neural",
        }
    }

    /// What it does, in a line (the studio's tooltip).
    pub fn tooltip(self) -> &'static str {
        match self {
            Self::Warp => "The portrait's own pixels moved by a landmark mesh (fast, no download)",
            Self::Neural => {
                "LivePortrait's networks synthesise the face (a CPU frame takes seconds)"
            }
        }
    }
}

/// Where the warp engine draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// On all CPU cores.
    #[default]
    Cpu,
    /// On the GPU through wgpu (any adapter, Mesa's software one included).
    Wgpu,
}

/// An engine and its own settings. Stored flat in the render settings (`"engine": "neural",
/// "weights": …, "device": …`), the shape older project files have, so they still open (with
/// their `"gpu": true` read as the wgpu backend).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "engine", rename_all = "snake_case")]
pub enum EngineSettings {
    Warp {
        /// Where the warp runs.
        backend: Backend,
        /// The inside of an opened mouth taken from the driving clip's own mouth (else
        /// painted from the portrait's colours).
        #[serde(default = "yes")]
        clip_mouth: bool,
        /// When a voice sets the lips, the inside of an opened mouth taken from real mouths
        /// (the portrait's own, else the bundled ones) chosen by its shape (else painted).
        #[serde(default = "yes")]
        voice_mouth: bool,
        /// Eyes that open wider than the portrait's filled from its own eye (else stretched).
        #[serde(default = "yes")]
        eye_fill: bool,
        /// How strongly the driver's expression details (creases) are laid on: 1 as they
        /// are on his face, 0 none (`details`).
        #[serde(default = "default_details")]
        details: f32,
    },
    Neural {
        /// The folder of LivePortrait weights (`None` until chosen: the usual places).
        weights: Option<PathBuf>,
        /// Where the networks run.
        device: DeviceChoice,
    },
}

fn yes() -> bool {
    true
}

/// Expression details as strong as on the driver's face.
pub const DEFAULT_DETAILS: f32 = 1.0;
/// The most the details may be multiplied by: beyond it a webcam's noise shows as grime.
pub const MAX_DETAILS: f32 = 2.0;

fn default_details() -> f32 {
    DEFAULT_DETAILS
}

/// A details strength from a project: a number from 0 to `MAX_DETAILS`, else said.
fn detail_strength<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(f64),
        Other(serde::de::IgnoredAny),
    }
    let wrong = |what: String| {
        serde::de::Error::custom(format!(
            "details {what}: use a strength from 0 (none) to {MAX_DETAILS}"
        ))
    };
    match Either::deserialize(d)? {
        Either::Number(v) if (0.0..=MAX_DETAILS as f64).contains(&v) => Ok(v as f32),
        Either::Number(v) => Err(wrong(format!("{v} is out of range"))),
        Either::Other(_) => Err(wrong("is not a number".into())),
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self::Warp {
            backend: Backend::Cpu,
            clip_mouth: true,
            voice_mouth: true,
            eye_fill: true,
            details: DEFAULT_DETAILS,
        }
    }
}

impl EngineSettings {
    /// `choice`'s settings, as a new project has them.
    pub fn new(choice: EngineChoice) -> Self {
        match choice {
            EngineChoice::Warp => Self::default(),
            EngineChoice::Neural => Self::Neural {
                weights: None,
                device: DeviceChoice::Auto,
            },
        }
    }

    pub fn choice(&self) -> EngineChoice {
        match self {
            Self::Warp { .. } => EngineChoice::Warp,
            Self::Neural { .. } => EngineChoice::Neural,
        }
    }

    /// The warp's back end (`None`: another engine).
    pub fn backend(&self) -> Option<Backend> {
        match self {
            Self::Warp { backend, .. } => Some(*backend),
            _ => None,
        }
    }

    /// Whether the warp takes the inside of the mouth from the clip (`None`: another engine).
    pub fn clip_mouth(&self) -> Option<bool> {
        match self {
            Self::Warp { clip_mouth, .. } => Some(*clip_mouth),
            _ => None,
        }
    }

    /// Whether the warp takes the inside of the mouth from real mouths when a voice speaks
    /// (`None`: another engine).
    pub fn voice_mouth(&self) -> Option<bool> {
        match self {
            Self::Warp { voice_mouth, .. } => Some(*voice_mouth),
            _ => None,
        }
    }

    /// Whether the warp fills eyes that open wider from the portrait's own (`None`: another
    /// engine).
    pub fn eye_fill(&self) -> Option<bool> {
        match self {
            Self::Warp { eye_fill, .. } => Some(*eye_fill),
            _ => None,
        }
    }

    /// How strongly the warp lays on the driver's expression details (`None`: another
    /// engine).
    pub fn details(&self) -> Option<f32> {
        match self {
            Self::Warp { details, .. } => Some(*details),
            _ => None,
        }
    }

    /// The neural engine's device (`None`: another engine).
    pub fn device(&self) -> Option<DeviceChoice> {
        match self {
            Self::Neural { device, .. } => Some(*device),
            _ => None,
        }
    }

    /// The neural engine's weights folder, when chosen.
    pub fn weights(&self) -> Option<&Path> {
        match self {
            Self::Neural { weights, .. } => weights.as_deref(),
            _ => None,
        }
    }

    /// The kind these settings make, its resources loaded (the neural engine's networks, once
    /// per process for a weights folder and device), with the notes to give (a device that
    /// fell back to the CPU).
    pub fn kind(&self) -> Result<(Arc<dyn EngineKind>, Vec<String>), RenderError> {
        Ok(match self {
            Self::Warp {
                backend,
                clip_mouth,
                voice_mouth,
                eye_fill,
                details,
            } => (
                Arc::new(WarpKind {
                    backend: *backend,
                    clip_mouth: *clip_mouth,
                    voice_mouth: *voice_mouth,
                    eye_fill: *eye_fill,
                    details: *details,
                }),
                Vec::new(),
            ),
            Self::Neural { weights, device } => {
                let (kind, note) = super::NeuralKind::load(weights.as_deref(), *device)?;
                (Arc::new(kind), note.into_iter().collect())
            }
        })
    }

    /// Fill in what the user left to be found (the neural engine's weights: the first
    /// complete folder of the usual places), with a note saying what was found.
    pub fn locate(&mut self) -> Result<Option<String>, RenderError> {
        use crate::neural::weights;
        match self {
            Self::Neural {
                weights: chosen @ None,
                ..
            } => {
                let found = weights::find(&weights::Places::from_env())?;
                let note = format!(
                    "using LivePortrait's weights from {} ({})",
                    found.root.display(),
                    found.layout.describe()
                );
                *chosen = Some(found.root);
                Ok(Some(note))
            }
            _ => Ok(None),
        }
    }
}

impl<'de> Deserialize<'de> for EngineSettings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Every shape project files have had: each engine's settings side by side.
        #[derive(Deserialize)]
        struct Stored {
            #[serde(default)]
            engine: EngineChoice,
            #[serde(default)]
            weights: Option<PathBuf>,
            #[serde(default)]
            device: DeviceChoice,
            #[serde(default, alias = "gpu", deserialize_with = "backend_or_gpu_flag")]
            backend: Backend,
            #[serde(default = "yes")]
            clip_mouth: bool,
            #[serde(default = "yes")]
            voice_mouth: bool,
            #[serde(default = "yes")]
            eye_fill: bool,
            #[serde(default = "default_details", deserialize_with = "detail_strength")]
            details: f32,
        }
        let s = Stored::deserialize(d)?;
        Ok(match s.engine {
            EngineChoice::Warp => Self::Warp {
                backend: s.backend,
                clip_mouth: s.clip_mouth,
                voice_mouth: s.voice_mouth,
                eye_fill: s.eye_fill,
                details: s.details,
            },
            EngineChoice::Neural => Self::Neural {
                weights: s.weights,
                device: s.device,
            },
        })
    }
}

/// `"cpu"` / `"wgpu"`, or an older project's `gpu: true/false`; anything else is said to be
/// an unknown back end, naming the two there are.
fn backend_or_gpu_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Backend, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Flag(bool),
        Name(String),
    }
    let unknown = |what: &str| {
        serde::de::Error::custom(format!(
            "unknown backend {what}: use \"cpu\" (all cores) or \"wgpu\" (the GPU)"
        ))
    };
    match Either::deserialize(d).map_err(|_| unknown("(not a name)"))? {
        Either::Flag(true) => Ok(Backend::Wgpu),
        Either::Flag(false) => Ok(Backend::Cpu),
        Either::Name(n) => match n.as_str() {
            "cpu" => Ok(Backend::Cpu),
            "wgpu" => Ok(Backend::Wgpu),
            other => Err(unknown(&format!("\"{other}\""))),
        },
    }
}

/// An engine before its portrait: made once (its resources loaded), it prepares engines for
/// any sources and reads driving clips its own way. A new engine implements this and
/// [`Engine`]; nothing outside `render` changes.
pub trait EngineKind: Send + Sync {
    /// Its short name: the video's comment, the provenance's settings.
    fn name(&self) -> &'static str;
    /// What its frames are, in IPTC's digital source types (Content Credentials).
    fn source_type(&self) -> SourceType;
    /// Its own reading of a driving clip (beside the 68 points every engine gets): one entry
    /// per driving frame, handed back in [`super::Drive::track`]. `None` (the default): the
    /// points are all it needs.
    fn analyse(&self, _clip: &ClipInput<'_>) -> Result<Option<Analysed>, MotionError> {
        Ok(None)
    }
    /// Its frames take seconds: a front end that previews shows the warp engine's first.
    fn slow(&self) -> bool {
        false
    }
    /// Steps one frame's drawing reports through `neural::Stop`'s probe (progress of a slow
    /// frame); 1 for an engine that draws a frame at once.
    fn frame_steps(&self) -> u64 {
        1
    }
    /// The engine prepared from `sources` (at least one).
    fn prepare(
        &self,
        sources: Vec<SourceFace>,
        transfer: &Transfer,
    ) -> Result<Box<dyn Engine>, RenderError>;
}

impl std::fmt::Debug for dyn EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EngineKind({})", self.name())
    }
}

/// A driving clip for an engine's own reading: the file, its tracked 68 points (to crop by),
/// and how the pipeline runs (smoothing, the cache, cancel, progress as frames done of all).
pub struct ClipInput<'a> {
    pub clip: &'a Path,
    pub motion: &'a DrivingMotion,
    pub smoothing: bool,
    pub cache_dir: Option<&'a Path>,
    pub cancel: &'a AtomicBool,
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
}

/// An engine's reading of a clip, and what to tell the user about it (a cache it could not
/// write).
pub struct Analysed {
    pub track: Arc<dyn ClipTrack>,
    pub notes: Vec<String>,
}

/// An engine's per-frame reading of a driving clip (kept on disk for long clips).
pub trait ClipTrack: Send + Sync {
    /// The entry of driving frame `i`.
    fn entry(&self, i: usize) -> std::io::Result<TrackEntry>;
}

/// One frame's entry of an engine's track: opaque to everything but the engine that made it.
#[derive(Clone)]
pub struct TrackEntry(Arc<dyn Any + Send + Sync>);

impl TrackEntry {
    pub fn new<T: Any + Send + Sync>(value: T) -> Self {
        Self(Arc::new(value))
    }

    /// The entry as the engine's own type (`None`: another engine's).
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

/// The warp engine's reading of a clip: the driver's mouth and his face laid flat (for its
/// expression details), each when asked for.
pub struct WarpTrack {
    pub mouths: Option<ClipMouths>,
    pub details: Option<ClipDetails>,
}

/// One frame of the warp engine's reading.
#[derive(Clone, Debug, Default)]
pub struct WarpEntry {
    pub mouth: Option<MouthFrame>,
    pub details: Option<DetailFrame>,
}

impl ClipTrack for WarpTrack {
    fn entry(&self, i: usize) -> std::io::Result<TrackEntry> {
        Ok(TrackEntry::new(WarpEntry {
            mouth: self.mouths.as_ref().map(|m| m.frame(i)).transpose()?,
            details: self.details.as_ref().map(|d| d.frame(i)).transpose()?,
        }))
    }
}

impl std::fmt::Debug for TrackEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrackEntry")
    }
}

/// The warp engine's kind: nothing to load; beside the 68 points it reads the driver's mouth
/// in every frame (`motion::mouth`) when the inside of the mouth is to come from the clip, and
/// his face laid flat (`motion::details`) when his expression details are laid on.
pub struct WarpKind {
    pub backend: Backend,
    pub clip_mouth: bool,
    /// Real mouths for a voice's lips (`mouth::Visemes`).
    pub voice_mouth: bool,
    /// Eyes opened wider filled from the portrait's own (`eyes`).
    pub eye_fill: bool,
    /// The driver's expression details laid on this strongly (`details`; 0: none).
    pub details: f32,
}

impl EngineKind for WarpKind {
    fn name(&self) -> &'static str {
        "warp"
    }

    /// The portrait's own pixels, moved by motion that trained networks read.
    fn source_type(&self) -> SourceType {
        SourceType::CompositeWithTrainedAlgorithmicMedia
    }

    fn analyse(&self, clip: &ClipInput<'_>) -> Result<Option<Analysed>, MotionError> {
        if !self.clip_mouth && self.details <= 0.0 {
            return Ok(None);
        }
        // The mouths and the face details, read in one decoding of the clip.
        let crate::motion::WarpReadings {
            mouths,
            details,
            notes,
        } = crate::motion::warp_readings(
            &Reading {
                clip: clip.clip,
                motion: clip.motion,
                cache_dir: clip.cache_dir,
                cancel: clip.cancel,
                progress: clip.progress,
            },
            self.clip_mouth,
            self.details > 0.0,
        )?;
        Ok(Some(Analysed {
            track: Arc::new(WarpTrack { mouths, details }),
            notes,
        }))
    }

    fn prepare(
        &self,
        sources: Vec<SourceFace>,
        transfer: &Transfer,
    ) -> Result<Box<dyn Engine>, RenderError> {
        Ok(Box::new(WarpEngine::new(
            sources,
            transfer,
            self.backend,
            self.voice_mouth,
            self.eye_fill,
            self.details,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape the settings have had in project files opens as the engine it named.
    #[test]
    fn older_engine_settings_open() {
        let read = |s: &str| serde_json::from_str::<EngineSettings>(s).expect(s);
        assert_eq!(read("{}"), EngineSettings::default());
        assert_eq!(
            read(r#"{"gpu": true}"#),
            EngineSettings::Warp {
                backend: Backend::Wgpu,
                clip_mouth: true,
                voice_mouth: true,
                eye_fill: true,
                details: DEFAULT_DETAILS,
            }
        );
        assert_eq!(
            read(r#"{"engine": "warp", "backend": "wgpu", "weights": "/w", "device": "cuda"}"#),
            EngineSettings::Warp {
                backend: Backend::Wgpu,
                clip_mouth: true,
                voice_mouth: true,
                eye_fill: true,
                details: DEFAULT_DETAILS,
            }
        );
        assert_eq!(
            read(r#"{"engine": "neural", "weights": "/w", "backend": "cpu"}"#),
            EngineSettings::Neural {
                weights: Some("/w".into()),
                device: DeviceChoice::Auto
            }
        );
        // A back end this version does not know is named, with the ones it does.
        let e = serde_json::from_str::<EngineSettings>(r#"{"backend": "tpu"}"#)
            .expect_err("tpu")
            .to_string();
        assert!(e.contains("\"tpu\"") && e.contains("\"wgpu\""), "{e}");
        assert!(!e.contains("untagged"), "{e}");
        // The mouth's own switch: on unless the project says otherwise.
        assert_eq!(
            read(r#"{"engine": "warp", "clip_mouth": false}"#).clip_mouth(),
            Some(false)
        );
        assert_eq!(read(r#"{"engine": "warp"}"#).clip_mouth(), Some(true));
        // So is the voice's: older projects (without it) get real mouths.
        assert_eq!(read(r#"{"engine": "warp"}"#).voice_mouth(), Some(true));
        assert_eq!(read(r#"{"engine": "warp"}"#).eye_fill(), Some(true));
        assert_eq!(
            read(r#"{"engine": "warp", "eye_fill": false}"#).eye_fill(),
            Some(false)
        );
        assert_eq!(
            read(r#"{"engine": "warp", "voice_mouth": false}"#).voice_mouth(),
            Some(false)
        );
        // Expression details: as strong as the driver's unless the project says otherwise,
        // and a strength out of range is said, with the range.
        assert_eq!(
            read(r#"{"engine": "warp"}"#).details(),
            Some(DEFAULT_DETAILS)
        );
        assert_eq!(
            read(r#"{"engine": "warp", "details": 0.5}"#).details(),
            Some(0.5)
        );
        for bad in ["3", "-0.5", "\"strong\""] {
            let e = serde_json::from_str::<EngineSettings>(&format!(r#"{{"details": {bad}}}"#))
                .expect_err(bad)
                .to_string();
            assert!(e.contains("details"), "{bad}: {e}");
        }
        for s in [
            EngineSettings::Warp {
                backend: Backend::Cpu,
                clip_mouth: false,
                voice_mouth: false,
                eye_fill: true,
                details: DEFAULT_DETAILS,
            },
            EngineSettings::new(EngineChoice::Neural),
            EngineSettings::Warp {
                backend: Backend::Wgpu,
                clip_mouth: true,
                voice_mouth: true,
                eye_fill: true,
                details: 0.25,
            },
        ] {
            let json = serde_json::to_string(&s).expect("json");
            assert_eq!(read(&json), s, "{json}");
        }
    }
}
