//! The warp engine on a real portrait: the source's own landmarks give the source back, a
//! moved face moves and the border stays, extreme targets neither fold nor tear, an opened
//! mouth gets a dark interior with teeth, and output keeps the source's resolution. And the
//! pipeline around any engine, with a stand-in engine.

mod common;

use std::path::Path;

use candle_core::Device;
use image::RgbImage;
use vivant::face::Analyzer;
use vivant::geometry::Face68;
use vivant::geometry::parts;
use vivant::models::ModelSource;
use vivant::motion::{Mode, Retargeter, Strengths};
use vivant::render::{Backend, Drive, MeshWarp, SourceFace, Transfer, WarpKind};

fn portrait() -> (RgbImage, Face68) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/astronaut.png");
    let img = image::open(path).expect("png").to_rgb8();
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let faces = a.analyze(&img).expect("analyze");
    let lm = faces.first().expect("a face").landmarks68;
    (img, lm)
}

/// The Mona Lisa (the bundled demo portrait) and her landmarks.
fn mona_lisa(a: &Analyzer) -> (RgbImage, Face68) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mona_lisa.jpg");
    let img = image::open(path).expect("jpg").to_rgb8();
    let lm = a.analyze(&img).expect("analyze")[0].landmarks68;
    (img, lm)
}

/// The warp engine on one portrait through the engine boundary, as the pipeline prepares it:
/// relative mode, default strengths, `reference` the driving face at rest (`None`: the
/// portrait's own), real mouths for a voice as `voice_mouth` says.
fn warp_engine(
    img: &RgbImage,
    lm: Face68,
    reference: Option<Face68>,
    voice_mouth: bool,
) -> Box<dyn vivant::render::Engine> {
    vivant::render::prepare(
        vec![SourceFace {
            image: img.clone(),
            landmarks68: lm,
            keep_still: None,
        }],
        &Transfer {
            mode: Mode::Relative,
            strengths: Strengths::default(),
            reference,
            reference_track: None,
        },
        &WarpKind {
            backend: Backend::Cpu,
            clip_mouth: true,
            voice_mouth,
            eye_fill: true,
            details: vivant::render::DEFAULT_DETAILS,
        },
    )
    .expect("warp engine")
}

fn patch_mad(a: &RgbImage, ax: u32, ay: u32, b: &RgbImage, bx: u32, by: u32, n: u32) -> f64 {
    let mut s = 0.0;
    for y in 0..n {
        for x in 0..n {
            let (p, q) = (a.get_pixel(ax + x, ay + y), b.get_pixel(bx + x, by + y));
            for c in 0..3 {
                s += (p[c] as f64 - q[c] as f64).abs();
            }
        }
    }
    s / (n * n * 3) as f64
}

#[test]
fn own_landmarks_give_the_source_back() {
    // Through the engine boundary, as the pipeline prepares it: a driving face at rest (the
    // reference itself) leaves the portrait as it is.
    let (img, lm) = portrait();
    let mut engine = warp_engine(&img, lm, Some(lm), true);
    let drawn = engine
        .render(&Drive {
            face: lm,
            track: None,
            controls: None,
        })
        .expect("render");
    assert_eq!(drawn.image.dimensions(), img.dimensions());
    assert_eq!(drawn.source, 0);
    let out = drawn.image;
    let worst = out
        .as_raw()
        .iter()
        .zip(img.as_raw())
        .map(|(a, b)| (*a as i32 - *b as i32).abs())
        .max()
        .unwrap_or(0);
    assert!(worst <= 1, "max difference {worst}");
}

#[test]
fn a_moved_face_moves_and_the_border_stays() {
    let (img, lm) = portrait();
    let engine = MeshWarp::new(img.clone(), &lm);
    let moved = lm.map(|p| [p[0] + 6.0, p[1] + 3.0]);
    let out = engine.render(&moved);
    // A patch around the nose tip is the source's, 6 px right and 3 px down.
    let nose = lm[30];
    let (x, y) = (nose[0] as u32 - 8, nose[1] as u32 - 8);
    let shifted = patch_mad(&out, x + 6, y + 3, &img, x, y, 16);
    let unshifted = patch_mad(&out, x, y, &img, x, y, 16);
    eprintln!("nose patch: {shifted:.2} moved vs {unshifted:.2} in place");
    assert!(
        shifted < 4.0 && unshifted > 2.0 * shifted,
        "{shifted} vs {unshifted}"
    );
    // The image's edges do not move; motion fades towards them.
    assert!(edges_kept(&out, &img));
    let near = patch_mad(&out, 0, 0, &img, 0, 0, 12);
    assert!(near < unshifted / 4.0, "corner moved {near}");
}

/// The outermost rows and columns equal the source's (±1 for rounding).
fn edges_kept(out: &RgbImage, img: &RgbImage) -> bool {
    let (w, h) = img.dimensions();
    let same = |x: u32, y: u32| {
        let (a, b) = (out.get_pixel(x, y), img.get_pixel(x, y));
        (0..3).all(|c| (a[c] as i32 - b[c] as i32).abs() <= 1)
    };
    (0..w).all(|x| same(x, 0) && same(x, h - 1)) && (0..h).all(|y| same(0, y) && same(w - 1, y))
}

