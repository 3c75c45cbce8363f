//! Choosing files: the desktop's file dialog (rfd: the XDG portal, else zenity), or Vivant's
//! own path prompt where the desktop can show none, so that adding, opening, saving and
//! exporting never silently do nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Severity, StudioApp};
use crate::studio::project::{Missing, absolute};

/// What a chosen path is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Purpose {
    AddMedia,
    OpenProject,
    SaveProject,
    Export,
    /// Where a missing file is now; the banner that asked goes once it is found.
    Relocate(Missing, u64),
    /// The folder of LivePortrait weights (the neural engine).
    Weights,
    /// The user's own certificate chain for Content Credentials (PEM)…
    SigningCert,
    /// …then its private key.
    SigningKey(PathBuf),
}

impl Purpose {
    /// Which files it chooses, for the folder they were last chosen in: media (added or
    /// relocated), projects, exports, certificates, weights.
    fn folder_kind(&self) -> &'static str {
        match self {
            Purpose::AddMedia | Purpose::Relocate(..) => "media",
            Purpose::OpenProject | Purpose::SaveProject => "project",
            Purpose::Export => "export",
            Purpose::SigningCert | Purpose::SigningKey(_) => "certificate",
            Purpose::Weights => "weights",
        }
    }

    fn saves(&self) -> bool {
        matches!(self, Purpose::SaveProject | Purpose::Export)
    }

    pub fn title(&self) -> &'static str {
        match self {
            Purpose::AddMedia => "Add a picture, video or sound file",
            Purpose::OpenProject => "Open a project",
            Purpose::SaveProject => "Save the project as",
            Purpose::Export => "Export the MP4 to",
            Purpose::Relocate(..) => "Where is the missing file now?",
            Purpose::Weights => "The folder of LivePortrait weights",
            Purpose::SigningCert => "Your signing certificate chain (PEM)",
            Purpose::SigningKey(_) => "The certificate's private key (PEM)",
        }
    }

    /// The file-type filter: its name and extensions.
    fn filter(&self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            Purpose::AddMedia => Some((
                "Pictures, videos, sound",
                &[
                    "png", "jpg", "jpeg", "webp", "tif", "tiff", "bmp", "mp4", "mov", "mkv",
                    "webm", "avi", "m4v", "wav", "mp3", "flac", "ogg", "opus", "m4a",
                ],
            )),
            Purpose::OpenProject | Purpose::SaveProject => Some(("Vivant project", &["vivant"])),
            Purpose::Export => Some(("MP4 video", &["mp4"])),
            Purpose::SigningCert | Purpose::SigningKey(_) => {
                Some(("PEM certificate or key", &["pem", "crt", "cer", "key"]))
            }
            Purpose::Relocate(..) | Purpose::Weights => None,
        }
    }

    /// The extension a saved file gets when the typed name has none.
    fn extension(&self) -> Option<&'static str> {
        match self {
            Purpose::SaveProject => Some("vivant"),
            Purpose::Export => Some("mp4"),
            _ => None,
        }
    }
}

/// Vivant's own prompt for a path, shown where the desktop has no file dialog.
#[derive(Clone, Debug)]
pub struct PathPrompt {
    pub purpose: Purpose,
    pub text: String,
    /// Several files picked from the list (Ctrl+click) to add at once, by name in the typed
    /// path's folder.
    pub picked: Vec<String>,
    /// Input that came after a Tab in the same frame, held for the next one: the completion
    /// is made on what was typed before the Tab, and what follows goes after it. With the
    /// frame it is for (every pass of that frame reads it).
    pub held: (u64, Vec<egui::Event>),
}

/// What the desktop's dialog gave.
enum Picked {
    Chosen(Vec<PathBuf>),
    Cancelled,
    /// No dialog could be shown (no portal and no zenity).
    Unavailable,
}

/// Nobody dismisses a dialog this fast: a `None` sooner means none was shown.
const NO_DIALOG_WITHIN: Duration = Duration::from_millis(250);

fn desktop_dialog(purpose: &Purpose, suggested: &Path) -> Picked {
    let mut dialog = rfd::FileDialog::new().set_title(purpose.title());
    if let Some((name, extensions)) = purpose.filter() {
        dialog = dialog.add_filter(name, extensions);
    }
    let (dir, name) = if suggested.is_dir() {
        (Some(suggested), None)
    } else {
        (suggested.parent(), suggested.file_name())
    };
    if let Some(dir) = dir.filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    if let Some(name) = name.filter(|_| purpose.saves()) {
        dialog = dialog.set_file_name(name.to_string_lossy());
    }
    let asked = Instant::now();
    let picked = match purpose {
        Purpose::AddMedia => dialog.pick_files(),
        Purpose::SaveProject | Purpose::Export => dialog.save_file().map(|p| vec![p]),
        Purpose::OpenProject
        | Purpose::Relocate(..)
        | Purpose::SigningCert
        | Purpose::SigningKey(_) => dialog.pick_file().map(|p| vec![p]),
        Purpose::Weights => dialog.pick_folder().map(|p| vec![p]),
    };
    match picked {
        Some(paths) => Picked::Chosen(paths),
        None if asked.elapsed() < NO_DIALOG_WITHIN => Picked::Unavailable,
        None => Picked::Cancelled,
    }
}

