//! The square the networks see, placed on a face from Vivant's 68 points by the reference's
//! rule: upright along the line from the eyes' centre to the mouth's, as wide as the points'
//! extent across that line times `scale`, moved along it by `vy` of its size (more forehead),
//! and sampled to the networks' input size.
//!
//! The reference computes the transform from its own landmarks in OpenCV's pixel convention;
//! here the same arithmetic runs on Vivant's points (pixel centres at i + 0.5) and the crop is
//! sampled in that convention too, so both ends agree.

use image::RgbImage;

use crate::face::crop::{Affine, warp_rgb};
use crate::geometry::{Face68, Similarity, parts};

/// Where and how large the crop is, relative to the face.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CropSettings {
    /// Side of the square over the points' extent.
    pub scale: f32,
    /// Shift across the face (along the eyes' line), as a fraction of the side.
    pub vx: f32,
    /// Shift along the face (eyes → mouth), as a fraction of the side; negative moves up.
    pub vy: f32,
    /// Turn the crop upright with the face (off: axis-aligned).
    pub rotate: bool,
}

impl CropSettings {
    /// The reference's settings for a source portrait.
    pub const SOURCE: Self = Self {
        scale: 2.3,
        vx: 0.0,
        vy: -0.125,
        rotate: true,
    };
    /// The reference's settings for driving frames.
    pub const DRIVING: Self = Self {
        scale: 2.2,
        vx: 0.0,
        vy: -0.1,
        rotate: true,
    };
}

/// The map from image coordinates to a `size`² crop (the reference's `M_o2c`).
pub fn crop_transform(points: &Face68, settings: &CropSettings, size: f32) -> Similarity {
    let mean2 = |a: usize, b: usize| -> [f64; 2] {
        let (p, q) = (points[a], points[b]);
        [
            (p[0] as f64 + q[0] as f64) / 2.0,
            (p[1] as f64 + q[1] as f64) / 2.0,
        ]
    };
    let right_eye = mean2(parts::RIGHT_EYE_OUTER, parts::RIGHT_EYE_INNER);
    let left_eye = mean2(parts::LEFT_EYE_INNER, parts::LEFT_EYE_OUTER);
    let mouth = mean2(parts::MOUTH_RIGHT, parts::MOUTH_LEFT);
    let eyes = [
        (right_eye[0] + left_eye[0]) / 2.0,
        (right_eye[1] + left_eye[1]) / 2.0,
    ];
    // uy points down the face, ux across it.
    let (dx, dy) = (mouth[0] - eyes[0], mouth[1] - eyes[1]);
    let len = (dx * dx + dy * dy).sqrt();
    let uy = if len <= 1e-3 {
        [0.0, 1.0]
    } else {
        [dx / len, dy / len]
    };
    let ux = [uy[1], -uy[0]];
    let n = points.len() as f64;
    let c0 = points.iter().fold([0.0f64; 2], |c, p| {
        [c[0] + p[0] as f64 / n, c[1] + p[1] as f64 / n]
    });
    // The points' extent in the face's own axes.
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in points.iter() {
        let r = [p[0] as f64 - c0[0], p[1] as f64 - c0[1]];
        let q = [r[0] * ux[0] + r[1] * ux[1], r[0] * uy[0] + r[1] * uy[1]];
        for k in 0..2 {
            lo[k] = lo[k].min(q[k]);
            hi[k] = hi[k].max(q[k]);
        }
    }
    let c1 = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    let side = (hi[0] - lo[0]).max(hi[1] - lo[1]) * settings.scale as f64;
    let (vx, vy) = (settings.vx as f64 * side, settings.vy as f64 * side);
    let centre = [
        c0[0] + ux[0] * c1[0] + uy[0] * c1[1] + ux[0] * vx + uy[0] * vy,
        c0[1] + ux[1] * c1[0] + uy[1] * c1[1] + ux[1] * vx + uy[1] * vy,
    ];
    let s = size as f64 / side.max(1e-6);
    let (cos, sin) = if settings.rotate {
        (ux[0], ux[1])
    } else {
        (1.0, 0.0)
    };
    let half = size as f64 / 2.0;
    // x' = s·(cos·x + sin·y) + …, y' = s·(−sin·x + cos·y) + …: turned upright, centred.
    Similarity {
        a: (s * cos) as f32,
        b: (-s * sin) as f32,
        tx: (half - s * (cos * centre[0] + sin * centre[1])) as f32,
        ty: (half - s * (-sin * centre[0] + cos * centre[1])) as f32,
    }
}

/// The `size`² crop through `to_crop` (image → crop), as RGB values 0–255 (HWC), with the
/// image pre-filtered where the crop shrinks it.
pub fn crop_rgb(image: &RgbImage, to_crop: &Similarity, size: usize) -> Vec<f32> {
    let m = to_crop.inverse();
    let map = Affine {
        a: m.a,
        b: -m.b,
        c: m.b,
        d: m.a,
        tx: m.tx,
        ty: m.ty,
    };
    warp_rgb(image, &map, size, size)
}

/// An RGB crop (HWC, 0–255) as the networks' input: (1, 3, n, n) in [0, 1].
pub fn input_tensor(
    crop: &[f32],
    n: usize,
    device: &candle_core::Device,
) -> Result<candle_core::Tensor, super::NeuralError> {
    let mut chw = vec![0f32; 3 * n * n];
    for (i, px) in crop.chunks_exact(3).enumerate() {
        for c in 0..3 {
            // The reference feeds uint8 pixels / 255.
            chw[c * n * n + i] = px[c].round().clamp(0.0, 255.0) / 255.0;
        }
    }
    Ok(candle_core::Tensor::from_vec(chw, (1, 3, n, n), device)?)
}
