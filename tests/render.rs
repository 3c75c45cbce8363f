//! The warp engine on a real portrait: the source's own landmarks give the source back, a
//! moved face moves and the border stays, extreme targets neither fold nor tear, an opened
//! mouth gets a dark interior with teeth, and output keeps the source's resolution. And the
//! pipeline around any engine, with a stand-in engine.

use std::path::Path;

use candle_core::Device;
use image::RgbImage;
use vivant::face::Analyzer;
use vivant::geometry::Face68;
use vivant::models::ModelSource;
use vivant::motion::{Mode, Strengths};
use vivant::render::{Drive, EngineOptions, MeshWarp, SourceFace, Transfer};

fn portrait() -> (RgbImage, Face68) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/astronaut.png");
    let img = image::open(path).expect("png").to_rgb8();
    let a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    let faces = a.analyze(&img).expect("analyze");
    let lm = faces.first().expect("a face").landmarks68;
    (img, lm)
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
    let mut engine = vivant::render::prepare(
        vec![SourceFace {
            image: img.clone(),
            landmarks68: lm,
        }],
        &Transfer {
            mode: Mode::Relative,
            strengths: Strengths::default(),
            reference: Some(lm),
            reference_motion: None,
        },
        &EngineOptions::default(),
    )
    .expect("warp engine");
    assert_eq!((engine.name(), engine.sources()), ("warp", 1));
    assert_eq!(engine.size(0), img.dimensions());
    let drawn = engine
        .render(&Drive {
            face: lm,
            motion: None,
            controls: None,
        })
        .expect("render");
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

/// The pipeline around any engine, through the seam tests use: a stand-in engine that paints
/// each frame one flat grey, a step lighter per frame, shows that a voice render asks for its
/// frames in order, once each, with the voice's face controls and the portrait's own face as
/// the reference, and that the MP4 holds those frames in that order with the sound as long.
#[test]
fn the_pipeline_draws_every_frame_in_order_through_any_engine() {
    use std::sync::{Arc, Mutex};
    use vivant::pipeline::{RenderJob, render};
    use vivant::render::{CustomEngine, Engine, RenderError, Rendered};

    struct Greys {
        size: (u32, u32),
        face: Face68,
        drawn: Arc<Mutex<Vec<bool>>>,
    }
    impl Engine for Greys {
        fn name(&self) -> &'static str {
            "greys"
        }
        fn sources(&self) -> usize {
            1
        }
        fn size(&self, _: usize) -> (u32, u32) {
            self.size
        }
        fn source_face(&self, _: usize) -> &Face68 {
            &self.face
        }
        fn render(&mut self, drive: &Drive) -> Result<Rendered, RenderError> {
            let mut drawn = self.drawn.lock().expect("lock");
            drawn.push(drive.controls.is_some() && drive.motion.is_none());
            let level = (16 + 4 * drawn.len()) as u8;
            Ok(Rendered {
                image: RgbImage::from_pixel(self.size.0, self.size.1, image::Rgb([level; 3])),
                source: 0,
            })
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
    let seen = drawn.clone();
    let reference = Arc::new(Mutex::new(None));
    let got_reference = reference.clone();
    job.custom_engine = Some(CustomEngine(Arc::new(move |sources, transfer| {
        *got_reference.lock().expect("lock") = transfer.reference;
        let s = &sources[0];
        Ok(Box::new(Greys {
            size: s.image.dimensions(),
            face: s.landmarks68,
            drawn: seen.clone(),
        }) as Box<dyn Engine>)
    })));
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