#[test]
fn extreme_targets_neither_fold_nor_tear() {
    let (img, lm) = portrait();
    let engine = MeshWarp::new(img.clone(), &lm);
    // Landmarks thrown about: jaw pulled through the mouth, eyes swapped.
    let mut wild = lm;
    for (i, p) in wild.iter_mut().enumerate() {
        let k = (i * 37 % 68) as f32;
        p[0] += (k - 34.0) * 1.5;
        p[1] -= (k - 30.0) * 1.2;
    }
    wild.swap(36, 45);
    // Unguarded, these targets fold the face's own triangles over.
    let area = |p: &[[f32; 2]], t: [usize; 3]| {
        let (a, b, c) = (p[t[0]], p[t[1]], p[t[2]]);
        (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    };
    let tris = vivant::render::triangulate::delaunay(&lm);
    let folded = tris.iter().filter(|t| area(&wild, **t) <= 0.0).count();
    assert!(folded > 10, "{folded}");
    let out = engine.render(&wild);
    assert_eq!(out.dimensions(), img.dimensions());
    // No hole: every output pixel is a source colour blend, so the image mean stays close.
    let mean =
        |i: &RgbImage| i.as_raw().iter().map(|v| *v as f64).sum::<f64>() / i.as_raw().len() as f64;
    assert!((mean(&out) - mean(&img)).abs() < 5.0);
    // The guard leaves no triangle folded over.
    assert_eq!(engine.folded_triangles(&wild), 0);
}

#[test]
fn an_opened_mouth_gets_an_interior() {
    let (img, lm) = portrait();
    let engine = MeshWarp::new(img.clone(), &lm);
    let iod = ((lm[45][0] - lm[36][0]).powi(2) + (lm[45][1] - lm[36][1]).powi(2)).sqrt();
    let mut open = lm;
    let drop = 0.35 * iod;
    for i in [5, 6, 7, 8, 9, 10, 11, 55, 56, 57, 58, 59, 65, 66, 67] {
        open[i][1] += drop;
    }
    let out = engine.render(&open);
    // Inside the new opening, between the inner lips: darker than the skin and lips there in
    // the source, with a lighter band (teeth) near the upper lip.
    let (top, bottom) = (open[62][1], open[66][1]);
    let x = open[62][0] as u32;
    let luma = |p: &image::Rgb<u8>| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
    let at = |i: &RgbImage, f: f32| luma(i.get_pixel(x, (top + (bottom - top) * f) as u32));
    let cavity = at(&out, 0.75);
    let teeth = at(&out, 0.2);
    let before = at(&img, 0.75);
    eprintln!("cavity {cavity:.0}, teeth {teeth:.0}, source there {before:.0}");
    assert!(cavity < 0.6 * before, "cavity {cavity} vs source {before}");
    assert!(teeth > cavity + 40.0, "teeth {teeth} vs cavity {cavity}");
}

/// The face shrunk to 55 % about the nose: every ring and the forehead follow, so the inner
/// face is drawn at about half its source size.
fn shrunk(lm: &Face68, k: f32) -> Face68 {
    let c = lm[30];
    lm.map(|p| [c[0] + k * (p[0] - c[0]), c[1] + k * (p[1] - c[1])])
}

#[test]
fn a_shrinking_face_does_not_alias() {
    // The worst case for aliasing: 1-pixel black and white columns. Drawn at about half size,
    // a correct picture is an even grey; skipping source pixels gives stripes and moiré.
    let (img, lm) = portrait();
    let (w, h) = img.dimensions();
    let stripes = RgbImage::from_fn(w, h, |x, _| {
        let v = if x % 2 == 0 { 0 } else { 255 };
        image::Rgb([v, v, v])
    });
    let engine = MeshWarp::new(stripes, &lm);
    let small = shrunk(&lm, 0.55);
    let out = engine.render(&small);
    // Between the outer eye corners, from the nose bridge to the nose's base.
    let (x0, x1) = (small[36][0] as u32 + 1, small[45][0] as u32);
    let (y0, y1) = (small[28][1] as u32, small[33][1] as u32);
    let vals: Vec<f64> = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .map(|(x, y)| out.get_pixel(x, y)[0] as f64)
        .collect();
    assert!(vals.len() > 200, "{} pixels", vals.len());
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64).sqrt();
    eprintln!(
        "shrunk stripes: mean {mean:.1}, sd {sd:.1} over {} pixels",
        vals.len()
    );
    assert!((mean - 127.5).abs() < 8.0, "mean {mean}");
    assert!(sd < 25.0, "sd {sd}: the stripes alias");
}

/// The pipeline around any engine, through the public API as a third engine would use it: a
/// kind of its own whose engine paints each frame one flat grey, a step lighter per frame,
/// shows that a voice render asks for its frames in order, once each, with the voice's face
/// controls and the portrait's own face as the reference, and that the MP4 holds those frames
/// in that order with the sound as long.
#[test]
fn the_pipeline_draws_every_frame_in_order_through_any_engine() {
    use std::sync::{Arc, Mutex};
    use vivant::export::credentials::SourceType;
    use vivant::pipeline::{RenderJob, render};
    use vivant::render::{Engine, EngineKind, RenderError, Rendered};

    struct Greys {
        size: (u32, u32),
        face: Face68,
        drawn: Arc<Mutex<Vec<bool>>>,
    }
    impl Engine for Greys {
        fn source_face(&self, _: usize) -> &Face68 {
            &self.face
        }
        fn render(&mut self, drive: &Drive) -> Result<Rendered, RenderError> {
            let mut drawn = self.drawn.lock().expect("lock");
            drawn.push(drive.controls.is_some() && drive.track.is_none());
            let level = (16 + 4 * drawn.len()) as u8;
            Ok(Rendered {
                image: RgbImage::from_pixel(self.size.0, self.size.1, image::Rgb([level; 3])),
                source: 0,
            })
        }
    }
    struct GreysKind {
        drawn: Arc<Mutex<Vec<bool>>>,
        reference: Arc<Mutex<Option<Face68>>>,
    }
    impl EngineKind for GreysKind {
        fn name(&self) -> &'static str {
            "greys"
        }
        fn source_type(&self) -> SourceType {
            SourceType::TrainedAlgorithmicMedia
        }
        fn prepare(
            &self,
            sources: Vec<SourceFace>,
            transfer: &Transfer,
        ) -> Result<Box<dyn Engine>, RenderError> {
            *self.reference.lock().expect("lock") = transfer.reference;
            let s = &sources[0];
            Ok(Box::new(Greys {
                size: s.image.dimensions(),
                face: s.landmarks68,
                drawn: self.drawn.clone(),
            }))
        }
    }

    let (img, lm) = portrait();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("greys.mp4");
    let mut job = RenderJob::speaking(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/astronaut.png"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/speech_librivox_0870.wav"),
        out.clone(),
    );
    job.landmarks = vec![Some(lm)];
    job.settings.end_s = Some(2.0);
    job.settings.preset = "ultrafast".into();
    let drawn = Arc::new(Mutex::new(Vec::new()));
    let reference = Arc::new(Mutex::new(None));
    job.kind = Some(Arc::new(GreysKind {
        drawn: drawn.clone(),
        reference: reference.clone(),
    }));
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let report = render(
        &a,
        &job,
        &std::sync::atomic::AtomicBool::new(false),
        &|_| {},
    )
    .expect("render");
    assert_eq!(report.frames, 50);
    assert_eq!((report.width, report.height), img.dimensions());
    let drawn = drawn.lock().expect("lock").clone();
    assert_eq!(drawn.len(), 50, "every frame drawn once");
    assert!(
        drawn.iter().all(|&voice| voice),
        "a voice's controls, no clip motion"
    );
    assert_eq!(
        *reference.lock().expect("lock"),
        Some(lm),
        "the portrait is its own rest"
    );
    let mut video = vivant::media::VideoSource::open(&out).expect("open");
    for k in [0u64, 1, 17, 49] {
        let f = video.frame(k).expect("frame").image;
        let mean = f.as_raw().iter().map(|&v| v as f64).sum::<f64>() / f.as_raw().len() as f64;
        let want = (16 + 4 * (k + 1)) as f64;
        assert!((mean - want).abs() < 2.0, "frame {k}: {mean} for {want}");
    }
    // The voice's 2 s, as long as the 50 frames.
    assert_eq!(report.audio, Some(vivant::export::AudioFit::Exact));
}

