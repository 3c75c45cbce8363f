//! Speech → mouth motion: from a voice recording, per output frame, how far the mouth opens
//! and how wide or rounded it is, and where the speech is stressed.
//!
//! The audio is decoded once, streaming, at 16 kHz mono and split into three bands: the speech
//! band (300–3000 Hz; its level opens the mouth), a low band around the first formant
//! (250–900 Hz) and a high band around the second (1400–3400 Hz), whose balance tells spread
//! vowels (/i/, /e/: more high energy, wider lips) from rounded ones (/o/, /u/: narrower).
//! Energies are kept per 10-ms block (12 bytes a block, so a 10-minute file is 720 KB), then
//! read per output frame through a Hann window centred a little *ahead* of the frame's time
//! (lips lead the sound they make by about a frame). Levels are measured against the
//! recording's own noise floor and loud end (percentiles), so quiet, loud, clipped and
//! telephone audio all move the lips; below the voice-activity gate the mouth closes. The
//! opening is smoothed with a fast attack and a slower release, as a jaw moves.

use std::path::Path;

use crate::media::{AudioFormat, AudioSource, MediaError, SampleSource};

/// Analysis rate: enough for the bands above, and 8 kHz telephone audio upsamples to it.
const RATE: u32 = 16_000;
/// Samples per energy block (10 ms).
const BLOCK: usize = 160;

/// How speech becomes mouth motion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpeechSettings {
    /// How far ahead of the sound the lips move, seconds.
    pub lead_s: f64,
    /// Opening smoothing: time constants of a rising and a falling opening, seconds.
    pub attack_s: f64,
    pub release_s: f64,
}

impl Default for SpeechSettings {
    fn default() -> Self {
        Self {
            lead_s: 0.04,
            attack_s: 0.025,
            release_s: 0.07,
        }
    }
}

/// Mouth motion for every output frame of a recording.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeechCurves {
    /// Output frames per second.
    pub fps: f64,
    /// The recording's length, seconds.
    pub duration_s: f64,
    /// Mouth opening, 0 (closed) to 1 (wide open).
    pub open: Vec<f32>,
    /// Lip shape, −1 (rounded) to 1 (spread); 0 when closed.
    pub width: Vec<f32>,
    /// Voice activity.
    pub voiced: Vec<bool>,
    /// Speech-band level relative to the recording's loud end (0) and noise floor (−1 or
    /// lower), for motion that follows the voice's energy.
    pub energy: Vec<f32>,
    /// Frames where a stressed syllable starts (a sharp rise to a loud level).
    pub stresses: Vec<usize>,
}

impl SpeechCurves {
    /// Analyse the audio track of `path` (any file FFmpeg decodes), from `start_s` to
    /// `end_s` (`None` = the end), at `fps` output frames per second.
    pub fn analyse(
        path: &Path,
        start_s: f64,
        end_s: Option<f64>,
        fps: f64,
        settings: &SpeechSettings,
    ) -> Result<Self, MediaError> {
        let mut src = AudioSource::open(path, AudioFormat::new(RATE, 1))?;
        if start_s > 0.0 || end_s.is_some() {
            src.set_range(start_s, end_s)?;
        }
        Self::from_samples(&mut src, fps, settings)
    }

    /// The same from any sample source (mono at 16 kHz is read as is; other formats are
    /// mixed down and must be 16 kHz).
    pub fn from_samples(
        src: &mut dyn SampleSource,
        fps: f64,
        settings: &SpeechSettings,
    ) -> Result<Self, MediaError> {
        let blocks = Blocks::read(src)?;
        Ok(blocks.curves(fps, settings))
    }
}

/// Band energies per 10-ms block.
struct Blocks {
    speech: Vec<f32>,
    low: Vec<f32>,
    high: Vec<f32>,
    samples: u64,
}

