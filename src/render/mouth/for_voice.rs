//! The inside of the mouth when a voice speaks, with no clip's mouth in step with the lips:
//! real mouths, one per frame, chosen by how open and how wide the portrait's lips are now
//! (the visemes of speech). The portrait's own pictures come first — a few-shot source that
//! shows its mouth open gives its own teeth — else the set bundled with Vivant, cut from the
//! bundled webcam clip (`assets/mouths/`, made by `make mouths`; see assets/README.md). Each
//! is laid in as a clip's mouth is (`from_clip`): rigid with the head, stretched to the
//! opening, in the portrait's light and palette, the painted inside its fallback.

use std::borrow::Cow;
use std::io;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::from_clip::{DriverMouth, MouthFit};
use super::opening;
use crate::geometry::{Face68, dist, parts};
use crate::motion::DrivingMotion;
use crate::motion::mouth::{ClipMouths, MouthFrame, MouthGeometry, PATCH_H, PATCH_W};
use crate::render::SourceFace;

/// One real mouth.
pub struct Viseme {
    pub frame: MouthFrame,
    /// The face it was cut from, in its own picture's pixels.
    pub face: Face68,
    /// Inner-lip opening, in eye distances.
    pub opening: f32,
    /// Mouth width against its set's mouth at rest.
    pub width: f32,
    /// From the portrait's own pictures (fitted to it by the head alone: the same face).
    pub own: bool,
}

/// The real mouth laid into one frame (`Visemes::mouth`).
pub struct VoiceMouth<'a> {
    frame: Cow<'a, MouthFrame>,
    /// The face the mouth is read against, in its picture's pixels.
    face: Face68,
    fit: MouthFit,
}

impl VoiceMouth<'_> {
    /// As the warp engine lays a driver's mouth in.
    pub fn driver(&self) -> DriverMouth<'_> {
        DriverMouth {
            frame: &self.frame,
            driving: &self.face,
            fit: self.fit,
        }
    }
}

/// A set of real mouths to choose from.
pub struct Visemes {
    mouths: Vec<Viseme>,
    /// The bundled set's face at rest, in its clip's pixels: a portrait is laid onto it by the
    /// nose and lips (`MouthFit::new`), as onto a driving clip's reference frame.
    rest: Option<Face68>,
}

/// A source "shows its mouth open" from this inner-lip gap on (eye distances): teeth show.
const OWN_OPEN: f32 = 0.07;

/// The mouth's width (corner to corner) in eye distances.
fn width(p: &Face68) -> f32 {
    dist(p[parts::MOUTH_RIGHT], p[parts::MOUTH_LEFT]) / p.eye_distance().max(1e-3)
}

/// How far a mouth is from a wanted (opening, width), squared: 0.04 eye distances of gap weigh
/// as 6 % of the width.
fn distance(v: &Viseme, open: f32, wide: f32) -> f32 {
    let d = ((v.opening - open) / 0.04).powi(2) + ((v.width - wide) / 0.06).powi(2);
    // The portrait's own teeth are worth a somewhat worse fit.
    if v.own { d * 0.5 } else { d }
}

impl Visemes {
    /// The set bundled with Vivant, read once.
    pub fn bundled() -> Result<Arc<Visemes>, String> {
        static SET: OnceLock<Result<Arc<Visemes>, String>> = OnceLock::new();
        SET.get_or_init(|| {
            Visemes::read(
                include_bytes!("../../../assets/mouths/mouths.png"),
                include_bytes!("../../../assets/mouths/mouths.json"),
            )
            .map(Arc::new)
            .map_err(|e| format!("the bundled mouths (assets/mouths) are damaged: {e}"))
        })
        .clone()
    }

