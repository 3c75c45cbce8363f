//! The user's LivePortrait weights: a folder with the five checkpoints under the names the
//! reference ships, each as PyTorch `.pth` (a zip pickle) or `.safetensors`.
//!
//! Loading normalises what differs between the two: the stitching checkpoint's three nested
//! state dicts (`.pth`, keys prefixed `module.`) or flat `<group>_module.` keys (community
//! `.safetensors`) become `stitching.…`, `lip.…`, `eye.…`; spectral norms are folded
//! (weight = weight_orig / uᵀ(W v)); int64 training counters are dropped; f16/bf16 are
//! widened to f32. Vivant never copies these files anywhere.

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

/// The checkpoint file for `network` in `dir`: `.safetensors` if present, else `.pth`.
pub fn locate(dir: &Path, network: Network) -> Result<(PathBuf, Format), NeuralError> {
    let st = dir.join(format!("{}.safetensors", network.stem()));
    if st.is_file() {
        return Ok((st, Format::Safetensors));
    }
    let pth = dir.join(format!("{}.pth", network.stem()));
    if pth.is_file() {
        return Ok((pth, Format::Pth));
    }
    Err(NeuralError::MissingFile {
        dir: dir.to_path_buf(),
        network,
    })
}

/// Whether `dir` is a folder with a checkpoint file for every network (files found, not yet
/// read: `LivePortrait::load` checks their contents).
pub fn check_folder(dir: &Path) -> Result<(), NeuralError> {
    super::require_folder(dir)?;
    for &n in Network::ALL.iter() {
        locate(dir, n)?;
    }
    Ok(())
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
    let raw: Vec<(String, Tensor)> = match (format, network) {
        (Format::Safetensors, _) => candle_core::safetensors::load(path, &Device::Cpu)
            .map_err(unreadable)?
            .into_iter()
            .collect(),
        (Format::Pth, Network::Stitching) => {
            let mut all = Vec::new();
            for (key, prefix) in STITCHING_GROUPS {
                let group =
                    candle_core::pickle::read_all_with_key(path, Some(key)).map_err(|e| {
                        NeuralError::Unreadable {
                            path: path.to_path_buf(),
                            reason: format!(
                                "no '{key}' state dict ({})",
                                first_line(&e.to_string())
                            ),
                        }
                    })?;
                all.extend(
                    group
                        .into_iter()
                        .map(|(name, t)| (format!("{prefix}.{}", name.replace("module.", "")), t)),
                );
            }
            all
        }
        (Format::Pth, _) => candle_core::pickle::read_all(path).map_err(unreadable)?,
    };
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
