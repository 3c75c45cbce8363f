//! Later readings of a driving clip that an engine keeps beside its tracked analysis (the
//! neural engine's motion, the warp engine's mouths): the clip decoded again in order, one
//! fixed-size record written per tracked frame, kept in the cache under the analysis's own
//! key (or in a temporary file without a cache, or when the cache's folder takes no files:
//! said once), and read back one record at a time, so a long clip's reading is never held in
//! memory.
//!
//! The file: a 14-byte magic, u32 format version, u32 frames, the reading's own header, then
//! the records; little-endian.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;
use sha2::{Digest, Sha256};

use super::cache::read_at;
use super::{DrivingMotion, MotionError, TrackError};
use crate::media::{RgbConversion, VideoSource};
use crate::output::TempFile;

/// What a reading's file starts with: its magic and format version.
#[derive(Clone, Copy)]
pub(super) struct Kind {
    pub magic: &'static [u8; 14],
    pub format: u32,
    /// Its name in notes and temporary files ("neural motion").
    pub what: &'static str,
    /// The cache file's extension.
    pub ext: &'static str,
}

impl Kind {
    /// Where this reading of `motion` is kept in `cache_dir`: the analysis's key and `salt`
    /// (what else the reading depends on) hashed (`None`: no cache, or an analysis not kept).
    pub fn path(
        &self,
        cache_dir: Option<&Path>,
        motion: &DrivingMotion,
        salt: &str,
    ) -> Option<PathBuf> {
        let (dir, key) = (cache_dir?, motion.key.as_ref()?);
        let mut h = Sha256::new();
        h.update(key.as_bytes());
        h.update(salt.as_bytes());
        Some(dir.join(format!(
            "{}.{}",
            crate::models::hex(&h.finalize()),
            self.ext
        )))
    }

    /// Bytes before the reading's own header.
    const PREFIX: usize = 14 + 8;

    /// A new temporary file for this reading in `folder`.
    fn temp_file(&self, folder: &Path) -> TempFile {
        let stem = self.what.replace(' ', "-");
        TempFile::beside(&folder.join(&stem), &stem)
    }
}

/// A clip to read again and where its reading may be kept.
pub struct Reading<'a> {
    pub clip: &'a Path,
    pub motion: &'a DrivingMotion,
    pub cache_dir: Option<&'a Path>,
    pub cancel: &'a AtomicBool,
    /// Frames done of all.
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
}

/// A reading of the clip: opened from its kept file, or begun and written as the clip is
/// decoded.
pub(super) enum Begun<L> {
    Kept(Records, L),
    New(Writing, L),
}

impl Kind {
    /// This reading of `of`'s clip: opened where it is kept whole (`salt` as in `path`;
    /// `sizes`: its own header's and each record's bytes; `layout` reads its own header,
    /// `None` if unsound), else begun (`make` gives the new reading's layout and its header)
    /// for its records to be written frame by frame. A cache that takes no files is said in
    /// `notes`.
    pub fn begin<L>(
        &self,
        of: &Reading<'_>,
        salt: &str,
        sizes: (usize, usize),
        layout: impl Fn(&[u8]) -> Option<L>,
        make: impl FnOnce() -> Result<(L, Vec<u8>), MotionError>,
        notes: &mut Vec<String>,
    ) -> Result<Begun<L>, MotionError> {
        let (header, bytes) = sizes;
        let path = self.path(of.cache_dir, of.motion, salt);
        if let Some(p) = &path
            && let Some((records, own)) =
                Records::open(*self, p, of.motion.len(), header, bytes, |h| {
                    layout(h).is_some()
                })
            && let Some(l) = layout(&own)
        {
            return Ok(Begun::Kept(records, l));
        }
        let (l, head) = make()?;
        let out = Writing::start(*self, path, of.motion.len(), &head, bytes, notes)?;
        Ok(Begun::New(out, l))
    }
}

impl Kind {
    /// This reading of `of`'s clip, with what it says about it (a cache that could not be
    /// written): opened where kept, else made by decoding the clip in order, `record` giving
    /// each frame's bytes (its image `None` where decoding ended before the tracking did).
    /// The rest as `begin`.
    pub fn open_or_make<L>(
        &self,
        of: &Reading<'_>,
        salt: &str,
        sizes: (usize, usize),
        layout: impl Fn(&[u8]) -> Option<L>,
        make: impl FnOnce() -> Result<(L, Vec<u8>), MotionError>,
        mut record: impl FnMut(&L, usize, Option<&RgbImage>) -> Result<Vec<u8>, MotionError>,
    ) -> Result<(Records, L, Vec<String>), MotionError> {
        let mut notes = Vec::new();
        match self.begin(of, salt, sizes, layout, make, &mut notes)? {
            Begun::Kept(records, l) => Ok((records, l, notes)),
            Begun::New(mut out, l) => {
                each_frame(of.clip, of.motion, of.cancel, of.progress, |i, frame| {
                    out.record(&record(&l, i, frame)?)?;
                    Ok(())
                })?;
                let records = out.finish(&mut notes)?;
                Ok((records, l, notes))
            }
        }
    }
}

