//! The playhead: seeking, frame ↔ time, play/pause and J/K/L shuttle, in/out marks.

use super::StudioApp;

impl StudioApp {
    /// Space: play from the playhead, or pause. Within the range to export, playback stops at
    /// its out point (or loops to its in point); at the out point, it starts from the in point.
    pub fn toggle_play(&mut self) {
        if self.player.is_playing() {
            self.player.stop();
            return;
        }
        let (first, last) = self.bounds_at(self.preview.playhead);
        if self.preview.playhead >= last {
            self.preview.playhead = first;
        }
        self.preview.play_bounds = (first, last);
        self.start_playing(self.time_of(self.preview.playhead), 1.0);
    }

    /// Shift+Space: the range to export, from its in point to its out point.
    pub fn play_in_to_out(&mut self) {
        let (first, last) = self.range_frames();
        self.player.stop();
        self.preview.playhead = first;
        self.preview.play_bounds = (first, last);
        self.start_playing(self.time_of(first), 1.0);
    }

    /// The first and last frame of the range to export (inclusive): the in point's frame and
    /// the out point's (the last frame before the out time), or the whole timeline.
    pub fn range_frames(&self) -> (u64, u64) {
        let end = self.preview.frames.saturating_sub(1);
        let s = &self.project.settings;
        let first = s.start_s.map_or(0, |t| self.frame_at_time(t)).min(end);
        // The export takes the frames that start before the out time.
        let last = s
            .end_s
            .map_or(end, |t| self.frame_at_time((t - 1e-4).max(0.0)))
            .min(end);
        (first, last.max(first))
    }

    /// The frames playback from `k` stays between: the range to export when `k` is in it,
    /// else the whole timeline.
    fn bounds_at(&self, k: u64) -> (u64, u64) {
        let range = self.range_frames();
        let set = self.project.settings.start_s.is_some() || self.project.settings.end_s.is_some();
        if set && (range.0..=range.1).contains(&k) {
            range
        } else {
            (0, self.preview.frames.saturating_sub(1))
        }
    }

    /// Once a frame while playing: the playhead follows the clock, and stops (or loops) at the
    /// bounds of what is played.
    pub(super) fn follow_playback(&mut self, t: f64) {
        let (first, last) = self.preview.play_bounds;
        let last = last.min(self.preview.frames.saturating_sub(1));
        let rate = self.player.rate();
        let k = self.frame_at_time(t.max(0.0));
        let frame = 1.0 / self.preview.fps.max(1.0);
        if rate >= 0.0 {
            if self.preview.looping {
                // The last frame is shown for its own time before the first comes again.
                if k > last || t >= self.time_of(last) + frame {
                    self.preview.playhead = first;
                    self.start_playing(self.time_of(first), rate);
                    return;
                }
            } else if k >= last {
                self.preview.playhead = last;
                self.player.stop();
                return;
            }
        } else if t < self.time_of(first) || t < 0.0 {
            if self.preview.looping {
                self.preview.playhead = last;
                self.start_playing(self.time_of(last), rate);
            } else {
                self.preview.playhead = first;
                self.player.stop();
            }
            return;
        }
        self.preview.playhead = k;
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
        if !self.player.is_playing() {
            self.preview.play_bounds = self.bounds_at(self.preview.playhead);
        }
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
