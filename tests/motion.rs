//! The motion stage on the real webcam clip: tracking agrees with per-frame analysis, lost
//! frames (face hidden, clip ending without it) are filled and marked, smoothing lowers
//! jitter, results are cached by content and settings, and clips without a face fail clearly.

mod common;
use common::{ffmpeg, fixture};

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use candle_core::Device;
use vivant::face::Analyzer;
use vivant::media::VideoSource;
use vivant::models::ModelSource;
use vivant::motion::{
    DrivingMotion, FrameState, Landmarks68From, MotionError, MotionSettings, TrackError,
};

fn analyzer() -> Analyzer {
    let mut a = Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer");
    a.options.small_faces = false;
    a
}

/// The clip analysed without cache or cancel; (motion, notes) → motion.
fn analyse_clip(
    a: &Analyzer,
    clip: &Path,
    settings: &MotionSettings,
) -> (DrivingMotion, Vec<String>) {
    DrivingMotion::analyse(a, clip, settings, None, &AtomicBool::new(false), &|_, _| {})
        .expect("analyse")
}

/// Every frame's observation, read back from the analysis file.
fn observations(m: &DrivingMotion) -> Vec<vivant::motion::Observation> {
    m.observations()
        .collect::<Result<_, _>>()
        .expect("read the analysis")
}

fn iod(p: &[[f32; 2]]) -> f32 {
    ((p[45][0] - p[36][0]).powi(2) + (p[45][1] - p[36][1]).powi(2)).sqrt()
}

/// 100 frames of the webcam clip; frames 40–59 blacked out (the face is gone), and the last
/// 10 too (the clip ends without it).
fn clip_with_gaps(dir: &Path) -> PathBuf {
    ffmpeg(
        dir,
        "gaps.mp4",
        &[
            "-i",
            &fixture("webcam_man_400x300.mp4").to_string_lossy(),
            "-frames:v",
            "100",
            "-vf",
            "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(n,40,59)+gte(n,90)'",
            "-c:v",
            "libx264",
            "-crf",
            "18",
        ],
    )
}

#[test]
fn lost_frames_are_filled_and_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = clip_with_gaps(dir.path());
    let a = analyzer();
    let settings = MotionSettings {
        smoothing: None,
        ..MotionSettings::default()
    };
    let (m, _) = analyse_clip(&a, &clip, &settings);
    let frames = observations(&m);
    assert_eq!(frames.len(), 100);
    assert_eq!((m.width, m.height, m.frame_rate), (400, 300, (25, 1)));
    for (i, f) in frames.iter().enumerate() {
        let want = match i {
            40..=59 => FrameState::Interpolated,
            90.. => FrameState::Held,
            _ => f.state,
        };
        assert_eq!(f.state, want, "frame {i}");
        if !f.state.observed() {
            assert_eq!(f.confidence, 0.0);
        } else {
            assert!(f.confidence >= 0.5, "frame {i}: {}", f.confidence);
        }
        assert_eq!(f.state, m.states[i]);
        assert_eq!(f.landmarks68, m.landmarks(i).expect("landmarks"));
        assert_eq!(f.mesh468.len(), 468);
    }
    // Runs start with a detection, and the face is detected again after the gap.
    assert_eq!(frames[0].state, FrameState::Detected);
    assert_eq!(frames[60].state, FrameState::Detected);
    assert!(frames[1..40].iter().any(|f| f.state == FrameState::Tracked));
    // Filled frames lie on the line between the frames around the gap; held ones repeat.
    let (a39, b60) = (&frames[39].landmarks68, &frames[60].landmarks68);
    let mid = &frames[50].landmarks68;
    let t = 11.0 / 21.0;
    for p in 0..68 {
        for k in 0..2 {
            let want = a39[p][k] + (b60[p][k] - a39[p][k]) * t;
            assert!((mid[p][k] - want).abs() < 1e-3);
        }
    }
    assert_eq!(frames[95].landmarks68, frames[89].landmarks68);
    assert_eq!(frames[95].mesh468, frames[89].mesh468);
    assert!((m.found_fraction() - 0.7).abs() < 1e-9);
}

