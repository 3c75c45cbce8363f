//! The driving clip's motion as the neural engine reads it: every frame cropped by the
//! reference's driving rule from the tracked 68 points (`neural::crop`), run through the motion
//! extractor (head angles, translation, scale, expression), smoothed, and kept on disk next to
//! the tracked landmarks so the next render of the clip does not run the network again.
//!
//! Cache file: `VIVANT-NMOTION\0`, u32 format version, u32 frames, u32 keypoints, then per
//! frame pitch, yaw, roll, t (3), scale and the expression (3K), f32 little-endian.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use super::smooth::{OneEuro, OneEuroState};
use super::{DrivingMotion, MotionError, TrackError};
use crate::media::{RgbConversion, VideoSource};
use crate::neural::crop::{CropSettings, crop_rgb, crop_transform, input_tensor};
use crate::neural::{KpInfo, LivePortrait, NeuralError};

const MAGIC: &[u8; 14] = b"VIVANT-NMOTION";
const FORMAT: u32 = 1;

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
/// the source, are left out).
#[derive(Clone, Debug, PartialEq)]
pub struct NeuralMotion {
    pub frames: Vec<KpInfo>,
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

impl NeuralMotion {
    /// Read the clip's motion with `networks`, or load it from `cache_dir` (keyed by the
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
        let mut notes = Vec::new();
        let size = networks.config.input_size();
        let path = match (cache_dir, &motion.key) {
            (Some(dir), Some(k)) => {
                let mut h = Sha256::new();
                h.update(k.as_bytes());
                h.update(networks.motion_id.as_bytes());
                h.update(format!("{size} {:?} {smoothing}", CropSettings::DRIVING).as_bytes());
                Some(dir.join(format!("{}.neural", crate::models::hex(&h.finalize()))))
            }
            _ => None,
        };
        if let Some(p) = &path
            && let Some(m) = load(p, motion.len(), networks.num_kp())
        {
            return Ok((m, notes));
        }
        let net = |e: NeuralError| MotionError::Neural(e);
        let mut video = VideoSource::open(clip).map_err(TrackError::from)?;
        video.set_conversion(RgbConversion::Fast);
        let total = motion.len() as u64;
        let mut frames = Vec::with_capacity(motion.len());
        for i in 0..motion.len() {
            if cancel.load(Ordering::Relaxed) {
                return Err(MotionError::Track(TrackError::Cancelled));
            }
            let frame = if i == 0 {
                Some(video.frame(0).map_err(TrackError::from)?)
            } else {
                video.next_frame().map_err(TrackError::from)?
            };
            // The tracking decoded as many frames; should decoding now end sooner, the last
            // reading is held.
            let Some(frame) = frame else { break };
            let face = motion.landmarks(i)?;
            let to_crop = crop_transform(&face, &CropSettings::DRIVING, size as f32);
            let crop = crop_rgb(&frame.image, &to_crop, size);
            let input = input_tensor(&crop, size, networks.device()).map_err(net)?;
            let mut info = networks.motion(&input).map_err(net)?;
            info.kp = Vec::new();
            frames.push(info);
            progress(i as u64 + 1, total);
        }
        if let Some(last) = frames.last().cloned() {
            frames.resize(motion.len(), last);
        }
        let mut m = NeuralMotion { frames };
        if smoothing {
            m.smooth(&motion.times);
        }
        if let Some(p) = &path
            && let Err(e) = store(p, &m)
        {
            notes.push(format!("neural motion cache not written: {e}"));
        }
        Ok((m, notes))
    }

    /// One-Euro over time on the angles, and on translation, scale and expression.
    fn smooth(&mut self, times: &[f64]) {
        let Some(first) = self.frames.first() else {
            return;
        };
        let n = values(first).len();
        let mut states = vec![OneEuroState::default(); n];
        for (i, f) in self.frames.iter_mut().enumerate() {
            let dt = i.checked_sub(1).map(|p| times[i] - times[p]);
            let v: Vec<f32> = values(f)
                .iter()
                .zip(&mut states)
                .enumerate()
                .map(|(j, (&x, st))| {
                    let filter = if j < 3 { &ANGLES } else { &OFFSETS };
                    filter.step(st, dt, x as f64) as f32
                })
                .collect();
            *f = from_values(&v);
        }
    }
}

fn store(path: &Path, m: &NeuralMotion) -> Result<(), crate::output::OutputError> {
    let k = m.frames.first().map_or(0, |f| f.exp.len());
    crate::output::write_atomic(path, |tmp| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(tmp)?);
        out.write_all(MAGIC)?;
        for v in [FORMAT, m.frames.len() as u32, k as u32] {
            out.write_all(&v.to_le_bytes())?;
        }
        for f in &m.frames {
            for v in values(f) {
                out.write_all(&v.to_le_bytes())?;
            }
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    })
}

/// The stored motion, if it is there, whole and for `frames` frames of `k` keypoints; a
/// damaged file is removed.
fn load(path: &Path, frames: usize, k: usize) -> Option<NeuralMotion> {
    let bytes = {
        let mut b = Vec::new();
        std::fs::File::open(path).ok()?.read_to_end(&mut b).ok()?;
        b
    };
    let per = 7 + 3 * k;
    let parse = || -> Option<NeuralMotion> {
        let head = MAGIC.len() + 12;
        let u = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]));
        if bytes.len() != head + frames * per * 4
            || &bytes[..MAGIC.len()] != MAGIC
            || u(MAGIC.len()) != FORMAT
            || u(MAGIC.len() + 4) as usize != frames
            || u(MAGIC.len() + 8) as usize != k
        {
            return None;
        }
        let floats: Vec<f32> = bytes[head..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Some(NeuralMotion {
            frames: floats.chunks_exact(per).map(from_values).collect(),
        })
    };
    let m = parse();
    if m.is_none() {
        let _ = std::fs::remove_file(path);
    }
    m
}
