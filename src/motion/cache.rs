//! The on-disk form of a driving-clip analysis, and its cache: one file per (clip content,
//! settings, Vivant version), so renaming or moving a clip keeps its analysis and editing it
//! does not.
//!
//! The file is also how an analysis is held while it is used: a render reads each frame's
//! points from it when it needs them (`FrameFile`), so memory does not grow with the clip's
//! length (an hour of 30-fps video is 670 MB of records, 1 MB of times and states in memory).
//! An analysis made without a cache folder lives in a temporary file removed when dropped.
//!
//! Format: `VIVANT-MOTION\0`, a little-endian u32 format version, then one fixed-size record
//! per frame: time (f64), state (u8), confidence (f32), 68 × 2 and 468 × 3 f32; then a JSON
//! header and its u32 length (written last, when the totals are known), the records' SHA-256
//! among it. A file that does not parse, whose records do not hash to it, or whose times or
//! points are not what a tracked clip can have (out of order, not finite, far outside the
//! picture) is deleted and treated as a miss.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{FrameState, MotionSettings, Observation};
use crate::geometry::Face68;
use crate::output::TempFile;

const MAGIC: &[u8; 14] = b"VIVANT-MOTION\0";
const FORMAT: u32 = 3;
const MESH: usize = 468;
/// Where the records start.
const START: u64 = MAGIC.len() as u64 + 4;
/// One frame's record: time, state, confidence, 68 points, mesh.
pub const RECORD: usize = 8 + 1 + 4 + 68 * 8 + MESH * 12;
/// The state byte of a frame where tracking found no face (only in the tracker's spools).
const LOST: u8 = 255;