impl Blocks {
    fn read(src: &mut dyn SampleSource) -> Result<Self, MediaError> {
        let channels = src.format().channels.max(1) as usize;
        let mut speech_f = [Biquad::high_pass(300.0), Biquad::low_pass(3000.0)];
        let mut low_f = [Biquad::high_pass(250.0), Biquad::low_pass(900.0)];
        let mut high_f = [Biquad::high_pass(1400.0), Biquad::low_pass(3400.0)];
        let mut out = Blocks {
            speech: Vec::new(),
            low: Vec::new(),
            high: Vec::new(),
            samples: 0,
        };
        let (mut es, mut el, mut eh, mut n) = (0.0f64, 0.0f64, 0.0f64, 0usize);
        let mut buf = vec![0.0f32; 4096 * channels];
        loop {
            let got = src.read(&mut buf)?;
            if got == 0 {
                break;
            }
            for frame in buf[..got].chunks_exact(channels) {
                let x = frame.iter().sum::<f32>() / channels as f32;
                let x = if x.is_finite() { x as f64 } else { 0.0 };
                let s = speech_f.iter_mut().fold(x, |v, f| f.run(v));
                let l = low_f.iter_mut().fold(x, |v, f| f.run(v));
                let h = high_f.iter_mut().fold(x, |v, f| f.run(v));
                es += s * s;
                el += l * l;
                eh += h * h;
                n += 1;
                if n == BLOCK {
                    out.push(es, el, eh, n);
                    (es, el, eh, n) = (0.0, 0.0, 0.0, 0);
                }
            }
            out.samples += (got / channels) as u64;
        }
        if n > 0 {
            out.push(es, el, eh, n);
        }
        Ok(out)
    }

    fn push(&mut self, es: f64, el: f64, eh: f64, n: usize) {
        let n = n as f64;
        self.speech.push((es / n) as f32);
        self.low.push((el / n) as f32);
        self.high.push((eh / n) as f32);
    }

    /// Hann-weighted mean of `v` over `centre ± half` seconds.
    fn window(v: &[f32], centre: f64, half: f64) -> f64 {
        let per_s = RATE as f64 / BLOCK as f64;
        // Block k covers [k, k+1) / per_s; its centre is (k + 0.5) / per_s.
        let k0 = ((centre - half) * per_s - 0.5).ceil().max(0.0) as usize;
        let k1 = (((centre + half) * per_s - 0.5).floor() as i64).min(v.len() as i64 - 1);
        let (mut s, mut w) = (0.0, 0.0);
        for k in k0 as i64..=k1 {
            let t = (k as f64 + 0.5) / per_s - centre;
            let wk = 0.5 + 0.5 * (std::f64::consts::PI * t / half).cos();
            s += wk * v[k as usize] as f64;
            w += wk;
        }
        if w > 0.0 { s / w } else { 0.0 }
    }