/// A third engine with its own reading of the driving clip, through the public API only: its
/// kind reads the clip (as a neural engine reads its motion) into one grey per driving frame,
/// from the frame's brightness and its place in the clip; the pipeline hands each output frame
/// the entry of the driving frame it follows, and the engine paints it flat. The video's
/// frames follow the reading frame for frame, and its comment names the engine.
#[test]
fn a_third_engine_is_one_kind_with_its_own_reading_of_the_clip() {
    use std::sync::Arc;
    use vivant::export::credentials::SourceType;
    use vivant::media::VideoSource;
    use vivant::motion::MotionError;
    use vivant::pipeline::{RenderJob, Soundtrack, render};
    use vivant::render::{
        Analysed, ClipInput, ClipTrack, Engine, EngineKind, RenderError, Rendered, TrackEntry,
    };

    fn mean(img: &RgbImage) -> f64 {
        img.as_raw().iter().map(|&v| v as f64).sum::<f64>() / img.as_raw().len() as f64
    }
    struct Means(Vec<u8>);
    impl ClipTrack for Means {
        fn entry(&self, i: usize) -> std::io::Result<TrackEntry> {
            Ok(TrackEntry::new(self.0[i]))
        }
    }
    struct Flat {
        size: (u32, u32),
        face: Face68,
    }
    impl Engine for Flat {
        fn source_face(&self, _: usize) -> &Face68 {
            &self.face
        }
        fn render(&mut self, drive: &Drive) -> Result<Rendered, RenderError> {
            let level = drive
                .track
                .as_ref()
                .and_then(|t| t.get::<u8>())
                .ok_or(RenderError::NoTrack { engine: "flat" })?;
            Ok(Rendered {
                image: RgbImage::from_pixel(self.size.0, self.size.1, image::Rgb([*level; 3])),
                source: 0,
            })
        }
    }
    struct FlatKind;
    impl EngineKind for FlatKind {
        fn name(&self) -> &'static str {
            "flat"
        }
        fn source_type(&self) -> SourceType {
            SourceType::TrainedAlgorithmicMedia
        }
        fn analyse(&self, clip: &ClipInput<'_>) -> Result<Option<Analysed>, MotionError> {
            let mut video = VideoSource::open(clip.clip)
                .map_err(|e| MotionError::Track(vivant::motion::TrackError::Media(e)))?;
            let mut means = Vec::new();
            for i in 0..clip.motion.len() {
                let f = video
                    .frame(i as u64)
                    .map_err(|e| MotionError::Track(vivant::motion::TrackError::Media(e)))?;
                // Brightness alone barely changes over the clip: the frame's place makes
                // every entry different.
                means.push((mean(&f.image) / 8.0 + 3.0 * (i % 60) as f64).round() as u8);
            }
            Ok(Some(Analysed {
                track: Arc::new(Means(means)),
                notes: Vec::new(),
            }))
        }
        fn prepare(
            &self,
            sources: Vec<SourceFace>,
            _: &Transfer,
        ) -> Result<Box<dyn Engine>, RenderError> {
            let s = &sources[0];
            Ok(Box::new(Flat {
                size: s.image.dimensions(),
                face: s.landmarks68,
            }))
        }
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clip = root.join("tests/fixtures/webcam_2s.mp4");
    let (_, lm) = portrait();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("flat.mp4");
    let mut job = RenderJob::new(
        root.join("tests/fixtures/astronaut.png"),
        clip.clone(),
        out.clone(),
    );
    job.landmarks = vec![Some(lm)];
    job.sound = Soundtrack::None;
    job.settings.preset = "ultrafast".into();
    job.settings.crf = 0;
    job.settings.credentials = false;
    job.cache_dir = Some(dir.path().join("cache"));
    job.kind = Some(Arc::new(FlatKind));
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let report = render(
        &a,
        &job,
        &std::sync::atomic::AtomicBool::new(false),
        &|_| {},
    )
    .expect("render");
    let mut driving = VideoSource::open(&clip).expect("clip");
    let mut video = VideoSource::open(&out).expect("video");
    assert_eq!(
        report.frames,
        driving.frame_times().expect("times").len() as u64
    );
    for k in 0..report.frames {
        let seen = mean(&driving.frame(k).expect("driving frame").image);
        let want = (seen / 8.0 + 3.0 * (k % 60) as f64).round();
        let got = mean(&video.frame(k).expect("frame").image);
        assert!((got - want).abs() < 1.5, "frame {k}: {got} for {want}");
    }
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format_tags=comment",
            "-of",
            "csv=p=0",
        ])
        .arg(&out)
        .output()
        .expect("ffprobe");
    let comment = String::from_utf8_lossy(&probe.stdout);
    assert!(comment.contains("(flat engine)"), "{comment}");
}

/// The man's face in frame `i` of the bundled 53-s webcam clip.
fn webcam_face(a: &Analyzer, i: usize) -> Face68 {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webcam_man_400x300.mp4");
    let mut v = vivant::media::VideoSource::open(&path).expect("clip");
    let f = v.frame(i as u64).expect("frame");
    a.analyze(&f.image)
        .expect("analyze")
        .first()
        .expect("a face")
        .landmarks68
}

