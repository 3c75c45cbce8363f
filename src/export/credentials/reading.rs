//! Reading a file's Content Credentials back: whether they hold, and what they say.

use super::*;

/// What a file's Content Credentials say, and whether they hold.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    /// The manifest is intact: its signature and every hash hold (the file is as signed).
    pub valid: bool,
    /// A certificate authority the reader trusts vouches for the signer.
    pub trusted: bool,
    pub title: Option<String>,
    /// The program that made it, with its version.
    pub generator: Option<String>,
    /// When it was signed: a timestamp authority's time, else the time the signer's own
    /// clock wrote (RFC 3339).
    pub signed_at: Option<String>,
    /// The signer's certificate issuer and subject.
    pub issuer: Option<String>,
    pub common_name: Option<String>,
    /// The IPTC digital source type of the created action.
    pub source_type: Option<String>,
    /// Ingredients: title, and the role and SHA-256 from Vivant's sources assertion.
    pub ingredients: Vec<VerifiedIngredient>,
    pub settings: Option<serde_json::Value>,
    /// What failed, as the SDK's status codes with explanations (empty when valid).
    pub failures: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifiedIngredient {
    pub title: String,
    pub role: Option<String>,
    pub sha256: Option<String>,
}

/// Why a file could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} carries no Content Credentials")]
    NoManifest { path: PathBuf },
    #[error(
        "{path} has a Content Credentials (C2PA) box, but what is in it cannot be read: the credentials are damaged, so nothing they would say about the file holds"
    )]
    DamagedBox { path: PathBuf },
    #[error("{path}: the Content Credentials cannot be read: {source}")]
    Damaged {
        path: PathBuf,
        #[source]
        source: Box<c2pa::Error>,
    },
}

