//! What the render benchmarks share: a portrait at a given size with its landmarks, and a
//! head that sways and nods while the mouth opens and closes.

use candle_core::Device;
use image::RgbImage;
use vivant::face::Analyzer;
use vivant::geometry::Face68;
use vivant::models::ModelSource;

/// The astronaut photo resized to `w`×`h` (stretched if the aspect differs), with its face's
/// 68 landmarks found at that size.
pub fn portrait(w: u32, h: u32) -> (RgbImage, Face68) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let photo = image::open(root.join("tests/fixtures/astronaut.png"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let analyzer =
        Analyzer::new(&Device::Cpu, &ModelSource::Embedded).unwrap_or_else(|e| panic!("{e}"));
    let img = image::imageops::resize(&photo, w, h, image::imageops::FilterType::CatmullRom);
    let faces = analyzer.analyze(&img).unwrap_or_else(|e| panic!("{e}"));
    let lm = faces
        .first()
        .map(|f| f.landmarks68)
        .unwrap_or_else(|| panic!("no face at {w}x{h}"));
    (img, lm)
}

/// `frames` targets at 25 frames/s: sway, nod and a mouth opening and closing, in pixels
/// scaled to the face (`lm`'s eye distance; the motions are those of a 1024² portrait).
pub fn sway_and_talk(lm: &Face68, frames: usize) -> Vec<Face68> {
    let iod = lm.eye_distance();
    let k = iod / 115.0;
    (0..frames)
        .map(|f| {
            let t = f as f32 / 25.0;
            let (dx, dy, open) = (
                k * 8.0 * (t * 1.3).sin(),
                k * 5.0 * (t * 0.9).sin(),
                k * 12.0 * (t * 4.0).sin().max(0.0),
            );
            Face68::from(std::array::from_fn(|i| {
                let p = lm[i];
                let o = if matches!(i, 5..=11 | 55..=59 | 65..=67) {
                    open
                } else {
                    0.0
                };
                [p[0] + dx, p[1] + dy + o]
            }))
        })
        .collect()
}
