//! The user's LivePortrait weights: a folder with the five checkpoints under the names the
//! reference ships, each as PyTorch `.pth` (a zip pickle) or `.safetensors`.
//!
//! Loading normalises what differs between the two: the stitching checkpoint's three nested
//! state dicts (`.pth`, keys prefixed `module.`) or flat `<group>_module.` keys (community
//! `.safetensors`) become `stitching.…`, `lip.…`, `eye.…`; spectral norms are folded
//! (weight = weight_orig / uᵀ(W v)); int64 training counters are dropped; f16/bf16 are
//! widened to f32. Vivant never copies these files anywhere.
//!
//! They are taken where they already are ([`resolve`]): the five files flat in one folder
//! (ComfyUI's `models/liveportrait/` holds them so), the authors' layout (`liveportrait/` with
//! `base_models/` and `retargeting_models/`, or the `pretrained_weights/` folder above it), or
//! a snapshot in the Hugging Face cache (`models--KwaiVGI--LivePortrait/snapshots/<commit>/`,
//! files linked to blobs). With no folder given, [`find`] looks in the usual places ([`Places`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use sha2::{Digest, Sha256};

use super::NeuralError;

/// One of the five checkpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// F: source image → 3-D appearance feature volume.
    Appearance,
    /// M: image → canonical keypoints, head pose, expression, translation, scale.
    Motion,
    /// W: feature volume + source and driving keypoints → warped features.
    Warping,
    /// G: warped features → image at twice the input size.
    Generator,
    /// S: stitching, eye and lip retargeting MLPs.
    Stitching,
}

impl Network {
    pub const ALL: [Network; 5] = [
        Network::Appearance,
        Network::Motion,
        Network::Warping,
        Network::Generator,
        Network::Stitching,
    ];

    /// The file stem the reference uses.
    pub fn stem(self) -> &'static str {
        match self {
            Network::Appearance => "appearance_feature_extractor",
            Network::Motion => "motion_extractor",
            Network::Warping => "warping_module",
            Network::Generator => "spade_generator",
            Network::Stitching => "stitching_retargeting_module",
        }
    }

    /// A name for people.
    pub fn describe(self) -> &'static str {
        match self {
            Network::Appearance => "appearance feature extractor (F)",
            Network::Motion => "motion extractor (M)",
            Network::Warping => "warping network (W)",
            Network::Generator => "SPADE generator (G)",
            Network::Stitching => "stitching and retargeting MLPs (S)",
        }
    }
}

/// How a checkpoint is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Pth,
    Safetensors,
}

/// The stitching checkpoint's groups: the reference's key, Vivant's prefix.
const STITCHING_GROUPS: [(&str, &str); 3] = [
    ("retarget_shoulder", "stitching"),
    ("retarget_mouth", "lip"),
    ("retarget_eye", "eye"),
];

/// One checkpoint, read and normalised, its tensors still on the CPU.
#[derive(Debug)]
pub struct Checkpoint {
    pub network: Network,
    pub path: PathBuf,
    pub format: Format,
    /// The floating-point type the file stores.
    pub dtype: DType,
    pub tensors: HashMap<String, Tensor>,
}

impl Checkpoint {
    /// Number of values in the normalised tensors (spectral norms folded).
    pub fn parameters(&self) -> usize {
        self.tensors.values().map(|t| t.elem_count()).sum()
    }
}

/// Where the five files were found: what kind of place it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// The five files side by side in one folder.
    Flat,
    /// The authors' release: `base_models/` and `retargeting_models/` in `liveportrait/`.
    Authors,
    /// A snapshot in the Hugging Face cache (the authors' layout, or a flat conversion).
    HubCache,
    /// ComfyUI's `models/liveportrait/` (community `.safetensors` conversions, flat).
    ComfyUi,
}

impl Layout {
    /// A name for people.
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Flat => "a folder of the five files",
            Layout::Authors => "the authors' layout",
            Layout::HubCache => "the Hugging Face cache",
            Layout::ComfyUi => "ComfyUI's models folder",
        }
    }
}

