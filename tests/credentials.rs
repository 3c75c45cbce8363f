//! Content Credentials on exports, end to end with the real binary: a CLI render carries a
//! signed C2PA manifest that the C2PA SDK reads back (generator, how made, ingredients by
//! title and hash, settings) and `vivant verify` validates; one flipped byte of video makes it
//! invalid; an opted-out render has none; the user's own certificate signs instead when given;
//! the visible mark lands in the corner only.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::fixture;
use vivant::export::credentials::{sha256_file, verify};

/// `vivant ARGS` with its signing key kept in `config` (not the user's own config folder).
fn vivant(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vivant"))
        .env("VIVANT_CONFIG_DIR", config)
        .args(args)
        .output()
        .expect("run vivant")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A one-second render of the astronaut speaking the fixture recording into `dir`.
fn render(config: &Path, dir: &Path, name: &str, extra: &[&str]) -> (PathBuf, Output) {
    let out = dir.join(name);
    let source = fixture("astronaut.png");
    let speech = fixture("speech_librivox_0870.wav");
    let mut args = vec![
        "render",
        "--source",
        source.to_str().unwrap(),
        "--audio",
        speech.to_str().unwrap(),
        "--start",
        "1",
        "--end",
        "2",
        "--preset",
        "ultrafast",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = vivant(config, &args);
    (out, o)
}

#[test]
fn a_render_is_credentialed_and_verifies_and_a_changed_byte_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let (out, o) = render(&config, dir.path(), "signed.mp4", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("Content Credentials are off"));
    // The self-issued signer was made on first use, its key readable by its owner only.
    let key = config.join("credentials/signer-key.pem");
    assert!(key.is_file() && config.join("credentials/signer-chain.pem").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // Read back with the C2PA SDK.
    let report = verify(&out).expect("a manifest");
    assert!(report.valid, "{report:?}");
    assert!(!report.trusted, "a self-issued signer is not vouched for");
    assert_eq!(
        report.generator.as_deref(),
        Some(format!("Vivant {}", env!("CARGO_PKG_VERSION")).as_str())
    );
    assert_eq!(
        report.source_type.as_deref(),
        Some("http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia")
    );
    assert!(
        report
            .common_name
            .as_deref()
            .unwrap_or_default()
            .contains("self-issued")
    );
    assert!(report.signed_at.is_some());
    let settings = report.settings.clone().expect("settings");
    assert_eq!(settings["engine"], "warp");
    assert_eq!(settings["strengths"]["pose"], 1.0);
    let titles: Vec<(&str, Option<&str>)> = report
        .ingredients
        .iter()
        .map(|i| (i.title.as_str(), i.role.as_deref()))
        .collect();
    assert_eq!(
        titles,
        vec![
            ("astronaut.png", Some("portrait")),
            ("speech_librivox_0870.wav", Some("soundtrack"))
        ]
    );
    assert_eq!(
        report.ingredients[0].sha256.as_deref(),
        Some(sha256_file(&fixture("astronaut.png")).unwrap().as_str())
    );
    // Titles only: no folder of the user's is written into the file.
    let bytes = std::fs::read(&out).unwrap();
    let folder = fixture("astronaut.png")
        .parent()
        .unwrap()
        .display()
        .to_string();
    assert!(
        !bytes.windows(folder.len()).any(|w| w == folder.as_bytes()),
        "the file names {folder}"
    );
    // Nothing but the video in its folder.
    let left: Vec<String> = common::names_in(dir.path())
        .into_iter()
        .filter(|n| n != "config")
        .collect();
    assert_eq!(left, vec!["signed.mp4".to_string()]);

    // `vivant verify`: exit 0 and what the manifest says.
    let o = vivant(&config, &["verify", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    for said in [
        "Vivant",
        "compositeWithTrainedAlgorithmicMedia",
        "astronaut.png (portrait)",
        "self-issued",
        "valid:        yes",
    ] {
        assert!(text(&o).contains(said), "{said}: {}", text(&o));
    }

    // One byte of the video's data flipped (inside the mdat box): invalid, exit 1.
    let mut changed = bytes.clone();
    let mdat = changed
        .windows(4)
        .position(|w| w == b"mdat")
        .expect("an mdat box");
    changed[mdat + 4000] ^= 0x01;
    let tampered = dir.path().join("tampered.mp4");
    std::fs::write(&tampered, &changed).unwrap();
    let report = verify(&tampered).expect("still a manifest");
    assert!(!report.valid && !report.failures.is_empty(), "{report:?}");
    let o = vivant(&config, &["verify", tampered.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("do not validate"), "{}", text(&o));

    // The C2PA box kept, its content replaced by noise: damaged, not "no credentials".
    let uuid = [
        0xd8u8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4,
        0x81,
    ];
    let at = bytes
        .windows(16)
        .position(|w| w == uuid)
        .expect("the C2PA box");
    let size = u32::from_be_bytes(bytes[at - 8..at - 4].try_into().unwrap()) as usize;
    let mut noise = bytes.clone();
    let mut x = 0x9e37_79b9_u32;
    for b in &mut noise[at + 16..at - 8 + size] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    let noisy = dir.path().join("noisy.mp4");
    std::fs::write(&noisy, &noise).unwrap();
    let o = vivant(&config, &["verify", noisy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("damaged") && !text(&o).contains("carries no Content Credentials"),
        "{}",
        text(&o)
    );
    // The same file without the box at all: no credentials.
    let mut stripped = bytes[..at - 8].to_vec();
    stripped.extend_from_slice(&bytes[at - 8 + size..]);
    let bare = dir.path().join("bare.mp4");
    std::fs::write(&bare, &stripped).unwrap();
    let o = vivant(&config, &["verify", bare.to_str().unwrap()]);
    assert!(
        text(&o).contains("carries no Content Credentials"),
        "{}",
        text(&o)
    );
    // With --json, JSON on the standard output for both.
    for (file, says) in [(&bare, "none"), (&noisy, "damaged")] {
        let o = vivant(&config, &["verify", "--json", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_eq!(v["valid"], false);
        assert_eq!(v["credentials"], says);
    }

    // A file that cannot be read: exit 2.
    let missing = dir.path().join("missing.mp4");
    let o = vivant(&config, &["verify", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn opting_out_leaves_no_manifest_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let (out, o) = render(&config, dir.path(), "plain.mp4", &["--no-credentials"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("note: Content Credentials are off"),
        "{}",
        text(&o)
    );
    assert!(matches!(
        verify(&out),
        Err(vivant::export::credentials::VerifyError::NoManifest { .. })
    ));
    let o = vivant(&config, &["verify", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no Content Credentials"), "{}", text(&o));
    // No key was made for nothing.
    assert!(!config.exists());
}

#[test]
fn the_users_own_certificate_signs_and_a_bad_one_stops_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::own_certificate(&dir.path().join("theirs"));
    let config = dir.path().join("config");
    let (out, o) = render(
        &config,
        dir.path(),
        "own.mp4",
        &[
            "--signing-cert",
            cert.to_str().unwrap(),
            "--signing-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(verify(&out).expect("a manifest").valid);
    assert!(!config.exists(), "the self-issued signer was not needed");
    // A key that is not a key: exit 2, named, nothing written.
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a key").unwrap();
    let (out, o) = render(
        &config,
        dir.path(),
        "bad.mp4",
        &[
            "--signing-cert",
            cert.to_str().unwrap(),
            "--signing-key",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("bad.pem"), "{}", text(&o));
    assert!(!out.exists());
}

#[test]
fn the_visible_mark_lands_in_the_lower_right_corner_only() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let (plain, o) = render(&config, dir.path(), "plain.mp4", &["--no-credentials"]);
    assert!(o.status.success(), "{}", text(&o));
    let (marked, o) = render(
        &config,
        dir.path(),
        "marked.mp4",
        &["--no-credentials", "--watermark"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let frame = |p: &Path| {
        let png = p.with_extension("png");
        let st = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(p)
            .args(["-frames:v", "1"])
            .arg(&png)
            .status()
            .unwrap();
        assert!(st.success());
        image::open(&png).unwrap().to_rgb8()
    };
    let (a, b) = (frame(&plain), frame(&marked));
    let (w, h) = a.dimensions();
    let (x0, y0, mw, mh) = vivant::export::mark::placement(w, h);
    let diff = |x0: u32, y0: u32, x1: u32, y1: u32| {
        let mut d = 0u64;
        for y in y0..y1 {
            for x in x0..x1 {
                d += (0..3)
                    .map(|c| a.get_pixel(x, y)[c].abs_diff(b.get_pixel(x, y)[c]) as u64)
                    .sum::<u64>();
            }
        }
        d as f64 / ((x1 - x0) * (y1 - y0)).max(1) as f64
    };
    let inside = diff(x0, y0, x0 + mw, y0 + mh);
    let above = diff(0, 0, w, y0.saturating_sub(16));
    assert!(inside > 40.0, "the mark barely shows: {inside}");
    assert!(above < 1.0, "the frame changed away from the mark: {above}");
}

/// A key that is not the certificate's is found before any work (a test signature checked
/// against the certificate's public key): the user's own pair, exit 2 naming both files and
/// what to give; and a self-issued store whose key was swapped, with the remedy.
#[test]
fn a_key_that_is_not_the_certificates_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _) = common::own_certificate(&dir.path().join("a"));
    let (_, other_key) = common::own_certificate(&dir.path().join("b"));
    let config = dir.path().join("config");
    let started = std::time::Instant::now();
    let (out, o) = render(
        &config,
        dir.path(),
        "mismatch.mp4",
        &[
            "--signing-cert",
            cert.to_str().unwrap(),
            "--signing-key",
            other_key.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("is not the private key of the certificate")
            && said.contains("signer-chain.pem")
            && said.contains("signer-key.pem"),
        "{said}"
    );
    assert!(!out.exists());
    eprintln!("refused in {:.1} s", started.elapsed().as_secs_f64());
    // The self-issued store with another store's key.
    let store = dir.path().join("a");
    std::fs::copy(&other_key, store.join("signer-key.pem")).unwrap();
    let e = vivant::export::credentials::Signer::SelfIssued {
        folder: store.clone(),
    }
    .check()
    .expect_err("a swapped key");
    assert!(e.to_string().contains("remove signer-chain.pem"), "{e}");
}

/// A signing certificate for `spki`, valid over `validity` and issued by a fresh P-256 root,
/// written with its private key (`key_pem`) to `dir` as `<name>.pem` and `<name>-key.pem`.
fn issued_pair(
    dir: &Path,
    name: &str,
    validity: x509_cert::time::Validity,
    spki: x509_cert::spki::SubjectPublicKeyInfoOwned,
    key_pem: &str,
) -> (PathBuf, PathBuf) {
    use p256::ecdsa::{DerSignature, SigningKey};
    use p256::pkcs8::LineEnding;
    use std::str::FromStr;
    use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
    use x509_cert::der::EncodePem;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    let root_key = SigningKey::random(&mut rand_core::OsRng);
    let leaf = CertificateBuilder::new(
        Profile::Leaf {
            issuer: Name::from_str("CN=Test root").unwrap(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        SerialNumber::new(&[7]).unwrap(),
        validity,
        Name::from_str("CN=Test signer").unwrap(),
        spki,
        &root_key,
    )
    .unwrap()
    .build::<DerSignature>()
    .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (cert, key_path) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}-key.pem")),
    );
    std::fs::write(&cert, leaf.to_pem(LineEnding::LF).unwrap()).unwrap();
    std::fs::write(&key_path, key_pem).unwrap();
    (cert, key_path)
}

/// An expired P-256 signing certificate with its key (PEM), in `dir`.
fn expired_pair(dir: &Path) -> (PathBuf, PathBuf) {
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    use std::time::{Duration, SystemTime};
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::{Time, Validity};
    let day = Duration::from_secs(24 * 3600);
    let validity = Validity {
        not_before: Time::try_from(SystemTime::now() - 400 * day).unwrap(),
        not_after: Time::try_from(SystemTime::now() - 30 * day).unwrap(),
    };
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).unwrap();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    issued_pair(dir, "expired", validity, spki, &pem)
}

/// A valid signing certificate for a 1024-bit RSA key (too short for C2PA), with its key.
fn rsa_1024_pair(dir: &Path) -> (PathBuf, PathBuf) {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key()).unwrap();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let validity =
        x509_cert::time::Validity::from_now(std::time::Duration::from_secs(30 * 24 * 3600))
            .unwrap();
    issued_pair(dir, "rsa1024", validity, spki, &pem)
}

/// What is wrong with a certificate is said before any work, each case with what to do, and
/// nothing is written: an empty file, a key given as the certificate, the root first, a CA's
/// certificate as the signer, an expired one, a 1024-bit RSA key.
#[test]
fn certificate_problems_are_said_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::own_certificate(&dir.path().join("theirs"));
    let config = dir.path().join("config");
    let chain = std::fs::read_to_string(&cert).unwrap();
    let end = "-----END CERTIFICATE-----\n";
    let leaf_end = chain.find(end).unwrap() + end.len();
    let (leaf, root) = chain.split_at(leaf_end);
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let empty = write("empty.pem", "");
    let noise = write("noise.pem", "\u{0}\u{7f}binary\u{1}");
    let root_first = write("root-first.pem", &format!("{root}{leaf}"));
    let ca_only = write("ca.pem", root);
    let (expired, expired_key) = expired_pair(&dir.path().join("old"));
    let (short_rsa, short_rsa_key) = rsa_1024_pair(&dir.path().join("rsa"));
    for (cert, key, says) in [
        (&empty, &key, "empty"),
        (&noise, &key, "not a PEM file"),
        (&key, &key, "private key, not a certificate"),
        (&root_first, &key, "starts with a root"),
        (&ca_only, &key, "certificate authority"),
        (&expired, &expired_key, "expired on"),
        (&short_rsa, &short_rsa_key, "1024-bit RSA key"),
    ] {
        let (out, o) = render(
            &config,
            dir.path(),
            "signed.mp4",
            &[
                "--signing-cert",
                cert.to_str().unwrap(),
                "--signing-key",
                key.to_str().unwrap(),
            ],
        );
        let said = text(&o);
        assert_eq!(o.status.code(), Some(2), "{cert:?}: {said}");
        assert!(said.contains(says), "{cert:?}: {said}");
        assert!(!out.exists());
    }
}

/// Keys in forms the signing library does not read get the command that converts them
/// (a SEC1 EC key, a passphrase-protected key, both made by openssl from a working key), and
/// a damaged self-issued key names its folder and what to remove.
#[test]
fn keys_it_cannot_read_say_how_to_convert_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("theirs");
    let (cert, key) = common::own_certificate(&store);
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let sec1 = dir.path().join("sec1.pem");
    let locked = dir.path().join("locked.pem");
    let (k, s, l) = (
        key.to_str().unwrap(),
        sec1.to_str().unwrap(),
        locked.to_str().unwrap(),
    );
    openssl(&["ec", "-in", k, "-out", s]);
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        k,
        "-passout",
        "pass:secret",
        "-out",
        l,
    ]);
    assert!(
        std::fs::read_to_string(&sec1)
            .unwrap()
            .contains("BEGIN EC PRIVATE KEY")
    );
    let noise = dir.path().join("noise.pem");
    std::fs::write(&noise, [0u8, 159, 3, 77, 201, 12]).unwrap();
    for (key, says) in [
        (&sec1, "SEC1"),
        (&locked, "passphrase"),
        (&noise, "not PEM"),
    ] {
        let e = vivant::export::credentials::Signer::Own {
            cert: cert.clone(),
            key: key.clone(),
        }
        .check()
        .expect_err("a key the library cannot read");
        let said = e.to_string();
        assert!(
            said.contains(says) && said.contains("openssl pkcs8 -topk8 -nocrypt"),
            "{said}"
        );
        assert!(said.contains(key.to_str().unwrap()), "{said}");
    }
    // The self-issued store with a damaged key: its folder and what to do.
    std::fs::write(
        store.join("signer-key.pem"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n",
    )
    .unwrap();
    let e = vivant::export::credentials::Signer::SelfIssued {
        folder: store.clone(),
    }
    .check()
    .expect_err("a damaged key");
    let said = e.to_string();
    assert!(
        said.contains(store.to_str().unwrap()) && said.contains("remove signer-chain.pem"),
        "{said}"
    );
}

/// Peak resident memory of this process so far (Linux's VmHWM), MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kb / 1024.0
}

/// A lossless H.264 video of noise (nothing to compress), `seconds` long at 320×240 and
/// `scale` times that many rows, at `path`: about 3 MB a second for each `scale`.
fn lossless_noise(path: &Path, seconds: u32, scale: u32) {
    let st = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!(
            "nullsrc=size=320x{}:rate=25:duration={seconds},geq=random(1)*255:128:128",
            240 * scale
        ))
        .args(["-c:v", "libx264", "-qp", "0", "-preset", "ultrafast"])
        .arg(path)
        .status()
        .expect("ffmpeg");
    assert!(st.success());
}

/// Signing's memory does not grow with the export: the signing library hashes the video's
/// data in pieces of 16 MiB (third_party/README.md), so a video three times as long signs within
/// the same peak, where it once held a scratch copy of the whole file besides a hashing
/// buffer as big as the video's data (up to 256 MB). Run in a process of its own (this test
/// binary again, the child below alone), so that no other test's memory is counted.
#[test]
fn signing_memory_does_not_grow_with_the_video() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "signing_memory_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("VIVANT_SIGNING_MEMORY_DIR", dir.path())
        .output()
        .expect("run the child");
    let said = text(&o);
    assert!(o.status.success(), "{said}");
    assert!(said.contains("signed all"), "the child did not run: {said}");
    let line = said.lines().find(|l| l.contains("signed all"));
    eprintln!("{}", line.unwrap_or_default());
}

#[test]
fn signing_memory_child() {
    // Only as the child of the test above.
    let Some(dir) = std::env::var_os("VIVANT_SIGNING_MEMORY_DIR").map(PathBuf::from) else {
        return;
    };
    use vivant::export::credentials::{Provenance, Signer, SourceType, sign_mp4};
    let signer = Signer::SelfIssued {
        folder: dir.join("config"),
    };
    signer.check().expect("a signer");
    let provenance = Provenance {
        source_type: SourceType::CompositeWithTrainedAlgorithmicMedia,
        ingredients: Vec::new(),
        settings: serde_json::json!({}),
    };
    let (short, medium, long) = (
        dir.join("short.mp4"),
        dir.join("medium.mp4"),
        dir.join("long.mp4"),
    );
    // The short one first, so that what signing sets up once (the key, the library's
    // tables) is in the peak before the two that are compared.
    lossless_noise(&short, 1, 1);
    lossless_noise(&medium, 7, 2);
    lossless_noise(&long, 21, 2);
    let mb = |p: &Path| std::fs::metadata(p).unwrap().len() as f64 / 1e6;
    let sign = |p: &Path| {
        let out = p.with_extension("signed.mp4");
        sign_mp4(p, &out, "x.mp4", &provenance, &signer).expect("signed");
        assert!(verify(&out).expect("a manifest").valid);
    };
    sign(&short);
    let after_short = peak_mb();
    sign(&medium);
    let after_medium = peak_mb();
    sign(&long);
    let after_long = peak_mb();
    eprintln!(
        "signed all: {:.1}, {:.1} and {:.1} MB; peak {after_short:.1}, {after_medium:.1}, \
         then {after_long:.1} MB",
        mb(&short),
        mb(&medium),
        mb(&long)
    );
    // Both beyond two hashing pieces (what the library holds at once, reading the next
    // while it hashes one), the long one three times the medium.
    assert!(
        mb(&medium) > 36.0,
        "the medium video is {:.1} MB",
        mb(&medium)
    );
    assert!(
        mb(&long) > 2.9 * mb(&medium),
        "the long video is {:.1} MB",
        mb(&long)
    );
    // The pieces are freed on the library's hashing threads, so the allocator may keep one
    // more piece's worth about when the machine is busy (up to 15 MB seen with other tests
    // running); the library as published raised it by the whole added video (+84 MB).
    let more = mb(&long) - mb(&medium);
    assert!(
        after_long - after_medium < 16.8 + 8.0,
        "signing {more:.1} MB more raised the peak by {:.1} MB",
        after_long - after_medium
    );
    // Two pieces at most over the short one's peak, not the medium video's size again.
    assert!(
        after_medium - after_short < 2.0 * 16.8 + 8.0,
        "signing {:.1} MB raised the peak by {:.1} MB",
        mb(&medium),
        after_medium - after_short
    );
}
