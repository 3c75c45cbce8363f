//! Video files on the system's FFmpeg: metadata and streaming RGB frames with their exact
//! presentation times.
//!
//! Frames come one at a time from a decoder fed packet by packet, so memory stays bounded
//! whatever the clip's length. Display rotation (phone clips) is applied to every frame.

use std::path::{Path, PathBuf};

use ffmpeg::codec::packet::side_data::Type as SideDataType;
use ffmpeg::format::Pixel;
use ffmpeg::media::Type as MediaType;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;
use image::RgbImage;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a media file FFmpeg can read ({reason})")]
    Format { path: PathBuf, reason: String },
    #[error("{path}: has no video stream")]
    NoVideo { path: PathBuf },
    #[error("{path}: {what}: {reason}")]
    Decode {
        path: PathBuf,
        what: &'static str,
        reason: String,
    },
}

/// The audio track of a file, when it has one.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AudioInfo {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u16,
    pub duration_s: Option<f64>,
}

/// What `vivant probe` reports about a file.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct VideoInfo {
    pub path: String,
    pub container: String,
    pub codec: String,
    /// Size as displayed (after rotation).
    pub width: u32,
    pub height: u32,
    /// Size as stored in the stream.
    pub coded_width: u32,
    pub coded_height: u32,
    /// Clockwise display rotation applied to frames, degrees (0, 90, 180 or 270).
    pub rotation: u32,
    /// Frame rate as a rational (numerator, denominator).
    pub frame_rate: (i32, i32),
    pub duration_s: f64,
    pub frame_count: u64,
    /// False when the container does not say and the count is duration × frame rate.
    pub frame_count_exact: bool,
    pub audio: Option<AudioInfo>,
}

fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Only errors can fail here, and they resurface on open with the file's name.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
    });
}

fn decode_error(path: &Path, what: &'static str, reason: impl std::fmt::Display) -> MediaError {
    MediaError::Decode {
        path: path.to_path_buf(),
        what,
        reason: reason.to_string(),
    }
}

fn rational_f64(r: ffmpeg::Rational) -> f64 {
    if r.denominator() == 0 {
        0.0
    } else {
        r.numerator() as f64 / r.denominator() as f64
    }
}

/// Clockwise rotation in degrees from an FFmpeg display matrix (nine 16.16 fixed-point i32).
fn display_rotation(matrix: &[u8]) -> u32 {
    if matrix.len() < 36 {
        return 0;
    }
    let m = |i: usize| {
        i32::from_le_bytes([
            matrix[4 * i],
            matrix[4 * i + 1],
            matrix[4 * i + 2],
            matrix[4 * i + 3],
        ]) as f64
            / 65536.0
    };
    // av_display_rotation_get returns −atan2(m1, m0), the counter-clockwise turn the matrix
    // applies; FFmpeg's own auto-rotation turns frames by its negation, clockwise.
    let cw = m(1).atan2(m(0)).to_degrees().rem_euclid(360.0);
    ((cw / 90.0).round() as u32 % 4) * 90
}

/// One decoded frame.
pub struct VideoFrame {
    /// 0-based index in decode order of displayed frames.
    pub index: u64,
    /// Presentation time in seconds from the stream's start.
    pub time_s: f64,
    pub image: RgbImage,
}

/// An open video file.
pub struct VideoSource {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream: usize,
    decoder: ffmpeg::decoder::Video,
    scaler: Option<scaling::Context>,
    time_base: ffmpeg::Rational,
    start_pts: i64,
    info: VideoInfo,
    next_index: u64,
    flushed: bool,
    finished: bool,
}

