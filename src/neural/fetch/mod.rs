//! LivePortrait's weights fetched from the Hugging Face Hub, only when the user asks
//! (`vivant models fetch`, the studio's Download button): the five files the engine needs (and
//! a `config.json` if the revision has one), into the Hub's own cache
//! (`models--KwaiVGI--LivePortrait/{blobs,snapshots,refs}`), where Python tools share them and
//! [`super::weights::find`] finds them.
//!
//! The Hub's own variables are honoured: `HF_ENDPOINT` (a mirror, or a test server),
//! `HF_HUB_CACHE` / `HF_HOME` (where the cache is), `HF_HUB_OFFLINE` (ask nothing of the network,
//! use what is cached), `HF_TOKEN` / `HF_TOKEN_PATH` (a private copy).
//!
//! hf-hub gives the Hub's conventions: the cache's layout and refs (`Repo::folder_name`,
//! `CacheRepo::create_ref`) and file URLs (`ApiRepo::url`). The transfer is
//! Vivant's, on ureq (the client hf-hub's sync API is built on), because hf-hub 0.4's
//! `download_with_progress`, although it resumes a `.part` file with a `Range` request, cannot
//! be stopped (its `Progress` has no way to say so: no Cancel, no clean Ctrl-C), links each file
//! into the snapshot as soon as it lands (an interrupted fetch leaves a snapshot with some of
//! the five), and checks neither the size nor the SHA-256 the Hub lists. Vivant resumes the same
//! way, from `blobs/<etag>.incomplete` as Python's huggingface_hub names it (so either one
//! resumes the other's), under the same lock file (`.locks/<repo folder>/<etag>.lock`).
//!
//! A fetch is all-or-nothing: every file's metadata first (`HEAD
//! /{repo}/resolve/{revision}/{path}`: `X-Repo-Commit`, `X-Linked-Etag` = the SHA-256,
//! `X-Linked-Size`), the revision pinned to the commit the first answer names; then each blob
//! downloaded to `.incomplete`, checked (size, SHA-256) and renamed; only when all of them are
//! in place are the snapshot's links made and `refs/<revision>` written. Cancelled or cut, the
//! partial blob stays (not in any snapshot) and the next fetch resumes it; a wrong size or
//! checksum discards it.

mod client;
mod install;
use self::client::*;
use self::install::*;

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::weights::{self, Network};

/// The authors' repository on the Hub.
pub const REPO: &str = "KwaiVGI/LivePortrait";
/// The Hub itself, unless `HF_ENDPOINT` says otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// The five files' size together in the authors' release, for people.
pub const APPROX_SIZE: &str = "≈ 520 MB";
/// A reduced or retrained variant may carry its configuration beside the weights. The
/// authors' release has none (the reference's defaults apply), so it is fetched when the
/// revision has one, and a 404 for it is no error; any other failure asking for it is, since
/// the weights may then not load without it.
pub const CONFIG_PATH: &str = "liveportrait/config.json";

/// Each network's file in the authors' repository (their layout: `liveportrait/base_models/`
/// and `liveportrait/retargeting_models/`). Nothing else of the repository is fetched (not
/// the face detector, landmark or animal models it also holds).
pub fn repo_path(network: Network) -> String {
    match network {
        Network::Stitching => format!("liveportrait/retargeting_models/{}.pth", network.stem()),
        _ => format!("liveportrait/base_models/{}.pth", network.stem()),
    }
}

/// Where the Hub's files come from and go to: from the environment, or given (tests).
#[derive(Clone, Debug, PartialEq)]
pub struct Hub {
    /// `HF_ENDPOINT`, else <https://huggingface.co>.
    pub endpoint: String,
    /// The Hugging Face cache (see [`hub_cache_from_env`]).
    pub cache: PathBuf,
    /// `HF_HUB_OFFLINE`: nothing is asked of the network; what is cached is used.
    pub offline: bool,
    /// `HF_TOKEN`, else the token file (`HF_TOKEN_PATH`, else `$HF_HOME/token`).
    pub token: Option<String>,
}

