//! The media stage: reading what users bring. Images (`image`); video (`video`), audio
//! (`audio`) and metadata (`probe`) on the system's FFmpeg; timeline summaries (`timeline`).

pub mod audio;
mod av;
pub mod image;
pub mod probe;
pub mod timeline;
pub mod video;

pub use self::audio::{AudioFormat, AudioSource, PcmBuffer, SampleSource};
pub use self::av::MediaError;
pub(crate) use self::av::init as init_ffmpeg;
pub use self::image::{ImageLoadError, LoadedImage, load_image, load_image_from_memory};
pub use self::probe::{MediaInfo, StreamInfo, probe};
pub use self::timeline::{Thumbnail, ThumbnailTiming, Waveform, thumbnails};
pub use self::video::{AudioInfo, RgbConversion, VideoFrame, VideoInfo, VideoSource};
