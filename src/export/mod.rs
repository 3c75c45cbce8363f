//! The export stage: finished frames and a sound track into a file people can play.

pub mod credentials;
pub mod mark;
pub mod mp4;
pub mod take;

pub use self::mp4::{
    AudioFit, ExportError, ExportReport, Mp4Settings, Mp4Writer, PRESETS, Progress,
};