impl Hub {
    /// The Hub as this environment sets it.
    pub fn from_env() -> Result<Self, FetchError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let cache = hub_cache_from_env().ok_or(FetchError::NoCache)?;
        let token = var("HF_TOKEN").or_else(|| {
            let path = var("HF_TOKEN_PATH")
                .map(PathBuf::from)
                .or_else(|| hf_home_from_env().map(|h| h.join("token")))?;
            let text = std::fs::read_to_string(path).ok()?;
            Some(text.trim().to_string()).filter(|t| !t.is_empty())
        });
        Ok(Self {
            endpoint: var("HF_ENDPOINT").unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
            cache,
            offline: var("HF_HUB_OFFLINE").is_some_and(|v| truthy(&v)),
            token,
        })
    }

    /// This repository's folder in the cache.
    pub fn repo_dir(&self, repo: &str) -> PathBuf {
        self.cache.join(weights::hub_folder_name(repo))
    }
}

/// As huggingface_hub reads a boolean variable.
fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_uppercase().as_str(),
        "1" | "ON" | "YES" | "TRUE"
    )
}

/// `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`.
fn hf_home_from_env() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    var("HF_HOME").map(PathBuf::from).or_else(|| {
        var("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|c| c.join("huggingface"))
    })
}

/// The Hugging Face cache as huggingface_hub finds it: `HF_HUB_CACHE` (or the older
/// `HUGGINGFACE_HUB_CACHE`), else `$HF_HOME/hub`, with `HF_HOME` defaulting to
/// `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`.
pub fn hub_cache_from_env() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    var("HF_HUB_CACHE")
        .or_else(|| var("HUGGINGFACE_HUB_CACHE"))
        .map(PathBuf::from)
        .or_else(|| hf_home_from_env().map(|h| h.join("hub")))
}

/// What to fetch.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchOptions {
    pub repo: String,
    /// A branch, tag or commit.
    pub revision: String,
    /// How many times a cut connection is resumed within one fetch before giving up.
    pub retries: u32,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            repo: REPO.to_string(),
            revision: "main".to_string(),
            retries: 3,
        }
    }
}

/// What a fetch is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchStage {
    /// Asking the Hub for the files' commit, sizes and checksums.
    Asking,
    /// Checking a file already in the cache (or the start of a partial one) against its SHA-256.
    Checking(String),
    Downloading(String),
    /// Linking the checked files into the snapshot.
    Installing,
}

/// A fetch's progress, reported as it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchProgress {
    pub stage: FetchStage,
    /// Bytes of the files on disk so far, and in all.
    pub done: u64,
    pub total: u64,
    /// Bytes already on disk when this fetch began (cached, or left by an interrupted one):
    /// the time left is reckoned from the rest.
    pub at_start: u64,
}

impl FetchProgress {
    /// Time left at the rate of this fetch so far (`elapsed` since it began), once there is
    /// a rate to go by.
    pub fn eta(&self, elapsed: Duration) -> Option<Duration> {
        let moved = self.done.saturating_sub(self.at_start);
        if moved == 0 || elapsed < Duration::from_millis(500) || self.total < self.done {
            return None;
        }
        let rate = moved as f64 / elapsed.as_secs_f64();
        Some(Duration::from_secs_f64(
            (self.total - self.done) as f64 / rate,
        ))
    }
}

/// One file of a finished fetch.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FetchedFile {
    /// Its path in the repository.
    pub path: String,
    pub size: u64,
    /// The Hub's ETag: the SHA-256 for the weights, the git blob id for a small file.
    pub etag: String,
    /// Where its bytes are (the snapshot links to it).
    pub blob: PathBuf,
    /// Bytes transferred for it by this fetch (0: it was already in the cache).
    pub downloaded: u64,
    /// Where its transfer started, when a partial download was resumed.
    pub resumed_from: Option<u64>,
}

