//! The render settings: one serde type that the project file stores, the command line fills
//! from its flags and the pipeline reads. Older project files still open (their `gpu: true`,
//! `in_s`/`out_s` and size presets are read into the fields that replaced them).

use serde::{Deserialize, Serialize};

pub use crate::devices::DeviceChoice;
use crate::motion::idle::IdleSettings;
use crate::motion::{Mode, Strengths};
pub use crate::render::{Backend, EngineChoice, EngineSettings};

/// How the portrait fills an output size of another shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Fill the frame, cutting the overhang, centred on the face as far as the picture allows.
    #[default]
    Crop,
    /// The whole picture, with black bars on the short sides (letterbox or pillarbox).
    Pad,
    /// Squeeze the picture to the size (distorts the face).
    Stretch,
}

impl Fit {
    pub fn describe(self) -> &'static str {
        match self {
            Fit::Crop => "cropped to fill, centred on the face",
            Fit::Pad => "letterboxed with black bars",
            Fit::Stretch => "stretched (distorted)",
        }
    }
}

/// The output's size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum OutputSize {
    /// The first portrait's own size.
    #[default]
    Source,
    /// This many lines, the portrait's aspect (even sides, as H.264 in 4:2:0 needs).
    Lines(u32),
    /// Exactly this size; another shape is fitted by `Fit`.
    Fixed(u32, u32),
}

impl OutputSize {
    /// The studio's choices: the portrait's own shape at several sizes, and the framings
    /// social media ask for (cropped around the face by default).
    pub const PRESETS: [OutputSize; 6] = [
        OutputSize::Source,
        OutputSize::Lines(2160),
        OutputSize::Lines(1080),
        OutputSize::Lines(720),
        OutputSize::Fixed(1080, 1080),
        OutputSize::Fixed(1080, 1920),
    ];

    pub fn label(self) -> String {
        match self {
            OutputSize::Source => "Source resolution".into(),
            OutputSize::Lines(2160) => "2160p (4K)".into(),
            OutputSize::Lines(n) => format!("{n}p"),
            OutputSize::Fixed(w, h) if w == h => format!("Square {w}×{h} (1:1)"),
            OutputSize::Fixed(w, h) if w * 16 == h * 9 => format!("Vertical {w}×{h} (9:16)"),
            OutputSize::Fixed(w, h) => format!("{w}×{h}"),
        }
    }

    /// The output size for a portrait of `w` × `h` (`None` = its own).
    pub fn size(self, w: u32, h: u32) -> Option<(u32, u32)> {
        match self {
            OutputSize::Source => None,
            OutputSize::Lines(lines) => {
                let width = (w as f64 * lines as f64 / h.max(1) as f64 / 2.0).round() as u32 * 2;
                Some((width.max(2), lines))
            }
            OutputSize::Fixed(w, h) => Some((w, h)),
        }
    }
}

impl std::str::FromStr for OutputSize {
    type Err = String;
    /// `source`, `1080p`, `WxH` (and the older project files' `p1080`, `p720`).
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase();
        if t == "source" {
            return Ok(OutputSize::Source);
        }
        let lines = t
            .strip_suffix('p')
            .or_else(|| t.strip_prefix('p'))
            .and_then(|n| n.parse::<u32>().ok());
        if let Some(n) = lines.filter(|n| (16..=8192).contains(n)) {
            return Ok(OutputSize::Lines(n));
        }
        let side = |v: &str| {
            v.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (16..=8192).contains(n))
        };
        match t.split_once(['x', '×']) {
            Some((w, h)) => match (side(w), side(h)) {
                (Some(w), Some(h)) => Ok(OutputSize::Fixed(w, h)),
                _ => Err(format!("'{s}': width and height must be 16 to 8192")),
            },
            None => Err(format!(
                "'{s}': use WxH (e.g. 1280x720), a height such as 1080p, or 'source'"
            )),
        }
    }
}

