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
        let base = std::env::var_os("VIVANT_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("vivant"))
            })
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/vivant"))
            })?;
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

/// The signing certificate chain and key, as PEM text.
struct Keys {
    chain: Vec<u8>,
    key: Vec<u8>,
}

const CHAIN_FILE: &str = "signer-chain.pem";
const KEY_FILE: &str = "signer-key.pem";

impl Signer {
    fn keys(&self) -> Result<Keys, CredentialsError> {
        match self {
            Signer::SelfIssued { folder } => self_issued(folder),
            Signer::Own { cert, key } => {
                let read = |p: &Path| {
                    std::fs::read(p).map_err(|source| CredentialsError::Read {
                        path: p.to_path_buf(),
                        source,
                    })
                };
                Ok(Keys {
                    chain: read(cert)?,
                    key: read(key)?,
                })
            }
        }
    }

    /// The SDK's signer for these keys (the algorithm is the one the key is for).
    fn c2pa_signer(&self) -> Result<Box<dyn c2pa::Signer>, CredentialsError> {
        let keys = self.keys()?;
        let mut reasons = Vec::new();
        for alg in [
            SigningAlg::Es256,
            SigningAlg::Es384,
            SigningAlg::Ps256,
            SigningAlg::Ed25519,
        ] {
            match c2pa::create_signer::from_keys(&keys.chain, &keys.key, alg, None) {
                Ok(s) => return Ok(s),
                Err(e) => reasons.push(format!("{alg}: {e}")),
            }
        }
        match self {
            Signer::Own { cert, key } => Err(CredentialsError::OwnSigner {
                cert: cert.clone(),
                key: key.clone(),
                reason: reasons.join("; "),
            }),
            Signer::SelfIssued { .. } => Err(CredentialsError::Certificate(reasons.join("; "))),
        }
    }

    /// Check now that these keys can sign (before any frame is rendered).
    pub fn check(&self) -> Result<(), CredentialsError> {
        self.c2pa_signer().map(|_| ())
    }
}

/// The self-issued keys in `folder`, made there on first use.
fn self_issued(folder: &Path) -> Result<Keys, CredentialsError> {
    let (chain_path, key_path) = (folder.join(CHAIN_FILE), folder.join(KEY_FILE));
    let store = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CredentialsError::KeyStore { path, source }
    };
    if !(chain_path.is_file() && key_path.is_file()) {
        std::fs::create_dir_all(folder).map_err(store(folder))?;
        let (chain, key) = make_self_issued()?;
        // The key first, readable by the user only, then the chain: a folder with a chain
        // has a key.
        write_private(&key_path, key.as_bytes()).map_err(store(&key_path))?;
        crate::output::write_atomic(&chain_path, |tmp| std::fs::write(tmp, chain.as_bytes()))
            .map_err(|e| CredentialsError::KeyStore {
                path: chain_path.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
    }
    let read = |p: &Path| std::fs::read(p).map_err(store(p));
    Ok(Keys {
        chain: read(&chain_path)?,
        key: read(&key_path)?,
    })
}

/// Write a file only its owner may read, through a temporary name.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = crate::output::TempFile::beside(path, "");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(tmp.path())?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    tmp.commit()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A P-256 root certificate, and a signing certificate it issues (C2PA's profile: digital
/// signature, e-mail protection usage, not a CA), valid ten years. Returns the chain (signing
/// certificate first) and the signing key, PEM.
fn make_self_issued() -> Result<(String, String), CredentialsError> {
    use p256::ecdsa::{DerSignature, SigningKey};
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
    use x509_cert::der::EncodePem;
    use x509_cert::der::asn1::ObjectIdentifier;
    use x509_cert::ext::pkix::ExtendedKeyUsage;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    let err = |e: &dyn std::fmt::Display| CredentialsError::Certificate(e.to_string());
    let mut rng = rand_core::OsRng;
    let ten_years = Duration::from_secs(10 * 365 * 24 * 3600);
    let validity = Validity::from_now(ten_years).map_err(|e| err(&e))?;
    // Serial numbers: positive, random, so two users' certificates never share one.
    let serial = |rng: &mut rand_core::OsRng| {
        let mut b = [0u8; 16];
        rand_core::RngCore::fill_bytes(rng, &mut b);
        b[0] &= 0x7f;
        b[0] |= 0x01;
        SerialNumber::new(&b)
    };
    // Names say what the signer is and nothing about the user.
    let root_name =
        Name::from_str("CN=Vivant self-issued root,O=Vivant (self-issued)").map_err(|e| err(&e))?;
    let signer_name = Name::from_str("CN=Vivant self-issued signer,O=Vivant (self-issued)")
        .map_err(|e| err(&e))?;
    let root_key = SigningKey::random(&mut rng);
    let root_spki =
        SubjectPublicKeyInfoOwned::from_key(*root_key.verifying_key()).map_err(|e| err(&e))?;
    let root = CertificateBuilder::new(
        Profile::Root,
        serial(&mut rng).map_err(|e| err(&e))?,
        validity,
        root_name.clone(),
        root_spki,
        &root_key,
    )
    .map_err(|e| err(&e))?
    .build::<DerSignature>()
    .map_err(|e| err(&e))?;
    let key = SigningKey::random(&mut rng);
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(|e| err(&e))?;
    let mut leaf = CertificateBuilder::new(
        Profile::Leaf {
            issuer: root_name,
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        serial(&mut rng).map_err(|e| err(&e))?,
        validity,
        signer_name,
        spki,
        &root_key,
    )
    .map_err(|e| err(&e))?;
    // id-kp-emailProtection: one of the usages C2PA accepts for a claim signer.
    let email_protection = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
    leaf.add_extension(&ExtendedKeyUsage(vec![email_protection]))
        .map_err(|e| err(&e))?;
    let leaf = leaf.build::<DerSignature>().map_err(|e| err(&e))?;
    let chain = format!(
        "{}{}",
        leaf.to_pem(LineEnding::LF).map_err(|e| err(&e))?,
        root.to_pem(LineEnding::LF).map_err(|e| err(&e))?
    );
    let key = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| err(&e))?;
    Ok((chain, key.to_string()))
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
    let mut builder = Builder::from_context(Context::new())
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
            return Err(VerifyError::NoManifest {
                path: path.to_path_buf(),
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

fn summarise(reader: &Reader) -> Verified {
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
