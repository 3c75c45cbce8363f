//! Content Credentials (C2PA) on every video Vivant writes: a signed manifest, embedded in the
//! MP4 by the C2PA reference SDK, that says the video was made by Vivant, how (the IPTC
//! digital source type of its frames), from what (the portraits, the driving clip and the
//! soundtrack, by title and SHA-256, never by path) and with which settings. Anyone's C2PA
//! reader shows it; one changed byte of the video makes it fail to validate.
//!
//! Signing needs nothing set up: on first use a key pair and two certificates are made in
//! the user's config folder — a self-issued root and, issued by it, the signing certificate
//! (C2PA refuses to sign with a self-signed end certificate). The private key is readable by
//! the user only. Verifiers show such a signer as untrusted ("signingCredential.untrusted"):
//! the manifest is intact and says who made it, but no certificate authority vouches for the
//! signer. A user with a certificate from an authority points Vivant at it instead.

mod keys;
mod reading;

pub use self::reading::*;

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use c2pa::{Builder, BuilderIntent, Context, DigitalSourceType, Reader, SigningAlg};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The C2PA assertion with the settings that shaped the frames.
pub const SETTINGS_LABEL: &str = "org.vivant.settings";
/// The C2PA assertion listing every source file's role, title and SHA-256.
pub const SOURCES_LABEL: &str = "org.vivant.sources";

/// Who signs.
#[derive(Clone, Debug, PartialEq)]
pub enum Signer {
    /// Vivant's own key pair and self-issued certificates in this folder, made on first use.
    SelfIssued { folder: PathBuf },
    /// The user's certificate chain (PEM, signing certificate first) and private key (PEM).
    Own { cert: PathBuf, key: PathBuf },
}

impl Signer {
    /// The self-issued signer in the user's config folder: `$VIVANT_CONFIG_DIR`, else
    /// `$XDG_CONFIG_HOME/vivant`, else `~/.config/vivant`; `credentials/` in it.
    pub fn default_self_issued() -> Option<Self> {
        use crate::output::env_dir;
        let base = env_dir("VIVANT_CONFIG_DIR")
            .or_else(|| env_dir("XDG_CONFIG_HOME").map(|d| d.join("vivant")))
            .or_else(|| env_dir("HOME").map(|h| h.join(".config/vivant")))?;
        Some(Self::SelfIssued {
            folder: base.join("credentials"),
        })
    }
}

/// How the frames were made, in the IPTC digital source type vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SourceType {
    /// The portrait's own pixels moved by a landmark warp whose motion trained networks read
    /// from the driving face (the warp engine): real media composited with trained
    /// algorithmic media — IPTC `compositeWithTrainedAlgorithmicMedia`.
    CompositeWithTrainedAlgorithmicMedia,
    /// The face drawn by a generator network (the neural engine) and set back into the
    /// portrait: the subject of the picture is the network's output — IPTC
    /// `trainedAlgorithmicMedia`.
    TrainedAlgorithmicMedia,
}

impl SourceType {
    fn c2pa(self) -> DigitalSourceType {
        match self {
            SourceType::CompositeWithTrainedAlgorithmicMedia => {
                DigitalSourceType::CompositeWithTrainedAlgorithmicMedia
            }
            SourceType::TrainedAlgorithmicMedia => DigitalSourceType::TrainedAlgorithmicMedia,
        }
    }
}

/// What to sign into a video, and who signs.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub provenance: Provenance,
    pub signer: Signer,
}

/// A file the video was made from.
#[derive(Clone, Debug)]
pub struct Ingredient {
    pub path: PathBuf,
    /// "portrait", "driving clip" or "soundtrack".
    pub role: &'static str,
    /// What to call it (the file's name; a video frame's name says which time).
    pub title: String,
}

/// What a video's manifest says about it.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub source_type: SourceType,
    pub ingredients: Vec<Ingredient>,
    /// The settings that matter (engine, mode, strengths…), as JSON.
    pub settings: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot keep the signing key in {path}: {source}")]
    KeyStore {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot make the self-issued signing certificate: {0}")]
    Certificate(String),
    #[error(
        "{cert} and {key} are not a certificate chain (PEM) and its private key (PEM; P-256, \
         P-384, RSA or Ed25519): {reason}"
    )]
    OwnSigner {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
    #[error(
        "{key} is not the private key of the certificate in {cert} (a test signature does not \
         verify with the certificate's public key): give the key that was made with that \
         certificate, or the certificate issued for this key"
    )]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    /// The user's certificate file, read before any work, cannot sign as it is.
    #[error("{cert}: {problem}")]
    BadCertificate { cert: PathBuf, problem: String },
    #[error(
        "the self-issued signing key in {folder} does not match its certificate (a test \
         signature does not verify): remove signer-chain.pem and signer-key.pem there and \
         Vivant makes a new pair"
    )]
    SelfIssuedMismatch { folder: PathBuf },
    #[error(
        "the self-issued signing key or certificate in {folder} cannot be used ({reason}): \
         remove signer-chain.pem and signer-key.pem there and Vivant makes a new pair"
    )]
    SelfIssuedUnusable { folder: PathBuf, reason: String },
    #[error("signing the Content Credentials failed: {0}")]
    Sign(#[source] Box<c2pa::Error>),
}

