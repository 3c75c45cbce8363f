//! The driving clip's face laid flat, for its expression details (after Averbuch-Elor et al.,
//! *Bringing Portraits to Life*, 2017: the fine-scale changes of the driver's skin carried
//! onto the portrait as ratio images). Every frame's brightness is sampled into one fixed
//! layout of the face, the "face frame": the 68 points and a forehead band above the brows,
//! triangulated, each triangle mapped onto the same triangle of that frame's own points. In
//! it, a crease is at the same place in every frame whatever the head does, and a frame
//! divided by the reference frame leaves what the expression changed on the skin
//! (`render::details` does that, and lays the result onto the portrait).
//!
//! The layout is the first frame's face, made level, fitted into the patch.
//!
//! The file (cached beside the tracked landmarks, or temporary without a cache):
//! `VIVANT-DETAIL\0\0`, u32 format version, u32 frames, u32 patch width and height and the
//! layout's points (f32 pairs), then per frame a found flag and the patch (brightness bytes),
//! little-endian; read back a frame at a time.

use std::sync::Arc;

use image::RgbImage;

use super::reading::{Begun, Kind, Reading, Records, f32s, patch_header, patch_values};
use super::{DrivingMotion, MotionError};
use crate::geometry::{Face68, Similarity, dist, mean, parts, segment_distance};
use crate::render::triangulate::delaunay;

const MAGIC: &[u8; 14] = b"VIVANT-DETAIL\0";
const FORMAT: u32 = 1;
/// The patch, in pixels: about 45 across the eyes' distance, finer than a webcam's face (its
/// eye distance is 30–50 px) and enough for a 1080p close-up's deeper creases.
pub const PATCH_W: usize = 128;
pub const PATCH_H: usize = 160;
/// The layout's points: the 68, then the forehead band's top above the brow arch.
pub const POINTS: usize = 68 + parts::BROW_ARCH.len();
/// How far above the brows the forehead band reaches, as a share of the brow-to-chin height:
/// the forehead's creases, clear of most hairlines (the hair is also told apart by colour when
/// the details are laid on).
const FOREHEAD: f32 = 0.3;
const HEADER: usize = 8 + POINTS * 8;
const RECORD: usize = 4 + PATCH_W * PATCH_H;

/// A face's 68 points and its forehead band's top, in its own pixels.
pub fn layout_points(face: &Face68) -> Vec<[f32; 2]> {
    let down = face.down();
    let brow = mean(&face.pick(&parts::BROW_ARCH));
    let up = FOREHEAD * dist(brow, face[parts::CHIN]);
    let mut points = face.to_vec();
    points.extend(
        parts::BROW_ARCH
            .iter()
            .map(|&i| [face[i][0] - down[0] * up, face[i][1] - down[1] * up]),
    );
    points
}

/// Where a patch pixel lies: a triangle of the layout and its barycentric weights.
#[derive(Clone, Copy, Debug)]
pub struct Located {
    pub triangle: usize,
    pub weights: [f32; 3],
}

/// The face frame: the layout's points in patch pixels, its triangles, and where each patch
/// pixel lies in them.
#[derive(Debug)]
pub struct DetailGeometry {
    pub points: Vec<[f32; 2]>,
    pub triangles: Vec<[usize; 3]>,
    located: Vec<Option<Located>>,
    /// Per patch pixel, how much it is skin that creases: 1 on the forehead (between the
    /// brows' peaks), between the brows, under the eyes, on the cheeks and beside the eyes'
    /// outer corners; 0 on and near the eyes, brows, nose and lips (whose edges no 68-point
    /// layout aligns frame to frame), towards the outline, and below the lower lip.
    pub skin: Vec<f32>,
}

impl PartialEq for DetailGeometry {
    fn eq(&self, other: &Self) -> bool {
        self.points == other.points
    }
}