/// The five checkpoints as found: every file, the folder they are in or under, and the
/// optional `config.json` beside them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Location {
    /// The folder given (or found by [`find`]).
    pub given: PathBuf,
    /// The folder of the layout: the flat folder, or `liveportrait/` for the authors' one.
    pub root: PathBuf,
    pub layout: Layout,
    /// Each network's file, in [`Network::ALL`] order.
    pub files: Vec<(Network, PathBuf, Format)>,
    /// `config.json` in the root (or in the folder given).
    pub config: Option<PathBuf>,
}

impl Location {
    /// The file for `network`.
    pub fn file(&self, network: Network) -> Result<(PathBuf, Format), NeuralError> {
        self.files
            .iter()
            .find(|(n, _, _)| *n == network)
            .map(|(_, p, f)| (p.clone(), *f))
            .ok_or_else(|| NeuralError::MissingFile {
                dir: self.root.clone(),
                network,
            })
    }
}

/// How the files sit under a root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Flat,
    Authors,
}

/// The Hub repositories whose cache folders are looked into: the authors' release, and the
/// community's flat `.safetensors` conversion (what ComfyUI's nodes download).
pub const HUB_REPOS: [&str; 2] = ["KwaiVGI/LivePortrait", "Kijai/LivePortrait_safetensors"];

/// The checkpoint file for `network` in `dir`, laid out as [`resolve`] accepts.
pub fn locate(dir: &Path, network: Network) -> Result<(PathBuf, Format), NeuralError> {
    resolve(dir)?.file(network)
}

/// The file for `network` under `root` as `shape` places it: `.safetensors` if present, else
/// `.pth`; or the folder it was expected in.
fn locate_in(root: &Path, shape: Shape, network: Network) -> Result<(PathBuf, Format), Absent> {
    let dir = match (shape, network) {
        (Shape::Flat, _) => root.to_path_buf(),
        (Shape::Authors, Network::Stitching) => root.join("retargeting_models"),
        (Shape::Authors, _) => root.join("base_models"),
    };
    let st = dir.join(format!("{}.safetensors", network.stem()));
    if st.is_file() {
        return Ok((st, Format::Safetensors));
    }
    let pth = dir.join(format!("{}.pth", network.stem()));
    if pth.is_file() {
        return Ok((pth, Format::Pth));
    }
    // Something by that name that is not a file: said as such, not as "missing".
    for path in [st, pth] {
        if let Some(what) = not_a_file(&path) {
            return Err(Absent::NotAFile(NeuralError::NotAWeightsFile {
                path,
                network,
                what,
            }));
        }
    }
    Err(Absent::Missing(dir))
}

/// Why a network's file was not taken from a root.
enum Absent {
    /// Nothing by its names in this folder.
    Missing(PathBuf),
    /// Something by its name that is not a regular file.
    NotAFile(NeuralError),
}

/// Whether anything is at `path` (a file, a folder, a pipe, even a link that leads nowhere).
pub(crate) fn something_at(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// What is at `path` when it is there but is not a regular file (nor a link to one).
pub(crate) fn not_a_file(path: &Path) -> Option<&'static str> {
    std::fs::symlink_metadata(path).ok()?;
    match std::fs::metadata(path) {
        Ok(m) => crate::media::not_regular(&m),
        Err(_) => Some("a link that leads nowhere (or round in a loop)"),
    }
}

/// The roots to try under `dir`, in order: the folder itself (flat, then the authors' layout),
/// its `liveportrait/` (the authors' `pretrained_weights/`, a Hub snapshot, ComfyUI's
/// `models/`), ComfyUI's `models/liveportrait/`, a LivePortrait checkout's
/// `pretrained_weights/liveportrait/`, then Hub cache folders (a repo's, the cache's, or
/// `HF_HOME`'s) down to their snapshots. Only folders that exist.
fn candidates(dir: &Path) -> Vec<(PathBuf, Shape)> {
    let mut out = vec![
        (dir.to_path_buf(), Shape::Flat),
        (dir.to_path_buf(), Shape::Authors),
    ];
    let sub = dir.join("liveportrait");
    if sub.is_dir() {
        out.push((sub.clone(), Shape::Flat));
        out.push((sub, Shape::Authors));
    }
    let comfy = dir.join("models").join("liveportrait");
    if comfy.is_dir() {
        out.push((comfy, Shape::Flat));
    }
    let checkout = dir.join("pretrained_weights").join("liveportrait");
    if checkout.is_dir() {
        out.push((checkout, Shape::Authors));
    }
    let mut repos = Vec::new();
    if dir
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("models--"))
    {
        repos.push(dir.to_path_buf());
    }
    for repo in HUB_REPOS {
        let name = hub_folder_name(repo);
        repos.push(dir.join(&name));
        repos.push(dir.join("hub").join(&name));
    }
    for repo in repos.into_iter().filter(|r| r.is_dir()) {
        for snapshot in snapshots(&repo) {
            out.push((snapshot.join("liveportrait"), Shape::Authors));
            out.push((snapshot, Shape::Flat));
        }
    }
    out
}

