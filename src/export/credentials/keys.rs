//! Who signs: the self-issued key made once in the user's config folder, or the user's own
//! certificate and key, read and checked before any frame is drawn.

use super::*;

/// The signing certificate chain and key, as PEM text.
pub(super) struct Keys {
    chain: Vec<u8>,
    key: Vec<u8>,
}

pub(super) const CHAIN_FILE: &str = "signer-chain.pem";
pub(super) const KEY_FILE: &str = "signer-key.pem";

impl Signer {
    pub(super) fn keys(&self) -> Result<Keys, CredentialsError> {
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
    pub(super) fn c2pa_signer(&self) -> Result<Box<dyn c2pa::Signer>, CredentialsError> {
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
        // A key in a form the library cannot take gets the one command that converts it, not
        // each parser's complaint.
        let why = key_hint(&keys.key).map_or_else(|| reasons.join("; "), str::to_string);
        Err(self.unusable(why))
    }

    /// These keys cannot sign, for `why`: the user's pair named, or the self-issued one.
    fn unusable(&self, why: String) -> CredentialsError {
        match self {
            Signer::Own { cert, key } => CredentialsError::OwnSigner {
                cert: cert.clone(),
                key: key.clone(),
                reason: why,
            },
            Signer::SelfIssued { folder } => CredentialsError::SelfIssuedUnusable {
                folder: folder.clone(),
                reason: why,
            },
        }
    }

    /// Check now that these keys can sign (before any frame is rendered), and that the key is
    /// the certificate's: a test message signed with it must verify with the public key of the
    /// chain's first certificate (a mismatched pair would sign a manifest no reader accepts).
    pub fn check(&self) -> Result<(), CredentialsError> {
        use x509_cert::der::{Decode, Encode};
        if let Signer::Own { cert, .. } = self {
            own_certificate(cert)?;
        }
        let signer = self.c2pa_signer()?;
        let mismatch = || match self {
            Signer::Own { cert, key } => CredentialsError::KeyMismatch {
                cert: cert.clone(),
                key: key.clone(),
            },
            Signer::SelfIssued { folder } => CredentialsError::SelfIssuedMismatch {
                folder: folder.clone(),
            },
        };
        let unusable = |why: String| self.unusable(why);
        let probe = b"Vivant: is this key the certificate's?";
        let signature = signer.sign(probe).map_err(|_| mismatch())?;
        let certs = signer.certs().map_err(|e| unusable(e.to_string()))?;
        let leaf = certs
            .first()
            .ok_or_else(|| unusable("no certificate in the chain".into()))?;
        let spki = x509_cert::Certificate::from_der(leaf)
            .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der())
            .map_err(|e| unusable(format!("its first certificate cannot be read: {e}")))?;
        let validator = c2pa::crypto::raw_signature::validator_for_signing_alg(signer.alg())
            .ok_or_else(|| unusable(format!("no validator for {}", signer.alg())))?;
        validator
            .validate(&signature, probe, &spki)
            .map_err(|_| mismatch())
    }
}

