//! Playback with sound: the soundtrack is decoded with FFmpeg and fed to rodio, and the samples
//! the sound card has taken are the clock the picture follows, so picture and voice stay
//! together however slowly frames are drawn. Without a sound device (or a soundtrack) the
//! clock is the wall clock, and playback is silent.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::media::{AudioFormat, AudioSource};

const RATE: u32 = 48_000;
const CHANNELS: u16 = 2;

/// The soundtrack from a time on, as rodio samples; counts what it hands out.
struct Feed {
    src: AudioSource,
    chunk: Vec<f32>,
    pos: usize,
    taken: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Iterator for Feed {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        while self.pos >= self.chunk.len() {
            // A decoding error ends the sound; the clock then runs on the wall clock.
            self.chunk = self.src.read_chunk().ok().flatten()?;
            self.pos = 0;
        }
        let s = self.chunk[self.pos];
        self.pos += 1;
        self.taken.fetch_add(1, Ordering::Relaxed);
        Some(s)
    }
}

impl rodio::Source for Feed {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> u16 {
        CHANNELS
    }
    fn sample_rate(&self) -> u32 {
        RATE
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

/// What is playing.
struct Playing {
    from_s: f64,
    rate: f64,
    started: Instant,
    /// Samples taken by the sound card (interleaved), when there is sound.
    taken: Option<Arc<AtomicU64>>,
    stop: Arc<AtomicBool>,
    /// Audio runs out before the picture: then the wall clock takes over from there.
    handoff: Option<(Instant, f64)>,
}

pub struct Player {
    stream: Option<rodio::OutputStream>,
    /// Why there is no sound, once, for a notice.
    pub notice: Option<String>,
    playing: Option<Playing>,
}

impl Player {
    /// Open the default sound device; without one, play silently and say so once.
    pub fn new(sound: bool) -> Self {
        if !sound {
            return Self {
                stream: None,
                notice: None,
                playing: None,
            };
        }
        match rodio::OutputStreamBuilder::open_default_stream() {
            Ok(mut stream) => {
                stream.log_on_drop(false);
                Self {
                    stream: Some(stream),
                    notice: None,
                    playing: None,
                }
            }
            Err(e) => Self {
                stream: None,
                notice: Some(format!(
                    "No sound device ({e}); playback is silent. Exports keep their sound."
                )),
                playing: None,
            },
        }
    }

    pub fn has_sound(&self) -> bool {
        self.stream.is_some()
    }

    /// Play from `from_s` at `rate` (1 = real time; backwards and fast play are silent), with
    /// the soundtrack from `sound` at `sound_offset_s + from_s` when given.
    pub fn play(&mut self, from_s: f64, rate: f64, sound: Option<(&Path, f64)>) {
        self.stop();
        let stop = Arc::new(AtomicBool::new(false));
        let mut taken = None;
        if let (Some(stream), Some((path, offset)), true) =
            (&self.stream, sound, (rate - 1.0).abs() < 1e-6)
            && let Ok(mut src) = AudioSource::open(path, AudioFormat::new(RATE, CHANNELS))
            && src.seek(from_s + offset).is_ok()
        {
            let counter = Arc::new(AtomicU64::new(0));
            stream.mixer().add(Feed {
                src,
                chunk: Vec::new(),
                pos: 0,
                taken: counter.clone(),
                stop: stop.clone(),
            });
            taken = Some(counter);
        }
        self.playing = Some(Playing {
            from_s,
            rate,
            started: Instant::now(),
            taken,
            stop,
            handoff: None,
        });
    }

    pub fn stop(&mut self) {
        if let Some(p) = self.playing.take() {
            p.stop.store(true, Ordering::Relaxed);
        }
    }

    pub fn is_playing(&self) -> bool {
        self.playing.is_some()
    }

    pub fn rate(&self) -> f64 {
        self.playing.as_ref().map_or(0.0, |p| p.rate)
    }

    /// Whether the sound card is the clock now.
    pub fn audio_clock(&self) -> bool {
        self.playing
            .as_ref()
            .is_some_and(|p| p.taken.is_some() && p.handoff.is_none())
    }

    /// The time being played, seconds.
    pub fn position(&mut self) -> Option<f64> {
        let p = self.playing.as_mut()?;
        if let Some((at, t)) = p.handoff {
            return Some(t + at.elapsed().as_secs_f64() * p.rate);
        }
        match &p.taken {
            Some(taken) => {
                let t = p.from_s
                    + taken.load(Ordering::Relaxed) as f64 / (RATE as f64 * CHANNELS as f64);
                // The sound ended (or never started): carry on by the wall clock.
                if p.started.elapsed() > Duration::from_millis(400) && Arc::strong_count(taken) == 1
                {
                    p.handoff = Some((Instant::now(), t));
                }
                Some(t)
            }
            None => Some(p.from_s + p.started.elapsed().as_secs_f64() * p.rate),
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_sound_the_wall_clock_runs_from_the_start_time() {
        let mut p = Player::new(false);
        assert!(p.position().is_none());
        p.play(2.0, 1.0, None);
        std::thread::sleep(Duration::from_millis(60));
        let t = p.position().unwrap_or_default();
        assert!(t > 2.05 && t < 2.6, "{t}");
        assert!(!p.audio_clock());
        // Backwards at double speed.
        p.play(2.0, -2.0, None);
        std::thread::sleep(Duration::from_millis(60));
        let t = p.position().unwrap_or_default();
        assert!(t < 1.9 && t > 0.8, "{t}");
        p.stop();
        assert!(p.position().is_none());
    }
}