/// Frame 420 of the clip (an open "o") driving four portraits, from the man's frame at rest
/// (1112), at mouth strengths 0.5 to 2 in both modes: the mouth the warp draws (after its fold
/// guard) opens further at each step, as far as asked, and the head's fixed points go where
/// the head does. Before, a doubled lower lip met a chin left behind, the mesh folded and the
/// guard shut Grace Hopper's mouth to a slit in absolute mode (0.05 eye distances asked 0.55),
/// and on the Mona Lisa a doubled upper lip folded into the nose and the guard held the nose
/// 16 px behind the moving head.
#[test]
fn mouth_strength_opens_the_mouth_steadily() {
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let (rest, open) = (webcam_face(&a, 1112), webcam_face(&a, 420));
    for name in [
        "assets/mona_lisa.jpg",
        "tests/fixtures/tanguy.png",
        "tests/fixtures/astronaut.png",
        "tests/fixtures/grace_hopper.jpg",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        let img = image::open(path).expect("image").to_rgb8();
        let faces = a.analyze(&img).expect("analyze");
        let lm = faces.first().expect("a face").landmarks68;
        let eye = lm.eye_distance();
        let warp = MeshWarp::new(img, &lm);
        for mode in [Mode::Relative, Mode::Absolute] {
            let mut last = 0.0f32;
            for mouth in [0.5f32, 1.0, 1.5, 2.0] {
                let strengths = Strengths {
                    mouth,
                    ..Strengths::default()
                };
                let asked = Retargeter::new(&lm, &rest, mode, strengths).target(&open);
                let drawn = warp.mesh(&asked).moved;
                let gap = |p: &[[f32; 2]]| (p[66][1] - p[62][1]) / eye;
                let (want, got) = (gap(&asked[..]), gap(&drawn));
                let what = format!("{name}, {mode:?}, mouth {mouth}");
                assert!(
                    (got - want).abs() < 0.05 * want,
                    "{what}: asked {want:.3}, drawn {got:.3}"
                );
                assert!(got > last + 0.05, "{what}: {got:.3} after {last:.3}");
                last = got;
                for i in parts::HEAD {
                    let off = ((drawn[i][0] - asked[i][0]).powi(2)
                        + (drawn[i][1] - asked[i][1]).powi(2))
                    .sqrt();
                    assert!(off < 0.03 * eye, "{what}: point {i} held {off:.1} px back");
                }
            }
        }
    }
}

/// A band along the picture's frame never moves, whatever the head does (a print's border
/// line stays straight): photos and a painting, the head turned 8° and moved by a tenth of
/// its eye distance, the mouth opened. Where the head comes within a tenth of the picture of
/// the frame, the band gives way there only.
#[test]
fn a_band_along_the_frame_stays_still_as_the_head_moves() {
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    for name in ["astronaut.png", "tanguy.png", "grace_hopper.jpg"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let img = image::open(path).expect("image").to_rgb8();
        let lm = a.analyze(&img).expect("analyze")[0].landmarks68;
        let eyes = vivant::geometry::dist(lm[36], lm[45]);
        let (s, c) = 8f32.to_radians().sin_cos();
        let nose = lm[30];
        let mut target = lm.map(|p| {
            let (dx, dy) = (p[0] - nose[0], p[1] - nose[1]);
            [
                nose[0] + c * dx - s * dy + 0.1 * eyes,
                nose[1] + s * dx + c * dy + 0.05 * eyes,
            ]
        });
        for i in [56, 57, 58, 65, 66, 67] {
            target[i][1] += 0.25 * eyes;
        }
        let out = MeshWarp::new(img.clone(), &lm).render(&target);
        // The head: the face's points, the forehead and hair above the brows up to 0.6 of
        // the brow-to-chin height, a little to each side.
        let brows = vivant::geometry::mean(&lm.pick(&parts::BROW_ARCH));
        let tall = vivant::geometry::dist(brows, lm[parts::CHIN]);
        let head = lm
            .iter()
            .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            });
        let head = [
            head[0] - 0.3 * eyes,
            head[1] - 0.6 * tall,
            head[2] + 0.3 * eyes,
            head[3],
        ];
        let (w, h) = img.dimensions();
        let band = (0.04 * w.min(h) as f32) as u32;
        let mut moved = 0;
        let mut counted = 0;
        for y in 0..h {
            for x in 0..w {
                if x >= band && y >= band && x < w - band && y < h - band {
                    continue;
                }
                // Only away from the head: the band gives way where the frame cuts the face or
                // the hair above it (the head's own motion carries them).
                let (x, y) = (x as f32, y as f32);
                let near = 0.1 * w.min(h) as f32;
                if x > head[0] - near
                    && x < head[2] + near
                    && y > head[1] - near
                    && y < head[3] + near
                {
                    continue;
                }
                let (x, y) = (x as u32, y as u32);
                counted += 1;
                let (p, q) = (out.get_pixel(x, y), img.get_pixel(x, y));
                if (0..3).any(|c| (p[c] as i32 - q[c] as i32).abs() > 1) {
                    moved += 1;
                }
            }
        }
        eprintln!("{name}: {moved} of {counted} band pixels changed");
        assert!(
            counted > 0 && moved == 0,
            "{name}: {moved} of {counted} band pixels changed"
        );
    }
}

/// A blink closes both eyes together on a three-quarter portrait (the far eye is narrower in
/// the picture, and closes by its own height): the Mona Lisa and the other portraits, lids
/// closed as a voice's blink asks, each eye's opening in the drawn mesh at most a quarter of
/// its own at rest.
#[test]
fn a_blink_closes_both_eyes_on_any_portrait() {
    use vivant::motion::expression::{Expression, express};
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let mona = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mona_lisa.jpg");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for path in [
        mona,
        fixtures.join("tanguy.png"),
        fixtures.join("grace_hopper.jpg"),
    ] {
        let img = image::open(&path).expect("image").to_rgb8();
        let lm = a.analyze(&img).expect("analyze")[0].landmarks68;
        let shut = express(
            &lm,
            &Expression {
                blink: 1.0,
                ..Default::default()
            },
        );
        let warp = MeshWarp::new(img, &lm);
        let mesh = warp.mesh(&shut);
        let opening = |p: &[[f32; 2]], (u, d): (usize, usize)| vivant::geometry::dist(p[u], p[d]);
        for (eye, pairs) in [
            ("right", [(37, 41), (38, 40)]),
            ("left", [(43, 47), (44, 46)]),
        ] {
            let rest: f32 = pairs.iter().map(|&q| opening(&lm, q)).sum();
            let drawn: f32 = pairs.iter().map(|&q| opening(&mesh.moved, q)).sum();
            eprintln!(
                "{}: {eye} eye {rest:.1} px open at rest, {drawn:.1} px blinking",
                path.display()
            );
            assert!(
                drawn <= 0.25 * rest,
                "{}: the {eye} eye stays open ({drawn:.1} of {rest:.1} px)",
                path.display()
            );
        }
    }
}

