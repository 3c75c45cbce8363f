//! What the worker sends back, taken once per UI frame; and what falls due (preview
//! preparation, frame requests, autosave).

use std::path::Path;
use std::time::{Duration, Instant};

use egui::{ColorImage, TextureHandle, TextureOptions};
use image::RgbImage;

use super::{
    Activity, AudioState, BannerAction, DrivingState, NeuralState, PreviewFrame, Severity, Shown,
    SourceStatus, StudioApp, Topic, file_name,
};
use crate::pipeline::Failure;
use crate::studio::worker::{Drawn, Event, Job, JobError, Task};

impl StudioApp {
    pub(super) fn set_activity(&mut self, task: &Task, text: String, fraction: Option<f32>) {
        self.notices
            .activity
            .insert(task.clone(), Activity { text, fraction });
    }

    pub(super) fn end_activity(&mut self, task: &Task) {
        self.notices.activity.remove(task);
    }

    /// Take what the worker has sent, schedule what is due; called once per UI frame.
    pub fn tick(&mut self) {
        let now = Instant::now();
        if let Some(last) = self.last_frame.replace(now) {
            self.frame_times.push_back((now - last).as_secs_f64());
            if self.frame_times.len() > 120 {
                self.frame_times.pop_front();
            }
        }
        for event in self.worker.poll() {
            self.on_event(event);
        }
        self.perform_tick();
        self.settle_opening_when_due();
        if self.preview.prepare_due.is_some_and(|t| now >= t) {
            self.preview.prepare_due = None;
            self.prepare_preview();
        }
        if let Some(t) = self.player.position() {
            self.follow_playback(t);
            self.ctx.request_repaint();
        }
        if self.preview_ready() {
            // The playhead's frame, unless drawn; with the neural engine its warp stand-in
            // first and, unless playing, the neural frame after it (a newer request stops
            // the neural frame being drawn).
            let k = self.preview.playhead;
            let neural = self.preview.neural && !self.player.is_playing();
            let wanted = match self.preview.cache.get(k).map(|f| f.drawn) {
                None => true,
                Some(Drawn::StandIn) => neural,
                Some(_) => false,
            };
            let key = (self.preview.generation, k, neural);
            if wanted && self.preview.requested != Some(key) {
                self.preview.requested = Some(key);
                self.worker.send(Job::Frame {
                    generation: self.preview.generation,
                    k,
                    neural,
                });
            }
        }
        self.show_frame();
        if self.autosave_due && self.last_autosave.elapsed() > Duration::from_secs(5) {
            self.autosave();
        }
        if self.preview.prepare_due.is_some()
            || !self.notices.activity.is_empty()
            || self.exporting()
            || self.downloading()
        {
            self.ctx.request_repaint_after(Duration::from_millis(30));
        }
    }

