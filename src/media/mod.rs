//! The media stage: reading what users bring. Images (`image`); video (`video`), audio
//! (`audio`) and metadata (`probe`) on the system's FFmpeg; timeline summaries (`timeline`).

pub mod audio;
mod av;
pub mod image;
pub mod live;
pub mod probe;
pub mod timeline;
pub mod video;

pub use self::audio::{AudioFormat, AudioSource, PcmBuffer, SampleSource};
pub use self::av::MediaError;
pub(crate) use self::av::init as init_ffmpeg;
pub(crate) use self::av::is_again;
pub(crate) use self::av::mp4_boxes;
pub use self::image::{ImageLoadError, LoadedImage, load_image, load_image_from_memory};
pub use self::probe::{MediaInfo, StreamInfo, probe};
pub use self::timeline::{Thumbnail, ThumbnailTiming, Waveform, thumbnails};
pub use self::video::{AudioInfo, RgbConversion, VideoFrame, VideoInfo, VideoSource};

/// `clip.mp4@2.5` names the frame of `clip.mp4` on screen at 2.5 s (a portrait taken from a
/// video): (file, seconds), when no file has the whole name.
pub fn video_frame_name(path: &std::path::Path) -> Option<(std::path::PathBuf, f64)> {
    if path.exists() {
        return None;
    }
    let text = path.to_string_lossy();
    let (file, t) = text.rsplit_once('@')?;
    let t = t.parse::<f64>().ok().filter(|t| t.is_finite())?;
    Some((std::path::PathBuf::from(file), t))
}

/// `clip.mp4@…` where `clip.mp4` is a file but what follows the `@` is no time in seconds
/// (`@abc`, `@`, `@NaN`): the file and the text, so that the error says that rather than
/// "no such file".
pub fn bad_frame_time(path: &std::path::Path) -> Option<(std::path::PathBuf, String)> {
    if path.exists() || video_frame_name(path).is_some() {
        return None;
    }
    let text = path.to_string_lossy();
    let (file, t) = text.rsplit_once('@')?;
    let file = std::path::PathBuf::from(file);
    file.is_file().then(|| (file, t.to_string()))
}

/// What is at a path that is there but is not a regular file ("a folder", "a device or a
/// pipe"), worded the same by every reader of files; `None` for a file.
pub fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    if meta.is_file() {
        None
    } else if meta.is_dir() {
        Some("a folder")
    } else {
        Some("a device or a pipe")
    }
}

/// A file as a user knows it: its name (the whole path when it has none, as `/`).
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
