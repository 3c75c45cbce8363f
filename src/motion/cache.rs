//! The on-disk cache of driving-clip analyses: one file per (clip content, settings, Vivant
//! version), so renaming or moving a clip keeps its analysis and editing it does not.
//!
//! Format: `VIVANT-MOTION\0`, a little-endian u32 format version, a u32 length and a JSON
//! header, then per frame: time (f64), state (u8), confidence (f32), 68 × 2 and 468 × 3 f32.
//! A file that does not parse is deleted and treated as a miss.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{DrivingMotion, FrameState, MotionSettings, Observation};
use crate::geometry::Face68;

const MAGIC: &[u8; 14] = b"VIVANT-MOTION\0";
const FORMAT: u32 = 1;
const MESH: usize = 468;

/// `$VIVANT_CACHE_DIR`, else `$XDG_CACHE_HOME/vivant`, else `~/.cache/vivant`; `motion/` in it.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("VIVANT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("vivant")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/vivant")))?;
    Some(base.join("motion"))
}

/// The cache key: SHA-256 of the clip's bytes, the settings and Vivant's version.
pub fn key(clip: &Path, settings: &MotionSettings) -> std::io::Result<String> {
    let mut h = Sha256::new();
    crate::models::hash_file(&mut h, clip)?;
    h.update(serde_json::to_vec(settings).map_err(std::io::Error::other)?);
    h.update(crate::VERSION.as_bytes());
    Ok(crate::models::hex(&h.finalize()))
}

#[derive(Serialize, Deserialize)]
struct Header {
    width: u32,
    height: u32,
    frame_rate: (i32, i32),
    frames: usize,
    jitter_raw: f64,
    jitter_smoothed: f64,
}

fn state_code(s: FrameState) -> u8 {
    match s {
        FrameState::Detected => 0,
        FrameState::Tracked => 1,
        FrameState::Interpolated => 2,
        FrameState::Held => 3,
    }
}

fn state_of(c: u8) -> Option<FrameState> {
    Some(match c {
        0 => FrameState::Detected,
        1 => FrameState::Tracked,
        2 => FrameState::Interpolated,
        3 => FrameState::Held,
        _ => return None,
    })
}

fn path_for(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.motion"))
}

/// Write `motion` under `key` (temporary file + rename).
pub fn store(dir: &Path, key: &str, motion: &DrivingMotion) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let header = serde_json::to_vec(&Header {
        width: motion.width,
        height: motion.height,
        frame_rate: motion.frame_rate,
        frames: motion.frames.len(),
        jitter_raw: motion.jitter_raw,
        jitter_smoothed: motion.jitter_smoothed,
    })
    .map_err(std::io::Error::other)?;
    let path = path_for(dir, key);
    // Streamed through a buffer: a long clip's analysis is not copied whole into memory.
    let write = |file: std::fs::File| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(file);
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT.to_le_bytes())?;
        out.write_all(&(header.len() as u32).to_le_bytes())?;
        out.write_all(&header)?;
        for (t, f) in motion.times.iter().zip(&motion.frames) {
            if f.landmarks68.len() != 68 || f.mesh468.len() != MESH {
                return Err(std::io::Error::other(
                    "frame without 68 points and a full mesh",
                ));
            }
            out.write_all(&t.to_le_bytes())?;
            out.write_all(&[state_code(f.state)])?;
            out.write_all(&f.confidence.to_le_bytes())?;
            for p in &f.landmarks68 {
                out.write_all(&p[0].to_le_bytes())?;
                out.write_all(&p[1].to_le_bytes())?;
            }
            for p in &f.mesh468 {
                for v in p {
                    out.write_all(&v.to_le_bytes())?;
                }
            }
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    crate::output::write_atomic(&path, |tmp| std::fs::File::create(tmp).and_then(write))
        .map_err(std::io::Error::other)
}

/// The analysis stored under `key`, if there is a readable one; `meshes: false` leaves the
/// 468-point meshes out (rendering needs only the 68 points: a tenth of the memory).
pub fn load(dir: &Path, key: &str, meshes: bool) -> Option<DrivingMotion> {
    let path = path_for(dir, key);
    let file = std::fs::File::open(&path).ok()?;
    let parsed = parse(std::io::BufReader::new(file), meshes);
    if parsed.is_none() {
        let _ = std::fs::remove_file(&path);
    }
    parsed
}

fn parse(mut r: impl Read, meshes: bool) -> Option<DrivingMotion> {
    let mut take = |n: usize| -> Option<Vec<u8>> {
        let mut b = vec![0u8; n];
        r.read_exact(&mut b).ok()?;
        Some(b)
    };
    if take(MAGIC.len())? != MAGIC {
        return None;
    }
    let u32_of = |b: &[u8]| -> Option<u32> { Some(u32::from_le_bytes(b.try_into().ok()?)) };
    if u32_of(&take(4)?)? != FORMAT {
        return None;
    }
    let hlen = u32_of(&take(4)?)? as usize;
    let header: Header = serde_json::from_slice(&take(hlen)?).ok()?;
    let f32_of = |b: &[u8]| -> Option<f32> { Some(f32::from_le_bytes(b.try_into().ok()?)) };
    let per_frame = 8 + 1 + 4 + 68 * 8 + MESH * 12;
    // A header claiming more frames than a file could hold is not believed.
    let mut times = Vec::with_capacity(header.frames.min(1 << 20));
    let mut frames = Vec::with_capacity(header.frames.min(1 << 20));
    for _ in 0..header.frames {
        let rec = take(per_frame)?;
        times.push(f64::from_le_bytes(rec[0..8].try_into().ok()?));
        let state = state_of(rec[8])?;
        let confidence = f32_of(&rec[9..13])?;
        let floats: Vec<f32> = rec[13..]
            .chunks_exact(4)
            .map(f32_of)
            .collect::<Option<_>>()?;
        let (l, m) = floats.split_at(136);
        frames.push(Observation {
            state,
            confidence,
            landmarks68: Face68::from(std::array::from_fn(|i| [l[2 * i], l[2 * i + 1]])),
            mesh468: if meshes {
                m.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect()
            } else {
                Vec::new()
            },
        });
    }
    if take(1).is_some() {
        return None;
    }
    Some(DrivingMotion {
        width: header.width,
        height: header.height,
        frame_rate: header.frame_rate,
        times,
        frames,
        jitter_raw: header.jitter_raw,
        jitter_smoothed: header.jitter_smoothed,
    })
}
