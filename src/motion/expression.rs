//! Expressions and head poses made on a 68-point face, for motion that has no driving clip
//! (the voice, idle life): an opened or rounded mouth with the jaw following, closed eyelids,
//! raised brows, and a head that turns, nods and tilts.
//!
//! Everything is measured in the face's own upright frame (x along the eye line, y down, units
//! of eye distance), so the same numbers fit any portrait at any size or tilt. Turning and
//! nodding are approximated in the picture plane by parallax: points nearer the viewer (the
//! nose tip) shift more than the face's outline.

use crate::geometry::{Face68, Similarity, parts};

/// A face's upright frame: origin, unit x (along the eye line) and y (down), pixels per unit.
#[derive(Clone, Copy, Debug)]
struct Frame {
    origin: [f32; 2],
    x: [f32; 2],
    y: [f32; 2],
    unit: f32,
}

impl Frame {
    fn of(lm: &Face68) -> Self {
        let (r, l) = (lm[parts::RIGHT_EYE_OUTER], lm[parts::LEFT_EYE_OUTER]);
        let unit = lm.eye_distance();
        let x = [(l[0] - r[0]) / unit, (l[1] - r[1]) / unit];
        Self {
            origin: lm[30],
            x,
            y: [-x[1], x[0]],
            unit,
        }
    }

    /// Move `p` by (`dx`, `dy`) face units.
    fn shift(&self, p: [f32; 2], dx: f32, dy: f32) -> [f32; 2] {
        let (dx, dy) = (dx * self.unit, dy * self.unit);
        [
            p[0] + dx * self.x[0] + dy * self.y[0],
            p[1] + dx * self.x[1] + dy * self.y[1],
        ]
    }

    /// `p`'s coordinates in face units.
    fn local(&self, p: [f32; 2]) -> [f32; 2] {
        let d = [p[0] - self.origin[0], p[1] - self.origin[1]];
        [
            (d[0] * self.x[0] + d[1] * self.x[1]) / self.unit,
            (d[0] * self.y[0] + d[1] * self.y[1]) / self.unit,
        ]
    }
}

/// A face's expression, each part from its neutral shape.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Expression {
    /// Mouth opening, 0–1 (1 ≈ a wide-open vowel: lips 0.3 eye distances apart).
    pub open: f32,
    /// Lip shape, −1 (rounded) to 1 (spread).
    pub width: f32,
    /// Eyelids, 0 (as in the neutral face) to 1 (closed).
    pub blink: f32,
    /// Brows raised, in eye distances (a clear raise is ~0.05).
    pub brows: f32,
}

/// A head's pose relative to its neutral one. Angles in radians.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HeadPose {
    /// Tilt (rotation in the picture), positive clockwise on screen.
    pub roll: f32,
    /// Turn, positive to the viewer's right.
    pub yaw: f32,
    /// Nod, positive down.
    pub pitch: f32,
    /// Shift, eye distances.
    pub dx: f32,
    pub dy: f32,
    /// Size change, as a fraction (0.02 = 2 % larger).
    pub zoom: f32,
}

/// How far each landmark stands out from the face's outline towards the viewer, 0–1.
fn depth(i: usize) -> f32 {
    match i {
        0..=16 => {
            // The jaw line: the chin stands out, the ends by the ears least.
            let k = (i as f32 - 8.0).abs() / 8.0;
            0.45 * (1.0 - k)
        }
        17..=26 => 0.5,
        27..=30 => 0.7 + 0.1 * (i - 27) as f32,
        31..=35 => 0.8,
        36..=47 => 0.45,
        _ => 0.7,
    }
}

