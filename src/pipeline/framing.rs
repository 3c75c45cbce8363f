//! The drawn portrait fitted to the output's size: cropped around the face, letterboxed, or
//! stretched, as the user chose.

use image::RgbImage;

use super::Fit;

/// `frame` at `size`, fitted by `fit`; `centre` is where the crop is centred (the face's
/// centre, moved as the user placed it) as a fraction of the frame's width and height, and
/// `zoom` how far the crop zooms in (1: the largest crop of the output's shape).
pub fn fit_frame(
    frame: RgbImage,
    size: (u32, u32),
    fit: Fit,
    centre: (f32, f32),
    zoom: f32,
) -> RgbImage {
    use image::imageops::{FilterType, crop_imm, overlay, resize};
    let (w, h) = size;
    let (sw, sh) = frame.dimensions();
    // A zoom from a hand-edited project may be anything: not a number is no zoom.
    let zoom = if zoom.is_finite() {
        f64::from(zoom).clamp(1.0, f64::from(super::settings::MAX_CROP_ZOOM))
    } else {
        1.0
    };
    let zoomed = fit == Fit::Crop && zoom > 1.0 + 1e-6;
    if (sw, sh) == (w, h) && !zoomed {
        return frame;
    }
    let filter = FilterType::CatmullRom;
    let (sa, da) = (sw as f64 / sh as f64, w as f64 / h as f64);
    match fit {
        _ if (sa / da - 1.0).abs() < 1e-3 && !zoomed => resize(&frame, w, h, filter),
        Fit::Stretch => resize(&frame, w, h, filter),
        Fit::Crop => {
            let (cw, ch) = if sa > da {
                (sh as f64 * da, sh as f64)
            } else {
                (sw as f64, sw as f64 / da)
            };
            let cw = ((cw / zoom).round() as u32).clamp(1, sw);
            let ch = ((ch / zoom).round() as u32).clamp(1, sh);
            let x = (centre.0 as f64 * sw as f64 - cw as f64 / 2.0)
                .clamp(0.0, (sw - cw) as f64)
                .round() as u32;
            let y = (centre.1 as f64 * sh as f64 - ch as f64 / 2.0)
                .clamp(0.0, (sh - ch) as f64)
                .round() as u32;
            resize(&crop_imm(&frame, x, y, cw, ch).to_image(), w, h, filter)
        }
        Fit::Pad => {
            let scale = (w as f64 / sw as f64).min(h as f64 / sh as f64);
            let iw = ((sw as f64 * scale).round() as u32).clamp(1, w);
            let ih = ((sh as f64 * scale).round() as u32).clamp(1, h);
            let inner = resize(&frame, iw, ih, filter);
            let mut out = RgbImage::new(w, h);
            overlay(
                &mut out,
                &inner,
                ((w - iw) / 2) as i64,
                ((h - ih) / 2) as i64,
            );
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white disc on grey, `w` × `h`, centred at `(cx, cy)`, radius `r`.
    fn disc(w: u32, h: u32, cx: f32, cy: f32, r: f32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            if d < r {
                image::Rgb([255, 255, 255])
            } else {
                image::Rgb([100, 100, 100])
            }
        })
    }

    /// Width and height of the white region.
    fn extent(img: &RgbImage) -> (u32, u32) {
        let white: Vec<(u32, u32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p[0] > 200)
            .map(|(x, y, _)| (x, y))
            .collect();
        let xs = white.iter().map(|p| p.0);
        let ys = white.iter().map(|p| p.1);
        (
            xs.clone().max().unwrap_or(0) - xs.min().unwrap_or(0) + 1,
            ys.clone().max().unwrap_or(0) - ys.min().unwrap_or(0) + 1,
        )
    }

    #[test]
    fn another_shape_is_cropped_or_padded_never_squashed_unless_asked() {
        // A square picture with the "face" off centre, to a 2:1 output.
        let src = disc(200, 200, 60.0, 140.0, 30.0);
        let centre = (60.0 / 200.0, 140.0 / 200.0);
        let crop = fit_frame(src.clone(), (200, 100), Fit::Crop, centre, 1.0);
        assert_eq!(crop.dimensions(), (200, 100));
        let (w, h) = extent(&crop);
        assert!((w as i32 - h as i32).abs() <= 2, "crop squashed: {w}×{h}");
        assert!(w >= 58, "the face was cut: {w}×{h}");
        let pad = fit_frame(src.clone(), (200, 100), Fit::Pad, centre, 1.0);
        let (w, h) = extent(&pad);
        assert!((w as i32 - h as i32).abs() <= 2, "pad squashed: {w}×{h}");
        // Black bars left and right, the picture between.
        assert_eq!(pad.get_pixel(10, 50).0, [0, 0, 0]);
        assert_eq!(pad.get_pixel(190, 50).0, [0, 0, 0]);
        assert_eq!(pad.get_pixel(100, 5).0, [100, 100, 100]);
        let stretch = fit_frame(src, (200, 100), Fit::Stretch, centre, 1.0);
        let (w, h) = extent(&stretch);
        assert!(w > h + h / 2, "stretch should distort: {w}×{h}");
    }

    /// A crop moved and zoomed as the user placed it: zoom 2 shows the disc twice as large,
    /// a shift moves it the other way in the frame, and the crop never leaves the picture.
    #[test]
    fn a_crop_is_moved_and_zoomed_as_placed() {
        let src = disc(400, 200, 200.0, 100.0, 20.0);
        let centre = (0.5, 0.5);
        let plain = fit_frame(src.clone(), (100, 100), Fit::Crop, centre, 1.0);
        let zoomed = fit_frame(src.clone(), (100, 100), Fit::Crop, centre, 2.0);
        let (w1, _) = extent(&plain);
        let (w2, h2) = extent(&zoomed);
        assert!((w2 as f32 / w1 as f32 - 2.0).abs() < 0.15, "{w1} → {w2}");
        assert!(
            (w2 as i32 - h2 as i32).abs() <= 2,
            "zoom squashed: {w2}×{h2}"
        );
        // Zoomed into the same shape as the picture, a crop still applies.
        let same = fit_frame(src.clone(), (400, 200), Fit::Crop, centre, 2.0);
        assert!(extent(&same).0 > 70, "{:?}", extent(&same));
        // Moved right by a tenth of the picture (40 px): the disc moves left in the frame.
        let left_edge = |img: &RgbImage| {
            img.enumerate_pixels()
                .filter(|(_, _, p)| p[0] > 200)
                .map(|(x, _, _)| x)
                .min()
                .unwrap_or(0)
        };
        let moved = fit_frame(src.clone(), (100, 100), Fit::Crop, (0.6, 0.5), 1.0);
        // 40 source pixels, at half size.
        let by = left_edge(&plain) as i32 - left_edge(&moved) as i32;
        assert!((18..=22).contains(&by), "moved by {by} px");
        // A zoom that is not a number (a hand-edited project) is no zoom.
        let nan = fit_frame(src.clone(), (100, 100), Fit::Crop, centre, f32::NAN);
        assert_eq!(extent(&nan), extent(&plain));
        // Moved past the picture's edge: held at the edge.
        let far = fit_frame(src, (100, 100), Fit::Crop, (5.0, 0.5), 1.0);
        assert_eq!(far.dimensions(), (100, 100));
    }
}