    /// The mouths for a portrait's `sources`: those of its own pictures that show the mouth
    /// open, with the bundled set for the openings they lack.
    pub fn for_sources(sources: &[SourceFace]) -> Result<Arc<Visemes>, String> {
        let bundled = Visemes::bundled()?;
        let open: Vec<&SourceFace> = sources
            .iter()
            .filter(|s| opening(&s.landmarks68) >= OWN_OPEN)
            .collect();
        if open.is_empty() {
            return Ok(bundled);
        }
        // Widths against the portrait's usual mouth: the median over all its pictures.
        let mut widths: Vec<f32> = sources.iter().map(|s| width(&s.landmarks68)).collect();
        widths.sort_by(f32::total_cmp);
        let usual = widths[widths.len() / 2].max(1e-3);
        let mut mouths: Vec<Viseme> = open
            .into_iter()
            .map(|s| {
                let face = s.landmarks68;
                Viseme {
                    frame: MouthFrame::of(&s.image, &face, Arc::new(MouthGeometry::of(&face))),
                    face,
                    opening: opening(&face),
                    width: width(&face) / usual,
                    own: true,
                }
            })
            .collect();
        mouths.extend(bundled.mouths.iter().map(|v| Viseme {
            frame: v.frame.clone(),
            face: v.face,
            opening: v.opening,
            width: v.width,
            own: false,
        }));
        Ok(Arc::new(Visemes {
            mouths,
            rest: bundled.rest,
        }))
    }

    pub fn len(&self) -> usize {
        self.mouths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mouths.is_empty()
    }

    pub fn mouths(&self) -> &[Viseme] {
        &self.mouths
    }

    /// The mouths with their distances from the lips of a portrait whose face at rest is
    /// `portrait` and is now `target`, nearest first.
    fn ranked(&self, portrait: &Face68, target: &Face68) -> Vec<(f32, &Viseme)> {
        let open = opening(target);
        let wide = width(target) / width(portrait).max(1e-3);
        let mut near: Vec<(f32, &Viseme)> = self
            .mouths
            .iter()
            .map(|v| (distance(v, open, wide), v))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near
    }

    /// The mouth for a portrait whose face at rest is `portrait` and is now `target`: the
    /// nearest in opening and width.
    pub fn choose(&self, portrait: &Face68, target: &Face68) -> Option<&Viseme> {
        self.ranked(portrait, target).first().map(|&(_, v)| v)
    }

