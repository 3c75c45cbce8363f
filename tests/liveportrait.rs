//! Parity of the neural engine's networks with the reference implementation (LivePortrait).
//!
//! The golden folder (`VIVANT_LIVEPORTRAIT_GOLDEN`, default `tests/fixtures/liveportrait`) holds
//! reduced-width networks with seeded weights in both checkpoint formats, and `io.safetensors`:
//! every network's inputs and outputs and the per-frame keypoint arithmetic, made by running
//! the reference code in float32. Nothing about the set is assumed here: widths, depths,
//! keypoint count and input size come from its config and tensors, and the frame count from
//! the tensors present.
//!
//! Tolerance of each check (from the golden README): the float32 rounding error of the
//! reference itself, measured against a float64 run (`stats.json`, the larger of the chained
//! and the per-module figure), times 10, and at least 1e-5 for keypoint-sized tensors and
//! 1e-4 for feature volumes and images (tensors of rank ≥ 4); pose angles are in degrees, so
//! their floor is 57.3× the keypoints'.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use vivant::neural::LivePortrait;
use vivant::neural::keypoints::{self, KpInfo};
use vivant::nn::{CpuPath, with_cpu_path};

fn golden_dir() -> PathBuf {
    std::env::var_os("VIVANT_LIVEPORTRAIT_GOLDEN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/liveportrait")
        })
}

struct Golden {
    tensors: HashMap<String, Tensor>,
    /// Per tensor: max |f32 − f64| of the reference (chain, isolated).
    f64_diff: HashMap<String, f64>,
}

impl Golden {
    fn load() -> Golden {
        let dir = golden_dir();
        let tensors = candle_core::safetensors::load(dir.join("io.safetensors"), &Device::Cpu)
            .unwrap_or_else(|e| panic!("{}/io.safetensors: {e}", dir.display()));
        let mut f64_diff = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(dir.join("stats.json")) {
            let stats: serde_json::Value = serde_json::from_str(&text).expect("stats.json");
            if let Some(map) = stats["tensors"].as_object() {
                for (name, s) in map {
                    let chain = s["f64_max_abs_diff"].as_f64().unwrap_or(0.0);
                    let alone = s["f64_isolated_max_abs_diff"].as_f64().unwrap_or(0.0);
                    f64_diff.insert(name.clone(), chain.max(alone));
                }
            }
        }
        Golden { tensors, f64_diff }
    }

    fn get(&self, name: &str) -> &Tensor {
        self.tensors
            .get(name)
            .unwrap_or_else(|| panic!("io.safetensors has no {name}"))
    }

    fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    fn vec(&self, name: &str) -> Vec<f32> {
        self.get(name)
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    }

    fn keypoints(&self, name: &str) -> Vec<[f32; 3]> {
        self.vec(name)
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect()
    }

    fn tolerance(&self, name: &str) -> f64 {
        let rank = self.get(name).rank();
        let degrees = [".pitch", ".yaw", ".roll"]
            .iter()
            .any(|a| name.contains("kp_info") && name.ends_with(a));
        // Angles in degrees: the keypoint floor × 57.3 (the README's scale). The reference
        // computes Σ pᵢ·i·3 ≈ 100 before subtracting 97.5, where one f32 step is 7.6e-6.
        let floor = if rank >= 4 {
            1e-4
        } else if degrees {
            1e-5 * 57.3
        } else {
            1e-5
        };
        (10.0 * self.f64_diff.get(name).copied().unwrap_or(0.0)).max(floor)
    }
}

/// Every comparison made, for one report and one failure listing all misses.
struct Checks<'a> {
    golden: &'a Golden,
    label: String,
    rows: Vec<(String, f64, f64)>,
}

impl<'a> Checks<'a> {
    fn new(golden: &'a Golden, label: &str) -> Self {
        Checks {
            golden,
            label: label.into(),
            rows: Vec::new(),
        }
    }

