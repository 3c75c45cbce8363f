//! The layers' generic path (candle tensor ops only: what CUDA and Metal run) against the
//! reference outputs, on the CPU. Its own test binary: the switch is process-wide.

use candle_core::{DType, Device};
use vivant::face::Analyzer;
use vivant::face::nn::force_generic_ops;
use vivant::models::ModelSource;

fn golden(key: &str) -> Vec<f32> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/astronaut.safetensors"
    );
    let t = candle_core::safetensors::load(path, &Device::Cpu).expect("golden");
    t[key]
        .to_dtype(DType::F32)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1())
        .expect(key)
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn generic_layers_match_the_reference_runtimes() {
    force_generic_ops(true);
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let (reg, logits) = a.detector.run_raw(golden("det_input")).expect("detector");
    let d_det = max_abs_diff(&reg, &golden("det_regressors"))
        .max(max_abs_diff(&logits, &golden("det_logits")));
    let mesh_in: Vec<f32> = golden("mesh_input").iter().map(|v| v * 255.0).collect();
    let (mesh, _) = a.mesh.run_raw(mesh_in).expect("mesh");
    let d_mesh = max_abs_diff(&mesh, &golden("mesh_raw"));
    let lm = a.landmarks.run_raw(golden("lm_input")).expect("68");
    let d_lm = max_abs_diff(&lm, &golden("lm_raw"));
    force_generic_ops(false);
    eprintln!("generic ops: detector Δ {d_det:.2e}, mesh Δ {d_mesh:.2e}, 68 Δ {d_lm:.2e}");
    assert!(d_det < 1e-3 && d_mesh < 1e-3 && d_lm < 1e-3);
}
