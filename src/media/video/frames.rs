//! Finding frames fast: every frame's time and the keyframes to seek to, and the recently
//! decoded frames kept for stepping back and forth.

use super::*;

/// Every frame's presentation time (sorted) and the keyframes to seek to, from one pass over
/// the packets.
pub(super) struct FrameIndex {
    pub(super) pts: Vec<i64>,
    /// (presentation time, timestamp to seek to) of each keyframe, by presentation time.
    pub(super) keys: Vec<(i64, i64)>,
}

impl FrameIndex {
    pub(super) fn build(
        path: &Path,
        stream: usize,
        fallback_step: i64,
    ) -> Result<Self, MediaError> {
        let mut input = open_input(path)?;
        let mut pts = Vec::new();
        let mut keys = Vec::new();
        for (s, packet) in input.packets() {
            if s.index() != stream {
                continue;
            }
            // Packets before an edit list's start are decoded but never shown.
            let discard =
                unsafe { (*packet.as_ptr()).flags } & ffmpeg::ffi::AV_PKT_FLAG_DISCARD != 0;
            let t = packet
                .pts()
                .or(packet.dts())
                .unwrap_or(pts.len() as i64 * fallback_step);
            if packet.is_key() {
                keys.push((t, packet.dts().unwrap_or(t)));
            }
            if !discard {
                pts.push(t);
            }
        }
        pts.sort_unstable();
        pts.dedup();
        keys.sort_unstable();
        if pts.is_empty() {
            return Err(decode_error(path, "indexing frames", "no video packets"));
        }
        if keys.is_empty() {
            keys.push((pts[0], pts[0]));
        }
        Ok(Self { pts, keys })
    }

    /// Position of the frame displayed at `pts`: the last frame starting at or before it.
    pub(super) fn position(&self, pts: i64) -> usize {
        self.pts.partition_point(|&p| p <= pts).saturating_sub(1)
    }

    /// The `back`-th keyframe before (or at) frame `i`, counting from 0.
    pub(super) fn key_before(&self, i: usize, back: usize) -> (i64, i64) {
        let n = self.keys.partition_point(|k| k.0 <= self.pts[i]);
        self.keys[n.saturating_sub(1 + back)]
    }
}

/// A cached frame: converted to RGB once asked for, or still as decoded (YUV, half the bytes,
/// no conversion paid for frames nobody looks at).
pub(super) enum Cached {
    Rgb(VideoFrame),
    Decoded {
        index: u64,
        frame: ffmpeg::frame::Video,
    },
}

impl Cached {
    pub(super) fn index(&self) -> u64 {
        match self {
            Cached::Rgb(f) => f.index,
            Cached::Decoded { index, .. } => *index,
        }
    }

    pub(super) fn bytes(&self) -> usize {
        match self {
            Cached::Rgb(f) => f.image.as_raw().len(),
            // 4:2:0 planes; a close enough estimate for other layouts.
            Cached::Decoded { frame, .. } => {
                frame.width() as usize * frame.height() as usize * 3 / 2
            }
        }
    }
}

/// Recently decoded frames, least recently used first, within a byte budget.
pub(super) struct FrameCache {
    pub(super) frames: VecDeque<Cached>,
    pub(super) bytes: usize,
    pub(super) budget: usize,
}

impl FrameCache {
    /// Remove and return frame `index` (the caller puts it back, converted).
    pub(super) fn take(&mut self, index: u64) -> Option<Cached> {
        let at = self.frames.iter().position(|f| f.index() == index)?;
        let frame = self.frames.remove(at)?;
        self.bytes -= frame.bytes();
        Some(frame)
    }

    pub(super) fn put(&mut self, frame: Cached) {
        if let Some(old) = self.take(frame.index()) {
            drop(old);
        }
        self.bytes += frame.bytes();
        self.frames.push_back(frame);
        self.trim();
    }

    pub(super) fn trim(&mut self) {
        while self.bytes > self.budget && self.frames.len() > 1 {
            if let Some(old) = self.frames.pop_front() {
                self.bytes -= old.bytes();
            }
        }
    }
}

/// How many frames before a requested one are kept (as decoded) on the way to it: at least
/// this many, more when they fit in half the cache (a whole long GOP of a small clip, so
/// scrubbing back and forth inside it costs one decode).
pub(super) const CACHE_BEHIND_MIN: u64 = 12;
pub(super) const CACHE_BEHIND_MAX: u64 = 300;
/// Decoding forward is preferred over a seek unless it costs this many more frames.
pub(super) const SEEK_COST_FRAMES: usize = 8;
