//! The analyzer: every face in an image with its box, keypoints, 68 landmarks and mesh.
//!
//! Built once per device (loading and checking the weights), then reused for every image.

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::detector::{Detection, FaceDetector};
use super::landmarks68::{Crop, Landmarks68};
use super::mesh::{self, FaceMesh};
use crate::geometry::{Face68, mean, parts};
use crate::models::{Model, ModelError, ModelSource};

/// Where the networks run (`crate::devices`, shared with the neural engine).
pub use crate::devices::DeviceChoice;

#[derive(Debug, thiserror::Error)]
pub enum AnalyzerError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Device(#[from] crate::devices::DeviceError),
    #[error("face network failed: {0}")]
    Net(#[from] candle_core::Error),
    /// A thread of the analysis panicked (a bug): said as such, with what it said.
    #[error("internal error: a face analysis thread stopped unexpectedly ({0})")]
    Panicked(String),
}

/// How far the analysis trusts a face, with the evidence behind it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Quality {
    /// Overall confidence in [0, 1]: detector score × mesh presence × landmark agreement.
    pub confidence: f32,
    /// The mesh network's face-present probability for the crop.
    pub mesh_presence: f32,
    /// Mean distance between the 68-point net and the mesh's 68 points (jaw excluded, where
    /// the two conventions differ), as a fraction of the distance between the eye centres.
    pub landmark_disagreement: f32,
}

/// One face, in pixels of the upright image.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Face {
    /// x, y, width, height.
    pub bbox: [f32; 4],
    /// Detector score in [0, 1].
    pub score: f32,
    /// Subject's right eye, left eye, nose tip, mouth centre, right ear, left ear.
    pub keypoints: [[f32; 2]; 6],
    /// iBUG-68 points from the 68-point net on an upright crop placed by the mesh.
    pub landmarks68: Face68,
    /// 468 mesh points (x, y, z); z is relative depth in pixels, negative towards the viewer.
    pub mesh468: Vec<[f32; 3]>,
    pub quality: Quality,
}

impl Face {
    /// Centres of the subject's right and left eye from the 68 points.
    pub fn eye_centres(points: &Face68) -> ([f32; 2], [f32; 2]) {
        (
            mean(points.part(parts::RIGHT_EYE)),
            mean(points.part(parts::LEFT_EYE)),
        )
    }
}

#[derive(Clone, Debug)]
pub struct AnalyzerOptions {
    /// Crop for the 68-point net from the mesh (true) or from the detector box and keypoints.
    pub crop_from_mesh: bool,
    /// Also search half-size windows for small faces (stills: yes; video tracking: no).
    pub small_faces: bool,
    /// Detections whose crop the mesh network scores below this are not faces.
    pub min_presence: f32,
}

impl Default for AnalyzerOptions {
    fn default() -> Self {
        Self {
            crop_from_mesh: true,
            small_faces: true,
            min_presence: 0.5,
        }
    }
}

/// The face-analysis stage: detector, 68-point net and mesh on one device.
#[derive(Debug, Clone)]
pub struct Analyzer {
    pub detector: FaceDetector,
    pub landmarks: Landmarks68,
    pub mesh: FaceMesh,
    pub options: AnalyzerOptions,
    device: Device,
}