/// The entries of the folder a typed path points into that start with what is typed after its
/// last `/` (names, folders first and ending in `/`; hidden ones only when a `.` is typed).
pub fn entries(text: &str) -> Vec<String> {
    let (dir, prefix) = match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    };
    let folder = if dir.is_empty() {
        absolute(Path::new("."))
    } else {
        expand(dir)
    };
    let Ok(read) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let mut found: Vec<(bool, String)> = read
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let hidden = name.starts_with('.') && !prefix.starts_with('.');
            (!hidden && name.starts_with(prefix)).then(|| (!e.path().is_dir(), name))
        })
        .take(500)
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|(file, name)| if file { name } else { format!("{name}/") })
        .collect()
}

/// Tab completion of a typed path: the one entry that fits, or as far as all that fit agree.
pub fn complete(text: &str) -> String {
    let found = entries(text);
    let dir = text.rfind('/').map_or("", |i| &text[..=i]);
    let Some(first) = found.first() else {
        return text.to_string();
    };
    let common = found.iter().fold(first.as_str(), |acc, e| {
        let n = acc
            .chars()
            .zip(e.chars())
            .take_while(|(a, b)| a == b)
            .count();
        &acc[..acc.char_indices().nth(n).map_or(acc.len(), |(i, _)| i)]
    });
    format!("{dir}{common}")
}

/// The folder part of a typed path (up to its last `/`).
pub fn prompt_folder(text: &str) -> &str {
    text.rfind('/').map_or("", |i| &text[..=i])
}

/// `~/x` as the home folder's `x`, and relative paths from the working folder.
fn expand(text: &str) -> PathBuf {
    let text = text.trim();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match (text.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if text == "~" => std::env::var_os("HOME").map_or_else(PathBuf::new, PathBuf::from),
        _ => PathBuf::from(text),
    };
    absolute(&path)
}

impl StudioApp {
    /// Ask for a path for `purpose`, and go on with it once chosen.
    pub fn choose(&mut self, purpose: Purpose) {
        let suggested = self.suggested_path(&purpose);
        if self.options.desktop_dialogs && !self.dialogs.no_desktop_dialog {
            match desktop_dialog(&purpose, &suggested) {
                Picked::Chosen(paths) => {
                    for path in paths {
                        self.chosen(&purpose, path);
                    }
                    return;
                }
                Picked::Cancelled => return,
                Picked::Unavailable => {
                    self.dialogs.no_desktop_dialog = true;
                    self.note_no_desktop_dialog();
                }
            }
        }
        let mut text = suggested.display().to_string();
        if suggested.is_dir() && !text.ends_with('/') {
            text.push('/');
        }
        self.dialogs.path_prompt = Some(PathPrompt {
            purpose,
            text,
            held: (0, Vec::new()),
            picked: Vec::new(),
        });
    }

    /// What is wrong with the prompt's path, or what will happen to an existing file; the
    /// second value is whether the path can be used.
    pub fn check_prompt(&self) -> Option<(String, bool)> {
        let prompt = self.dialogs.path_prompt.as_ref()?;
        if !prompt.picked.is_empty() {
            return None;
        }
        if prompt.text.trim().is_empty() {
            return Some(("Type a path.".into(), false));
        }
        let path = self.prompt_path(prompt);
        if prompt.purpose.saves() {
            let dir = path.parent().unwrap_or(Path::new("/"));
            if !dir.is_dir() {
                return Some((format!("There is no folder {}.", dir.display()), false));
            }
            if path.is_dir() {
                return Some(("That is a folder: add a file name.".into(), false));
            }
            if path.exists() {
                return Some((
                    format!("{} exists and will be replaced.", path.display()),
                    true,
                ));
            }
            None
        } else if prompt.purpose == Purpose::Weights {
            (!path.is_dir()).then(|| (format!("There is no folder {}.", path.display()), false))
        } else if !path.exists() {
            Some((format!("There is no file {}.", path.display()), false))
        } else if path.is_dir() {
            Some(("That is a folder: add a file name.".into(), false))
        } else {
            None
        }
    }

    fn prompt_path(&self, prompt: &PathPrompt) -> PathBuf {
        let path = expand(&prompt.text);
        match prompt.purpose.extension() {
            Some(ext) if path.extension().is_none() && !prompt.text.ends_with('/') => {
                path.with_extension(ext)
            }
            _ => path,
        }
    }

    /// The prompt's OK: go on with its path, if it can be used.
    pub fn accept_prompt(&mut self) {
        if self.check_prompt().is_some_and(|(_, usable)| !usable) {
            return;
        }
        if let Some(prompt) = self.dialogs.path_prompt.take() {
            if prompt.picked.is_empty() {
                let path = self.prompt_path(&prompt);
                self.chosen(&prompt.purpose, path);
            } else {
                // The files picked, in the folder typed.
                let dir = expand(prompt_folder(&prompt.text));
                for name in &prompt.picked {
                    self.chosen(&prompt.purpose, dir.join(name));
                }
            }
        }
    }