/// Read and validate the Content Credentials of the file at `path`.
pub fn verify(path: &Path) -> Result<Verified, VerifyError> {
    let unreadable = |source| VerifyError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    // Before opening it: opening a pipe blocks until something writes to it.
    if !std::fs::metadata(path).map_err(unreadable)?.is_file() {
        return Err(unreadable(std::io::Error::other("not a file")));
    }
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    // The type from the file's first bytes, not its name.
    let mut head = [0u8; 12];
    let got = file.read(&mut head).map_err(unreadable)?;
    file.rewind().map_err(unreadable)?;
    let format = match &head[..got] {
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => "video/mp4",
        [0xff, 0xd8, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        _ => {
            return Err(VerifyError::NoManifest {
                path: path.to_path_buf(),
            });
        }
    };
    let reader = match Reader::from_context(Context::new()).with_stream(format, &mut file) {
        Ok(r) => r,
        Err(c2pa::Error::JumbfNotFound) | Err(c2pa::Error::ProvenanceMissing) => {
            // The SDK says the same when the C2PA box is there but holds nothing it can
            // parse: that file's credentials are damaged, not absent.
            return Err(if holds_c2pa_box(&mut file, format) {
                VerifyError::DamagedBox {
                    path: path.to_path_buf(),
                }
            } else {
                VerifyError::NoManifest {
                    path: path.to_path_buf(),
                }
            });
        }
        Err(source) => {
            return Err(VerifyError::Damaged {
                path: path.to_path_buf(),
                source: Box::new(source),
            });
        }
    };
    Ok(summarise(&reader))
}

/// Whether the file has the container's place for Content Credentials — an MP4's top-level
/// `uuid` box with C2PA's UUID, a JPEG's APP11 segment, a PNG's `caBX` chunk — whatever is in it.
fn holds_c2pa_box(file: &mut std::fs::File, format: &str) -> bool {
    use std::io::SeekFrom;
    const C2PA_UUID: [u8; 16] = [
        0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4,
        0x81,
    ];
    let len = file.metadata().map_or(0, |m| m.len());
    let uuids: Vec<u64> = if format == "video/mp4" {
        crate::media::mp4_boxes(file, len)
            .filter(|b| &b.kind == b"uuid")
            .map(|b| b.body)
            .collect()
    } else {
        Vec::new()
    };
    let mut read_at = |at: u64, buf: &mut [u8]| {
        file.seek(SeekFrom::Start(at)).is_ok() && file.read_exact(buf).is_ok()
    };
    match format {
        "video/mp4" => uuids.into_iter().any(|body| {
            let mut uuid = [0u8; 16];
            read_at(body, &mut uuid) && uuid == C2PA_UUID
        }),
        "image/jpeg" => {
            // Markers up to the picture data (start of scan).
            let mut at = 2;
            let mut marker = [0u8; 4];
            while read_at(at, &mut marker) && marker[0] == 0xff {
                match marker[1] {
                    0xeb => return true,
                    0xda | 0xd9 => return false,
                    _ => at += 2 + u64::from(u16::from_be_bytes([marker[2], marker[3]])),
                }
            }
            false
        }
        "image/png" => {
            let mut at = 8;
            let mut chunk = [0u8; 8];
            while read_at(at, &mut chunk) {
                match &chunk[4..8] {
                    b"caBX" => return true,
                    b"IEND" => return false,
                    _ => {
                        let size = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                        at += 12 + u64::from(size);
                    }
                }
            }
            false
        }
        _ => false,
    }
}

pub(super) fn summarise(reader: &Reader) -> Verified {
    use c2pa::validation_results::ValidationState;
    let state = reader.validation_state();
    let failures: Vec<String> = reader
        .validation_status()
        .unwrap_or_default()
        .iter()
        .filter(|s| s.code() != "signingCredential.untrusted")
        .map(|s| match s.explanation() {
            Some(e) => format!("{}: {e}", s.code()),
            None => s.code().to_string(),
        })
        .collect();
    let manifest = reader.active_manifest();
    let generator = manifest.and_then(|m| {
        m.claim_generator_info
            .as_ref()
            .and_then(|g| g.first())
            .map(|g| match g.version.as_deref() {
                Some(v) => format!("{} {v}", g.name),
                None => g.name.clone(),
            })
    });
    let signature = manifest.and_then(|m| m.signature_info());
    let assertion = |label: &str| -> Option<serde_json::Value> {
        manifest?
            .assertions()
            .iter()
            .find(|a| a.label() == label)?
            .value()
            .ok()
            .cloned()
    };
    let source_type = assertion("c2pa.actions.v2")
        .or_else(|| assertion("c2pa.actions"))
        .and_then(|a| {
            a["actions"]
                .as_array()?
                .iter()
                .find(|x| x["action"] == "c2pa.created")?
                .get("digitalSourceType")?
                .as_str()
                .map(str::to_string)
        });
    let listed = assertion(SOURCES_LABEL);
    let ingredients = manifest
        .map(|m| {
            m.ingredients()
                .iter()
                .map(|i| {
                    let title = i.title().unwrap_or_default().to_string();
                    let entry = listed.as_ref().and_then(|l| {
                        l["sources"]
                            .as_array()?
                            .iter()
                            .find(|s| s["title"].as_str() == Some(title.as_str()))
                            .cloned()
                    });
                    VerifiedIngredient {
                        role: entry
                            .as_ref()
                            .and_then(|e| e["role"].as_str().map(str::to_string)),
                        sha256: entry
                            .as_ref()
                            .and_then(|e| e["sha256"].as_str().map(str::to_string)),
                        title,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Verified {
        valid: matches!(state, ValidationState::Valid | ValidationState::Trusted)
            && failures.is_empty(),
        trusted: matches!(state, ValidationState::Trusted),
        title: manifest.and_then(|m| m.title().map(str::to_string)),
        generator,
        signed_at: signature.and_then(|s| s.time.clone()).or_else(|| {
            listed
                .as_ref()
                .and_then(|l| l["created"].as_str())
                .map(|t| format!("{t} (the signer's clock)"))
        }),
        issuer: signature.and_then(|s| s.issuer.clone()),
        common_name: signature.and_then(|s| s.common_name.clone()),
        source_type,
        ingredients,
        settings: assertion(SETTINGS_LABEL),
        failures,
    }
}
