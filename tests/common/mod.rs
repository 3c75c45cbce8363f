//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod hub;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The golden tensors for one fixture image (see tools/golden/).
pub struct GoldenFile(HashMap<String, Tensor>);

impl GoldenFile {
    pub fn load(name: &str) -> Self {
        let path = fixture(&format!("golden/{name}.safetensors"));
        Self(candle_core::safetensors::load(path, &Device::Cpu).expect("golden file"))
    }

    pub fn vec(&self, key: &str) -> Vec<f32> {
        self.0[key]
            .to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1())
            .expect(key)
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Make `dir/name` with the `ffmpeg` command (installed by `make test`).
pub fn ffmpeg(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("the ffmpeg command (make test installs it)");
    assert!(status.success(), "ffmpeg failed making {name}");
    out
}

/// Vivant's cache folder for the tests (`VIVANT_CACHE_DIR` for a `vivant` process), in cargo's
/// scratch folder for tests: the driving clips' analyses are shared by every test and test
/// binary (keyed by clip content, settings and version, so a hit is always right), and a clip
/// is tracked once per build rather than once per test.
pub fn cache_root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("vivant-cache")
}

/// The same analyses, for the library's `cache_dir`.
pub fn motion_cache() -> PathBuf {
    cache_root().join("motion")
}

/// ffprobe's JSON (streams and format) for a file.
pub fn ffprobe(path: &Path) -> serde_json::Value {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(path)
        .output()
        .expect("ffprobe (make test installs it)");
    assert!(out.status.success(), "ffprobe rejected {}", path.display());
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

/// The names in a folder, sorted (to check that nothing but the expected files is left).
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A certificate chain and key "of the user's own" for Content Credentials tests: made by
/// Vivant's self-issued signer in `folder`. Returns (chain, key) PEM paths.
pub fn own_certificate(folder: &Path) -> (PathBuf, PathBuf) {
    vivant::export::credentials::Signer::SelfIssued {
        folder: folder.to_path_buf(),
    }
    .check()
    .expect("a signer");
    (
        folder.join("signer-chain.pem"),
        folder.join("signer-key.pem"),
    )
}

/// Everything a sound source holds, interleaved.
pub fn read_all(src: &mut impl vivant::media::SampleSource) -> Vec<f32> {
    let mut all = Vec::new();
    let mut buf = vec![0.0f32; 4096];
    loop {
        let n = src.read(&mut buf).expect("read");
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n]);
    }
}

/// Start of the first run of samples above 0.5 (a click, a tone starting), seconds.
pub fn onset(x: &[f32], rate: u32) -> f64 {
    x.iter().position(|v| v.abs() > 0.5).unwrap_or(usize::MAX) as f64 / rate as f64
}

/// A frame drawn with a keep-still `mask` (`kept`) against the same frame without it
/// (`free`), over the portrait `src`: every pixel the mask covers in full is the portrait's,
/// every pixel it leaves free is the maskless frame's. The pixels covered, and how many of
/// them the maskless frame had changed.
pub fn check_kept_still(
    kept: &image::RgbImage,
    free: &image::RgbImage,
    src: &image::RgbImage,
    mask: &vivant::render::StillMask,
) -> (usize, usize) {
    let (mut under, mut changed) = (0, 0);
    for (x, y, p) in kept.enumerate_pixels() {
        match mask.at(x, y) {
            255 => {
                under += 1;
                assert_eq!(p, src.get_pixel(x, y), "({x}, {y}) under the stroke");
                changed += (free.get_pixel(x, y) != src.get_pixel(x, y)) as usize;
            }
            0 => assert_eq!(p, free.get_pixel(x, y), "({x}, {y}) beyond the stroke"),
            _ => {}
        }
    }
    (under, changed)
}

/// `img` with a crease drawn across the forehead of its face `face`: a line `up` of the
/// brow-to-chin height above the brows' peaks (points 19 to 24), level with the face,
/// darkened by `depth` (0.25: a quarter) along its middle and fading over about a pixel
/// either side, as a real forehead crease looks in a webcam's frame. Also the line's ends, in
/// the picture's pixels.
pub fn with_crease(
    img: &image::RgbImage,
    face: &vivant::geometry::Face68,
    up: f32,
    depth: f32,
) -> (image::RgbImage, [[f32; 2]; 2]) {
    let ends = crease_line(face, up);
    let mut out = img.clone();
    for (x, y, p) in out.enumerate_pixels_mut() {
        let d =
            vivant::geometry::segment_distance([x as f32 + 0.5, y as f32 + 0.5], ends[0], ends[1]);
        let k = 1.0 - depth * (-(d * d) / (2.0 * 1.2 * 1.2)).exp();
        for c in p.0.iter_mut() {
            *c = (*c as f32 * k).round() as u8;
        }
    }
    (out, ends)
}

/// The forehead line `with_crease` draws, for a face `face`: its two ends.
pub fn crease_line(face: &vivant::geometry::Face68, up: f32) -> [[f32; 2]; 2] {
    let down = face.down();
    let brows = vivant::geometry::mean(&face.pick(&vivant::geometry::parts::BROW_ARCH));
    let h = up * vivant::geometry::dist(brows, face[vivant::geometry::parts::CHIN]);
    [19, 24].map(|i| [face[i][0] - down[0] * h, face[i][1] - down[1] * h])
}