    fn chosen(&mut self, purpose: &Purpose, path: PathBuf) {
        let path = match purpose.extension() {
            Some(ext) if path.extension().is_none() => path.with_extension(ext),
            _ => path,
        };
        // Where the next one starts.
        let folder = if path.is_dir() {
            Some(path.clone())
        } else {
            path.parent().map(Path::to_path_buf)
        };
        if let Some(folder) = folder.filter(|f| f.is_dir()) {
            let kind = purpose.folder_kind().to_string();
            if self.dialogs.last_folders.get(&kind) != Some(&folder) {
                self.dialogs.last_folders.insert(kind, folder);
                let _ = self.write_state("folders.json", &self.dialogs.last_folders);
            }
        }
        match purpose {
            Purpose::AddMedia => self.add_path(&path),
            Purpose::OpenProject => self.open_project(&path),
            Purpose::SaveProject => {
                self.save_project(&path);
            }
            Purpose::Export => self.start_export(path),
            Purpose::Relocate(which, banner) => {
                self.dismiss(*banner);
                self.relocate(which, path);
            }
            Purpose::Weights => {
                if self.set_weights(path) {
                    self.set_engine(crate::pipeline::EngineChoice::Neural);
                }
            }
            Purpose::SigningCert => self.choose(Purpose::SigningKey(path)),
            Purpose::SigningKey(cert) => self.set_own_signer(cert.clone(), path),
        }
    }

    /// Where the prompt or dialog starts: the file itself when there is one, else a name in
    /// the folder last chosen for that kind of file, else the project's folder (or the home
    /// folder's Videos or the home folder).
    fn suggested_path(&self, purpose: &Purpose) -> PathBuf {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let dir = self
            .dialogs
            .last_folders
            .get(purpose.folder_kind())
            .filter(|d| d.is_dir())
            .cloned()
            .or_else(|| {
                self.project_path
                    .as_ref()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
            })
            .or_else(|| {
                home.as_ref().map(|h| match purpose {
                    Purpose::Export if h.join("Videos").is_dir() => h.join("Videos"),
                    Purpose::AddMedia if h.join("Pictures").is_dir() => h.join("Pictures"),
                    _ => h.clone(),
                })
            })
            .map_or_else(|| absolute(Path::new(".")), |d| absolute(&d));
        let stem = self
            .sources
            .first()
            .and_then(|s| s.path.file_stem())
            .map_or_else(
                || "vivant".to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
        match purpose {
            Purpose::AddMedia | Purpose::OpenProject => dir,
            Purpose::Weights => self.weights.clone().unwrap_or(dir),
            Purpose::SigningCert => dir,
            Purpose::SigningKey(cert) => cert.parent().map_or(dir, Path::to_path_buf),
            Purpose::SaveProject => self
                .project_path
                .clone()
                .unwrap_or_else(|| dir.join(format!("{stem}.vivant"))),
            Purpose::Export => dir.join(format!("{stem}.mp4")),
            Purpose::Relocate(which, _) => self.project.path_of(which).unwrap_or(dir),
        }
    }

    /// Said once, the first time the desktop turns out to have no file dialog.
    fn note_no_desktop_dialog(&mut self) {
        self.banner(
            Severity::Info,
            "This desktop shows no file dialogs (they need xdg-desktop-portal or zenity): Vivant asks for paths itself. Files can also be dropped on the window.",
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_paths_expand_the_home_folder() {
        let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
        assert_eq!(
            expand(" ~/clips/a.mp4 "),
            absolute(&home.join("clips/a.mp4"))
        );
        assert_eq!(expand("/tmp/x/../y.png"), PathBuf::from("/tmp/y.png"));
    }

    #[test]
    fn tab_completes_to_the_one_entry_or_as_far_as_they_agree() {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in ["alpha.png", "alps.mp4", ".hidden"] {
            std::fs::write(dir.path().join(f), b"").expect("write");
        }
        std::fs::create_dir(dir.path().join("beta")).expect("mkdir");
        let d = format!("{}/", dir.path().display());
        assert_eq!(entries(&format!("{d}al")), ["alpha.png", "alps.mp4"]);
        assert_eq!(complete(&format!("{d}al")), format!("{d}alp"));
        assert_eq!(complete(&format!("{d}b")), format!("{d}beta/"));
        assert_eq!(complete(&format!("{d}alph")), format!("{d}alpha.png"));
        // Folders first; hidden files only when asked for.
        assert_eq!(entries(&d), ["beta/", "alpha.png", "alps.mp4"]);
        assert_eq!(entries(&format!("{d}.")), [".hidden"]);
        assert_eq!(complete(&format!("{d}zz")), format!("{d}zz"));
    }
}
