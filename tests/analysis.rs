//! Face analysis on real photos and paintings: what the Analyzer finds and how well.

use candle_core::Device;
use image::{Rgb, RgbImage};
use vivant::face::crop::{Affine, warp_rgb};
use vivant::face::landmarks68::Crop;
use vivant::face::{Analyzer, Face};
use vivant::media::load_image;
use vivant::models::ModelSource;

fn path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(rel: &str) -> RgbImage {
    load_image(path(rel)).expect("image").rgb8()
}

fn analyzer() -> Analyzer {
    Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer")
}

fn iod(points: &[[f32; 2]]) -> f32 {
    let (r, l) = Face::eye_centres(&vivant::geometry::Face68::try_from(points).expect("68 points"));
    ((l[0] - r[0]).powi(2) + (l[1] - r[1]).powi(2)).sqrt()
}

fn nme(a: &[[f32; 2]], truth: &[[f32; 2]]) -> f32 {
    a.iter()
        .zip(truth)
        .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt())
        .sum::<f32>()
        / a.len() as f32
        / iod(truth)
}

fn mean(points: &[[f32; 2]], r: std::ops::Range<usize>) -> [f32; 2] {
    let n = r.len() as f32;
    let s = r.fold([0.0, 0.0], |s, i| {
        [s[0] + points[i][0], s[1] + points[i][1]]
    });
    [s[0] / n, s[1] / n]
}

/// Anatomy that any correct result has on an upright face.
fn assert_plausible(name: &str, f: &Face) {
    assert_eq!(f.landmarks68.len(), 68, "{name}");
    assert_eq!(f.mesh468.len(), 468, "{name}");
    let lm = &f.landmarks68;
    let (r_eye, l_eye) = Face::eye_centres(lm);
    let nose = lm[30];
    let mouth = mean(lm, 48..68);
    let chin = lm[8];
    assert!(
        r_eye[0] < nose[0] && nose[0] < l_eye[0],
        "{name}: nose between the eyes"
    );
    assert!(
        r_eye[1] < nose[1] && l_eye[1] < nose[1],
        "{name}: eyes above the nose"
    );
    assert!(
        nose[1] < mouth[1] && mouth[1] < chin[1],
        "{name}: nose, mouth, chin downwards"
    );
    let [x, y, w, h] = f.bbox;
    for p in lm {
        assert!(
            p[0] > x - 0.3 * w && p[0] < x + 1.3 * w && p[1] > y - 0.3 * h && p[1] < y + 1.3 * h,
            "{name}: landmark {p:?} far outside the box {:?}",
            f.bbox
        );
    }
    // The mesh and the 68-point net agree (jaw excluded): under 10 % of the eye distance.
    assert!(
        f.quality.landmark_disagreement < 0.1,
        "{name}: disagreement {}",
        f.quality.landmark_disagreement
    );
    // Keypoints: subject's right eye keypoint near the 68-point right eye.
    let d =
        ((f.keypoints[0][0] - r_eye[0]).powi(2) + (f.keypoints[0][1] - r_eye[1]).powi(2)).sqrt();
    assert!(
        d < 0.35 * iod(lm),
        "{name}: eye keypoint {d} px from the eye"
    );
}

#[test]
fn photos_and_paintings_each_have_one_plausible_face() {
    let a = analyzer();
    for rel in [
        "tests/fixtures/astronaut.png",
        "tests/fixtures/grace_hopper.jpg",
        "tests/fixtures/tanguy.png",
        "assets/mona_lisa.jpg",
    ] {
        let faces = a.analyze(&load(rel)).expect("analyze");
        assert_eq!(faces.len(), 1, "{rel}");
        assert!(faces[0].score > 0.6, "{rel}: score {}", faces[0].score);
        assert!(
            faces[0].quality.confidence > 0.2,
            "{rel}: {:?}",
            faces[0].quality
        );
        assert_plausible(rel, &faces[0]);
    }
}

#[test]
fn several_faces_are_all_found_largest_first() {
    let a = analyzer();
    let astro = load("tests/fixtures/astronaut.png");
    let hopper = load("tests/fixtures/grace_hopper.jpg");
    let mut canvas = RgbImage::from_pixel(1024, 600, Rgb([90, 90, 90]));
    image::imageops::replace(&mut canvas, &astro, 0, 44);
    image::imageops::replace(&mut canvas, &hopper, 512, 0);
    let faces = a.analyze(&canvas).expect("analyze");
    assert_eq!(faces.len(), 2);
    // Hopper's face is the larger and lies in the right half.
    assert!(faces[0].bbox[0] > 512.0 && faces[1].bbox[0] < 512.0);
    assert!(faces[0].bbox[2] * faces[0].bbox[3] >= faces[1].bbox[2] * faces[1].bbox[3]);
    for f in &faces {
        assert_plausible("composite", f);
    }
}

