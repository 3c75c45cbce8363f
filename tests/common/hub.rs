//! A stand-in for the Hugging Face Hub on 127.0.0.1: a real HTTP server (std::net, a thread
//! per connection) serving files in the Hub's URL layout, as the Hub answers:
//!
//! - `HEAD`/`GET /{repo}/resolve/{revision}/{path}`: a large (LFS) file is a `302` to its
//!   storage (`/cdn/{sha256}` on a second port: another origin, as the Hub's CDN is, so that
//!   clients read the metadata off the redirect itself) carrying `X-Repo-Commit`,
//!   `X-Linked-Etag` (its SHA-256), `X-Linked-Size` and the pointer's own `ETag`; a small file
//!   is served there (`ETag` = its git blob id). Unknown repository: `401` `RepoNotFound`;
//!   unknown revision: `404` `RevisionNotFound`; unknown file: `404` `EntryNotFound`.
//! - `HEAD`/`GET /cdn/{sha256}`: the bytes, with `Content-Length`, `Accept-Ranges` and `Range`
//!   answered by `206` and `Content-Range` (`416` past the end).
//! - `GET /api/models/{repo}[/revision/{revision}]`: the commit and the files (hf-hub's
//!   `info`, huggingface_hub's `repo_info`); `GET /api/models/{repo}/tree/{revision}`: the
//!   files with their sizes and ids (what huggingface_hub's `snapshot_download` lists).
//!
//! Faults on demand: a connection cut mid-file (once), a size listed wrong, a byte changed, a
//! slow body. Every request is logged (method, path, `Range`, status) for tests to look at.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// The repository the golden set is served as.
pub const REPO: &str = "KwaiVGI/LivePortrait";
/// The commit every answer names.
pub const COMMIT: &str = "1986663be3b6902605d32200c01f4bfd36cda83d";

/// One file of the repository.
#[derive(Clone)]
pub struct HubFile {
    pub bytes: Vec<u8>,
    /// Stored with Git LFS (the weights): served through a redirect to storage, with the
    /// `X-Linked-*` headers.
    pub lfs: bool,
}

impl HubFile {
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }
}

/// What goes wrong, on purpose.
#[derive(Clone, Default)]
pub struct Faults {
    /// Close the connection after this many bytes of the first body of this path.
    pub cut: Option<(String, usize)>,
    /// List this path's size 100 bytes larger than it is.
    pub wrong_size: Option<String>,
    /// Serve this path with one byte changed (its listed SHA-256 the true one's).
    pub corrupt: Option<String>,
    /// Pause this long after every 64 KiB of a body.
    pub throttle: Option<Duration>,
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub range: Option<String>,
    pub status: u16,
    /// Body bytes sent.
    pub sent: usize,
}

struct State {
    repo: String,
    files: HashMap<String, HubFile>,
    faults: Faults,
    cut_done: AtomicBool,
    /// `faults.throttle`, changed on the way by `set_throttle`.
    throttle: Mutex<Option<Duration>>,
    log: Mutex<Vec<Logged>>,
    /// Where the large files are stored (the redirects' target).
    storage: String,
}

