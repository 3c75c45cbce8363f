//! The media stage: reading what users bring (images now; video and audio on FFmpeg next).

pub mod image;

pub use self::image::{ImageLoadError, LoadedImage, load_image, load_image_from_memory};
