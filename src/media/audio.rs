//! Audio on the system's FFmpeg: the sound track of a video or an audio file (wav, mp3, aac/m4a,
//! flac, ogg, opus, …) as interleaved f32 PCM at the rate and channel count the caller asks for
//! (swresample), streamed in small chunks, with sample-accurate seeking and trimming.
//!
//! Decode sound with this, never with the player's own decoders: rodio stops early on MP4s
//! that also carry video.

use std::path::{Path, PathBuf};

use ffmpeg::ChannelLayout;
use ffmpeg::format::Sample;
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::media::Type as MediaType;
use ffmpeg::software::resampling;
use ffmpeg_next as ffmpeg;

use super::av::{MediaError, Next, decode_error, next_frame, open_input, rational_f64};
use super::video::AudioInfo;

/// What PCM a caller wants: interleaved f32 at this rate and channel count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AudioFormat {
    pub sample_rate: u32,
    pub channels: u16,
}

impl AudioFormat {
    pub const fn new(sample_rate: u32, channels: u16) -> Self {
        Self {
            sample_rate,
            channels,
        }
    }

    /// Seconds to sample frames (one sample per channel), rounded to the nearest.
    pub fn frames_at(&self, seconds: f64) -> u64 {
        (seconds * self.sample_rate as f64).round().max(0.0) as u64
    }
}

/// Anything that yields interleaved f32 PCM: a decoded file, or samples made in memory.
pub trait SampleSource {
    fn format(&self) -> AudioFormat;
    /// Fill `out` from the front with whole sample frames; the count written, 0 at the end.
    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError>;
}

/// PCM held in memory (a generated tone, synthesised speech).
pub struct PcmBuffer {
    format: AudioFormat,
    samples: Vec<f32>,
    at: usize,
}

impl PcmBuffer {
    pub fn new(format: AudioFormat, samples: Vec<f32>) -> Self {
        Self {
            format,
            samples,
            at: 0,
        }
    }
}

