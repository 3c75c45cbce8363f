//! Recording a take: a camera's frames and a microphone's sound into an MP4, through the same
//! writer as an export (a temporary file renamed into place when the take is finished).
//!
//! Both are placed by when they were captured, on the live clock, from the moment the take
//! started: frame k of the video is the camera frame captured nearest `k / fps` seconds in
//! (held when the camera skipped one), and the sound starts at the same instant (cut before
//! it, silence where the microphone started later), so picture and sound line up however
//! differently the two devices started or buffer. A camera or microphone lost part way ends
//! the picture or pads the sound; what was recorded is kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use image::RgbImage;
use serde::Serialize;

use super::{ExportError, ExportReport, Mp4Settings, Mp4Writer};
use crate::media::live::{
    Camera, CameraInfo, EndProbe, Ended, LiveFrame, MIC_FORMAT, Microphone, SoundChunk, now_s,
};
use crate::media::{AudioFormat, MediaError, SampleSource};

/// Called with each frame a take writes: its index, and the picture.
pub type FrameHook = Box<dyn FnMut(u64, &Arc<RgbImage>) + Send>;

/// What was recorded.
#[derive(Clone, Debug, Serialize)]
pub struct TakeReport {
    #[serde(flatten)]
    pub file: ExportReport,
    /// Camera frames that went into the take.
    pub frames_captured: u64,
    /// Camera frames captured during the take that could not be taken in time (the encoder
    /// fell behind the camera); the frame before each was held in its place.
    pub frames_missed: u64,
    /// Why the camera or the microphone stopped before the take did, if one did.
    pub camera_lost: Option<String>,
    pub microphone_lost: Option<String>,
}

/// A take being recorded; `stop` finishes the file.
pub struct Take {
    rec: Recorder<(ExportReport, u64)>,
    camera_ended: EndProbe,
    mic_ended: EndProbe,
    /// The camera's count of frames captured, and its value when the take started.
    captured: Option<(Box<dyn Fn() -> u64 + Send>, u64)>,
}

impl Take {
    /// Start recording `camera` (and `mic`) into `path`, replaced only when the take is
    /// finished.
    pub fn start(
        camera: &Camera,
        mic: Option<&Microphone>,
        path: &Path,
    ) -> Result<Self, ExportError> {
        Self::start_followed(camera, mic, path, None)
    }

    /// `start`, with every frame written also handed to `follow` (its index in the take, and
    /// the picture): the take's analysis made while it is recorded.
    pub fn start_followed(
        camera: &Camera,
        mic: Option<&Microphone>,
        path: &Path,
        follow: Option<FrameHook>,
    ) -> Result<Self, ExportError> {
        let info = camera.info().clone();
        let count = camera.count_probe();
        let before = count();
        let frames = camera.tap();
        let mut take = Self::recording(frames, &info, mic, path, follow)?;
        take.camera_ended = camera.end_probe();
        take.captured = Some((count, before));
        Ok(take)
    }

    /// Record `frames` (a camera's, or what was drawn from them), `info` their size and
    /// nominal rate, with `mic`'s sound.
    pub fn of_frames(
        frames: Receiver<LiveFrame>,
        info: &CameraInfo,
        mic: Option<&Microphone>,
        path: &Path,
    ) -> Result<Self, ExportError> {
        Self::recording(frames, info, mic, path, None)
    }

