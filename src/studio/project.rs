//! `.vivant` project files: versioned JSON with every path relative to the project file, the
//! sources' chosen faces and landmark corrections, and all settings. Written to a temporary
//! file and renamed, so a crash mid-save never leaves a broken project.

use crate::geometry::Face68;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::media::file_name;
use crate::pipeline::RenderSettings;
use crate::render::StillStroke;

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
    /// What the user keeps still on this picture: brush strokes in its pixels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_still: Vec<StillStroke>,
}

/// A project: what animates what, and how.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub sources: Vec<SourceEntry>,
    pub driving: Option<PathBuf>,
    /// The soundtrack: with no driving clip, the voice the portrait speaks.
    pub audio: Option<PathBuf>,
    #[serde(default)]
    pub settings: RenderSettings,
    /// Takes recorded in Perform, newest last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub takes: Vec<TakeEntry>,
}

/// A take recorded in Perform: its file and the name the user gave it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TakeEntry {
    pub path: PathBuf,
    pub name: String,
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
    #[error("{path} is {what}, not a project file")]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("{path}: not a Vivant project (no \"format\": \"{FORMAT}\" with a version)")]
    NotAProject { path: PathBuf },
    #[error("{path}: the project file is damaged: {source}")]
    Damaged {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{path}: made by a newer Vivant (project version {version}, this one reads up to {VERSION}); update Vivant"
    )]
    TooNew { path: PathBuf, version: u32 },
    #[error(
        "{path}: the project's \"version\" is {found}, which no Vivant writes (a whole number from 1; this one reads up to {VERSION}): the file was edited or damaged; set it to {VERSION} or open a saved copy"
    )]
    BadVersion { path: PathBuf, found: String },
    #[error(
        "{path}: the project lists {count} pictures; Vivant animates from up to {max} pictures of one face: the file was made elsewhere or damaged; remove pictures from its \"sources\"",
        max = crate::pipeline::MAX_SOURCES
    )]
    TooManySources { path: PathBuf, count: usize },
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
        // A pipe or a device would block the read (and the window with it): refused at once.
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_file()
        {
            return Err(ProjectError::NotAFile {
                path: path.to_path_buf(),
                what: if meta.is_dir() {
                    "a folder"
                } else {
                    "a device or a pipe"
                },
            });
        }
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// A project from the text of its file; `path` is where it was read from (its paths are
    /// resolved against that folder, and it names the file in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProjectError> {
        let damaged = |source: serde_json::Error| ProjectError::Damaged {
            path: path.to_path_buf(),
            source,
        };
        let not_a_project = || ProjectError::NotAProject {
            path: path.to_path_buf(),
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(damaged)?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(not_a_project());
        }
        let version = match value.get("version") {
            None => return Err(not_a_project()),
            Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n >= 1 => n,
                _ => {
                    return Err(ProjectError::BadVersion {
                        path: path.to_path_buf(),
                        found: v.to_string(),
                    });
                }
            },
        };
        if version > VERSION {
            return Err(ProjectError::TooNew {
                path: path.to_path_buf(),
                version,
            });
        }
        if let Some(count) = value
            .get("sources")
            .and_then(|s| s.as_array())
            .map(Vec::len)
            .filter(|&n| n > crate::pipeline::MAX_SOURCES)
        {
            return Err(ProjectError::TooManySources {
                path: path.to_path_buf(),
                count,
            });
        }
        // Landmarks are `Face68`: a source with other than 68 points is refused here.
        let file: File = serde_json::from_value(value).map_err(damaged)?;
        let mut project = file.project;
        let base = path.parent().unwrap_or(Path::new("."));
        project.map_paths(|p| absolute(&base.join(p)));
        // The weights folder is saved as chosen (it belongs to the machine, not the project);
        // one written relative, by hand, is read against the project's folder as media are.
        if let crate::pipeline::EngineSettings::Neural {
            weights: Some(w), ..
        } = &mut project.settings.engine
            && w.is_relative()
        {
            *w = absolute(&base.join(&*w));
        }
        Ok(project)
    }

    /// Put right what a hand-edited or damaged file may hold that the studio cannot use:
    /// landmarks that are not finite or all in one place (the face is found again), settings
    /// out of range (their defaults). Each repair comes back as a sentence for the user.
    pub fn repair(&mut self) -> Vec<String> {
        let mut notes = Vec::new();
        for s in &mut self.sources {
            // Keep-still strokes: a damaged one (numbers that are not, a brush larger than
            // any picture) is dropped, said once per picture.
            let before = s.keep_still.len();
            s.keep_still.retain(|k| {
                k.radius.is_finite()
                    && (0.0..=4096.0).contains(&k.radius)
                    && !k.points.is_empty()
                    && k.points.len() <= 100_000
                    && k.points
                        .iter()
                        .flatten()
                        .all(|v| v.is_finite() && v.abs() < 1e6)
            });
            if s.keep_still.len() < before {
                notes.push(format!(
                    "{}: {} keep-still strokes were damaged and are left out",
                    file_name(&s.path),
                    before - s.keep_still.len()
                ));
            }
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
        let d = RenderSettings::default();
        if let Some(f) = st.fps
            && !(1.0..=240.0).contains(&f)
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
        if time(st.start_s) != st.start_s || time(st.end_s) != st.end_s {
            notes.push("the in or out point was not a time; it is cleared".into());
            st.start_s = time(st.start_s);
            st.end_s = time(st.end_s);
        }
        if let (Some(i), Some(o)) = (st.start_s, st.end_s)
            && o <= i
        {
            notes.push("the out point was before the in point; both are cleared".into());
            st.start_s = None;
            st.end_s = None;
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
        for t in &mut self.takes {
            t.path = f(&t.path);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe named like a project is refused at once (reading it would block the studio
    /// before its window opens), and so is a folder.
    /// Takes are saved beside the project, relative to it, and come back absolute with their
    /// names; a project without takes writes no `takes` key (older Vivants read it as before).
    #[test]
    fn takes_are_saved_relative_to_the_project() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("p.vivant");
        let take = dir.path().join("p takes/take-1.mp4");
        let p = Project {
            takes: vec![TakeEntry {
                path: take.clone(),
                name: "First try".into(),
            }],
            ..Project::default()
        };
        p.save(&file).expect("save");
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(text.contains("\"p takes/take-1.mp4\""), "{text}");
        let back = Project::load(&file).expect("load");
        assert_eq!(back.takes, p.takes);
        Project::default().save(&file).expect("save");
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(!text.contains("takes"), "{text}");
    }

    #[test]
    fn a_pipe_or_a_folder_is_not_read_as_a_project() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("p.vivant");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let e = Project::load(&fifo).expect_err("a pipe");
        assert!(
            matches!(
                e,
                ProjectError::NotAFile {
                    what: "a device or a pipe",
                    ..
                }
            ),
            "{e}"
        );
        let e = Project::load(dir.path()).expect_err("a folder");
        assert!(
            matches!(
                e,
                ProjectError::NotAFile {
                    what: "a folder",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn a_version_no_vivant_writes_is_said_as_such() {
        let path = Path::new("/p/x.vivant");
        let with = |v: &str| {
            Project::parse(
                &format!(r#"{{"format": "{FORMAT}", "version": {v}, "sources": []}}"#),
                path,
            )
        };
        // 4294967297 is 2^32 + 1: read as 1 once, by a cast that dropped the high bits.
        for v in ["\"2\"", "-1", "1.5", "0", "null", "4294967297"] {
            let e = with(v).expect_err(v);
            assert!(matches!(e, ProjectError::BadVersion { .. }), "{v}: {e}");
            let said = e.to_string();
            assert!(said.contains(v) && said.contains("set it to"), "{said}");
        }
        assert!(matches!(with("99"), Err(ProjectError::TooNew { .. })));
        let e = Project::parse(&format!(r#"{{"format": "{FORMAT}"}}"#), path);
        assert!(matches!(e, Err(ProjectError::NotAProject { .. })));
    }

    #[test]
    fn a_project_past_the_most_pictures_is_refused_with_the_count() {
        let path = Path::new("/p/x.vivant");
        let with = |n: usize| {
            let sources = vec![r#"{"path": "face.jpg"}"#; n].join(",");
            Project::parse(
                &format!(r#"{{"format": "{FORMAT}", "version": 1, "sources": [{sources}]}}"#),
                path,
            )
        };
        let max = crate::pipeline::MAX_SOURCES;
        assert_eq!(with(max).expect("the most there may be").sources.len(), max);
        let e = with(5000).expect_err("5,000 pictures");
        assert!(
            matches!(e, ProjectError::TooManySources { count: 5000, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("5000 pictures"), "{e}");
    }

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
                    keep_still: vec![
                        StillStroke {
                            points: vec![[1.0, 2.0], [30.0, 2.0]],
                            radius: 4.0,
                            erase: false,
                        },
                        StillStroke {
                            points: vec![[f32::NAN, 2.0]],
                            radius: 4.0,
                            erase: false,
                        },
                    ],
                },
                SourceEntry {
                    path: "/a/inf.png".into(),
                    face: 0,
                    landmarks: Some(bad_lm),
                    keep_still: Vec::new(),
                },
                SourceEntry {
                    path: "/a/point.png".into(),
                    face: 0,
                    landmarks: Some(Face68::filled([10.0, 10.0])),
                    keep_still: Vec::new(),
                },
            ],
            ..Project::default()
        };
        p.settings.fps = Some(4_294_967_295.0);
        p.settings.strengths.pose = f32::NAN;
        p.settings.start_s = Some(5.0);
        p.settings.end_s = Some(1.0);
        let notes = p.repair();
        assert_eq!(p.sources[0].keep_still.len(), 1, "the sound stroke stays");
        // Kept through a save and a load, as painted.
        let json = serde_json::to_string(&p.sources[0]).expect("json");
        let again: SourceEntry = serde_json::from_str(&json).expect("read back");
        assert_eq!(again, p.sources[0]);
        assert!(
            notes[0].contains("ok.png: 1 keep-still strokes"),
            "{notes:?}"
        );
        assert_eq!(p.sources[0].landmarks.as_ref(), Some(&lm));
        assert!(p.sources[1].landmarks.is_none() && p.sources[2].landmarks.is_none());
        assert_eq!(p.settings.fps, None);
        assert_eq!(p.settings.strengths.pose, 1.0);
        assert_eq!((p.settings.start_s, p.settings.end_s), (None, None));
        assert_eq!(notes.len(), 6, "{notes:?}");
        assert!(notes[1].contains("inf.png") && notes[2].contains("all in one place"));
        // A sound project needs no repair.
        let mut fine = Project::default();
        assert!(fine.repair().is_empty());
    }

    /// A project saved before the neural engine had a device choice opens with auto; the
    /// choice made is saved and read back.
    #[test]
    fn the_neural_device_is_saved_and_older_projects_run_where_auto_says() {
        let p = Path::new("/tmp/x.vivant");
        let older = format!(
            "{{\"format\":\"{FORMAT}\",\"version\":1,\"sources\":[],\"settings\":{{\"engine\":\"neural\",\"weights\":\"w\",\"gpu\":true}}}}"
        );
        let mut project = Project::parse(&older, p).expect("an older project");
        // Its weights folder, written relative, is the project folder's "w".
        let neural = |device| crate::pipeline::EngineSettings::Neural {
            weights: Some("/tmp/w".into()),
            device,
        };
        use crate::devices::DeviceChoice;
        assert_eq!(project.settings.engine, neural(DeviceChoice::Auto));
        project.settings.engine = neural(DeviceChoice::Cuda);
        let text = project.to_json(p);
        assert!(text.contains("\"device\": \"cuda\""), "{text}");
        let again = Project::parse(&text, p).expect("read back");
        assert_eq!(again.settings.engine, neural(DeviceChoice::Cuda));
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
        assert_eq!(
            crate::pipeline::OutputSize::Lines(1080).size(743, 1155),
            Some((694, 1080))
        );
        assert_eq!(
            crate::pipeline::OutputSize::Lines(720).size(1920, 1080),
            Some((1280, 720))
        );
        assert_eq!(crate::pipeline::OutputSize::Source.size(743, 1155), None);
    }

    #[test]
    fn a_newer_version_is_refused_and_junk_is_not_a_project() {
        let p = Path::new("/tmp/x.vivant");
        let newer = format!("{{\"format\":\"{FORMAT}\",\"version\":99,\"sources\":[]}}");
        assert!(matches!(
            Project::parse(&newer, p),
            Err(ProjectError::TooNew { version: 99, .. })
        ));
        assert!(matches!(
            Project::parse("{\"a\":1}", p),
            Err(ProjectError::NotAProject { .. })
        ));
        assert!(matches!(
            Project::parse("{\"format\": ", p),
            Err(ProjectError::Damaged { .. })
        ));
        // 67 landmarks: refused, saying so (the cause is kept as the error's source).
        let short = format!(
            "{{\"format\":\"{FORMAT}\",\"version\":1,\"sources\":[{{\"path\":\"a.png\",\"landmarks\":{}}}]}}",
            serde_json::to_string(&vec![[1.0f32, 2.0]; 67]).unwrap_or_default()
        );
        let e = Project::parse(&short, p).expect_err("67 landmarks");
        assert!(matches!(e, ProjectError::Damaged { .. }), "{e:?}");
        assert!(e.to_string().contains("67 landmarks"), "{e}");
    }
}