    fn values(&mut self, name: &str, got: &[f32]) {
        let expected = self.golden.vec(name);
        assert_eq!(
            got.len(),
            expected.len(),
            "{}: {name} has {} values, expected {}",
            self.label,
            got.len(),
            expected.len()
        );
        let diff = got
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs() as f64)
            .fold(
                0.0,
                |m, d| if d.is_nan() { f64::INFINITY } else { m.max(d) },
            );
        self.rows
            .push((name.into(), diff, self.golden.tolerance(name)));
    }

    fn tensor(&mut self, name: &str, got: &Tensor) {
        assert_eq!(
            got.dims(),
            self.golden.get(name).dims(),
            "{}: shape of {name}",
            self.label
        );
        let v = got.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        self.values(name, &v);
    }

    fn keypoints(&mut self, name: &str, got: &[[f32; 3]]) {
        let flat: Vec<f32> = got.iter().flatten().copied().collect();
        self.values(name, &flat);
    }

    fn finish(self) {
        let mut misses = Vec::new();
        println!("{}: {} tensors", self.label, self.rows.len());
        for (name, diff, tol) in &self.rows {
            let ok = diff <= tol;
            println!(
                "  {name:<32} max |Δ| {diff:.3e}  tolerance {tol:.3e}  {}",
                if ok { "ok" } else { "MISS" }
            );
            if !ok {
                misses.push(format!("{name}: {diff:.3e} > {tol:.3e}"));
            }
        }
        assert!(misses.is_empty(), "{}: {}", self.label, misses.join("; "));
    }
}

fn info_checks(c: &mut Checks, prefix: &str, info: &KpInfo) {
    c.values(&format!("{prefix}.kp_info.pitch"), &[info.pitch]);
    c.values(&format!("{prefix}.kp_info.yaw"), &[info.yaw]);
    c.values(&format!("{prefix}.kp_info.roll"), &[info.roll]);
    c.values(&format!("{prefix}.kp_info.t"), &info.t);
    c.keypoints(&format!("{prefix}.kp_info.exp"), &info.exp);
    c.values(&format!("{prefix}.kp_info.scale"), &[info.scale]);
    c.keypoints(&format!("{prefix}.kp_info.kp"), &info.kp);
    let r = info.rotation();
    let flat: Vec<f32> = r.iter().flatten().copied().collect();
    c.values(&format!("{prefix}.R"), &flat);
}