    fn recording(
        frames: Receiver<LiveFrame>,
        info: &CameraInfo,
        mic: Option<&Microphone>,
        path: &Path,
        follow: Option<FrameHook>,
    ) -> Result<Self, ExportError> {
        let started_s = now_s();
        let sound = mic.map(|m| m.tap());
        let stop = Arc::new(AtomicBool::new(false));
        let abandon = Arc::new(AtomicBool::new(false));
        let mut settings = Mp4Settings::new(
            info.width,
            info.height,
            crate::pipeline::settings::rational_rate(info.fps),
        );
        // A take is source material: nearly transparent, and cheap enough to encode beside the
        // live view on two cores.
        settings.crf = 18;
        settings.preset = "veryfast".into();
        settings.comment = Some(format!("Vivant take from {}", info.label));
        let audio: Option<Box<dyn SampleSource + Send>> = sound.map(|rx| {
            Box::new(TakeSound::new(rx, started_s, stop.clone())) as Box<dyn SampleSource + Send>
        });
        let fps = info.fps;
        // FFmpeg's encoder stays on the take's thread; it says whether the file could be
        // started before recording.
        let (started_tx, started) = std::sync::mpsc::channel();
        let thread = {
            let (stop, abandon, path) = (stop.clone(), abandon.clone(), path.to_path_buf());
            std::thread::Builder::new()
                .name("take".into())
                .spawn(move || {
                    let writer = match Mp4Writer::create(&path, settings, audio) {
                        Ok(w) => {
                            let _ = started_tx.send(Ok(()));
                            w
                        }
                        Err(e) => {
                            let _ = started_tx.send(Err(e));
                            return Err(ExportError::Encode {
                                what: "the take",
                                reason: "it could not be started".into(),
                            });
                        }
                    };
                    record(writer, frames, started_s, fps, &stop, &abandon, follow)
                })
                .map_err(|e| ExportError::Encode {
                    what: "the take",
                    reason: format!("cannot start its thread: {e}"),
                })?
        };
        started.recv().unwrap_or_else(|_| {
            Err(ExportError::Encode {
                what: "the take",
                reason: "its thread stopped while starting".into(),
            })
        })?;
        let camera_ended: EndProbe = Box::new(|| None);
        let mic_ended: EndProbe = match mic {
            Some(m) => m.end_probe(),
            None => Box::new(|| None),
        };
        Ok(Self {
            rec: Recorder {
                path: path.to_path_buf(),
                started_s,
                stop,
                abandon,
                thread: Some(thread),
            },
            camera_ended,
            mic_ended,
            captured: None,
        })
    }

    /// Seconds recorded so far.
    pub fn seconds(&self) -> f64 {
        self.rec.seconds()
    }

    pub fn path(&self) -> &Path {
        &self.rec.path
    }

    /// Still recording (false once the camera stopped).
    pub fn running(&self) -> bool {
        self.rec.running()
    }

    /// Finish the take and write the file.
    pub fn stop(mut self) -> Result<TakeReport, ExportError> {
        let during = self
            .captured
            .as_ref()
            .map(|(count, before)| count() - before);
        let (file, frames_captured) = self.rec.finish()?;
        Ok(TakeReport {
            file,
            frames_captured,
            frames_missed: during.map_or(0, |d| d.saturating_sub(frames_captured)),
            camera_lost: lost((self.camera_ended)()),
            microphone_lost: lost((self.mic_ended)()),
        })
    }
}

/// A take's writing thread and what steers it: `stop` finishes the file, dropping it
/// unfinished abandons it (the writer is dropped, leaving no file).
struct Recorder<T> {
    path: PathBuf,
    started_s: f64,
    stop: Arc<AtomicBool>,
    /// Set when dropped unfinished: the file is not written.
    abandon: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<T, ExportError>>>,
}

impl<T> Recorder<T> {
    fn seconds(&self) -> f64 {
        now_s() - self.started_s
    }

    fn running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stop, and what the thread wrote.
    fn finish(&mut self) -> Result<T, ExportError> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            _ => Err(ExportError::Encode {
                what: "the take",
                reason: "its thread stopped unexpectedly".into(),
            }),
        }
    }
}

impl<T> Drop for Recorder<T> {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.abandon.store(true, Ordering::Relaxed);
            self.stop.store(true, Ordering::Relaxed);
            let _ = t.join();
        }
    }
}

fn lost(e: Option<Ended>) -> Option<String> {
    match e {
        Some(Ended::Lost(why)) => Some(why),
        _ => None,
    }
}

