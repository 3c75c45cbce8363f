//! The HTTP side of a fetch: each file asked of the Hub (or a mirror), resumed from what an
//! earlier download left, retried on transient failures, its hash checked as it arrives.

use super::*;

/// The HTTP side of a fetch.
pub(super) struct Client<'a> {
    pub(super) hub: &'a Hub,
    pub(super) options: &'a FetchOptions,
    pub(super) api: hf_hub::api::sync::Api,
    /// For the metadata: redirects are looked at, not followed (the Hub's answer for a large
    /// file is a redirect to its storage, and the headers that matter are on it).
    pub(super) head: ureq::Agent,
    /// For the bytes: redirects followed (the token is not sent on to another host).
    pub(super) get: ureq::Agent,
}

impl<'a> Client<'a> {
    pub(super) fn new(hub: &'a Hub, options: &'a FetchOptions) -> Result<Self, FetchError> {
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

    pub(super) fn url(&self, revision: &str, path: &str) -> String {
        self.api
            .repo(hub_repo(&self.options.repo, revision))
            .url(path)
    }

    pub(super) fn request(&self, agent: &ureq::Agent, method: &str, url: &str) -> ureq::Request {
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
    pub(super) fn call(&self, request: ureq::Request) -> Result<ureq::Response, String> {
        match request.call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => Ok(r),
            Err(ureq::Error::Transport(t)) => Err(transport_reason(&t)),
        }
    }

    pub(super) fn unreachable(&self, reason: String) -> FetchError {
        FetchError::Unreachable {
            endpoint: self.hub.endpoint.clone(),
            reason,
        }
    }

    /// What the Hub says of `path` at `revision` (following only redirects that stay on its
    /// own origin, as huggingface_hub does: the one to storage carries the metadata). `None` for
    /// an optional file it does not have.
    pub(super) fn metadata(
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
    pub(super) fn blob(
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
    pub(super) fn transfer(
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
pub(super) fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// `bytes a-b/total`.
pub(super) fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
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
pub(super) fn transport_reason(t: &ureq::Transport) -> String {
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
pub(super) fn wait(d: Duration, cancel: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut left = d;
    while !left.is_zero() && !cancel.load(Ordering::Relaxed) {
        let s = left.min(step);
        std::thread::sleep(s);
        left -= s;
    }
}