impl TryFrom<String> for OutputSize {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<OutputSize> for String {
    fn from(s: OutputSize) -> String {
        match s {
            OutputSize::Source => "source".into(),
            OutputSize::Lines(n) => format!("{n}p"),
            OutputSize::Fixed(w, h) => format!("{w}x{h}"),
        }
    }
}

/// Everything about how a portrait is animated and encoded that a user chooses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RenderSettings {
    /// The engine and its own settings (stored flat: `"engine"`, then its fields).
    #[serde(flatten)]
    pub engine: EngineSettings,
    pub mode: Mode,
    /// The driving frame taken as the face at rest (seconds); `None` = the most neutral one.
    pub reference_s: Option<f64>,
    pub strengths: Strengths,
    /// Smoothing of the driving motion (One Euro filter); off leaves the tracks as measured.
    pub smoothing: bool,
    pub size: OutputSize,
    pub fit: Fit,
    /// Output frame rate; `None` = the driving clip's (25 with a voice alone).
    pub fps: Option<f64>,
    /// H.264 quality, 0 (lossless) – 51.
    pub crf: u8,
    /// x264 preset: ultrafast … veryslow.
    pub preset: String,
    /// With a driving clip and a soundtrack: the lips follow the soundtrack's voice.
    pub lips_from_audio: bool,
    /// Seed of the idle head motion and blinks when a voice drives (same seed, same video).
    pub seed: u64,
    /// Idle head motion, blinks and brows when a voice drives (0–2; blinks 0–1).
    pub head_motion: f32,
    pub blinks: f32,
    pub brows: f32,
    /// The range of the driving clip (of the voice, without one) to render, seconds.
    #[serde(alias = "in_s")]
    pub start_s: Option<f64>,
    #[serde(alias = "out_s")]
    pub end_s: Option<f64>,
    /// Content Credentials (a signed C2PA manifest saying how the video was made) in the
    /// exported file. On unless the user opts out.
    pub credentials: bool,
    /// A small visible "animated with Vivant" in the frame's corner.
    pub watermark: bool,
    /// Where a crop to another shape sits: moved from the face-centred place by this share
    /// of the picture's width and height (`[0, -0.1]`: a tenth higher, for a tall hairdo).
    pub crop_shift: [f32; 2],
    /// How far the crop zooms in: 1 is the largest crop of the output's shape, 2 half as wide.
    pub crop_zoom: f32,
}

/// The most a crop zooms in.
pub const MAX_CROP_ZOOM: f32 = 4.0;

impl Default for RenderSettings {
    fn default() -> Self {
        Self {
            engine: EngineSettings::default(),
            mode: Mode::Relative,
            reference_s: None,
            strengths: Strengths::default(),
            smoothing: true,
            size: OutputSize::Source,
            fit: Fit::Crop,
            fps: None,
            crf: 16,
            // 1080p end to end: 1.19× real time with veryfast, 0.79× with medium (2 cores).
            preset: "veryfast".into(),
            lips_from_audio: false,
            seed: 0,
            head_motion: 1.0,
            blinks: 1.0,
            brows: 1.0,
            start_s: None,
            end_s: None,
            credentials: true,
            watermark: false,
            crop_shift: [0.0, 0.0],
            crop_zoom: 1.0,
        }
    }
}

impl RenderSettings {
    /// How a driving clip is analysed for these settings (its smoothing).
    pub fn motion_settings(&self) -> crate::motion::MotionSettings {
        crate::motion::MotionSettings {
            smoothing: if self.smoothing {
                crate::motion::MotionSettings::default().smoothing
            } else {
                None
            },
            ..crate::motion::MotionSettings::default()
        }
    }

    pub fn idle(&self) -> IdleSettings {
        IdleSettings {
            seed: self.seed,
            head: self.head_motion,
            blinks: self.blinks.min(1.0),
            brows: self.brows,
        }
    }

    /// The output frame rate as a rational, when one is set.
    pub fn frame_rate(&self) -> Option<(i32, i32)> {
        self.fps.map(rational_rate)
    }
}

