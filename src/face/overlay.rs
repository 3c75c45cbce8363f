//! Drawing analysis results onto a copy of the image, for people to check them by eye.

use image::{Rgb, RgbImage};

use super::analyzer::Face;

/// Polylines of the iBUG-68 layout: (first, last, closed).
pub const CONTOURS_68: [(usize, usize, bool); 9] = [
    (0, 16, false),  // jaw
    (17, 21, false), // right brow
    (22, 26, false), // left brow
    (27, 30, false), // nose bridge
    (31, 35, false), // nostrils
    (36, 41, true),  // right eye
    (42, 47, true),  // left eye
    (48, 59, true),  // outer lips
    (60, 67, true),  // inner lips
];

const MESH: Rgb<u8> = Rgb([80, 200, 255]);
const LINES: Rgb<u8> = Rgb([40, 255, 120]);
const POINTS: Rgb<u8> = Rgb([255, 60, 60]);
const BOX: Rgb<u8> = Rgb([255, 220, 0]);

/// Draw each face's box, keypoints, 68 landmarks (dots and contours) and, with `mesh`, the
/// 468 mesh points. Strokes scale with the face so large scans stay readable.
pub fn draw(img: &RgbImage, faces: &[Face], mesh: bool) -> RgbImage {
    let mut out = img.clone();
    for f in faces {
        let unit = (f.bbox[2].max(f.bbox[3]) / 120.0).max(1.0);
        let [x, y, w, h] = f.bbox;
        let corners = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
        for i in 0..4 {
            line(&mut out, corners[i], corners[(i + 1) % 4], unit * 0.6, BOX);
        }
        if mesh {
            for p in &f.mesh468 {
                disc(&mut out, [p[0], p[1]], unit * 0.45, MESH);
            }
        }
        for &(a, b, closed) in &CONTOURS_68 {
            for i in a..b {
                line(
                    &mut out,
                    f.landmarks68[i],
                    f.landmarks68[i + 1],
                    unit * 0.5,
                    LINES,
                );
            }
            if closed {
                line(
                    &mut out,
                    f.landmarks68[b],
                    f.landmarks68[a],
                    unit * 0.5,
                    LINES,
                );
            }
        }
        for p in &f.landmarks68 {
            disc(&mut out, *p, unit * 1.1, POINTS);
        }
        for k in &f.keypoints {
            disc(&mut out, *k, unit * 1.5, BOX);
        }
    }
    out
}

fn disc(img: &mut RgbImage, c: [f32; 2], r: f32, colour: Rgb<u8>) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let r = r.max(0.5);
    let (x0, x1) = ((c[0] - r).floor() as i64, (c[0] + r).ceil() as i64);
    let (y0, y1) = ((c[1] - r).floor() as i64, (c[1] + r).ceil() as i64);
    for y in y0.max(0)..=y1.min(h - 1) {
        for x in x0.max(0)..=x1.min(w - 1) {
            let (dx, dy) = (x as f32 + 0.5 - c[0], y as f32 + 0.5 - c[1]);
            if dx * dx + dy * dy <= r * r {
                img.put_pixel(x as u32, y as u32, colour);
            }
        }
    }
}

fn line(img: &mut RgbImage, a: [f32; 2], b: [f32; 2], r: f32, colour: Rgb<u8>) {
    let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    // Guard against NaN or absurd coordinates turning into billions of steps.
    if !len.is_finite() || len > 1e5 {
        return;
    }
    let steps = (len / (r * 0.5).max(0.5)).ceil().max(1.0) as usize;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        disc(
            img,
            [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t],
            r,
            colour,
        );
    }
}
