//! The optional visible mark: "animated with Vivant", small, in the frame's lower right
//! corner, for users who want viewers to see at a glance what the Content Credentials say.
//! Drawn from a built-in pixel font (no font files, the same on every machine), scaled with
//! the frame, white over a soft shadow so it reads on any picture.

use image::RgbImage;

/// The mark's words.
pub const TEXT: &str = "animated with Vivant";

/// One glyph: rows of `#` (ink) and `.`, all the same width, 7 rows.
fn glyph(c: char) -> &'static [&'static str; 7] {
    match c {
        'a' => &[
            ".....", ".....", ".###.", "....#", ".####", "#...#", ".####",
        ],
        'n' => &[
            ".....", ".....", "####.", "#...#", "#...#", "#...#", "#...#",
        ],
        'i' => &[".#.", "...", "##.", ".#.", ".#.", ".#.", "###"],
        'm' => &[
            ".......", ".......", "###.##.", "#..#..#", "#..#..#", "#..#..#", "#..#..#",
        ],
        't' => &[
            ".#...", ".#...", "####.", ".#...", ".#...", ".#..#", "..##.",
        ],
        'e' => &[
            ".....", ".....", ".###.", "#...#", "#####", "#....", ".###.",
        ],
        'd' => &[
            "....#", "....#", ".####", "#...#", "#...#", "#...#", ".####",
        ],
        'w' => &[
            ".......", ".......", "#.....#", "#.....#", "#..#..#", "#..#..#", ".##.##.",
        ],
        'h' => &[
            "#....", "#....", "####.", "#...#", "#...#", "#...#", "#...#",
        ],
        'V' => &[
            "#...#", "#...#", "#...#", "#...#", ".#.#.", ".#.#.", "..#..",
        ],
        'v' => &[
            ".....", ".....", "#...#", "#...#", ".#.#.", ".#.#.", "..#..",
        ],
        _ => &["...", "...", "...", "...", "...", "...", "..."],
    }
}

/// The mark's ink as (column, row) cells of the unscaled text, and its size in cells.
fn cells(text: &str) -> (Vec<(u32, u32)>, u32, u32) {
    let mut ink = Vec::new();
    let mut x = 0u32;
    for c in text.chars() {
        let g = glyph(c);
        for (row, line) in g.iter().enumerate() {
            for (col, b) in line.bytes().enumerate() {
                if b == b'#' {
                    ink.push((x + col as u32, row as u32));
                }
            }
        }
        x += g[0].len() as u32 + 1;
    }
    (ink, x.saturating_sub(1), 7)
}

/// Where the mark lands in a `w` × `h` frame: its box (x, y, width, height) in pixels.
pub fn placement(w: u32, h: u32) -> (u32, u32, u32, u32) {
    let (_, cw, ch) = cells(TEXT);
    let scale = scale_for(h);
    let (mw, mh) = (cw * scale, ch * scale);
    let margin = (h / 40).max(4);
    (
        w.saturating_sub(mw + margin),
        h.saturating_sub(mh + margin),
        mw,
        mh,
    )
}

/// One cell per pixel up to 360 lines, then one more per 360 (2 at 720p, 3 at 1080p).
fn scale_for(h: u32) -> u32 {
    (h / 360).max(1)
}

/// Draw the mark on `frame`.
pub fn stamp(frame: &mut RgbImage) {
    let (w, h) = frame.dimensions();
    let (x0, y0, _, _) = placement(w, h);
    let scale = scale_for(h);
    let (ink, _, _) = cells(TEXT);
    let mut blend = |x: u32, y: u32, value: f32, alpha: f32| {
        if x < w && y < h {
            let p = frame.get_pixel_mut(x, y);
            for c in p.0.iter_mut() {
                *c = (*c as f32 * (1.0 - alpha) + value * alpha).round() as u8;
            }
        }
    };
    // The shadow first (one cell down and right, soft), then the letters.
    let shadow = scale.div_ceil(2).max(1);
    for (offset, value, alpha) in [(shadow, 0.0, 0.55), (0, 255.0, 0.85)] {
        for &(cx, cy) in &ink {
            for dy in 0..scale {
                for dx in 0..scale {
                    blend(
                        x0 + cx * scale + dx + offset,
                        y0 + cy * scale + dy + offset,
                        value,
                        alpha,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_are_rectangular_and_the_mark_sits_in_the_lower_right() {
        for c in TEXT.chars() {
            let g = glyph(c);
            assert!(g.iter().all(|r| r.len() == g[0].len()), "{c}");
        }
        let (x, y, mw, mh) = placement(1280, 720);
        assert!(x > 640 && y > 600 && x + mw < 1280 && y + mh < 720);
        assert_eq!(mh, 14);
        // Drawn: light pixels inside the box on a black frame, nothing outside it.
        let mut f = RgbImage::new(1280, 720);
        stamp(&mut f);
        let lit = |x0: u32, y0: u32, x1: u32, y1: u32| {
            (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| f.get_pixel(x, y)[0] > 128)
                .count()
        };
        assert!(lit(x, y, x + mw, y + mh) > 200);
        assert_eq!(lit(0, 0, 1280, y), 0);
        assert_eq!(lit(0, 0, x, 720), 0);
    }
}
