//! Few-shot sources: K ≥ 1 pictures of the same face. For every output frame the source whose
//! face is already closest to the target — same expression, same head turn, once position,
//! size and roll are set aside — is the one warped, so an open-mouthed source lends real
//! teeth and a turned one a truer profile. A switch needs a clear gain (hysteresis), so the
//! choice does not flicker between near-equal sources.

use crate::geometry::{Face68, Similarity, dist, parts};

/// Shape distance between two 68-point faces: mean point distance after the best similarity
/// alignment, as a fraction of the eye distance (jaw weighted half: it moves with the head's
/// turn but is also the least exact).
pub fn shape_distance(a: &Face68, b: &Face68) -> f32 {
    let fit = Similarity::fit(a, b);
    let iod = b.eye_distance();
    let mut sum = 0.0;
    let mut wsum = 0.0;
    for i in 0..68 {
        let p = fit.apply(a[i]);
        let w = if parts::JAW.contains(&i) { 0.5 } else { 1.0 };
        sum += w * dist(p, b[i]);
        wsum += w;
    }
    sum / wsum / iod
}

/// Picks a source per frame with hysteresis.
#[derive(Clone, Debug)]
pub struct SourceChooser {
    /// Each source's landmarks, in the frame the targets are expressed in.
    shapes: Vec<Face68>,
    current: Option<usize>,
    /// A switch needs the new source to be this much closer (fraction of the current
    /// distance).
    pub hysteresis: f32,
}

impl SourceChooser {
    pub fn new(shapes: Vec<Face68>) -> Self {
        Self {
            shapes,
            current: None,
            hysteresis: 0.15,
        }
    }

    /// The source to use for a frame; `targets[s]` is the target landmarks as retargeted for
    /// source `s`. The cost of a source is how far its face's shape is from the target's
    /// (expression, head turn) plus how far the warp must move its points (half weight).
    pub fn choose(&mut self, targets: &[Face68]) -> usize {
        let d: Vec<f32> = self
            .shapes
            .iter()
            .zip(targets)
            .map(|(s, t)| shape_distance(s, t) + 0.1 * displacement(s, t))
            .collect();
        let best = (0..d.len())
            .min_by(|&a, &b| d[a].total_cmp(&d[b]))
            .unwrap_or(0);
        let pick = match self.current {
            Some(c) if c < d.len() && d[best] > d[c] * (1.0 - self.hysteresis) => c,
            _ => best,
        };
        self.current = Some(pick);
        pick
    }
}

/// Mean distance the points move from `a` to `b`, as a fraction of `a`'s eye distance.
pub fn displacement(a: &Face68, b: &Face68) -> f32 {
    let iod = a.eye_distance();
    a.iter()
        .zip(b.iter())
        .map(|(p, q)| dist(*p, *q))
        .sum::<f32>()
        / 68.0
        / iod
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(open: f32) -> Face68 {
        let mut p = Face68::from(std::array::from_fn(|i| {
            let a = i as f32 * 0.37;
            [100.0 + 30.0 * a.cos(), 100.0 + 40.0 * a.sin()]
        }));
        p[36] = [80.0, 90.0];
        p[45] = [120.0, 90.0];
        for i in [65, 66, 67, 56, 57, 58] {
            p[i][1] += open;
        }
        p
    }

    #[test]
    fn picks_the_closest_expression_and_does_not_flicker() {
        let mut c = SourceChooser::new(vec![face(0.0), face(12.0)]);
        let both = |t: Face68| vec![t, t];
        assert_eq!(c.choose(&both(face(11.0))), 1);
        assert_eq!(c.choose(&both(face(1.0))), 0);
        // Halfway: stays with the current choice.
        assert_eq!(c.choose(&both(face(6.2))), 0);
        assert_eq!(c.choose(&both(face(5.8))), 0);
        assert!(shape_distance(&face(3.0), &face(3.0)) < 1e-4);
        // The same shape far away costs more than a near one.
        let far = face(0.0).map(|p| [p[0] + 200.0, p[1]]);
        let mut c = SourceChooser::new(vec![face(0.0), face(0.0)]);
        assert_eq!(c.choose(&[far, face(0.0)]), 1);
    }
}