/// Whether `p` lies inside the closed polygon `poly` (even-odd).
fn inside(poly: &[[f32; 2]], p: [f32; 2]) -> bool {
    let mut odd = false;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
        {
            odd = !odd;
        }
    }
    odd
}

/// The pixels inside the inner lip line of `face`.
fn mouth_inside(face: &Face68, size: (u32, u32)) -> Vec<(u32, u32)> {
    within(face.part(parts::INNER_LIPS), size)
}

/// The pixels inside the polygon `poly`.
fn within(poly: &[[f32; 2]], size: (u32, u32)) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for y in 0..size.1 {
        for x in 0..size.0 {
            if inside(poly, [x as f32 + 0.5, y as f32 + 0.5]) {
                out.push((x, y));
            }
        }
    }
    out
}

fn luma_of(p: &image::Rgb<u8>) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// A voice opening the Mona Lisa's mouth: with real mouths (the default) the inside is one of
/// the bundled mouths, not the painted one, in her palette (no webcam pinks or lavender: no
/// bluer than her own skin and lips), and nothing else in the picture differs from the
/// painted render.
#[test]
fn a_voice_opens_a_real_mouth_in_the_portraits_colours() {
    use vivant::render::FaceControls;
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let (img, lm) = mona_lisa(&a);
    let eye = lm.eye_distance();
    let mut open = lm;
    for i in (5..=11).chain(55..=59).chain(65..=67) {
        open[i][1] += 0.18 * eye;
    }
    let render = |voice_mouth: bool| {
        let mut engine = warp_engine(&img, lm, None, voice_mouth);
        let drive = Drive {
            face: open,
            track: None,
            controls: Some(FaceControls {
                eyes: None,
                lips: 0.3,
                head: [0.0; 3],
            }),
        };
        engine.render(&drive).expect("render").image
    };
    let (real, painted) = (render(true), render(false));
    // With each source its own reference, the face lands where the drive puts it.
    let pixels = mouth_inside(&open, real.dimensions());
    assert!(pixels.len() > 100, "{} pixels inside", pixels.len());
    let differs = pixels
        .iter()
        .map(|&(x, y)| {
            let (p, q) = (real.get_pixel(x, y), painted.get_pixel(x, y));
            (0..3)
                .map(|k| (p[k] as f32 - q[k] as f32).abs())
                .sum::<f32>()
                / 3.0
        })
        .sum::<f32>()
        / pixels.len() as f32;
    eprintln!(
        "inside: {} pixels, real vs painted {differs:.1} levels",
        pixels.len()
    );
    assert!(
        differs > 8.0,
        "the inside is the painted one ({differs:.1})"
    );
    // Outside a box around the opening, a quarter of the eye distance wide, the two agree.
    let poly = open.part(parts::INNER_LIPS);
    let margin = 0.25 * eye;
    let (x0, x1) = (
        poly.iter().map(|p| p[0]).fold(f32::MAX, f32::min) - margin,
        poly.iter().map(|p| p[0]).fold(f32::MIN, f32::max) + margin,
    );
    let (y0, y1) = (
        poly.iter().map(|p| p[1]).fold(f32::MAX, f32::min) - margin,
        poly.iter().map(|p| p[1]).fold(f32::MIN, f32::max) + margin,
    );
    let mut changed = 0;
    for (x, y, p) in real.enumerate_pixels() {
        let (fx, fy) = (x as f32, y as f32);
        if (fx < x0 || fx > x1 || fy < y0 || fy > y1) && p != painted.get_pixel(x, y) {
            changed += 1;
        }
    }
    assert_eq!(changed, 0, "pixels changed away from the mouth");
    // The palette: the inside's mean colour no bluer (for its brightness) than the portrait's
    // own skin and lips, sampled where the mouth interior takes them from.
    let tint_b = |c: [f32; 3]| c[2] / (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]).max(1.0);
    let mean_at = |pts: &[[f32; 2]], from: &RgbImage| {
        let mut s = [0.0f32; 3];
        for p in pts {
            let q = from.get_pixel(p[0] as u32, p[1] as u32);
            for k in 0..3 {
                s[k] += q[k] as f32 / pts.len() as f32;
            }
        }
        s
    };
    let lips: Vec<[f32; 2]> = [(50, 61), (51, 62), (52, 63), (58, 67), (57, 66), (56, 65)]
        .iter()
        .map(|&(o, i)| [(lm[o][0] + lm[i][0]) / 2.0, (lm[o][1] + lm[i][1]) / 2.0])
        .collect();
    let cheeks: Vec<[f32; 2]> = [(1, 31, 40), (15, 35, 47)]
        .iter()
        .map(|&(a, b, c)| {
            [
                (lm[a][0] + lm[b][0] + lm[c][0]) / 3.0,
                (lm[a][1] + lm[b][1] + lm[c][1]) / 3.0,
            ]
        })
        .collect();
    let own = tint_b(mean_at(&lips, &img)).max(tint_b(mean_at(&cheeks, &img)));
    let inside_pts: Vec<[f32; 2]> = pixels.iter().map(|&(x, y)| [x as f32, y as f32]).collect();
    let drawn = tint_b(mean_at(&inside_pts, &real));
    eprintln!("blue for brightness: inside {drawn:.3}, her skin and lips at most {own:.3}");
    assert!(drawn < own + 0.08, "inside {drawn:.3} vs hers {own:.3}");
    // Not a flat fill: teeth and shadow.
    let lumas: Vec<f32> = pixels
        .iter()
        .map(|&(x, y)| luma_of(real.get_pixel(x, y)))
        .collect();
    let (lo, hi) = (
        lumas.iter().cloned().fold(f32::MAX, f32::min),
        lumas.iter().cloned().fold(f32::MIN, f32::max),
    );
    assert!(hi - lo > 60.0, "inside luma {lo:.0}–{hi:.0}");
    // Its corners, beyond the real mouth's own opening, are shadow: no painted teeth left
    // there to read as fangs (the outer fifth of the opening on each side, its upper half).
    let (l, r) = (open[60], open[64]);
    let along = |p: [f32; 2]| {
        let d = [r[0] - l[0], r[1] - l[1]];
        ((p[0] - l[0]) * d[0] + (p[1] - l[1]) * d[1]) / (d[0] * d[0] + d[1] * d[1])
    };
    let top = (open[61][1] + open[62][1] + open[63][1]) / 3.0;
    let bottom = (open[65][1] + open[66][1] + open[67][1]) / 3.0;
    let corners: Vec<f32> = pixels
        .iter()
        .filter(|&&(x, y)| {
            let u = along([x as f32 + 0.5, y as f32 + 0.5]);
            (!(0.2..=0.8).contains(&u)) && (y as f32) < (top + bottom) / 2.0
        })
        .map(|&(x, y)| luma_of(real.get_pixel(x, y)))
        .collect();
    let skin = 0.299 * mean_at(&cheeks, &img)[0]
        + 0.587 * mean_at(&cheeks, &img)[1]
        + 0.114 * mean_at(&cheeks, &img)[2];
    let brightest = corners.iter().cloned().fold(0.0, f32::max);
    eprintln!(
        "corners: {} pixels, brightest {brightest:.0}; her skin {skin:.0}",
        corners.len()
    );
    // Painted teeth there came to 142 on her (skin 216); shadow is under half the skin's.
    assert!(
        corners.len() > 10 && brightest < 0.5 * skin,
        "{brightest:.0} vs skin {skin:.0}"
    );
}