    /// The mouth to lay into a portrait whose face at rest is `portrait` and is now `target`:
    /// the nearest, or where the next is about as near, the two cross-faded, so that the
    /// inside changes smoothly as the lips open rather than jumping between mouths.
    pub fn mouth<'a>(&'a self, portrait: &Face68, target: &Face68) -> Option<VoiceMouth<'a>> {
        let near = self.ranked(portrait, target);
        let &(d1, a) = near.first()?;
        let fit = match (&self.rest, a.own) {
            (Some(rest), false) => MouthFit::new(portrait, rest, &a.frame.geometry),
            _ => MouthFit::by_head(portrait, &a.face, &a.frame.geometry),
        };
        // Cross-faded only within one set's head frame (the bundled mouths, or one picture).
        let next = near
            .get(1)
            .filter(|(_, b)| b.own == a.own && Arc::ptr_eq(&a.frame.geometry, &b.frame.geometry));
        // The two nearest, each weighed by how much nearer it is than the third (a smooth
        // fall-off in the distance): a mouth's weight falls to nothing as it stops being one
        // of the two nearest, and two as near weigh alike, so the mix changes continuously
        // with the lips.
        let share = next.map_or(0.0, |&(d2, _)| {
            let fall = |d: f32| (-d / 2.0).exp();
            let beyond = near.get(2).map_or(0.0, |n| fall(n.0));
            let (w1, w2) = (fall(d1) - beyond, fall(d2) - beyond);
            if w1 + w2 > 0.0 { w2 / (w1 + w2) } else { 0.0 }
        });
        let Some(&(_, b)) = next.filter(|_| share > 0.0) else {
            return Some(VoiceMouth {
                frame: Cow::Borrowed(&a.frame),
                face: a.face,
                fit,
            });
        };
        // The second face carried into the first's pixels through the head frame they share.
        let g = &a.frame.geometry;
        let into_a = g
            .to_frame(&a.face)
            .then_after(&g.to_frame(&b.face).inverse());
        let mix = |x: f32, y: f32| x + (y - x) * share;
        let face = Face68::from(std::array::from_fn::<[f32; 2], 68, _>(|i| {
            let q = into_a.apply(b.face[i]);
            [mix(a.face[i][0], q[0]), mix(a.face[i][1], q[1])]
        }));
        let patch = a
            .frame
            .patch
            .iter()
            .zip(&b.frame.patch)
            .map(|(&x, &y)| mix(x as f32, y as f32).round() as u8)
            .collect();
        Some(VoiceMouth {
            frame: Cow::Owned(MouthFrame {
                geometry: a.frame.geometry.clone(),
                found: a.frame.found && b.frame.found,
                skin: std::array::from_fn(|k| mix(a.frame.skin[k], b.frame.skin[k])),
                patch,
            }),
            face,
            fit,
        })
    }

    /// A set cut from a clip's mouths (`mouths`, read with `motion`): for each cell of
    /// openings and widths that the clip shows, its sharpest, most frontal frame.
    pub fn from_clip(motion: &DrivingMotion, mouths: &ClipMouths) -> io::Result<Visemes> {
        struct Candidate {
            i: usize,
            face: Face68,
            opening: f32,
            width: f32,
            /// How far the lips moved between the frames either side (blur), and the head's
            /// turn (a turned mouth is foreshortened), both in eye distances.
            blur: f32,
            turn: f32,
        }
        let n = motion.len().min(mouths.len());
        let faces: Vec<Face68> = (0..n)
            .map(|i| motion.landmarks(i))
            .collect::<io::Result<_>>()?;
        let mut found = Vec::new();
        for i in 1..n.saturating_sub(1) {
            let f = &faces[i];
            let seen = motion.states.get(i).is_some_and(|s| s.observed());
            if !seen {
                continue;
            }
            let eye = f.eye_distance().max(1e-3);
            let blur = parts::MOUTH
                .map(|k| dist(faces[i - 1][k], faces[i + 1][k]))
                .sum::<f32>()
                / parts::MOUTH.len() as f32
                / eye;
            // The nose tip's way from between the eyes' outer corners.
            let middle = (f[36][0] + f[45][0]) / 2.0;
            found.push(Candidate {
                i,
                face: *f,
                opening: opening(f),
                width: width(f),
                blur,
                turn: ((f[30][0] - middle) / eye).abs(),
            });
        }
        // At rest: the least open of the frontal, still frames.
        let rest = found
            .iter()
            .filter(|c| c.turn < 0.08 && c.blur < 0.03)
            .min_by(|a, b| a.opening.total_cmp(&b.opening))
            .or_else(|| found.iter().min_by(|a, b| a.opening.total_cmp(&b.opening)))
            .ok_or_else(|| io::Error::other("no face was seen in the clip"))?;
        let (rest_face, rest_width) = (rest.face, rest.width.max(1e-3));
        // Cells: openings a twenty-fifth of the eye distance apart from a lips-parted 0.06,
        // widths 6 % apart.
        let (open_step, wide_step) = (0.04f32, 0.06f32);
        let mut best: std::collections::BTreeMap<(i32, i32), (f32, usize)> = Default::default();
        for (k, c) in found.iter().enumerate() {
            if c.opening < 0.06 {
                continue;
            }
            let wide = c.width / rest_width;
            let cell = (
                ((c.opening - 0.06) / open_step).floor() as i32,
                ((wide - 1.0) / wide_step).round() as i32,
            );
            let score = 4.0 * c.blur + c.turn;
            if best.get(&cell).is_none_or(|&(s, _)| score < s) {
                best.insert(cell, (score, k));
            }
        }
        let mut chosen = Vec::new();
        for (score, k) in best.into_values() {
            let c = &found[k];
            // A blurred or turned mouth is worse than none: the cell's neighbours serve.
            if score > 0.4 {
                continue;
            }
            let frame = mouths.frame(c.i)?;
            if !frame.found {
                continue;
            }
            chosen.push(Viseme {
                frame,
                face: c.face,
                opening: c.opening,
                width: c.width / rest_width,
                own: false,
            });
        }
        chosen.sort_by(|a, b| a.opening.total_cmp(&b.opening));
        Ok(Visemes {
            mouths: chosen,
            rest: Some(rest_face),
        })
    }

    /// Write the set as `mouths.png` (the patches in rows of eight) and `mouths.json` (the
    /// head frame, the face at rest and each mouth's face and skin) in `dir`; `about` says
    /// where it came from.
    pub fn write(&self, dir: &Path, about: &str) -> io::Result<()> {
        let rest = self
            .rest
            .ok_or_else(|| io::Error::other("only a set cut from a clip is written"))?;
        let first = self
            .mouths
            .first()
            .ok_or_else(|| io::Error::other("no mouth to write"))?;
        let rows = self.mouths.len().div_ceil(COLUMNS);
        let mut atlas = RgbImage::new((COLUMNS * PATCH_W) as u32, (rows * PATCH_H) as u32);
        for (k, v) in self.mouths.iter().enumerate() {
            let tile = RgbImage::from_raw(PATCH_W as u32, PATCH_H as u32, v.frame.patch.clone())
                .ok_or_else(|| io::Error::other("a mouth's patch is the wrong size"))?;
            let (ox, oy) = ((k % COLUMNS) * PATCH_W, (k / COLUMNS) * PATCH_H);
            image::imageops::replace(&mut atlas, &tile, ox as i64, oy as i64);
        }
        let stored = Stored {
            about: about.to_string(),
            patch: [PATCH_W, PATCH_H],
            columns: COLUMNS,
            geometry: (*first.frame.geometry).clone(),
            rest,
            mouths: self
                .mouths
                .iter()
                .map(|v| StoredMouth {
                    skin: v.frame.skin.map(|c| (c * 10.0).round() / 10.0),
                    face: v.face.map(|p| p.map(|c| (c * 100.0).round() / 100.0)),
                })
                .collect(),
        };
        let json = serde_json::to_string_pretty(&stored).map_err(io::Error::other)?;
        let put = |name: &str, bytes: &[u8]| {
            crate::output::write_atomic(&dir.join(name), |tmp| std::fs::write(tmp, bytes))
                .map_err(io::Error::other)
        };
        put("mouths.json", json.as_bytes())?;
        let mut png = Vec::new();
        atlas
            .write_to(&mut io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(io::Error::other)?;
        put("mouths.png", &png)
    }

    /// A set `write` wrote.
    pub fn read(png: &[u8], json: &[u8]) -> Result<Visemes, String> {
        let stored: Stored = serde_json::from_slice(json).map_err(|e| e.to_string())?;
        if stored.patch != [PATCH_W, PATCH_H] || stored.columns == 0 {
            return Err(format!(
                "patches of {:?}, {} a row; this build reads {PATCH_W}×{PATCH_H}",
                stored.patch, stored.columns
            ));
        }
        let atlas = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .map_err(|e| e.to_string())?
            .to_rgb8();
        let rows = stored.mouths.len().div_ceil(stored.columns);
        if (atlas.width() as usize) < stored.columns * PATCH_W
            || (atlas.height() as usize) < rows * PATCH_H
        {
            return Err(format!(
                "the atlas is {}×{}, too small for {} mouths",
                atlas.width(),
                atlas.height(),
                stored.mouths.len()
            ));
        }
        let geometry = Arc::new(stored.geometry);
        let rest_width = width(&stored.rest).max(1e-3);
        let mouths = stored
            .mouths
            .into_iter()
            .enumerate()
            .map(|(k, m)| {
                let (ox, oy) = (
                    (k % stored.columns) * PATCH_W,
                    (k / stored.columns) * PATCH_H,
                );
                let patch = image::imageops::crop_imm(
                    &atlas,
                    ox as u32,
                    oy as u32,
                    PATCH_W as u32,
                    PATCH_H as u32,
                )
                .to_image()
                .into_raw();
                Viseme {
                    frame: MouthFrame {
                        geometry: geometry.clone(),
                        found: true,
                        skin: m.skin,
                        patch,
                    },
                    opening: opening(&m.face),
                    width: width(&m.face) / rest_width,
                    face: m.face,
                    own: false,
                }
            })
            .collect();
        Ok(Visemes {
            mouths,
            rest: Some(stored.rest),
        })
    }
}

/// Patches a row in the written atlas.
const COLUMNS: usize = 8;

#[derive(Serialize, Deserialize)]
struct Stored {
    about: String,
    patch: [usize; 2],
    columns: usize,
    geometry: MouthGeometry,
    rest: Face68,
    mouths: Vec<StoredMouth>,
}

#[derive(Serialize, Deserialize)]
struct StoredMouth {
    skin: [f32; 3],
    face: Face68,
}
