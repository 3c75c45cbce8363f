//! `.vivant` project files: versioned JSON with every path relative to the project file, the
//! sources' chosen faces and landmark corrections, and all settings. Written to a temporary
//! file and renamed, so a crash mid-save never leaves a broken project.

use crate::geometry::Face68;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::motion::{Mode, Strengths};

/// The format's name, to tell a project from other JSON.
pub const FORMAT: &str = "vivant-project";
/// Bumped when a field changes meaning; older files are read and upgraded.
pub const VERSION: u32 = 1;

/// One source picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceEntry {
    pub path: PathBuf,
    /// Which detected face (0 = the largest) is animated.
    #[serde(default)]
    pub face: usize,
    /// The 68 landmarks as the user corrected or placed them; `None` = as detected.
    #[serde(default)]
    pub landmarks: Option<Face68>,
}

/// Output size presets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizePreset {
    /// The first source's own size.
    #[default]
    Source,
    /// 1080 lines, the source's aspect.
    P1080,
    /// 720 lines, the source's aspect.
    P720,
}

impl SizePreset {
    pub const ALL: [SizePreset; 3] = [SizePreset::Source, SizePreset::P1080, SizePreset::P720];

    pub fn label(self) -> &'static str {
        match self {
            SizePreset::Source => "Source resolution",
            SizePreset::P1080 => "1080p",
            SizePreset::P720 => "720p",
        }
    }

    /// The output size for a source of `w` × `h` (`None` = the source's own); even sides, as
    /// H.264 in 4:2:0 needs.
    pub fn size(self, w: u32, h: u32) -> Option<(u32, u32)> {
        let lines = match self {
            SizePreset::Source => return None,
            SizePreset::P1080 => 1080,
            SizePreset::P720 => 720,
        };
        let width = (w as f64 * lines as f64 / h.max(1) as f64 / 2.0).round() as u32 * 2;
        Some((width.max(2), lines))
    }
}

/// Everything the inspector sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub mode: Mode,
    /// The driving frame taken as the face at rest (seconds); `None` = the most neutral one.
    pub reference_s: Option<f64>,
    pub strengths: Strengths,
    /// Smoothing of the driving motion (One Euro filter); off leaves the tracks as measured.
    pub smoothing: bool,
    /// Warp on the GPU (wgpu) instead of the CPU.
    pub gpu: bool,
    pub size: SizePreset,
    /// Output frame rate; `None` = the driving clip's (25 with a voice alone).
    pub fps: Option<u32>,
    /// H.264 quality, 0 (lossless) – 51.
    pub crf: u8,
    pub preset: String,
    /// With a driving clip and a soundtrack: the lips follow the soundtrack's voice.
    pub lips_from_audio: bool,
    pub seed: u64,
    pub head_motion: f32,
    pub blinks: f32,
    pub brows: f32,
    /// Render range on the timeline, seconds.
    pub in_s: Option<f64>,
    pub out_s: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Relative,
            reference_s: None,
            strengths: Strengths::default(),
            smoothing: true,
            gpu: false,
            size: SizePreset::Source,
            fps: None,
            crf: 16,
            preset: "veryfast".into(),
            lips_from_audio: false,
            seed: 0,
            head_motion: 1.0,
            blinks: 1.0,
            brows: 1.0,
            in_s: None,
            out_s: None,
        }
    }
}

/// A project: what animates what, and how.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub sources: Vec<SourceEntry>,
    pub driving: Option<PathBuf>,
    /// The soundtrack: with no driving clip, the voice the portrait speaks.
    pub audio: Option<PathBuf>,
    #[serde(default)]
    pub settings: Settings,
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    #[serde(flatten)]
    project: Project,
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{path}: cannot read the project: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a Vivant project ({reason})")]
    Format { path: PathBuf, reason: String },
    #[error(
        "{path}: made by a newer Vivant (project version {version}, this one reads up to {VERSION}); update Vivant"
    )]
    TooNew { path: PathBuf, version: u32 },
    #[error("{path}: cannot save the project: {source} (choose another folder)")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A media file named by a project that is not where the project says.
#[derive(Clone, Debug, PartialEq)]
pub enum Missing {
    Source(usize),
    Driving,
    Audio,
}