/// The bundled mouths span the openings of speech, each a real mouth (teeth or tongue against
/// shadow, not a flat patch), and a wider opening takes a mouth at least as open.
#[test]
fn voice_mouths_follow_the_opening() {
    use vivant::render::mouth::Visemes;
    let set = Visemes::bundled().expect("the bundled mouths");
    assert!(set.len() >= 8, "{} mouths", set.len());
    let openings: Vec<f32> = set.mouths().iter().map(|v| v.opening).collect();
    let (lo, hi) = (
        openings.iter().cloned().fold(f32::MAX, f32::min),
        openings.iter().cloned().fold(f32::MIN, f32::max),
    );
    assert!(lo < 0.1 && hi > 0.2, "openings {lo:.3}–{hi:.3}");
    for v in set.mouths() {
        let l: Vec<f32> = v
            .frame
            .patch
            .chunks(3)
            .map(|c| 0.299 * c[0] as f32 + 0.587 * c[1] as f32 + 0.114 * c[2] as f32)
            .collect();
        let (a, b) = (
            l.iter().cloned().fold(f32::MAX, f32::min),
            l.iter().cloned().fold(f32::MIN, f32::max),
        );
        assert!(b - a > 60.0, "a flat mouth: {a:.0}–{b:.0}");
    }
    let (_, lm) = portrait();
    let eye = lm.eye_distance();
    let mut last = 0.0f32;
    for step in 0..8 {
        let mut open = lm;
        for i in (5..=11).chain(55..=59).chain(65..=67) {
            open[i][1] += 0.05 * step as f32 * eye;
        }
        let chosen = set.choose(&lm, &open).expect("a mouth").opening;
        assert!(chosen >= last, "step {step}: {chosen:.3} after {last:.3}");
        last = chosen;
    }
    assert!(
        last >= hi - 1e-6,
        "the widest opening took {last:.3}, not {hi:.3}"
    );
}

/// Two frames of the webcam clip as few-shot sources, the mouth shut in one (frame 0) and open
/// in the other (frame 13). Drawing the shut one opened as in frame 13, the inside comes from
/// the man's own open mouth: nearer the real frame 13 there than the bundled mouths or the
/// painted inside.
#[test]
fn a_source_showing_its_mouth_open_gives_its_own_mouth() {
    use vivant::render::mouth::Visemes;
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webcam_2s.mp4");
    let mut clip = vivant::media::VideoSource::open(&path).expect("clip");
    let mut face_at = |i: u64| {
        let image = clip.frame(i).expect("frame").image;
        let lm = a.analyze(&image).expect("analyze")[0].landmarks68;
        SourceFace {
            image,
            landmarks68: lm,
            keep_still: None,
        }
    };
    let (shut, open) = (face_at(0), face_at(13));
    let set = Visemes::for_sources(&[shut.clone(), open.clone()]).expect("mouths");
    let chosen = set
        .choose(&shut.landmarks68, &open.landmarks68)
        .expect("a mouth");
    assert!(chosen.own, "the bundled mouth was chosen over his own");
    let warp = MeshWarp::new(shut.image.clone(), &shut.landmarks68);
    let target = open.landmarks68;
    let mouth = set.mouth(&shut.landmarks68, &target).expect("a mouth");
    let own = warp.render_driven(&target, Some(mouth.driver()));
    let bundled_set = Visemes::bundled().expect("bundled");
    let mouth = bundled_set
        .mouth(&shut.landmarks68, &target)
        .expect("a mouth");
    let bundled = warp.render_driven(&target, Some(mouth.driver()));
    let painted = warp.render(&target);
    let pixels = mouth_inside(&target, open.image.dimensions());
    let error = |img: &RgbImage| {
        pixels
            .iter()
            .map(|&(x, y)| {
                let (p, q) = (img.get_pixel(x, y), open.image.get_pixel(x, y));
                (0..3)
                    .map(|k| (p[k] as f32 - q[k] as f32).abs())
                    .sum::<f32>()
                    / 3.0
            })
            .sum::<f32>()
            / pixels.len().max(1) as f32
    };
    let (e_own, e_bundled, e_painted) = (error(&own), error(&bundled), error(&painted));
    eprintln!(
        "{} pixels: own {e_own:.1}, bundled {e_bundled:.1}, painted {e_painted:.1}",
        pixels.len()
    );
    assert!(pixels.len() > 20);
    assert!(e_own < e_painted && e_own < e_bundled);
}

