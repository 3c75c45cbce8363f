//! Live sources: cameras and microphones through FFmpeg's device layer (V4L2, ALSA and
//! PulseAudio on Linux, AVFoundation on macOS, DirectShow on Windows), or any FFmpeg input in
//! their place (`lavfi` test sources, a media file played at its own pace), decoded by the same
//! readers as files (`VideoSource`, `AudioSource`).
//!
//! Each source runs on a thread of its own. A camera keeps only its newest frame for whoever
//! shows it (a frame not taken before the next arrives is dropped, never queued), and hands
//! every frame to taps (a take being recorded). A microphone hands its sound to taps and keeps
//! a level for a meter. Times are seconds on one clock (`now_s`), so that a frame's capture,
//! its drawing and the sound beside it can be compared.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, TrySendError, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ffmpeg_next as ffmpeg;
use image::RgbImage;
use serde::Serialize;

use super::av::{MediaError, open_device, register_devices};
use super::{AudioFormat, AudioSource, RgbConversion, VideoSource};

/// Seconds on the clock every live time is given on.
pub fn now_s() -> f64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// What a microphone's sound is delivered as: 48 kHz mono.
pub const MIC_FORMAT: AudioFormat = AudioFormat::new(48_000, 1);

/// Cameras or microphones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    Camera,
    Microphone,
}

impl DeviceKind {
    fn word(self) -> &'static str {
        match self {
            DeviceKind::Camera => "camera",
            DeviceKind::Microphone => "microphone",
        }
    }
}

/// Where live pictures or sound come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveInput {
    /// An input of FFmpeg's device layer: its format (`v4l2`, `pulse`, `lavfi`, …) and what
    /// that format opens (`/dev/video0`, `default`, a filter graph).
    Device { format: String, input: String },
    /// A media file, played at its own pace.
    File(PathBuf),
}

