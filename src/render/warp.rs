//! The warp engine: the whole source image, at its own resolution, bent so its face lands on
//! the target landmarks.
//!
//! Control points: the 68 landmarks; a forehead arc above the brows that follows the head;
//! two rings around the face that carry part of the head's motion into hair, neck and
//! shoulders (60 % and 20 %); and the image border with a band inside it, which never move.
//! They are triangulated once (Delaunay, on the source); each frame moves the points, pulls
//! back any triangle that would fold over, and maps every output pixel back into the source
//! through its triangle's affine map: bilinear sampling, or trilinear from the mip pyramid
//! (`pyramid`) where a triangle is drawn smaller than its source, so a shrinking face does
//! not alias. Rows are split across threads.

use std::sync::Arc;

use image::RgbImage;

use super::details::{DetailLayer, SkinTone};
use super::eyes::EyeFill;
use super::keep_still::StillMask;
use super::kind::DEFAULT_DETAILS;
use super::mouth::{ClipMouth, DriverMouth, MouthInterior};
use super::pyramid::{Pyramid, bilinear_u8, lod};
use super::triangulate::delaunay;
use crate::geometry::{Face68, Similarity, dist, mean, parts};

/// How much of the head's motion each ring around the face follows.
const RINGS: [(f32, f32); 2] = [(1.45, 0.6), (2.3, 0.2)];
const RING_POINTS: usize = 16;
const BORDER_STEPS: usize = 6;
/// The still band along the picture's frame, as a share of its shorter side.
const FRAME_BAND: f32 = 0.04;

/// Where the control points come from, for moving them each frame.
#[derive(Clone, Copy, Debug)]
enum Control {
    Landmark(usize),
    /// Moves rigidly with the head.
    Forehead,
    /// Follows the head by this fraction.
    Ring(f32),
    Border,
}

/// The control mesh of one frame: where each point goes, where it comes from, the triangles.
pub struct Mesh<'a> {
    pub moved: Vec<[f32; 2]>,
    pub source: &'a [[f32; 2]],
    pub triangles: &'a [[usize; 3]],
}

impl Mesh<'_> {
    /// Each triangle's mip level of detail, as the CPU back end samples it.
    pub fn lods(&self) -> Vec<f32> {
        self.triangles
            .iter()
            .map(|t| TriMap::new(&self.moved, self.source, *t).map_or(0.0, |m| m.lod))
            .collect()
    }
}

/// The warp engine for one source image.
pub struct MeshWarp {
    source: Pyramid,
    landmarks: Face68,
    points: Vec<[f32; 2]>,
    kinds: Vec<Control>,
    triangles: Vec<[usize; 3]>,
    /// Triangles inside an eye or between the inner lips, which may close to nothing (a
    /// blink, a closed mouth) but not turn over.
    closable: Vec<bool>,
    mouth: MouthInterior,
    /// `None`: eyes opened wider are left to the warp (stretched).
    eyes: Option<EyeFill>,
    /// What the user keeps still, shown as the source is.
    keep_still: Option<Arc<StillMask>>,
    /// The driver's expression details laid on this strongly, on the portrait's own skin.
    details: f32,
    tone: SkinTone,
    threads: usize,
}

