//! Where results land on disk: every file Vivant writes (videos, overlays, JSON, projects,
//! cached analyses) goes through here. A destination is checked before any work starts (not
//! a folder, not one of the inputs, in a folder that exists and takes files); the bytes go to a
//! uniquely named hidden file beside it, renamed into place only when complete, so a failure,
//! a cancel or a signal never leaves a half-written file or destroys the previous one.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest file name most file systems take (ext4, APFS, NTFS: 255 bytes).
pub const NAME_MAX: usize = 255;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path} is a folder; name a file inside it (e.g. {example})")]
    IsFolder { path: PathBuf, example: PathBuf },
    #[error("cannot write {path}: folder {folder} does not exist")]
    NoFolder { path: PathBuf, folder: PathBuf },
    #[error(
        "{path} is the {role} this command reads; writing it would destroy it: choose another name"
    )]
    IsInput { path: PathBuf, role: String },
    #[error(
        "cannot write {path}: the name is {bytes} bytes long; file names hold at most {NAME_MAX}"
    )]
    NameTooLong { path: PathBuf, bytes: usize },
    #[error(
        "{path} is {what}, not a file; Vivant writes whole files (a temporary file, then renamed into place): give the path of a file"
    )]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("{path} and {other} are the same output; give each its own name")]
    Twice { path: PathBuf, other: PathBuf },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl OutputError {
    /// Whether the disk ran out of space (the studio says so in its own words).
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull
            || source.kind() == std::io::ErrorKind::QuotaExceeded)
    }

    /// Whether the folder does not take files (permissions, a read-only disk).
    pub fn is_not_writable(&self) -> bool {
        matches!(self, Self::Io { source, .. }
            if source.kind() == std::io::ErrorKind::PermissionDenied
                || source.kind() == std::io::ErrorKind::ReadOnlyFilesystem)
    }
}

/// The folder a destination lands in (`.` for a bare name).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Check that `path` can be written, before any work: not a folder, not one of `inputs`
/// (given as `(role, path)`; `clip.mp4@SECONDS` names `clip.mp4`), its folder exists and takes
/// a file (a probe file is created and removed), its name is within the file system's limit.
pub fn check_destination(path: &Path, inputs: &[(&str, &Path)]) -> Result<(), OutputError> {
    if path.is_dir() {
        return Err(OutputError::IsFolder {
            path: path.to_path_buf(),
            example: path.join("out.mp4"),
        });
    }
    not_a_file(path)?;
    let folder = folder_of(path);
    if !folder.is_dir() {
        return Err(OutputError::NoFolder {
            path: path.to_path_buf(),
            folder,
        });
    }
    let bytes = path.file_name().map_or(0, |n| n.as_encoded_bytes().len());
    if bytes > NAME_MAX {
        return Err(OutputError::NameTooLong {
            path: path.to_path_buf(),
            bytes,
        });
    }
    for (role, input) in inputs {
        // `clip.mp4@2.5` reads `clip.mp4`.
        let input = crate::media::video_frame_name(input).map_or(input.to_path_buf(), |(f, _)| f);
        if same_file(path, &input) {
            return Err(OutputError::IsInput {
                path: path.to_path_buf(),
                role: role.to_string(),
            });
        }
    }
    // A probe file tells a read-only or full folder now, not after minutes of rendering.
    let probe = TempFile::beside(path, "");
    std::fs::File::create(probe.path()).map_err(|source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    drop(probe);
    Ok(())
}

/// A destination that exists (through any links) as a device, a pipe or a socket: renaming a
/// file over it would replace the device itself (`/dev/full` made a JSON file).
fn not_a_file(path: &Path) -> Result<(), OutputError> {
    match std::fs::metadata(path) {
        Ok(meta) => match crate::media::not_regular(&meta) {
            Some(what) => Err(OutputError::NotAFile {
                path: path.to_path_buf(),
                what,
            }),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    }
}

/// The file a destination names once its symbolic links are followed (the link's own path
/// when it dangles at a file yet to be made): the output replaces that file and the link
/// stays, rather than the link being replaced.
pub fn through_links(dest: &Path) -> PathBuf {
    let mut p = dest.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&p) {
                Ok(target) if target.is_absolute() => p = target,
                Ok(target) => p = folder_of(&p).join(target),
                Err(_) => break,
            },
            _ => break,
        }
    }
    p
}

