//! Perform: the portrait follows the user's face from a camera, live, and a take (camera and
//! microphone) is recorded into the project's folder and becomes the driving clip.
//!
//! The live loop (`pipeline::live`) runs on a thread of its own for as long as the camera is
//! on; the window shows the newest frame it drew, and the camera's own picture small beside
//! it. Record counts in 3-2-1 and records through `export::take` from the same camera, so the
//! take is exactly what was performed. The camera and microphone chosen are remembered.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use egui::TextureHandle;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::{Severity, StudioApp, View, file_name};
use crate::export::take::{Take, VoiceTake};
use crate::face::Analyzer;
use crate::media::live::{Camera, DeviceKind, DeviceList, LiveInput, Microphone, list_devices};
use crate::models::ModelSource;
use crate::pipeline::live::{LiveReport, LiveSettings, Performer, TakeFollower, perform};
use crate::render::{Backend, EngineSettings, SourceFace};
use crate::studio::project::TakeEntry;

/// How long Record counts in.
pub const COUNT_IN: Duration = Duration::from_secs(3);

/// The camera and microphone last used (remembered between sessions).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveDevices {
    pub camera: String,
    /// Empty: no microphone (a silent take).
    pub mic: String,
}

/// Perform's state.
#[derive(Default)]
pub struct PerformState {
    pub devices: LiveDevices,
    /// The cameras and microphones found, listed when Perform is opened.
    pub found: Option<DeviceList>,
    pub live: Option<LiveSession>,
    /// Recording starts at this instant (the count-in runs until then).
    pub count_in: Option<Instant>,
    pub take: Option<Take>,
    /// Follows the take's frames, so its analysis is ready when it stops.
    pub follower: Option<TakeFollower>,
    /// A voice take (the microphone alone: no camera chosen) being recorded.
    pub voice: Option<(Arc<Microphone>, VoiceTake)>,
    /// The count-in running is for a voice take.
    pub count_in_voice: bool,
    /// The newest frames shown: the portrait's and the camera's.
    pub texture: Option<TextureHandle>,
    pub camera_texture: Option<TextureHandle>,
    pub shown_seq: Option<u64>,
    /// A take's name being edited: (index, text).
    pub renaming: Option<(usize, String)>,
    /// The engine the live view draws with, said under it (the warp engine; why, when the
    /// project's is another).
    pub note: Option<String>,
}

/// What the live loop last drew.
pub struct LiveShown {
    pub seq: u64,
    pub portrait: RgbImage,
    pub camera: Arc<RgbImage>,
    pub face: bool,
}