/// The Hub cache's folder for a repository: `models--owner--name`.
pub fn hub_folder_name(repo: &str) -> String {
    hf_hub::Repo::model(repo.to_string()).folder_name()
}

/// A cached repository's snapshots: the one `refs/main` names first, then the others, newest
/// first.
fn snapshots(repo: &Path) -> Vec<PathBuf> {
    let main = std::fs::read_to_string(repo.join("refs").join("main"))
        .ok()
        .map(|c| repo.join("snapshots").join(c.trim()))
        .filter(|p| p.is_dir());
    let mut others: Vec<(std::time::SystemTime, PathBuf)> =
        std::fs::read_dir(repo.join("snapshots"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir() && Some(p) != main.as_ref())
                    .map(|p| {
                        let t = p
                            .metadata()
                            .and_then(|m| m.modified())
                            .unwrap_or(std::time::UNIX_EPOCH);
                        (t, p)
                    })
                    .collect()
            })
            .unwrap_or_default();
    others.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    main.into_iter()
        .chain(others.into_iter().map(|(_, p)| p))
        .collect()
}

/// What kind of place `root` is.
fn layout_of(root: &Path, shape: Shape) -> Layout {
    let names: Vec<String> = root
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let in_hub = names
        .windows(2)
        .any(|w| w[0].starts_with("models--") && w[1] == "snapshots");
    let comfy = names.len() >= 2
        && names[names.len() - 1].eq_ignore_ascii_case("liveportrait")
        && names[names.len() - 2] == "models";
    match shape {
        _ if in_hub => Layout::HubCache,
        Shape::Authors => Layout::Authors,
        Shape::Flat if comfy => Layout::ComfyUi,
        Shape::Flat => Layout::Flat,
    }
}

/// Where LivePortrait's five files are in or under `dir`, in any layout Vivant accepts (see
/// the module's documentation). When none is complete, the error names the first file missing
/// from the one closest to complete.
pub fn resolve(dir: &Path) -> Result<Location, NeuralError> {
    super::require_folder(dir)?;
    let mut closest: Option<(usize, NeuralError)> = None;
    for (root, shape) in candidates(dir) {
        let mut files = Vec::new();
        let mut missing = None;
        for network in Network::ALL {
            match locate_in(&root, shape, network) {
                Ok((path, format)) => files.push((network, path, format)),
                Err(Absent::Missing(expected)) => {
                    missing.get_or_insert(NeuralError::MissingFile {
                        dir: expected,
                        network,
                    });
                }
                // Said before any file simply missing from the same folder.
                Err(Absent::NotAFile(e)) => {
                    if !matches!(missing, Some(NeuralError::NotAWeightsFile { .. })) {
                        missing = Some(e);
                    }
                }
            }
        }
        match missing {
            None => {
                let config = [root.join("config.json"), dir.join("config.json")]
                    .into_iter()
                    .find(|p| something_at(p));
                return Ok(Location {
                    given: dir.to_path_buf(),
                    layout: layout_of(&root, shape),
                    root,
                    files,
                    config,
                });
            }
            Some(e) if closest.as_ref().is_none_or(|(n, _)| files.len() > *n) => {
                closest = Some((files.len(), e));
            }
            Some(_) => {}
        }
    }
    match closest {
        Some((found, e)) if found > 0 => Err(e),
        _ => Err(NeuralError::NoWeightsIn {
            dir: dir.to_path_buf(),
        }),
    }
}

/// Whether `dir` holds a checkpoint file for every network in a layout [`resolve`] accepts
/// (files found, not yet read: `LivePortrait::load` checks their contents).
pub fn check_folder(dir: &Path) -> Result<(), NeuralError> {
    resolve(dir).map(|_| ())
}

