//! Parity with the reference runtimes (TFLite for BlazeFace and the mesh, face-api on tfjs for
//! the 68-point net). Goldens come from tools/golden/run.sh; see tools/golden/make_golden.py.
//! Raw network outputs must agree within 1e-3, landmark positions within 0.5 px.

mod common;

use candle_core::Device;
use common::{GoldenFile, fixture, max_abs_diff};
use image::RgbImage;
use vivant::face::detector::{self, Detection};
use vivant::face::landmarks68::{Crop, FaceApiCrop};
use vivant::face::{Analyzer, mesh};
use vivant::media::load_image;
use vivant::models::ModelSource;

const RAW_TOL: f32 = 1e-3;
const PX_TOL: f32 = 0.5;

struct Golden {
    g: GoldenFile,
    image: RgbImage,
}

impl Golden {
    fn load(name: &str) -> Self {
        let image = load_image(fixture(&format!("{name}.png")))
            .expect("image")
            .rgb8();
        Self {
            g: GoldenFile::load(name),
            image,
        }
    }

    fn vec(&self, key: &str) -> Vec<f32> {
        self.g.vec(key)
    }
}

fn analyzer() -> Analyzer {
    Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer")
}

fn max_point_dist(a: &[[f32; 2]], b: &[f32]) -> f32 {
    assert_eq!(a.len() * 2, b.len());
    a.iter()
        .zip(b.chunks_exact(2))
        .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt())
        .fold(0.0, f32::max)
}

fn golden_detection(g: &Golden) -> Detection {
    let b = g.vec("det_bbox");
    let k = g.vec("det_keypoints");
    let mut keypoints = [[0f32; 2]; 6];
    for (i, kp) in keypoints.iter_mut().enumerate() {
        *kp = [k[2 * i], k[2 * i + 1]];
    }
    Detection {
        bbox: [b[0], b[1], b[2], b[3]],
        score: g.vec("det_score")[0],
        keypoints,
    }
}

const IMAGES: [&str; 2] = ["astronaut", "tanguy"];

#[test]
fn detector_raw_outputs_match_tflite() {
    let a = analyzer();
    for name in IMAGES {
        let g = Golden::load(name);
        let (reg, logits) = a.detector.run_raw(g.vec("det_input")).expect("run");
        let d_reg = max_abs_diff(&reg, &g.vec("det_regressors"));
        let d_log = max_abs_diff(&logits, &g.vec("det_logits"));
        eprintln!("{name}: detector regressors Δ {d_reg:.2e}, logits Δ {d_log:.2e}");
        assert!(
            d_reg < RAW_TOL && d_log < RAW_TOL,
            "{name}: {d_reg} {d_log}"
        );
    }
}

#[test]
fn detector_positions_match_reference_pipeline() {
    let a = analyzer();
    for name in IMAGES {
        let g = Golden::load(name);
        // Preprocessing: our letterbox against the golden input (stored as f16).
        let ours = detector::preprocess(
            &g.image,
            &detector::letterbox(g.image.width(), g.image.height()),
        );
        let d_in = max_abs_diff(&ours, &g.vec("det_input"));
        assert!(d_in < 2e-3, "{name}: detector input Δ {d_in}");
        let dets = a.detector.detect(&g.image).expect("detect");
        assert_eq!(dets.len(), 1, "{name}: one face");
        let want = golden_detection(&g);
        let d_box = max_abs_diff(&dets[0].bbox, &want.bbox);
        let kp: Vec<f32> = want.keypoints.iter().flatten().copied().collect();
        let d_kp = max_point_dist(&dets[0].keypoints, &kp);
        eprintln!("{name}: box Δ {d_box:.3} px, keypoints Δ {d_kp:.3} px");
        assert!(d_box < PX_TOL && d_kp < PX_TOL, "{name}: {d_box} {d_kp}");
        assert!((dets[0].score - want.score).abs() < RAW_TOL);
    }
}

#[test]
fn mesh_raw_outputs_match_tflite() {
    let a = analyzer();
    for name in IMAGES {
        let g = Golden::load(name);
        let input: Vec<f32> = g.vec("mesh_input").iter().map(|v| v * 255.0).collect();
        let (raw, logit) = a.mesh.run_raw(input).expect("run");
        let d = max_abs_diff(&raw, &g.vec("mesh_raw"));
        let d_flag = (logit - g.vec("mesh_logit")[0]).abs();
        eprintln!("{name}: mesh Δ {d:.2e}, presence logit Δ {d_flag:.2e}");
        assert!(d < RAW_TOL && d_flag < RAW_TOL, "{name}: {d} {d_flag}");
    }
}

#[test]
fn mesh_positions_match_reference_pipeline() {
    let a = analyzer();
    for name in IMAGES {
        let g = Golden::load(name);
        let det = golden_detection(&g);
        let res = a
            .mesh
            .detect(&g.image, &mesh::roi(det.bbox, det.roll()))
            .expect("mesh");
        let want = g.vec("mesh_points");
        let xy: Vec<[f32; 2]> = res.points.iter().map(|p| [p[0], p[1]]).collect();
        let want_xy: Vec<f32> = want.chunks_exact(3).flat_map(|p| [p[0], p[1]]).collect();
        let d = max_point_dist(&xy, &want_xy);
        let dz = res
            .points
            .iter()
            .zip(want.chunks_exact(3))
            .map(|(p, q)| (p[2] - q[2]).abs())
            .fold(0.0, f32::max);
        eprintln!("{name}: mesh points Δ {d:.3} px, z Δ {dz:.3}");
        assert!(d < PX_TOL && dz < PX_TOL, "{name}: {d} {dz}");
    }
}

#[test]
fn landmarks68_raw_outputs_match_face_api() {
    let a = analyzer();
    for name in IMAGES {
        let g = Golden::load(name);
        let raw = a.landmarks.run_raw(g.vec("lm_input")).expect("run");
        let d = max_abs_diff(&raw, &g.vec("lm_raw"));
        eprintln!("{name}: 68-point raw Δ {d:.2e}");
        assert!(d < RAW_TOL, "{name}: {d}");
    }
}

#[test]
fn landmarks68_positions_match_face_api() {
    let a = analyzer();
    for name in IMAGES {
        let g = Golden::load(name);
        let b = g.vec("lm_box");
        let bbox = [b[0], b[1], b[2], b[3]];
        let crop = FaceApiCrop::new(&g.image, bbox).expect("crop");
        let d_in = max_abs_diff(&crop.pixels(&g.image), &g.vec("lm_input"));
        assert!(d_in < 1e-2, "{name}: crop pixels Δ {d_in}");
        let pts = a
            .landmarks
            .detect(&g.image, Crop::FaceApi { bbox })
            .expect("68");
        let d = max_point_dist(&pts, &g.vec("lm_points"));
        eprintln!("{name}: 68 points Δ {d:.3} px");
        assert!(d < PX_TOL, "{name}: {d}");
    }
}
