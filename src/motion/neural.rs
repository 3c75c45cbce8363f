//! The driving clip's motion as the neural engine reads it: every frame cropped by the
//! reference's driving rule from the tracked 68 points (`neural::crop`), run through the motion
//! extractor (head angles, translation, scale, expression), smoothed, and kept on disk next to
//! the tracked landmarks so the next render of the clip does not run the network again.
//!
//! The file (cached, or temporary without a cache): `VIVANT-NMOTION`, u32 format version, u32
//! frames, u32 keypoints, then per frame pitch, yaw, roll, t (3), scale and the expression
//! (3K), f32 little-endian. It is written as the frames are read (the smoothing is causal) and
//! read back one frame at a time.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::reading::{Kind, Reading, Records, f32s};
use super::smooth::{OneEuro, OneEuroState};
use super::{DrivingMotion, MotionError};
use crate::neural::crop::{CropSettings, crop_rgb, crop_transform, input_tensor};
use crate::neural::{KpInfo, LivePortrait, NeuralError};

const MAGIC: &[u8; 14] = b"VIVANT-NMOTION";
const FORMAT: u32 = 2;

/// One-Euro settings for the neural motion: angles in degrees, the rest in the keypoints'
/// normalised units (an expression moves ~0.03 over a syllable, so the cutoff must rise
/// quickly with speed or the lips would lag).
const ANGLES: OneEuro = OneEuro {
    min_cutoff: 1.5,
    beta: 0.3,
    d_cutoff: 1.0,
};
const OFFSETS: OneEuro = OneEuro {
    min_cutoff: 3.0,
    beta: 40.0,
    d_cutoff: 1.0,
};

/// Per driving frame, the motion extractor's reading (the canonical keypoints, which belong to
/// the source, are left out), read from its file when asked for: like the tracked landmarks,
/// a long clip's motion is never held in memory.
#[derive(Debug)]
pub struct NeuralMotion {
    records: Records,
}

fn values(k: &KpInfo) -> Vec<f32> {
    let mut v = vec![k.pitch, k.yaw, k.roll, k.t[0], k.t[1], k.t[2], k.scale];
    v.extend(k.exp.iter().flatten());
    v
}

fn from_values(v: &[f32]) -> KpInfo {
    KpInfo {
        pitch: v[0],
        yaw: v[1],
        roll: v[2],
        t: [v[3], v[4], v[5]],
        scale: v[6],
        exp: v[7..].chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect(),
        kp: Vec::new(),
    }
}

const READING: Kind = Kind {
    magic: MAGIC,
    format: FORMAT,
    what: "neural motion",
    ext: "neural",
};

impl NeuralMotion {
    /// Read the clip's motion with `networks`, or open it from `cache_dir` (keyed by the
    /// tracked motion's own key, the motion extractor's weights and the crop). A cache that
    /// cannot be read or written is skipped with a note.
    pub fn analyse(
        networks: &LivePortrait,
        clip: &Path,
        motion: &DrivingMotion,
        smoothing: bool,
        cache_dir: Option<&Path>,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<(Self, Vec<String>), MotionError> {
        let size = networks.config.input_size();
        let k = networks.num_kp();
        let record = (7 + 3 * k) * 4;
        let salt = format!(
            "{}{size} {:?} {smoothing}",
            networks.motion_id,
            CropSettings::DRIVING
        );
        let of = Reading {
            clip,
            motion,
            cache_dir,
            cancel,
            progress,
        };
        let header = (k as u32).to_le_bytes();
        let net = |e: NeuralError| MotionError::Neural(e);
        let mut states = vec![OneEuroState::default(); 7 + 3 * k];
        let mut last: Option<Vec<f32>> = None;
        let (records, (), notes) = READING.open_or_make(
            &of,
            &salt,
            (header.len(), record),
            |h| (h == header).then_some(()),
            || Ok(((), header.to_vec())),
            |(), i, frame| {
                // The tracking decoded as many frames; should decoding now end sooner, the
                // last reading is held.
                let v = match frame {
                    Some(image) => {
                        let face = motion.landmarks(i)?;
                        let to_crop = crop_transform(&face, &CropSettings::DRIVING, size as f32);
                        let crop = crop_rgb(image, &to_crop, size);
                        let input = input_tensor(&crop, size, networks.device()).map_err(net)?;
                        let raw = values(&networks.motion(&input).map_err(net)?);
                        if smoothing {
                            let dt = i.checked_sub(1).map(|p| motion.times[i] - motion.times[p]);
                            raw.iter()
                                .zip(&mut states)
                                .enumerate()
                                .map(|(j, (&x, st))| {
                                    let filter = if j < 3 { &ANGLES } else { &OFFSETS };
                                    filter.step(st, dt, x as f64) as f32
                                })
                                .collect()
                        } else {
                            raw
                        }
                    }
                    None => last
                        .clone()
                        .ok_or_else(|| std::io::Error::other("the clip has no frame to read"))?,
                };
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                last = Some(v);
                Ok(bytes)
            },
        )?;
        Ok((NeuralMotion { records }, notes))
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frame `i`'s reading.
    pub fn frame(&self, i: usize) -> std::io::Result<KpInfo> {
        let v: Vec<f32> = f32s(&self.records.read(i)?).collect();
        Ok(from_values(&v))
    }
}