/// The camera on and the live loop running.
pub struct LiveSession {
    pub camera: Arc<Camera>,
    pub mic: Option<Arc<Microphone>>,
    stop: Arc<AtomicBool>,
    pub latest: Arc<Mutex<Option<LiveShown>>>,
    /// Frames shown per second and latency, over the last second.
    pub stats: Arc<Mutex<(f64, f64)>>,
    thread: Option<JoinHandle<Result<LiveReport, String>>>,
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl StudioApp {
    /// Show Perform: list the cameras and microphones, and choose the ones used last (or the
    /// first found).
    pub fn open_perform(&mut self) {
        self.layout.view = View::Perform;
        let found = list_devices();
        if self.perform.devices.camera.is_empty()
            && let Some(c) = found.cameras.first()
        {
            self.perform.devices.camera = c.spec.clone();
        }
        self.perform.found = Some(found);
    }

    /// Turn the camera on and start following it.
    pub fn start_live(&mut self) {
        self.perform.live = None;
        let sources: Vec<SourceFace> = self
            .sources
            .iter()
            .zip(&self.project.sources)
            .filter_map(|(s, entry)| {
                let image = s.image.as_deref()?.clone();
                // What the user keeps still stays still live too.
                let keep_still = crate::render::StillMask::from_strokes(
                    image.width(),
                    image.height(),
                    &entry.keep_still,
                )
                .map(Arc::new);
                Some(SourceFace {
                    image,
                    landmarks68: s.landmarks?,
                    keep_still,
                })
            })
            .collect();
        if sources.is_empty() {
            self.banner(
                Severity::Warning,
                "Add a portrait with a face found before performing: the live view moves it.",
                None,
            );
            return;
        }
        match self.live_session(sources) {
            Ok(session) => {
                self.perform.live = Some(session);
                self.write_live_devices();
            }
            Err(e) => self.banner(Severity::Error, e, None),
        }
    }

    fn live_session(&mut self, sources: Vec<SourceFace>) -> Result<LiveSession, String> {
        let d = self.perform.devices.clone();
        if d.camera.trim().is_empty() {
            return Err(
                "Choose a camera first (or type FORMAT:INPUT, or a video file's path).".into(),
            );
        }
        let camera = LiveInput::parse(&d.camera, DeviceKind::Camera)
            .and_then(|i| Camera::open(&i))
            .map_err(|e| format!("The camera could not be opened: {e}"))?;
        let mic = if d.mic.trim().is_empty() {
            None
        } else {
            Some(
                LiveInput::parse(&d.mic, DeviceKind::Microphone)
                    .and_then(|i| Microphone::open(&i))
                    .map_err(|e| format!("The microphone could not be opened: {e}"))?,
            )
        };
        let s = &self.project.settings;
        let (backend, clip_mouth, eye_fill, details, note) = match &s.engine {
            EngineSettings::Warp {
                backend,
                clip_mouth,
                eye_fill,
                details,
                ..
            } => (*backend, *clip_mouth, *eye_fill, *details, None),
            EngineSettings::Neural { .. } => (
                Backend::Cpu,
                true,
                true,
                crate::render::DEFAULT_DETAILS,
                Some(
                    "Live with the warp engine: the neural engine's frames take seconds here, too slow to follow a camera."
                        .to_string(),
                ),
            ),
        };
        self.perform.note = note;
        let settings = LiveSettings {
            mode: s.mode,
            strengths: s.strengths,
            backend,
            clip_mouth,
            eye_fill,
            details,
            smoothing: s.smoothing,
        };
        let camera = Arc::new(camera);
        let stop = Arc::new(AtomicBool::new(false));
        let latest = Arc::new(Mutex::new(None));
        let stats = Arc::new(Mutex::new((0.0, 0.0)));
        let thread = {
            let (camera, stop, latest, stats) =
                (camera.clone(), stop.clone(), latest.clone(), stats.clone());
            let ctx = self.ctx.clone();
            std::thread::Builder::new()
                .name("live".into())
                .spawn(move || {
                    let analyzer = Analyzer::new(&candle_core::Device::Cpu, &ModelSource::Embedded)
                        .map_err(|e| e.to_string())?;
                    let mut performer = Performer::new(&analyzer, sources, settings);
                    let mut window: Vec<(f64, f64)> = Vec::new();
                    let result = perform(
                        &camera,
                        &mut performer,
                        f64::INFINITY,
                        &stop,
                        |drawn, frame| {
                            let now = crate::media::live::now_s();
                            window.push((now, (now - frame.captured_s) * 1000.0));
                            window.retain(|(t, _)| now - t <= 1.0);
                            let latency =
                                window.iter().map(|w| w.1).sum::<f64>() / window.len() as f64;
                            if let Ok(mut s) = stats.lock() {
                                *s = (window.len() as f64, latency);
                            }
                            if let Ok(mut l) = latest.lock() {
                                *l = Some(LiveShown {
                                    seq: frame.seq,
                                    portrait: drawn.image.clone(),
                                    camera: frame.image.clone(),
                                    face: drawn.face.is_some(),
                                });
                            }
                            ctx.request_repaint();
                            Ok(())
                        },
                    );
                    ctx.request_repaint();
                    result.map_err(|e| e.to_string())
                })
                .map_err(|e| format!("The live view could not start: {e}"))?
        };
        Ok(LiveSession {
            camera,
            mic: mic.map(Arc::new),
            stop,
            latest,
            stats,
            thread: Some(thread),
        })
    }

    /// Turn the camera off (a take being recorded is finished and kept first).
    pub fn stop_live(&mut self) {
        if self.perform.take.is_some() {
            self.stop_take();
        }
        self.perform.count_in = None;
        self.perform.live = None;
        self.perform.shown_seq = None;
    }

    /// Record, or stop recording (R): a count-in first; the camera is turned on if it is off.
    /// With no camera chosen and a microphone, the voice alone is recorded.
    pub fn toggle_record(&mut self) {
        if self.perform.take.is_some() {
            self.stop_take();
            return;
        }
        if self.perform.voice.is_some() {
            self.stop_voice_take();
            return;
        }
        if self.perform.count_in.is_some() {
            self.perform.count_in = None;
            return;
        }
        if self.layout.view != View::Perform {
            self.open_perform();
        }
        let d = &self.perform.devices;
        if d.camera.trim().is_empty() && !d.mic.trim().is_empty() && self.perform.live.is_none() {
            self.perform.count_in_voice = true;
            self.perform.count_in = Some(Instant::now() + COUNT_IN);
            return;
        }
        if self.perform.live.is_none() {
            self.start_live();
        }
        if self.perform.live.is_some() {
            self.perform.count_in_voice = false;
            self.perform.count_in = Some(Instant::now() + COUNT_IN);
        }
    }

    /// The next free `NAME-N.EXT` in the takes folder (made if needed), or a banner why not.
    fn next_take_path(&mut self, name: &str, ext: &str) -> Option<PathBuf> {
        let usable = |dir: &PathBuf| {
            std::fs::create_dir_all(dir).and_then(|()| crate::output::writable(dir))
        };
        let own = self.state_dir().map(|d| d.join("takes"));
        let dir = match self.takes_dir() {
            Some(dir) => match usable(&dir) {
                Ok(()) => dir,
                // A project in a folder that cannot be written (the bundled demo where it is
                // installed, a read-only share): takes go to Vivant's own folder, said once.
                Err(e) => match own.filter(|o| usable(o).is_ok()) {
                    Some(o) => {
                        self.banner(
                            Severity::Info,
                            format!(
                                "Takes are saved in {}: the project's folder cannot be written ({e}).",
                                o.display()
                            ),
                            None,
                        );
                        o
                    }
                    None => {
                        self.banner(
                            Severity::Error,
                            format!("Cannot write the take into {}: {e}", dir.display()),
                            None,
                        );
                        return None;
                    }
                },
            },
            None => {
                self.banner(
                    Severity::Error,
                    "There is no folder to record into: save the project first.",
                    None,
                );
                return None;
            }
        };
        let n = (1..)
            .find(|n| !dir.join(format!("{name}-{n}.{ext}")).exists())
            .unwrap_or(1);
        Some(dir.join(format!("{name}-{n}.{ext}")))
    }

    /// *Perform live*: the Perform view, and the camera turned on when one is chosen.
    pub fn perform_live(&mut self) {
        self.open_perform();
        if self.perform.live.is_none() && !self.perform.devices.camera.trim().is_empty() {
            self.start_live();
        }
    }

    fn start_voice_take(&mut self) {
        let mic = LiveInput::parse(&self.perform.devices.mic, DeviceKind::Microphone)
            .and_then(|i| Microphone::open(&i));
        let mic = match mic {
            Ok(m) => Arc::new(m),
            Err(e) => {
                self.banner(
                    Severity::Error,
                    format!("The microphone could not be opened: {e}"),
                    None,
                );
                return;
            }
        };
        let Some(path) = self.next_take_path("voice", "wav") else {
            return;
        };
        match VoiceTake::start(&mic, &path) {
            Ok(t) => {
                self.perform.voice = Some((mic, t));
                self.write_live_devices();
            }
            Err(e) => self.banner(
                Severity::Error,
                format!("The take could not be started: {e}"),
                None,
            ),
        }
    }

    /// Finish a voice take: written, listed, and made the voice the portrait speaks (the
    /// voice mode: no driving clip), undoably.
    pub fn stop_voice_take(&mut self) {
        let Some((_mic, take)) = self.perform.voice.take() else {
            return;
        };
        let path = take.path().to_path_buf();
        match take.stop() {
            Ok(report) => {
                let before = self.project.clone();
                self.project.takes.push(TakeEntry {
                    path: path.clone(),
                    name: take_name(&path),
                });
                self.set_driving(None);
                self.set_audio(Some(path));
                self.record("Record voice take", before, false);
                self.lost_during_take(
                    "microphone",
                    report.microphone_lost,
                    "what was recorded is kept",
                );
            }
            Err(e) => self.banner(
                Severity::Error,
                format!("The take could not be written: {e}"),
                None,
            ),
        }
    }

    /// Where takes go: a folder beside the project file, else in Vivant's own folder.
    pub fn takes_dir(&self) -> Option<PathBuf> {
        match &self.project_path {
            Some(p) => {
                let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned())?;
                Some(p.parent()?.join(format!("{stem} takes")))
            }
            None => self.state_dir().map(|d| d.join("takes")),
        }
    }

