//! The preview: the render job the project makes, prepared again after each change (a moment
//! later, so a slider's drag prepares once), its frames asked for around the playhead, and the
//! playhead's time.

use super::*;

impl StudioApp {
    /// The render job for what the project holds now.
    pub fn render_job(&self, output: PathBuf, for_export: bool) -> Option<RenderJob> {
        let (ready, keep_still): (Vec<&SourceState>, Vec<KeepStill>) = self
            .sources
            .iter()
            .zip(&self.project.sources)
            .filter(|(s, _)| s.landmarks.is_some())
            .map(|(s, e)| {
                let still = if e.keep_still.is_empty() {
                    KeepStill::Nothing
                } else {
                    KeepStill::Strokes(e.keep_still.clone())
                };
                (s, still)
            })
            .unzip();
        if ready.is_empty() {
            return None;
        }
        if self.project.driving.is_none() && self.project.audio.is_none() {
            return None;
        }
        let (driving, audio) = (&self.project.driving, &self.project.audio);
        let mut settings = self.project.settings.clone();
        settings.lips_from_audio &= driving.is_some() && audio.is_some();
        let no_gpu = matches!(self.gpu, Some(Err(_)));
        let no_device = self.device_unavailable().is_some();
        match &mut settings.engine {
            // No GPU here: the CPU draws the same warp (the note said so).
            EngineSettings::Warp { backend, .. } if no_gpu => *backend = Backend::Cpu,
            // Nor the neural engine's GPU: the CPU runs the same networks (noted too).
            EngineSettings::Neural { device, .. } if no_device => {
                *device = crate::devices::DeviceChoice::Cpu
            }
            _ => {}
        }
        if !for_export {
            // The preview shows the whole clip at its own rate, framed as the output will be
            // (its shape and fit) but no larger than the portrait.
            settings.start_s = None;
            settings.end_s = None;
            settings.size = match ready[0].image.as_ref().map(|i| i.dimensions()) {
                Some((w, h)) => preview_size(settings.size, w, h),
                None => OutputSize::Source,
            };
            if driving.is_some() {
                settings.fps = None;
            }
        }
        let sound = match (audio, driving) {
            (Some(a), _) => Soundtrack::File(a.clone()),
            (None, Some(_)) => Soundtrack::Driving,
            (None, None) => Soundtrack::None,
        };
        Some(RenderJob {
            sources: ready.iter().map(|s| s.path.clone()).collect(),
            landmarks: ready.iter().map(|s| s.landmarks).collect(),
            keep_still,
            driving: driving.clone(),
            output,
            sound,
            settings,
            speech: Default::default(),
            cache_dir: crate::motion::cache::default_dir(),
            kind: None,
            preview: !for_export,
            signer: self.signer(),
        })
    }

    pub(super) fn prepare_preview(&mut self) {
        self.preview.prepare_cancel.store(true, Ordering::Relaxed);
        self.preview.prepare_cancel = Arc::new(AtomicBool::new(false));
        self.preview.generation += 1;
        self.preview.cache.clear();
        self.preview.requested = None;
        self.preview.drawing = None;
        self.preview.neural_failed = None;
        self.end_activity(&Task::NeuralFrame);
        if self
            .sources
            .iter()
            .any(|s| matches!(s.status, SourceStatus::Loading))
        {
            // Prepared when the last source is in.
            return;
        }
        self.preview.chosen.clear();
        self.preview.sources = (0..self.sources.len())
            .filter(|&i| self.sources[i].landmarks.is_some())
            .collect();
        let Some(job) = self.render_job(PathBuf::new(), false) else {
            self.preview.frames = self.timeline_frames_without_preview();
            return;
        };
        self.set_activity(&Task::Preview, "Preparing the preview".into(), None);
        self.worker.send(Job::Prepare {
            generation: self.preview.generation,
            job: Box::new(job),
            cancel: self.preview.prepare_cancel.clone(),
        });
    }

    /// Before an animation is ready, the timeline still spans the clip or the voice.
    pub(super) fn timeline_frames_without_preview(&self) -> u64 {
        if let Some(d) = &self.driving {
            return d.times.len() as u64;
        }
        if let Some(a) = &self.audio {
            return a.open.len() as u64;
        }
        0
    }