fn sign_error(e: c2pa::Error) -> CredentialsError {
    CredentialsError::Sign(Box::new(e))
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    crate::models::hash_file(&mut h, path)?;
    Ok(crate::models::hex(&h.finalize()))
}

/// A time as RFC 3339 in UTC, to the second.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// A media type C2PA knows for an ingredient, from its extension.
fn media_type(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        _ => return None,
    })
}

/// Sign the finished MP4 at `source` into `dest` (another file): the same video with a C2PA
/// manifest embedded. `title` is the name the video will have.
pub fn sign_mp4(
    source: &Path,
    dest: &Path,
    title: &str,
    provenance: &Provenance,
    signer: &Signer,
) -> Result<(), CredentialsError> {
    let signer = signer.c2pa_signer()?;
    let definition = json!({
        "title": title,
        "format": "video/mp4",
        "claim_generator_info": [{ "name": "Vivant", "version": crate::VERSION }],
    });
    // The SDK builds the signed file through scratch copies held in memory up to 512 MB by
    // default (twice the video at the peak, with the hashing below): past 1 MB they go to
    // temporary files instead. What stays is its hashing buffer: the video's data box is
    // hashed in one read of up to 256 MB (this SDK's fixed cap; its releases from 0.91 read
    // 16 MB at a time but need a newer Rust). Hashing it as a Merkle tree of small pieces
    // would bound it, but readers then no longer catch a changed byte in the pictures.
    let context = Context::new()
        .with_settings(r#"{"core": {"backing_store_memory_threshold_in_mb": 1}}"#)
        .map_err(sign_error)?;
    let mut builder = Builder::from_context(context)
        .with_definition(definition.to_string())
        .map_err(sign_error)?;
    builder.set_intent(BuilderIntent::Create(provenance.source_type.c2pa()));
    let mut sources = Vec::new();
    for ing in &provenance.ingredients {
        let read_err = |source| CredentialsError::Read {
            path: ing.path.clone(),
            source,
        };
        let sha256 = sha256_file(&ing.path).map_err(read_err)?;
        let bytes = std::fs::metadata(&ing.path).map_err(read_err)?.len();
        let format = media_type(&ing.path);
        let description = json!({
            "title": ing.title,
            "format": format.unwrap_or("application/octet-stream"),
            "relationship": "inputTo",
            "hash": sha256,
            "description": ing.role,
        });
        // The SDK reads the file for credentials of its own (a signed photo keeps its
        // history); a type it cannot read is listed by name and hash alone.
        let added = match format {
            Some(f) => {
                let mut file = std::fs::File::open(&ing.path).map_err(read_err)?;
                builder
                    .add_ingredient_from_stream(description.to_string(), f, &mut file)
                    .map(|_| ())
            }
            None => Err(c2pa::Error::UnsupportedType),
        };
        if added.is_err() {
            let plain: c2pa::Ingredient =
                serde_json::from_value(description).map_err(|e| sign_error(e.into()))?;
            builder.add_ingredient(plain);
        }
        sources.push(json!({
            "role": ing.role,
            "title": ing.title,
            "sha256": sha256,
            "bytes": bytes,
        }));
    }
    // When: the signer's own clock (no timestamp authority is asked: nothing goes online).
    builder
        .add_assertion(
            SOURCES_LABEL,
            &json!({ "sources": sources, "created": rfc3339(std::time::SystemTime::now()) }),
        )
        .map_err(sign_error)?;
    builder
        .add_assertion(SETTINGS_LABEL, &provenance.settings)
        .map_err(sign_error)?;
    let open = |p: &Path| {
        std::fs::File::open(p).map_err(|source| CredentialsError::Read {
            path: p.to_path_buf(),
            source,
        })
    };
    let mut input = open(source)?;
    let mut output = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(dest)
        .map_err(|source| CredentialsError::Read {
            path: dest.to_path_buf(),
            source,
        })?;
    builder
        .sign(signer.as_ref(), "video/mp4", &mut input, &mut output)
        .map_err(sign_error)?;
    output.sync_all().map_err(|source| CredentialsError::Read {
        path: dest.to_path_buf(),
        source,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_rfc3339() {
        let at = |s: u64| rfc3339(std::time::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_796_563_045), "2026-12-06T13:17:25Z");
    }
}