    fn start_take(&mut self) {
        if self.perform.live.is_none() {
            return;
        }
        let Some(path) = self.next_take_path("take", "mp4") else {
            return;
        };
        let Some(live) = &self.perform.live else {
            return;
        };
        let follower = TakeFollower::start(
            crate::pipeline::settings::rational_rate(live.camera.info().fps),
            self.project.settings.motion_settings(),
        );
        match Take::start_followed(&live.camera, live.mic.as_deref(), &path, follower.hook()) {
            Ok(t) => {
                self.perform.take = Some(t);
                self.perform.follower = Some(follower);
            }
            Err(e) => self.banner(
                Severity::Error,
                format!("The take could not be started: {e}"),
                None,
            ),
        }
    }

    /// Finish the take: written, listed, and made the driving clip (undoable).
    pub fn stop_take(&mut self) {
        let Some(take) = self.perform.take.take() else {
            return;
        };
        let path = take.path().to_path_buf();
        let follower = self.perform.follower.take();
        match take.stop() {
            Ok(report) => {
                if let Some(f) = follower {
                    self.keep_take_analysis(f, &path);
                }
                let before = self.project.clone();
                self.project.takes.push(TakeEntry {
                    path: path.clone(),
                    name: take_name(&path),
                });
                // The take's own sound is what goes with it: a soundtrack chosen before
                // would replace it, so it is set aside (Undo brings it back).
                let set_aside = report.file.audio.is_some() && self.project.audio.is_some();
                if set_aside {
                    self.set_audio(None);
                }
                self.set_driving(Some(path));
                self.record("Record take", before, false);
                if set_aside {
                    self.banner(
                        Severity::Info,
                        "The take plays with its own sound; the soundtrack was set aside (Undo brings it back).",
                        None,
                    );
                }
                self.lost_during_take("camera", report.camera_lost, "what was recorded is kept");
                self.lost_during_take(
                    "microphone",
                    report.microphone_lost,
                    "the sound after it is silent",
                );
            }
            Err(e) => self.banner(
                Severity::Error,
                format!("The take could not be written: {e}"),
                None,
            ),
        }
    }