    pub(super) fn on_event(&mut self, event: Event) {
        match event {
            Event::Progress {
                task,
                text,
                fraction,
            } => {
                // The neural engine's preparation reports for the prepared job only (a late
                // report of one replaced would stay in the status bar).
                let current =
                    self.preview.neural && self.preview.prepared == self.preview.generation;
                if task != Task::NeuralFrame || current {
                    self.set_activity(&task, text, fraction);
                }
            }
            Event::Source { id, image, faces } => {
                self.end_activity(&Task::Source(id));
                let Some(i) = self.sources.iter().position(|s| s.id == id) else {
                    return;
                };
                // The same picture (one file added twice) shares its texture.
                let shared = self.sources.iter().find_map(|s| {
                    s.image
                        .as_ref()
                        .filter(|i| std::sync::Arc::ptr_eq(i, &image))
                        .and(s.texture.clone())
                });
                let texture =
                    shared.unwrap_or_else(|| self.texture(&format!("source-{id}"), &image));
                let s = &mut self.sources[i];
                s.texture = Some(texture);
                s.image = Some(image);
                s.face = s.face.min(faces.len().saturating_sub(1));
                if s.landmarks.is_none() {
                    s.landmarks = faces.get(s.face).map(|f| f.landmarks);
                }
                s.faces = faces;
                s.status = if s.landmarks.is_some() {
                    SourceStatus::Ready
                } else {
                    SourceStatus::NoFace
                };
                let (name, count, no_face) =
                    (file_name(&s.path), s.faces.len(), s.landmarks.is_none());
                if no_face {
                    self.banner(
                        Severity::Warning,
                        format!(
                            "No face found in {name}. Place it by hand: drag a box from brow to chin, then drag the eyes, nose and mouth onto the picture."
                        ),
                        Some(("Place face".into(), BannerAction::PlaceFace(i))),
                    );
                } else if count > 1 {
                    self.banner(
                        Severity::Info,
                        format!(
                            "{name}: {count} faces found. Click a face on the source to animate it."
                        ),
                        None,
                    );
                }
                self.refresh();
            }
            Event::Driving {
                path,
                info,
                times,
                thumbnails,
                waveform,
            } => {
                self.end_activity(&Task::Driving);
                if self.project.driving.as_deref() != Some(path.as_path()) {
                    return;
                }
                let strip = thumbnails
                    .iter()
                    .enumerate()
                    .map(|(i, (t, img))| (*t, self.texture(&format!("thumb-{i}"), img)))
                    .collect();
                self.preview.fps = info.fps();
                self.driving = Some(DrivingState {
                    path,
                    width: info.width,
                    height: info.height,
                    fps: info.fps(),
                    times,
                    thumbnails: strip,
                    frame_thumbnails: Default::default(),
                    frame_thumbnails_asked: Default::default(),
                    waveform,
                });
                // The preview was asked for when the clip was chosen; this only fills the
                // timeline.
                if !self.preview_ready() && self.preview.frames == 0 {
                    self.preview.frames = self.timeline_frames_without_preview();
                }
            }
            Event::FrameThumbnails { path, thumbnails } => {
                let textures: Vec<(u64, TextureHandle)> = thumbnails
                    .iter()
                    .map(|(k, img)| (*k, self.texture(&format!("frame-thumb-{k}"), img)))
                    .collect();
                if let Some(d) = self.driving.as_mut().filter(|d| d.path == path) {
                    d.frame_thumbnails.extend(textures);
                }
            }
            Event::Audio {
                path,
                waveform,
                duration_s,
                open,
                fps,
            } => {
                self.end_activity(&Task::Audio);
                if self.project.audio.as_deref() != Some(path.as_path()) {
                    return;
                }
                self.audio = Some(AudioState {
                    path,
                    waveform,
                    duration_s,
                    open,
                    fps,
                });
                if !self.preview_ready() && self.preview.frames == 0 {
                    self.preview.frames = self.timeline_frames_without_preview();
                }
            }
            Event::Prepared {
                generation,
                frames,
                fps,
                notes,
                neural,
            } => {
                if generation != self.preview.generation {
                    return;
                }
                self.end_activity(&Task::Preview);
                self.preview.prepared = generation;
                self.preview.frames = frames;
                self.preview.fps = fps.0 as f64 / fps.1.max(1) as f64;
                self.preview.playhead = self.preview.playhead.min(frames.saturating_sub(1));
                self.preview.neural = neural;
                self.preview.neural_state = if neural {
                    NeuralState::Preparing
                } else {
                    NeuralState::Ready
                };
                self.notes(notes);
            }
            Event::NeuralReady { generation, notes } => {
                if generation != self.preview.generation {
                    return;
                }
                self.end_activity(&Task::NeuralFrame);
                self.preview.neural_state = NeuralState::Ready;
                self.notes(notes);
            }
            Event::NeuralDrawing {
                generation,
                k,
                fraction,
            } => {
                if generation != self.preview.generation {
                    return;
                }
                self.preview.drawing = Some((k, fraction));
                self.set_activity(
                    &Task::NeuralFrame,
                    format!("Drawing frame {k} with the neural engine"),
                    Some(fraction),
                );
            }
            Event::NeuralCancelled(c) => {
                if c.generation != self.preview.generation {
                    return;
                }
                if self.preview.drawing.is_some_and(|(k, _)| k == c.k) {
                    self.preview.drawing = None;
                    self.end_activity(&Task::NeuralFrame);
                }
                self.preview.last_cancel = Some(c);
                self.preview.cancels += 1;
            }
            Event::Frame {
                generation,
                k,
                result,
                source,
                driving,
                drawn,
            } => {
                if generation != self.preview.generation {
                    return;
                }
                self.end_activity(&Task::Preview);
                if matches!(drawn, Drawn::Neural(_))
                    && self.preview.drawing.is_some_and(|d| d.0 == k)
                {
                    self.preview.drawing = None;
                    self.end_activity(&Task::NeuralFrame);
                }
                let bytes = result.pixels.len() * 4
                    + driving.as_ref().map_or(0, |(img, _)| img.pixels.len() * 4);
                self.preview.cache.insert(
                    k,
                    PreviewFrame {
                        result,
                        // The job's sources are those with a face; back to the project's.
                        source: {
                            let s = self.preview.sources.get(source).copied();
                            if let Some(s) = s {
                                self.preview.chosen.insert(k, s);
                            }
                            s
                        },
                        driving: driving.map(|(img, lm)| (img, *lm)),
                        drawn,
                        bytes,
                    },
                );
            }
            Event::Gpu(found) => self.set_gpu(found),
            Event::Devices(report) => self.set_compute(*report),
            Event::ExportProgress(stage) => {
                if let Some(e) = &mut self.export {
                    e.progress(stage, Instant::now());
                }
            }
            Event::Exported(report) => {
                let dir = report
                    .output
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let text = format!(
                    "Exported {} ({} frames, {:.1} s{}). {}",
                    report.output.display(),
                    report.frames,
                    report.duration_s,
                    if report.audio.is_some() {
                        ", with sound"
                    } else {
                        ", silent"
                    },
                    if report.signed {
                        "Signed with Content Credentials."
                    } else {
                        "Content Credentials are off: nothing in it says that Vivant made it."
                    }
                );
                if let Some(e) = &mut self.export {
                    e.finished = Some(Ok(*report));
                }
                self.banner_on(
                    Topic::Export,
                    Severity::Info,
                    text,
                    Some(("Show in folder".into(), BannerAction::ShowInFolder(dir))),
                );
            }
            Event::DownloadProgress(p) => self.on_download_progress(p),
            Event::Downloaded(fetched) => self.on_downloaded(*fetched),
            Event::Failed { task, error } => {
                self.end_activity(&task);
                if task == Task::Download {
                    self.on_download_failed();
                }
                if task == Task::NeuralFrame {
                    match (self.preview.neural_state, self.preview.drawing.take()) {
                        (NeuralState::Preparing, _) => {
                            self.preview.neural_state = NeuralState::Failed
                        }
                        (_, Some((k, _))) => self.preview.neural_failed = Some(k),
                        _ => {}
                    }
                }
                let (severity, text) = self.failure_text(&task, &error);
                if task == Task::Export
                    && let Some(e) = &mut self.export
                {
                    e.finished = Some(Err(error.clone()));
                }
                if let Task::Source(id) = task
                    && let Some(s) = self.sources.iter_mut().find(|s| s.id == id)
                {
                    s.status = SourceStatus::Failed(error.clone());
                }
                if task == Task::Export {
                    self.banner_on(Topic::Export, severity, text, None);
                } else {
                    self.banner(severity, text, None);
                }
            }
        }
    }