/// Several readings' notes, each said once: caches that could not be written for the same
/// reason in the same folder (a full disk under both) are one note naming them all.
pub(super) fn said_once(notes: Vec<String>) -> Vec<String> {
    const NOT: &str = " cache not written: ";
    let mut out: Vec<(Vec<String>, String)> = Vec::new();
    for n in notes {
        match n.split_once(NOT) {
            Some((what, why)) => match out.iter_mut().find(|(w, r)| !w.is_empty() && r == why) {
                Some((whats, _)) => whats.push(what.to_string()),
                None => out.push((vec![what.to_string()], why.to_string())),
            },
            None => out.push((Vec::new(), n)),
        }
    }
    out.into_iter()
        .map(|(whats, rest)| match whats.as_slice() {
            [] => rest,
            [one] => format!("{one}{NOT}{rest}"),
            [many @ .., last] => {
                format!("{} and {last} caches not written: {rest}", many.join(", "))
            }
        })
        .collect()
}

/// A reading being written: where it will be kept, else the temporary folder.
pub(super) struct Writing {
    kind: Kind,
    tmp: TempFile,
    keep: Option<PathBuf>,
    /// Written through a buffer of our own, so that what reached the file is known when a
    /// write fails (a full disk part way moves the reading to the temporary folder).
    file: File,
    pending: Vec<u8>,
    flushed: u64,
    /// Why the cache was given up part way, for `finish`'s notes.
    moved: Option<String>,
    frames: usize,
    header: usize,
    record: usize,
}

const FLUSH_AT: usize = 1 << 16;

impl Writing {
    /// Start the file for `frames` records of `record` bytes after `header` (the reading's own
    /// header, written here).
    pub fn start(
        kind: Kind,
        keep: Option<PathBuf>,
        frames: usize,
        header: &[u8],
        record: usize,
        notes: &mut Vec<String>,
    ) -> std::io::Result<Self> {
        let mut keep = keep;
        let folder = match keep.clone() {
            Some(p) => {
                let dir = crate::output::folder_of(&p);
                match std::fs::create_dir_all(&dir).and_then(|()| crate::output::writable(&dir)) {
                    Ok(()) => dir,
                    Err(e) => {
                        notes.push(format!(
                            "{} cache not written: {}: {e}",
                            kind.what,
                            dir.display()
                        ));
                        keep = None;
                        std::env::temp_dir()
                    }
                }
            }
            None => std::env::temp_dir(),
        };
        let tmp = kind.temp_file(&folder);
        let file = File::create(tmp.path())?;
        let mut w = Self {
            kind,
            tmp,
            keep,
            file,
            pending: Vec::with_capacity(FLUSH_AT + record),
            flushed: 0,
            moved: None,
            frames,
            header: Kind::PREFIX + header.len(),
            record: record.max(1),
        };
        w.pending.extend_from_slice(kind.magic);
        w.pending.extend_from_slice(&kind.format.to_le_bytes());
        w.pending.extend_from_slice(&(frames as u32).to_le_bytes());
        w.pending.extend_from_slice(header);
        Ok(w)
    }

