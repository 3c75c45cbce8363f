//! The driving clip's mouth, as the warp engine reads it: for every frame, the mouth and what
//! lies around it cut out of the picture in the head's own frame, so that teeth (fixed to the
//! skull, or to the jaw that only drops) stay put in it whatever the head does, and the
//! skin's colour beside it (to carry the clip's light over to the portrait's). The warp engine
//! fills the portrait's opened mouth from it (`render::mouth::from_clip`).
//!
//! The head's frame is the first frame's head (the 9 points that move only with it) made
//! level, one eye distance to a unit, the nose tip at the origin; each frame's own head is
//! fitted onto it by a similarity (`MouthGeometry::to_frame`).
//!
//! The file (cached beside the tracked landmarks, or temporary without a cache):
//! `VIVANT-MOUTHS\0`, u32 format version, u32 frames, u32 patch width and height, the head
//! frame's 9 points and the patch's box in it (22 f32), then per frame a found flag, the
//! skin's colour (4 f32) and the patch (RGB bytes), little-endian; read back a frame at a time.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use image::RgbImage;

use super::reading::{Begun, Kind, Reading, Records, f32s, patch_header, patch_values};
use super::{DrivingMotion, MotionError};
use crate::geometry::{Face68, Similarity, dist, mean, parts};

const MAGIC: &[u8; 14] = b"VIVANT-MOUTHS\0";
const FORMAT: u32 = 1;
/// The patch, in pixels: a webcam's mouth is 30–60 px wide, a 1080p close-up's 200; this keeps
/// about 60 px across the lips, 15 KB a frame.
pub const PATCH_W: usize = 80;
pub const PATCH_H: usize = 64;
/// The reading's own header: patch width and height (u32), then the geometry (22 f32).
const HEADER: usize = 8 + 22 * 4;
const RECORD: usize = 16 + PATCH_W * PATCH_H * 3;

/// The head frame the patches are cut in, and where the patch lies in it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MouthGeometry {
    /// The 9 head points (`parts::HEAD`) of the first frame, in the head frame.
    pub head: [[f32; 2]; 9],
    /// The patch's box in the head frame: left, top, width, height.
    pub patch_box: [f32; 4],
}

impl MouthGeometry {
    /// The head frame of a clip whose first face is `face`: level, one eye distance to a
    /// unit, the nose tip at the origin; the patch from a third of the mouth's width above
    /// its corners to three quarters below (a jaw wide open), 1.3 widths across.
    pub fn of(face: &Face68) -> Self {
        let roll = face.roll();
        let scale = 1.0 / face.eye_distance().max(1e-3);
        let level = Similarity::rotation_about(-roll, face[30]);
        let to_head = |p: [f32; 2]| {
            let q = level.apply(p);
            [(q[0] - face[30][0]) * scale, (q[1] - face[30][1]) * scale]
        };
        let head = std::array::from_fn(|k| to_head(face[parts::HEAD[k]]));
        let (l, r) = (
            to_head(face[parts::MOUTH_RIGHT]),
            to_head(face[parts::MOUTH_LEFT]),
        );
        let centre = mean(&[l, r]);
        let width = dist(l, r).max(0.3);
        let w = 1.3 * width;
        let h = w * PATCH_H as f32 / PATCH_W as f32;
        Self {
            head,
            patch_box: [centre[0] - w / 2.0, centre[1] - 0.33 * width, w, h],
        }
    }

    /// The similarity taking the head frame to a face's pixels (fitted on the head's points).
    pub fn to_frame(&self, face: &Face68) -> Similarity {
        Similarity::fit(&self.head, &face.pick(&parts::HEAD))
    }

    /// Patch pixel (x, y) → head frame.
    fn at(&self, x: f32, y: f32) -> [f32; 2] {
        let [l, t, w, h] = self.patch_box;
        [
            l + (x + 0.5) / PATCH_W as f32 * w,
            t + (y + 0.5) / PATCH_H as f32 * h,
        ]
    }

    /// Head frame → patch pixel coordinates (continuous).
    fn patch_xy(&self, p: [f32; 2]) -> [f32; 2] {
        let [l, t, w, h] = self.patch_box;
        [
            (p[0] - l) / w * PATCH_W as f32 - 0.5,
            (p[1] - t) / h * PATCH_H as f32 - 0.5,
        ]
    }