/// A finished fetch: the weights in the cache, checked, and the folder to use them from.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Fetched {
    pub endpoint: String,
    pub repo: String,
    pub revision: String,
    pub commit: String,
    /// The snapshot's `liveportrait/` folder: what `--weights` takes, and what the search finds.
    pub folder: PathBuf,
    pub files: Vec<FetchedFile>,
    /// Bytes transferred by this fetch.
    pub downloaded: u64,
    /// `HF_HUB_OFFLINE` was set: nothing was asked of the network, the cached copy is used.
    pub offline: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "there is no folder for the Hugging Face cache: set HF_HOME (or HF_HUB_CACHE, or HOME)"
    )]
    NoCache,
    #[error(
        "offline (HF_HUB_OFFLINE is set) and LivePortrait's weights are not complete in the Hugging Face cache ({cache}){detail}; unset HF_HUB_OFFLINE to download them"
    )]
    Offline { cache: PathBuf, detail: String },
    #[error("{what} was not found at {endpoint} ({url}): {hint}; nothing was installed")]
    NotFound {
        what: String,
        endpoint: String,
        url: String,
        hint: &'static str,
    },
    #[error(
        "{url}: access refused (HTTP {status}{detail}); log in with `huggingface-cli login` or set HF_TOKEN; nothing was installed"
    )]
    Denied {
        url: String,
        status: u16,
        detail: String,
    },
    #[error(
        "cannot reach {endpoint} ({reason}); check the network connection (or HF_ENDPOINT); nothing was installed"
    )]
    Unreachable { endpoint: String, reason: String },
    #[error("{url}: the server answered HTTP {status}{detail}; nothing was installed")]
    Http {
        url: String,
        status: u16,
        detail: String,
    },
    #[error(
        "{url}: {reason} (not what the Hugging Face Hub answers; check HF_ENDPOINT); nothing was installed"
    )]
    BadAnswer { url: String, reason: String },
    #[error(
        "{file}: the server sent {got} where the Hub lists {expected} bytes; the download was discarded and nothing was installed"
    )]
    WrongSize {
        file: String,
        expected: u64,
        got: String,
    },
    #[error(
        "{file}: its checksum is {actual} where the Hub lists {expected}; the download was discarded and nothing was installed"
    )]
    Checksum {
        file: String,
        expected: String,
        actual: String,
    },
    #[error(
        "{file}: the connection was cut after {done} of {total} bytes ({reason}); nothing was installed, and the next download resumes from there"
    )]
    Interrupted {
        file: String,
        done: u64,
        total: u64,
        reason: String,
    },
    #[error(
        "cancelled; nothing was installed, and the {} downloaded so far are kept in the Hugging Face cache for the next download to resume from",
        megabytes(*kept)
    )]
    Cancelled { kept: u64 },
    #[error("another download of {file} is running (it holds {lock}); wait for it to finish")]
    Busy { file: String, lock: PathBuf },
    #[error("cannot write {path}: {source}; nothing was installed")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the files downloaded from {repo} are not LivePortrait's weights: {source}")]
    NotWeights {
        repo: String,
        #[source]
        source: super::NeuralError,
    },
}

impl FetchError {
    /// The user's to fix (a name, a revision, the offline setting), as against the network's
    /// or the server's.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Self::NoCache | Self::Offline { .. } | Self::NotFound { .. } | Self::Denied { .. }
        )
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled { .. })
    }
}

/// Bytes for people, in decimal megabytes as the Hub shows sizes ("3.4 MB").
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One file as the Hub lists it at the pinned commit.
#[derive(Clone, Debug)]
struct Remote {
    path: String,
    url: String,
    commit: String,
    etag: String,
    size: u64,
}