impl VideoSource {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, MediaError> {
        init();
        let path = path.as_ref().to_path_buf();
        let meta = std::fs::metadata(&path).map_err(|source| MediaError::Open {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() || meta.len() == 0 {
            return Err(MediaError::Format {
                path,
                reason: if meta.is_dir() {
                    "it is a folder"
                } else {
                    "the file is empty"
                }
                .into(),
            });
        }
        let input = ffmpeg::format::input(&path).map_err(|e| MediaError::Format {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let stream = input
            .streams()
            .best(MediaType::Video)
            .ok_or_else(|| MediaError::NoVideo { path: path.clone() })?;
        let index = stream.index();
        let time_base = stream.time_base();
        let start_pts = if stream.start_time() == ffmpeg::ffi::AV_NOPTS_VALUE {
            0
        } else {
            stream.start_time()
        };
        let decode_err = |what, e: ffmpeg::Error| decode_error(&path, what, e);
        let ctx = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
            .map_err(|e| decode_err("video decoder", e))?;
        let decoder = ctx
            .decoder()
            .video()
            .map_err(|e| decode_err("video decoder", e))?;
        let rotation = stream
            .side_data()
            .find(|sd| sd.kind() == SideDataType::DisplayMatrix)
            .map_or(0, |sd| display_rotation(sd.data()));
        let rate = {
            let r = stream.avg_frame_rate();
            if r.numerator() > 0 && r.denominator() > 0 {
                r
            } else {
                stream.rate()
            }
        };
        let fps = rational_f64(rate);
        let duration_s = if stream.duration() > 0 {
            stream.duration() as f64 * rational_f64(time_base)
        } else if input.duration() > 0 {
            input.duration() as f64 / ffmpeg::ffi::AV_TIME_BASE as f64
        } else {
            0.0
        };
        let (frame_count, frame_count_exact) = if stream.frames() > 0 {
            (stream.frames() as u64, true)
        } else {
            ((duration_s * fps).round().max(0.0) as u64, false)
        };
        let (cw, ch) = (decoder.width(), decoder.height());
        let (width, height) = if rotation % 180 == 90 {
            (ch, cw)
        } else {
            (cw, ch)
        };
        let audio = input.streams().best(MediaType::Audio).map(|a| {
            let codec = ffmpeg::codec::context::Context::from_parameters(a.parameters())
                .ok()
                .and_then(|c| c.decoder().audio().ok());
            AudioInfo {
                codec: a.parameters().id().name().to_string(),
                sample_rate: codec.as_ref().map_or(0, |c| c.rate()),
                channels: codec.as_ref().map_or(0, |c| c.channels()),
                duration_s: (a.duration() > 0)
                    .then(|| a.duration() as f64 * rational_f64(a.time_base())),
            }
        });
        let info = VideoInfo {
            path: path.display().to_string(),
            container: input.format().name().to_string(),
            codec: stream.parameters().id().name().to_string(),
            width,
            height,
            coded_width: cw,
            coded_height: ch,
            rotation,
            frame_rate: (rate.numerator(), rate.denominator()),
            duration_s,
            frame_count,
            frame_count_exact,
            audio,
        };
        Ok(Self {
            path,
            input,
            stream: index,
            decoder,
            scaler: None,
            time_base,
            start_pts,
            info,
            next_index: 0,
            flushed: false,
            finished: false,
        })
    }

    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next frame in presentation order, or `None` at the end.
    pub fn next_frame(&mut self) -> Result<Option<VideoFrame>, MediaError> {
        let mut frame = ffmpeg::frame::Video::empty();
        loop {
            if self.finished {
                return Ok(None);
            }
            match self.decoder.receive_frame(&mut frame) {
                Ok(()) => return self.convert(&frame).map(Some),
                Err(ffmpeg::Error::Eof) => {
                    self.finished = true;
                    return Ok(None);
                }
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::error::EAGAIN => {}
                Err(e) => return Err(decode_error(&self.path, "decoding video", e)),
            }
            // The decoder wants input: the next packet of our stream, or end of stream.
            let mut sent = false;
            for (stream, packet) in self.input.packets() {
                if stream.index() == self.stream {
                    let r = self.decoder.send_packet(&packet);
                    r.map_err(|e| decode_error(&self.path, "decoding video", e))?;
                    sent = true;
                    break;
                }
            }
            if !sent {
                if self.flushed {
                    self.finished = true;
                    return Ok(None);
                }
                self.decoder
                    .send_eof()
                    .map_err(|e| decode_error(&self.path, "decoding video", e))?;
                self.flushed = true;
            }
        }
    }

    fn convert(&mut self, frame: &ffmpeg::frame::Video) -> Result<VideoFrame, MediaError> {
        let (w, h) = (frame.width(), frame.height());
        let scaler = match &mut self.scaler {
            Some(s)
                if s.input().width == w
                    && s.input().height == h
                    && s.input().format == frame.format() =>
            {
                s
            }
            slot => {
                let s = scaling::Context::get(
                    frame.format(),
                    w,
                    h,
                    Pixel::RGB24,
                    w,
                    h,
                    scaling::Flags::BILINEAR
                        | scaling::Flags::ACCURATE_RND
                        | scaling::Flags::FULL_CHR_H_INT,
                )
                .map_err(|e| decode_error(&self.path, "converting to RGB", e))?;
                slot.insert(s)
            }
        };
        let mut rgb = ffmpeg::frame::Video::empty();
        scaler
            .run(frame, &mut rgb)
            .map_err(|e| decode_error(&self.path, "converting to RGB", e))?;
        let stride = rgb.stride(0);
        let data = rgb.data(0);
        let mut buf = Vec::with_capacity(w as usize * h as usize * 3);
        for y in 0..h as usize {
            buf.extend_from_slice(&data[y * stride..y * stride + w as usize * 3]);
        }
        let upright = RgbImage::from_raw(w, h, buf)
            .ok_or_else(|| decode_error(&self.path, "converting to RGB", "short frame buffer"))?;
        let image = match self.info.rotation {
            90 => image::imageops::rotate90(&upright),
            180 => image::imageops::rotate180(&upright),
            270 => image::imageops::rotate270(&upright),
            _ => upright,
        };
        let pts = frame.timestamp().or(frame.pts()).unwrap_or(self.start_pts);
        let time_s = (pts - self.start_pts) as f64 * rational_f64(self.time_base);
        let index = self.next_index;
        self.next_index += 1;
        Ok(VideoFrame {
            index,
            time_s,
            image,
        })
    }
}

impl Iterator for VideoSource {
    type Item = Result<VideoFrame, MediaError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_frame().transpose()
    }
}