    /// The reading's own header: the patch's size, then the head points and the box.
    fn header(&self) -> Vec<u8> {
        let values = self.head.iter().flatten().chain(&self.patch_box).copied();
        patch_header((PATCH_W, PATCH_H), values)
    }

    /// The geometry a stored header holds, if it is for this patch size and sound.
    fn from_header(h: &[u8]) -> Option<Self> {
        let v = patch_values(h, (PATCH_W, PATCH_H), 22)?;
        if v[20] <= 0.0 || v[21] <= 0.0 {
            return None;
        }
        Some(Self {
            head: std::array::from_fn(|k| [v[2 * k], v[2 * k + 1]]),
            patch_box: [v[18], v[19], v[20], v[21]],
        })
    }
}

/// One driving frame's mouth.
#[derive(Clone, Debug)]
pub struct MouthFrame {
    pub geometry: Arc<MouthGeometry>,
    /// The face was found in this frame (not filled in between others).
    pub found: bool,
    /// The skin's mean colour beside the mouth (the cheeks), 0–255.
    pub skin: [f32; 3],
    /// `PATCH_W` × `PATCH_H` RGB.
    pub patch: Vec<u8>,
}

impl MouthFrame {
    /// The mouth of one frame seen live (a camera's), its face found at `face`.
    pub fn of(img: &RgbImage, face: &Face68, geometry: Arc<MouthGeometry>) -> Self {
        Self {
            found: true,
            skin: skin_colour(img, face),
            patch: cut(img, face, &geometry),
            geometry,
        }
    }