/// `neutral` (68 points) making `e`.
pub fn express(neutral: &Face68, e: &Expression) -> Face68 {
    let f = Frame::of(neutral);
    let mut p = *neutral;
    // Mouth: the jaw drops and takes the lower lip with it; the upper lip lifts a little; the
    // lips' width scales about the mouth's centre.
    let open = e.open.clamp(0.0, 1.5) * 0.3;
    // A smiling face holds its mouth corners up, so they follow the jaw less: without this
    // the corners, dropping 0.3 of the jaw, fell below the upper lip's centre and a smile
    // (the Mona Lisa's: inner corners 0.03 eye distances above it) turned down as she spoke.
    let upturn =
        |lm: &[[f32; 2]]| f.local(lm[62])[1] - (f.local(lm[60])[1] + f.local(lm[64])[1]) / 2.0;
    let smile = (upturn(neutral) / 0.03).clamp(0.0, 1.0);
    let corner_drop = 0.3 * (1.0 - smile);
    let drop = |i: usize| -> f32 {
        match i {
            66 => 1.0,
            65 | 67 => 0.9,
            57 => 1.0,
            56 | 58 => 0.9,
            55 | 59 => 0.6,
            48 | 54 | 60 | 64 => corner_drop,
            61..=63 => -0.12,
            49..=53 => -0.06,
            8 => 0.8,
            7 | 9 => 0.7,
            6 | 10 => 0.5,
            5 | 11 => 0.3,
            4 | 12 => 0.1,
            _ => 0.0,
        }
    };
    let centre = f.local([
        (neutral[48][0] + neutral[54][0]) / 2.0,
        (neutral[48][1] + neutral[54][1]) / 2.0,
    ]);
    let scale_x = 1.0 + 0.12 * e.width.clamp(-1.0, 1.0);
    for (i, q) in p.iter_mut().enumerate() {
        if i >= 48 {
            let l = f.local(*q);
            *q = f.shift(*q, (l[0] - centre[0]) * (scale_x - 1.0), 0.0);
        }
        let d = drop(i);
        if d != 0.0 {
            *q = f.shift(*q, 0.0, d * open);
        }
    }
    // Eyelids: the upper lid comes down most of the way and the lower one rises to meet it,
    // so a closed eye's lash line sits low, as in life.
    let b = e.blink.clamp(0.0, 1.0);
    for (u, d) in [(37, 41), (38, 40), (43, 47), (44, 46)] {
        let (pu, pd) = (p[u], p[d]);
        let meet = [pu[0] + 0.8 * (pd[0] - pu[0]), pu[1] + 0.8 * (pd[1] - pu[1])];
        p[u] = [pu[0] + b * (meet[0] - pu[0]), pu[1] + b * (meet[1] - pu[1])];
        p[d] = [pd[0] + b * (meet[0] - pd[0]), pd[1] + b * (meet[1] - pd[1])];
    }
    // Brows, the inner ends a little less.
    for (i, q) in p.iter_mut().enumerate().take(27).skip(17) {
        let k = if matches!(i, 21 | 22) { 0.8 } else { 1.0 };
        *q = f.shift(*q, 0.0, -k * e.brows);
    }
    p
}

/// `face` (68 points, as made by `express`) with its head moved by `pose`, about the
/// neutral face's frame.
pub fn pose(face: &Face68, neutral: &Face68, pose: &HeadPose) -> Face68 {
    let f = Frame::of(neutral);
    let mut parallax = *face;
    for (i, q) in parallax.iter_mut().enumerate() {
        let d = depth(i);
        *q = f.shift(*q, 0.9 * d * pose.yaw.sin(), 0.9 * d * pose.pitch.sin());
    }
    // Tilt and size about the nose, then shift.
    let s = 1.0 + pose.zoom;
    let (sin, cos) = pose.roll.sin_cos();
    let about = Similarity {
        a: s * cos,
        b: s * sin,
        tx: 0.0,
        ty: 0.0,
    };
    let o = f.origin;
    let moved = f.shift(o, pose.dx, pose.dy);
    parallax.map(|q| {
        let r = about.apply([q[0] - o[0], q[1] - o[1]]);
        [r[0] + moved[0], r[1] + moved[1]]
    })
}