    /// The small note over the result when its frame is not the neural engine's final word:
    /// a warp stand-in (and why), or how long the neural frame took. `None` with the warp
    /// engine, whose frames are final.
    pub fn preview_badge(&self) -> Option<String> {
        let shown = self.preview.shown.as_ref()?;
        let k = shown.key.1;
        let p = &self.preview;
        Some(match shown.drawn {
            Drawn::Final => return None,
            Drawn::Neural(took) => format!("neural frame: {:.1} s", took.as_secs_f64()),
            Drawn::StandIn if self.player.is_playing() => {
                "warp preview while playing — neural frames are drawn when paused".into()
            }
            Drawn::StandIn => match p.neural_state {
                NeuralState::Failed => {
                    "warp preview — the neural engine could not start (see the message above)"
                        .into()
                }
                _ if p.neural_failed == Some(k) => {
                    "warp preview — the neural frame failed (see the message above)".into()
                }
                NeuralState::Preparing => {
                    "warp preview — the neural engine is getting ready…".into()
                }
                // How far it is: the status bar's bar.
                NeuralState::Ready => "warp preview — neural frame drawing…".into(),
            },
        })
    }

    /// The preview shows the project as it is now (no preparation pending).
    pub fn preview_ready(&self) -> bool {
        self.preview.prepare_due.is_none()
            && self.preview.prepared == self.preview.generation
            && self.preview.prepared > 0
    }

    /// Move the playhead (clamped), asking for that frame.
    pub fn seek(&mut self, k: i64) {
        let last = self.preview.frames.saturating_sub(1) as i64;
        self.preview.playhead = k.clamp(0, last.max(0)) as u64;
        if self.player.is_playing() {
            let (rate, t) = (self.player.rate(), self.time_of(self.preview.playhead));
            self.start_playing(t, rate);
        }
    }

    pub fn time_of(&self, k: u64) -> f64 {
        match &self.driving {
            Some(d) if self.project.driving.is_some() => d
                .times
                .get(k as usize)
                .map_or(k as f64 / self.preview.fps, |t| {
                    t - d.times.first().copied().unwrap_or(0.0)
                }),
            _ => k as f64 / self.preview.fps,
        }
    }

    pub fn frame_at_time(&self, t: f64) -> u64 {
        match &self.driving {
            Some(d) if self.project.driving.is_some() && !d.times.is_empty() => {
                let t0 = d.times[0];
                d.times
                    .partition_point(|&s| s - t0 <= t + 1e-6)
                    .saturating_sub(1) as u64
            }
            _ => (t * self.preview.fps + 1e-6).floor().max(0.0) as u64,
        }
    }
}

/// The size the preview draws at for an output of `size` from a `w`×`h` portrait: the
/// output's shape, scaled down to the portrait's longer side (even sides, as the encoder needs).
pub(super) fn preview_size(size: OutputSize, w: u32, h: u32) -> OutputSize {
    let Some((ow, oh)) = size.size(w, h) else {
        return OutputSize::Source;
    };
    let scale = (w.max(h) as f64 / ow.max(oh) as f64).min(1.0);
    let even = |v: u32| ((v as f64 * scale / 2.0).round() as u32 * 2).max(2);
    if (even(ow), even(oh)) == (w, h) {
        OutputSize::Source
    } else {
        OutputSize::Fixed(even(ow), even(oh))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn the_preview_is_framed_as_the_output_at_the_portraits_size() {
        assert_eq!(
            preview_size(OutputSize::Source, 512, 512),
            OutputSize::Source
        );
        // The same shape, larger: the portrait's own size.
        assert_eq!(
            preview_size(OutputSize::Lines(2160), 512, 512),
            OutputSize::Source
        );
        // 9:16 from a square: 9:16 within 512.
        assert_eq!(
            preview_size(OutputSize::Fixed(1080, 1920), 512, 512),
            OutputSize::Fixed(288, 512)
        );
        // Within the portrait's longer side already: as it is.
        assert_eq!(
            preview_size(OutputSize::Fixed(1080, 1080), 744, 1156),
            OutputSize::Fixed(1080, 1080)
        );
    }
}
