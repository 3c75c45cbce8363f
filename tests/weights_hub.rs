//! LivePortrait's weights where they already are (a flat folder, the authors' layout, the
//! Hugging Face cache, ComfyUI's models folder, found without a folder given), and fetched from
//! a stand-in Hub on 127.0.0.1 (`common::hub`, a real HTTP server): a whole download that
//! `models check` accepts, a cut connection resumed where it stopped, a cancel resumed, a 404,
//! a wrong size, a bad checksum, a server that is down, offline — each a clear message, and
//! never a half-installed snapshot.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};

use common::hub::{COMMIT, Faults, HubServer, golden_files, isolate};
use vivant::neural::fetch::{self, FetchError, FetchOptions, Hub};
use vivant::neural::weights::{self, Layout, Network, Places};

fn golden(format: &str) -> PathBuf {
    common::fixture("liveportrait").join(format)
}

fn vivant(root: &Path, args: &[&str], hub: Option<&HubServer>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vivant"));
    isolate(&mut cmd, root).args(args);
    if let Some(h) = hub {
        cmd.env("HF_ENDPOINT", &h.url);
    }
    cmd.output().expect("run vivant")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The Hub as the CLI would read it with `common::hub::isolate`.
fn hub_at(root: &Path, server: &str) -> Hub {
    Hub {
        endpoint: server.to_string(),
        cache: root.join("hf/hub"),
        offline: false,
        token: None,
    }
}

fn repo_dir(root: &Path) -> PathBuf {
    root.join("hf/hub/models--KwaiVGI--LivePortrait")
}

fn snapshot(root: &Path) -> PathBuf {
    repo_dir(root).join("snapshots").join(COMMIT)
}

/// Every file under `dir`, relative, sorted ("" if none).
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Nothing installed: no snapshot, no ref.
fn assert_nothing_installed(root: &Path) {
    let repo = repo_dir(root);
    assert!(
        !repo.join("snapshots").exists(),
        "a snapshot was left: {:?}",
        tree(&repo)
    );
    assert!(!repo.join("refs").exists(), "{:?}", tree(&repo));
}

fn quiet() -> impl Fn(&fetch::FetchProgress) + Sync {
    |_| {}
}

// ---- where they already are --------------------------------------------------------------

/// The golden `.pth` set laid out as the authors' instructions leave it
/// (`pretrained_weights/liveportrait/{base_models,retargeting_models}`), config beside them.
fn authors_layout(root: &Path) -> PathBuf {
    let lp = root.join("pretrained_weights/liveportrait");
    std::fs::create_dir_all(lp.join("base_models")).unwrap();
    std::fs::create_dir_all(lp.join("retargeting_models")).unwrap();
    for n in Network::ALL {
        let sub = if n == Network::Stitching {
            "retargeting_models"
        } else {
            "base_models"
        };
        let name = format!("{}.pth", n.stem());
        std::fs::copy(golden("pth").join(&name), lp.join(sub).join(&name)).unwrap();
    }
    std::fs::copy(golden("pth").join("config.json"), lp.join("config.json")).unwrap();
    root.join("pretrained_weights")
}

/// The golden set in a Hugging Face cache as huggingface_hub leaves it: blobs named by their
/// SHA-256, the snapshot's files relative symlinks to them, refs/main naming the commit.
fn hub_cache(hub: &Path) -> PathBuf {
    let repo = hub.join("models--KwaiVGI--LivePortrait");
    let snap = repo.join("snapshots").join(COMMIT);
    std::fs::create_dir_all(repo.join("blobs")).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), COMMIT).unwrap();
    for (path, file) in golden_files() {
        if path.starts_with("insightface") {
            continue;
        }
        let id = if file.lfs {
            file.sha256()
        } else {
            common::hub::git_blob_id(&file.bytes)
        };
        std::fs::write(repo.join("blobs").join(&id), &file.bytes).unwrap();
        let link = snap.join(&path);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        let depth = path.split('/').count() + 1;
        let target: PathBuf = std::iter::repeat_n("..", depth)
            .collect::<PathBuf>()
            .join("blobs")
            .join(&id);
        std::os::unix::fs::symlink(target, &link).unwrap();
    }
    snap.join("liveportrait")
}

