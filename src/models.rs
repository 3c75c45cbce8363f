//! The bundled network weights: embedded in the binary, checked against `models/manifest.json`.
//!
//! `models/convert/convert.py` produced the files once from their registry packages. A user can
//! point `--models DIR` at a folder holding files of the same names (e.g. re-converted ones);
//! those are checked against the same manifest, so a corrupted or mismatched file is refused
//! with its name rather than producing wrong landmarks.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One of the networks Vivant ships.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// BlazeFace short-range face detector (MediaPipe, Apache-2.0).
    Detector,
    /// FaceLandmark68Net, 68 iBUG landmarks (face-api, MIT).
    Landmarks68,
    /// MediaPipe face mesh, 468 points with depth (Apache-2.0).
    FaceMesh,
}

impl Model {
    pub const ALL: [Model; 3] = [Model::Detector, Model::Landmarks68, Model::FaceMesh];

    pub fn file_name(self) -> &'static str {
        match self {
            Model::Detector => "blazeface.safetensors",
            Model::Landmarks68 => "landmarks68.safetensors",
            Model::FaceMesh => "face_mesh.safetensors",
        }
    }

    fn embedded(self) -> &'static [u8] {
        match self {
            Model::Detector => include_bytes!("../models/blazeface.safetensors"),
            Model::Landmarks68 => include_bytes!("../models/landmarks68.safetensors"),
            Model::FaceMesh => include_bytes!("../models/face_mesh.safetensors"),
        }
    }
}

const MANIFEST: &str = include_str!("../models/manifest.json");

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read model file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "model file {path} does not match models/manifest.json (sha256 {actual}, expected {expected}); \
         re-run `make models` or remove --models to use the bundled weights"
    )]
    Checksum {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("models/manifest.json is malformed: {0}")]
    Manifest(String),
}

/// Where weights come from: the copies inside the binary, or a folder the user names.
#[derive(Clone, Debug, Default)]
pub enum ModelSource {
    #[default]
    Embedded,
    Dir(PathBuf),
}

/// Expected SHA-256 of a model file, from the manifest compiled into the binary.
pub fn expected_sha256(model: Model) -> Result<String, ModelError> {
    let manifest: serde_json::Value =
        serde_json::from_str(MANIFEST).map_err(|e| ModelError::Manifest(e.to_string()))?;
    manifest["models"]
        .as_array()
        .and_then(|models| {
            models
                .iter()
                .find(|m| m["file"] == model.file_name())
                .and_then(|m| m["sha256"].as_str())
        })
        .map(str::to_owned)
        .ok_or_else(|| ModelError::Manifest(format!("no entry for {}", model.file_name())))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Feed a file into `hasher` a megabyte at a time (weights files are hundreds of MB).
pub fn hash_file(hasher: &mut Sha256, path: &Path) -> std::io::Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        hasher.update(&buf[..n]);
    }
}

fn verify(model: Model, label: &str, bytes: &[u8]) -> Result<(), ModelError> {
    let expected = expected_sha256(model)?;
    let actual = sha256_hex(bytes);
    if actual != expected {
        return Err(ModelError::Checksum {
            path: label.to_owned(),
            expected,
            actual,
        });
    }
    Ok(())
}

impl ModelSource {
    /// The verified bytes of one model file.
    pub fn load(&self, model: Model) -> Result<std::borrow::Cow<'static, [u8]>, ModelError> {
        match self {
            ModelSource::Embedded => {
                let bytes = model.embedded();
                verify(model, &format!("<embedded>/{}", model.file_name()), bytes)?;
                Ok(std::borrow::Cow::Borrowed(bytes))
            }
            ModelSource::Dir(dir) => {
                let path = dir.join(model.file_name());
                let bytes = std::fs::read(&path).map_err(|source| ModelError::Read {
                    path: path.clone(),
                    source,
                })?;
                verify(model, &path.display().to_string(), &bytes)?;
                Ok(std::borrow::Cow::Owned(bytes))
            }
        }
    }

    pub fn dir(path: impl AsRef<Path>) -> Self {
        ModelSource::Dir(path.as_ref().to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_models_match_manifest() {
        for m in Model::ALL {
            assert!(ModelSource::Embedded.load(m).is_ok(), "{m:?}");
        }
    }

    #[test]
    fn tampered_file_is_refused_with_its_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bytes = Model::Detector.embedded().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(dir.path().join("blazeface.safetensors"), &bytes).expect("write");
        let err = ModelSource::dir(dir.path())
            .load(Model::Detector)
            .expect_err("tampered");
        let msg = err.to_string();
        assert!(
            msg.contains("blazeface.safetensors") && msg.contains("sha256"),
            "{msg}"
        );
        let missing = ModelSource::dir(dir.path()).load(Model::FaceMesh);
        assert!(matches!(missing, Err(ModelError::Read { .. })));
    }
}
