//! The layers' generic path (candle tensor ops only: what CUDA and Metal run) against the
//! reference outputs, on the CPU.

mod common;

use candle_core::Device;
use common::{GoldenFile, max_abs_diff};
use vivant::face::Analyzer;
use vivant::models::ModelSource;
use vivant::nn::{CpuPath, with_cpu_path};

#[test]
fn generic_layers_match_the_reference_runtimes() {
    let g = GoldenFile::load("astronaut");
    let golden = |k: &str| g.vec(k);
    let (d_det, d_mesh, d_lm) = with_cpu_path(CpuPath::Generic, || {
        let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
        let (reg, logits) = a.detector.run_raw(golden("det_input")).expect("detector");
        let d_det = max_abs_diff(&reg, &golden("det_regressors"))
            .max(max_abs_diff(&logits, &golden("det_logits")));
        let mesh_in: Vec<f32> = golden("mesh_input").iter().map(|v| v * 255.0).collect();
        let (mesh, _) = a.mesh.run_raw(mesh_in).expect("mesh");
        let d_mesh = max_abs_diff(&mesh, &golden("mesh_raw"));
        let lm = a.landmarks.run_raw(golden("lm_input")).expect("68");
        let d_lm = max_abs_diff(&lm, &golden("lm_raw"));
        (d_det, d_mesh, d_lm)
    });
    eprintln!("generic ops: detector Δ {d_det:.2e}, mesh Δ {d_mesh:.2e}, 68 Δ {d_lm:.2e}");
    assert!(d_det < 1e-3 && d_mesh < 1e-3 && d_lm < 1e-3);
}
