//! Idle life: the small motions of a face at rest or speaking — a head that drifts, tilts and
//! nods on stressed syllables, blinks every 2–6 s, brows that lift with emphasis. Seeded and
//! deterministic: the same seed gives the same motion, frame for frame.

use super::expression::HeadPose;
use super::speech::SpeechCurves;

/// How much of each idle motion (each 0–2; 1 = natural).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdleSettings {
    pub seed: u64,
    pub head: f32,
    pub blinks: f32,
    pub brows: f32,
}

impl Default for IdleSettings {
    fn default() -> Self {
        Self {
            seed: 0,
            head: 1.0,
            blinks: 1.0,
            brows: 1.0,
        }
    }
}

/// The idle motion of every frame.
#[derive(Clone, Debug, PartialEq)]
pub struct IdleMotion {
    pub pose: Vec<HeadPose>,
    /// Eyelid closure, 0–1.
    pub blink: Vec<f32>,
    /// Brow raise, eye distances.
    pub brows: Vec<f32>,
    /// When each blink starts and how long it lasts, seconds.
    pub blinks: Vec<(f64, f64)>,
}

/// SplitMix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// A smooth random wander: three sinusoids of random slow frequencies and phases, scaled to
/// about ±1.
struct Wander([(f64, f64, f64); 3]);

impl Wander {
    fn new(rng: &mut Rng, slowest_hz: f64, fastest_hz: f64) -> Self {
        let mut one = |w: f64| {
            (
                rng.range(slowest_hz, fastest_hz),
                rng.range(0.0, std::f64::consts::TAU),
                w,
            )
        };
        Self([one(0.6), one(0.3), one(0.2)])
    }

    fn at(&self, t: f64) -> f64 {
        self.0
            .iter()
            .map(|(f, ph, w)| w * (std::f64::consts::TAU * f * t + ph).sin())
            .sum()
    }
}

/// Closing, holding and opening times of a blink: ~150 ms in all, and closed for at least one
/// frame so every blink shows.
fn blink_shape(fps: f64) -> (f64, f64, f64) {
    (0.05, (1.0 / fps).max(0.03), 0.08)
}