/// The Mona Lisa's lips opened a little further each step (0.01 eye distances), as a voice
/// opens them over a few frames: the real mouth inside changes by steps no larger than half as
/// much again as the painted inside's own (which fades in and grows), with no jump from one
/// mouth to another: the two nearest are cross-faded. Laid in one at a time the largest step
/// was 67 levels against the painted 19; cross-faded, 29.
#[test]
fn a_voice_mouth_changes_smoothly_as_the_lips_open() {
    use vivant::render::mouth::Visemes;
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let (img, lm) = mona_lisa(&a);
    let eye = lm.eye_distance();
    let warp = MeshWarp::new(img.clone(), &lm);
    let set = Visemes::bundled().expect("the bundled mouths");
    let (steps, reach) = (36, 0.36);
    let largest_step = |real: bool| {
        let frames: Vec<(Face68, RgbImage)> = (0..=steps)
            .map(|k| {
                let mut open = lm;
                for i in (5..=11).chain(55..=59).chain(65..=67) {
                    open[i][1] += reach * k as f32 / steps as f32 * eye;
                }
                let mouth = set.mouth(&lm, &open).filter(|_| real);
                let image = warp.render_driven(&open, mouth.as_ref().map(|m| m.driver()));
                (open, image)
            })
            .collect();
        let mut jumps = Vec::new();
        for pair in frames.windows(2) {
            let ((f0, i0), (f1, i1)) = (&pair[0], &pair[1]);
            let later = mouth_inside(f1, img.dimensions());
            let mut inner = mouth_inside(f0, img.dimensions());
            inner.retain(|p| later.contains(p));
            if inner.len() < 50 {
                continue;
            }
            let d = inner
                .iter()
                .map(|&(x, y)| (luma_of(i0.get_pixel(x, y)) - luma_of(i1.get_pixel(x, y))).abs())
                .sum::<f32>()
                / inner.len() as f32;
            jumps.push(d);
        }
        eprintln!("{}: {:.1?}", if real { "real" } else { "painted" }, jumps);
        assert!(jumps.len() > 20, "{} steps with an opening", jumps.len());
        jumps.iter().cloned().fold(0.0, f32::max)
    };
    let (real, painted) = (largest_step(true), largest_step(false));
    assert!(
        real < 1.6 * painted,
        "a jump of {real:.1} levels inside the mouth (painted: {painted:.1})"
    );
}

/// Grace Hopper's eyes opened 80 % wider than in her photograph (the upper lids raised, the
/// lower ones lowered a little), as a wide-eyed driver opens them: the eye is not stretched.
/// Her catch lights stay as small as they are (the warp alone drew them 1.6 times as large),
/// and where her lids showed the eye, the opened eye shows the same pixels at the same place
/// in the eye's own frame. What the lids hid is her eye's own rim spread, the iris round.
#[test]
fn an_eye_opened_wider_keeps_its_iris_and_catch_lights() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/grace_hopper.jpg");
    let img = image::open(path).expect("jpg").to_rgb8();
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let lm = a.analyze(&img).expect("analyze")[0].landmarks68;
    let mut wide = lm;
    for (u, d) in parts::LIDS {
        let gap = lm[d][1] - lm[u][1];
        wide[u][1] -= 0.64 * gap;
        wide[d][1] += 0.16 * gap;
    }
    let filled = MeshWarp::new(img.clone(), &lm).render(&wide);
    let stretched = MeshWarp::new(img.clone(), &lm)
        .with_eye_fill(false)
        .render(&wide);
    let bright = |from: &RgbImage, face: &Face68| {
        [parts::RIGHT_EYE, parts::LEFT_EYE]
            .into_iter()
            .flat_map(|eye| within(face.part(eye), from.dimensions()))
            .filter(|&(x, y)| luma_of(from.get_pixel(x, y)) > 170.0)
            .count()
    };
    let (before, now, warp_alone) = (
        bright(&img, &lm),
        bright(&filled, &wide),
        bright(&stretched, &wide),
    );
    eprintln!("catch-light pixels: photograph {before}, filled {now}, warp alone {warp_alone}");
    assert!(before >= 4, "{before} bright pixels in her eyes");
    assert!(
        (now as f32) <= 1.3 * before as f32,
        "catch lights grew from {before} to {now} pixels"
    );
    // Where her lids showed the eye (less a pixel at each lid), the opened eye is the same
    // picture in the eye's frame: here the corners stay, so the same pixels.
    let shown: Vec<(u32, u32)> = [parts::RIGHT_EYE, parts::LEFT_EYE]
        .into_iter()
        .flat_map(|eye| {
            let poly = lm.part(eye);
            let c = [
                poly.iter().map(|p| p[0]).sum::<f32>() / 6.0,
                poly.iter().map(|p| p[1]).sum::<f32>() / 6.0,
            ];
            let shrunk: Vec<[f32; 2]> = poly
                .iter()
                .map(|p| [c[0] + 0.7 * (p[0] - c[0]), c[1] + 0.6 * (p[1] - c[1])])
                .collect();
            within(&shrunk, img.dimensions())
        })
        .collect();
    let differs = |out: &RgbImage| {
        shown
            .iter()
            .map(|&(x, y)| (luma_of(out.get_pixel(x, y)) - luma_of(img.get_pixel(x, y))).abs())
            .sum::<f32>()
            / shown.len().max(1) as f32
    };
    let (kept, moved) = (differs(&filled), differs(&stretched));
    eprintln!(
        "{} pixels her lids showed: {kept:.1} levels from the photograph filled, {moved:.1} by the warp alone",
        shown.len()
    );
    assert!(shown.len() > 20);
    assert!(kept < 6.0 && kept < 0.5 * moved, "{kept:.1} vs {moved:.1}");
}

/// A stroke painted across the astronaut's face to keep it still, the head then moved: every
/// pixel under the stroke is the portrait's own, every pixel beyond it is the warp's as
/// without the mask (the face moves there), and the warp alone had moved most of those under
/// it.
#[test]
fn what_is_kept_still_stays_as_the_portrait_is() {
    use std::sync::Arc;
    use vivant::render::{StillMask, StillStroke};
    let (img, lm) = portrait();
    let (w, h) = img.dimensions();
    let mask = StillMask::from_strokes(
        w,
        h,
        &[StillStroke {
            points: vec![lm[0], lm[30], lm[16]],
            radius: 10.0,
            erase: false,
        }],
    )
    .expect("painted");
    let moved = lm.map(|p| [p[0] + 9.0, p[1] - 5.0]);
    let free = MeshWarp::new(img.clone(), &lm).render(&moved);
    let kept = MeshWarp::new(img.clone(), &lm)
        .with_keep_still(Some(Arc::new(mask.clone())))
        .render(&moved);
    let (under, moved_under) = common::check_kept_still(&kept, &free, &img, &mask);
    eprintln!("{under} pixels kept still; the warp alone moved {moved_under} of them");
    assert!(under > 2000 && moved_under * 2 > under);
}