impl Project {
    /// Read a project; its paths come back absolute (resolved against the project's folder).
    pub fn load(path: &Path) -> Result<Self, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    fn from_json(text: &str, path: &Path) -> Result<Self, ProjectError> {
        let format_err = |reason: String| ProjectError::Format {
            path: path.to_path_buf(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format_err(e.to_string()))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(format_err(format!("no \"format\": \"{FORMAT}\"")));
        }
        let version = value
            .get("version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| format_err("no version".into()))? as u32;
        if version > VERSION {
            return Err(ProjectError::TooNew {
                path: path.to_path_buf(),
                version,
            });
        }
        let file: File = serde_json::from_value(value).map_err(|e| format_err(e.to_string()))?;
        let mut project = file.project;
        let base = path.parent().unwrap_or(Path::new("."));
        project.map_paths(|p| absolute(&base.join(p)));
        for s in &project.sources {
            if let Some(lm) = &s.landmarks
                && lm.len() != 68
            {
                return Err(format_err(format!(
                    "{}: {} landmarks, not 68",
                    s.path.display(),
                    lm.len()
                )));
            }
        }
        Ok(project)
    }

    /// Put right what a hand-edited or damaged file may hold that the studio cannot use:
    /// landmarks that are not finite or all in one place (the face is found again), settings
    /// out of range (their defaults). Each repair comes back as a sentence for the user.
    pub fn repair(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        for s in &mut self.sources {
            let Some(lm) = &s.landmarks else { continue };
            let finite = lm.iter().flatten().all(|v| v.is_finite() && v.abs() < 1e6);
            let spread = |axis: usize| {
                let (lo, hi) = lm.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
                    (lo.min(p[axis]), hi.max(p[axis]))
                });
                hi - lo
            };
            if !finite || spread(0) < 2.0 || spread(1) < 2.0 {
                notes.push(format!(
                    "{}: the saved landmarks are unusable ({}); the face is found again",
                    file_name(&s.path),
                    if finite {
                        "all in one place"
                    } else {
                        "not finite numbers"
                    }
                ));
                s.landmarks = None;
            }
        }
        let st = &mut self.settings;
        let d = Settings::default();
        if let Some(f) = st.fps
            && !(1..=240).contains(&f)
        {
            notes.push(format!(
                "frame rate {f} fps is not 1–240; using the driving clip's"
            ));
            st.fps = None;
        }
        if st.crf > 51 {
            notes.push(format!(
                "quality CRF {} is not 0–51; using {}",
                st.crf, d.crf
            ));
            st.crf = d.crf;
        }
        if !crate::export::PRESETS.contains(&st.preset.as_str()) {
            notes.push(format!(
                "encoder speed \"{}\" is unknown; using {}",
                st.preset, d.preset
            ));
            st.preset = d.preset.clone();
        }
        let strengths = [
            &mut st.strengths.pose,
            &mut st.strengths.expression,
            &mut st.strengths.eyes,
            &mut st.strengths.mouth,
            &mut st.head_motion,
            &mut st.brows,
        ];
        let mut bad = false;
        for v in strengths {
            if !(v.is_finite() && (0.0..=2.0).contains(v)) {
                bad = true;
                *v = 1.0;
            }
        }
        if !(st.blinks.is_finite() && (0.0..=1.0).contains(&st.blinks)) {
            bad = true;
            st.blinks = 1.0;
        }
        if bad {
            notes.push("a strength was out of range; it is back at 1".into());
        }
        let time = |t: Option<f64>| t.filter(|t| t.is_finite() && *t >= 0.0);
        if time(st.in_s) != st.in_s || time(st.out_s) != st.out_s {
            notes.push("the in or out point was not a time; it is cleared".into());
            st.in_s = time(st.in_s);
            st.out_s = time(st.out_s);
        }
        if let (Some(i), Some(o)) = (st.in_s, st.out_s)
            && o <= i
        {
            notes.push("the out point was before the in point; both are cleared".into());
            st.in_s = None;
            st.out_s = None;
        }
        if time(st.reference_s) != st.reference_s {
            notes.push("the reference frame was not a time; the most neutral one is used".into());
            st.reference_s = None;
        }
        notes
    }

    /// The JSON for a project saved at `path` (paths relative to its folder).
    pub fn to_json(&self, path: &Path) -> String {
        let base = absolute(path.parent().unwrap_or(Path::new(".")));
        let mut project = self.clone();
        project.map_paths(|p| relative_to(&absolute(p), &base));
        let file = File {
            format: FORMAT.into(),
            version: VERSION,
            project,
        };
        // Plain data: serialising cannot fail.
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Save to `path`, atomically.
    pub fn save(&self, path: &Path) -> Result<(), ProjectError> {
        let json = self.to_json(path);
        write_atomic(path, json.as_bytes()).map_err(|source| ProjectError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Media files that are not there.
    pub fn missing(&self) -> Vec<(Missing, PathBuf)> {
        let mut out = Vec::new();
        for (i, s) in self.sources.iter().enumerate() {
            if !s.path.exists() {
                out.push((Missing::Source(i), s.path.clone()));
            }
        }
        if let Some(d) = &self.driving
            && !d.exists()
        {
            out.push((Missing::Driving, d.clone()));
        }
        if let Some(a) = &self.audio
            && !a.exists()
        {
            out.push((Missing::Audio, a.clone()));
        }
        out
    }

    /// Where the project says a file is.
    pub fn path_of(&self, which: &Missing) -> Option<PathBuf> {
        match which {
            Missing::Source(i) => self.sources.get(*i).map(|s| s.path.clone()),
            Missing::Driving => self.driving.clone(),
            Missing::Audio => self.audio.clone(),
        }
    }

    /// Point a missing file at where it is now.
    pub fn relocate(&mut self, which: &Missing, to: PathBuf) {
        match which {
            Missing::Source(i) => {
                if let Some(s) = self.sources.get_mut(*i) {
                    s.path = to;
                }
            }
            Missing::Driving => self.driving = Some(to),
            Missing::Audio => self.audio = Some(to),
        }
    }

    fn map_paths(&mut self, f: impl Fn(&Path) -> PathBuf) {
        for s in &mut self.sources {
            s.path = f(&s.path);
        }
        self.driving = self.driving.as_deref().map(&f);
        self.audio = self.audio.as_deref().map(&f);
    }
}

/// Write a file through a uniquely named temporary sibling and a rename (`crate::output`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::output::write_atomic(path, |tmp| std::fs::write(tmp, bytes)).map_err(|e| match e {
        crate::output::OutputError::Io { source, .. } => source,
        other => std::io::Error::other(other),
    })
}