    /// The analysis made while recording, finished and kept where the preview and the export
    /// look for it (else the take is analysed as any clip is, and the banner says so).
    fn keep_take_analysis(&mut self, follower: TakeFollower, path: &std::path::Path) {
        let settings = self.project.settings.motion_settings();
        match follower.finish(
            path,
            &settings,
            crate::motion::cache::default_dir().as_deref(),
        ) {
            Ok(notes) => {
                for n in notes {
                    self.banner(Severity::Info, n, None);
                }
            }
            Err(e) => self.banner(
                Severity::Info,
                format!("The take will be analysed now ({e})."),
                None,
            ),
        }
    }

    /// A device that stopped during a take (`why`), and what became of the take.
    fn lost_during_take(&mut self, device: &str, why: Option<String>, kept: &str) {
        if let Some(why) = why {
            self.banner(
                Severity::Warning,
                format!("The {device} stopped during the take ({why}); {kept}."),
                None,
            );
        }
    }

    /// Make take `i` the driving clip (a voice take: the voice the portrait speaks).
    pub fn use_take(&mut self, i: usize) {
        let Some(t) = self.project.takes.get(i).cloned() else {
            return;
        };
        let before = self.project.clone();
        if is_voice(&t.path) {
            self.set_driving(None);
            self.set_audio(Some(t.path));
        } else {
            self.set_driving(Some(t.path));
        }
        self.record("Use take", before, false);
    }