#[test]
fn no_face_gives_an_empty_list() {
    let a = analyzer();
    let grad = RgbImage::from_fn(320, 240, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    assert!(a.analyze(&grad).expect("analyze").is_empty());
    // Degenerate sizes do not panic.
    for (w, h) in [(1, 1), (3, 2), (1, 500)] {
        let tiny = RgbImage::from_pixel(w, h, Rgb([200, 180, 160]));
        assert!(a.analyze(&tiny).expect("analyze").is_empty(), "{w}x{h}");
    }
}

/// The 68-point net on upright crops (from the box, and from the mesh as the analyzer does)
/// against face-api's axis-aligned crop, on a photo turned by ±25° and ±40°: the truth is the
/// upright photo's landmarks turned the same way.
#[test]
fn upright_crops_beat_axis_aligned_crops_on_tilted_faces() {
    let a = analyzer();
    let img = load("tests/fixtures/astronaut.png");
    let truth0 = a.analyze(&img).expect("analyze").remove(0).landmarks68;
    let mut errs = Vec::new();
    for deg in [-40.0f32, -25.0, 25.0, 40.0] {
        let angle = deg.to_radians();
        let map = Affine::rotated_square(256.0, 256.0, 512.0, angle, 512);
        let px = warp_rgb(&img, &map, 512, 512);
        let turned = RgbImage::from_fn(512, 512, |x, y| {
            let o = ((y * 512 + x) * 3) as usize;
            Rgb([px[o] as u8, px[o + 1] as u8, px[o + 2] as u8])
        });
        // Image point p appears in the turned picture at R(−angle)(p − c) + c.
        let (s, c) = (-angle).sin_cos();
        let truth: Vec<[f32; 2]> = truth0
            .iter()
            .map(|p| {
                let (dx, dy) = (p[0] - 256.0, p[1] - 256.0);
                [c * dx - s * dy + 256.0, s * dx + c * dy + 256.0]
            })
            .collect();
        let det = a.detector.detect(&turned).expect("detect").remove(0);
        let upright = a
            .landmarks
            .detect(&turned, Crop::upright_from_box(det.bbox, det.roll()))
            .expect("68");
        let aligned = a
            .landmarks
            .detect(&turned, Crop::FaceApi { bbox: det.bbox })
            .expect("68");
        // What the analyzer returns: the crop taken from the mesh.
        let from_mesh = a.analyze(&turned).expect("analyze").remove(0).landmarks68;
        let (e_up, e_al, e_mesh) = (
            nme(&upright, &truth),
            nme(&aligned, &truth),
            nme(&from_mesh, &truth),
        );
        eprintln!(
            "{deg}°: axis-aligned crop {e_al:.4}, upright box crop {e_up:.4}, mesh crop {e_mesh:.4} of eye distance"
        );
        errs.push((e_up, e_al, e_mesh));
        assert!(e_mesh < 0.03, "{deg}°: mesh-crop error {e_mesh}");
    }
    let sum = errs.iter().fold((0.0f32, 0.0f32, 0.0f32), |s, e| {
        (s.0 + e.0, s.1 + e.1, s.2 + e.2)
    });
    assert!(
        sum.0 < 0.75 * sum.1,
        "upright {} vs axis-aligned {}",
        sum.0,
        sum.1
    );
    assert!(
        sum.2 < sum.0,
        "mesh crop {} vs upright box crop {}",
        sum.2,
        sum.0
    );
}

/// The quality block separates a real face from a box placed on something else.
#[test]
fn confidence_is_high_on_faces_and_low_elsewhere() {
    let a = analyzer();
    let img = load("tests/fixtures/astronaut.png");
    let face = a.analyze(&img).expect("analyze").remove(0);
    assert!(face.quality.confidence > 0.8, "{:?}", face.quality);
    // The same box size placed on the space shuttle model and on the orange suit.
    for bbox in [[360.0, 120.0, 94.0, 94.0], [60.0, 330.0, 94.0, 94.0]] {
        let mut det = vivant::face::Detection {
            bbox,
            score: face.score,
            keypoints: face.keypoints,
        };
        let (dx, dy) = (bbox[0] - face.bbox[0], bbox[1] - face.bbox[1]);
        for k in &mut det.keypoints {
            k[0] += dx;
            k[1] += dy;
        }
        let q = a.analyze_detection(&img, &det).expect("analyze").quality;
        assert!(q.confidence < 0.3, "{bbox:?}: {q:?}");
    }
}

/// Sideways and upside-down pictures (a scan turned the wrong way, a photo that lost its EXIF
/// orientation): the detector's keypoints are unreliable there, and the analyzer tries the
/// other quarter turns.
#[test]
fn quarter_turned_pictures_are_analysed() {
    let a = analyzer();
    let img = load("tests/fixtures/astronaut.png");
    let truth0 = a.analyze(&img).expect("analyze").remove(0).landmarks68;
    let (w, h) = (img.width() as f32, img.height() as f32);
    type Turn = fn(&RgbImage) -> RgbImage;
    type PointMap = Box<dyn Fn([f32; 2]) -> [f32; 2]>;
    let cases: [(&str, Turn, PointMap); 3] = [
        (
            "90° clockwise",
            |i| image::imageops::rotate90(i),
            Box::new(move |p| [h - p[1], p[0]]),
        ),
        (
            "180°",
            |i| image::imageops::rotate180(i),
            Box::new(move |p| [w - p[0], h - p[1]]),
        ),
        (
            "90° anticlockwise",
            |i| image::imageops::rotate270(i),
            Box::new(move |p| [p[1], w - p[0]]),
        ),
    ];
    for (name, turn, map) in cases {
        let faces = a.analyze(&turn(&img)).expect("analyze");
        assert_eq!(faces.len(), 1, "{name}");
        let truth: Vec<[f32; 2]> = truth0.iter().map(|p| map(*p)).collect();
        let err = nme(&faces[0].landmarks68, &truth);
        eprintln!("{name}: {err:.4} of eye distance, {:?}", faces[0].quality);
        assert!(err < 0.05, "{name}: {err}");
    }
}