/// Landmarks the voice moves: the jaw's lower half and the mouth.
pub fn mouth_and_jaw() -> impl Iterator<Item = usize> {
    parts::LOWER_JAW.chain(parts::MOUTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plausible neutral face: the 68 points of a face 100 px between the eyes, tilted 10°.
    #[allow(clippy::needless_range_loop)] // index ranges are the 68-point layout's parts
    fn face() -> Face68 {
        let mut p = Face68::filled([0.0; 2]);
        for (i, q) in p.iter_mut().enumerate().take(17) {
            let a = std::f32::consts::PI * (i as f32 / 16.0);
            *q = [-70.0 * a.cos(), -10.0 + 80.0 * a.sin()];
        }
        for i in 17..27 {
            p[i] = [-60.0 + 13.0 * (i - 17) as f32, -45.0];
        }
        for i in 27..31 {
            p[i] = [0.0, -30.0 + 10.0 * (i - 27) as f32];
        }
        for i in 31..36 {
            p[i] = [-10.0 + 5.0 * (i - 31) as f32, 8.0];
        }
        let eye = |cx: f32| {
            [
                [cx - 15.0, -25.0],
                [cx - 5.0, -30.0],
                [cx + 5.0, -30.0],
                [cx + 15.0, -25.0],
                [cx + 5.0, -20.0],
                [cx - 5.0, -20.0],
            ]
        };
        p[36..42].copy_from_slice(&eye(-35.0));
        p[42..48].copy_from_slice(&eye(35.0));
        for i in 48..60 {
            let a = std::f32::consts::TAU * (i - 48) as f32 / 12.0;
            p[i] = [-25.0 * a.cos(), 30.0 - 8.0 * a.sin()];
        }
        for i in 60..68 {
            let a = std::f32::consts::TAU * (i - 60) as f32 / 8.0;
            p[i] = [-18.0 * a.cos(), 30.0 - 0.5 * a.sin()];
        }
        let r = Similarity {
            a: 0.17f32.cos(),
            b: 0.17f32.sin(),
            tx: 300.0,
            ty: 200.0,
        };
        p.map(|q| r.apply(q))
    }

    #[test]
    fn the_mouth_opens_the_eyes_close_the_brows_rise() {
        let n = face();
        let e = express(
            &n,
            &Expression {
                open: 1.0,
                blink: 1.0,
                brows: 0.05,
                ..Default::default()
            },
        );
        assert!((e.mouth_open() - n.mouth_open() - 0.3).abs() < 0.05);
        assert!(e.eyes_open() < 0.01, "{}", e.eyes_open());
        // Brows up by 0.05 eye distances (5 px at 100 px), in the face's own up direction.
        let up = |p: &Face68| Frame::of(&n).local(p[19])[1];
        assert!((up(&n) - up(&e) - 0.05).abs() < 0.005);
        // Neutral in, neutral out.
        assert_eq!(express(&n, &Expression::default()), n);
    }

    #[test]
    fn a_smile_survives_speech_and_a_straight_mouth_turns_down() {
        let n = face();
        let f = Frame::of(&n);
        let mut smiling = n;
        for i in [48, 54, 60, 64] {
            smiling[i] = f.shift(n[i], 0.0, -0.04);
        }
        // How far the inner corners stand above the upper lip's centre, eye distances.
        let upturn = |p: &Face68| f.local(p[62])[1] - (f.local(p[60])[1] + f.local(p[64])[1]) / 2.0;
        let speaking = Expression {
            open: 0.5,
            ..Default::default()
        };
        assert!(upturn(&smiling) > 0.03);
        let s = express(&smiling, &speaking);
        assert!(upturn(&s) > 0.01, "the smile turned: {}", upturn(&s));
        // A straight mouth's corners follow the jaw down, as they do in life.
        let e = express(&n, &speaking);
        assert!(
            upturn(&e) < upturn(&n) - 0.05,
            "{} vs {}",
            upturn(&e),
            upturn(&n)
        );
    }

    #[test]
    fn spread_lips_are_wider_rounded_narrower() {
        let n = face();
        let w = |width| {
            let p = express(
                &n,
                &Expression {
                    open: 0.5,
                    width,
                    ..Default::default()
                },
            );
            crate::geometry::dist(p[48], p[54])
        };
        assert!(w(1.0) > 1.1 * w(0.0) && w(-1.0) < 0.9 * w(0.0));
    }

    #[test]
    fn a_turned_head_moves_the_nose_more_than_the_outline() {
        let n = face();
        let t = pose(
            &n,
            &n,
            &HeadPose {
                yaw: 0.2,
                ..Default::default()
            },
        );
        let moved = |i: usize| crate::geometry::dist(n[i], t[i]);
        assert!(
            moved(30) > 3.0 * moved(0).max(0.1),
            "{} {}",
            moved(30),
            moved(0)
        );
        let same = pose(&n, &n, &HeadPose::default());
        assert!(
            same.iter()
                .zip(&n)
                .all(|(a, b)| crate::geometry::dist(*a, *b) < 1e-3)
        );
    }
}