pub struct HubServer {
    /// The Hub (what `HF_ENDPOINT` is set to).
    pub url: String,
    /// Its storage, on another port.
    pub storage: String,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl HubServer {
    /// Serve `files` (path in the repository → file) as `repo`.
    pub fn start(repo: &str, files: Vec<(String, HubFile)>, faults: Faults) -> Self {
        let bind = || {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
            let url = format!("http://{}", l.local_addr().expect("address"));
            (l, url)
        };
        let (hub, url) = bind();
        let (storage, storage_url) = bind();
        let state = Arc::new(State {
            repo: repo.to_string(),
            files: files.into_iter().collect(),
            throttle: Mutex::new(faults.throttle),
            faults,
            cut_done: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
            storage: storage_url.clone(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let threads = [hub, storage]
            .into_iter()
            .map(|listener| {
                let (s, st) = (state.clone(), stop.clone());
                std::thread::spawn(move || {
                    for conn in listener.incoming() {
                        if st.load(Ordering::Relaxed) {
                            break;
                        }
                        let Ok(conn) = conn else { continue };
                        let s = s.clone();
                        std::thread::spawn(move || {
                            let _ = serve(&s, conn);
                        });
                    }
                })
            })
            .collect();
        Self {
            url,
            storage: storage_url,
            state,
            stop,
            threads,
        }
    }

    /// The golden reduced-width weights (`.pth`) in the authors' layout, with their
    /// `config.json` beside them, as `KwaiVGI/LivePortrait`; plus a file of the repository that
    /// must never be fetched.
    pub fn golden(faults: Faults) -> Self {
        Self::start(REPO, golden_files(), faults)
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().expect("log").clone()
    }

    pub fn clear_log(&self) {
        self.state.log.lock().expect("log").clear();
    }

    /// Slow the bodies down from now on (or no more).
    pub fn set_throttle(&self, throttle: Option<Duration>) {
        *self.state.throttle.lock().expect("throttle") = throttle;
    }
}

impl Drop for HubServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loops.
        for url in [&self.url, &self.storage] {
            let _ = TcpStream::connect(url.trim_start_matches("http://"));
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The golden set as the authors' repository holds it.
pub fn golden_files() -> Vec<(String, HubFile)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/liveportrait/pth");
    let read = |name: &str| std::fs::read(dir.join(name)).expect("golden weights");
    let mut files: Vec<(String, HubFile)> = [
        "appearance_feature_extractor",
        "motion_extractor",
        "warping_module",
        "spade_generator",
    ]
    .iter()
    .map(|stem| {
        (
            format!("liveportrait/base_models/{stem}.pth"),
            HubFile {
                bytes: read(&format!("{stem}.pth")),
                lfs: true,
            },
        )
    })
    .collect();
    files.push((
        "liveportrait/retargeting_models/stitching_retargeting_module.pth".into(),
        HubFile {
            bytes: read("stitching_retargeting_module.pth"),
            lfs: true,
        },
    ));
    files.push((
        "liveportrait/config.json".into(),
        HubFile {
            bytes: read("config.json"),
            lfs: false,
        },
    ));
    // What the real repository also holds and the engine does not need.
    files.push((
        "insightface/models/buffalo_l/det_10g.onnx".into(),
        HubFile {
            bytes: vec![7; 1000],
            lfs: true,
        },
    ));
    files
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The git blob id of `bytes` (what the Hub's `ETag` is for a small file).
pub fn git_blob_id(bytes: &[u8]) -> String {
    use sha1::Digest as _;
    let mut h = sha1::Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    hex(&h.finalize())
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Which file's bytes the body is (for the faults).
    file: Option<String>,
}

impl Answer {
    fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            file: None,
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    fn error(status: u16, code: &str, message: &str) -> Self {
        let mut a = Self::new(status)
            .header("X-Error-Code", code)
            .header("X-Error-Message", message)
            .header("Content-Type", "application/json");
        a.body = format!("{{\"error\":\"{message}\"}}").into_bytes();
        a
    }
}

fn serve(state: &State, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let range = headers.get("range").cloned();
    let path = target.split('?').next().unwrap_or("").to_string();
    let answer = route(state, &path, range.as_deref());
    let head = method == "HEAD";
    let mut out = stream;
    let mut text = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    let has_length = answer
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    for (k, v) in &answer.headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_length {
        text.push_str(&format!("Content-Length: {}\r\n", answer.body.len()));
    }
    text.push_str("Connection: close\r\n\r\n");
    out.write_all(text.as_bytes())?;
    let mut sent = 0;
    if !head {
        let body = match (&answer.file, &state.faults.corrupt) {
            (Some(f), Some(c)) if f == c && !answer.body.is_empty() => {
                let mut b = answer.body.clone();
                let mid = b.len() / 2;
                b[mid] ^= 0xff;
                b
            }
            _ => answer.body.clone(),
        };
        let cut = match (&answer.file, &state.faults.cut) {
            (Some(f), Some((c, n))) if f == c && !state.cut_done.swap(true, Ordering::SeqCst) => {
                Some(*n)
            }
            _ => None,
        };
        for chunk in body.chunks(64 << 10) {
            let take = match cut {
                Some(n) if sent + chunk.len() >= n => n - sent,
                _ => chunk.len(),
            };
            out.write_all(&chunk[..take])?;
            sent += take;
            if cut.is_some_and(|n| sent >= n) {
                break;
            }
            let throttle = *state.throttle.lock().expect("throttle");
            if let Some(t) = throttle {
                std::thread::sleep(t);
            }
        }
        out.flush()?;
    }
    state.log.lock().expect("log").push(Logged {
        method,
        path,
        range,
        status: answer.status,
        sent,
    });
    // Closing (also mid-body, for a cut) is the end of the answer.
    out.shutdown(std::net::Shutdown::Both)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        401 => "Unauthorized",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        _ => "Other",
    }
}

fn route(state: &State, path: &str, range: Option<&str>) -> Answer {
    if let Some(sha) = path.strip_prefix("/cdn/") {
        return match state.files.iter().find(|(_, f)| f.lfs && f.sha256() == sha) {
            Some((name, f)) => bytes(name, f, range).header("ETag", format!("\"{sha}\"")),
            None => Answer::error(404, "EntryNotFound", "no such object"),
        };
    }
    if let Some(rest) = path.strip_prefix("/api/models/") {
        let (repo, revision, tree) =
            match (rest.split_once("/revision/"), rest.split_once("/tree/")) {
                (Some((r, rev)), _) => (r, rev.to_string(), false),
                (_, Some((r, rev))) => (r, rev.split('/').next().unwrap_or("").to_string(), true),
                _ => (rest, "main".to_string(), false),
            };
        if repo != state.repo {
            return Answer::error(401, "RepoNotFound", "Repository not found");
        }
        if revision != "main" && revision != COMMIT {
            return Answer::error(404, "RevisionNotFound", "Invalid rev id");
        }
        if tree {
            let entries: Vec<String> = state
                .files
                .iter()
                .map(|(k, f)| {
                    let lfs = if f.lfs {
                        format!(
                            ",\"lfs\":{{\"oid\":\"{}\",\"size\":{},\"pointerSize\":134}}",
                            f.sha256(),
                            f.bytes.len()
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "{{\"type\":\"file\",\"oid\":\"{}\",\"size\":{},\"path\":\"{k}\"{lfs}}}",
                        git_blob_id(&f.bytes),
                        f.bytes.len()
                    )
                })
                .collect();
            let mut a = Answer::new(200).header("Content-Type", "application/json");
            a.body = format!("[{}]", entries.join(",")).into_bytes();
            return a;
        }
        let siblings: Vec<String> = state
            .files
            .keys()
            .map(|k| format!("{{\"rfilename\":\"{k}\"}}"))
            .collect();
        let mut a = Answer::new(200).header("Content-Type", "application/json");
        a.body = format!(
            "{{\"id\":\"{}\",\"modelId\":\"{}\",\"sha\":\"{COMMIT}\",\"private\":false,\"siblings\":[{}]}}",
            state.repo,
            state.repo,
            siblings.join(",")
        )
        .into_bytes();
        return a;
    }
    // /{owner}/{name}/resolve/{revision}/{path}
    let Some((repo, rest)) = path
        .trim_start_matches('/')
        .split_once("/resolve/")
        .map(|(r, rest)| (r.to_string(), rest.to_string()))
    else {
        return Answer::error(404, "", "Not found");
    };
    if repo != state.repo {
        return Answer::error(401, "RepoNotFound", "Repository not found");
    }
    let Some((revision, file)) = rest.split_once('/') else {
        return Answer::error(404, "EntryNotFound", "Entry not found");
    };
    let revision = revision.replace("%2F", "/");
    if revision != "main" && revision != COMMIT {
        return Answer::error(
            404,
            "RevisionNotFound",
            &format!("Invalid rev id: {revision}"),
        );
    }
    let Some(f) = state.files.get(file) else {
        return Answer::error(404, "EntryNotFound", &format!("{file} does not exist"))
            .header("X-Repo-Commit", COMMIT);
    };
    if f.lfs {
        let sha = f.sha256();
        let listed = if state.faults.wrong_size.as_deref() == Some(file) {
            f.bytes.len() + 100
        } else {
            f.bytes.len()
        };
        let location = format!("{}/cdn/{sha}", state.storage);
        let mut a = Answer::new(302)
            .header("Location", location.clone())
            .header("X-Repo-Commit", COMMIT)
            .header("X-Linked-Etag", format!("\"{sha}\""))
            .header("X-Linked-Size", listed.to_string())
            // The LFS pointer's own id, as the Hub gives it.
            .header(
                "ETag",
                format!("\"{}\"", git_blob_id(pointer(&sha, listed).as_bytes())),
            );
        a.body = format!("Found. Redirecting to {location}").into_bytes();
        a
    } else {
        bytes(file, f, range)
            .header("X-Repo-Commit", COMMIT)
            .header("ETag", format!("\"{}\"", git_blob_id(&f.bytes)))
    }
}

fn pointer(sha: &str, size: usize) -> String {
    format!("version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {size}\n")
}

/// A file's bytes, whole or the range asked for.
fn bytes(name: &str, f: &HubFile, range: Option<&str>) -> Answer {
    let len = f.bytes.len();
    let asked = range
        .and_then(|r| r.trim().strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| {
            let a: usize = a.trim().parse().ok()?;
            let b: usize = if b.trim().is_empty() {
                len.saturating_sub(1)
            } else {
                b.trim().parse().ok()?
            };
            Some((a, b.min(len.saturating_sub(1))))
        });
    let mut answer = match asked {
        Some((a, b)) if a >= len || a > b => {
            return Answer::new(416).header("Content-Range", format!("bytes */{len}"));
        }
        Some((a, b)) => {
            let mut ans = Answer::new(206).header("Content-Range", format!("bytes {a}-{b}/{len}"));
            ans.body = f.bytes[a..=b].to_vec();
            ans
        }
        None => {
            let mut ans = Answer::new(200);
            ans.body = f.bytes.clone();
            ans
        }
    };
    answer.file = Some(name.to_string());
    answer
        .header("Accept-Ranges", "bytes")
        .header("Content-Type", "application/octet-stream")
}

/// `cmd` with the Hub's and the home folder's variables pointed into `root` (`root/home`,
/// `root/hf` as HF_HOME) and the others unset: nothing of the real home or cache is read.
pub fn isolate<'a>(
    cmd: &'a mut std::process::Command,
    root: &Path,
) -> &'a mut std::process::Command {
    for var in [
        "HF_HUB_CACHE",
        "HUGGINGFACE_HUB_CACHE",
        "HF_ENDPOINT",
        "HF_HUB_OFFLINE",
        "HF_TOKEN",
        "HF_TOKEN_PATH",
        "XDG_CACHE_HOME",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", root.join("home"))
        .env("HF_HOME", root.join("hf"))
}