    /// A failed job in words a user can act on, and how loud to say it: chosen from the
    /// error's type, never from its text.
    pub fn failure_text(&self, task: &Task, error: &JobError) -> (Severity, String) {
        let message = error.to_string();
        match (task, error.failure()) {
            (Task::Export, Failure::Cancelled) => (
                Severity::Info,
                "Export cancelled; nothing was written.".into(),
            ),
            (Task::Download, Failure::Cancelled) => (
                Severity::Info,
                "Download cancelled; nothing was installed. What was downloaded is kept, and the next download resumes from it."
                    .into(),
            ),
            (_, Failure::Cancelled) => (Severity::Info, "Cancelled.".into()),
            (_, Failure::DiskFull) => (
                Severity::Error,
                "The disk is full: free some space or export to another drive. Nothing was written."
                    .into(),
            ),
            (_, Failure::NotWritable) => (
                Severity::Error,
                format!("Cannot write there: {message}. Choose another folder."),
            ),
            (Task::Preview, Failure::NoDrivingFace) => (
                Severity::Error,
                format!("{message}. Choose a clip where a face is visible, facing the camera."),
            ),
            (Task::Source(_), _) => (
                Severity::Error,
                format!(
                    "Cannot use this picture: {message}. Check the file, or export it again from your image editor."
                ),
            ),
            (Task::Driving, _) => (
                Severity::Error,
                format!(
                    "Cannot open the driving clip: {message}. Try another file, or convert it to MP4 (H.264)."
                ),
            ),
            (Task::Audio, _) => (
                Severity::Error,
                format!("Cannot read the soundtrack: {message}. Try a WAV or MP3 file."),
            ),
            (Task::Preview, _) => (Severity::Error, format!("Preview: {message}")),
            (Task::NeuralFrame, _) => (
                Severity::Error,
                format!("Neural preview: {message}. The warp engine's frames stand in meanwhile."),
            ),
            (Task::Export, _) => (Severity::Error, format!("Export failed: {message}")),
            (Task::Download, _) => (
                Severity::Error,
                format!("Downloading LivePortrait's weights failed: {message}"),
            ),
        }
    }