/// Every network on its golden inputs, and the whole keypoint pipeline from the images.
fn check_all(lp: &LivePortrait, g: &Golden, label: &str) {
    let mut c = Checks::new(g, label);

    // Networks alone.
    c.tensor(
        "F.output",
        &lp.appearance_features(g.get("F.input")).unwrap(),
    );
    let m = lp.motion_output(g.get("M.input")).unwrap();
    for (name, t) in [
        ("pitch", &m.pitch),
        ("yaw", &m.yaw),
        ("roll", &m.roll),
        ("t", &m.t),
        ("exp", &m.exp),
        ("scale", &m.scale),
        ("kp", &m.kp),
    ] {
        c.tensor(&format!("M.out.{name}"), t);
    }
    let w = lp
        .warp(
            g.get("W.feature"),
            &g.keypoints("W.kp_source"),
            &g.keypoints("W.kp_driving"),
        )
        .unwrap();
    c.tensor("W.out.out", &w.out);
    c.tensor("W.out.occlusion_map", &w.occlusion);
    c.tensor("W.out.deformation", &w.deformation);
    c.tensor("W.dbg.hourglass_input", &w.hourglass_input);
    c.tensor("W.dbg.mask", &w.mask);
    c.tensor("W.dbg.warped_feature", &w.warped_feature);
    let on = |name: &str| g.get(name).to_device(lp.device()).unwrap();
    c.tensor("G.output", &lp.generator.forward(&on("G.input")).unwrap());
    for (name, mlp) in [
        ("stitching", &lp.stitching.stitching),
        ("lip", &lp.stitching.lip),
        ("eye", &lp.stitching.eye),
    ] {
        let out = mlp.forward(&on(&format!("S.{name}.input"))).unwrap();
        c.tensor(&format!("S.{name}.output"), &out);
    }

    // The pipeline: source, driving frames, relative motion, stitching, images.
    let source = lp.prepare_source(g.get("P.source.input")).unwrap();
    info_checks(&mut c, "P.source", &source.info);
    c.keypoints("P.source.x_s", &source.x_s);
    let frames = (0..)
        .take_while(|i| g.has(&format!("P.driving.{i}.input")))
        .count();
    assert!(frames > 0, "no driving frames in the golden set");
    let driving: Vec<KpInfo> = (0..frames)
        .map(|i| {
            let info = lp.motion(g.get(&format!("P.driving.{i}.input"))).unwrap();
            info_checks(&mut c, &format!("P.driving.{i}"), &info);
            info
        })
        .collect();
    let x_s = &source.x_s;
    let mut x_d_frames = Vec::new();
    for (i, d) in driving.iter().enumerate() {
        let p = format!("P.frame.{i}");
        let rel = keypoints::relative_motion(&source.info, &driving[0], d);
        let flat: Vec<f32> = rel.rotation.iter().flatten().copied().collect();
        c.values(&format!("{p}.R_new"), &flat);
        c.keypoints(&format!("{p}.delta_new"), &rel.exp);
        c.values(&format!("{p}.scale_new"), &[rel.scale]);
        c.values(&format!("{p}.t_new"), &rel.t);
        c.keypoints(&format!("{p}.x_d"), &rel.x_d);
        c.values(
            &format!("{p}.stitch_delta"),
            &lp.stitch_delta(x_s, &rel.x_d).unwrap(),
        );
        let stitched = lp.stitch(x_s, &rel.x_d).unwrap();
        c.keypoints(&format!("{p}.x_d_stitched"), &stitched);
        let last = keypoints::lerp(x_s, &stitched, 1.0);
        c.keypoints(&format!("{p}.x_d_final"), &last);
        let image = lp.warp_decode(&source.feature, x_s, &last).unwrap();
        c.tensor(&format!("{p}.image"), &image);
        x_d_frames.push(rel.x_d);
    }

    // Expression-friendly: the multiplier from the hull volumes at the reference frame.
    let m = keypoints::motion_multiplier(x_s, &x_d_frames[0]);
    c.values("P.exprfriendly.motion_multiplier", &[m]);
    for (i, x_d) in x_d_frames.iter().enumerate() {
        let p = format!("P.exprfriendly.{i}");
        let moved: Vec<[f32; 3]> = x_d
            .iter()
            .zip(&x_d_frames[0])
            .zip(x_s)
            .map(|((a, b), s)| {
                [
                    (a[0] - b[0]) * m + s[0],
                    (a[1] - b[1]) * m + s[1],
                    (a[2] - b[2]) * m + s[2],
                ]
            })
            .collect();
        c.keypoints(&format!("{p}.x_d"), &moved);
        let stitched = lp.stitch(x_s, &moved).unwrap();
        c.keypoints(&format!("{p}.x_d_stitched"), &stitched);
        c.keypoints(
            &format!("{p}.x_d_final"),
            &keypoints::lerp(x_s, &stitched, 1.0),
        );
    }

    // Lip normalisation: a closed-lip offset added to every stitched frame.
    let ratio = g.vec("P.normlip.lip_ratio");
    let lip_delta = lp.retarget_lip(x_s, [ratio[0], ratio[1]]).unwrap();
    c.keypoints("P.normlip.lip_delta", &lip_delta);
    for (i, x_d) in x_d_frames.iter().enumerate() {
        let stitched = lp.stitch(x_s, x_d).unwrap();
        let with_lip: Vec<[f32; 3]> = stitched
            .iter()
            .zip(&lip_delta)
            .map(|(a, b)| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
            .collect();
        c.keypoints(
            &format!("P.normlip.{i}.x_d_final"),
            &keypoints::lerp(x_s, &with_lip, 1.0),
        );
    }

    // Eye and lip retargeting: x_d = x_s + Δ_eyes + Δ_lip, then stitching.
    let eye = g.vec("P.retarget.eye_ratio");
    let lip = g.vec("P.retarget.lip_ratio");
    let eyes_delta = lp.retarget_eye(x_s, [eye[0], eye[1], eye[2]]).unwrap();
    let lip_delta = lp.retarget_lip(x_s, [lip[0], lip[1]]).unwrap();
    c.keypoints("P.retarget.eyes_delta", &eyes_delta);
    c.keypoints("P.retarget.lip_delta", &lip_delta);
    let x_d: Vec<[f32; 3]> = x_s
        .iter()
        .zip(&eyes_delta)
        .zip(&lip_delta)
        .map(|((s, e), l)| [s[0] + e[0] + l[0], s[1] + e[1] + l[1], s[2] + e[2] + l[2]])
        .collect();
    c.keypoints("P.retarget.x_d", &x_d);
    let stitched = lp.stitch(x_s, &x_d).unwrap();
    c.keypoints("P.retarget.x_d_stitched", &stitched);
    let last = keypoints::lerp(x_s, &stitched, 1.0);
    c.keypoints("P.retarget.x_d_final", &last);
    c.tensor(
        "P.retarget.image",
        &lp.warp_decode(&source.feature, x_s, &last).unwrap(),
    );
    c.finish();
}

/// Both checkpoint formats on the default CPU kernels, then every other CPU path this machine
/// has (each instruction set with and without the Winograd form, and the generic ops that CUDA
/// and Metal run), each on its own thread (the path is chosen per thread).
#[test]
fn every_golden_tensor_matches_from_pth_and_safetensors_and_on_every_path() {
    let g = Golden::load();
    let dir = golden_dir();
    let dev = Device::Cpu;
    for format in ["pth", "safetensors"] {
        let lp = LivePortrait::load(&dir.join(format), &dev)
            .unwrap_or_else(|e| panic!("loading {format}: {e}"));
        check_all(&lp, &g, &format!("cpu kernels, {format}"));
    }
    std::thread::scope(|s| {
        for path in CpuPath::all() {
            let (g, dir, dev) = (&g, &dir, &dev);
            s.spawn(move || {
                with_cpu_path(path, || {
                    let lp = LivePortrait::load(&dir.join("safetensors"), dev)
                        .unwrap_or_else(|e| panic!("loading on {}: {e}", path.describe()));
                    check_all(&lp, g, &format!("{}, safetensors", path.describe()));
                })
            });
        }
    });
    // The device named by VIVANT_TEST_DEVICE (cuda or metal), when the build has it.
    if let Ok(name) = std::env::var("VIVANT_TEST_DEVICE") {
        let choice: vivant::face::DeviceChoice = name.parse().expect("VIVANT_TEST_DEVICE");
        let device = choice.device().expect("the requested device");
        let lp =
            LivePortrait::load(&dir.join("safetensors"), &device).expect("loading on the device");
        check_all(&lp, &g, &format!("{name}, safetensors"));
    }
}

// ---- `vivant models check`: a real folder is described, a bad one refused by name ----------

fn vivant(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vivant"))
        .args(args)
        .output()
        .expect("run vivant")
}

fn check(dir: &Path, json: bool) -> std::process::Output {
    let mut args = vec![
        std::ffi::OsStr::new("models"),
        "check".as_ref(),
        dir.as_os_str(),
    ];
    if json {
        args.push("--json".as_ref());
    }
    vivant(&args)
}

/// A writable copy of one of the golden weight folders.
fn copy_of(format: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(golden_dir().join(format)).expect("golden folder") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).expect("copy");
    }
    tmp
}