impl IdleMotion {
    /// `frames` frames at `fps`; `speech`, when given, makes the head livelier while the voice
    /// is loud and nod on stressed syllables, and the brows lift with them.
    pub fn new(
        frames: usize,
        fps: f64,
        settings: &IdleSettings,
        speech: Option<&SpeechCurves>,
    ) -> Self {
        let mut rng = Rng(settings.seed ^ 0x5649_5641_4E54);
        let head = settings.head.clamp(0.0, 2.0) as f64;
        let roll = Wander::new(&mut rng, 0.05, 0.25);
        let yaw = Wander::new(&mut rng, 0.04, 0.2);
        let pitch = Wander::new(&mut rng, 0.05, 0.3);
        let dx = Wander::new(&mut rng, 0.03, 0.15);
        let dy = Wander::new(&mut rng, 0.03, 0.15);
        let zoom = Wander::new(&mut rng, 0.02, 0.1);
        let brow_wander = Wander::new(&mut rng, 0.05, 0.2);
        // Blinks: intervals uniform in 2–6 s, the first within the first 2 s.
        let (close, hold, open) = blink_shape(fps);
        let length = close + hold + open;
        let end = frames as f64 / fps;
        let mut blinks = Vec::new();
        if settings.blinks > 0.0 {
            let mut t = rng.range(0.3, 2.0);
            while t + length <= end {
                blinks.push((t, length));
                t += rng.range(2.0, 6.0);
            }
        }
        // Speech energy, smoothed over ~0.5 s, 0 (quiet) to 1 (loud).
        let liveliness: Vec<f64> = match speech {
            Some(s) => {
                let mut y = 0.0;
                let a = 1.0 - (-1.0 / (fps * 0.5)).exp();
                (0..frames)
                    .map(|k| {
                        let e = s.energy.get(k).map_or(0.0, |&e| (1.0 + e as f64).max(0.0));
                        y += a * (e - y);
                        y
                    })
                    .collect()
            }
            None => vec![0.0; frames],
        };
        let stresses: Vec<f64> = speech.map_or(Vec::new(), |s| {
            s.stresses.iter().map(|&k| k as f64 / s.fps).collect()
        });
        // A nod: down and back in ~0.4 s (t·e^(1−t/τ) peaks at τ).
        let pulse = |t: f64, tau: f64| {
            stresses
                .iter()
                .filter(|&&s| t >= s && t < s + 6.0 * tau)
                .map(|&s| {
                    let u = (t - s) / tau;
                    u * (1.0 - u).exp()
                })
                .fold(0.0f64, f64::max)
        };
        let mut pose = Vec::with_capacity(frames);
        let mut blink = Vec::with_capacity(frames);
        let mut brows = Vec::with_capacity(frames);
        for (k, live) in liveliness.iter().enumerate() {
            let t = k as f64 / fps;
            let g = head * (1.0 + 0.8 * live);
            let nod = head * pulse(t, 0.12);
            pose.push(HeadPose {
                roll: (g * 0.035 * roll.at(t)) as f32,
                yaw: (g * 0.06 * yaw.at(t)) as f32,
                pitch: (g * 0.035 * pitch.at(t) + 0.06 * nod) as f32,
                dx: (g * 0.03 * dx.at(t)) as f32,
                dy: (g * 0.02 * dy.at(t) + 0.02 * nod) as f32,
                zoom: (g * 0.012 * zoom.at(t)) as f32,
            });
            let closed = blinks
                .iter()
                .map(|&(s, _)| {
                    let u = t - s;
                    if u < 0.0 || u > length {
                        0.0
                    } else if u < close {
                        u / close
                    } else if u <= close + hold {
                        1.0
                    } else {
                        1.0 - (u - close - hold) / open
                    }
                })
                .fold(0.0f64, f64::max);
            blink.push((closed * settings.blinks.clamp(0.0, 1.0) as f64) as f32);
            let b = settings.brows.clamp(0.0, 2.0) as f64;
            brows.push(
                (b * (0.006 * brow_wander.at(t) + 0.01 * live + 0.03 * pulse(t, 0.15))) as f32,
            );
        }
        Self {
            pose,
            blink,
            brows,
            blinks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blinks_every_two_to_six_seconds_for_about_150_ms() {
        let m = IdleMotion::new(25 * 120, 25.0, &IdleSettings::default(), None);
        let n = m.blinks.len();
        assert!((20..=60).contains(&n), "{n} blinks in 2 minutes");
        for w in m.blinks.windows(2) {
            let gap = w[1].0 - w[0].0;
            assert!((2.0..6.0).contains(&gap), "{gap}");
        }
        assert!(m.blinks.iter().all(|b| (0.14..0.2).contains(&b.1)));
        // Each blink closes the eyes fully on at least one frame.
        for &(s, len) in &m.blinks {
            let (a, b) = ((s * 25.0) as usize, ((s + len) * 25.0).ceil() as usize);
            assert!(m.blink[a..=b].iter().any(|&v| v >= 0.999), "blink at {s}");
        }
    }

    #[test]
    fn seeded_and_deterministic() {
        let s = IdleSettings::default();
        let a = IdleMotion::new(500, 25.0, &s, None);
        assert_eq!(a, IdleMotion::new(500, 25.0, &s, None));
        let b = IdleMotion::new(500, 25.0, &IdleSettings { seed: 7, ..s }, None);
        assert_ne!(a.pose, b.pose);
        // Small motion: within a few degrees and a few percent of the eye distance.
        assert!(
            a.pose
                .iter()
                .all(|p| p.roll.abs() < 0.07 && p.dx.abs() < 0.06)
        );
    }
}