#[test]
fn tracking_agrees_with_per_frame_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = ffmpeg(
        dir.path(),
        "part.mp4",
        &[
            "-ss",
            "36",
            "-i",
            &fixture("webcam_man_400x300.mp4").to_string_lossy(),
            "-frames:v",
            "75",
            "-c:v",
            "libx264",
            "-crf",
            "16",
        ],
    );
    let a = analyzer();
    let settings = MotionSettings {
        smoothing: None,
        ..MotionSettings::default()
    };
    let (m, _) = analyse_clip(&a, &clip, &settings);
    assert_eq!(m.found_fraction(), 1.0);
    let mut src = VideoSource::open(&clip).expect("open");
    for i in [5u64, 30, 55, 74] {
        let f = src.frame(i).expect("frame");
        let faces = a.analyze(&f.image).expect("analyze");
        let still = faces.first().expect("a face");
        let still68: Vec<[f32; 2]> = vivant::face::mesh::MESH_TO_68
            .iter()
            .map(|&k| [still.mesh468[k][0], still.mesh468[k][1]])
            .collect();
        let tracked = &m.landmarks(i as usize).expect("landmarks");
        let err = (0..68)
            .map(|p| {
                ((tracked[p][0] - still68[p][0]).powi(2) + (tracked[p][1] - still68[p][1]).powi(2))
                    .sqrt()
            })
            .sum::<f32>()
            / 68.0
            / iod(&still68);
        eprintln!(
            "frame {i}: tracked vs per-frame mesh, mean {:.3} of the eye distance",
            err
        );
        assert!(err < 0.04, "frame {i}: {err}");
    }
}

#[test]
fn smoothing_lowers_jitter_without_lag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = ffmpeg(
        dir.path(),
        "still.mp4",
        &[
            "-i",
            &fixture("webcam_man_400x300.mp4").to_string_lossy(),
            "-frames:v",
            "125",
            "-c:v",
            "libx264",
            "-crf",
            "16",
        ],
    );
    let a = analyzer();
    let raw_settings = MotionSettings {
        smoothing: None,
        ..MotionSettings::default()
    };
    let (raw, _) = analyse_clip(&a, &clip, &raw_settings);
    let (smooth, _) = analyse_clip(&a, &clip, &MotionSettings::default());
    eprintln!(
        "jitter: raw {:.5}, smoothed {:.5}",
        smooth.jitter_raw, smooth.jitter_smoothed
    );
    assert!((raw.jitter_raw - smooth.jitter_raw).abs() < 1e-9);
    assert!(smooth.jitter_smoothed < 0.5 * smooth.jitter_raw);
    // No drift: smoothed points stay within 3 % of the eye distance of the measured ones on
    // average.
    let mut sum = 0.0f32;
    for (r, s) in observations(&raw).iter().zip(&observations(&smooth)) {
        let d: f32 = (0..68)
            .map(|p| {
                ((r.landmarks68[p][0] - s.landmarks68[p][0]).powi(2)
                    + (r.landmarks68[p][1] - s.landmarks68[p][1]).powi(2))
                .sqrt()
            })
            .sum::<f32>()
            / 68.0;
        sum += d / iod(&r.landmarks68);
    }
    let mean = sum / raw.len() as f32;
    assert!(
        mean < 0.03,
        "smoothed points {mean} of the eye distance from measured"
    );
}