/// The webcam clip's frame `i` and the man's face in it.
fn webcam_frame(a: &Analyzer, i: usize) -> (RgbImage, Face68) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webcam_man_400x300.mp4");
    let mut v = vivant::media::VideoSource::open(&path).expect("clip");
    let f = v.frame(i as u64).expect("frame");
    let face = a
        .analyze(&f.image)
        .expect("analyze")
        .first()
        .expect("a face")
        .landmarks68;
    (f.image, face)
}

/// A crease drawn on the driver's forehead (the webcam's frame at rest, darkened by a quarter
/// along a line above his brows) lands on the Mona Lisa's forehead at the same place of her
/// face, through the warp engine's own drawing: her forehead darkens along that line and
/// nowhere else, in proportion to the strength; the frame at rest against itself lays nothing
/// on. Where her forehead is hair instead (a fringe painted over part of the line), nothing
/// changes: the details go on skin only.
#[test]
fn a_drivers_crease_lands_on_the_portraits_skin() {
    use std::sync::Arc;
    use vivant::motion::details::{DetailFrame, DetailGeometry};
    use vivant::render::details::AtRest;
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let (rest_img, rest) = webcam_frame(&a, 1112);
    let (creased, _) = common::with_crease(&rest_img, &rest, 0.12, 0.25);
    let geometry = Arc::new(DetailGeometry::of(&rest));
    let at_rest = AtRest::new(&DetailFrame::of(&rest_img, &rest, geometry.clone())).expect("found");
    let same = at_rest
        .layer(&DetailFrame::of(&rest_img, &rest, geometry.clone()))
        .expect("found");
    assert!(
        same.is_empty(),
        "the frame at rest against itself: {}",
        same.strongest()
    );
    let now = DetailFrame::of(&creased, &rest, geometry.clone());
    let crease = at_rest.layer(&now).expect("found");
    eprintln!("the crease's strongest change: {:.3}", crease.strongest());

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mona_lisa.jpg");
    let mut mona = image::open(path).expect("image").to_rgb8();
    let lm = a
        .analyze(&mona)
        .expect("analyze")
        .first()
        .expect("a face")
        .landmarks68;
    let eye = lm.eye_distance();
    let line = common::crease_line(&lm, 0.12);
    // A fringe: her hair's colour (beside her cheek, outside the jaw's line) painted over the
    // line's left third.
    let hair_at = [lm[2][0] - 0.25 * eye, lm[2][1]];
    let hair = *mona.get_pixel(hair_at[0] as u32, hair_at[1] as u32);
    let luma = |p: &image::Rgb<u8>| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
    let along = |t: f32| {
        [
            line[0][0] + t * (line[1][0] - line[0][0]),
            line[0][1] + t * (line[1][1] - line[0][1]),
        ]
    };
    let fringe = |p: [f32; 2]| {
        let (l, r) = (along(0.0)[0] - 0.1 * eye, along(0.33)[0]);
        let y = along(0.165)[1];
        p[0] >= l && p[0] <= r && (p[1] - y).abs() <= 0.12 * eye
    };
    for (x, y, p) in mona.enumerate_pixels_mut() {
        if fringe([x as f32 + 0.5, y as f32 + 0.5]) {
            *p = hair;
        }
    }
    let draw = |strength: f32| {
        MeshWarp::new(mona.clone(), &lm)
            .with_details(strength)
            .render_detailed(&lm, None, Some(&crease))
    };
    let plain = MeshWarp::new(mona.clone(), &lm).render_detailed(&lm, None, None);
    let (one, two, none) = (draw(1.0), draw(2.0), draw(0.0));
    assert_eq!(none, plain, "strength 0 lays nothing on");
    // Her skin along the line (its middle, clear of the fringe), and a band a tenth of an eye
    // distance above and below it.
    // At each point, the darkest within a twentieth of an eye distance across (her face's
    // layout is the driver's, not a ruler's: the line may lie a pixel off).
    let ratio = |img: &RgbImage, shift: f32| {
        let ts: Vec<f32> = (0..20).map(|k| 0.45 + 0.35 * k as f32 / 19.0).collect();
        let reach = (0.05 * eye).ceil() as i32;
        let mut r = 0.0;
        for &t in &ts {
            let p = along(t);
            r += (-reach..=reach)
                .map(|d| {
                    let (x, y) = (p[0] as u32, (p[1] + shift * eye) as i32 + d);
                    luma(img.get_pixel(x, y as u32)) / luma(plain.get_pixel(x, y as u32)).max(1.0)
                })
                .fold(f32::MAX, f32::min);
        }
        r / ts.len() as f32
    };
    let (on, above, below, on2) = (
        ratio(&one, 0.0),
        ratio(&one, -0.15),
        ratio(&one, 0.15),
        ratio(&two, 0.0),
    );
    eprintln!(
        "her forehead: on the line {on:.3} (strength 2: {on2:.3}), above {above:.3}, below {below:.3}"
    );
    assert!(on < 0.93, "the line darkened to {on:.3} of her skin");
    assert!(on2 < on - 0.03, "strength 2 gives {on2:.3} against {on:.3}");
    for (what, r) in [("above", above), ("below", below)] {
        assert!((r - 1.0).abs() < 0.02, "{what} the line: {r:.3}");
    }
    // Under the fringe (its pixels of her hair's colour), nothing changed.
    let mut under = 0;
    for (x, y, p) in one.enumerate_pixels() {
        if fringe([x as f32 + 0.5, y as f32 + 0.5]) && *mona.get_pixel(x, y) == hair {
            under += 1;
            assert_eq!(p, plain.get_pixel(x, y), "({x}, {y}) under the fringe");
        }
    }
    assert!(under > 100, "{under} pixels of fringe");
    // Away from the face (below the chin, beyond the cheeks) the picture is untouched.
    for (x, y, p) in one.enumerate_pixels() {
        let q = [x as f32, y as f32];
        if q[1] > lm[8][1] + 0.2 * eye
            || q[0] < lm[0][0] - 0.2 * eye
            || q[0] > lm[16][0] + 0.2 * eye
        {
            assert_eq!(p, plain.get_pixel(x, y), "({x}, {y}) away from the face");
        }
    }
}