/// ComfyUI's models folder: the community `.safetensors` conversions, flat.
fn comfyui(home: &Path) -> PathBuf {
    let dir = home.join("ComfyUI/models/liveportrait");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(golden("safetensors")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    dir
}

#[test]
fn the_authors_layout_is_taken_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let pretrained = authors_layout(tmp.path());
    let lp = pretrained.join("liveportrait");
    for given in [&pretrained, &lp] {
        let found = weights::resolve(given).expect("the authors' layout");
        assert_eq!(found.layout, Layout::Authors);
        assert_eq!(found.root, lp);
        assert_eq!(
            found.config.as_deref(),
            Some(lp.join("config.json").as_path())
        );
        let (path, format) = found.file(Network::Stitching).unwrap();
        assert_eq!(
            path,
            lp.join("retargeting_models/stitching_retargeting_module.pth")
        );
        assert_eq!(format, vivant::neural::Format::Pth);
        // The networks build from it, with the config beside the weights.
        vivant::neural::LivePortrait::load(given, &candle_core::Device::Cpu).expect("load");
    }
    // A LivePortrait checkout, given as its own folder.
    std::fs::rename(&pretrained, tmp.path().join("checkout")).unwrap();
    std::fs::create_dir(tmp.path().join("LivePortrait")).unwrap();
    std::fs::rename(
        tmp.path().join("checkout"),
        tmp.path().join("LivePortrait/pretrained_weights"),
    )
    .unwrap();
    let found = weights::resolve(&tmp.path().join("LivePortrait")).expect("a checkout");
    assert_eq!(found.layout, Layout::Authors);
    // And `models check` says what it is, from either folder.
    let o = vivant(
        tmp.path(),
        &[
            "models",
            "check",
            tmp.path()
                .join("LivePortrait/pretrained_weights")
                .to_str()
                .unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("(the authors' layout)")
            && text(&o.stdout).contains("all five networks build"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_hugging_face_cache_is_taken_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = tmp.path().join("hf/hub");
    let lp = hub_cache(&hub);
    let repo = hub.join("models--KwaiVGI--LivePortrait");
    // HF_HOME, the hub folder, the repository's folder, the snapshot, its liveportrait/.
    for given in [
        tmp.path().join("hf"),
        hub.clone(),
        repo.clone(),
        repo.join("snapshots").join(COMMIT),
        lp.clone(),
    ] {
        let found = weights::resolve(&given).unwrap_or_else(|e| panic!("{}: {e}", given.display()));
        assert_eq!(found.layout, Layout::HubCache, "{}", given.display());
        assert_eq!(found.root, lp);
        assert!(found.config.is_some());
    }
    vivant::neural::LivePortrait::load(&lp, &candle_core::Device::Cpu).expect("load");
    // Found without a folder given: the search says which it uses.
    let places = Places {
        hub_cache: Some(hub.clone()),
        home: Some(tmp.path().join("home")),
    };
    assert_eq!(weights::find(&places).expect("found").root, lp);
    let o = vivant(tmp.path(), &["models", "check"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!(
            "note: using LivePortrait's weights from {} (the Hugging Face cache)",
            lp.display()
        )),
        "{}",
        text(&o.stderr)
    );
    // A blob gone (a cache cleaned by hand): the dangling link is a missing file, named.
    let blob = std::fs::canonicalize(lp.join("base_models/spade_generator.pth")).unwrap();
    std::fs::remove_file(blob).unwrap();
    let e = weights::resolve(&hub).expect_err("incomplete");
    assert!(e.to_string().contains("spade_generator"), "{e}");
}

#[test]
fn comfyuis_models_folder_is_taken_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = comfyui(&home);
    for given in [&dir, &home.join("ComfyUI"), &home.join("ComfyUI/models")] {
        let found = weights::resolve(given).unwrap_or_else(|e| panic!("{}: {e}", given.display()));
        assert_eq!(found.layout, Layout::ComfyUi);
        assert_eq!(found.root, dir);
    }
    let found = weights::find(&Places {
        hub_cache: Some(tmp.path().join("hf/hub")),
        home: Some(home.clone()),
    })
    .expect("found under the home folder");
    assert_eq!(found.root, dir);
    let o = vivant(tmp.path(), &["models", "check", "--json"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["layout"], "comfy_ui");
    assert_eq!(v["networks"].as_array().map(Vec::len), Some(5));
    assert!(text(&o.stderr).contains("(ComfyUI's models folder)"));
}

#[test]
fn without_weights_the_search_says_where_it_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let places = Places {
        hub_cache: Some(tmp.path().join("hf/hub")),
        home: Some(tmp.path().join("home")),
    };
    let e = weights::find(&places).expect_err("nothing there");
    let msg = e.to_string();
    for folder in places.folders() {
        assert!(msg.contains(&folder.display().to_string()), "{msg}");
    }
    assert!(
        msg.contains("vivant models fetch") && msg.contains("--weights"),
        "{msg}"
    );
    // An incomplete folder is said to be so.
    let dir = comfyui(&tmp.path().join("home"));
    std::fs::remove_file(dir.join("warping_module.safetensors")).unwrap();
    let msg = weights::find(&places).expect_err("incomplete").to_string();
    assert!(msg.contains("warping_module"), "{msg}");
    // The command line: exit code 2 and the same words.
    let o = vivant(tmp.path(), &["models", "check"], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("vivant models fetch"));
    // A folder holding none of them lists what is accepted.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let msg = weights::resolve(&empty).expect_err("empty").to_string();
    assert!(
        msg.contains("pretrained_weights") && msg.contains("models/liveportrait"),
        "{msg}"
    );
}

// ---- fetched from the Hub ----------------------------------------------------------------

#[test]
fn a_whole_download_installs_what_models_check_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let server = HubServer::golden(Faults::default());
    let o = vivant(tmp.path(), &["models", "fetch", "--json"], Some(&server));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let lp = snapshot(tmp.path()).join("liveportrait");
    assert_eq!(v["fetch"]["commit"], COMMIT);
    assert_eq!(v["fetch"]["folder"], lp.to_str().unwrap());
    assert_eq!(v["check"]["layout"], "hub_cache");
    assert_eq!(v["check"]["networks"].as_array().map(Vec::len), Some(5));
    assert!(v["check"]["config_file"].as_str().is_some());
    // The cache as huggingface_hub keeps it: links into blobs named by SHA-256, refs/main.
    let repo = repo_dir(tmp.path());
    assert_eq!(
        std::fs::read_to_string(repo.join("refs/main")).unwrap(),
        COMMIT
    );
    for (path, file) in golden_files() {
        let link = snapshot(tmp.path()).join(&path);
        if path.starts_with("insightface") {
            assert!(!link.exists(), "{path} is not the engine's");
            continue;
        }
        let target = std::fs::read_link(&link).expect("a link");
        assert!(target.is_relative(), "{}", target.display());
        assert_eq!(std::fs::read(&link).unwrap(), file.bytes, "{path}");
        if file.lfs {
            assert_eq!(
                target.file_name().unwrap().to_str(),
                Some(file.sha256().as_str())
            );
        }
    }
    assert!(
        !tree(&repo).iter().any(|f| f.ends_with(".incomplete")),
        "{:?}",
        tree(&repo)
    );
    // Only the engine's files were asked for.
    let log = server.log();
    assert!(
        !log.iter().any(|r| r.path.contains("insightface")),
        "{log:?}"
    );
    // The search finds them now, and says so.
    let o = vivant(tmp.path(), &["models", "check"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("the Hugging Face cache"),
        "{}",
        text(&o.stderr)
    );
    // Fetched again: checked, nothing downloaded.
    server.clear_log();
    let o = vivant(tmp.path(), &["models", "fetch", "--json"], Some(&server));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["fetch"]["downloaded"], 0);
    assert!(
        server.log().iter().all(|r| r.method == "HEAD"),
        "{:?}",
        server.log()
    );
}

#[test]
fn a_cut_connection_is_resumed_where_it_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let file = "liveportrait/base_models/warping_module.pth";
    let size = std::fs::read(golden("pth").join("warping_module.pth"))
        .unwrap()
        .len();
    let cut = 700_000;
    let server = HubServer::golden(Faults {
        cut: Some((file.into(), cut)),
        ..Faults::default()
    });
    let hub = hub_at(tmp.path(), &server.url);
    let once = FetchOptions {
        retries: 0,
        ..FetchOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let e = fetch::fetch(&hub, &once, &cancel, &quiet()).expect_err("cut");
    assert!(matches!(e, FetchError::Interrupted { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(file) && msg.contains("resumes") && msg.contains(&format!("{cut} of {size}")),
        "{msg}"
    );
    assert_nothing_installed(tmp.path());
    // The part is kept, where huggingface_hub keeps it.
    let sha = golden_files()
        .into_iter()
        .find(|(p, _)| p == file)
        .map(|(_, f)| f.sha256())
        .unwrap();
    let partial = repo_dir(tmp.path()).join(format!("blobs/{sha}.incomplete"));
    assert_eq!(std::fs::metadata(&partial).unwrap().len(), cut as u64);
    // Again: the transfer starts where it stopped, not from zero.
    server.clear_log();
    let got = fetch::fetch(&hub, &once, &cancel, &quiet()).expect("resumed");
    let resumed = got.files.iter().find(|f| f.path == file).unwrap();
    assert_eq!(resumed.resumed_from, Some(cut as u64));
    assert_eq!(resumed.downloaded, (size - cut) as u64);
    let gets: Vec<_> = server
        .log()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == format!("/cdn/{sha}"))
        .collect();
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert_eq!(
        gets[0].range.as_deref(),
        Some(format!("bytes={cut}-").as_str())
    );
    assert_eq!(gets[0].status, 206);
    assert_eq!(gets[0].sent, size - cut);
    assert!(!partial.exists());
    weights::resolve(&got.folder).expect("installed");
    // With retries (the default), one fetch gets past a cut by itself.
    let tmp = tempfile::tempdir().unwrap();
    let server = HubServer::golden(Faults {
        cut: Some((file.into(), cut)),
        ..Faults::default()
    });
    let o = vivant(tmp.path(), &["models", "fetch"], Some(&server));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        server
            .log()
            .iter()
            .any(|r| r.range.as_deref() == Some(format!("bytes={cut}-").as_str())),
        "{:?}",
        server.log()
    );
    assert!(
        text(&o.stdout).contains("all five networks build"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_cancelled_download_installs_nothing_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let server = HubServer::golden(Faults::default());
    let hub = hub_at(tmp.path(), &server.url);
    let cancel = AtomicBool::new(false);
    // Cancelled once a megabyte is in.
    let progress = |p: &fetch::FetchProgress| {
        if p.done > 1_000_000 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let e = fetch::fetch(&hub, &FetchOptions::default(), &cancel, &progress).expect_err("cancel");
    let msg = e.to_string();
    let FetchError::Cancelled { kept } = e else {
        panic!("{msg}");
    };
    assert!(kept > 1_000_000, "{kept}");
    assert!(
        msg.contains("nothing was installed") && msg.contains("resume"),
        "{msg}"
    );
    assert_nothing_installed(tmp.path());
    cancel.store(false, Ordering::Relaxed);
    server.clear_log();
    let got = fetch::fetch(&hub, &FetchOptions::default(), &cancel, &quiet()).expect("resumed");
    let total: u64 = got.files.iter().map(|f| f.size).sum();
    assert!(got.downloaded < total, "{} of {total}", got.downloaded);
    assert_eq!(got.downloaded + kept, total);
    assert!(
        server
            .log()
            .iter()
            .any(|r| r.range.as_deref().is_some_and(|r| r != "bytes=0-")),
        "{:?}",
        server.log()
    );
    weights::resolve(&got.folder).expect("installed");
}

#[test]
fn a_404_names_the_repository_the_revision_or_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let server = HubServer::golden(Faults::default());
    // A revision the repository does not have: exit code 2, --revision named.
    let o = vivant(
        tmp.path(),
        &["models", "fetch", "--revision", "no-such-branch"],
        Some(&server),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("revision 'no-such-branch' of KwaiVGI/LivePortrait was not found")
            && err.contains("--revision")
            && err.contains("nothing was installed"),
        "{err}"
    );
    assert!(!repo_dir(tmp.path()).exists());
    // A server that holds another repository.
    let other = HubServer::start("someone/else", golden_files(), Faults::default());
    let o = vivant(tmp.path(), &["models", "fetch"], Some(&other));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("the repository KwaiVGI/LivePortrait was not found"),
        "{}",
        text(&o.stderr)
    );
    // A revision without one of the five.
    let files = golden_files()
        .into_iter()
        .filter(|(p, _)| !p.contains("spade_generator"))
        .collect();
    let partial = HubServer::start(common::hub::REPO, files, Faults::default());
    let o = vivant(tmp.path(), &["models", "fetch"], Some(&partial));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr)
            .contains("liveportrait/base_models/spade_generator.pth in KwaiVGI/LivePortrait"),
        "{}",
        text(&o.stderr)
    );
    assert_nothing_installed(tmp.path());
    // Without config.json (the authors' own release): no error, the defaults apply.
    let files = golden_files()
        .into_iter()
        .filter(|(p, _)| !p.ends_with("config.json"))
        .collect();
    let plain = HubServer::start(common::hub::REPO, files, Faults::default());
    let got = fetch::fetch(
        &hub_at(tmp.path(), &plain.url),
        &FetchOptions::default(),
        &AtomicBool::new(false),
        &quiet(),
    )
    .expect("no config.json is no error");
    assert_eq!(got.files.len(), 5);
    assert!(
        weights::resolve(&got.folder)
            .expect("installed")
            .config
            .is_none()
    );
}

