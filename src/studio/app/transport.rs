//! The playhead: seeking, frame ↔ time, play/pause and J/K/L shuttle, in/out marks.

use super::StudioApp;

impl StudioApp {
    pub fn toggle_play(&mut self) {
        if self.player.is_playing() {
            self.player.stop();
        } else {
            if self.preview.playhead + 1 >= self.preview.frames {
                self.preview.playhead = 0;
            }
            self.start_playing(self.time_of(self.preview.playhead), 1.0);
        }
    }

    /// J/K/L: play backwards, pause, forwards; pressed again, faster.
    pub fn shuttle(&mut self, direction: i32) {
        if direction == 0 {
            self.player.stop();
            return;
        }
        let rate = self.player.rate();
        let rate = if rate != 0.0 && rate.signum() as i32 == direction {
            (rate * 2.0).clamp(-8.0, 8.0)
        } else {
            direction as f64
        };
        self.start_playing(self.time_of(self.preview.playhead), rate);
    }

    pub(super) fn start_playing(&mut self, from_s: f64, rate: f64) {
        let sound = match (&self.project.audio, &self.project.driving) {
            (Some(a), _) => Some((a.clone(), 0.0)),
            (None, Some(d)) if self.driving.as_ref().is_some_and(|s| s.waveform.is_some()) => {
                let t0 = self
                    .driving
                    .as_ref()
                    .and_then(|s| s.times.first().copied())
                    .unwrap_or(0.0);
                Some((d.clone(), t0))
            }
            _ => None,
        };
        self.player
            .play(from_s, rate, sound.as_ref().map(|(p, o)| (p.as_path(), *o)));
    }
}