/// `$VIVANT_CACHE_DIR`, else `$XDG_CACHE_HOME/vivant`, else `~/.cache/vivant`; `motion/` in it.
pub fn default_dir() -> Option<PathBuf> {
    use crate::output::env_dir;
    let base = env_dir("VIVANT_CACHE_DIR")
        .or_else(|| env_dir("XDG_CACHE_HOME").map(|d| d.join("vivant")))
        .or_else(|| env_dir("HOME").map(|h| h.join(".cache/vivant")))?;
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

/// What the file says about the clip as a whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Header {
    pub width: u32,
    pub height: u32,
    pub frame_rate: (i32, i32),
    pub frames: usize,
    pub jitter_raw: f64,
    pub jitter_smoothed: f64,
    /// SHA-256 of the records, hex (filled in by `FrameWriter::finish`).
    #[serde(default)]
    pub sha256: String,
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

pub(super) fn path_for(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.motion"))
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

fn f32_at(rec: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([rec[at], rec[at + 1], rec[at + 2], rec[at + 3]])
}

fn encode(rec: &mut Vec<u8>, time: f64, obs: Option<&Observation>) -> std::io::Result<()> {
    rec.clear();
    rec.extend_from_slice(&time.to_le_bytes());
    let Some(o) = obs else {
        rec.push(LOST);
        rec.resize(RECORD, 0);
        return Ok(());
    };
    if o.mesh468.len() != MESH {
        return Err(bad("a frame without a full mesh"));
    }
    rec.push(state_code(o.state));
    rec.extend_from_slice(&o.confidence.to_le_bytes());
    for p in o.landmarks68.iter() {
        rec.extend_from_slice(&p[0].to_le_bytes());
        rec.extend_from_slice(&p[1].to_le_bytes());
    }
    for v in o.mesh468.iter().flatten() {
        rec.extend_from_slice(&v.to_le_bytes());
    }
    Ok(())
}

fn landmarks_of(rec: &[u8]) -> Face68 {
    Face68::from(std::array::from_fn(|i| {
        [f32_at(rec, 13 + 8 * i), f32_at(rec, 17 + 8 * i)]
    }))
}

/// A record: its time and observation (`None` where the face was lost).
fn decode(rec: &[u8]) -> std::io::Result<(f64, Option<Observation>)> {
    let time = f64::from_le_bytes(rec[0..8].try_into().map_err(|_| bad("short record"))?);
    if rec[8] == LOST {
        return Ok((time, None));
    }
    let state = state_of(rec[8]).ok_or_else(|| bad("unknown frame state"))?;
    let mesh_at = 13 + 68 * 8;
    Ok((
        time,
        Some(Observation {
            state,
            confidence: f32_at(rec, 9),
            landmarks68: landmarks_of(rec),
            mesh468: (0..MESH)
                .map(|i| std::array::from_fn(|k| f32_at(rec, mesh_at + 12 * i + 4 * k)))
                .collect(),
        }),
    ))
}

/// Frame records written one after another to a temporary file in `dir`: a tracker's spool,
/// or an analysis being made.
pub(super) struct FrameWriter {
    out: BufWriter<File>,
    tmp: TempFile,
    rec: Vec<u8>,
    frames: usize,
    hash: Sha256,
}

impl FrameWriter {
    /// A new temporary file in `dir` (created when missing).
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let tmp = TempFile::beside(&dir.join("analysis"), "motion");
        let mut out = BufWriter::new(File::create(tmp.path())?);
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT.to_le_bytes())?;
        Ok(Self {
            out,
            tmp,
            rec: Vec::with_capacity(RECORD),
            frames: 0,
            hash: Sha256::new(),
        })
    }

    /// The next frame (`None`: the face was lost).
    pub fn push(&mut self, time: f64, obs: Option<&Observation>) -> std::io::Result<()> {
        encode(&mut self.rec, time, obs)?;
        self.out.write_all(&self.rec)?;
        self.hash.update(&self.rec);
        self.frames += 1;
        Ok(())
    }

    pub fn frames(&self) -> usize {
        self.frames
    }

    /// The records written so far, from the first, for reading once in order.
    pub fn into_reader(self) -> std::io::Result<SpoolReader> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        drop(file);
        let mut r = BufReader::with_capacity(64 * RECORD, File::open(self.tmp.path())?);
        r.seek(SeekFrom::Start(START))?;
        Ok(SpoolReader {
            r,
            _tmp: self.tmp,
            left: self.frames,
            rec: vec![0; RECORD],
        })
    }

    /// End the file with its header; it stays a temporary file until `FrameFile::keep`.
    pub fn finish(self, header: &Header) -> std::io::Result<FrameFile> {
        if header.frames != self.frames {
            return Err(bad("frame count does not match the records"));
        }
        let mut out = self.out;
        let header = Header {
            sha256: crate::models::hex(&self.hash.finalize()),
            ..header.clone()
        };
        let json = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
        out.write_all(&json)?;
        out.write_all(&(json.len() as u32).to_le_bytes())?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        let file = File::open(self.tmp.path())?;
        Ok(FrameFile {
            file,
            frames: self.frames,
            temp: Some(self.tmp),
        })
    }
}

/// A spool read back in order; its file is removed when this is dropped.
pub(super) struct SpoolReader {
    r: BufReader<File>,
    _tmp: TempFile,
    left: usize,
    rec: Vec<u8>,
}

impl Iterator for SpoolReader {
    type Item = std::io::Result<(f64, Option<Observation>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(
            self.r
                .read_exact(&mut self.rec)
                .and_then(|()| decode(&self.rec)),
        )
    }
}

/// A finished analysis, read frame by frame from its file.
#[derive(Debug)]
pub struct FrameFile {
    file: File,
    frames: usize,
    /// Set while the file is temporary (removed with this).
    temp: Option<TempFile>,
}

impl FrameFile {
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Move a temporary analysis into the cache under `key`. On failure its name is
    /// removed, and it stays readable through the open file until this is dropped.
    pub fn keep(&mut self, dir: &Path, key: &str) -> Result<(), crate::output::OutputError> {
        match self.temp.take() {
            Some(tmp) => tmp.commit_as(&path_for(dir, key)),
            None => Ok(()),
        }
    }

    fn record(&self, i: usize, buf: &mut [u8]) -> std::io::Result<()> {
        if i >= self.frames {
            return Err(bad("frame past the end of the analysis"));
        }
        read_at(&self.file, buf, START + (i * RECORD) as u64)
    }

