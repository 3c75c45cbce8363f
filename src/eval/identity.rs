//! Does the portrait stay itself? A portrait driven by someone else's clip (cross-reenactment)
//! in each transfer mode; on every scored frame the face is found again in the result and its
//! shape — outline, nose, eye corners, once head pose is taken out — compared with the
//! portrait's own (`Face68::shape_distance`, in eye distances). An engine that copies the
//! driving person's face outline onto the portrait scores high here.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;
use serde::Serialize;

use crate::face::Analyzer;
use crate::geometry::Face68;
use crate::motion::{DrivingMotion, Mode, MotionSettings, Strengths, most_neutral};
use crate::pipeline::{PipelineError, source_face};
use crate::render::{Drive, EngineKind, SourceFace, Transfer};

/// One mode's score.
#[derive(Clone, Debug, Serialize)]
pub struct ModeShape {
    pub mode: Mode,
    /// Mean shape distance from the portrait's, over the frames where a face was found.
    pub mean: f64,
    /// The worst frame's.
    pub max: f64,
    /// Fraction of rendered frames where a face was found.
    pub face_found: f64,
}

/// Identity kept in each mode, on the same frames.
#[derive(Clone, Debug, Serialize)]
pub struct IdentityReport {
    pub source: String,
    pub clip: String,
    /// The driving frames rendered.
    pub frames: Vec<usize>,
    /// The portrait's face found again in the portrait itself (the detector's own noise).
    pub source_again: f64,
    pub relative: ModeShape,
    pub absolute: ModeShape,
}

impl IdentityReport {
    /// How much further from the portrait's shape absolute mode lands than relative mode.
    pub fn ratio(&self) -> f64 {
        self.absolute.mean / self.relative.mean.max(1e-9)
    }
}

/// Renders `frames` driving frames of `clip` (spread over it) onto the portrait at `source`
/// in relative and in absolute mode, and scores the shape kept. Also returns, per frame, the
/// (relative, absolute) pictures when `keep_pictures` is set.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
pub fn identity_kept(
    analyzer: &Analyzer,
    source: &Path,
    clip: &Path,
    frames: usize,
    cache_dir: Option<&Path>,
    keep_pictures: bool,
    kind: &dyn EngineKind,
    cancel: &AtomicBool,
) -> Result<(IdentityReport, Vec<(RgbImage, RgbImage)>), PipelineError> {
    let (image, landmarks, _) = source_face(analyzer, source)?;
    // The portrait analysed again: the floor any render can reach.
    let again = analyzer
        .analyze(&image)?
        .first()
        .map(|f| f.landmarks68.shape_distance(&landmarks) as f64)
        .unwrap_or(f64::NAN);
    let (motion, _) = DrivingMotion::analyse(
        analyzer,
        clip,
        &MotionSettings::default(),
        cache_dir,
        cancel,
        &|_, _| {},
    )?;
    let faces: Vec<Option<Face68>> = (0..motion.len())
        .map(|i| match motion.states[i].observed() {
            true => motion.landmarks(i).map(Some),
            false => Ok(None),
        })
        .collect::<Result<_, _>>()
        .map_err(PipelineError::MotionFile)?;
    let observed: Vec<usize> = (0..faces.len()).filter(|&i| faces[i].is_some()).collect();
    let reference_index = most_neutral(faces.iter().copied()).ok_or(PipelineError::NoDriver)?;
    if observed.len() < 2 {
        return Err(PipelineError::TooFewFrames {
            path: clip.to_path_buf(),
            frames: observed.len(),
            need: 2,
        });
    }
    let n = frames.clamp(1, observed.len());
    let picked: Vec<usize> = (0..n)
        .map(|j| observed[(j * observed.len() + observed.len() / 2) / n])
        .collect();
    let own = super::own_track(kind, clip, &motion, cache_dir, cancel)?;
    let reference = motion
        .landmarks(reference_index)
        .map_err(PipelineError::MotionFile)?;
    let reference_track = own
        .as_ref()
        .map(|t| t.entry(reference_index))
        .transpose()
        .map_err(PipelineError::MotionFile)?;
    let mut scores: Vec<Vec<Option<f64>>> = Vec::new();
    let mut drawn: Vec<Vec<RgbImage>> = Vec::new();
    for mode in [Mode::Relative, Mode::Absolute] {
        let transfer = Transfer {
            mode,
            strengths: Strengths::default(),
            reference: Some(reference),
            reference_track: reference_track.clone(),
        };
        let portrait = SourceFace {
            image: image.clone(),
            landmarks68: landmarks,
            keep_still: None,
        };
        let mut engine = crate::render::prepare(vec![portrait], &transfer, kind)?;
        let (mut mode_scores, mut mode_pictures) = (Vec::new(), Vec::new());
        for &i in &picked {
            if cancel.load(Ordering::Relaxed) {
                return Err(PipelineError::Cancelled);
            }
            let face = faces[i].ok_or(PipelineError::NoDriver)?;
            let drive =
                Drive::from_clip(face, own.as_deref(), i).map_err(PipelineError::MotionFile)?;
            let out = engine.render(&drive)?;
            let found = analyzer.analyze(&out.image)?;
            mode_scores.push(
                found
                    .first()
                    .map(|f| f.landmarks68.shape_distance(&landmarks) as f64),
            );
            if keep_pictures {
                mode_pictures.push(out.image);
            }
        }
        scores.push(mode_scores);
        drawn.push(mode_pictures);
    }
    let summary = |mode: Mode, s: &[Option<f64>]| {
        let found: Vec<f64> = s.iter().flatten().copied().collect();
        ModeShape {
            mode,
            mean: found.iter().sum::<f64>() / found.len().max(1) as f64,
            max: found.iter().copied().fold(0.0, f64::max),
            face_found: found.len() as f64 / s.len().max(1) as f64,
        }
    };
    let report = IdentityReport {
        source: source.display().to_string(),
        clip: clip.display().to_string(),
        frames: picked,
        source_again: again,
        relative: summary(Mode::Relative, &scores[0]),
        absolute: summary(Mode::Absolute, &scores[1]),
    };
    let absolute = drawn.pop().unwrap_or_default();
    let relative = drawn.pop().unwrap_or_default();
    Ok((report, relative.into_iter().zip(absolute).collect()))
}