impl DetailGeometry {
    /// The face frame of a clip whose first face is `face`.
    pub fn of(face: &Face68) -> Self {
        let level = Similarity::rotation_about(-face.roll(), face[30]);
        let points: Vec<[f32; 2]> = layout_points(face)
            .into_iter()
            .map(|p| level.apply(p))
            .collect();
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in &points {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let margin = 2.0;
        let scale = ((PATCH_W as f32 - 2.0 * margin) / (hi[0] - lo[0]).max(1e-3))
            .min((PATCH_H as f32 - 2.0 * margin) / (hi[1] - lo[1]).max(1e-3));
        let off = [
            (PATCH_W as f32 - scale * (hi[0] - lo[0])) / 2.0,
            (PATCH_H as f32 - scale * (hi[1] - lo[1])) / 2.0,
        ];
        let points = points
            .iter()
            .map(|p| {
                [
                    off[0] + scale * (p[0] - lo[0]),
                    off[1] + scale * (p[1] - lo[1]),
                ]
            })
            .collect();
        Self::from_points(points)
    }

    fn from_points(points: Vec<[f32; 2]>) -> Self {
        let triangles = delaunay(&points);
        let mut located = vec![None; PATCH_W * PATCH_H];
        for (k, t) in triangles.iter().enumerate() {
            let [a, b, c] = t.map(|i| points[i]);
            let (x0, x1) = (a[0].min(b[0]).min(c[0]), a[0].max(b[0]).max(c[0]));
            let (y0, y1) = (a[1].min(b[1]).min(c[1]), a[1].max(b[1]).max(c[1]));
            let xs =
                (x0.floor().max(0.0) as usize)..=(x1.ceil().min(PATCH_W as f32 - 1.0) as usize);
            for y in (y0.floor().max(0.0) as usize)..=(y1.ceil().min(PATCH_H as f32 - 1.0) as usize)
            {
                for x in xs.clone() {
                    let p = [x as f32 + 0.5, y as f32 + 0.5];
                    if let Some(weights) = barycentric(p, a, b, c)
                        && located[y * PATCH_W + x].is_none()
                    {
                        located[y * PATCH_W + x] = Some(Located {
                            triangle: k,
                            weights,
                        });
                    }
                }
            }
        }
        let skin = creasing_skin(&points, &located);
        Self {
            points,
            triangles,
            located,
            skin,
        }
    }

    /// Where patch pixel (x, y) lies in the layout (`None`: outside the face).
    pub fn locate(&self, x: usize, y: usize) -> Option<Located> {
        self.located[y * PATCH_W + x]
    }

    /// One eye distance, in patch pixels.
    pub fn eye_distance(&self) -> f32 {
        let eye = |r: std::ops::Range<usize>| mean(&self.points[r]);
        dist(eye(parts::RIGHT_EYE), eye(parts::LEFT_EYE))
    }

    /// The reading's own header: the patch's size, then the layout's points.
    fn header(&self) -> Vec<u8> {
        patch_header((PATCH_W, PATCH_H), self.points.iter().flatten().copied())
    }

    /// The geometry a stored header holds, if it is for this patch and sound.
    fn from_header(h: &[u8]) -> Option<Self> {
        let v = patch_values(h, (PATCH_W, PATCH_H), 2 * POINTS)?;
        let inside = |p: &[f32]| {
            (0.0..=PATCH_W as f32).contains(&p[0]) && (0.0..=PATCH_H as f32).contains(&p[1])
        };
        if !v.chunks(2).all(inside) {
            return None;
        }
        Some(Self::from_points(
            v.chunks(2).map(|p| [p[0], p[1]]).collect(),
        ))
    }
}

/// Barycentric weights of `p` in triangle (a, b, c), if it lies inside (or on an edge).
pub fn barycentric(p: [f32; 2], a: [f32; 2], b: [f32; 2], c: [f32; 2]) -> Option<[f32; 3]> {
    let det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
    if det.abs() < 1e-6 {
        return None;
    }
    let wa = ((b[1] - c[1]) * (p[0] - c[0]) + (c[0] - b[0]) * (p[1] - c[1])) / det;
    let wb = ((c[1] - a[1]) * (p[0] - c[0]) + (a[0] - c[0]) * (p[1] - c[1])) / det;
    let wc = 1.0 - wa - wb;
    let e = -1e-4;
    (wa >= e && wb >= e && wc >= e).then_some([wa, wb, wc])
}

/// A line segment's two ends.
type Segment = ([f32; 2], [f32; 2]);

/// How much each patch pixel is skin that creases (see `DetailGeometry::skin`), from the
/// layout's points: distances to the features' outlines, in eye distances, ramped.
fn creasing_skin(points: &[[f32; 2]], located: &[Option<Located>]) -> Vec<f32> {
    let eye_d = {
        let eye = |r: std::ops::Range<usize>| mean(&points[r]);
        dist(eye(parts::RIGHT_EYE), eye(parts::LEFT_EYE)).max(1.0)
    };
    let closed = |r: std::ops::Range<usize>| -> Vec<Segment> {
        let p = &points[r];
        (0..p.len()).map(|k| (p[k], p[(k + 1) % p.len()])).collect()
    };
    let open = |idx: &[usize]| -> Vec<Segment> {
        idx.windows(2)
            .map(|w| (points[w[0]], points[w[1]]))
            .collect()
    };
    // Each feature's outline and how far from it the skin is left alone (eye distances):
    // what moves with the 68 points only roughly (lids, brows' hair, nostrils, lips).
    let features: Vec<(Vec<Segment>, f32)> = vec![
        (closed(parts::RIGHT_EYE), 0.15),
        (closed(parts::LEFT_EYE), 0.15),
        (open(&[17, 18, 19, 20, 21]), 0.14),
        (open(&[22, 23, 24, 25, 26]), 0.14),
        (open(&[27, 28, 29, 30]), 0.07),
        (closed(31..36), 0.10),
        (closed(parts::OUTER_LIPS), 0.10),
    ];
    // The outline: the jaw, the forehead band's top and the brows' ends that join them.
    let mut outline: Vec<usize> = parts::JAW.collect();
    outline.extend((68..POINTS).rev());
    outline.push(0);
    let rim = open(&outline);
    let ramp = |d: f32, clear: f32| ((d - clear) / (0.06 * eye_d)).clamp(0.0, 1.0);
    let chin = points[57][1];
    // Above the brows, the forehead between the brows' peaks: beyond them are the temples,
    // where a turning head shows hair and background inside the outline.
    let (brow_top, left, right) = (
        points[19][1].min(points[24][1]),
        points[19][0],
        points[24][0],
    );
    let mut skin = vec![0.0f32; PATCH_W * PATCH_H];
    for y in 0..PATCH_H {
        for x in 0..PATCH_W {
            if located[y * PATCH_W + x].is_none() {
                continue;
            }
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let near = |segs: &[Segment]| {
                segs.iter()
                    .map(|&(a, b)| segment_distance(p, a, b))
                    .fold(f32::MAX, f32::min)
            };
            // Clear of the outline, where hair and background meet the face and the jaw's
            // points guess; and above the lower lip (the chin's skin is not among the
            // creases, and a hand or a collar there would be read as one).
            let mut w = ramp(near(&rim), 0.15 * eye_d) * ramp(chin - p[1], 0.0);
            if p[1] < brow_top {
                w *= ramp(p[0] - left, 0.0) * ramp(right - p[0], 0.0);
            }
            for (segs, clear) in &features {
                if w == 0.0 {
                    break;
                }
                w *= ramp(near(segs), clear * eye_d);
            }
            // Inside an eye or the lips the distance to the outline can be large: never skin.
            if inside(p, &points[parts::RIGHT_EYE])
                || inside(p, &points[parts::LEFT_EYE])
                || inside(p, &points[parts::OUTER_LIPS])
            {
                w = 0.0;
            }
            skin[y * PATCH_W + x] = w;
        }
    }
    skin
}

/// `p` inside the closed polygon `poly` (even-odd).
fn inside(p: [f32; 2], poly: &[[f32; 2]]) -> bool {
    let mut inside = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[j]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// One driving frame laid flat: its brightness in the face frame.
#[derive(Clone, Debug)]
pub struct DetailFrame {
    pub geometry: Arc<DetailGeometry>,
    /// The face was found in this frame (not filled in between others).
    pub found: bool,
    /// `PATCH_W` × `PATCH_H` brightness (0 outside the face).
    pub luma: Vec<u8>,
}

impl DetailFrame {
    /// Frame `img` laid flat, its face at `face`.
    pub fn of(img: &RgbImage, face: &Face68, geometry: Arc<DetailGeometry>) -> Self {
        Self {
            found: true,
            luma: flatten(img, face, &geometry),
            geometry,
        }
    }
}

/// Frame `img`'s brightness in the face frame, its face at `face`.
fn flatten(img: &RgbImage, face: &Face68, geometry: &DetailGeometry) -> Vec<u8> {
    let here = layout_points(face);
    let (w, h) = (img.width() as f32, img.height() as f32);
    let luma = |x: u32, y: u32| {
        let p = img.get_pixel(x, y).0;
        0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
    };
    let mut patch = vec![0u8; PATCH_W * PATCH_H];
    for y in 0..PATCH_H {
        for x in 0..PATCH_W {
            let Some(at) = geometry.locate(x, y) else {
                continue;
            };
            let t = geometry.triangles[at.triangle];
            let mut p = [0.0f32; 2];
            for (k, &i) in t.iter().enumerate() {
                p[0] += at.weights[k] * here[i][0];
                p[1] += at.weights[k] * here[i][1];
            }
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
            let top = luma(x0, y0) * (1.0 - fx) + luma(x1, y0) * fx;
            let bottom = luma(x0, y1) * (1.0 - fx) + luma(x1, y1) * fx;
            patch[y * PATCH_W + x] =
                (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
        }
    }
    patch
}

/// Per driving frame, its face laid flat (`DetailFrame`), read from its file when asked for.
#[derive(Debug)]
pub struct ClipDetails {
    records: Records,
    geometry: Arc<DetailGeometry>,
}

const READING: Kind = Kind {
    magic: MAGIC,
    format: FORMAT,
    what: "face details",
    ext: "details",
};

/// What else the kept face details depend on.
static SALT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("details {FORMAT} {PATCH_W}x{PATCH_H}"));

/// Each frame's record, in order; should decoding end before the tracking did, the last
/// frame is held, marked as not found.
#[derive(Default)]
pub(super) struct DetailRecorder {
    last: Option<Vec<u8>>,
}

impl DetailRecorder {
    pub(super) fn record(
        &mut self,
        geometry: &DetailGeometry,
        motion: &DrivingMotion,
        i: usize,
        frame: Option<&RgbImage>,
    ) -> Result<Vec<u8>, MotionError> {
        let (found, patch) = match frame {
            Some(image) => (
                motion.states.get(i).is_some_and(|s| s.observed()),
                flatten(image, &motion.landmarks(i)?, geometry),
            ),
            None => (
                false,
                self.last
                    .clone()
                    .ok_or_else(|| std::io::Error::other("the clip has no frame to read"))?,
            ),
        };
        let mut rec = Vec::with_capacity(RECORD);
        rec.extend((found as u8 as f32).to_le_bytes());
        rec.extend(&patch);
        self.last = Some(patch);
        Ok(rec)
    }
}

impl ClipDetails {
    /// Begin laying the clip's faces flat: opened from `of`'s cache where kept (keyed by the
    /// tracked motion's own key), else to be written frame by frame (with `DetailRecorder`;
    /// `motion::warp_readings` does it beside the mouths, in one decoding).
    pub(super) fn begin(
        of: &Reading<'_>,
        notes: &mut Vec<String>,
    ) -> Result<Begun<DetailGeometry>, MotionError> {
        READING.begin(
            of,
            &SALT,
            (HEADER, RECORD),
            DetailGeometry::from_header,
            || {
                let g = DetailGeometry::of(&of.motion.landmarks(0)?);
                let header = g.header();
                Ok((g, header))
            },
            notes,
        )
    }

    pub(super) fn new(records: Records, geometry: DetailGeometry) -> Self {
        ClipDetails {
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

    pub fn geometry(&self) -> &Arc<DetailGeometry> {
        &self.geometry
    }

    /// Frame `i` laid flat.
    pub fn frame(&self, i: usize) -> std::io::Result<DetailFrame> {
        let mut rec = self.records.read(i)?;
        let found = f32s(&rec[..4]).next() == Some(1.0);
        Ok(DetailFrame {
            geometry: self.geometry.clone(),
            found,
            luma: rec.split_off(4),
        })
    }
}