    pub fn rename_take(&mut self, i: usize, name: &str) {
        let name = name.trim();
        if name.is_empty() || self.project.takes.get(i).is_none_or(|t| t.name == name) {
            return;
        }
        let before = self.project.clone();
        self.project.takes[i].name = name.to_string();
        self.record_change("Rename take", before);
    }

    /// Take `i` off the list (its file stays, so Undo brings it back); a take that was the
    /// driving clip stays the driving clip until another is chosen.
    pub fn remove_take(&mut self, i: usize) {
        if i >= self.project.takes.len() {
            return;
        }
        let before = self.project.clone();
        self.project.takes.remove(i);
        self.record_change("Remove take", before);
    }

    /// Once a frame: the count-in, the newest live frame to the screen, a camera that stopped.
    pub fn perform_tick(&mut self) {
        if self.perform.count_in.is_some_and(|t| Instant::now() >= t) {
            self.perform.count_in = None;
            if self.perform.count_in_voice {
                self.start_voice_take();
            } else {
                self.start_take();
            }
        }
        if self
            .perform
            .voice
            .as_ref()
            .is_some_and(|(_, t)| !t.running())
        {
            // The microphone went away: the take so far is kept.
            self.stop_voice_take();
        }
        if self.perform.count_in.is_some() || self.recording() {
            // The count-in and the take's clock move on their own.
            self.ctx.request_repaint_after(Duration::from_millis(100));
        }
        if self.layout.view != View::Perform
            && self.perform.live.is_some()
            && self.perform.take.is_none()
            && self.perform.count_in.is_none()
        {
            // The camera is on only while it is seen (or recording).
            self.stop_live();
        }
        let Some(live) = &mut self.perform.live else {
            return;
        };
        let shown = live.latest.lock().ok().and_then(|mut l| l.take());
        if let Some(shown) = shown {
            let colour = |img: &RgbImage| {
                egui::ColorImage::from_rgb(
                    [img.width() as usize, img.height() as usize],
                    img.as_raw(),
                )
            };
            let opts = egui::TextureOptions::LINEAR;
            match &mut self.perform.texture {
                Some(t) => t.set(colour(&shown.portrait), opts),
                None => {
                    self.perform.texture = Some(self.ctx.load_texture(
                        "live-portrait",
                        colour(&shown.portrait),
                        opts,
                    ))
                }
            }
            match &mut self.perform.camera_texture {
                Some(t) => t.set(colour(&shown.camera), opts),
                None => {
                    self.perform.camera_texture = Some(self.ctx.load_texture(
                        "live-camera",
                        colour(&shown.camera),
                        opts,
                    ))
                }
            }
            self.perform.shown_seq = Some(shown.seq);
        }
        if live.thread.as_ref().is_some_and(|t| t.is_finished()) {
            let result = live.thread.take().map(|t| t.join());
            let why = match result {
                Some(Ok(Ok(report))) => report.camera_ended,
                Some(Ok(Err(e))) => Some(e),
                _ => Some("the live view stopped unexpectedly".into()),
            };
            let recording = self.perform.take.is_some();
            self.stop_live();
            self.banner(
                Severity::Warning,
                format!(
                    "The camera stopped: {}.{}",
                    why.unwrap_or_else(|| "no reason given".into()),
                    if recording {
                        " The take so far is kept."
                    } else {
                        ""
                    }
                ),
                None,
            );
        }
    }

    /// Something is being recorded.
    pub fn recording(&self) -> bool {
        self.perform.take.is_some() || self.perform.voice.is_some()
    }

    fn write_live_devices(&mut self) {
        let _ = self.write_state("live-devices.json", &self.perform.devices);
    }

    pub(super) fn read_live_devices(&self) -> LiveDevices {
        self.read_state("live-devices.json").unwrap_or_default()
    }
}

/// A take's name as first listed: its file's name without the extension.
fn take_name(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file_name(path))
}

/// A voice take (the microphone alone) rather than a video one.
fn is_voice(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
}