#[test]
fn results_are_cached_by_content_and_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let clip = ffmpeg(
        dir.path(),
        "short.mp4",
        &[
            "-i",
            &fixture("webcam_man_400x300.mp4").to_string_lossy(),
            "-frames:v",
            "30",
        ],
    );
    let a = analyzer();
    let settings = MotionSettings::default();
    let go = AtomicBool::new(false);
    let (first, notes) =
        DrivingMotion::analyse(&a, &clip, &settings, Some(&cache), &go, &|_, _| {}).expect("first");
    assert!(notes.is_empty(), "{notes:?}");
    let files: Vec<_> = std::fs::read_dir(&cache).expect("cache dir").collect();
    assert_eq!(files.len(), 1);
    // A second run, even cancelled before it starts, is answered from the cache — also for a
    // copy of the clip under another name.
    let copy = dir.path().join("renamed.mp4");
    std::fs::copy(&clip, &copy).expect("copy");
    let stop = AtomicBool::new(true);
    let (again, _) = DrivingMotion::analyse(&a, &copy, &settings, Some(&cache), &stop, &|_, _| {})
        .expect("cached");
    let first_frames = observations(&first);
    assert_eq!(observations(&again), first_frames);
    assert_eq!(again.times, first.times);
    assert_eq!(again.states, first.states);
    assert_eq!(again.jitter_smoothed, first.jitter_smoothed);
    // Other settings are another entry: analysed (so cancelled here).
    let other = MotionSettings {
        landmarks68: Landmarks68From::Net,
        ..settings.clone()
    };
    let r = DrivingMotion::analyse(&a, &clip, &other, Some(&cache), &stop, &|_, _| {});
    assert!(
        matches!(r, Err(MotionError::Track(TrackError::Cancelled))),
        "{r:?}"
    );
    // A damaged cache file is dropped and the clip analysed again. (Damaged in place, so the
    // analyses opened from it above can no longer be read: they are dropped first.)
    drop((first, again));
    let path = std::fs::read_dir(&cache)
        .expect("cache dir")
        .next()
        .expect("entry")
        .expect("entry")
        .path();
    std::fs::write(&path, b"VIVANT-MOTION\0garbage").expect("write");
    let (fresh, _) =
        DrivingMotion::analyse(&a, &clip, &settings, Some(&cache), &go, &|_, _| {}).expect("fresh");
    assert_eq!(observations(&fresh), first_frames);
    assert!(std::fs::metadata(&path).expect("rewritten").len() > 1000);
    drop(fresh);

    // Damage that keeps the file's layout: a flipped byte in a point, a point not a number or
    // far outside the picture, times out of order. Each is found on opening (the cache is
    // not used: a cancelled analysis fails) and the file removed.
    let good = std::fs::read(&path).expect("read");
    let start = 18; // magic and format
    let record = 8 + 1 + 4 + 68 * 8 + 468 * 12;
    let point = move |frame: usize, k: usize| start + frame * record + 13 + 4 * k;
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let damages: [(&str, Damage); 4] = [
        (
            "a flipped bit",
            Box::new(move |b: &mut Vec<u8>| b[point(5, 20) + 1] ^= 0x10),
        ),
        (
            "NaN",
            Box::new(move |b: &mut Vec<u8>| {
                b[point(7, 3)..point(7, 3) + 4].copy_from_slice(&f32::NAN.to_le_bytes())
            }),
        ),
        (
            "1e30",
            Box::new(move |b: &mut Vec<u8>| {
                b[point(9, 0)..point(9, 0) + 4].copy_from_slice(&1e30f32.to_le_bytes())
            }),
        ),
        (
            "reversed times",
            Box::new(move |b: &mut Vec<u8>| {
                let t = move |i: usize| start + i * record;
                let (a, z) = (b[t(0)..t(0) + 8].to_vec(), b[t(29)..t(29) + 8].to_vec());
                b[t(0)..t(0) + 8].copy_from_slice(&z);
                b[t(29)..t(29) + 8].copy_from_slice(&a);
            }),
        ),
    ];
    for (what, damage) in damages {
        let mut bytes = good.clone();
        damage(&mut bytes);
        std::fs::write(&path, &bytes).expect("write");
        let r = DrivingMotion::analyse(&a, &clip, &settings, Some(&cache), &stop, &|_, _| {});
        assert!(
            matches!(r, Err(MotionError::Track(TrackError::Cancelled))),
            "{what}: the damaged cache was used"
        );
        assert!(!path.exists(), "{what}: the damaged file was kept");
    }
    // The undamaged bytes are still taken.
    std::fs::write(&path, &good).expect("write");
    DrivingMotion::analyse(&a, &clip, &settings, Some(&cache), &stop, &|_, _| {})
        .expect("the intact file");
}

