//! The driving clip's motion as the neural engine reads it: every frame cropped by the
//! reference's driving rule from the tracked 68 points (`neural::crop`), run through the motion
//! extractor (head angles, translation, scale, expression), smoothed, and kept on disk next to
//! the tracked landmarks so the next render of the clip does not run the network again.
//!
//! The file (cached, or temporary without a cache): `VIVANT-NMOTION`, u32 format version, u32
//! frames, u32 keypoints, then per frame pitch, yaw, roll, t (3), scale and the expression
//! (3K), f32 little-endian. It is written as the frames are read (the smoothing is causal) and
//! read back one frame at a time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use super::cache::{Derived, read_at};
use super::smooth::{OneEuro, OneEuroState};
use super::{DrivingMotion, MotionError, TrackError};
use crate::media::{RgbConversion, VideoSource};
use crate::neural::crop::{CropSettings, crop_rgb, crop_transform, input_tensor};
use crate::neural::{KpInfo, LivePortrait, NeuralError};
use crate::output::TempFile;

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
    file: File,
    frames: usize,
    k: usize,
    /// Set while the file is temporary (not cached): removed with this.
    _temp: Option<TempFile>,
}

const HEADER: usize = MAGIC.len() + 12;

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
        let mut notes = Vec::new();
        let size = networks.config.input_size();
        let k = networks.num_kp();
        let path = match (cache_dir, &motion.key) {
            (Some(dir), Some(key)) => {
                let mut h = Sha256::new();
                h.update(key.as_bytes());
                h.update(networks.motion_id.as_bytes());
                h.update(format!("{size} {:?} {smoothing}", CropSettings::DRIVING).as_bytes());
                Some(dir.join(format!("{}.neural", crate::models::hex(&h.finalize()))))
            }
            _ => None,
        };
        if let Some(p) = &path
            && let Some(m) = open(p, motion.len(), k)
        {
            return Ok((m, notes));
        }
        // Written where it will be kept, else to the temporary folder; one frame at a time.
        let derived = Derived::start(path, "neural motion", &mut notes);
        let tmp = &derived.tmp;
        let mut out = BufWriter::new(File::create(tmp.path())?);
        out.write_all(MAGIC)?;
        for v in [FORMAT, motion.len() as u32, k as u32] {
            out.write_all(&v.to_le_bytes())?;
        }
        let net = |e: NeuralError| MotionError::Neural(e);
        let mut video = VideoSource::open(clip).map_err(TrackError::from)?;
        video.set_conversion(RgbConversion::Fast);
        let total = motion.len() as u64;
        let mut states = vec![OneEuroState::default(); 7 + 3 * k];
        let mut last: Option<Vec<f32>> = None;
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
            let v = match frame {
                Some(frame) => {
                    let face = motion.landmarks(i)?;
                    let to_crop = crop_transform(&face, &CropSettings::DRIVING, size as f32);
                    let crop = crop_rgb(&frame.image, &to_crop, size);
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
            for x in &v {
                out.write_all(&x.to_le_bytes())?;
            }
            last = Some(v);
            progress(i as u64 + 1, total);
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        let (file, temp) = derived.finish("neural motion", &mut notes)?;
        Ok((
            NeuralMotion {
                file,
                frames: motion.len(),
                k,
                _temp: temp,
            },
            notes,
        ))
    }

    pub fn len(&self) -> usize {
        self.frames
    }

    pub fn is_empty(&self) -> bool {
        self.frames == 0
    }

    /// Frame `i`'s reading.
    pub fn frame(&self, i: usize) -> std::io::Result<KpInfo> {
        if i >= self.frames {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "frame past the end of the neural motion",
            ));
        }
        let per = (7 + 3 * self.k) * 4;
        let mut buf = vec![0u8; per];
        read_at(&self.file, &mut buf, (HEADER + i * per) as u64)?;
        let v: Vec<f32> = buf
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(from_values(&v))
    }
}

/// The stored motion, if it is there and whole, for `frames` frames of `k` keypoints; a
/// damaged file is removed.
fn open(path: &Path, frames: usize, k: usize) -> Option<NeuralMotion> {
    let file = File::open(path).ok()?;
    let check = || -> Option<()> {
        let len = file.metadata().ok()?.len() as usize;
        let mut head = [0u8; HEADER];
        read_at(&file, &mut head, 0).ok()?;
        let u =
            |at: usize| u32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
        (len == HEADER + frames * (7 + 3 * k) * 4
            && &head[..MAGIC.len()] == MAGIC
            && u(MAGIC.len()) == FORMAT
            && u(MAGIC.len() + 4) as usize == frames
            && u(MAGIC.len() + 8) as usize == k)
            .then_some(())
    };
    if check().is_none() {
        let _ = std::fs::remove_file(path);
        return None;
    }
    Some(NeuralMotion {
        file,
        frames,
        k,
        _temp: None,
    })
}
