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

/// The HTTP side of a fetch.
struct Client<'a> {
    hub: &'a Hub,
    options: &'a FetchOptions,
    api: hf_hub::api::sync::Api,
    /// For the metadata: redirects are looked at, not followed (the Hub's answer for a large
    /// file is a redirect to its storage, and the headers that matter are on it).
    head: ureq::Agent,
    /// For the bytes: redirects followed (the token is not sent on to another host).
    get: ureq::Agent,
}

impl<'a> Client<'a> {
    fn new(hub: &'a Hub, options: &'a FetchOptions) -> Result<Self, FetchError> {
        let api = hf_hub::api::sync::ApiBuilder::from_cache(hf_hub::Cache::new(hub.cache.clone()))
            .with_endpoint(hub.endpoint.trim_end_matches('/').to_string())
            .with_token(hub.token.clone())
            .with_progress(false)
            .build()
            .map_err(|e| FetchError::Unreachable {
                endpoint: hub.endpoint.clone(),
                reason: e.to_string(),
            })?;
        let agent = || {
            ureq::AgentBuilder::new()
                .try_proxy_from_env(true)
                .timeout_connect(Duration::from_secs(15))
                .timeout_read(Duration::from_secs(30))
                .timeout_write(Duration::from_secs(30))
                .user_agent(&format!("vivant/{}; hf_hub/0.4 (rust)", crate::VERSION))
        };
        Ok(Self {
            hub,
            options,
            api,
            head: agent().redirects(0).build(),
            get: agent().build(),
        })
    }

    fn url(&self, revision: &str, path: &str) -> String {
        self.api
            .repo(hub_repo(&self.options.repo, revision))
            .url(path)
    }

    fn request(&self, agent: &ureq::Agent, method: &str, url: &str) -> ureq::Request {
        let mut r = agent
            .request(method, url)
            .set("Accept-Encoding", "identity");
        if let Some(token) = &self.hub.token {
            r = r.set("Authorization", &format!("Bearer {token}"));
        }
        r
    }

