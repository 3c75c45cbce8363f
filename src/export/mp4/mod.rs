//! MP4 export on the system's FFmpeg: H.264 (libx264, yuv420p, BT.709) and AAC, `+faststart`,
//! title/comment/encoder tags.
//!
//! Sync is by construction: video timestamps are frame index × frame duration, audio
//! timestamps are sample counts, both from zero. The sound is pulled from a `SampleSource` as
//! the video advances, so a long track is never held in memory, and at the end it is padded
//! with silence or cut to the video's length (the report says which).
//!
//! The file is written under a temporary name in the target folder and renamed into place
//! only when complete: cancelling, an error, or a dropped writer leaves no partial file and
//! the previous file of that name untouched.

mod writer;
pub use self::writer::*;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ffmpeg::format::Pixel;
use ffmpeg::format::Sample;
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::software::scaling;
use ffmpeg::{ChannelLayout, Dictionary, Rational, codec, encoder};
use ffmpeg_next as ffmpeg;
use image::RgbImage;

use crate::media::is_again;
use serde::Serialize;

use crate::media::{AudioFormat, MediaError, SampleSource};
use crate::output::{OutputError, TempFile};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: ffmpeg::Error,
    },
    #[error("bad export settings: {0}")]
    Settings(String),
    #[error("frame {index} is {got_w}×{got_h}; this export is {want_w}×{want_h}")]
    FrameSize {
        index: u64,
        got_w: u32,
        got_h: u32,
        want_w: u32,
        want_h: u32,
    },
    #[error("encoding {what} failed: {reason}")]
    Encode { what: &'static str, reason: String },
    #[error("writing {path} failed: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: ffmpeg::Error,
    },
    #[error("reading the sound track: {0}")]
    Audio(#[from] MediaError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Credentials(#[from] super::credentials::CredentialsError),
    #[error("export cancelled")]
    Cancelled,
}

impl ExportError {
    /// The disk (or the user's quota) ran out of space.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::Create { source, .. } | Self::Write { source, .. } => {
                matches!(source, ffmpeg::Error::Other { errno } if *errno == ffmpeg::error::ENOSPC)
            }
            Self::Output(o) => o.is_disk_full(),
            _ => false,
        }
    }

    /// The folder does not take files (permissions, a read-only disk).
    pub fn is_not_writable(&self) -> bool {
        match self {
            Self::Create { source, .. } | Self::Write { source, .. } => {
                matches!(source, ffmpeg::Error::Other { errno } if *errno == ffmpeg::error::EACCES
                    || *errno == ffmpeg::error::EPERM
                    || *errno == ffmpeg::error::EROFS)
            }
            Self::Output(o) => o.is_not_writable(),
            _ => false,
        }
    }
}

/// What to make.
#[derive(Clone, Debug)]
pub struct Mp4Settings {
    pub width: u32,
    pub height: u32,
    /// Frames per second as a rational (numerator, denominator).
    pub frame_rate: (i32, i32),
    /// x264 constant rate factor: 0 (lossless) to 51. The default, 16, keeps every frame of a
    /// detailed panning photo at ≥ 38 dB PSNR (RGB, after 4:2:0), see docs/PERFORMANCE.md.
    pub crf: u8,
    /// x264 preset: ultrafast … veryslow.
    pub preset: String,
    pub title: Option<String>,
    pub comment: Option<String>,
    /// AAC bit rate of the sound track, bits per second.
    pub audio_bitrate: u32,
    /// Content Credentials signed into the finished file before it is moved into place
    /// (`None`: the user opted out).
    pub credentials: Option<super::credentials::Credentials>,
}

impl Mp4Settings {
    pub fn new(width: u32, height: u32, frame_rate: (i32, i32)) -> Self {
        Self {
            width,
            height,
            frame_rate,
            crf: 16,
            preset: "medium".into(),
            title: None,
            comment: None,
            audio_bitrate: 160_000,
            credentials: None,
        }
    }
}

/// x264's presets, fastest first.
pub const PRESETS: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

/// Progress after each frame.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub frames_done: u64,
    pub total_frames: Option<u64>,
    pub bytes_written: u64,
}

/// How the sound track was fitted to the video.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fit")]
pub enum AudioFit {
    /// The sound ended within one sample of the video.
    Exact,
    /// The sound was shorter; silence was added at the end.
    Padded { seconds: f64 },
    /// The sound was longer; the rest was left out.
    Cut { seconds: f64 },
}

impl std::fmt::Display for AudioFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AudioFit::Exact => write!(f, "sound matches the video's length"),
            AudioFit::Padded { seconds } => {
                write!(
                    f,
                    "sound was {seconds:.3} s shorter than the video: silence added"
                )
            }
            AudioFit::Cut { seconds } => {
                write!(
                    f,
                    "sound was {seconds:.3} s longer than the video: the rest left out"
                )
            }
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Serialize)]
pub struct ExportReport {
    pub path: PathBuf,
    pub frames: u64,
    pub duration_s: f64,
    /// Encoded size; one more than asked in a dimension that was odd (H.264 4:2:0 needs even
    /// sizes; the last row or column is repeated).
    pub width: u32,
    pub height: u32,
    pub audio: Option<AudioFit>,
    pub bytes: u64,
    /// Content Credentials were signed into the file.
    pub signed: bool,
}