/// A frame rate as a rational: whole numbers exactly, NTSC rates as n·1000/1001.
pub fn rational_rate(f: f64) -> (i32, i32) {
    if (f - f.round()).abs() < 1e-6 {
        return (f.round() as i32, 1);
    }
    let ntsc = f * 1001.0 / 1000.0;
    if (ntsc - ntsc.round()).abs() < 1e-3 {
        return (ntsc.round() as i32 * 1000, 1001);
    }
    ((f * 1000.0).round() as i32, 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_project_settings_read_into_the_new_fields() {
        let old = r#"{"mode":"relative","gpu":true,"size":"p1080","fps":30,"in_s":2.0,"out_s":5.5,
            "crf":18,"preset":"fast","seed":7,"head_motion":0.5,"blinks":1.0,"brows":1.0}"#;
        let s: RenderSettings = serde_json::from_str(old).expect("old settings");
        assert_eq!(
            s.engine,
            EngineSettings::Warp {
                backend: Backend::Wgpu,
                clip_mouth: true,
                voice_mouth: true,
                eye_fill: true,
                details: crate::render::DEFAULT_DETAILS,
            }
        );
        assert_eq!(s.size, OutputSize::Lines(1080));
        assert_eq!(s.fps, Some(30.0));
        assert_eq!((s.start_s, s.end_s), (Some(2.0), Some(5.5)));
        assert_eq!((s.crf, s.seed), (18, 7));
        // Written back in today's names, and read again unchanged.
        let text = serde_json::to_string(&s).expect("json");
        assert!(text.contains(r#""backend":"wgpu""#) && text.contains(r#""size":"1080p""#));
        assert!(!text.contains("gpu\":") && !text.contains("in_s"));
        assert!(text.contains(r#""engine":"warp""#) && !text.contains("device"));
        let again: RenderSettings = serde_json::from_str(&text).expect("new settings");
        assert_eq!(again, s);
    }

    #[test]
    fn the_neural_device_is_kept() {
        let s: RenderSettings =
            serde_json::from_str(r#"{"engine":"neural","device":"cuda"}"#).expect("settings");
        // Before the neural engine had a device choice: auto.
        let auto: RenderSettings = serde_json::from_str(r#"{"engine":"neural"}"#).expect("old");
        assert_eq!(
            auto.engine,
            EngineSettings::Neural {
                weights: None,
                device: DeviceChoice::Auto
            }
        );
        assert_eq!(
            s.engine,
            EngineSettings::Neural {
                weights: None,
                device: DeviceChoice::Cuda
            }
        );
        let again: RenderSettings =
            serde_json::from_str(&serde_json::to_string(&s).expect("json")).expect("again");
        assert_eq!(again, s);
        // A device this version does not know is refused, not silently replaced.
        assert!(serde_json::from_str::<RenderSettings>(r#"{"device":"tpu"}"#).is_err());
    }

    #[test]
    fn sizes_parse_from_words_and_numbers() {
        assert_eq!("source".parse(), Ok(OutputSize::Source));
        assert_eq!("720p".parse(), Ok(OutputSize::Lines(720)));
        assert_eq!("1280x720".parse(), Ok(OutputSize::Fixed(1280, 720)));
        assert_eq!("640×480".parse(), Ok(OutputSize::Fixed(640, 480)));
        assert!("8x8".parse::<OutputSize>().is_err());
        assert!("big".parse::<OutputSize>().is_err());
        assert_eq!(OutputSize::Lines(1080).size(1000, 800), Some((1350, 1080)));
        assert_eq!(OutputSize::Source.size(1000, 800), None);
        // The studio's framings say what they are.
        let labels: Vec<String> = OutputSize::PRESETS.iter().map(|p| p.label()).collect();
        assert_eq!(
            labels,
            [
                "Source resolution",
                "2160p (4K)",
                "1080p",
                "720p",
                "Square 1080×1080 (1:1)",
                "Vertical 1080×1920 (9:16)"
            ]
        );
        assert_eq!(rational_rate(29.97), (30000, 1001));
        assert_eq!(rational_rate(25.0), (25, 1));
    }
}