#[test]
fn models_check_describes_both_formats() {
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("config.json")).expect("config"),
    )
    .expect("config.json");
    for format in ["pth", "safetensors"] {
        let dir = golden_dir().join(format);
        let o = check(&dir, true);
        assert!(
            o.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let nets = v["networks"].as_array().expect("networks");
        assert_eq!(nets.len(), 5);
        for n in nets {
            assert_eq!(n["format"], format);
            assert_eq!(n["dtype"], "f32");
            assert!(n["parameters"].as_u64().is_some_and(|p| p > 0));
            // The SHA-256 is the file's.
            let file = PathBuf::from(n["file"].as_str().expect("file"));
            let bytes = std::fs::read(&file).expect("weights file");
            use sha2::Digest;
            let expected: String = sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(n["sha256"], expected.as_str(), "{}", file.display());
        }
        // What the reference hard-codes outside models.yaml was read from the tensors.
        let not_in_yaml = &golden["not_in_models_yaml"];
        if let Some(dims) = not_in_yaml["motion_extractor.convnextv2.dims"]["value"].as_array() {
            assert_eq!(v["motion_backbone_dims"].as_array(), Some(dims));
        }
        if let Some(depths) = not_in_yaml["motion_extractor.convnextv2.depths"]["value"].as_array()
        {
            assert_eq!(v["motion_backbone_depths"].as_array(), Some(depths));
        }
        assert_eq!(
            v["config"]["motion_extractor_params"]["num_kp"],
            golden["model_params"]["motion_extractor_params"]["num_kp"]
        );
        // The text form names every network.
        let o = check(&dir, false);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && text.contains("all five networks build"),
            "{text}"
        );
    }
}

