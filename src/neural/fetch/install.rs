//! Putting fetched files where huggingface_hub puts them: its lock while a blob is written,
//! the hash of what is on disk, and the snapshot's links to the blobs.

use super::*;

/// The lock huggingface_hub takes for a blob (`.locks/<repo folder>/<etag>.lock`), so that two
/// downloads of one file, by Vivant or Python, never write it at once.
pub(super) fn lock(repo_dir: &Path, remote: &Remote) -> Result<std::fs::File, FetchError> {
    let cache = repo_dir.parent().unwrap_or(repo_dir);
    let folder = repo_dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    let dir = cache.join(".locks").join(folder);
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let path = dir.join(format!("{}.lock", remote.etag));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(FetchError::Busy {
            file: remote.path.clone(),
            lock: path,
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io_error(&path)(e)),
    }
}

/// Feed `check` with the first `limit` bytes of `path`; how many there were.
pub(super) fn hash_prefix(path: &Path, limit: u64, check: &mut Check) -> std::io::Result<u64> {
    let mut file = std::fs::File::open(path)?.take(limit);
    let mut buf = vec![0u8; 1 << 20];
    let mut n_total = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(n_total);
        }
        check.update(&buf[..n]);
        n_total += n as u64;
    }
}

/// The checksum the Hub's ETag is: the SHA-256 of a large (LFS) file, the git blob id (SHA-1
/// of `blob <size>\0` and the bytes) of a small one.
pub(super) enum Check {
    Sha256(Sha256),
    GitSha1(Sha1),
    /// Another kind of ETag (a mirror's): only the size is checked.
    None,
}

impl Check {
    pub(super) fn new(remote: &Remote) -> Self {
        if is_hex(&remote.etag, 64) {
            Check::Sha256(Sha256::new())
        } else if is_hex(&remote.etag, 40) {
            let mut h = Sha1::new();
            h.update(format!("blob {}\0", remote.size).as_bytes());
            Check::GitSha1(h)
        } else {
            Check::None
        }
    }

    pub(super) fn update(&mut self, bytes: &[u8]) {
        match self {
            Check::Sha256(h) => h.update(bytes),
            Check::GitSha1(h) => h.update(bytes),
            Check::None => {}
        }
    }

    pub(super) fn actual(&self) -> String {
        match self {
            Check::Sha256(h) => crate::models::hex(&h.clone().finalize()),
            Check::GitSha1(h) => crate::models::hex(&h.clone().finalize()),
            Check::None => String::new(),
        }
    }

    pub(super) fn matches(&self, remote: &Remote) -> bool {
        match self {
            Check::None => true,
            _ => self.actual().eq_ignore_ascii_case(&remote.etag),
        }
    }
}

/// Link every checked blob into `snapshots/<commit>/` under its path in the repository (as
/// the Hub's cache does: a relative symlink; a copy where links cannot be made), each link
/// made beside its place and renamed over it. Called only once every blob is in place.
pub(super) fn install(
    repo_dir: &Path,
    commit: &str,
    files: &[FetchedFile],
) -> Result<PathBuf, FetchError> {
    let snapshot = repo_dir.join("snapshots").join(commit);
    for f in files {
        let link = snapshot.join(&f.path);
        let parent = link.parent().unwrap_or(&snapshot).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        // From snapshots/<commit>/a/b/file up to the repository's folder: one step per
        // folder of the path, plus <commit> and snapshots.
        let depth = f.path.split('/').count() + 1;
        let target: PathBuf = std::iter::repeat_n("..", depth)
            .collect::<PathBuf>()
            .join("blobs")
            .join(&f.etag);
        if std::fs::read_link(&link).is_ok_and(|t| t == target) && link.is_file() {
            continue;
        }
        let name = link
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        make_link(&target, &f.blob, &tmp).map_err(io_error(&tmp))?;
        std::fs::rename(&tmp, &link).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_error(&link)(e)
        })?;
    }
    Ok(snapshot)
}

#[cfg(unix)]
pub(super) fn make_link(target: &Path, _blob: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
pub(super) fn make_link(target: &Path, blob: &Path, at: &Path) -> std::io::Result<()> {
    // Windows makes symlinks only in developer mode: a copy then, as huggingface_hub does.
    #[cfg(windows)]
    if std::os::windows::fs::symlink_file(target, at).is_ok() {
        return Ok(());
    }
    let _ = target;
    std::fs::copy(blob, at).map(|_| ())
}