/// The user's certificate chain read before any work, for what would make the signature
/// useless however the key is: an empty file, a key given as the certificate, the root first,
/// a certificate not valid now, a CA's certificate, one that may not sign. Each said with
/// what to do.
pub(super) fn own_certificate(path: &Path) -> Result<(), CredentialsError> {
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
    let bad = |problem: String| CredentialsError::BadCertificate {
        cert: path.to_path_buf(),
        problem,
    };
    let bytes = std::fs::read(path).map_err(|source| CredentialsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    if text.trim().is_empty() {
        return Err(bad(
            "the file is empty: give the PEM certificate chain (-----BEGIN CERTIFICATE-----), the signer's own certificate first".into(),
        ));
    }
    if !text.contains("-----BEGIN") {
        return Err(bad(
            "this is not a PEM file (no -----BEGIN CERTIFICATE-----): give the certificate chain as PEM; one in DER form converts with `openssl x509 -inform der -in CERT.der -out CERT.pem`".into(),
        ));
    }
    if text.contains("PRIVATE KEY-----") && !text.contains("CERTIFICATE-----") {
        return Err(bad(
            "this is a private key, not a certificate: give the certificate chain with --signing-cert and the key with --signing-key".into(),
        ));
    }
    let Ok(chain) = x509_cert::Certificate::load_pem_chain(&bytes) else {
        // Not PEM certificates: the signing library's own reading says why.
        return Ok(());
    };
    let Some(leaf) = chain.first() else {
        return Ok(());
    };
    let tbs = &leaf.tbs_certificate;
    let self_signed = tbs.issuer == tbs.subject;
    if chain.len() > 1 && self_signed {
        return Err(bad(
            "the chain starts with a root (self-signed) certificate; the signer's own certificate must come first, then each one that issued it".into(),
        ));
    }
    let now = std::time::SystemTime::now();
    let day = |t: std::time::SystemTime| rfc3339(t).chars().take(10).collect::<String>();
    let (from, until) = (
        tbs.validity.not_before.to_system_time(),
        tbs.validity.not_after.to_system_time(),
    );
    if now < from {
        return Err(bad(format!(
            "the signer's certificate is not valid before {}: use it from then, or one valid now",
            day(from)
        )));
    }
    if now > until {
        return Err(bad(format!(
            "the signer's certificate expired on {}: renew it (or leave out --signing-cert and --signing-key for Vivant's self-issued one)",
            day(until)
        )));
    }
    if let Ok(Some((_, constraints))) = leaf.tbs_certificate.get::<BasicConstraints>()
        && constraints.ca
    {
        return Err(bad(
            "the first certificate is a certificate authority's (CA: true); the signer's own end-entity certificate, issued by that CA, must sign".into(),
        ));
    }
    if let Some(bits) = rsa_bits(&tbs.subject_public_key_info)
        && bits < 2048
    {
        return Err(bad(format!(
            "the signer's certificate holds a {bits}-bit RSA key; C2PA readers refuse RSA keys under 2048 bits: make a key of 2048 bits or more (or a P-256 key) and have a certificate issued for it"
        )));
    }
    if let Ok(Some((_, usage))) = leaf.tbs_certificate.get::<KeyUsage>()
        && !usage.digital_signature()
    {
        return Err(bad(
            "the signer's certificate does not allow digital signatures (its key usage lacks digitalSignature): use a certificate issued for signing".into(),
        ));
    }
    Ok(())
}

/// What to do with a private key whose PEM form the signing library does not read: a
/// passphrase-protected key, or an EC key in the older SEC1 form. None for other keys.
fn key_hint(key: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(key);
    if text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        Some(
            "the private key is protected by a passphrase, which Vivant cannot ask for: write an unprotected copy (openssl pkcs8 -topk8 -nocrypt -in KEY.pem -out KEY-plain.pem, which asks the passphrase) and keep that copy readable by you only",
        )
    } else if !text.contains("-----BEGIN") {
        Some(
            "the private key is not PEM (no -----BEGIN PRIVATE KEY-----); one in DER form converts with openssl pkcs8 -topk8 -nocrypt -inform der -in KEY.der -out KEY.pem",
        )
    } else if text.contains("BEGIN EC PRIVATE KEY") {
        Some(
            "the private key is in the older SEC1 form (BEGIN EC PRIVATE KEY); convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt -in KEY.pem -out KEY-pkcs8.pem) and give that",
        )
    } else {
        None
    }
}

/// The size in bits of an RSA public key's modulus; None for other kinds of key.
fn rsa_bits(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> Option<usize> {
    use x509_cert::der::asn1::{ObjectIdentifier, UintRef};
    use x509_cert::der::{Decode, Reader, SliceReader};
    const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return None;
    }
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    let mut reader = SliceReader::new(spki.subject_public_key.raw_bytes()).ok()?;
    let modulus = reader
        .sequence(|r| {
            let n = UintRef::decode(r)?;
            UintRef::decode(r)?;
            Ok(n)
        })
        .ok()?;
    let bytes = modulus.as_bytes();
    let first = *bytes.first()?;
    Some(bytes.len() * 8 - first.leading_zeros() as usize)
}

/// The self-issued keys in `folder`, made there on first use.
pub(super) fn self_issued(folder: &Path) -> Result<Keys, CredentialsError> {
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
pub(super) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
pub(super) fn make_self_issued() -> Result<(String, String), CredentialsError> {
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
