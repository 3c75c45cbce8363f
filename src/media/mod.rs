//! The media stage: reading what users bring. Images (`image`), and video on the system's
//! FFmpeg (`video`); audio decoding, seeking and export follow.

pub mod image;
pub mod video;

pub use self::image::{ImageLoadError, LoadedImage, load_image, load_image_from_memory};
pub use self::video::{AudioInfo, MediaError, VideoFrame, VideoInfo, VideoSource};