/// The picture: each camera frame into the output frame nearest its capture time, the last
/// one held over frames the camera skipped.
fn record(
    mut writer: Mp4Writer,
    frames: Receiver<LiveFrame>,
    started_s: f64,
    fps: f64,
    stop: &AtomicBool,
    abandon: &AtomicBool,
    mut follow: Option<FrameHook>,
) -> Result<(ExportReport, u64), ExportError> {
    let mut write = |writer: &mut Mp4Writer, k: u64, img: &Arc<RgbImage>| {
        if let Some(f) = follow.as_mut() {
            f(k, img);
        }
        writer.write_frame(img)
    };
    let slot = |t: f64| ((t - started_s) * fps).round().max(0.0) as u64;
    let mut written = 0u64;
    let mut pending: Option<(u64, Arc<RgbImage>)> = None;
    let mut taken = 0u64;
    let mut end_slot = None;
    let abandoned = || ExportError::Encode {
        what: "the take",
        reason: "abandoned".into(),
    };
    loop {
        if abandon.load(Ordering::Relaxed) {
            return Err(abandoned());
        }
        let frame = match frames.recv_timeout(Duration::from_millis(50)) {
            Ok(f) => Some(f),
            Err(RecvTimeoutError::Timeout) => None,
            // The camera stopped: the take ends with its last frame.
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if stop.load(Ordering::Relaxed) && end_slot.is_none() {
            end_slot = Some(slot(now_s()));
        }
        if let Some(f) = frame {
            let k = slot(f.captured_s);
            if end_slot.is_some_and(|e| k >= e) {
                break;
            }
            taken += 1;
            if let Some((pk, img)) = pending.take_if(|(pk, _)| *pk != k) {
                // Everything up to the new frame's slot shows the pending one.
                while written < k.max(pk + 1) {
                    write(&mut writer, written, &img)?;
                    written += 1;
                }
            }
            pending = Some((k, f.image));
        } else if end_slot.is_some() {
            break;
        }
    }
    if let Some((pk, img)) = pending {
        let end = end_slot.unwrap_or(pk + 1).max(pk + 1).max(written + 1);
        while written < end {
            write(&mut writer, written, &img)?;
            written += 1;
        }
    }
    // The picture is done (stopped, or the camera gone): the sound is taken as far as it was
    // heard, not waited for.
    stop.store(true, Ordering::Relaxed);
    if abandon.load(Ordering::Relaxed) {
        return Err(abandoned());
    }
    Ok((writer.finish()?, taken))
}

/// The microphone's sound from the instant the take started, read by the writer as the
/// picture advances (it waits for sound not yet heard, until the take is stopped).
struct TakeSound {
    rx: Receiver<SoundChunk>,
    started_s: f64,
    stop: Arc<AtomicBool>,
    queue: Vec<f32>,
    at: usize,
    /// The first chunk has been lined up with the take's start.
    aligned: bool,
}

impl TakeSound {
    fn new(rx: Receiver<SoundChunk>, started_s: f64, stop: Arc<AtomicBool>) -> Self {
        Self {
            rx,
            started_s,
            stop,
            queue: Vec::new(),
            at: 0,
            aligned: false,
        }
    }

    fn push(&mut self, chunk: SoundChunk) {
        let ch = MIC_FORMAT.channels as usize;
        let mut samples = chunk.samples;
        if !self.aligned {
            self.aligned = true;
            let lead = ((chunk.start_s - self.started_s) * MIC_FORMAT.sample_rate as f64).round()
                as i64
                * ch as i64;
            if lead > 0 {
                self.queue.extend(std::iter::repeat_n(0.0, lead as usize));
            } else {
                let cut = (-lead as usize).min(samples.len());
                samples.drain(..cut);
                if samples.is_empty() {
                    // Wholly before the start: the next chunk is lined up instead.
                    self.aligned = false;
                    return;
                }
            }
        }
        if self.at > 0 {
            self.queue.drain(..self.at);
            self.at = 0;
        }
        self.queue.extend(samples);
    }
}

impl SampleSource for TakeSound {
    fn format(&self) -> AudioFormat {
        MIC_FORMAT
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        loop {
            let have = self.queue.len() - self.at;
            if have > 0 {
                let n = have.min(out.len());
                out[..n].copy_from_slice(&self.queue[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            // Once stopped, only what was heard already is taken.
            let next = if self.stop.load(Ordering::Relaxed) {
                self.rx
                    .try_recv()
                    .map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                self.rx.recv_timeout(Duration::from_millis(20))
            };
            match next {
                Ok(chunk) => self.push(chunk),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
    }
}

/// What a voice take (the microphone alone) came to.
#[derive(Clone, Debug, Serialize)]
pub struct VoiceReport {
    pub path: PathBuf,
    pub duration_s: f64,
    pub bytes: u64,
    /// Why the microphone stopped before the take did, if it did.
    pub microphone_lost: Option<String>,
}

/// A take of the microphone alone, a voice for the portrait to speak: 16-bit 48 kHz mono WAV,
/// written under a temporary name and renamed when finished.
pub struct VoiceTake {
    rec: Recorder<(f64, u64)>,
    mic_ended: EndProbe,
}

impl VoiceTake {
    pub fn start(mic: &Microphone, path: &Path) -> Result<Self, ExportError> {
        crate::output::check_destination(path, &[])?;
        let started_s = now_s();
        let stop = Arc::new(AtomicBool::new(false));
        let abandon = Arc::new(AtomicBool::new(false));
        let sound = TakeSound::new(mic.tap(), started_s, stop.clone());
        let temp = crate::output::TempFile::beside(path, "wav");
        let file = std::fs::File::create(temp.path()).map_err(|source| {
            crate::output::OutputError::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        let thread = {
            let (abandon, path) = (abandon.clone(), path.to_path_buf());
            std::thread::Builder::new()
                .name("voice take".into())
                .spawn(move || write_wav(sound, file, temp, &path, &abandon))
                .map_err(|e| ExportError::Encode {
                    what: "the take",
                    reason: format!("cannot start its thread: {e}"),
                })?
        };
        Ok(Self {
            rec: Recorder {
                path: path.to_path_buf(),
                started_s,
                stop,
                abandon,
                thread: Some(thread),
            },
            mic_ended: mic.end_probe(),
        })
    }

    pub fn seconds(&self) -> f64 {
        self.rec.seconds()
    }

    pub fn path(&self) -> &Path {
        &self.rec.path
    }

    /// Still recording (false once the microphone stopped).
    pub fn running(&self) -> bool {
        self.rec.running()
    }

    /// Finish the take and write the file.
    pub fn stop(mut self) -> Result<VoiceReport, ExportError> {
        let (duration_s, bytes) = self.rec.finish()?;
        Ok(VoiceReport {
            path: self.rec.path.clone(),
            duration_s,
            bytes,
            microphone_lost: lost((self.mic_ended)()),
        })
    }
}

/// The sound into a WAV file: the header's sizes are filled in once the length is known.
fn write_wav(
    mut sound: TakeSound,
    file: std::fs::File,
    temp: crate::output::TempFile,
    path: &Path,
    abandon: &AtomicBool,
) -> Result<(f64, u64), ExportError> {
    use std::io::{Seek, SeekFrom, Write};
    let io = |source: std::io::Error| {
        ExportError::Output(crate::output::OutputError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let rate = MIC_FORMAT.sample_rate;
    let header = |data: u32| {
        let mut h = Vec::with_capacity(44);
        h.extend(b"RIFF");
        h.extend((36 + data).to_le_bytes());
        h.extend(b"WAVEfmt ");
        h.extend(16u32.to_le_bytes());
        h.extend(1u16.to_le_bytes()); // PCM
        h.extend(1u16.to_le_bytes()); // mono
        h.extend(rate.to_le_bytes());
        h.extend((rate * 2).to_le_bytes());
        h.extend(2u16.to_le_bytes());
        h.extend(16u16.to_le_bytes());
        h.extend(b"data");
        h.extend(data.to_le_bytes());
        h
    };
    let mut out = std::io::BufWriter::new(file);
    out.write_all(&header(0)).map_err(io)?;
    let mut buf = vec![0.0f32; 4800];
    let mut frames = 0u64;
    loop {
        if abandon.load(Ordering::Relaxed) {
            return Err(ExportError::Encode {
                what: "the take",
                reason: "abandoned".into(),
            });
        }
        let n = sound.read(&mut buf).map_err(|e| ExportError::Encode {
            what: "the take's sound",
            reason: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        let bytes: Vec<u8> = buf[..n]
            .iter()
            .flat_map(|v| ((v.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes())
            .collect();
        out.write_all(&bytes).map_err(io)?;
        frames += n as u64;
        // A WAV file's sizes are 32-bit: a take stops short of 4 GiB (over 12 hours).
        if frames * 2 > u32::MAX as u64 - 64 {
            break;
        }
    }
    let data = (frames * 2) as u32;
    out.seek(SeekFrom::Start(0)).map_err(io)?;
    out.write_all(&header(data)).map_err(io)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    temp.commit()?;
    Ok((frames as f64 / rate as f64, 44 + data as u64))
}