    fn curves(&self, fps: f64, settings: &SpeechSettings) -> SpeechCurves {
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            25.0
        };
        let duration_s = self.samples as f64 / RATE as f64;
        let frames = (duration_s * fps).round() as usize;
        // Window: two frames wide, at least 40 ms (so high frame rates still see a pitch
        // period or two).
        let half = (1.0 / fps).max(0.02);
        let db = |e: f64| 10.0 * (e + 1e-10).log10();
        let mut level = Vec::with_capacity(frames);
        let mut tilt = Vec::with_capacity(frames);
        for k in 0..frames {
            let t = k as f64 / fps + settings.lead_s;
            level.push(db(Self::window(&self.speech, t, half)));
            let lo = Self::window(&self.low, t, half);
            let hi = Self::window(&self.high, t, half);
            tilt.push(((hi + 1e-10) / (lo + 1e-10)).ln());
        }
        let loud = percentile(&level, 0.97);
        // The pauses between words sit 30–35 dB under the loud end in natural recordings;
        // digital silence (padding, a muted stretch) is far lower and would stretch the scale,
        // so the floor is held within 36 dB.
        let floor = percentile(&level, 0.10).max(loud - 36.0);
        let range = loud - floor;
        // Too little dynamic range to be speech (silence, a hum, a constant tone): closed.
        let speech = range >= 9.0;
        let gate = floor + (0.3 * range).max(6.0);
        let voiced: Vec<bool> = level.iter().map(|&l| speech && l > gate).collect();
        let raw_open: Vec<f64> = level
            .iter()
            .zip(&voiced)
            .map(|(&l, &v)| {
                if v {
                    ((l - gate) / (loud - gate).max(1.0))
                        .clamp(0.0, 1.0)
                        .powf(0.8)
                } else {
                    0.0
                }
            })
            .collect();
        let open = attack_release(&raw_open, fps, settings.attack_s, settings.release_s);
        // Lip shape: the high/low balance against its median over voiced frames.
        let voiced_tilt: Vec<f64> = tilt
            .iter()
            .zip(&voiced)
            .filter(|(_, v)| **v)
            .map(|(t, _)| *t)
            .collect();
        let mid = percentile(&voiced_tilt, 0.5);
        let spread = (percentile(&voiced_tilt, 0.84) - percentile(&voiced_tilt, 0.16)).max(0.5);
        let raw_width: Vec<f64> = tilt
            .iter()
            .zip(&voiced)
            .map(|(&t, &v)| if v { ((t - mid) / spread).tanh() } else { 0.0 })
            .collect();
        let width_s = attack_release(&raw_width, fps, 0.05, 0.05);
        let width: Vec<f32> = width_s
            .iter()
            .zip(&open)
            .map(|(w, o)| (w * (2.0 * o).min(1.0)) as f32)
            .collect();
        let energy: Vec<f32> = level
            .iter()
            .map(|&l| {
                if speech {
                    ((l - loud) / range.max(1.0)) as f32
                } else {
                    -1.0
                }
            })
            .collect();
        // Stress: the level climbs ≥ 8 dB within 160 ms to the loud third, at most one
        // every 0.6 s.
        let back = ((0.16 * fps).round() as usize).max(1);
        let gap = (0.6 * fps).round() as usize;
        let mut stresses: Vec<usize> = Vec::new();
        for k in back..frames {
            let rise = level[k] - level[k - back..k].iter().copied().fold(f64::MAX, f64::min);
            if voiced[k]
                && rise >= 8.0
                && level[k] > loud - range / 3.0
                && stresses.last().is_none_or(|&s| k - s >= gap)
            {
                stresses.push(k);
            }
        }
        SpeechCurves {
            fps,
            duration_s,
            open: open.iter().map(|&v| v as f32).collect(),
            width,
            voiced,
            energy,
            stresses,
        }
    }
}

/// One-pole smoothing that rises with time constant `attack_s` and falls with `release_s`.
fn attack_release(x: &[f64], fps: f64, attack_s: f64, release_s: f64) -> Vec<f64> {
    let alpha = |tau: f64| {
        if tau <= 0.0 {
            1.0
        } else {
            1.0 - (-1.0 / (fps * tau)).exp()
        }
    };
    let (up, down) = (alpha(attack_s), alpha(release_s));
    let mut y = 0.0;
    x.iter()
        .map(|&v| {
            let a = if v > y { up } else { down };
            y += a * (v - y);
            y
        })
        .collect()
}

/// The `q` quantile of `v` (0 for an empty slice).
fn percentile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * q).round() as usize]
}

/// A second-order filter (RBJ cookbook, Q = 1/√2) at the analysis rate.
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    z: [f64; 2],
}

