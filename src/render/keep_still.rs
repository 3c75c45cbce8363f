//! What the user keeps still: a mask painted over a portrait (brush strokes in the studio, or
//! an image from the command line) whose pixels show the portrait as it is in every frame,
//! whatever the face does — a picture frame, a hand, a signature, a straight edge the warp's
//! own still band does not reach. Laid over the drawn frame last, on either back end.

use std::path::Path;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::geometry::segment_distance;

/// One brush stroke, in the portrait's pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StillStroke {
    /// The brush's path (one point: a dab).
    pub points: Vec<[f32; 2]>,
    /// The brush's radius.
    pub radius: f32,
    /// Rubs out what earlier strokes painted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erase: bool,
}

/// How much of each pixel is kept still, 0–255, at the portrait's size.
#[derive(Clone, Debug, PartialEq)]
pub struct StillMask {
    width: u32,
    height: u32,
    alpha: Vec<u8>,
}

/// Largest brush, in pixels: a stroke from a damaged project cannot make the paint loop run
/// for ever.
const MAX_RADIUS: f32 = 4096.0;

impl StillMask {
    /// The mask `strokes` paint over a `width` × `height` portrait (edges a pixel soft);
    /// `None` when nothing is left painted.
    pub fn from_strokes(width: u32, height: u32, strokes: &[StillStroke]) -> Option<Self> {
        let mut alpha = vec![0u8; width as usize * height as usize];
        for s in strokes {
            let r = s.radius.clamp(0.5, MAX_RADIUS);
            if !r.is_finite() || s.points.iter().flatten().any(|c| !c.is_finite()) {
                continue;
            }
            let segments: Vec<([f32; 2], [f32; 2])> = match s.points.as_slice() {
                [] => continue,
                [p] => vec![(*p, *p)],
                ps => ps.windows(2).map(|w| (w[0], w[1])).collect(),
            };
            for (a, b) in segments {
                let x0 = (a[0].min(b[0]) - r - 1.0).floor().max(0.0) as u32;
                let y0 = (a[1].min(b[1]) - r - 1.0).floor().max(0.0) as u32;
                let x1 = ((a[0].max(b[0]) + r + 1.0).ceil().max(0.0) as u32).min(width);
                let y1 = ((a[1].max(b[1]) + r + 1.0).ceil().max(0.0) as u32).min(height);
                for y in y0..y1 {
                    for x in x0..x1 {
                        let p = [x as f32 + 0.5, y as f32 + 0.5];
                        let cover = (r + 0.5 - segment_distance(p, a, b)).clamp(0.0, 1.0);
                        if cover <= 0.0 {
                            continue;
                        }
                        let at = &mut alpha[(y * width + x) as usize];
                        let v = (cover * 255.0).round() as u8;
                        *at = if s.erase {
                            (*at).min(255 - v)
                        } else {
                            (*at).max(v)
                        };
                    }
                }
            }
        }
        alpha.iter().any(|&a| a > 0).then_some(Self {
            width,
            height,
            alpha,
        })
    }

    /// The mask in image `path` (white kept still, black free; grey between), which must be
    /// the portrait's size.
    pub fn from_image(path: &Path, width: u32, height: u32) -> Result<Self, String> {
        let img = crate::media::image::load_image(path)
            .map_err(|e| e.to_string())?
            .image
            .to_luma8();
        if img.dimensions() != (width, height) {
            return Err(format!(
                "{}: the mask is {}×{}, the portrait {width}×{height}; paint it over the portrait at its own size",
                path.display(),
                img.width(),
                img.height()
            ));
        }
        Ok(Self {
            width,
            height,
            alpha: img.into_raw(),
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// How much of pixel (x, y) is kept still, 0–255.
    pub fn at(&self, x: u32, y: u32) -> u8 {
        if x < self.width && y < self.height {
            self.alpha[(y * self.width + x) as usize]
        } else {
            0
        }
    }

    /// Pixels kept still in full.
    pub fn covered(&self) -> usize {
        self.alpha.iter().filter(|&&a| a == 255).count()
    }

    /// Show the portrait `src` as it is wherever the mask keeps `out` still.
    pub fn apply(&self, out: &mut RgbImage, src: &RgbImage) {
        if out.dimensions() != (self.width, self.height) || src.dimensions() != out.dimensions() {
            return;
        }
        for ((o, s), &a) in out
            .as_mut()
            .chunks_exact_mut(3)
            .zip(src.as_raw().chunks_exact(3))
            .zip(&self.alpha)
        {
            match a {
                0 => {}
                255 => o.copy_from_slice(s),
                a => super::blend(o, [s[0], s[1], s[2]].map(f32::from), a as f32 / 255.0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strokes_paint_and_rub_out() {
        let paint = StillStroke {
            points: vec![[10.0, 10.0], [30.0, 10.0]],
            radius: 3.0,
            erase: false,
        };
        let m = StillMask::from_strokes(40, 20, std::slice::from_ref(&paint)).expect("painted");
        assert_eq!(m.at(20, 10), 255);
        assert_eq!(m.at(20, 16), 0);
        // About the stroke's area: 20 × 6 plus the round ends.
        let n = m.covered();
        assert!((120..=170).contains(&n), "{n}");
        let rub = StillStroke {
            points: vec![[20.0, 10.0]],
            radius: 30.0,
            erase: true,
        };
        assert_eq!(StillMask::from_strokes(40, 20, &[paint, rub]), None);
        // A stroke from a damaged file paints nothing, and never runs long.
        let bad = StillStroke {
            points: vec![[f32::NAN, 1.0]],
            radius: 1e30,
            erase: false,
        };
        assert_eq!(StillMask::from_strokes(40, 20, &[bad]), None);
    }
}