/// Remove the temporary files that Vivant processes no longer running left in `folder` (a
/// killed render's hidden `.NAME.PID-N.partial…`), once per folder and process. Only where
/// a process's liveness can be read (`/proc`).
pub fn sweep_stale(folder: &Path) {
    use std::sync::Mutex;
    static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    if !Path::new("/proc/self").exists() {
        return;
    }
    match SWEPT.lock() {
        Ok(mut swept) if !swept.iter().any(|f| f == folder) => swept.push(folder.to_path_buf()),
        _ => return,
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mine = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = stale_pid(&name.to_string_lossy()) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if pid != mine && is_file && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The process number in a temporary file's name (`.NAME.PID-N.partial[.EXT]`).
fn stale_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let at = rest.rfind(".partial")?;
    let (head, _) = rest.split_at(at);
    let (_, tag) = head.rsplit_once('.')?;
    let (pid, n) = tag.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// A folder named by an environment variable; one set but empty counts as not set (it would
/// otherwise put files in the current folder).
pub fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Check that no two outputs of one command are the same file.
pub fn check_distinct(outputs: &[&Path]) -> Result<(), OutputError> {
    for (i, a) in outputs.iter().enumerate() {
        for b in &outputs[i + 1..] {
            if a == b || same_file(a, b) {
                return Err(OutputError::Twice {
                    path: a.to_path_buf(),
                    other: b.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

/// Whether two paths name one existing file (hard and symbolic links included).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
        false
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// A hidden file beside a destination, removed when dropped unless `commit` moved it into
/// place. Its name is unique within the process and across processes, and never longer than
/// the file system allows (a long destination name is shortened in the temporary one).
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    dest: PathBuf,
    armed: bool,
}

impl TempFile {
    /// A temporary name beside `dest`; `ext` (e.g. `"mp4"`, or `""`) ends it, because some
    /// writers choose their format by the extension.
    pub fn beside(dest: &Path, ext: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dest = &through_links(dest);
        sweep_stale(&folder_of(dest));
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let suffix = format!(
            ".{}-{n}.partial{}{ext}",
            std::process::id(),
            if ext.is_empty() { "" } else { "." }
        );
        let room = NAME_MAX.saturating_sub(1 + suffix.len());
        let mut cut = name.len().min(room);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        let path = folder_of(dest).join(format!(".{}{suffix}", &name[..cut]));
        Self {
            path,
            dest: dest.to_path_buf(),
            armed: true,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Move the finished file into place.
    pub fn commit(self) -> Result<(), OutputError> {
        let dest = self.dest.clone();
        self.commit_as(&dest)
    }

    /// Move the finished file to `dest` (in the same folder) instead of the one it was made
    /// beside.
    pub fn commit_as(mut self, dest: &Path) -> Result<(), OutputError> {
        std::fs::rename(&self.path, dest).map_err(|source| OutputError::Io {
            path: dest.to_path_buf(),
            source,
        })?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Write `dest` through a temporary file: `write` fills the temporary path, then it is renamed
/// into place; on any failure the temporary file is removed and `dest` is untouched.
pub fn write_atomic(
    dest: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let ext = dest
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = folder_of(dest);
    if !folder.is_dir() {
        return Err(OutputError::NoFolder {
            path: dest.to_path_buf(),
            folder,
        });
    }
    not_a_file(dest)?;
    let tmp = TempFile::beside(dest, &ext);
    write(tmp.path()).map_err(|source| OutputError::Io {
        path: dest.to_path_buf(),
        source,
    })?;
    tmp.commit()
}

/// Can files be made in `dir`? (A probe file made and removed: a folder that exists may still
/// refuse, read-only or not ours.)
pub fn writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".vivant-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// A write that failed for want of room or of write access on its disk (full, over quota,
/// read-only), not because of what was written: worth trying again elsewhere.
pub fn out_of_room(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{QuotaExceeded, ReadOnlyFilesystem, StorageFull};
    matches!(e.kind(), StorageFull | QuotaExceeded | ReadOnlyFilesystem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("vivant-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn temporary_names_are_unique_and_within_the_limit() {
        let dir = scratch("names");
        let long = dir.join(format!("{}.mp4", "é".repeat(123))); // 250 bytes
        let a = TempFile::beside(&long, "mp4");
        let b = TempFile::beside(&long, "mp4");
        assert_ne!(a.path(), b.path());
        for t in [&a, &b] {
            let n = t.path().file_name().unwrap().len();
            assert!(n <= NAME_MAX, "{n} bytes");
            assert!(t.path().to_string_lossy().ends_with(".mp4"));
        }
        std::fs::write(a.path(), b"x").unwrap();
        a.commit().unwrap();
        assert_eq!(std::fs::read(&long).unwrap(), b"x");
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_keeps_the_old_file() {
        let dir = scratch("fail");
        let dest = dir.join("keep.json");
        std::fs::write(&dest, b"old").unwrap();
        let r = write_atomic(&dest, |tmp| {
            std::fs::write(tmp, b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn destinations_are_checked_before_work() {
        let dir = scratch("dest");
        let input = dir.join("in.png");
        std::fs::write(&input, b"x").unwrap();
        let e = check_destination(&dir, &[]).unwrap_err();
        assert!(matches!(e, OutputError::IsFolder { .. }), "{e}");
        let e = check_destination(&dir.join("no/such.mp4"), &[]).unwrap_err();
        assert!(matches!(e, OutputError::NoFolder { .. }), "{e}");
        let e = check_destination(&input, &[("source", &input)]).unwrap_err();
        assert!(matches!(e, OutputError::IsInput { .. }), "{e}");
        // Through another spelling of the same file, and a video frame's name.
        let other = dir.join(".").join("in.png");
        let framed = PathBuf::from(format!("{}@1.5", input.display()));
        assert!(check_destination(&other, &[("source", &framed)]).is_err());
        let e = check_destination(&dir.join("x".repeat(256)), &[]).unwrap_err();
        assert!(matches!(e, OutputError::NameTooLong { .. }), "{e}");
        check_destination(&dir.join("fine.mp4"), &[("source", &input)]).unwrap();
        // The probe file is gone.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let e = check_distinct(&[&input, &other]).unwrap_err();
        assert!(matches!(e, OutputError::Twice { .. }), "{e}");
    }
}