impl LiveInput {
    /// What a user typed: a media file; `FORMAT:INPUT` for any FFmpeg input device; or a
    /// device's number or name as `vivant devices` lists them.
    pub fn parse(text: &str, kind: DeviceKind) -> Result<Self, MediaError> {
        let bad = |reason: String| MediaError::Device {
            device: text.to_string(),
            reason,
        };
        if text.trim().is_empty() {
            return Err(bad(format!(
                "no {} given: a number or name from `vivant devices`, FORMAT:INPUT (lavfi:testsrc2), or a media file",
                kind.word()
            )));
        }
        let path = PathBuf::from(text);
        if path.is_file() {
            return Ok(LiveInput::File(path));
        }
        if let Some((format, input)) = text.split_once(':') {
            if is_input_format(format) {
                return Ok(LiveInput::Device {
                    format: format.to_string(),
                    input: input.to_string(),
                });
            }
            // FORMAT:INPUT with a format FFmpeg does not have (a single letter is a Windows
            // drive, a path that is not there).
            if format.is_empty()
                || (format.len() > 1 && format.bytes().all(|b| b.is_ascii_alphanumeric()))
            {
                let found = list_devices();
                let formats = match kind {
                    DeviceKind::Camera => found.video_inputs,
                    DeviceKind::Microphone => found.audio_inputs,
                };
                return Err(bad(if format.is_empty() {
                    format!(
                        "nothing before the ':'; FORMAT:INPUT names an FFmpeg input device first ({})",
                        formats.join(", ")
                    )
                } else {
                    format!(
                        "FFmpeg here has no input device called \"{format}\"; it has {} (and any media file)",
                        formats.join(", ")
                    )
                }));
            }
        }
        let found = list_devices();
        let devices = match kind {
            DeviceKind::Camera => &found.cameras,
            DeviceKind::Microphone => &found.microphones,
        };
        let pick = match text.parse::<usize>() {
            Ok(i) => devices.get(i),
            Err(_) => devices
                .iter()
                .find(|d| d.name == text || d.description == text)
                .or_else(|| {
                    let low = text.to_lowercase();
                    let mut hits = devices
                        .iter()
                        .filter(|d| d.description.to_lowercase().contains(&low));
                    let first = hits.next();
                    first.filter(|_| hits.next().is_none())
                }),
        };
        // A path that is there but is no media file (a pipe, a folder) is said as such.
        let no_file = match std::fs::metadata(&path)
            .ok()
            .and_then(|m| super::not_regular(&m))
        {
            Some(what) => format!("and {text} is {what}, not a media file"),
            None => "and no file of that name".to_string(),
        };
        match pick {
            Some(d) => Ok(LiveInput::Device {
                format: d.format.clone(),
                input: d.name.clone(),
            }),
            None if devices.is_empty() => Err(bad(format!(
                "no {} found here, {no_file}; give a media file or FORMAT:INPUT (for example lavfi:testsrc2=size=640x480:rate=30)",
                kind.word()
            ))),
            None => Err(bad(format!(
                "no {} of that number or name, {no_file}; `vivant devices` lists them ({})",
                kind.word(),
                devices
                    .iter()
                    .enumerate()
                    .map(|(i, d)| format!("{i}: {}", d.description))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// How it is named to users.
    pub fn label(&self) -> String {
        match self {
            LiveInput::Device { format, input } => format!("{format}:{input}"),
            LiveInput::File(p) => p.display().to_string(),
        }
    }

    /// Sources that would run ahead of the clock (generated pictures, files) are held to
    /// their own times; a real device delivers in real time by itself.
    fn paced(&self) -> bool {
        match self {
            LiveInput::Device { format, .. } => format == "lavfi",
            LiveInput::File(_) => true,
        }
    }
}

/// FFmpeg knows an input (device or demuxer) of this name.
fn is_input_format(name: &str) -> bool {
    if name.is_empty() || name.len() > 32 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    super::av::init();
    register_devices();
    let Ok(c) = std::ffi::CString::new(name) else {
        return false;
    };
    // SAFETY: a lookup in FFmpeg's static table by a NUL-terminated name.
    !unsafe { ffmpeg::ffi::av_find_input_format(c.as_ptr()) }.is_null()
}

/// A camera or microphone found on this machine.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LiveDevice {
    /// What to pass as `FORMAT:INPUT` (`v4l2:/dev/video0`).
    pub spec: String,
    pub format: String,
    pub name: String,
    pub description: String,
}

/// The cameras and microphones found, and the input formats any `FORMAT:INPUT` may name.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DeviceList {
    pub cameras: Vec<LiveDevice>,
    pub microphones: Vec<LiveDevice>,
    /// FFmpeg's video and audio input devices here (`lavfi` among them).
    pub video_inputs: Vec<String>,
    pub audio_inputs: Vec<String>,
}

/// The device layers asked for their devices; other formats (screen grabbers, JACK, FireWire)
/// can still be named as `FORMAT:INPUT` but are not probed, as some block while doing so.
const LISTED_CAMERAS: [&str; 4] = ["video4linux2", "v4l2", "avfoundation", "dshow"];
const LISTED_MICROPHONES: [&str; 4] = ["pulse", "alsa", "avfoundation", "dshow"];

/// The cameras and microphones FFmpeg's device layer finds here.
pub fn list_devices() -> DeviceList {
    super::av::init();
    register_devices();
    let mut list = DeviceList::default();
    let names = |formats: &mut dyn Iterator<Item = ffmpeg::Format>| {
        let mut v: Vec<String> = formats.map(|f| f.name().to_string()).collect();
        v.dedup();
        v
    };
    list.video_inputs = names(&mut ffmpeg::device::input::video());
    list.audio_inputs = names(&mut ffmpeg::device::input::audio());
    for (formats, wanted, out) in [
        (&list.video_inputs, &LISTED_CAMERAS[..], &mut list.cameras),
        (
            &list.audio_inputs,
            &LISTED_MICROPHONES[..],
            &mut list.microphones,
        ),
    ] {
        for format in formats {
            // FFmpeg names some devices twice ("video4linux2,v4l2").
            let short = format.split(',').next_back().unwrap_or(format);
            if !format.split(',').any(|f| wanted.contains(&f)) {
                continue;
            }
            for (name, description) in sources_of(format.split(',').next().unwrap_or(format)) {
                out.push(LiveDevice {
                    spec: format!("{short}:{name}"),
                    format: short.to_string(),
                    name,
                    description,
                });
            }
        }
    }
    list
}

/// (name, description) of each source a device format lists; none where it cannot list.
fn sources_of(format: &str) -> Vec<(String, String)> {
    let Ok(c) = std::ffi::CString::new(format) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // SAFETY: FFmpeg's own listing call; the list it allocates is read and freed here.
    unsafe {
        let fmt = ffmpeg::ffi::av_find_input_format(c.as_ptr());
        if fmt.is_null() {
            return out;
        }
        let mut list: *mut ffmpeg::ffi::AVDeviceInfoList = std::ptr::null_mut();
        let r = ffmpeg::ffi::avdevice_list_input_sources(
            fmt,
            std::ptr::null(),
            std::ptr::null_mut(),
            &mut list,
        );
        if r >= 0 && !list.is_null() {
            for i in 0..(*list).nb_devices.max(0) as usize {
                let d = *(*list).devices.add(i);
                if d.is_null() || (*d).device_name.is_null() {
                    continue;
                }
                let text = |p: *const std::ffi::c_char| {
                    if p.is_null() {
                        String::new()
                    } else {
                        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
                    }
                };
                let name = text((*d).device_name);
                let description = text((*d).device_description);
                out.push((
                    name.clone(),
                    if description.is_empty() {
                        name
                    } else {
                        description
                    },
                ));
            }
        }
        if !list.is_null() {
            ffmpeg::ffi::avdevice_free_list_devices(&mut list);
        }
    }
    out
}

/// How a live source stopped on its own.
#[derive(Clone, Debug, PartialEq)]
pub enum Ended {
    /// A file or a finite generated source came to its end.
    Finished,
    /// The device failed or went away (unplugged, taken by another program).
    Lost(String),
}

/// Asks whether, and why, a live source stopped.
pub type EndProbe = Box<dyn Fn() -> Option<Ended> + Send>;

/// One camera frame.
#[derive(Clone, Debug)]
pub struct LiveFrame {
    /// Counted from 0 in capture order.
    pub seq: u64,
    pub image: Arc<RgbImage>,
    /// When it was captured (`now_s`).
    pub captured_s: f64,
}

/// What waiting for a camera's next frame came to.
pub enum Newest {
    Frame(LiveFrame),
    /// Nothing newer arrived in the time given.
    Waiting,
    /// The camera stopped; nothing newer will come.
    Ended(Ended),
}

struct CameraState {
    newest: Option<LiveFrame>,
    captured: u64,
    ended: Option<Ended>,
    taps: Vec<SyncSender<LiveFrame>>,
}

struct Shared<S> {
    state: Mutex<S>,
    changed: Condvar,
}

impl<S> Shared<S> {
    fn new(s: S) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(s),
            changed: Condvar::new(),
        })
    }