    /// Send; any HTTP status is an answer to look at, only a transport failure (in words) an
    /// error.
    fn call(&self, request: ureq::Request) -> Result<ureq::Response, String> {
        match request.call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => Ok(r),
            Err(ureq::Error::Transport(t)) => Err(transport_reason(&t)),
        }
    }

    fn unreachable(&self, reason: String) -> FetchError {
        FetchError::Unreachable {
            endpoint: self.hub.endpoint.clone(),
            reason,
        }
    }

    /// What the Hub says of `path` at `revision` (following only redirects that stay on its
    /// own origin, as huggingface_hub does: the one to storage carries the metadata). `None` for
    /// an optional file it does not have.
    fn metadata(
        &self,
        path: &str,
        revision: &str,
        optional: bool,
    ) -> Result<Option<Remote>, FetchError> {
        let url = self.url(revision, path);
        let mut at = url.clone();
        let mut response = self
            .call(self.request(&self.head, "HEAD", &at))
            .map_err(|r| self.unreachable(r))?;
        for _ in 0..5 {
            let same_origin = response.header("Location").and_then(|l| {
                if l.starts_with('/') && !l.starts_with("//") {
                    Some(format!("{}{l}", origin(&at)))
                } else {
                    (origin(l) == origin(&at)).then(|| l.to_string())
                }
            });
            match same_origin {
                Some(location) if (300..400).contains(&response.status()) => {
                    at = location;
                    response = self
                        .call(self.request(&self.head, "HEAD", &at))
                        .map_err(|r| self.unreachable(r))?;
                }
                _ => break,
            }
        }
        let status = response.status();
        let code = response.header("X-Error-Code").unwrap_or("").to_string();
        let detail = response
            .header("X-Error-Message")
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        let not_found = |what: String, hint: &'static str| FetchError::NotFound {
            what,
            endpoint: self.hub.endpoint.clone(),
            url: url.clone(),
            hint,
        };
        match (status, code.as_str()) {
            (200..=399, _) => {}
            (404, _) if optional => return Ok(None),
            (_, "RepoNotFound") | (401, _) => {
                return Err(not_found(
                    format!("the repository {}", self.options.repo),
                    "check its name, or log in (HF_TOKEN) if it is private",
                ));
            }
            (_, "RevisionNotFound") => {
                return Err(not_found(
                    format!("revision '{revision}' of {}", self.options.repo),
                    "check --revision (a branch, tag or commit of the repository)",
                ));
            }
            (_, "GatedRepo") | (403, _) => {
                return Err(FetchError::Denied {
                    url,
                    status,
                    detail,
                });
            }
            (404, _) => {
                return Err(not_found(
                    format!("{path} in {} at revision {revision}", self.options.repo),
                    "that revision does not hold LivePortrait's weights in the authors' layout",
                ));
            }
            _ => {
                return Err(FetchError::Http {
                    url,
                    status,
                    detail,
                });
            }
        }
        let bad = |reason: String| FetchError::BadAnswer {
            url: url.clone(),
            reason,
        };
        let commit = response
            .header("X-Repo-Commit")
            .map(str::to_string)
            .ok_or_else(|| bad("no X-Repo-Commit header".into()))?;
        if !is_hex(&commit, 40) {
            return Err(bad(format!("X-Repo-Commit '{commit}' is not a commit id")));
        }
        let etag = response
            .header("X-Linked-Etag")
            .or_else(|| response.header("ETag"))
            .map(|e| {
                e.trim()
                    .trim_start_matches("W/")
                    .trim_matches('"')
                    .to_string()
            })
            .ok_or_else(|| bad("no ETag header".into()))?;
        // The ETag names the blob's file: nothing but a plain name.
        if etag.is_empty()
            || etag.len() > 128
            || !etag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad(format!("ETag '{etag}' cannot name a file")));
        }
        let size = response
            .header("X-Linked-Size")
            .or_else(|| response.header("Content-Length"))
            .ok_or_else(|| bad("no X-Linked-Size or Content-Length header".into()))?;
        let size = size
            .trim()
            .parse::<u64>()
            .map_err(|_| bad(format!("size '{size}' is not a number")))?;
        Ok(Some(Remote {
            path: path.to_string(),
            url,
            commit,
            etag,
            size,
        }))
    }

    /// One file's blob in the cache, downloaded (or resumed) and checked unless already there
    /// and sound.
    fn blob(
        &self,
        repo_dir: &Path,
        remote: &Remote,
        cancel: &AtomicBool,
        report: &dyn Fn(FetchStage, u64),
    ) -> Result<FetchedFile, FetchError> {
        let blobs = repo_dir.join("blobs");
        std::fs::create_dir_all(&blobs).map_err(io_error(&blobs))?;
        let blob = blobs.join(&remote.etag);
        let _lock = lock(repo_dir, remote)?;
        let file = |downloaded, resumed_from| FetchedFile {
            path: remote.path.clone(),
            size: remote.size,
            etag: remote.etag.clone(),
            blob: blob.clone(),
            downloaded,
            resumed_from,
        };
        if blob.is_file() {
            report(FetchStage::Checking(remote.path.clone()), 0);
            let mut check = Check::new(remote);
            let len = hash_prefix(&blob, u64::MAX, &mut check).map_err(io_error(&blob))?;
            if len == remote.size && check.matches(remote) {
                report(FetchStage::Checking(remote.path.clone()), remote.size);
                return Ok(file(0, None));
            }
            // Not what the Hub lists (a mirror's bad copy, a changed disk): fetched again.
            std::fs::remove_file(&blob).map_err(io_error(&blob))?;
        }
        let partial = partial_path(&blob);
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&partial)
            .map_err(io_error(&partial))?;
        let mut check = Check::new(remote);
        let mut have = out.metadata().map_err(io_error(&partial))?.len();
        if have > remote.size {
            out.set_len(0).map_err(io_error(&partial))?;
            have = 0;
        }
        if have > 0 {
            report(FetchStage::Checking(remote.path.clone()), have);
            have = hash_prefix(&partial, have, &mut check).map_err(io_error(&partial))?;
        }
        let resumed_from = (have > 0).then_some(have);
        let started = have;
        let mut attempt = 0;
        loop {
            let result = self.transfer(
                remote,
                &mut out,
                &partial,
                &mut have,
                &mut check,
                cancel,
                &|n| report(FetchStage::Downloading(remote.path.clone()), n),
            );
            match result {
                Ok(()) => break,
                Err(FetchError::Interrupted { .. })
                    if attempt < self.options.retries && !cancel.load(Ordering::Relaxed) =>
                {
                    attempt += 1;
                    wait(Duration::from_millis(500 << attempt.min(4)), cancel);
                }
                Err(e @ (FetchError::WrongSize { .. } | FetchError::BadAnswer { .. })) => {
                    drop(out);
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        out.sync_all().map_err(io_error(&partial))?;
        drop(out);
        if !check.matches(remote) {
            let _ = std::fs::remove_file(&partial);
            return Err(FetchError::Checksum {
                file: remote.path.clone(),
                expected: remote.etag.clone(),
                actual: check.actual(),
            });
        }
        std::fs::rename(&partial, &blob).map_err(io_error(&blob))?;
        Ok(file(have - started, resumed_from))
    }

    /// Download the rest of `remote` from byte `*have` on into `out`, feeding `check`.
    #[allow(clippy::too_many_arguments)]
    fn transfer(
        &self,
        remote: &Remote,
        out: &mut std::fs::File,
        partial: &Path,
        have: &mut u64,
        check: &mut Check,
        cancel: &AtomicBool,
        report: &dyn Fn(u64),
    ) -> Result<(), FetchError> {
        let interrupted = |done: u64, reason: String| FetchError::Interrupted {
            file: remote.path.clone(),
            done,
            total: remote.size,
            reason,
        };
        if *have == remote.size {
            return Ok(());
        }
        let mut request = self.request(&self.get, "GET", &remote.url);
        if *have > 0 {
            request = request.set("Range", &format!("bytes={}-", *have));
        }
        let response = self
            .call(request)
            .map_err(|reason| interrupted(*have, reason))?;
        let wrong_size = |got: String| FetchError::WrongSize {
            file: remote.path.clone(),
            expected: remote.size,
            got,
        };
        match response.status() {
            206 => {
                let range = response.header("Content-Range").unwrap_or("");
                match parse_content_range(range) {
                    Some((_, _, total)) if total != remote.size => {
                        return Err(wrong_size(format!("a file of {total} bytes")));
                    }
                    Some((start, _, _)) if start == *have => {}
                    _ => {
                        return Err(FetchError::BadAnswer {
                            url: remote.url.clone(),
                            reason: format!(
                                "asked for bytes {}- and got Content-Range '{range}'",
                                *have
                            ),
                        });
                    }
                }
            }
            200 => {
                // The whole file (the server ignored the range): start again.
                if *have > 0 {
                    out.set_len(0).map_err(io_error(partial))?;
                    *have = 0;
                    *check = Check::new(remote);
                }
            }
            416 => {
                // What is on disk cannot be resumed: start again next time.
                out.set_len(0).map_err(io_error(partial))?;
                *have = 0;
                *check = Check::new(remote);
                return Err(interrupted(0, "the server refused to resume".into()));
            }
            status => {
                return Err(FetchError::Http {
                    url: remote.url.clone(),
                    status,
                    detail: String::new(),
                });
            }
        }
        let rest = remote.size - *have;
        if let Some(length) = response
            .header("Content-Length")
            .and_then(|l| l.trim().parse::<u64>().ok())
            && length != rest
        {
            return Err(wrong_size(format!("{} bytes", *have + length)));
        }
        out.seek(std::io::SeekFrom::Start(*have))
            .map_err(io_error(partial))?;
        // One byte more than expected is read, to tell a longer file.
        let mut body = response.into_reader().take(rest + 1);
        let mut buf = vec![0u8; 64 << 10];
        let mut last_report = *have;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(FetchError::Cancelled { kept: *have });
            }
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(interrupted(*have, e.to_string())),
            };
            if *have + n as u64 > remote.size {
                return Err(wrong_size("more bytes".into()));
            }
            out.write_all(&buf[..n]).map_err(io_error(partial))?;
            check.update(&buf[..n]);
            *have += n as u64;
            if *have - last_report >= 256 << 10 || *have == remote.size {
                last_report = *have;
                report(*have);
            }
        }
        if *have < remote.size {
            return Err(interrupted(
                *have,
                "the server closed the connection early".into(),
            ));
        }
        Ok(())
    }
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// `bytes a-b/total`.
fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes")?.trim();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