impl MeshWarp {
    /// `landmarks68`: the source face's 68 points, in the image's pixels.
    pub fn new(source: RgbImage, landmarks68: &Face68) -> Self {
        let (w, h) = (source.width() as f32, source.height() as f32);
        let lm = uncross(landmarks68);
        let mut points: Vec<[f32; 2]> = lm.to_vec();
        let mut kinds: Vec<Control> = (0..lm.len()).map(Control::Landmark).collect();
        // Forehead: above each brow point by 45 % of the brow-to-chin height, along the face's
        // up direction.
        let down = lm.down();
        let up = [-down[0], -down[1]];
        let brow = mean(&lm.pick(&parts::BROW_ARCH));
        let height = dist(brow, lm[parts::CHIN]);
        for &i in &parts::BROW_ARCH {
            points.push([
                lm[i][0] + up[0] * 0.45 * height,
                lm[i][1] + up[1] * 0.45 * height,
            ]);
            kinds.push(Control::Forehead);
        }
        let head = points.clone();
        let centre = mean(&points);
        let radius = points
            .iter()
            .map(|&p| dist(p, centre))
            .fold(0.0f32, f32::max);
        // A band along the picture's frame never moves (a print's border line, a painting's
        // edge, a straight edge near it stay straight): its inner edge is a second still
        // outline, and ring points keep clear of it.
        let band = (FRAME_BAND * w.min(h)).max(3.0);
        let margin = 2.0 * band;
        let inside =
            |p: [f32; 2]| p[0] > margin && p[1] > margin && p[0] < w - margin && p[1] < h - margin;
        for (scale, follow) in RINGS {
            for k in 0..RING_POINTS {
                let a = k as f32 / RING_POINTS as f32 * std::f32::consts::TAU;
                let p = [
                    centre[0] + scale * radius * a.cos(),
                    centre[1] + scale * radius * 1.1 * a.sin(),
                ];
                if inside(p) {
                    points.push(p);
                    kinds.push(Control::Ring(follow));
                }
            }
        }
        // The band's inner outline, where the face itself does not reach into it (a face cut
        // by the frame moves up to the frame, as before).
        let clear = |p: [f32; 2]| head.iter().all(|&q| dist(p, q) > margin);
        for k in 0..BORDER_STEPS {
            let t = k as f32 / BORDER_STEPS as f32;
            for p in [[t * w, 0.0], [w, t * h], [w - t * w, h], [0.0, h - t * h]] {
                points.push(p);
                kinds.push(Control::Border);
            }
        }
        // A band's width apart, so that the triangulation keeps to the outline rather than
        // reaching across it to a moving point.
        let (iw, ih) = (w - 2.0 * band, h - 2.0 * band);
        let (nx, ny) = ((iw / band).ceil() as usize, (ih / band).ceil() as usize);
        let outline = (0..nx).flat_map(|k| {
            let x = band + iw * k as f32 / nx as f32;
            [[x, band], [w - x, h - band]]
        });
        let outline = outline.chain((0..ny).flat_map(|k| {
            let y = band + ih * k as f32 / ny as f32;
            [[w - band, y], [band, h - y]]
        }));
        for p in outline.filter(|&p| clear(p)).collect::<Vec<_>>() {
            points.push(p);
            kinds.push(Control::Border);
        }
        let triangles = delaunay(&points);
        let inside = |t: &[usize; 3], range: std::ops::Range<usize>| {
            t.iter()
                .all(|&v| matches!(kinds[v], Control::Landmark(i) if range.contains(&i)))
        };
        let closable = triangles
            .iter()
            .map(|t| {
                inside(t, parts::RIGHT_EYE)
                    || inside(t, parts::LEFT_EYE)
                    || inside(t, parts::INNER_LIPS)
            })
            .collect();
        let mouth = MouthInterior::new(&source, &lm);
        let eyes = Some(EyeFill::new(&source, &lm));
        let tone = SkinTone::of(&source, &lm);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            source: Pyramid::new(source),
            landmarks: lm,
            points,
            kinds,
            triangles,
            closable,
            mouth,
            eyes,
            keep_still: None,
            details: DEFAULT_DETAILS,
            tone,
            threads,
        }
    }

    /// Fill eyes that open wider than the portrait's from its own eyes (the default), or
    /// leave them to the warp.
    pub fn with_eye_fill(mut self, on: bool) -> Self {
        if !on {
            self.eyes = None;
        } else if self.eyes.is_none() {
            self.eyes = Some(EyeFill::new(self.source(), &self.landmarks));
        }
        self
    }

    /// Lay the driver's expression details on this strongly (0: not at all).
    pub fn with_details(mut self, strength: f32) -> Self {
        self.details = strength.max(0.0);
        self
    }

    /// Keep what `mask` covers still (the source as it is, in every frame); a mask of
    /// another size than the source is not used.
    pub fn with_keep_still(mut self, mask: Option<Arc<StillMask>>) -> Self {
        self.keep_still = mask.filter(|m| m.size() == self.source().dimensions());
        self
    }

    pub fn source(&self) -> &RgbImage {
        self.source.base()
    }

    /// The source's mip pyramid (level 0 is the source).
    pub fn pyramid(&self) -> &Pyramid {
        &self.source
    }

    pub fn landmarks(&self) -> &Face68 {
        &self.landmarks
    }

    /// Render threads (default: one per core).
    pub fn set_threads(&mut self, n: usize) {
        self.threads = n.max(1);
    }

    /// Where every control point goes when the face's landmarks go to `target`.
    fn targets(&self, target: &Face68) -> Vec<[f32; 2]> {
        let head = Similarity::fit(
            &self.landmarks.pick(&parts::HEAD),
            &target.pick(&parts::HEAD),
        );
        // Each point moved with the head alone: where a fold is undone towards.
        let rigid: Vec<[f32; 2]> = self
            .points
            .iter()
            .zip(&self.kinds)
            .map(|(&p, k)| match *k {
                Control::Landmark(_) | Control::Forehead => head.apply(p),
                Control::Ring(f) => {
                    let q = head.apply(p);
                    [p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1])]
                }
                Control::Border => p,
            })
            .collect();
        let mut out: Vec<[f32; 2]> = rigid
            .iter()
            .zip(&self.kinds)
            .map(|(&r, k)| match *k {
                Control::Landmark(i) => target[i],
                _ => r,
            })
            .collect();
        self.unfold(&mut out, &rigid);
        out
    }

    /// Whether triangle `k` keeps at least `min` of its source area at `moved` (a closable
    /// one may close, up to a sliver of numeric inversion, but not turn over).
    fn acceptable(&self, k: usize, moved: &[[f32; 2]], min: f32) -> bool {
        let tri = self.triangles[k];
        let s = area(&self.points, tri);
        let a = area(moved, tri);
        if self.closable[k] {
            a >= -0.02 * s
        } else {
            a > min * s
        }
    }

    /// Pull moved points back towards where the head's motion alone takes them (`rigid`) until
    /// no triangle folds over or collapses (except the eyes and lips closing); should that
    /// motion itself fold (a head moved far against the still border), towards the source.
    /// Undone towards the source, a fold by the lips held the nose back as the head moved on.
    fn unfold(&self, t: &mut [[f32; 2]], rigid: &[[f32; 2]]) {
        for _ in 0..12 {
            let mut bad = vec![false; t.len()];
            let mut any = false;
            for (k, tri) in self.triangles.iter().enumerate() {
                if !self.acceptable(k, t, 0.05) {
                    any = true;
                    for &v in tri {
                        bad[v] = true;
                    }
                }
            }
            if !any {
                return;
            }
            for (i, b) in bad.iter().enumerate() {
                if *b && !matches!(self.kinds[i], Control::Border) {
                    let s = rigid[i];
                    t[i] = [(t[i][0] + s[0]) / 2.0, (t[i][1] + s[1]) / 2.0];
                }
            }
        }
        // Still folded: shrink the whole motion towards the source until nothing folds. A
        // face that moves less than asked is better than a torn one.
        let local: Vec<[f32; 2]> = t.to_vec();
        let mut k = 1.0f32;
        while k > 1e-3 {
            k *= 0.7;
            for (i, p) in t.iter_mut().enumerate() {
                let s = self.points[i];
                *p = [
                    s[0] + k * (local[i][0] - s[0]),
                    s[1] + k * (local[i][1] - s[1]),
                ];
            }
            if (0..self.triangles.len()).all(|k| self.acceptable(k, t, 0.0)) {
                return;
            }
        }
        t.copy_from_slice(&self.points);
    }

    /// The control mesh for `target` (for other back ends that draw the same mapping).
    pub fn mesh(&self, target: &Face68) -> Mesh<'_> {
        Mesh {
            moved: self.targets(target),
            source: &self.points,
            triangles: &self.triangles,
        }
    }

    /// Paint what the warp alone would stretch or leave smooth, for a face whose 68 points
    /// are now `lm`: the driver's expression details (`details`, where the clip gives them) on
    /// its skin, eyes opened wider than the portrait's (from its own eyes), and the inside of
    /// an opened mouth (the driver's own mouth where `driver` gives it, else painted); then
    /// what the user keeps still. Both back ends call it on their warped frame.
    pub fn paint_inside(
        &self,
        img: &mut RgbImage,
        lm: &Face68,
        driver: Option<DriverMouth>,
        details: Option<&DetailLayer>,
    ) {
        if let Some(layer) = details {
            layer.paint(img, lm, self.details, &self.tone);
        }
        if let Some(eyes) = &self.eyes {
            eyes.paint(img, self.source(), lm);
        }
        let clip = driver.map(|d| ClipMouth::new(d, &self.mouth, &self.landmarks, lm));
        self.mouth.paint(img, lm, clip.as_ref());
        if let Some(still) = &self.keep_still {
            still.apply(img, self.source());
        }
    }

    /// Triangles that would be folded over or collapsed for `target` after the guard (eyes and
    /// lips may close); 0 is the contract, exposed for tests and diagnostics.
    pub fn folded_triangles(&self, target: &Face68) -> usize {
        let moved = self.targets(target);
        (0..self.triangles.len())
            .filter(|&k| !self.acceptable(k, &moved, 0.0))
            .count()
    }

    /// The source with its face moved to `target` (68 points, source pixels), the inside of
    /// its mouth painted.
    pub fn render(&self, target: &Face68) -> RgbImage {
        self.render_driven(target, None)
    }

    /// The source with its face moved to `target`, the inside of its mouth from the
    /// driver's (`driver`) where the clip gives one.
    pub fn render_driven(&self, target: &Face68, driver: Option<DriverMouth>) -> RgbImage {
        self.render_detailed(target, driver, None)
    }

    /// As `render_driven`, with the driver's expression details laid on where given.
    pub fn render_detailed(
        &self,
        target: &Face68,
        driver: Option<DriverMouth>,
        details: Option<&DetailLayer>,
    ) -> RgbImage {
        let moved = self.targets(target);
        let (w, h) = self.source().dimensions();
        // Start from the source: a pixel no triangle claims (rounding at a vertex) keeps a
        // plausible colour instead of a hole.
        let mut out = self.source().as_raw().clone();
        let maps: Vec<TriMap> = self
            .triangles
            .iter()
            .filter_map(|tri| TriMap::new(&moved, &self.points, *tri))
            .collect();
        let rows_per = (h as usize).div_ceil(self.threads).max(1);
        let row_bytes = w as usize * 3;
        std::thread::scope(|s| {
            for (band, chunk) in out.chunks_mut(rows_per * row_bytes).enumerate() {
                let y0 = band * rows_per;
                let maps = &maps;
                let src = &self.source;
                s.spawn(move || {
                    let y1 = y0 + chunk.len() / row_bytes;
                    for m in maps {
                        m.raster(src, chunk, y0, y1, w as usize);
                    }
                });
            }
        });
        let mut img = RgbImage::from_raw(w, h, out).unwrap_or_else(|| self.source().clone());
        // The first 68 control points are the landmarks.
        let moved68 = Face68::from(std::array::from_fn(|i| moved[i]));
        self.paint_inside(&mut img, &moved68, driver, details);
        img
    }
}