    /// The patch's colour at head-frame point `p` (bilinear), `None` outside it.
    pub fn sample(&self, p: [f32; 2]) -> Option<[f32; 3]> {
        let [x, y] = self.geometry.patch_xy(p);
        if !(0.0..=(PATCH_W - 1) as f32).contains(&x) || !(0.0..=(PATCH_H - 1) as f32).contains(&y)
        {
            return None;
        }
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(PATCH_W - 1), (y0 + 1).min(PATCH_H - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let px = |x: usize, y: usize, k: usize| self.patch[(y * PATCH_W + x) * 3 + k] as f32;
        Some(std::array::from_fn(|k| {
            let top = px(x0, y0, k) * (1.0 - fx) + px(x1, y0, k) * fx;
            let bottom = px(x0, y1, k) * (1.0 - fx) + px(x1, y1, k) * fx;
            top * (1.0 - fy) + bottom * fy
        }))
    }
}

/// The skin's mean colour on both cheeks and the nose's bridge (3×3 pixels at each).
pub fn skin_colour(img: &RgbImage, lm: &Face68) -> [f32; 3] {
    let spots = lm.skin_spots();
    let (w, h) = (img.width() as i64, img.height() as i64);
    let mut sum = [0.0f32; 3];
    let mut n = 0.0f32;
    for p in spots {
        for dy in -1..=1 {
            for dx in -1..=1 {
                let x = (p[0] as i64 + dx).clamp(0, w - 1) as u32;
                let y = (p[1] as i64 + dy).clamp(0, h - 1) as u32;
                let q = img.get_pixel(x, y).0;
                for k in 0..3 {
                    sum[k] += q[k] as f32;
                }
                n += 1.0;
            }
        }
    }
    sum.map(|s| s / n.max(1.0))
}

/// Cut frame `img`'s mouth patch, its face at `face`.
fn cut(img: &RgbImage, face: &Face68, geometry: &MouthGeometry) -> Vec<u8> {
    let to_frame = geometry.to_frame(face);
    let (w, h) = (img.width() as f32, img.height() as f32);
    let mut patch = Vec::with_capacity(PATCH_W * PATCH_H * 3);
    for y in 0..PATCH_H {
        for x in 0..PATCH_W {
            let p = to_frame.apply(geometry.at(x as f32, y as f32));
            let (px, py) = (
                (p[0] - 0.5).clamp(0.0, w - 1.0),
                (p[1] - 0.5).clamp(0.0, h - 1.0),
            );
            let (x0, y0) = (px.floor() as u32, py.floor() as u32);
            let (x1, y1) = (
                (x0 + 1).min(img.width() - 1),
                (y0 + 1).min(img.height() - 1),
            );
            let (fx, fy) = (px - x0 as f32, py - y0 as f32);
            for k in 0..3 {
                let at = |x: u32, y: u32| img.get_pixel(x, y).0[k] as f32;
                let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
                let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
                patch.push((top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    patch
}

/// Per driving frame, its mouth (`MouthFrame`), read from its file when asked for.
#[derive(Debug)]
pub struct ClipMouths {
    records: Records,
    geometry: Arc<MouthGeometry>,
}

const READING: Kind = Kind {
    magic: MAGIC,
    format: FORMAT,
    what: "mouth",
    ext: "mouths",
};

/// What else the kept mouths depend on.
static SALT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("mouths {FORMAT} {PATCH_W}x{PATCH_H}"));

/// The head frame of the clip's first face, and its header.
fn first_geometry(motion: &DrivingMotion) -> Result<(MouthGeometry, Vec<u8>), MotionError> {
    let g = MouthGeometry::of(&motion.landmarks(0)?);
    let header = g.header();
    Ok((g, header))
}

/// Each frame's mouth record, in order; should decoding end before the tracking did, the last
/// frame's patch is held, marked as not found.
#[derive(Default)]
pub(super) struct MouthRecorder {
    last: Option<Vec<u8>>,
}

impl MouthRecorder {
    pub(super) fn record(
        &mut self,
        geometry: &MouthGeometry,
        motion: &DrivingMotion,
        i: usize,
        frame: Option<&RgbImage>,
    ) -> Result<Vec<u8>, MotionError> {
        let face = motion.landmarks(i)?;
        let (found, skin, patch) = match frame {
            Some(image) => (
                motion.states.get(i).is_some_and(|s| s.observed()),
                skin_colour(image, &face),
                cut(image, &face, geometry),
            ),
            None => (
                false,
                [0.0; 3],
                self.last
                    .clone()
                    .ok_or_else(|| std::io::Error::other("the clip has no frame to read"))?,
            ),
        };
        let mut rec = Vec::with_capacity(RECORD);
        rec.extend((found as u8 as f32).to_le_bytes());
        for c in skin {
            rec.extend(c.to_le_bytes());
        }
        rec.extend(&patch);
        self.last = Some(patch);
        Ok(rec)
    }
}

impl ClipMouths {
    /// Cut every frame's mouth, or open them from `cache_dir` (keyed by the tracked motion's
    /// own key). A cache that cannot be written is skipped with a note.
    pub fn analyse(
        clip: &Path,
        motion: &DrivingMotion,
        cache_dir: Option<&Path>,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<(Self, Vec<String>), MotionError> {
        let of = Reading {
            clip,
            motion,
            cache_dir,
            cancel,
            progress,
        };
        let mut recorder = MouthRecorder::default();
        let (records, geometry, notes) = READING.open_or_make(
            &of,
            &SALT,
            (HEADER, RECORD),
            MouthGeometry::from_header,
            || first_geometry(motion),
            |geometry, i, frame| recorder.record(geometry, motion, i, frame),
        )?;
        Ok((Self::new(records, geometry), notes))
    }

    /// Begin reading the clip's mouths: opened where kept, else to be written frame by frame
    /// (with `MouthRecorder`).
    pub(super) fn begin(
        of: &Reading<'_>,
        notes: &mut Vec<String>,
    ) -> Result<Begun<MouthGeometry>, MotionError> {
        READING.begin(
            of,
            &SALT,
            (HEADER, RECORD),
            MouthGeometry::from_header,
            || first_geometry(of.motion),
            notes,
        )
    }

    pub(super) fn new(records: Records, geometry: MouthGeometry) -> Self {
        ClipMouths {
            records,
            geometry: Arc::new(geometry),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frame `i`'s mouth.
    pub fn frame(&self, i: usize) -> std::io::Result<MouthFrame> {
        let mut rec = self.records.read(i)?;
        let head: Vec<f32> = f32s(&rec[..16]).collect();
        let skin = [head[1], head[2], head[3]];
        Ok(MouthFrame {
            geometry: self.geometry.clone(),
            found: head[0] == 1.0 && skin.iter().all(|c| c.is_finite()),
            skin,
            patch: rec.split_off(16),
        })
    }
}