impl SampleSource for PcmBuffer {
    fn format(&self) -> AudioFormat {
        self.format
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        let ch = self.format.channels.max(1) as usize;
        let n = (out.len() / ch * ch).min(self.samples.len() - self.at);
        out[..n].copy_from_slice(&self.samples[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A streaming decoder for one file's audio track.
pub struct AudioSource {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream: usize,
    decoder: ffmpeg::decoder::Audio,
    resampler: Option<resampling::Context>,
    format: AudioFormat,
    time_base: ffmpeg::Rational,
    /// Where the audio stream starts, and time zero of the file's timeline (the video
    /// stream's start when there is one, so audio and video times agree), in `time_base`.
    stream_start: i64,
    origin: i64,
    info: AudioInfo,
    /// Resampled samples not yet handed out.
    buffer: Vec<f32>,
    buffer_at: usize,
    /// Sample frame (from time zero) of the next resampled output; set from the first decoded
    /// frame's time after opening or seeking, then counted.
    next_pos: Option<i64>,
    /// The sample frame handed out next (everything before it is dropped), and where to stop.
    cursor: u64,
    end: Option<u64>,
    /// Where the container says the track ends, when it says so exactly (MP4/MOV edit
    /// lists; the decoder would otherwise hand out the codec's padding after it).
    track_end: Option<u64>,
    flushed: bool,
    finished: bool,
}

impl AudioSource {
    /// Open the best audio track of `path`, to be delivered in `format`.
    pub fn open(path: impl AsRef<Path>, format: AudioFormat) -> Result<Self, MediaError> {
        let path = path.as_ref().to_path_buf();
        if format.sample_rate == 0 || format.channels == 0 || format.channels > 8 {
            return Err(decode_error(
                &path,
                "audio output",
                format!(
                    "unsupported format {} Hz × {} channels",
                    format.sample_rate, format.channels
                ),
            ));
        }
        let input = open_input(&path)?;
        Self::from_input(path, input, format)
    }

    /// Decode the sound of an input already open: a file, or a microphone of FFmpeg's device
    /// layer (`path` names it in errors), in `format` (checked by the caller).
    pub(crate) fn from_input(
        path: PathBuf,
        input: ffmpeg::format::context::Input,
        format: AudioFormat,
    ) -> Result<Self, MediaError> {
        let stream = input
            .streams()
            .best(MediaType::Audio)
            .ok_or_else(|| MediaError::NoAudio { path: path.clone() })?;
        let info = AudioInfo::from_stream(&stream);
        let ctx = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
            .map_err(|e| decode_error(&path, "audio decoder", e))?;
        let decoder = ctx
            .decoder()
            .audio()
            .map_err(|e| decode_error(&path, "audio decoder", e))?;
        let start_of = |s: &ffmpeg::format::stream::Stream| {
            (s.start_time() != ffmpeg::ffi::AV_NOPTS_VALUE).then(|| s.start_time())
        };
        let stream_start = start_of(&stream).unwrap_or(0);
        let origin = input
            .streams()
            .best(MediaType::Video)
            .and_then(|v| {
                let t = start_of(&v)?;
                Some(unsafe {
                    ffmpeg::ffi::av_rescale_q(t, v.time_base().into(), stream.time_base().into())
                })
            })
            .unwrap_or(stream_start);
        let container = input.format().name().to_string();
        let track_end = (container.contains("mp4") && stream.duration() > 0).then(|| {
            let t = (stream_start + stream.duration() - origin) as f64
                * rational_f64(stream.time_base());
            format.frames_at(t)
        });
        let mut info = info;
        if info.duration_s.is_none() && input.duration() > 0 {
            info.duration_s = Some(input.duration() as f64 / ffmpeg::ffi::AV_TIME_BASE as f64);
        }
        Ok(Self {
            path,
            stream: stream.index(),
            time_base: stream.time_base(),
            input,
            decoder,
            resampler: None,
            format,
            stream_start,
            origin,
            info,
            buffer: Vec::new(),
            buffer_at: 0,
            next_pos: None,
            cursor: 0,
            track_end,
            end: None,
            flushed: false,
            finished: false,
        })
    }

    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deliver only `start_s .. end_s` (seconds from the track's start; `None` = to the end).
    /// The first sample handed out is the one at `start_s`, exactly.
    pub fn set_range(&mut self, start_s: f64, end_s: Option<f64>) -> Result<(), MediaError> {
        if !start_s.is_finite() || end_s.is_some_and(|e| !e.is_finite() || e < start_s) {
            return Err(decode_error(
                &self.path,
                "audio range",
                match end_s {
                    Some(e) if e.is_finite() && start_s.is_finite() => {
                        format!("the range {start_s} s to {e} s ends before it starts")
                    }
                    _ => "a range bound is not a number of seconds".to_string(),
                },
            ));
        }
        self.end = end_s.map(|e| self.format.frames_at(e));
        self.seek(start_s)
    }

    /// Continue from `time_s` seconds from the track's start (sample-accurate).
    pub fn seek(&mut self, time_s: f64) -> Result<(), MediaError> {
        let time_s = time_s.max(0.0);
        let target = self.format.frames_at(time_s);
        // Land a little early: compressed audio needs a frame or two to settle, and the
        // demuxer may only know packet boundaries.
        let tb = rational_f64(self.time_base);
        let ts = self.origin + ((time_s - 0.2).max(0.0) / tb).floor() as i64;
        if let Err(e) = crate::media::av::seek_back(&mut self.input, self.stream, ts)
            && time_s > 0.0
        {
            return Err(decode_error(&self.path, "seeking audio", e));
        }
        self.decoder.flush();
        // A fresh resampler: its history belongs to the old position.
        self.resampler = None;
        self.buffer.clear();
        self.buffer_at = 0;
        self.next_pos = None;
        self.cursor = target;
        self.flushed = false;
        self.finished = false;
        Ok(())
    }

    /// The next chunk of samples (a decoded frame's worth), or `None` at the end.
    pub fn read_chunk(&mut self) -> Result<Option<Vec<f32>>, MediaError> {
        loop {
            if self.buffer_at < self.buffer.len() {
                let chunk = self.buffer[self.buffer_at..].to_vec();
                self.buffer_at = self.buffer.len();
                return Ok(Some(chunk));
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Decode until the buffer holds samples to hand out; false at the end.
    fn fill(&mut self) -> Result<bool, MediaError> {
        let ch = self.format.channels as usize;
        loop {
            if self.buffer_at < self.buffer.len() {
                return Ok(true);
            }
            if self.finished {
                return Ok(false);
            }
            self.buffer.clear();
            self.buffer_at = 0;
            let Some(produced_at) = self.decode_more()? else {
                self.finished = true;
                continue;
            };
            // Line the decoded samples up with the cursor: drop what lies before it, fill a
            // gap with silence (a track that starts late), stop at `end`.
            let mut first = produced_at;
            let gap = first - self.cursor as i64;
            if gap == 1 || gap == -1 {
                // Rounding of the anchor time, not a real gap.
                first = self.cursor as i64;
            } else if gap > 1 {
                let mut padded = vec![0.0f32; gap as usize * ch];
                padded.extend_from_slice(&self.buffer);
                self.buffer = padded;
                first = self.cursor as i64;
            }
            let frames = (self.buffer.len() / ch) as i64;
            let lo = (self.cursor as i64 - first).clamp(0, frames);
            let mut hi = frames;
            let end = match (self.end, self.track_end) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(end) = end {
                hi = hi.min(end as i64 - first);
                if first + frames >= end as i64 {
                    self.finished = true;
                }
            }
            if hi <= lo {
                self.buffer.clear();
                continue;
            }
            self.buffer.truncate(hi as usize * ch);
            self.buffer_at = lo as usize * ch;
            self.cursor = (first + hi) as u64;
        }
    }

    /// Decode and resample the next frame into `buffer`; the sample frame its first output is
    /// at, or `None` when the stream is done.
    fn decode_more(&mut self) -> Result<Option<i64>, MediaError> {
        let mut frame = ffmpeg::frame::Audio::empty();
        // Positions come from each frame's own time, so a skipped damaged packet does not
        // shift the timeline.
        let next = next_frame(
            &mut self.input,
            self.stream,
            &mut self.decoder,
            &mut self.flushed,
            true,
            &mut frame,
        )
        .map_err(|e| decode_error(&self.path, "decoding audio", e))?;
        match next {
            Next::Frame => Ok(Some(self.resample(Some(&frame))?)),
            Next::End => {
                // Drain what the resampler still holds.
                if self.resampler.is_some() {
                    let at = self.resample(None)?;
                    self.resampler = None;
                    if !self.buffer.is_empty() {
                        return Ok(Some(at));
                    }
                }
                Ok(None)
            }
        }
    }

    /// Resample one decoded frame (or drain with `None`) into `buffer`; returns the sample
    /// frame of the first output sample.
    fn resample(&mut self, frame: Option<&ffmpeg::frame::Audio>) -> Result<i64, MediaError> {
        let ch = self.format.channels as usize;
        if let Some(frame) = frame {
            let layout = if frame.channel_layout().is_empty() {
                ChannelLayout::default(frame.channels() as i32)
            } else {
                frame.channel_layout()
            };
            let rebuild = match &self.resampler {
                Some(r) => {
                    let i = r.input();
                    i.format != frame.format()
                        || i.rate != frame.rate()
                        || i.channel_layout != layout
                }
                None => true,
            };
            if rebuild {
                let r = resampling::Context::get(
                    frame.format(),
                    layout,
                    frame.rate(),
                    Sample::F32(SampleType::Packed),
                    ChannelLayout::default(ch as i32),
                    self.format.sample_rate,
                )
                .map_err(|e| decode_error(&self.path, "resampling audio", e))?;
                self.resampler = Some(r);
            }
            if self.next_pos.is_none() {
                let tb = rational_f64(self.time_base);
                let pts = frame
                    .timestamp()
                    .or(frame.pts())
                    .unwrap_or(self.stream_start);
                // A first frame stamped before the stream's start, or less than its own length
                // after it, is codec priming mislabelled (MP3 encoder delay, Vorbis in Ogg),
                // not a late start: its samples begin at the start.
                let frame_len = frame.samples() as f64 / frame.rate().max(1) as f64 / tb;
                let lead = pts - self.stream_start;
                let pts = if (lead as f64) < frame_len {
                    self.stream_start
                } else {
                    pts
                };
                let t = (pts - self.origin) as f64 * tb;
                self.next_pos = Some((t * self.format.sample_rate as f64).round() as i64);
            }
        }
        let at = self.next_pos.unwrap_or(0);
        let Some(r) = self.resampler.as_mut() else {
            return Ok(at);
        };
        let in_count = frame.map_or(0, |f| f.samples()) as i32;
        let cap = unsafe { ffmpeg::ffi::swr_get_out_samples(r.as_mut_ptr(), in_count) }.max(0);
        self.buffer.resize(cap as usize * ch, 0.0);
        let mut out_ptr = self.buffer.as_mut_ptr() as *mut u8;
        let n = unsafe {
            let (in_ptr, in_n) = match frame {
                Some(f) => ((*f.as_ptr()).extended_data as *mut *const u8, in_count),
                None => (std::ptr::null_mut(), 0),
            };
            ffmpeg::ffi::swr_convert(r.as_mut_ptr(), &mut out_ptr, cap, in_ptr, in_n)
        };
        if n < 0 {
            return Err(decode_error(
                &self.path,
                "resampling audio",
                ffmpeg::Error::from(n),
            ));
        }
        self.buffer.truncate(n as usize * ch);
        self.next_pos = Some(at + n as i64);
        Ok(at)
    }
}

impl SampleSource for AudioSource {
    fn format(&self) -> AudioFormat {
        self.format
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        let ch = self.format.channels as usize;
        let want = out.len() / ch * ch;
        let mut done = 0;
        while done < want {
            if !self.fill()? {
                break;
            }
            let n = (self.buffer.len() - self.buffer_at).min(want - done);
            out[done..done + n].copy_from_slice(&self.buffer[self.buffer_at..self.buffer_at + n]);
            self.buffer_at += n;
            done += n;
        }
        Ok(done)
    }
}