#[test]
fn a_wrong_size_or_checksum_is_refused_and_discarded() {
    let file = "liveportrait/base_models/motion_extractor.pth";
    for faults in [
        Faults {
            wrong_size: Some(file.into()),
            ..Faults::default()
        },
        Faults {
            corrupt: Some(file.into()),
            ..Faults::default()
        },
    ] {
        let wrong_size = faults.wrong_size.is_some();
        let tmp = tempfile::tempdir().unwrap();
        let server = HubServer::golden(faults);
        let o = vivant(tmp.path(), &["models", "fetch"], Some(&server));
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        let err = text(&o.stderr);
        let said = if wrong_size {
            "where the Hub lists"
        } else {
            "checksum"
        };
        assert!(
            err.contains(file) && err.contains(said) && err.contains("discarded"),
            "{err}"
        );
        assert_nothing_installed(tmp.path());
        let left = tree(&repo_dir(tmp.path()).join("blobs"));
        assert!(
            !left.iter().any(|f| f.ends_with(".incomplete")),
            "a partial was left: {left:?}"
        );
    }
}

#[test]
fn a_server_that_is_down_is_said_to_be_unreachable() {
    let tmp = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vivant"));
    let o = isolate(&mut cmd, tmp.path())
        .args(["models", "fetch"])
        .env("HF_ENDPOINT", &endpoint)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("cannot reach {endpoint}")) && err.contains("nothing was installed"),
        "{err}"
    );
    assert!(!tmp.path().join("hf").exists(), "{:?}", tree(tmp.path()));
}

