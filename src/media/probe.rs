//! What a media file holds, for `vivant probe` and for checking inputs before long work:
//! container, every stream, and the video and audio tracks Vivant would use.

use std::path::Path;

use ffmpeg::media::Type as MediaType;
use ffmpeg_next as ffmpeg;
use serde::Serialize;

use super::av::{MediaError, open_input, rational_f64};
use super::video::{AudioInfo, VideoInfo, VideoSource};

/// One stream of a file.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StreamInfo {
    pub index: usize,
    /// video, audio, subtitle, data, attachment or unknown.
    pub kind: String,
    pub codec: String,
    pub duration_s: Option<f64>,
}

/// Everything `vivant probe` reports.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MediaInfo {
    pub path: String,
    pub container: String,
    pub size_bytes: u64,
    pub duration_s: f64,
    pub bit_rate: Option<u64>,
    pub streams: Vec<StreamInfo>,
    /// The video track Vivant decodes (the container's best), when there is one.
    pub video: Option<VideoInfo>,
    /// The sound track Vivant decodes, when there is one.
    pub audio: Option<AudioInfo>,
}

/// Read a file's metadata. With `count_frames`, the video's frame count is made exact by
/// reading every packet (no decoding) when the container does not store it.
pub fn probe(path: impl AsRef<Path>, count_frames: bool) -> Result<MediaInfo, MediaError> {
    let path = path.as_ref();
    let input = open_input(path)?;
    let streams = input
        .streams()
        .map(|s| StreamInfo {
            index: s.index(),
            kind: match s.parameters().medium() {
                MediaType::Video => "video",
                MediaType::Audio => "audio",
                MediaType::Subtitle => "subtitle",
                MediaType::Data => "data",
                MediaType::Attachment => "attachment",
                _ => "unknown",
            }
            .into(),
            codec: s.parameters().id().name().to_string(),
            duration_s: (s.duration() > 0)
                .then(|| s.duration() as f64 * rational_f64(s.time_base())),
        })
        .collect();
    let audio = input
        .streams()
        .best(MediaType::Audio)
        .map(|a| AudioInfo::from_stream(&a));
    let has_video = input.streams().best(MediaType::Video).is_some();
    let duration_s = if input.duration() > 0 {
        input.duration() as f64 / ffmpeg::ffi::AV_TIME_BASE as f64
    } else {
        0.0
    };
    let bit_rate = (input.bit_rate() > 0).then_some(input.bit_rate() as u64);
    let container = input.format().name().to_string();
    drop(input);
    let video = if has_video {
        let mut src = VideoSource::open(path)?;
        if count_frames && !src.info().frame_count_exact {
            src.build_index()?;
        }
        Some(src.info().clone())
    } else {
        None
    };
    Ok(MediaInfo {
        path: path.display().to_string(),
        container,
        size_bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
        duration_s,
        bit_rate,
        streams,
        video,
        audio,
    })
}
