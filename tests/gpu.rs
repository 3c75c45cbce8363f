//! The warp engine's GPU back end (wgpu) gives the CPU back end's pictures, also where the face
//! shrinks and both read the mip pyramid, with a real mouth laid into an opened one and eyes
//! opened wider, a driver's crease laid on, and on odd image sizes (whose mip levels round down).
//! CI runs it on Mesa's software Vulkan adapter (lavapipe), installed by `make test`.

mod common;

use std::path::Path;
use std::sync::Arc;

use candle_core::Device;
use image::RgbImage;
use vivant::face::Analyzer;
use vivant::geometry::Face68;
use vivant::models::ModelSource;
use vivant::motion::details::{DetailFrame, DetailGeometry};
use vivant::render::details::AtRest;
use vivant::render::mouth::Visemes;
use vivant::render::{GpuWarp, MeshWarp};

fn compare(img: RgbImage, lm: &Face68) {
    // Expression details: a crease drawn on the portrait's own forehead read as a driver's
    // (the details are laid on the CPU over either back end's warp).
    let geometry = Arc::new(DetailGeometry::of(lm));
    let at_rest = AtRest::new(&DetailFrame::of(&img, lm, geometry.clone())).expect("found");
    let (creased, _) = common::with_crease(&img, lm, 0.12, 0.25);
    let now = DetailFrame::of(&creased, lm, geometry);
    let crease = at_rest.layer(&now).expect("found");
    assert!(!crease.is_empty());
    let engine = MeshWarp::new(img, lm);
    let gpu = GpuWarp::new(&engine).expect("a wgpu adapter (make test installs lavapipe)");
    eprintln!("adapter: {}", gpu.adapter());
    let iod = ((lm[45][0] - lm[36][0]).powi(2) + (lm[45][1] - lm[36][1]).powi(2)).sqrt();
    let mut moved = lm.map(|p| [p[0] + 7.0, p[1] - 4.0]);
    for i in [56, 57, 58, 65, 66, 67, 7, 8, 9] {
        moved[i][1] += 0.25 * iod;
    }
    // Shrunk to 55 % about the nose: the face is drawn from the mip pyramid.
    let c = lm[30];
    let shrunk = lm.map(|p| [c[0] + 0.55 * (p[0] - c[0]), c[1] + 0.55 * (p[1] - c[1])]);
    // Eyes opened wider than the portrait's: filled from its own eye on either back end.
    let mut wide = *lm;
    for (u, d) in vivant::geometry::parts::LIDS {
        let gap = lm[d][1] - lm[u][1];
        wide[u][1] -= 0.6 * gap;
        wide[d][1] += 0.2 * gap;
    }
    // The opened mouth also with a real mouth laid in (a voice's, from the bundled set; a
    // clip's goes the same way): the inside is drawn on the CPU over either back end's warp.
    let mouths = Visemes::bundled().expect("the bundled mouths");
    for (target, real_mouth, details) in [
        (*lm, false, false),
        (moved, false, false),
        (moved, true, false),
        (moved, false, true),
        (shrunk, false, false),
        (wide, false, false),
    ] {
        let mouth = real_mouth.then(|| mouths.mouth(lm, &target)).flatten();
        assert_eq!(mouth.is_some(), real_mouth);
        let details = details.then_some(&crease);
        let c = engine.render_detailed(&target, mouth.as_ref().map(|m| m.driver()), details);
        let g = gpu
            .render(
                &engine,
                &target,
                mouth.as_ref().map(|m| m.driver()),
                details,
            )
            .expect("gpu render");
        assert_eq!(c.dimensions(), g.dimensions());
        let diffs: Vec<i32> = c
            .as_raw()
            .iter()
            .zip(g.as_raw())
            .map(|(x, y)| (*x as i32 - *y as i32).abs())
            .collect();
        let mean = diffs.iter().sum::<i32>() as f64 / diffs.len() as f64;
        let big = diffs.iter().filter(|d| **d > 8).count() as f64 / diffs.len() as f64;
        eprintln!(
            "{:?}{}{}: CPU vs GPU mean {mean:.3}, share over 8 levels {big:.5}",
            c.dimensions(),
            if real_mouth { ", a real mouth" } else { "" },
            if details.is_some() { ", a crease" } else { "" }
        );
        assert!(mean < 0.5, "mean difference {mean}");
        assert!(big < 0.001, "{big} of the values differ by more than 8");
    }
}

#[test]
fn gpu_matches_cpu() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/astronaut.png");
    let img = image::open(path).expect("png").to_rgb8();
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let lm = a.analyze(&img).expect("analyze")[0].landmarks68;
    compare(img.clone(), &lm);
    // An odd size: 451×387 from the top-left corner (the face stays where it was).
    let odd = image::imageops::crop_imm(&img, 0, 0, 451, 387).to_image();
    compare(odd, &lm);
}