/// The 68 points with crossed inner lips or eyelids (a landmark net's guess on a closed,
/// smiling mouth) set to touch instead: a crossed pair would fold the mesh there and keep the
/// mouth from opening.
fn uncross(landmarks68: &Face68) -> Face68 {
    let mut lm = *landmarks68;
    let down = lm.down();
    let depth = |p: [f32; 2]| p[0] * down[0] + p[1] * down[1];
    for (u, d) in parts::INNER_LIP_PAIRS.into_iter().chain(parts::LIDS) {
        if depth(lm[d]) < depth(lm[u]) {
            let m = [(lm[u][0] + lm[d][0]) / 2.0, (lm[u][1] + lm[d][1]) / 2.0];
            lm[u] = m;
            lm[d] = m;
        }
    }
    lm
}

fn area(p: &[[f32; 2]], t: [usize; 3]) -> f32 {
    let (a, b, c) = (p[t[0]], p[t[1]], p[t[2]]);
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// One target triangle and the affine map from its pixels back to the source.
struct TriMap {
    v: [[f32; 2]; 3],
    /// source = m · (x, y, 1)
    m: [f32; 6],
    /// Mip level of detail (0 unless the triangle is drawn smaller than its source).
    lod: f32,
    identity: bool,
}

impl TriMap {
    fn new(target: &[[f32; 2]], source: &[[f32; 2]], t: [usize; 3]) -> Option<Self> {
        let (d0, d1, d2) = (target[t[0]], target[t[1]], target[t[2]]);
        let (s0, s1, s2) = (source[t[0]], source[t[1]], source[t[2]]);
        let det = (d1[0] - d0[0]) * (d2[1] - d0[1]) - (d2[0] - d0[0]) * (d1[1] - d0[1]);
        if det.abs() < 1e-6 {
            return None;
        }
        // Solve for the map taking target vertices to source vertices.
        let inv = 1.0 / det;
        let (ax, ay) = (d1[0] - d0[0], d1[1] - d0[1]);
        let (bx, by) = (d2[0] - d0[0], d2[1] - d0[1]);
        let row = |s0: f32, s1: f32, s2: f32| {
            let (u, v) = (s1 - s0, s2 - s0);
            let a = (u * by - v * ay) * inv;
            let b = (v * ax - u * bx) * inv;
            let c = s0 - a * d0[0] - b * d0[1];
            (a, b, c)
        };
        let (a, b, c) = row(s0[0], s1[0], s2[0]);
        let (d, e, f) = row(s0[1], s1[1], s2[1]);
        let identity = [d0, d1, d2] == [s0, s1, s2];
        Some(Self {
            v: [d0, d1, d2],
            m: [a, b, c, d, e, f],
            lod: lod(a, b, d, e),
            identity,
        })
    }

    /// Fill this triangle's pixels in rows `y0..y1` of the band `out` (which starts at y0).
    fn raster(&self, pyr: &Pyramid, out: &mut [u8], y0: usize, y1: usize, w: usize) {
        let src = pyr.base();
        let ys = self.v.iter().map(|p| p[1]);
        let top = ys.clone().fold(f32::MAX, f32::min);
        let bottom = ys.fold(f32::MIN, f32::max);
        let ry0 = ((top - 0.5).ceil().max(y0 as f32)) as usize;
        let ry1 = (((bottom - 0.5).floor() + 1.0).min(y1 as f32)).max(0.0) as usize;
        let (sw, sh) = (src.width() as usize, src.height() as usize);
        let sraw = src.as_raw();
        let tri = (self.lod > 0.0).then(|| pyr.at_lod(self.lod));
        for y in ry0..ry1 {
            let py = y as f32 + 0.5;
            // The span of x where the row's centre line is inside the triangle.
            let (mut xl, mut xr) = (f32::MAX, f32::MIN);
            for k in 0..3 {
                let (a, b) = (self.v[k], self.v[(k + 1) % 3]);
                if (a[1] <= py && b[1] >= py) || (b[1] <= py && a[1] >= py) {
                    let x = if (b[1] - a[1]).abs() < 1e-9 {
                        xl = xl.min(a[0].min(b[0]));
                        a[0].max(b[0])
                    } else {
                        a[0] + (py - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
                    };
                    xl = xl.min(x);
                    xr = xr.max(x);
                }
            }
            if xl > xr {
                continue;
            }
            // Pixel centres x + 0.5 in [xl, xr): each pixel belongs to one triangle.
            let x0 = ((xl - 0.5).ceil().max(0.0)) as usize;
            let x1 = (((xr - 0.5).ceil()).min(w as f32)).max(0.0) as usize;
            if x0 >= x1 {
                continue;
            }
            let row = &mut out[(y - y0) * w * 3..(y - y0 + 1) * w * 3];
            if self.identity {
                let s = &sraw[y * sw * 3..(y + 1) * sw * 3];
                row[x0 * 3..x1 * 3].copy_from_slice(&s[x0 * 3..x1 * 3]);
                continue;
            }
            let [a, b, c, d, e, f] = self.m;
            let px = x0 as f32 + 0.5;
            // Source position of the pixel centre, in pixel-index space (centres at integers).
            let mut sx = a * px + b * py + c - 0.5;
            let mut sy = d * px + e * py + f - 0.5;
            if self.lod == 0.0 {
                for x in x0..x1 {
                    bilinear_u8(sraw, sw, sh, sx, sy, &mut row[x * 3..x * 3 + 3]);
                    sx += a;
                    sy += d;
                }
            } else if let Some(tri) = &tri {
                for x in x0..x1 {
                    tri.sample(sx, sy, &mut row[x * 3..x * 3 + 3]);
                    sx += a;
                    sy += d;
                }
            }
        }
    }
}