    /// Frame `i`'s 68 points.
    pub fn landmarks(&self, i: usize) -> std::io::Result<Face68> {
        let mut rec = [0u8; 13 + 68 * 8];
        self.record(i, &mut rec)?;
        Ok(landmarks_of(&rec))
    }

    /// Frame `i`'s observation, mesh included.
    pub fn observation(&self, i: usize) -> std::io::Result<Observation> {
        let mut rec = vec![0u8; RECORD];
        self.record(i, &mut rec)?;
        decode(&rec)?
            .1
            .ok_or_else(|| bad("a lost frame in a finished analysis"))
    }
}

#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        let n = file.seek_read(&mut buf[done..], offset + done as u64)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
    }
    Ok(())
}

/// A stored analysis opened: its header, each frame's time and state (read once, the small
/// part), and the file to read the points from.
pub(super) struct Opened {
    pub header: Header,
    pub times: Vec<f64>,
    pub states: Vec<FrameState>,
    pub file: FrameFile,
}

/// Open an analysis file (cached or just written), checking its whole layout.
pub(super) fn open(file: FrameFile) -> std::io::Result<Opened> {
    let mut r = BufReader::new(file.file.try_clone()?);
    let mut magic = [0u8; 18];
    r.read_exact(&mut magic)?;
    if &magic[..14] != MAGIC || magic[14..] != FORMAT.to_le_bytes() {
        return Err(bad("not a motion analysis of this version"));
    }
    let len = r.seek(SeekFrom::End(0))?;
    if len < START + 4 {
        return Err(bad("truncated"));
    }
    r.seek(SeekFrom::End(-4))?;
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    let hlen = u32::from_le_bytes(b) as u64;
    let body = len
        .checked_sub(START + 4 + hlen)
        .ok_or_else(|| bad("truncated"))?;
    r.seek(SeekFrom::Start(START + body))?;
    let mut json = vec![0u8; hlen as usize];
    r.read_exact(&mut json)?;
    let header: Header = serde_json::from_slice(&json).map_err(|_| bad("damaged header"))?;
    if body != (header.frames as u64).saturating_mul(RECORD as u64) {
        return Err(bad("frame count does not match the file's size"));
    }
    r.seek(SeekFrom::Start(START))?;
    let mut times = Vec::with_capacity(header.frames);
    let mut states = Vec::with_capacity(header.frames);
    // Every record is read and checked: the hash, times in order, points a tracked face can
    // have (finite, within a few pictures' size of the frame).
    let bound = 16.0 * header.width.max(header.height).max(1) as f32;
    let mut hash = Sha256::new();
    let mut rec = vec![0u8; RECORD];
    let mut r = BufReader::with_capacity(64 * RECORD, r.into_inner());
    r.seek(SeekFrom::Start(START))?;
    for _ in 0..header.frames {
        r.read_exact(&mut rec)?;
        hash.update(&rec);
        let t = f64::from_le_bytes(rec[..8].try_into().map_err(|_| bad("record"))?);
        if !t.is_finite() || times.last().is_some_and(|&p| t <= p) {
            return Err(bad("frame times out of order"));
        }
        times.push(t);
        states.push(state_of(rec[8]).ok_or_else(|| bad("unknown frame state"))?);
        if (9..RECORD).step_by(4).any(|at| {
            let v = f32_at(&rec, at);
            !v.is_finite() || v.abs() > bound
        }) {
            return Err(bad("points outside the picture"));
        }
    }
    if crate::models::hex(&hash.finalize()) != header.sha256 {
        return Err(bad("damaged records"));
    }
    let mut file = file;
    file.frames = times.len();
    Ok(Opened {
        header,
        times,
        states,
        file,
    })
}

/// The analysis stored under `key`, if there is a readable one. A file that does not parse
/// is deleted.
pub(super) fn load(dir: &Path, key: &str) -> Option<Opened> {
    let path = path_for(dir, key);
    let opened = open_path(&path);
    if opened.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    opened.ok()
}

/// The analysis file at `path`, checked as `open` does (nothing is removed).
pub(super) fn open_path(path: &Path) -> std::io::Result<Opened> {
    open(FrameFile {
        file: File::open(path)?,
        frames: 0,
        temp: None,
    })
}
