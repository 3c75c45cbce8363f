//! The neural engine: LivePortrait's networks (from the user's weights) synthesise the face.
//!
//! Prepared once per source: the crop placed from its 68 points (`neural::crop`), its feature
//! volume and keypoints (F and M). Per frame: the driving frame's motion (read by the motion
//! stage, `motion::neural`) carried onto each source's keypoints — relative to the reference
//! frame as the reference pipeline does it, or absolute pose and expression on the source's
//! own face — scaled by the user's strengths, stitched, warped and decoded (W and G), and the
//! generated crop pasted back into the full-resolution portrait (`neural::paste`). With several
//! sources, the one that has to move least is drawn (kept unless another is clearly better).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use candle_core::Tensor;
use image::RgbImage;

use super::kind::{Analysed, ClipInput, ClipTrack, EngineKind, TrackEntry};
use super::{Drive, Engine, FaceControls, RenderError, Rendered, SourceFace, Transfer};
use crate::devices::DeviceChoice;
use crate::export::credentials::SourceType;
use crate::geometry::Face68;
use crate::motion::neural::NeuralMotion;
use crate::motion::{Mode, MotionError, Strengths};
use crate::neural::crop::{CropSettings, crop_rgb, crop_transform, input_tensor};
use crate::neural::keypoints::{self, Keypoints, KpInfo};
use crate::neural::paste::paste_back;
use crate::neural::{LivePortrait, NeuralError, Stop};