    /// The next frame's record.
    pub fn record(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        debug_assert_eq!(bytes.len(), self.record);
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    /// What is buffered, to the file; a cache folder whose disk is full (or turned read-only)
    /// is left for a temporary file holding everything written so far.
    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.write_all(&self.pending) {
            Ok(()) => {}
            Err(e) if self.keep.is_some() && crate::output::out_of_room(&e) => {
                let tmp = self.kind.temp_file(&std::env::temp_dir());
                let mut file = File::create(tmp.path())?;
                let mut done = File::open(self.tmp.path())?.take(self.flushed);
                std::io::copy(&mut done, &mut file)?;
                file.write_all(&self.pending)?;
                self.moved = Some(format!(
                    "{} cache not written: {}: {e}; kept in a temporary file instead",
                    self.kind.what,
                    crate::output::folder_of(self.tmp.path()).display()
                ));
                // The partial file in the cache is removed as its `TempFile` drops.
                (self.tmp, self.file, self.keep) = (tmp, file, None);
            }
            Err(e) => return Err(e),
        }
        self.flushed += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    /// The whole file, kept in the cache where it can be (a cache that takes no file is said
    /// in `notes`), opened for reading.
    pub fn finish(mut self, notes: &mut Vec<String>) -> std::io::Result<Records> {
        self.flush()?;
        self.file.sync_all()?;
        notes.extend(self.moved.take());
        let file = File::open(self.tmp.path())?;
        let temp = match &self.keep {
            Some(p) => {
                if let Err(e) = self.tmp.commit_as(p) {
                    // Its name is gone; the open file still reads.
                    notes.push(format!("{} cache not written: {e}", self.kind.what));
                }
                None
            }
            None => Some(self.tmp),
        };
        Ok(Records {
            file,
            frames: self.frames,
            header: self.header,
            record: self.record,
            what: self.kind.what,
            _temp: temp,
        })
    }
}

/// A reading's records, read one at a time from its file.
#[derive(Debug)]
pub(super) struct Records {
    file: File,
    frames: usize,
    header: usize,
    record: usize,
    what: &'static str,
    /// Set while the file is temporary (not cached): removed with this.
    _temp: Option<TempFile>,
}

impl Records {
    /// The kept reading at `path`, if it is whole: `kind`'s magic and format, `frames` records
    /// of `record` bytes after a header of `header` bytes that `valid` accepts (it is handed
    /// the reading's own header). A damaged file is removed.
    pub fn open(
        kind: Kind,
        path: &Path,
        frames: usize,
        header: usize,
        record: usize,
        valid: impl FnOnce(&[u8]) -> bool,
    ) -> Option<(Self, Vec<u8>)> {
        let file = File::open(path).ok()?;
        let all = Kind::PREFIX + header;
        let check = || -> Option<Vec<u8>> {
            let len = file.metadata().ok()?.len() as usize;
            let mut head = vec![0u8; all];
            read_at(&file, &mut head, 0).ok()?;
            let own = head.split_off(Kind::PREFIX);
            let u = |at: usize| {
                u32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]])
            };
            (len == all + frames * record
                && &head[..14] == kind.magic
                && u(14) == kind.format
                && u(18) as usize == frames
                && valid(&own))
            .then_some(own)
        };
        let Some(own) = check() else {
            let _ = std::fs::remove_file(path);
            return None;
        };
        Some((
            Self {
                file,
                frames,
                header: all,
                record,
                what: kind.what,
                _temp: None,
            },
            own,
        ))
    }

    pub fn len(&self) -> usize {
        self.frames
    }

    /// Frame `i`'s record.
    pub fn read(&self, i: usize) -> std::io::Result<Vec<u8>> {
        if i >= self.frames {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("frame past the end of the {}", self.what),
            ));
        }
        let mut buf = vec![0u8; self.record];
        read_at(&self.file, &mut buf, (self.header + i * self.record) as u64)?;
        Ok(buf)
    }
}

/// The clip's frames in order, one per tracked frame of `motion`, handed to `each` with their
/// index (`None` where decoding ends before the tracking did); stops on `cancel`, reports
/// frames done of all.
pub(super) fn each_frame(
    clip: &Path,
    motion: &DrivingMotion,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64, u64) + Sync),
    mut each: impl FnMut(usize, Option<&RgbImage>) -> Result<(), MotionError>,
) -> Result<(), MotionError> {
    let mut video = VideoSource::open(clip).map_err(TrackError::from)?;
    video.set_conversion(RgbConversion::Fast);
    let total = motion.len() as u64;
    for i in 0..motion.len() {
        if cancel.load(Ordering::Relaxed) {
            return Err(MotionError::Track(TrackError::Cancelled));
        }
        let frame = if i == 0 {
            Some(video.frame(0).map_err(TrackError::from)?)
        } else {
            video.next_frame().map_err(TrackError::from)?
        };
        each(i, frame.as_ref().map(|f| &f.image))?;
        progress(i as u64 + 1, total);
    }
    Ok(())
}

/// A patch reading's own header: the patch's width and height (u32), then `values`.
pub(super) fn patch_header(size: (usize, usize), values: impl Iterator<Item = f32>) -> Vec<u8> {
    let mut h: Vec<u8> = [size.0 as u32, size.1 as u32]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    for v in values {
        h.extend(v.to_le_bytes());
    }
    h
}

/// The values of a header `patch_header` wrote, if it is for a patch of `size` and holds
/// `count` finite values.
pub(super) fn patch_values(h: &[u8], size: (usize, usize), count: usize) -> Option<Vec<f32>> {
    let u = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
    if h.len() != 8 + 4 * count || u(0) as usize != size.0 || u(4) as usize != size.1 {
        return None;
    }
    let v: Vec<f32> = f32s(&h[8..]).collect();
    v.iter().all(|x| x.is_finite()).then_some(v)
}

/// f32s, little-endian.
pub(super) fn f32s(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::said_once;

    /// Caches given up for the same reason in the same folder are one note; others stay.
    #[test]
    fn caches_given_up_together_are_said_once() {
        let full = "/c/motion: No space left on device; kept in a temporary file instead";
        let said = said_once(vec![
            format!("mouth cache not written: {full}"),
            "something else".into(),
            format!("face details cache not written: {full}"),
            "neural motion cache not written: /d: Permission denied".into(),
        ]);
        assert_eq!(
            said,
            [
                format!("mouth and face details caches not written: {full}"),
                "something else".into(),
                "neural motion cache not written: /d: Permission denied".into(),
            ]
        );
    }
}