/// Fetch LivePortrait's weights into the Hugging Face cache (see the module's documentation)
/// and say where they are. `progress` is called as bytes arrive; `cancel` stops the transfer
/// at the next chunk. Only ever called on the user's say-so.
pub fn fetch(
    hub: &Hub,
    options: &FetchOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(&FetchProgress) + Sync),
) -> Result<Fetched, FetchError> {
    if hub.offline {
        return cached(hub, options);
    }
    let client = Client::new(hub, options)?;
    progress(&FetchProgress {
        stage: FetchStage::Asking,
        done: 0,
        total: 0,
        at_start: 0,
    });
    // The first answer pins the commit; every other file is asked for at that commit, so the
    // five come from one revision even if a branch moves meanwhile.
    let mut remotes: Vec<Remote> = Vec::new();
    for network in Network::ALL {
        let revision = remotes
            .first()
            .map_or(options.revision.as_str(), |r| r.commit.as_str());
        let remote = client
            .metadata(&repo_path(network), revision, false)?
            .ok_or_else(|| FetchError::BadAnswer {
                url: client.url(revision, &repo_path(network)),
                reason: "no answer for a required file".into(),
            })?;
        if !is_hex(&remote.etag, 64) {
            return Err(FetchError::BadAnswer {
                url: remote.url,
                reason: format!(
                    "no SHA-256 for {} (X-Linked-Etag is '{}')",
                    remote.path, remote.etag
                ),
            });
        }
        remotes.push(remote);
    }
    let commit = remotes
        .first()
        .map(|r| r.commit.clone())
        .unwrap_or_default();
    if let Some(config) = client.metadata(CONFIG_PATH, &commit, true)? {
        remotes.push(config);
    }
    let repo_dir = hub.repo_dir(&options.repo);
    let total: u64 = remotes.iter().map(|r| r.size).sum();
    let at_start: u64 = remotes
        .iter()
        .map(|r| on_disk(&repo_dir, &r.etag).min(r.size))
        .sum();
    let mut done_before = 0;
    let mut files = Vec::new();
    for remote in &remotes {
        if cancel.load(Ordering::Relaxed) {
            return Err(FetchError::Cancelled {
                kept: kept_bytes(&repo_dir, &remotes),
            });
        }
        let report = |stage: FetchStage, done: u64| {
            progress(&FetchProgress {
                stage,
                done: done_before + done,
                total,
                at_start,
            })
        };
        let file = client
            .blob(&repo_dir, remote, cancel, &report)
            .map_err(|e| match e {
                FetchError::Cancelled { .. } => FetchError::Cancelled {
                    kept: kept_bytes(&repo_dir, &remotes),
                },
                e => e,
            })?;
        done_before += remote.size;
        files.push(file);
    }
    progress(&FetchProgress {
        stage: FetchStage::Installing,
        done: total,
        total,
        at_start,
    });
    let snapshot = install(&repo_dir, &commit, &files)?;
    if options.revision != commit {
        hf_hub::Cache::new(hub.cache.clone())
            .repo(hub_repo(&options.repo, &options.revision))
            .create_ref(&commit)
            .map_err(io_error(&repo_dir.join("refs")))?;
    }
    let folder = snapshot.join("liveportrait");
    weights::resolve(&folder).map_err(|source| FetchError::NotWeights {
        repo: options.repo.clone(),
        source,
    })?;
    Ok(Fetched {
        endpoint: hub.endpoint.clone(),
        repo: options.repo.clone(),
        revision: options.revision.clone(),
        commit,
        folder,
        downloaded: files.iter().map(|f| f.downloaded).sum(),
        files,
        offline: false,
    })
}