/// The keypoints that move the eyes and the lips (the reference's animation regions). These
/// numbers are the reference's for its 21 keypoints; with another count from a config, those
/// past the count are skipped rather than indexed.
const EYES: [usize; 5] = [11, 13, 15, 16, 18];
const LIPS: [usize; 6] = [6, 12, 14, 17, 19, 20];
/// Keypoints whose expression the reference's absolute mode takes from the driving face;
/// the others carry the source's identity. (Some take only one or two coordinates.)
const ABSOLUTE_ALL: [usize; 13] = [1, 2, 6, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
const ABSOLUTE_PART: [(usize, usize); 6] = [(3, 1), (4, 1), (5, 2), (8, 2), (9, 1), (9, 2)];

/// The engine's name (`--engine`, the video's comment, its provenance).
const NAME: &str = "neural";

/// The neural engine's kind: LivePortrait's networks, loaded once.
pub struct NeuralKind {
    networks: Arc<LivePortrait>,
}

/// The networks last loaded, by weights folder and device: the studio's preview and its
/// export, and every render of a process, share one copy.
static LOADED: Mutex<Option<(PathBuf, DeviceChoice, Arc<LivePortrait>)>> = Mutex::new(None);

impl NeuralKind {
    /// Networks the caller loaded (its own weights, or made in memory).
    pub fn new(networks: Arc<LivePortrait>) -> Self {
        Self { networks }
    }

    /// The networks of the weights in `dir` on `device` (loaded on first use, then kept for
    /// the process), with the note to give when `auto` ended on the CPU. Without a folder, the
    /// error says which files are needed and where they come from; a device asked for by name
    /// that is not here is an error that says why.
    pub fn load(
        dir: Option<&Path>,
        device: DeviceChoice,
    ) -> Result<(Self, Option<String>), RenderError> {
        let dir = dir.ok_or(NeuralError::NoWeights)?;
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        let opened = device.open()?;
        if let Some((have, on, networks)) = loaded.as_ref()
            && have == dir
            && *on == device
        {
            let networks = networks.clone();
            return Ok((Self { networks }, opened.note));
        }
        // One copy: the old networks go before the new ones load.
        *loaded = None;
        let networks = Arc::new(LivePortrait::load(dir, &opened.device)?);
        *loaded = Some((dir.to_path_buf(), device, networks.clone()));
        Ok((Self { networks }, opened.note))
    }

    pub fn networks(&self) -> &Arc<LivePortrait> {
        &self.networks
    }
}

impl EngineKind for NeuralKind {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The face drawn by a generator network: the picture's subject is the network's output.
    fn source_type(&self) -> SourceType {
        SourceType::TrainedAlgorithmicMedia
    }

    /// The clip's motion as the motion extractor reads it (or from its cache).
    fn analyse(&self, clip: &ClipInput<'_>) -> Result<Option<Analysed>, MotionError> {
        let (motion, notes) = NeuralMotion::analyse(
            &self.networks,
            clip.clip,
            clip.motion,
            clip.smoothing,
            clip.cache_dir,
            clip.cancel,
            clip.progress,
        )?;
        Ok(Some(Analysed {
            track: Arc::new(motion),
            notes,
        }))
    }

    fn slow(&self) -> bool {
        true
    }

    fn frame_steps(&self) -> u64 {
        self.networks.blocks() as u64
    }

    fn prepare(
        &self,
        sources: Vec<SourceFace>,
        transfer: &Transfer,
    ) -> Result<Box<dyn Engine>, RenderError> {
        Ok(Box::new(NeuralEngine::new(
            self.networks.clone(),
            sources,
            transfer,
        )?))
    }
}

impl ClipTrack for NeuralMotion {
    fn entry(&self, i: usize) -> std::io::Result<TrackEntry> {
        Ok(TrackEntry::new(self.frame(i)?))
    }
}

struct Source {
    image: RgbImage,
    face: Face68,
    keep_still: Option<Arc<super::StillMask>>,
    prepared: crate::neural::Source,
}

/// The neural engine, prepared from one or several pictures of a face.
pub struct NeuralEngine {
    networks: Arc<LivePortrait>,
    sources: Vec<Source>,
    mode: Mode,
    strengths: Strengths,
    /// The driving face at rest, as the motion extractor reads it.
    reference: Option<KpInfo>,
    current: Option<usize>,
}

impl NeuralEngine {
    pub fn new(
        networks: Arc<LivePortrait>,
        sources: Vec<SourceFace>,
        transfer: &Transfer,
    ) -> Result<Self, RenderError> {
        if sources.is_empty() {
            return Err(RenderError::NoSource);
        }
        let n = networks.config.input_size();
        let sources = sources
            .into_iter()
            .map(|s| {
                let to_crop = crop_transform(&s.landmarks68, &CropSettings::SOURCE, n as f32);
                let crop = crop_rgb(&s.image, &to_crop, n);
                let input = input_tensor(&crop, n, networks.device())?;
                let prepared = networks.prepare_source(&input)?;
                Ok(Source {
                    image: s.image,
                    face: s.landmarks68,
                    keep_still: s.keep_still,
                    prepared,
                })
            })
            .collect::<Result<Vec<_>, NeuralError>>()?;
        Ok(Self {
            networks,
            sources,
            mode: transfer.mode,
            strengths: transfer.strengths,
            reference: transfer
                .reference_track
                .as_ref()
                .and_then(|t| t.get::<KpInfo>())
                .cloned(),
            current: None,
        })
    }

    /// Source `s`'s keypoints driven by `driving` (before stitching).
    fn driven(&self, s: &Source, driving: &KpInfo) -> Keypoints {
        let own = &s.prepared.info;
        match self.mode {
            Mode::Relative => {
                // Without a driving reference each source is its own (same face, same camera).
                let reference = self.reference.as_ref().unwrap_or(own);
                let d = toward(reference, driving, &self.strengths);
                keypoints::relative_motion(own, reference, &d).x_d
            }
            Mode::Absolute => {
                // The driving pose and expression, on the source's own face: the components
                // that carry identity stay the source's.
                let d = toward(own, driving, &self.strengths);
                let mut exp = own.exp.clone();
                let n = exp.len().min(d.exp.len());
                for &k in ABSOLUTE_ALL.iter().filter(|&&k| k < n) {
                    exp[k] = d.exp[k];
                }
                for &(k, c) in ABSOLUTE_PART.iter().filter(|&&(k, _)| k < n) {
                    exp[k][c] = d.exp[k][c];
                }
                let r = keypoints::rotation(d.pitch, d.yaw, d.roll);
                keypoints::mul_rows(&own.kp, &r)
                    .iter()
                    .zip(&exp)
                    .map(|(p, e)| {
                        [
                            own.scale * (p[0] + e[0]) + d.t[0],
                            own.scale * (p[1] + e[1]) + d.t[1],
                            own.scale * (p[2] + e[2]),
                        ]
                    })
                    .collect()
            }
        }
    }

    /// Source `s` moved by a voice's controls: its head turned by the idle angles, its eyes
    /// and lips set by the retargeting networks (as the reference's retargeting does, from the
    /// source's own keypoints).
    fn controlled(&self, s: &Source, c: &FaceControls) -> Result<Keypoints, RenderError> {
        let own = &s.prepared.info;
        let p = self.strengths.pose.clamp(0.0, 2.0);
        let turned = KpInfo {
            pitch: own.pitch + p * c.head[0],
            yaw: own.yaw + p * c.head[1],
            roll: own.roll + p * c.head[2],
            ..own.clone()
        }
        .transformed();
        let mut x = self.with_lips(s, turned, c.lips)?;
        if let Some(eyes) = c.eyes {
            let [right, left, _] = FaceControls::ratios(&s.face);
            let w = (self.strengths.expression * self.strengths.eyes).clamp(0.0, 4.0);
            let rest = (right + left) / 2.0;
            let target = (rest + w * (eyes - rest)).max(0.0);
            // The reference's order: the source's left eye, right eye, then the target.
            let delta = self
                .networks
                .retarget_eye(&s.prepared.x_s, [left, right, target])?;
            x = add(&x, &delta);
        }
        Ok(x)
    }

    /// `x` with source `s`'s lips opened to `lips` (a ratio) by lip retargeting.
    fn with_lips(&self, s: &Source, x: Keypoints, lips: f32) -> Result<Keypoints, RenderError> {
        let rest = FaceControls::ratios(&s.face)[2];
        let w = (self.strengths.expression * self.strengths.mouth).clamp(0.0, 4.0);
        let target = (rest + w * (lips - rest)).max(0.0);
        let delta = self
            .networks
            .retarget_lip(&s.prepared.x_s, [rest, target])?;
        Ok(add(&x, &delta))
    }

    /// The source to draw for a frame whose driving reading is `driving`: the one whose own
    /// head pose and expression are nearest it (kept unless another is clearly nearer), so a
    /// turned source serves turned frames and an open-mouthed one open mouths.
    fn choose(&mut self, driving: Option<&KpInfo>) -> usize {
        let Some(d) = driving else {
            return 0;
        };
        let cost: Vec<f32> = self
            .sources
            .iter()
            .map(|s| {
                let own = &s.prepared.info;
                // Ten degrees of head turn weigh as much as a typical expression's change.
                let angles = ((d.pitch - own.pitch).powi(2)
                    + (d.yaw - own.yaw).powi(2)
                    + (d.roll - own.roll).powi(2))
                .sqrt()
                    / 10.0;
                let n = d.exp.len().min(own.exp.len());
                let exp: f32 = ABSOLUTE_ALL
                    .iter()
                    .filter(|&&k| k < n)
                    .map(|&k| {
                        (0..3)
                            .map(|c| (d.exp[k][c] - own.exp[k][c]).powi(2))
                            .sum::<f32>()
                            .sqrt()
                    })
                    .sum::<f32>()
                    / 0.05;
                angles + exp / ABSOLUTE_ALL.len() as f32
            })
            .collect();
        let best = (0..cost.len())
            .min_by(|&a, &b| cost[a].total_cmp(&cost[b]))
            .unwrap_or(0);
        let pick = match self.current {
            Some(c) if c < cost.len() && cost[best] > cost[c] * 0.85 => c,
            _ => best,
        };
        self.current = Some(pick);
        pick
    }
}

/// `driving` moved only `strengths` of the way from `base`: pose (angles, translation, scale)
/// by the pose strength, each keypoint's expression by the expression strength times the
/// eyes' or the mouth's.
fn toward(base: &KpInfo, driving: &KpInfo, st: &Strengths) -> KpInfo {
    let p = st.pose.clamp(0.0, 2.0);
    let lerp = |a: f32, b: f32, w: f32| a + (b - a) * w;
    let exp = base
        .exp
        .iter()
        .zip(&driving.exp)
        .enumerate()
        .map(|(k, (a, b))| {
            let part = if EYES.contains(&k) {
                st.eyes
            } else if LIPS.contains(&k) {
                st.mouth
            } else {
                1.0
            };
            let w = (st.expression * part).clamp(0.0, 4.0);
            [
                lerp(a[0], b[0], w),
                lerp(a[1], b[1], w),
                lerp(a[2], b[2], w),
            ]
        })
        .collect();
    KpInfo {
        pitch: lerp(base.pitch, driving.pitch, p),
        yaw: lerp(base.yaw, driving.yaw, p),
        roll: lerp(base.roll, driving.roll, p),
        t: std::array::from_fn(|i| lerp(base.t[i], driving.t[i], p)),
        exp,
        scale: lerp(base.scale, driving.scale, p),
        kp: driving.kp.clone(),
    }
}

fn add(a: &[[f32; 3]], b: &[[f32; 3]]) -> Keypoints {
    a.iter()
        .zip(b)
        .map(|(p, q)| [p[0] + q[0], p[1] + q[1], p[2] + q[2]])
        .collect()
}

/// The generator's output (1, 3, n, n) in [0, 1] as RGB values 0–255 (HWC).
fn crop_pixels(out: &Tensor) -> Result<(Vec<f32>, usize), NeuralError> {
    let n = out.dim(3)?;
    let hwc = out
        .squeeze(0)?
        .permute((1, 2, 0))?
        .to_device(&candle_core::Device::Cpu)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    Ok((hwc.into_iter().map(|v| v * 255.0).collect(), n))
}

impl Engine for NeuralEngine {
    fn source_face(&self, source: usize) -> &Face68 {
        &self.sources[source.min(self.sources.len() - 1)].face
    }

    fn render(&mut self, drive: &Drive) -> Result<Rendered, RenderError> {
        self.render_until(drive, &Stop::never())
    }

    /// The frame, with W and G asking `stop` between their blocks: a frame no longer wanted
    /// stops within one block (a fraction of a second on the CPU).
    fn render_until(&mut self, drive: &Drive, stop: &Stop) -> Result<Rendered, RenderError> {
        let motion = drive.track.as_ref().and_then(|t| t.get::<KpInfo>());
        let driven: Vec<Keypoints> = match (motion, &drive.controls) {
            (Some(driving), controls) => self
                .sources
                .iter()
                .map(|s| {
                    let mut driving = driving.clone();
                    // Lips from a voice over a clip: the clip's mouth held at rest, the
                    // voice's opening added by lip retargeting.
                    if let (Some(c), Some(reference)) = (controls, &self.reference) {
                        let n = driving.exp.len().min(reference.exp.len());
                        for &k in LIPS.iter().filter(|&&k| k < n) {
                            driving.exp[k] = reference.exp[k];
                        }
                        let x = self.driven(s, &driving);
                        return self.with_lips(s, x, c.lips);
                    }
                    Ok(self.driven(s, &driving))
                })
                .collect::<Result<_, RenderError>>()?,
            (None, Some(c)) => self
                .sources
                .iter()
                .map(|s| self.controlled(s, c))
                .collect::<Result<_, RenderError>>()?,
            (None, None) => return Err(RenderError::NoTrack { engine: NAME }),
        };
        let which = if self.sources.len() > 1 {
            self.choose(motion)
        } else {
            0
        };
        let s = &self.sources[which];
        let x_s = &s.prepared.x_s;
        let x_d = self.networks.stitch(x_s, &driven[which])?;
        let out = match self
            .networks
            .warp_decode_until(&s.prepared.feature, x_s, &x_d, stop)
        {
            Err(NeuralError::Cancelled) => return Err(RenderError::Cancelled),
            other => other?,
        };
        let (crop, n) = crop_pixels(&out)?;
        let to_crop = crop_transform(&s.face, &CropSettings::SOURCE, n as f32);
        let mut image = paste_back(&s.image, &crop, n, &to_crop);
        if let Some(still) = &s.keep_still {
            still.apply(&mut image, &s.image);
        }
        Ok(Rendered {
            image,
            source: which,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One copy of the networks per process: the studio's preview and its export (and every
    /// render of a command) get the same networks for one folder and device; another folder
    /// replaces them, and the first comes back anew.
    #[test]
    fn the_networks_are_loaded_once_for_a_folder_and_device() {
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/liveportrait");
        let (st, pth) = (golden.join("safetensors"), golden.join("pth"));
        let load = |dir: &Path| {
            NeuralKind::load(Some(dir), DeviceChoice::Cpu)
                .expect("golden weights")
                .0
        };
        let (a, b) = (load(&st), load(&st));
        assert!(Arc::ptr_eq(a.networks(), b.networks()), "loaded twice");
        let other = load(&pth);
        assert!(!Arc::ptr_eq(a.networks(), other.networks()));
        assert!(!Arc::ptr_eq(a.networks(), load(&st).networks()));
        // Without a folder: what is needed and where it comes from.
        let e = NeuralKind::load(None, DeviceChoice::Cpu)
            .err()
            .expect("no weights");
        assert!(e.to_string().contains("vivant models fetch"), "{e}");
    }
}
