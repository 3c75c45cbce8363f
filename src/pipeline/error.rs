//! What can go wrong in a render, and what sort of failure each is (the front ends act on
//! the sort: the studio's wording and colour, the command line's exit code).

use std::path::PathBuf;

use crate::export::ExportError;
use crate::face::AnalyzerError;
use crate::media::{ImageLoadError, MediaError};
use crate::motion::MotionError;
use crate::neural::NeuralError;
use crate::render::RenderError;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Image(#[from] ImageLoadError),
    #[error("{0}: no face found in the source image (try a larger or more frontal portrait)")]
    NoSourceFace(PathBuf),
    #[error(transparent)]
    Analysis(#[from] AnalyzerError),
    #[error(transparent)]
    Motion(#[from] MotionError),
    #[error("the driving clip's motion analysis could not be read back: {0}")]
    MotionFile(#[source] std::io::Error),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(
        "{given} source pictures given; Vivant animates from up to {max} pictures of one face (8 to 32 already give the most): choose the best of them",
        max = super::MAX_SOURCES
    )]
    TooManySources { given: usize },
    #[error("nothing drives the portrait: give a driving clip, or a voice recording with --audio")]
    NoDriver,
    #[error("--lips-from-audio needs a voice recording (--audio FILE)")]
    NoVoice,
    /// A keep-still mask that cannot be used: unreadable, or not the picture's size.
    #[error("keep-still mask: {reason}")]
    KeepStill { reason: String },
    #[error(
        "Content Credentials need a folder for their signing key and none is known (no HOME): \
         set VIVANT_CONFIG_DIR, give --signing-cert and --signing-key, or opt out with \
         --no-credentials"
    )]
    NoSigner,
    #[error(
        "{path}: {seconds:.3} s of sound in the rendered range, less than one frame; nothing to render"
    )]
    VoiceTooShort { path: PathBuf, seconds: f64 },
    #[error("{driving}: nothing to render between {start:.3} s and {end:.3} s")]
    EmptyRange {
        driving: PathBuf,
        start: f64,
        end: f64,
    },
    #[error(
        "{path}: {what} at {} s is past the end ({duration:.2} s); use a time within it",
        seconds_text(*.time)
    )]
    PastTheEnd {
        path: PathBuf,
        what: &'static str,
        time: f64,
        duration: f64,
    },
    #[error(
        "{path}: the face is seen in {frames} frame(s); this needs at least {need} (the portraits and a frame to compare)"
    )]
    TooFewFrames {
        path: PathBuf,
        frames: usize,
        need: usize,
    },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Neural(#[from] NeuralError),
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    #[error("cancelled")]
    Cancelled,
    #[error("internal error: the {0} stopped unexpectedly")]
    Panicked(String),
}

/// A time in seconds as a person reads it: two decimals, or in powers of ten when it is too
/// large for that (`1e308` is not 309 digits).
fn seconds_text(t: f64) -> String {
    if t.abs() < 1e9 {
        format!("{t:.2}")
    } else {
        format!("{t:.3e}")
    }
}

/// What sort of failure a `PipelineError` is, for the front ends that act on it: the studio's
/// wording and colour, the command line's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Stopped on request (Cancel, Ctrl-C, a signal); nothing was written.
    Cancelled,
    /// The disk ran out of space while writing.
    DiskFull,
    /// The output's folder does not take files.
    NotWritable,
    /// The driving clip shows no face the tracker can follow.
    NoDrivingFace,
    /// An input or setting that the user can change (a file, a range, a size).
    Input,
    /// Vivant's or the machine's fault (a network, the GPU, a bug).
    Internal,
}

impl PipelineError {
    pub fn failure(&self) -> Failure {
        use crate::motion::TrackError;
        match self {
            Self::Cancelled
            | Self::Render(RenderError::Cancelled)
            | Self::Render(RenderError::Neural(NeuralError::Cancelled))
            | Self::Neural(NeuralError::Cancelled)
            | Self::Export(ExportError::Cancelled)
            | Self::Motion(MotionError::Track(TrackError::Cancelled)) => Failure::Cancelled,
            Self::Export(e) if e.is_disk_full() => Failure::DiskFull,
            Self::Export(e) if e.is_not_writable() => Failure::NotWritable,
            Self::Motion(MotionError::NoFace { .. }) => Failure::NoDrivingFace,
            Self::Motion(MotionError::Track(TrackError::Io(e))) | Self::MotionFile(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
                ) =>
            {
                Failure::DiskFull
            }
            Self::Motion(MotionError::Track(TrackError::Io(_))) | Self::MotionFile(_) => {
                Failure::Internal
            }
            // Loading an engine's resources: the weights or device the user chose.
            Self::Render(RenderError::Device(_))
            | Self::Render(RenderError::Neural(
                NeuralError::NoWeights
                | NeuralError::NoWeightsIn { .. }
                | NeuralError::NotFound { .. }
                | NeuralError::NotAFolder { .. }
                | NeuralError::NotAWeightsFile { .. }
                | NeuralError::MissingFile { .. }
                | NeuralError::Unreadable { .. }
                | NeuralError::Tensor { .. }
                | NeuralError::Shape { .. }
                | NeuralError::Config { .. },
            )) => Failure::Input,
            Self::Analysis(_)
            | Self::Motion(MotionError::Track(TrackError::Analysis(_)))
            | Self::Motion(MotionError::Neural(_))
            | Self::Neural(NeuralError::Net(_))
            | Self::Render(_)
            | Self::Panicked(_)
            | Self::Export(ExportError::Encode { .. }) => Failure::Internal,
            _ => Failure::Input,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_classified_from_their_types() {
        use ffmpeg_next::Error as Ff;
        let write = |errno| {
            PipelineError::Export(ExportError::Write {
                path: "/x/out.mp4".into(),
                source: Ff::Other { errno },
            })
        };
        assert_eq!(
            write(ffmpeg_next::error::ENOSPC).failure(),
            Failure::DiskFull
        );
        assert_eq!(
            write(ffmpeg_next::error::EACCES).failure(),
            Failure::NotWritable
        );
        assert_eq!(write(ffmpeg_next::error::EIO).failure(), Failure::Input);
        let denied = crate::output::OutputError::Io {
            path: "/x/out.mp4".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            PipelineError::Export(ExportError::Output(denied)).failure(),
            Failure::NotWritable
        );
        assert_eq!(PipelineError::Cancelled.failure(), Failure::Cancelled);
        assert_eq!(
            PipelineError::Export(ExportError::Cancelled).failure(),
            Failure::Cancelled
        );
        assert_eq!(
            PipelineError::Motion(MotionError::NoFace {
                path: "clip.mp4".into()
            })
            .failure(),
            Failure::NoDrivingFace
        );
        assert_eq!(
            PipelineError::Panicked("render worker".into()).failure(),
            Failure::Internal
        );
    }
}