    /// The state, even when a thread panicked holding it (the data stays consistent: every
    /// update is a single assignment).
    fn lock(&self) -> MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a camera gives: its size and nominal rate.
#[derive(Clone, Debug, Serialize)]
pub struct CameraInfo {
    pub label: String,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

/// A camera (or what stands in for one), capturing on its own thread from `open` until dropped.
pub struct Camera {
    info: CameraInfo,
    shared: Arc<Shared<CameraState>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Camera {
    pub fn open(input: &LiveInput) -> Result<Self, MediaError> {
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Shared::new(CameraState {
            newest: None,
            captured: 0,
            ended: None,
            taps: Vec::new(),
        });
        // FFmpeg's decoder and scaler stay on the capture thread; it opens the camera and
        // says how that went before capturing.
        let (opened_tx, opened) = channel();
        let thread = {
            let (shared, stop, owned) = (shared.clone(), stop.clone(), input.clone());
            std::thread::Builder::new()
                .name("camera".into())
                .spawn(move || {
                    let source = match open_camera(&owned, &stop) {
                        Ok((source, info)) => {
                            let _ = opened_tx.send(Ok(info));
                            source
                        }
                        Err(e) => {
                            let _ = opened_tx.send(Err(e));
                            return;
                        }
                    };
                    capture_video(source, owned.paced(), &shared, &stop)
                })
                .map_err(|e| thread_failed(input, e))?
        };
        let mut camera = Self {
            info: CameraInfo {
                label: input.label(),
                width: 0,
                height: 0,
                fps: 0.0,
            },
            shared,
            stop,
            thread: Some(thread),
        };
        camera.info = opened_in_time(&opened, input)?;
        Ok(camera)
    }

    pub fn info(&self) -> &CameraInfo {
        &self.info
    }

    /// Frames captured so far.
    pub fn captured(&self) -> u64 {
        self.shared.lock().captured
    }

    /// Why the camera stopped, once it has.
    pub fn ended(&self) -> Option<Ended> {
        self.shared.lock().ended.clone()
    }

    /// `ended`, askable after the camera is handed elsewhere (a take's report).
    pub fn end_probe(&self) -> EndProbe {
        let shared = self.shared.clone();
        Box::new(move || shared.lock().ended.clone())
    }

    /// The newest frame captured after frame `after` (`None`: any), waiting up to `timeout`
    /// for one. Frames between the last one taken and this one are skipped.
    pub fn newest_after(&self, after: Option<u64>, timeout: Duration) -> Newest {
        let deadline = Instant::now() + timeout;
        let mut s = self.shared.lock();
        loop {
            if let Some(f) = &s.newest
                && after.is_none_or(|a| f.seq > a)
            {
                return Newest::Frame(f.clone());
            }
            if let Some(e) = &s.ended {
                return Newest::Ended(e.clone());
            }
            let now = Instant::now();
            if now >= deadline {
                return Newest::Waiting;
            }
            s = self
                .shared
                .changed
                .wait_timeout(s, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// Every frame captured from now on, in order (a take being recorded), but never more
    /// than `TAP_QUEUE` waiting: a taker that falls behind (an encoder slower than the camera)
    /// misses frames rather than holding an ever longer queue of them. The channel closes when
    /// the camera stops.
    pub fn tap(&self) -> Receiver<LiveFrame> {
        let (tx, rx) = sync_channel(TAP_QUEUE);
        let mut s = self.shared.lock();
        if s.ended.is_none() {
            s.taps.push(tx);
        }
        rx
    }

    /// Frames captured so far, askable after the camera is handed elsewhere.
    pub fn count_probe(&self) -> Box<dyn Fn() -> u64 + Send> {
        let shared = self.shared.clone();
        Box::new(move || shared.lock().captured)
    }
}

/// How many frames a tap holds for its taker (a quarter of a second at 30 fps).
pub const TAP_QUEUE: usize = 8;

impl Drop for Camera {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How long a device may take to open before it is given up on.
const OPEN_TIMEOUT: Duration = Duration::from_secs(15);

/// What the capture thread said about opening its device; a device that does not answer
/// is given up on (the caller's drop stops the thread through FFmpeg's interrupt).
fn opened_in_time<T>(
    opened: &Receiver<Result<T, MediaError>>,
    input: &LiveInput,
) -> Result<T, MediaError> {
    let failed = |reason: &str| MediaError::Device {
        device: input.label(),
        reason: reason.into(),
    };
    match opened.recv_timeout(OPEN_TIMEOUT) {
        Ok(r) => r,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(failed(
            "the device did not answer in 15 s (is it in use, or asleep?)",
        )),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(failed("its capture thread stopped while opening it"))
        }
    }
}

fn thread_failed(input: &LiveInput, e: std::io::Error) -> MediaError {
    MediaError::Device {
        device: input.label(),
        reason: format!("cannot start its capture thread: {e}"),
    }
}

/// Open a camera's decoder (on its capture thread).
fn open_camera(
    input: &LiveInput,
    stop: &Arc<AtomicBool>,
) -> Result<(VideoSource, CameraInfo), MediaError> {
    let mut source = match input {
        LiveInput::File(path) => VideoSource::open(path)?,
        LiveInput::Device {
            format,
            input: what,
        } => VideoSource::from_input(
            PathBuf::from(input.label()),
            open_device(format, what, stop)?,
        )?,
    };
    // Live frames are seen once: swscale's fast path.
    source.set_conversion(RgbConversion::Fast);
    let v = source.info();
    if let LiveInput::File(path) = input
        && v.frame_count <= 1
    {
        return Err(MediaError::Device {
            device: input.label(),
            reason: format!(
                "a still picture, not a camera or a video; to stand a picture in for a camera, loop it: lavfi:movie={},loop=loop=-1:size=1,fps=25",
                path.display()
            ),
        });
    }
    let (n, d) = v.frame_rate;
    let info = CameraInfo {
        label: input.label(),
        width: v.width,
        height: v.height,
        fps: if n > 0 && d > 0 {
            n as f64 / d as f64
        } else {
            30.0
        },
    };
    Ok((source, info))
}

/// Hold a paced source to its own times: sleep until `at` seconds after its first item.
struct Pace {
    start: Option<(f64, f64)>,
}

impl Pace {
    /// When the item at media time `t` is due (`now_s` clock), after sleeping until then.
    fn wait(&mut self, t: f64, stop: &AtomicBool) -> f64 {
        let (clock0, t0) = *self.start.get_or_insert((now_s(), t));
        let due = clock0 + (t - t0).max(0.0);
        loop {
            let now = now_s();
            if now >= due || stop.load(Ordering::Relaxed) {
                return now;
            }
            std::thread::sleep(Duration::from_secs_f64((due - now).min(0.05)));
        }
    }
}

fn capture_video(
    mut source: VideoSource,
    paced: bool,
    shared: &Shared<CameraState>,
    stop: &AtomicBool,
) {
    let mut pace = Pace { start: None };
    let ended = loop {
        if stop.load(Ordering::Relaxed) {
            break Ended::Finished;
        }
        let frame = match source.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break Ended::Finished,
            Err(_) if stop.load(Ordering::Relaxed) => break Ended::Finished,
            Err(e) => break Ended::Lost(e.to_string()),
        };
        let captured_s = if paced {
            pace.wait(frame.time_s, stop)
        } else {
            now_s()
        };
        let mut s = shared.lock();
        let live = LiveFrame {
            seq: s.captured,
            image: Arc::new(frame.image),
            captured_s,
        };
        s.captured += 1;
        s.taps
            .retain(|t| !matches!(t.try_send(live.clone()), Err(TrySendError::Disconnected(_))));
        s.newest = Some(live);
        drop(s);
        shared.changed.notify_all();
    };
    let mut s = shared.lock();
    s.ended = Some(ended);
    // Closing the taps tells a recording the camera is done.
    s.taps.clear();
    drop(s);
    shared.changed.notify_all();
}

/// A stretch of a microphone's sound (`MIC_FORMAT`).
#[derive(Clone, Debug)]
pub struct SoundChunk {
    pub samples: Vec<f32>,
    /// When its first sample was heard (`now_s`).
    pub start_s: f64,
}

struct MicState {
    ended: Option<Ended>,
    taps: Vec<Sender<SoundChunk>>,
    /// Sample frames heard so far.
    heard: u64,
}

/// A microphone (or what stands in for one), capturing on its own thread until dropped.
pub struct Microphone {
    label: String,
    shared: Arc<Shared<MicState>>,
    /// The last chunk's peak, 0–1, as f32 bits (for a level meter).
    level: Arc<AtomicU32>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Microphone {
    pub fn open(input: &LiveInput) -> Result<Self, MediaError> {
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Shared::new(MicState {
            ended: None,
            taps: Vec::new(),
            heard: 0,
        });
        let level = Arc::new(AtomicU32::new(0));
        let (opened_tx, opened) = channel();
        let thread = {
            let (shared, stop, level, owned) =
                (shared.clone(), stop.clone(), level.clone(), input.clone());
            std::thread::Builder::new()
                .name("microphone".into())
                .spawn(move || {
                    let source = match &owned {
                        LiveInput::File(path) => AudioSource::open(path, MIC_FORMAT),
                        LiveInput::Device {
                            format,
                            input: what,
                        } => open_device(format, what, &stop).and_then(|opened| {
                            AudioSource::from_input(
                                PathBuf::from(owned.label()),
                                opened,
                                MIC_FORMAT,
                            )
                        }),
                    };
                    let source = match source {
                        Ok(s) => {
                            let _ = opened_tx.send(Ok(()));
                            s
                        }
                        Err(e) => {
                            let _ = opened_tx.send(Err(e));
                            return;
                        }
                    };
                    capture_sound(source, owned.paced(), &shared, &level, &stop)
                })
                .map_err(|e| thread_failed(input, e))?
        };
        let mic = Self {
            label: input.label(),
            shared,
            level,
            stop,
            thread: Some(thread),
        };
        opened_in_time(&opened, input)?;
        Ok(mic)
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The loudest sample of the latest stretch heard, 0–1.
    pub fn level(&self) -> f32 {
        f32::from_bits(self.level.load(Ordering::Relaxed))
    }

    /// Seconds of sound heard so far.
    pub fn heard_s(&self) -> f64 {
        self.shared.lock().heard as f64 / MIC_FORMAT.sample_rate as f64
    }

    /// Why the microphone stopped, once it has.
    pub fn ended(&self) -> Option<Ended> {
        self.shared.lock().ended.clone()
    }

    /// `ended`, askable after the microphone is handed elsewhere.
    pub fn end_probe(&self) -> EndProbe {
        let shared = self.shared.clone();
        Box::new(move || shared.lock().ended.clone())
    }

    /// Everything heard from now on; the channel closes when the microphone stops.
    pub fn tap(&self) -> Receiver<SoundChunk> {
        let (tx, rx) = channel();
        let mut s = self.shared.lock();
        if s.ended.is_none() {
            s.taps.push(tx);
        }
        rx
    }
}

impl Drop for Microphone {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn capture_sound(
    mut source: AudioSource,
    paced: bool,
    shared: &Shared<MicState>,
    level: &AtomicU32,
    stop: &AtomicBool,
) {
    let rate = MIC_FORMAT.sample_rate as f64;
    let mut pace = Pace { start: None };
    // The device's clock against ours: a chunk arrives at least as late as its last sample
    // was heard, so the smallest (arrival − position) seen is the best estimate of when
    // sample 0 was heard; per-chunk arrival jitter does not move the sound.
    let mut origin = f64::INFINITY;
    let mut pos = 0u64;
    let ended = loop {
        if stop.load(Ordering::Relaxed) {
            break Ended::Finished;
        }
        let chunk = match source.read_chunk() {
            Ok(Some(c)) => c,
            Ok(None) => break Ended::Finished,
            Err(_) if stop.load(Ordering::Relaxed) => break Ended::Finished,
            Err(e) => break Ended::Lost(e.to_string()),
        };
        let n = chunk.len() as u64 / MIC_FORMAT.channels as u64;
        let end_t = (pos + n) as f64 / rate;
        let arrived = if paced {
            pace.wait(end_t, stop)
        } else {
            now_s()
        };
        origin = origin.min(arrived - end_t);
        let peak = chunk.iter().fold(0.0f32, |m, s| m.max(s.abs())).min(1.0);
        level.store(peak.to_bits(), Ordering::Relaxed);
        let sound = SoundChunk {
            samples: chunk,
            start_s: origin + pos as f64 / rate,
        };
        pos += n;
        let mut s = shared.lock();
        s.heard = pos;
        s.taps.retain(|t| t.send(sound.clone()).is_ok());
    };
    level.store(0, Ordering::Relaxed);
    let mut s = shared.lock();
    s.ended = Some(ended);
    s.taps.clear();
}
