//! Temporal smoothing of landmark tracks: the One-Euro filter (Casiez, Roussel & Vogel, CHI
//! 2012), an adaptive low-pass whose cutoff rises with speed, so a still head stops shimmering
//! while a fast turn is not dragged behind. And the jitter measure that shows it.

use serde::{Deserialize, Serialize};

use crate::geometry::parts;

/// One-Euro parameters. Positions are in pixels of the driving clip, time in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OneEuro {
    /// Cutoff (Hz) when still: lower = steadier, more lag on slow motion.
    pub min_cutoff: f64,
    /// How fast the cutoff rises with speed (per px/s): higher = less lag on fast motion.
    pub beta: f64,
    /// Cutoff (Hz) for the speed estimate itself.
    pub d_cutoff: f64,
}

impl Default for OneEuro {
    fn default() -> Self {
        // Tuned on the webcam clip at 25 fps, ~90 px eye distance: jitter of the nose bridge
        // and eye corners roughly halved, lag on head turns under a frame.
        Self {
            min_cutoff: 1.5,
            beta: 0.02,
            d_cutoff: 1.0,
        }
    }
}

fn alpha(cutoff: f64, dt: f64) -> f64 {
    let tau = 1.0 / (2.0 * std::f64::consts::PI * cutoff);
    1.0 / (1.0 + tau / dt)
}

impl OneEuro {
    /// Filter one coordinate's samples `x` taken at `t` (seconds, increasing).
    pub fn filter(&self, t: &[f64], x: &[f64]) -> Vec<f64> {
        let mut state = OneEuroState::default();
        (0..x.len())
            .map(|i| {
                let dt = i.checked_sub(1).map(|p| t[i] - t[p]);
                self.step(&mut state, dt, x[i])
            })
            .collect()
    }

    /// One sample through the filter: `dt` is the time since the previous sample (`None` for
    /// the first). The filter is causal, so a track can be smoothed as it streams past.
    pub fn step(&self, state: &mut OneEuroState, dt: Option<f64>, x: f64) -> f64 {
        let Some(dt) = dt.filter(|_| state.started) else {
            *state = OneEuroState {
                x,
                dx: 0.0,
                started: true,
            };
            return x;
        };
        let dt = dt.max(1e-6);
        let dx = (x - state.x) / dt;
        let edx = state.dx + alpha(self.d_cutoff, dt) * (dx - state.dx);
        let cutoff = self.min_cutoff + self.beta * edx.abs();
        let ex = state.x + alpha(cutoff, dt) * (x - state.x);
        state.x = ex;
        state.dx = edx;
        ex
    }
}

/// What the One-Euro filter remembers of one coordinate's track.
#[derive(Clone, Copy, Debug, Default)]
pub struct OneEuroState {
    x: f64,
    dx: f64,
    started: bool,
}

/// Jitter of a 68-point track: mean length of the frame-to-frame second difference of the
/// stable points, as a fraction of the eye distance, over runs of frames where `use_frame` is
/// true (observed, not bridged).
pub fn jitter(tracks: &[&[[f32; 2]]], use_frame: &[bool]) -> f64 {
    let mut j = Jitter::default();
    for (t, &u) in tracks.iter().zip(use_frame) {
        j.push(t, u);
    }
    j.value()
}

/// `jitter` measured frame by frame, for tracks that stream past.
#[derive(Clone, Debug, Default)]
pub struct Jitter {
    /// The two frames before the next one, oldest first, and whether each counts.
    before: [(Vec<[f32; 2]>, bool); 2],
    seen: usize,
    sum: f64,
    n: usize,
}

impl Jitter {
    pub fn push(&mut self, c: &[[f32; 2]], use_frame: bool) {
        let [(a, use_a), (b, use_b)] = &self.before;
        if self.seen >= 2 && *use_a && *use_b && use_frame {
            let iod = {
                let (r, l) = (b[parts::RIGHT_EYE_OUTER], b[parts::LEFT_EYE_OUTER]);
                ((l[0] - r[0]).powi(2) + (l[1] - r[1]).powi(2))
                    .sqrt()
                    .max(1.0) as f64
            };
            for &p in &parts::STABLE {
                let dx = (a[p][0] - 2.0 * b[p][0] + c[p][0]) as f64;
                let dy = (a[p][1] - 2.0 * b[p][1] + c[p][1]) as f64;
                self.sum += (dx * dx + dy * dy).sqrt() / iod;
                self.n += 1;
            }
        }
        self.before.swap(0, 1);
        self.before[1].0.clear();
        self.before[1].0.extend_from_slice(c);
        self.before[1].1 = use_frame;
        self.seen += 1;
    }

    pub fn value(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum / self.n as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn still_signal_with_noise_is_steadied_and_a_step_is_followed() {
        let t: Vec<f64> = (0..200).map(|i| i as f64 / 25.0).collect();
        // Deterministic ±1 px noise around 100, then a 50 px jump at frame 100.
        let x: Vec<f64> = (0..200)
            .map(|i| {
                let noise = if (i * 7919) % 3 == 0 { 1.0 } else { -0.5 };
                if i < 100 {
                    100.0 + noise
                } else {
                    150.0 + noise
                }
            })
            .collect();
        let y = OneEuro::default().filter(&t, &x);
        let spread = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        assert!(spread(&y[50..100]) < 0.5 * spread(&x[50..100]));
        // Within 5 frames of the jump the filter has covered 90 % of it.
        assert!(y[105] > 145.0, "{}", y[105]);
    }
}