/// Where [`find`] looks when no folder is given: read from the environment, or given (tests).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Places {
    /// The Hugging Face cache (`HF_HUB_CACHE`, else `$HF_HOME/hub`, else
    /// `~/.cache/huggingface/hub`).
    pub hub_cache: Option<PathBuf>,
    /// The home folder, under which LivePortrait and ComfyUI are usually installed.
    pub home: Option<PathBuf>,
}

impl Places {
    /// The places of this environment.
    pub fn from_env() -> Self {
        Self {
            hub_cache: super::fetch::hub_cache_from_env(),
            home: std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The folders [`find`] looks in, in order: the Hugging Face cache (where `vivant models
    /// fetch` puts them, and Python tools too), a LivePortrait checkout in the home folder
    /// (`~/LivePortrait/pretrained_weights`), then ComfyUI's models folder where its
    /// installers put it (`~/ComfyUI`, comfy-cli's `~/comfy/ComfyUI`, the desktop app's
    /// `~/Documents/ComfyUI`).
    pub fn folders(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = HUB_REPOS
            .iter()
            .filter_map(|r| self.hub_cache.as_ref().map(|c| c.join(hub_folder_name(r))))
            .collect();
        if let Some(home) = &self.home {
            out.push(home.join("LivePortrait").join("pretrained_weights"));
            for comfy in ["ComfyUI", "comfy/ComfyUI", "Documents/ComfyUI"] {
                out.push(home.join(comfy).join("models").join("liveportrait"));
            }
        }
        out
    }
}

/// The first complete set of weights in the usual [`Places`]; else the error lists where it
/// looked (and what an incomplete folder lacks).
pub fn find(places: &Places) -> Result<Location, NeuralError> {
    let mut looked = Vec::new();
    for folder in places.folders() {
        if !folder.is_dir() {
            looked.push(folder.display().to_string());
            continue;
        }
        match resolve(&folder) {
            Ok(location) => return Ok(location),
            Err(e) => looked.push(format!("{} ({e})", folder.display())),
        }
    }
    Err(NeuralError::NotFound { looked })
}

/// Read one checkpoint from `dir`.
pub fn read(dir: &Path, network: Network) -> Result<Checkpoint, NeuralError> {
    let (path, format) = locate(dir, network)?;
    read_file(&path, network, format)
}

/// Read and normalise one checkpoint file.
pub fn read_file(path: &Path, network: Network, format: Format) -> Result<Checkpoint, NeuralError> {
    let unreadable = |e: candle_core::Error| NeuralError::Unreadable {
        path: path.to_path_buf(),
        reason: first_line(&e.to_string()),
    };
    // candle's readers panic on some damaged files (its pickle reader on a short tuple or a
    // 9-byte integer: found by fuzzing): a panic in them is a file that cannot be read.
    let read =
        || -> Result<Vec<(String, Tensor)>, NeuralError> {
            Ok(match (format, network) {
                (Format::Safetensors, _) => candle_core::safetensors::load(path, &Device::Cpu)
                    .map_err(unreadable)?
                    .into_iter()
                    .collect(),
                (Format::Pth, Network::Stitching) => {
                    let mut all = Vec::new();
                    for (key, prefix) in STITCHING_GROUPS {
                        let group = candle_core::pickle::read_all_with_key(path, Some(key))
                            .map_err(|e| NeuralError::Unreadable {
                                path: path.to_path_buf(),
                                reason: format!(
                                    "no '{key}' state dict ({})",
                                    first_line(&e.to_string())
                                ),
                            })?;
                        all.extend(group.into_iter().map(|(name, t)| {
                            (format!("{prefix}.{}", name.replace("module.", "")), t)
                        }));
                    }
                    all
                }
                (Format::Pth, _) => candle_core::pickle::read_all(path).map_err(unreadable)?,
            })
        };
    let raw = crate::devices::quietly(read).unwrap_or_else(|panic| {
        Err(NeuralError::Unreadable {
            path: path.to_path_buf(),
            reason: format!(
                "the file is damaged (its reader failed: {})",
                crate::panic_text(&*panic)
            ),
        })
    })?;
    if raw.is_empty() {
        return Err(NeuralError::Unreadable {
            path: path.to_path_buf(),
            reason: "the file holds no tensors".into(),
        });
    }
    let mut tensors = HashMap::new();
    let mut dtype = None;
    for (name, t) in raw {
        let name = if network == Network::Stitching && format == Format::Safetensors {
            stitching_safetensors_name(&name)
        } else {
            name
        };
        match t.dtype() {
            DType::F32 | DType::F16 | DType::BF16 | DType::F64 => {
                dtype.get_or_insert(t.dtype());
                let t = t.to_dtype(DType::F32).map_err(unreadable)?;
                tensors.insert(name, t);
            }
            // Batch norm's training counter: not a weight.
            _ if name.ends_with("num_batches_tracked") => {}
            other => {
                return Err(NeuralError::Tensor {
                    path: path.to_path_buf(),
                    name,
                    problem: format!("has type {other:?}; a weight must be floating point"),
                });
            }
        }
    }
    fold_spectral_norms(&mut tensors).map_err(|(name, problem)| NeuralError::Tensor {
        path: path.to_path_buf(),
        name,
        problem,
    })?;
    Ok(Checkpoint {
        network,
        path: path.to_path_buf(),
        format,
        dtype: dtype.unwrap_or(DType::F32),
        tensors,
    })
}

/// `retarget_shoulder_module.mlp.0.weight` → `stitching.mlp.0.weight` (the community layout).
fn stitching_safetensors_name(name: &str) -> String {
    for (key, prefix) in STITCHING_GROUPS {
        if let Some(rest) = name.strip_prefix(key) {
            return format!(
                "{prefix}.{}",
                rest.trim_start_matches('_').replace("module.", "")
            );
        }
    }
    name.replace("module.", "")
}

/// Replace every `X.weight_orig` / `X.weight_u` / `X.weight_v` triple by `X.weight` =
/// weight_orig / σ with σ = u · (W_mat v), W_mat = weight_orig as (out, rest): the spectral
/// norm as PyTorch applies it in evaluation (no power iteration).
fn fold_spectral_norms(tensors: &mut HashMap<String, Tensor>) -> Result<(), (String, String)> {
    let bases: Vec<String> = tensors
        .keys()
        .filter_map(|k| k.strip_suffix(".weight_orig").map(str::to_string))
        .collect();
    for base in bases {
        let get = |tensors: &mut HashMap<String, Tensor>, suffix: &str| {
            let name = format!("{base}.{suffix}");
            tensors
                .remove(&name)
                .ok_or_else(|| (name, "missing (the spectral norm needs it)".to_string()))
        };
        let orig = get(tensors, "weight_orig")?;
        let u = get(tensors, "weight_u")?;
        let v = get(tensors, "weight_v")?;
        let name = format!("{base}.weight_orig");
        let fail = |e: candle_core::Error| (name.clone(), e.to_string());
        let out = orig.dims().first().copied().unwrap_or(0);
        let rest = orig.elem_count() / out.max(1);
        // An empty weight has no norm (and its rows no length to step by).
        if rest == 0 {
            return Err((name, format!("shape {:?} holds no weights", orig.dims())));
        }
        if u.elem_count() != out || v.elem_count() != rest {
            return Err((
                name,
                format!(
                    "shape {:?} does not match weight_u {:?} and weight_v {:?}",
                    orig.dims(),
                    u.dims(),
                    v.dims()
                ),
            ));
        }
        let w = orig
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(fail)?;
        let u = u
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(fail)?;
        let v = v
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(fail)?;
        let sigma: f32 = w
            .chunks_exact(rest)
            .zip(&u)
            .map(|(row, ui)| ui * row.iter().zip(&v).map(|(a, b)| a * b).sum::<f32>())
            .sum();
        if !sigma.is_finite() || sigma == 0.0 {
            return Err((name, format!("spectral norm σ = {sigma}")));
        }
        let folded = (orig / sigma as f64).map_err(fail)?;
        tensors.insert(format!("{base}.weight"), folded);
    }
    Ok(())
}

/// SHA-256 of a file, hex.
pub fn sha256(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    crate::models::hash_file(&mut hasher, path)?;
    Ok(crate::models::hex(&hasher.finalize()))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}