/// A transport failure in words: its kind and the deepest cause (e.g. "Connection Failed:
/// Connection refused (os error 111)").
fn transport_reason(t: &ureq::Transport) -> String {
    let mut reason = t.kind().to_string();
    if let Some(m) = t.message() {
        reason = format!("{reason}: {m}");
    }
    let mut source = std::error::Error::source(t);
    let mut deepest = None;
    while let Some(s) = source {
        deepest = Some(s.to_string());
        source = s.source();
    }
    match deepest {
        Some(d) if !reason.contains(&d) => format!("{reason}: {d}"),
        _ => reason,
    }
}

/// Sleep `d`, or less if cancelled meanwhile.
fn wait(d: Duration, cancel: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut left = d;
    while !left.is_zero() && !cancel.load(Ordering::Relaxed) {
        let s = left.min(step);
        std::thread::sleep(s);
        left -= s;
    }
}

/// The lock huggingface_hub takes for a blob (`.locks/<repo folder>/<etag>.lock`), so that two
/// downloads of one file, by Vivant or Python, never write it at once.
fn lock(repo_dir: &Path, remote: &Remote) -> Result<std::fs::File, FetchError> {
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
fn hash_prefix(path: &Path, limit: u64, check: &mut Check) -> std::io::Result<u64> {
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
enum Check {
    Sha256(Sha256),
    GitSha1(Sha1),
    /// Another kind of ETag (a mirror's): only the size is checked.
    None,
}

impl Check {
    fn new(remote: &Remote) -> Self {
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

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Check::Sha256(h) => h.update(bytes),
            Check::GitSha1(h) => h.update(bytes),
            Check::None => {}
        }
    }

    fn actual(&self) -> String {
        match self {
            Check::Sha256(h) => crate::models::hex(&h.clone().finalize()),
            Check::GitSha1(h) => crate::models::hex(&h.clone().finalize()),
            Check::None => String::new(),
        }
    }

    fn matches(&self, remote: &Remote) -> bool {
        match self {
            Check::None => true,
            _ => self.actual().eq_ignore_ascii_case(&remote.etag),
        }
    }
}

/// Link every checked blob into `snapshots/<commit>/` under its path in the repository (as
/// the Hub's cache does: a relative symlink; a copy where links cannot be made), each link
/// made beside its place and renamed over it. Called only once every blob is in place.
fn install(repo_dir: &Path, commit: &str, files: &[FetchedFile]) -> Result<PathBuf, FetchError> {
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
fn make_link(target: &Path, _blob: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn make_link(target: &Path, blob: &Path, at: &Path) -> std::io::Result<()> {
    // Windows makes symlinks only in developer mode: a copy then, as huggingface_hub does.
    #[cfg(windows)]
    if std::os::windows::fs::symlink_file(target, at).is_ok() {
        return Ok(());
    }
    let _ = target;
    std::fs::copy(blob, at).map(|_| ())
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