impl Biquad {
    fn new(f0: f64, high: bool) -> Self {
        let w0 = std::f64::consts::TAU * f0 / RATE as f64;
        let (s, c) = w0.sin_cos();
        let alpha = s / (2.0 * std::f64::consts::FRAC_1_SQRT_2);
        let a0 = 1.0 + alpha;
        let b = if high {
            [(1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0]
        } else {
            [(1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0]
        };
        Self {
            b: b.map(|v| v / a0),
            a: [-2.0 * c / a0, (1.0 - alpha) / a0],
            z: [0.0; 2],
        }
    }

    fn high_pass(f0: f64) -> Self {
        Self::new(f0, true)
    }

    fn low_pass(f0: f64) -> Self {
        Self::new(f0, false)
    }

    /// Transposed direct form II.
    #[inline]
    fn run(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::PcmBuffer;

    /// A 16-kHz signal: `f(t)` sampled for `seconds`.
    fn pcm(seconds: f64, f: impl Fn(f64) -> f32) -> PcmBuffer {
        let n = (seconds * RATE as f64) as usize;
        PcmBuffer::new(
            AudioFormat::new(RATE, 1),
            (0..n).map(|i| f(i as f64 / RATE as f64)).collect(),
        )
    }

    #[test]
    fn filters_pass_their_band() {
        let gain = |mut f: Biquad, hz: f64| {
            let mut e = 0.0;
            for i in 0..RATE as usize {
                let y = f.run((std::f64::consts::TAU * hz * i as f64 / RATE as f64).sin());
                if i > 1600 {
                    e += y * y;
                }
            }
            (e / (RATE as f64 - 1600.0) * 2.0).sqrt()
        };
        assert!(gain(Biquad::high_pass(300.0), 2000.0) > 0.95);
        assert!(gain(Biquad::high_pass(300.0), 50.0) < 0.05);
        assert!(gain(Biquad::low_pass(3000.0), 500.0) > 0.95);
        assert!(gain(Biquad::low_pass(3000.0), 7000.0) < 0.3);
    }

    #[test]
    fn syllables_open_and_silence_closes() {
        // 1 s silence, then 4 "syllables" (a 150-Hz buzz with harmonics, 200 ms on, 200 ms
        // off), then silence: the mouth opens during each and is closed in the gaps.
        let buzz = |t: f64| {
            (1..12)
                .map(|h| (std::f64::consts::TAU * 150.0 * h as f64 * t).sin() / h as f64)
                .sum::<f64>() as f32
                * 0.2
        };
        let mut src = pcm(3.0, |t| {
            let on = (1.0..2.6).contains(&t) && ((t - 1.0) % 0.4) < 0.2;
            if on { buzz(t) } else { 0.0 }
        });
        let c =
            SpeechCurves::from_samples(&mut src, 25.0, &SpeechSettings::default()).expect("curves");
        assert_eq!(c.open.len(), 75);
        // Silence before the first syllable and after the last: closed.
        assert!(
            c.open[..20].iter().all(|&v| v < 0.01),
            "{:?}",
            &c.open[..25]
        );
        assert!(
            c.open[68..].iter().all(|&v| v < 0.05),
            "{:?}",
            &c.open[60..]
        );
        // Mid-syllable (t = 1.1, 1.5, 1.9, 2.3 s) open; mid-gap (1.3, 1.7, 2.1 s) nearly shut.
        for t in [1.1, 1.5, 1.9, 2.3] {
            let k = (t * 25.0) as usize;
            assert!(c.open[k] > 0.5, "t {t}: {}", c.open[k]);
        }
        for t in [1.32, 1.72, 2.12] {
            let k = (t * 25.0) as usize;
            assert!(c.open[k] < 0.25, "t {t}: {}", c.open[k]);
        }
        // The lips lead: the frame just before a syllable starts already opens a little.
        assert!(c.open[24] > 0.05, "{}", c.open[24]);
    }

    #[test]
    fn silence_and_a_constant_tone_stay_closed() {
        for mut src in [pcm(2.0, |_| 0.0), pcm(2.0, |t| (t * 1000.0).sin() as f32)] {
            let c = SpeechCurves::from_samples(&mut src, 25.0, &SpeechSettings::default())
                .expect("curves");
            assert_eq!(c.open.len(), 50);
            assert!(c.open.iter().all(|&v| v == 0.0));
            assert!(c.stresses.is_empty());
        }
    }
}
