//! What a render has to tell its user beside the video (a portrait with several faces, a clip
//! without sound): words and the files they speak of, kept apart so that each front end names
//! the files its own way — the command line by full path, the studio as its panels do.

use std::path::{Path, PathBuf};

/// One note: words and files, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Note(Vec<Part>);

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Words(String),
    File(PathBuf),
}

impl Note {
    /// `template` with one `{}` for each of `paths`, in order.
    pub fn about(template: &str, paths: &[&Path]) -> Self {
        let mut parts = Vec::new();
        for (k, words) in template.split("{}").enumerate() {
            if k > 0 {
                parts.push(match paths.get(k - 1) {
                    Some(p) => Part::File(p.to_path_buf()),
                    None => Part::Words("{}".into()),
                });
            }
            if !words.is_empty() {
                parts.push(Part::Words(words.into()));
            }
        }
        Self(parts)
    }

    /// The files the note speaks of.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.0.iter().filter_map(|p| match p {
            Part::File(f) => Some(f.as_path()),
            Part::Words(_) => None,
        })
    }

    /// Its words, each file named by `name`.
    pub fn words(&self, name: impl Fn(&Path) -> String) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Words(w) => w.clone(),
                Part::File(f) => name(f),
            })
            .collect()
    }
}

/// Words alone (no file in them, or one already written out, as in an error's text).
impl From<String> for Note {
    fn from(text: String) -> Self {
        Self(vec![Part::Words(text)])
    }
}

impl From<&str> for Note {
    fn from(text: &str) -> Self {
        text.to_string().into()
    }
}

/// With every file by its full path (the command line's).
impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(|p| p.display().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_front_end_names_the_files_its_own_way() {
        let n = Note::about(
            "{} has no sound; {} is silent",
            &[Path::new("/clips/a.mp4"), Path::new("/out/b.mp4")],
        );
        assert_eq!(
            n.to_string(),
            "/clips/a.mp4 has no sound; /out/b.mp4 is silent"
        );
        let short = n.words(|p| {
            p.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        assert_eq!(short, "a.mp4 has no sound; b.mp4 is silent");
        assert_eq!(n.paths().count(), 2);
        // Words alone are kept as they are, braces and all.
        assert_eq!(
            Note::from("keep {} as it is").to_string(),
            "keep {} as it is"
        );
    }
}