    /// Put the playhead's frame (or the nearest drawn one) on the two preview textures, if it
    /// is not there already.
    fn show_frame(&mut self) {
        let exact = self
            .preview
            .cache
            .get(self.preview.playhead)
            .map(|_| self.preview.playhead);
        let Some(k) = exact.or_else(|| self.preview.cache.nearest_index(self.preview.playhead))
        else {
            self.preview.shown = None;
            return;
        };
        let key = (self.preview.generation, k);
        let Some(f) = self.preview.cache.get(k) else {
            return;
        };
        // The same frame drawn again counts: a neural frame replaces its stand-in.
        if self
            .preview
            .shown
            .as_ref()
            .is_some_and(|s| s.key == key && s.drawn == f.drawn)
        {
            return;
        }
        let (result, driving, source, drawn) =
            (f.result.clone(), f.driving.clone(), f.source, f.drawn);
        let mut shown = match self.preview.shown.take() {
            Some(s) => s,
            None => Shown {
                key,
                drawn,
                source,
                result: self
                    .ctx
                    .load_texture("result", result.clone(), TextureOptions::LINEAR),
                driving: None,
            },
        };
        shown.key = key;
        shown.drawn = drawn;
        shown.source = source;
        shown.result.set(result, TextureOptions::LINEAR);
        shown.driving = match (shown.driving.take(), driving) {
            (Some((mut tex, _)), Some((img, lm))) => {
                tex.set(img, TextureOptions::LINEAR);
                Some((tex, lm))
            }
            (None, Some((img, lm))) => Some((
                self.ctx
                    .load_texture("driving", img, TextureOptions::LINEAR),
                lm,
            )),
            (_, None) => None,
        };
        self.preview.shown = Some(shown);
    }

    /// The pipeline's notes as banners, naming their files as the panels do.
    fn notes(&mut self, notes: Vec<crate::pipeline::Note>) {
        for n in notes {
            self.banner(Severity::Info, n.words(file_name), None);
        }
    }

    pub(super) fn texture(&self, name: &str, img: &RgbImage) -> TextureHandle {
        let size = [img.width() as usize, img.height() as usize];
        let color = ColorImage::from_rgb(size, img.as_raw());
        self.ctx.load_texture(name, color, TextureOptions::LINEAR)
    }

    /// Frames per second the UI drew over the last ~2 s.
    pub fn ui_fps(&self) -> Option<f64> {
        if self.frame_times.len() < 10 {
            return None;
        }
        let total: f64 = self.frame_times.iter().sum();
        Some(self.frame_times.len() as f64 / total.max(1e-9))
    }
}