#[test]
fn offline_uses_what_is_cached_and_asks_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = HubServer::golden(Faults::default());
    let offline = |root: &Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vivant"));
        isolate(&mut cmd, root)
            .args(["models", "fetch"])
            .env("HF_ENDPOINT", &server.url)
            .env("HF_HUB_OFFLINE", "1")
            .output()
            .unwrap()
    };
    let o = offline(tmp.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("HF_HUB_OFFLINE"),
        "{}",
        text(&o.stderr)
    );
    assert!(server.log().is_empty(), "{:?}", server.log());
    // Once fetched, offline uses the cached copy without a request.
    let o = vivant(tmp.path(), &["models", "fetch"], Some(&server));
    assert!(o.status.success(), "{}", text(&o.stderr));
    server.clear_log();
    let o = offline(tmp.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("offline"), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("all five networks build"));
    assert!(server.log().is_empty(), "{:?}", server.log());
}

/// Not run by default: the stand-in Hub, serving the golden set for a while, for a check by
/// hand with another client, e.g. Python's huggingface_hub:
/// `cargo test --test weights_hub -- --ignored --nocapture a_stand_in_hub_to_try_by_hand`, then
/// `HF_ENDPOINT=<url printed> python -c "from huggingface_hub import hf_hub_download; …"`.
/// `VIVANT_HUB_SECONDS` sets how long it serves (default 300), `VIVANT_HUB_THROTTLE_MS` a pause
/// after every 64 KiB sent.
#[test]
#[ignore]
fn a_stand_in_hub_to_try_by_hand() {
    // VIVANT_HUB_THROTTLE_MS slows the bodies down (to try Ctrl-C and resuming).
    let throttle = std::env::var("VIVANT_HUB_THROTTLE_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(std::time::Duration::from_millis);
    let server = HubServer::golden(Faults {
        throttle,
        ..Faults::default()
    });
    println!(
        "stand-in Hub serving {} at {}",
        common::hub::REPO,
        server.url
    );
    let seconds = std::env::var("VIVANT_HUB_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    std::thread::sleep(std::time::Duration::from_secs(seconds));
    for r in server.log() {
        println!(
            "{} {} {:?} → {} ({} bytes)",
            r.method, r.path, r.range, r.status, r.sent
        );
    }
}

/// Not run by default (it moves half a gigabyte): a fetch of files the size of the authors'
/// five (random bytes: the fetch checks sizes and checksums, not contents) from the stand-in
/// Hub, timed; then again, when each is only checked against its SHA-256.
#[test]
#[ignore]
fn a_full_size_fetch_is_timed() {
    let sizes = [
        ("appearance_feature_extractor", 3_385_000),
        ("motion_extractor", 112_545_000),
        ("warping_module", 182_180_000),
        ("spade_generator", 221_813_000),
        ("stitching_retargeting_module", 2_393_000),
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let files = sizes
        .iter()
        .map(|(stem, size)| {
            let bytes: Vec<u8> = (0..*size)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let folder = if *stem == "stitching_retargeting_module" {
                "retargeting_models"
            } else {
                "base_models"
            };
            (
                format!("liveportrait/{folder}/{stem}.pth"),
                common::hub::HubFile { bytes, lfs: true },
            )
        })
        .collect();
    let server = HubServer::start(common::hub::REPO, files, Faults::default());
    let tmp = tempfile::tempdir().unwrap();
    let hub = hub_at(tmp.path(), &server.url);
    let cancel = AtomicBool::new(false);
    let start = std::time::Instant::now();
    let got = fetch::fetch(&hub, &FetchOptions::default(), &cancel, &quiet()).expect("fetch");
    let first = start.elapsed();
    let start = std::time::Instant::now();
    let again = fetch::fetch(&hub, &FetchOptions::default(), &cancel, &quiet()).expect("again");
    let second = start.elapsed();
    assert_eq!(again.downloaded, 0);
    let mb = got.downloaded as f64 / 1e6;
    println!(
        "{mb:.0} MB: fetched in {:.2} s ({:.0} MB/s, downloaded and hashed), checked again in {:.2} s ({:.0} MB/s)",
        first.as_secs_f64(),
        mb / first.as_secs_f64(),
        second.as_secs_f64(),
        mb / second.as_secs_f64()
    );
}

// ---- what is there by the names, but is not a file ----------------------------------------

/// Something with a weights file's name that is not a file (a folder, a pipe, a link that
/// leads nowhere or round in a loop) is said to be that, naming it, not reported "missing";
/// a `config.json` that is a folder or a pipe is refused (a pipe is never read: that would
/// block), not ignored.
#[test]
fn a_weights_name_that_is_not_a_file_is_said_to_be_what_it_is() {
    let root = tempfile::tempdir().unwrap();
    let flat = comfyui(root.path());
    let expect = |what: &str, named: &str| {
        let e = weights::resolve(&flat).expect_err(what);
        let text = e.to_string();
        assert!(
            matches!(e, vivant::neural::NeuralError::NotAWeightsFile { .. }),
            "{what}: {text}"
        );
        assert!(text.contains(what) && text.contains(named), "{text}");
    };
    let file = flat.join("warping_module.safetensors");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    expect("a folder", "warping_module.safetensors");
    std::fs::remove_dir(&file).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap()
            .success()
    );
    expect("a device or a pipe", "warping_module.safetensors");
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(flat.join("gone.safetensors"), &file).unwrap();
    expect("leads nowhere", "warping_module.safetensors");
    std::fs::remove_file(&file).unwrap();
    let other = flat.join("other.safetensors");
    std::os::unix::fs::symlink(&other, &file).unwrap();
    std::os::unix::fs::symlink(&file, &other).unwrap();
    expect("round in a loop", "warping_module.safetensors");
    std::fs::remove_file(&file).unwrap();
    std::fs::remove_file(&other).unwrap();
    std::fs::copy(
        golden("safetensors").join("warping_module.safetensors"),
        &file,
    )
    .unwrap();
    assert!(weights::resolve(&flat).is_ok());

    let config = flat.join("config.json");
    std::fs::remove_file(&config).unwrap();
    for (what, make) in [("a folder", "mkdir"), ("a device or a pipe", "mkfifo")] {
        assert!(Command::new(make).arg(&config).status().unwrap().success());
        let e = vivant::neural::load_config(&flat).expect_err(what);
        assert!(e.to_string().contains(what), "{e}");
        let _ = std::fs::remove_dir(&config);
        let _ = std::fs::remove_file(&config);
    }
}