fn hub_repo(repo: &str, revision: &str) -> hf_hub::Repo {
    hf_hub::Repo::with_revision(
        repo.to_string(),
        hf_hub::RepoType::Model,
        revision.to_string(),
    )
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Bytes of this blob on disk, whole or partial.
fn on_disk(repo_dir: &Path, etag: &str) -> u64 {
    let blob = repo_dir.join("blobs").join(etag);
    std::fs::metadata(&blob)
        .or_else(|_| std::fs::metadata(partial_path(&blob)))
        .map_or(0, |m| m.len())
}

fn kept_bytes(repo_dir: &Path, remotes: &[Remote]) -> u64 {
    remotes.iter().map(|r| on_disk(repo_dir, &r.etag)).sum()
}

fn partial_path(blob: &Path) -> PathBuf {
    let mut name = blob.as_os_str().to_owned();
    name.push(".incomplete");
    PathBuf::from(name)
}

/// `HF_HUB_OFFLINE`: the copy already in the cache at the revision (refs/<revision>, or a
/// commit), found with hf-hub's own offline lookup; nothing asked of the network.
fn cached(hub: &Hub, options: &FetchOptions) -> Result<Fetched, FetchError> {
    let repo_dir = hub.repo_dir(&options.repo);
    let offline = |detail: String| FetchError::Offline {
        cache: hub.cache.clone(),
        detail,
    };
    let commit = if is_hex(&options.revision, 40) {
        options.revision.clone()
    } else {
        // refs/<revision> names the commit (read here rather than with hf-hub's
        // `CacheRepo::get`, which does not trim the newline some writers leave).
        let reference = repo_dir.join("refs").join(&options.revision);
        std::fs::read_to_string(&reference)
            .map(|c| c.trim().to_string())
            .map_err(|_| {
                offline(format!(
                    ": no revision '{}' there (no {})",
                    options.revision,
                    reference.display()
                ))
            })?
    };
    let folder = repo_dir
        .join("snapshots")
        .join(&commit)
        .join("liveportrait");
    let location = weights::resolve(&folder).map_err(|e| offline(format!(": {e}")))?;
    let mut files: Vec<FetchedFile> = location
        .files
        .iter()
        .map(|(_, p, _)| p.clone())
        .chain(location.config.clone())
        .map(|p| {
            let blob = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            FetchedFile {
                path: p
                    .strip_prefix(repo_dir.join("snapshots").join(&commit))
                    .map_or_else(|_| p.display().to_string(), |r| r.display().to_string()),
                size: std::fs::metadata(&p).map_or(0, |m| m.len()),
                etag: blob
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                blob,
                downloaded: 0,
                resumed_from: None,
            }
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Fetched {
        endpoint: hub.endpoint.clone(),
        repo: options.repo.clone(),
        revision: options.revision.clone(),
        commit,
        folder,
        files,
        downloaded: 0,
        offline: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_files_are_asked_for_in_the_authors_layout() {
        assert_eq!(
            repo_path(Network::Generator),
            "liveportrait/base_models/spade_generator.pth"
        );
        assert_eq!(
            repo_path(Network::Stitching),
            "liveportrait/retargeting_models/stitching_retargeting_module.pth"
        );
    }

    #[test]
    fn content_ranges_and_origins_are_read() {
        assert_eq!(
            parse_content_range("bytes 100-199/200"),
            Some((100, 199, 200))
        );
        assert_eq!(parse_content_range("bytes */200"), None);
        assert_eq!(
            origin("http://127.0.0.1:8080/KwaiVGI/LivePortrait/resolve/main/x"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn the_git_blob_id_of_a_small_file_is_checked() {
        // `git hash-object` of "hello\n".
        let remote = Remote {
            path: "x".into(),
            url: String::new(),
            commit: String::new(),
            etag: "ce013625030ba8dba906f756967f9e9ca394464a".into(),
            size: 6,
        };
        let mut check = Check::new(&remote);
        check.update(b"hello\n");
        assert!(check.matches(&remote));
    }

    #[test]
    fn the_time_left_follows_this_fetchs_own_rate() {
        let p = FetchProgress {
            stage: FetchStage::Downloading("x".into()),
            done: 300,
            total: 500,
            at_start: 200,
        };
        // 100 bytes in 1 s: 200 left take 2 s (the 200 found on disk do not count as speed).
        assert_eq!(p.eta(Duration::from_secs(1)), Some(Duration::from_secs(2)));
        assert_eq!(p.eta(Duration::from_millis(100)), None);
    }

    #[test]
    fn huggingface_hub_booleans() {
        for v in ["1", "true", "ON", "yes"] {
            assert!(truthy(v), "{v}");
        }
        for v in ["0", "", "false", "off"] {
            assert!(!truthy(v), "{v}");
        }
    }
}
