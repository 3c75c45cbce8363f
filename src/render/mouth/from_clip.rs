//! The inside of the mouth taken from the driving clip (after Averbuch-Elor et al., *Bringing
//! Portraits to Life*, 2017: the hidden regions come from the driver). Each output frame's
//! opening is filled from the driver's own mouth in that frame (`motion::mouth`), mapped so
//! that it moves rigidly: with the portrait's head for the upper teeth, and for the lower
//! ones down by as far as the driver's jaw opened against the portrait's — never bent to the
//! lip outline, which would make teeth swim. Its colours are carried into the portrait's
//! light and tint (the driver's skin against the portrait's, channel by channel), and no
//! brighter than the portrait's own whites, so a painting's mouth takes the painting's tones.

use super::MouthInterior;
use crate::geometry::{Face68, Similarity, dist, parts};
use crate::motion::mouth::{MouthFrame, MouthGeometry};

/// Points that place the mouth against the head at rest: the nose's base and the lips'
/// middle and corners.
const PLACE: [usize; 9] = [31, 33, 35, 48, 54, 51, 57, 62, 66];

/// How a portrait's face at rest lies on the clip's head frame, fitted from the driving face
/// at rest (the reference frame): two fits of nine points, made for each frame drawn.
#[derive(Clone, Copy, Debug)]
pub struct MouthFit {
    /// Portrait pixels (at rest) → the clip's head frame.
    to_clip: Similarity,
}

impl MouthFit {
    /// `source`: the portrait's 68 points; `reference`: the driving face at rest (in the
    /// clip's pixels), read in `geometry`'s head frame.
    pub fn new(source: &Face68, reference: &Face68, geometry: &MouthGeometry) -> Self {
        let into = geometry.to_frame(reference).inverse();
        let at_rest: Vec<[f32; 2]> = PLACE.iter().map(|&i| into.apply(reference[i])).collect();
        Self {
            to_clip: Similarity::fit(&source.pick(&PLACE), &at_rest),
        }
    }

    /// How a portrait lies on the head frame of a picture of the same face (`face`, in that
    /// picture's pixels, its mouth perhaps open): by the head's points alone, which do not
    /// move with the mouth.
    pub fn by_head(source: &Face68, face: &Face68, geometry: &MouthGeometry) -> Self {
        let into = geometry.to_frame(face).inverse();
        let head: Vec<[f32; 2]> = parts::HEAD.iter().map(|&i| into.apply(face[i])).collect();
        Self {
            to_clip: Similarity::fit(&source.pick(&parts::HEAD), &head),
        }
    }
}

/// What a frame's driver mouth is: the clip's mouth in that frame, the driving face (clip
/// pixels), and how the portrait lies on the clip's head frame.
#[derive(Clone, Copy)]
pub struct DriverMouth<'a> {
    pub frame: &'a MouthFrame,
    pub driving: &'a Face68,
    pub fit: MouthFit,
}

/// One frame's driver mouth, laid onto the portrait's opened mouth.
pub struct ClipMouth<'a> {
    frame: &'a MouthFrame,
    /// Output pixels → the clip's head frame, the portrait's upper inner lip onto the
    /// driver's.
    to_clip: Similarity,
    /// The upper inner lip's middle in the head frame (the portrait's, carried over).
    anchor: [f32; 2],
    /// Shift onto the driver's upper inner lip, and the stretch down from it that takes the
    /// portrait's opening onto the driver's (the jaw).
    shift: [f32; 2],
    stretch: f32,
    weight: f32,
    /// Per channel: the portrait's skin over the driver's.
    gain: [f32; 3],
    /// Tints (colour over brightness): the driver's skin and lips, the portrait's skin and
    /// lips. A colour of the driver's mouth is read as where it lies from his skin towards
    /// his lips and drawn that far from the portrait's skin towards its lips.
    driver_tints: [[f32; 3]; 2],
    portrait_tints: [[f32; 3]; 2],
    /// The brightest the inside may be: the portrait's own whites.
    white: f32,
    /// The driver's inner lip line in the head frame: only what lies inside it is his mouth's
    /// inside (beyond it, his lips and skin).
    inside: Vec<[f32; 2]>,
}

/// How far beyond the driver's inner lip line his mouth fades into the painted inside, in
/// eye distances (about two of the patch's pixels): the line is a landmark's guess, and
/// what lies just beyond it is still the inside's edge; further out it is his lips and skin.
const FEATHER: f32 = 0.03;

fn luma(c: &[f32; 3]) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

/// A colour over its brightness.
fn tint(c: &[f32; 3]) -> [f32; 3] {
    let l = luma(c).max(1.0);
    c.map(|v| v / l)
}