fn assert_refused(dir: &Path, must_name: &[&str]) {
    let o = check(dir, false);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for name in must_name {
        assert!(err.contains(name), "the message should name {name}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn models_check_refuses_missing_truncated_corrupt_misshapen_and_mistyped_files() {
    // Not a folder at all.
    assert_refused(Path::new("/nonexistent/liveportrait"), &["does not exist"]);

    // A network missing.
    let dir = copy_of("safetensors");
    std::fs::remove_file(dir.path().join("warping_module.safetensors")).expect("remove");
    assert_refused(
        dir.path(),
        &[
            "warping network",
            "warping_module.pth",
            "warping_module.safetensors",
        ],
    );

    // A .pth cut in half (an interrupted download).
    let dir = copy_of("pth");
    let path = dir.path().join("spade_generator.pth");
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    assert_refused(dir.path(), &["spade_generator.pth", "download it again"]);

    // A .safetensors whose header is overwritten.
    let dir = copy_of("safetensors");
    let path = dir.path().join("motion_extractor.safetensors");
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[8..72].fill(b'#');
    std::fs::write(&path, &bytes).expect("corrupt");
    assert_refused(dir.path(), &["motion_extractor.safetensors"]);

    // A tensor of the wrong shape, and one of an integer type.
    for (tensor, make) in [("first.conv.weight", 0usize), ("second.bias", 1usize)] {
        let dir = copy_of("safetensors");
        let path = dir.path().join("appearance_feature_extractor.safetensors");
        let mut map = candle_core::safetensors::load(&path, &Device::Cpu).expect("load");
        let old = map.get(tensor).expect("tensor").clone();
        let new = if make == 0 {
            Tensor::zeros(old.elem_count() * 2, candle_core::DType::F32, &Device::Cpu)
                .expect("zeros")
        } else {
            Tensor::zeros(old.dims(), candle_core::DType::I64, &Device::Cpu).expect("zeros")
        };
        map.insert(tensor.to_string(), new);
        candle_core::safetensors::save(&map, &path).expect("save");
        assert_refused(
            dir.path(),
            &["appearance_feature_extractor.safetensors", tensor],
        );
    }

    // A config.json that is not JSON, and one whose sizes contradict each other.
    let dir = copy_of("pth");
    std::fs::write(dir.path().join("config.json"), "{ not json").expect("write");
    assert_refused(dir.path(), &["config.json"]);
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"model_params": {"appearance_feature_extractor_params": {"reshape_depth": 3}}}"#,
    )
    .expect("write");
    assert_refused(dir.path(), &["config.json", "reshape_depth"]);
}

/// The crop the networks see, placed from 68 points, against the reference's own crop code
/// run on the same points (`crop.safetensors`: a painting, a photo and a second painting; the
/// source and the driving settings).
#[test]
fn crop_transforms_match_the_reference() {
    use vivant::geometry::Face68;
    use vivant::neural::crop::{CropSettings, crop_transform};
    let path = golden_dir().join("crop.safetensors");
    let t = candle_core::safetensors::load(&path, &Device::Cpu)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows = |name: &str| -> Vec<Vec<f32>> {
        t.get(name)
            .unwrap_or_else(|| panic!("crop.safetensors has no {name}"))
            .to_vec2::<f32>()
            .expect("2-D")
    };
    for img in ["img0", "img1", "img2"] {
        let pts = rows(&format!("crop.{img}.pts68"));
        let face = Face68::try_from(pts.iter().map(|p| [p[0], p[1]]).collect::<Vec<_>>())
            .expect("68 points");
        for (kind, settings) in [
            ("source", CropSettings::SOURCE),
            ("driving", CropSettings::DRIVING),
        ] {
            let m = crop_transform(&face, &settings, 512.0);
            let want = rows(&format!("crop.{img}.{kind}.M_o2c"));
            let got = [[m.a, -m.b, m.tx], [m.b, m.a, m.ty]];
            // The reference works in float32 and turns the face's axis into an angle with
            // acos(ux₀) before taking cos and sin of it again; acos's slope 1/|sin θ| turns a
            // few f32 steps of ux₀ into 1e-5 of angle on a nearly upright face. So each
            // rotation entry may differ by s·δ/|sin θ| (δ: 4 steps of f32 at 1, s the scale),
            // and a translation by that times the face centre's distance from the origin, on
            // top of its own rounding (~1e-4 px on a few hundred pixels).
            let s = (m.a as f64).hypot(m.b as f64);
            let sin = (m.b as f64 / s).abs().max(1e-4);
            let rot_tol = 1e-5 + s * 4.0 * f32::EPSILON as f64 / 2.0 / sin;
            let centre = face
                .iter()
                .fold(0f64, |acc, p| acc.max(p[0].abs().max(p[1].abs()) as f64));
            for r in 0..2 {
                for c in 0..3 {
                    let tol = if c == 2 {
                        2e-3 + 2.0 * centre * rot_tol
                    } else {
                        rot_tol
                    };
                    assert!(
                        ((got[r][c] - want[r][c]).abs() as f64) <= tol,
                        "{img} {kind} M[{r}][{c}]: {} vs reference {} (tolerance {tol:e})",
                        got[r][c],
                        want[r][c]
                    );
                }
            }
            assert_eq!(want[2], vec![0.0, 0.0, 1.0]);
            if kind == "source" {
                // The points land where the reference puts them in the crop.
                let crop_pts = rows(&format!("crop.{img}.source.pt_crop"));
                for (p, q) in face.iter().zip(&crop_pts) {
                    let g = m.apply(*p);
                    assert!(
                        (g[0] - q[0]).abs() < 2e-3 && (g[1] - q[1]).abs() < 2e-3,
                        "{img}: {g:?} vs {q:?}"
                    );
                }
            }
        }
    }
}