impl Analyzer {
    pub fn new(device: &Device, models: &ModelSource) -> Result<Self, AnalyzerError> {
        let vb = |m: Model| -> Result<VarBuilder<'static>, AnalyzerError> {
            let bytes = models.load(m)?.into_owned();
            Ok(VarBuilder::from_buffered_safetensors(
                bytes,
                DType::F32,
                device,
            )?)
        };
        Ok(Self {
            detector: FaceDetector::new(vb(Model::Detector)?)?,
            landmarks: Landmarks68::new(vb(Model::Landmarks68)?)?,
            mesh: FaceMesh::new(vb(Model::FaceMesh)?)?,
            options: AnalyzerOptions::default(),
            device: device.clone(),
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Detector score threshold (default 0.5).
    pub fn set_min_score(&mut self, s: f32) {
        self.detector.min_score = s;
    }

    /// Every face in the image, largest first.
    pub fn analyze(&self, img: &RgbImage) -> Result<Vec<Face>, AnalyzerError> {
        let detections = if self.options.small_faces {
            self.detector.detect_multiscale(img)?
        } else {
            self.detector.detect(img)?
        };
        // Faces are independent: a group photo spreads them over the cores.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per = detections.len().div_ceil(workers).max(1);
        let results: Vec<Result<Vec<Face>, AnalyzerError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = detections
                .chunks(per)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|d| self.analyze_detection(img, d))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|panic| {
                        Err(AnalyzerError::Panicked(crate::panic_text(&*panic)))
                    })
                })
                .collect()
        });
        let mut faces = Vec::with_capacity(detections.len());
        for face in results
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
        {
            // The mesh network's face-present score vetoes detector false positives (hands,
            // folds of cloth in paintings); a box placed by hand is never vetoed.
            if face.quality.mesh_presence >= self.options.min_presence {
                faces.push(face);
            }
        }
        faces.sort_by(|a, b| (b.bbox[2] * b.bbox[3]).total_cmp(&(a.bbox[2] * a.bbox[3])));
        Ok(faces)
    }

    /// Landmarks and mesh for one detection (also the entry for a box placed by hand).
    pub fn analyze_detection(
        &self,
        img: &RgbImage,
        det: &Detection,
    ) -> Result<Face, AnalyzerError> {
        let first = self.analyze_at_roll(img, det, det.roll())?;
        if first.quality.mesh_presence >= self.options.min_presence
            && first.quality.landmark_disagreement < 0.2
        {
            return Ok(first);
        }
        // The detector's eye keypoints are unreliable on faces turned past ~45° (a sideways
        // scan, a photo that lost its EXIF orientation): try the other quarter turns and keep
        // the one both networks agree on best.
        use std::f32::consts::{FRAC_PI_2, PI};
        let mut best = first;
        for turn in [FRAC_PI_2, -FRAC_PI_2, PI] {
            let other = self.analyze_at_roll(img, det, det.roll() + turn)?;
            if other.quality.confidence > best.quality.confidence {
                best = other;
            }
        }
        Ok(best)
    }

    /// Mesh, then 68 points, with the mesh's crop turned by `roll`.
    fn analyze_at_roll(
        &self,
        img: &RgbImage,
        det: &Detection,
        roll: f32,
    ) -> Result<Face, AnalyzerError> {
        // The mesh first: it is stable under head tilt, and its eye corners and extent give
        // the 68-point net a crop that stays the same shape when the head turns in plane.
        let mesh = self.mesh.detect(img, &mesh::roi(det.bbox, roll))?;
        let crop = if self.options.crop_from_mesh {
            mesh.landmarks_crop()
        } else {
            Crop::upright_from_box(det.bbox, roll)
        };
        let landmarks68 = self.landmarks.detect(img, crop)?;
        let from_mesh = mesh.to_68();
        let (r, l) = Face::eye_centres(&from_mesh);
        let iod = ((l[0] - r[0]).powi(2) + (l[1] - r[1]).powi(2))
            .sqrt()
            .max(1.0);
        let disagreement = (17..68)
            .map(|i| {
                let (a, b) = (landmarks68[i], from_mesh[i]);
                ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
            })
            .sum::<f32>()
            / 51.0
            / iod;
        // On clean photos the two nets differ by ~5 % of the eye distance (their conventions
        // differ a little); at 20 % one of them has lost the face.
        let agreement = (1.0 - (disagreement - 0.05) / 0.15).clamp(0.0, 1.0);
        Ok(Face {
            bbox: det.bbox,
            score: det.score,
            keypoints: det.keypoints,
            landmarks68,
            quality: Quality {
                confidence: det.score * mesh.presence * agreement,
                mesh_presence: mesh.presence,
                landmark_disagreement: disagreement,
            },
            mesh468: mesh.points,
        })
    }
}