/// `path` made absolute and lexically normalised (no `.` or `..`).
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to the folder `base` (both absolute), with `..` where needed.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_values_are_repaired_with_a_word() {
        let lm = Face68::from(std::array::from_fn(|i| [i as f32 * 3.0, 50.0 + i as f32]));
        let mut bad_lm = lm;
        bad_lm[36] = [f32::INFINITY, 0.0];
        let mut p = Project {
            sources: vec![
                SourceEntry {
                    path: "/a/ok.png".into(),
                    face: 0,
                    landmarks: Some(lm),
                },
                SourceEntry {
                    path: "/a/inf.png".into(),
                    face: 0,
                    landmarks: Some(bad_lm),
                },
                SourceEntry {
                    path: "/a/point.png".into(),
                    face: 0,
                    landmarks: Some(Face68::filled([10.0, 10.0])),
                },
            ],
            ..Project::default()
        };
        p.settings.fps = Some(4_294_967_295);
        p.settings.strengths.pose = f32::NAN;
        p.settings.in_s = Some(5.0);
        p.settings.out_s = Some(1.0);
        let notes = p.repair();
        assert_eq!(p.sources[0].landmarks.as_ref(), Some(&lm));
        assert!(p.sources[1].landmarks.is_none() && p.sources[2].landmarks.is_none());
        assert_eq!(p.settings.fps, None);
        assert_eq!(p.settings.strengths.pose, 1.0);
        assert_eq!((p.settings.in_s, p.settings.out_s), (None, None));
        assert_eq!(notes.len(), 5, "{notes:?}");
        assert!(notes[0].contains("inf.png") && notes[1].contains("all in one place"));
        // A sound project needs no repair.
        let mut fine = Project::default();
        assert!(fine.repair().is_empty());
    }

    #[test]
    fn relative_paths_walk_up_and_down() {
        assert_eq!(
            relative_to(Path::new("/a/b/c.jpg"), Path::new("/a/d")),
            PathBuf::from("../b/c.jpg")
        );
        assert_eq!(
            relative_to(Path::new("/a/d/e/c.jpg"), Path::new("/a/d")),
            PathBuf::from("e/c.jpg")
        );
    }

    #[test]
    fn presets_keep_the_aspect_with_even_sides() {
        assert_eq!(SizePreset::P1080.size(743, 1155), Some((694, 1080)));
        assert_eq!(SizePreset::P720.size(1920, 1080), Some((1280, 720)));
        assert_eq!(SizePreset::Source.size(743, 1155), None);
    }

    #[test]
    fn a_newer_version_is_refused_and_junk_is_not_a_project() {
        let p = Path::new("/tmp/x.vivant");
        let newer = format!("{{\"format\":\"{FORMAT}\",\"version\":99,\"sources\":[]}}");
        assert!(matches!(
            Project::from_json(&newer, p),
            Err(ProjectError::TooNew { version: 99, .. })
        ));
        assert!(matches!(
            Project::from_json("{\"a\":1}", p),
            Err(ProjectError::Format { .. })
        ));
    }
}