#[test]
fn a_clip_without_a_face_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = ffmpeg(
        dir.path(),
        "noface.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25:duration=1",
            "-c:v",
            "libx264",
        ],
    );
    let r = DrivingMotion::analyse(
        &analyzer(),
        &clip,
        &MotionSettings::default(),
        None,
        &AtomicBool::new(false),
        &|_, _| {},
    );
    match r {
        Err(e @ MotionError::NoFace { .. }) => assert!(e.to_string().contains("noface.mp4")),
        other => panic!("{other:?}"),
    }
}

/// The warp engine's reading of a clip's mouth: each frame's patch holds the driver's mouth
/// (darker inside the open lips than the skin beside them), the skin's colour is the face's,
/// a second reading comes from the cache (even when cancelled before it starts), and a
/// damaged cache file is read again rather than used.
#[test]
fn the_clips_mouths_are_cut_in_the_heads_frame_and_cached() {
    use vivant::motion::mouth::{ClipMouths, PATCH_H, PATCH_W};
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    // 16.4–17.6 s of the clip: he speaks, mouth open at 16.8 s (frame 10 here).
    let clip = ffmpeg(
        dir.path(),
        "speaking.mp4",
        &[
            "-ss",
            "16.4",
            "-i",
            &fixture("webcam_man_400x300.mp4").to_string_lossy(),
            "-frames:v",
            "30",
        ],
    );
    let a = analyzer();
    let go = AtomicBool::new(false);
    let (motion, _) = DrivingMotion::analyse(
        &a,
        &clip,
        &MotionSettings::default(),
        Some(&cache),
        &go,
        &|_, _| {},
    )
    .expect("motion");
    let (mouths, notes) =
        ClipMouths::analyse(&clip, &motion, Some(&cache), &go, &|_, _| {}).expect("mouths");
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(mouths.len(), 30);
    let frame = mouths.frame(10).expect("frame 10");
    assert!(frame.found);
    assert_eq!(frame.patch.len(), PATCH_W * PATCH_H * 3);
    // Skin: a light, warm colour.
    assert!(
        frame.skin[0] > 100.0 && frame.skin[0] > frame.skin[2],
        "{:?}",
        frame.skin
    );
    // Inside the open mouth against the cheek beside it, both read through the head frame.
    let face = motion.landmarks(10).expect("face");
    let from = frame.geometry.to_frame(&face).inverse();
    let mid = |a: usize, b: usize| {
        [
            (face[a][0] + face[b][0]) / 2.0,
            (face[a][1] + face[b][1]) / 2.0,
        ]
    };
    let luma = |c: [f32; 3]| 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
    let inside = luma(
        frame
            .sample(from.apply(mid(62, 66)))
            .expect("inside the patch"),
    );
    // A tenth of the mouth's width out from its right corner: skin.
    let beside = [
        face[48][0] + 0.1 * (face[48][0] - face[54][0]),
        face[48][1] + 0.1 * (face[48][1] - face[54][1]),
    ];
    let cheek = luma(frame.sample(from.apply(beside)).expect("beside the mouth"));
    assert!(inside < 0.8 * cheek, "inside {inside:.0}, cheek {cheek:.0}");
    assert!(frame.sample([1e3, 1e3]).is_none());
    // Cached: read back even when cancelled, the same patches.
    let files = |ext: &str| -> Vec<PathBuf> {
        std::fs::read_dir(&cache)
            .expect("cache")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .collect()
    };
    assert_eq!(files("mouths").len(), 1);
    let stop = AtomicBool::new(true);
    let (again, _) =
        ClipMouths::analyse(&clip, &motion, Some(&cache), &stop, &|_, _| {}).expect("cached");
    assert_eq!(again.frame(10).expect("again").patch, frame.patch);
    // Cut short: not used (a cancelled reading is what happens next), then made again.
    let kept = files("mouths").remove(0);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&kept)
        .expect("open");
    f.set_len(1000).expect("truncate");
    assert!(ClipMouths::analyse(&clip, &motion, Some(&cache), &stop, &|_, _| {}).is_err());
    let (remade, _) =
        ClipMouths::analyse(&clip, &motion, Some(&cache), &go, &|_, _| {}).expect("remade");
    assert_eq!(remade.frame(10).expect("remade").patch, frame.patch);
}