impl<'a> ClipMouth<'a> {
    /// The driver's mouth laid onto a portrait whose face is `source` at rest and `target`
    /// now.
    pub fn new(
        driver: DriverMouth<'a>,
        interior: &MouthInterior,
        source: &Face68,
        target: &Face68,
    ) -> Self {
        let DriverMouth {
            frame,
            driving,
            fit,
        } = driver;
        let head = Similarity::fit(&source.pick(&parts::HEAD), &target.pick(&parts::HEAD));
        let to_clip = fit.to_clip.then_after(&head.inverse());
        let from_driver = frame.geometry.to_frame(driving).inverse();
        let (u, d) = parts::INNER_LIP_MIDDLE;
        let (du, dd) = (from_driver.apply(driving[u]), from_driver.apply(driving[d]));
        let (tu, td) = (to_clip.apply(target[u]), to_clip.apply(target[d]));
        // The head frame is level: its y is the face's down.
        let stretch = ((dd[1] - du[1]) / (td[1] - tu[1]).max(1e-3)).clamp(0.33, 3.0);
        // A driver's mouth shut, or a gap of a pixel or two in the clip, has no inside worth
        // taking: the painted one then (faded over the next few pixels of opening).
        let gap = dist(driving[u], driving[d]);
        let t = ((gap - 1.5) / 2.5).clamp(0.0, 1.0);
        let weight = if frame.found {
            t * t * (3.0 - 2.0 * t)
        } else {
            0.0
        };
        let inside = super::smooth_closed(driving.part(parts::INNER_LIPS), 6)
            .into_iter()
            .map(|p| from_driver.apply(p))
            .collect();
        let skin = interior.skin();
        let gain = std::array::from_fn(|k| (skin[k] / frame.skin[k].max(8.0)).clamp(0.2, 4.0));
        // The driver's lips, read in the patch at the middle of each lip (the clip's skin
        // colour where the patch misses them).
        let mut lips = [0.0f32; 3];
        let mut n = 0.0f32;
        for &(o, i) in &super::LIP_MIDDLES {
            let mid = [
                (driving[o][0] + driving[i][0]) / 2.0,
                (driving[o][1] + driving[i][1]) / 2.0,
            ];
            if let Some(c) = frame.sample(from_driver.apply(mid)) {
                for k in 0..3 {
                    lips[k] += c[k];
                }
                n += 1.0;
            }
        }
        let lips = if n > 0.0 {
            lips.map(|c| c / n)
        } else {
            frame.skin
        };
        Self {
            frame,
            to_clip,
            anchor: tu,
            shift: [du[0] - tu[0], du[1] - tu[1]],
            stretch,
            weight,
            gain,
            driver_tints: [tint(&frame.skin), tint(&lips)],
            portrait_tints: [tint(&skin), tint(&interior.lips())],
            white: luma(&interior.colours().1),
            inside,
        }
    }

    /// How much of the driver's mouth to use, 0–1.
    pub fn weight(&self) -> f32 {
        self.weight
    }

    /// The driver's mouth at output pixel `p`, in the portrait's light, and how much of it to
    /// take there (1 inside the driver's inner lip line, fading to 0 just beyond it); `None`
    /// outside his opening.
    pub fn colour(&self, p: [f32; 2]) -> Option<([f32; 3], f32)> {
        let c = self.to_clip.apply(p);
        let at = [
            c[0] + self.shift[0],
            self.anchor[1] + self.shift[1] + (c[1] - self.anchor[1]) * self.stretch,
        ];
        let depth = super::signed_distance(&self.inside, at);
        if depth <= -FEATHER {
            return None;
        }
        let t = ((depth + FEATHER) / FEATHER).min(1.0);
        let raw = self.frame.sample(at)?;
        // Brightness: the driver's, in the portrait's light.
        let lit: [f32; 3] = std::array::from_fn(|k| raw[k] * self.gain[k]);
        let l = luma(&lit).min(self.white);
        // Colour: in the portrait's palette. How far the driver's colour there lies from his
        // skin towards his lips (the tongue and gums about as far as the lips, teeth none),
        // drawn as far from the portrait's skin towards its lips, and a third of what
        // neither explains (teeth greyer than skin): a painting's mouth in its own paint, not
        // the webcam's pinks.
        let hue = tint(&raw);
        let [ds, dl] = self.driver_tints;
        let [ps, pl] = self.portrait_tints;
        let axis: [f32; 3] = std::array::from_fn(|k| dl[k] - ds[k]);
        let len2: f32 = axis.iter().map(|a| a * a).sum();
        let along = if len2 > 1e-3 {
            ((0..3).map(|k| (hue[k] - ds[k]) * axis[k]).sum::<f32>() / len2).clamp(0.0, 1.5)
        } else {
            0.0
        };
        let colour = std::array::from_fn(|k| {
            let rest = hue[k] - ds[k] - along * axis[k];
            (l * (ps[k] + along * (pl[k] - ps[k]) + rest / 3.0)).clamp(0.0, 255.0)
        });
        Some((colour, t * t * (3.0 - 2.0 * t)))
    }
}
