//! `vivant track`: follow the face through a driving clip and report how it went.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{CliError, parse_device, write_atomic};
use crate::face::DeviceChoice;
use crate::models::ModelSource;
use crate::motion::{DrivingMotion, FrameState, Landmarks68From, MotionError, MotionSettings};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LandmarksArg {
    /// Taken from the mesh, the network made for video (fast and steady).
    Mesh,
    /// The 68-point network on the mesh's crop (more exact jaw and brows, slower).
    Net,
}

#[derive(Args, Debug)]
pub struct TrackArgs {
    /// The driving clip.
    #[arg(value_name = "VIDEO")]
    pub video: PathBuf,
    /// Write every frame's time, state, confidence and 68 points here as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Where the 68 points come from.
    #[arg(long, value_enum, default_value = "mesh")]
    pub landmarks: LandmarksArg,
    /// Leave the tracks unsmoothed.
    #[arg(long)]
    pub no_smoothing: bool,
    /// Analyse again even if a cached result exists (and do not store this one).
    #[arg(long)]
    pub no_cache: bool,
    /// Where the networks run: cpu, cuda, metal or auto.
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    pub device: DeviceChoice,
}

#[derive(Serialize)]
struct FrameOut {
    time_s: f64,
    state: FrameState,
    confidence: f32,
    landmarks68: crate::geometry::Face68,
}

/// Every frame, read from the analysis file as it is written out (a long clip's frames are
/// never all in memory).
struct FramesOut<'a>(&'a DrivingMotion);

impl Serialize for FramesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let m = self.0;
        let mut seq = s.serialize_seq(Some(m.len()))?;
        for (i, (&time_s, &state)) in m.times.iter().zip(&m.states).enumerate() {
            let o = m.observation(i).map_err(S::Error::custom)?;
            seq.serialize_element(&FrameOut {
                time_s,
                state,
                confidence: o.confidence,
                landmarks68: o.landmarks68,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct TrackOut<'a> {
    video: String,
    width: u32,
    height: u32,
    frame_rate: (i32, i32),
    jitter_raw: f64,
    jitter_smoothed: f64,
    frames: FramesOut<'a>,
}

pub fn run(args: &TrackArgs, models: &ModelSource) -> Result<(), CliError> {
    super::input_file(&args.video)?;
    if let Some(json) = &args.json {
        super::check_outputs(&[json], &[("clip", &args.video)])?;
    }
    let mut analyzer = super::analyzer(args.device, models)?;
    analyzer.options.small_faces = false;
    let settings = MotionSettings {
        landmarks68: match args.landmarks {
            LandmarksArg::Net => Landmarks68From::Net,
            LandmarksArg::Mesh => Landmarks68From::Mesh,
        },
        smoothing: if args.no_smoothing {
            None
        } else {
            MotionSettings::default().smoothing
        },
        ..MotionSettings::default()
    };
    let cache = if args.no_cache {
        None
    } else {
        crate::motion::cache::default_dir()
    };
    // A signal stops the tracking; its partial analysis file is removed.
    let cancel = super::cancel_on_signal();
    let started = Instant::now();
    let (motion, notes) = DrivingMotion::analyse(
        &analyzer,
        &args.video,
        &settings,
        cache.as_deref(),
        &cancel,
        &|_, _| {},
    )
    .map_err(|e| match e {
        MotionError::Track(crate::motion::TrackError::Cancelled) => CliError {
            code: 130,
            message: "cancelled; nothing was kept".into(),
        },
        // Sorted as a render's (a full disk is the user's to free: exit 2).
        other => CliError::of(&crate::pipeline::PipelineError::Motion(other)),
    })?;
    let secs = started.elapsed().as_secs_f64();
    for n in notes {
        errln!("note: {n}");
    }
    let count = |s: FrameState| motion.states.iter().filter(|&&f| f == s).count();
    let duration = motion.times.last().copied().unwrap_or(0.0)
        + motion.times.get(1).copied().unwrap_or(0.0)
        - motion.times.first().copied().unwrap_or(0.0);
    errln!(
        "{}: {} frames in {secs:.1} s ({:.1}× real time); detected {}, tracked {}, lost and interpolated {}, lost and held {}",
        args.video.display(),
        motion.len(),
        duration / secs.max(1e-9),
        count(FrameState::Detected),
        count(FrameState::Tracked),
        count(FrameState::Interpolated),
        count(FrameState::Held),
    );
    errln!(
        "jitter (stable points, fraction of eye distance per frame²): {:.5} measured, {:.5} smoothed",
        motion.jitter_raw,
        motion.jitter_smoothed
    );
    if let Some(path) = &args.json {
        let out = TrackOut {
            video: args.video.display().to_string(),
            width: motion.width,
            height: motion.height,
            frame_rate: motion.frame_rate,
            jitter_raw: motion.jitter_raw,
            jitter_smoothed: motion.jitter_smoothed,
            frames: FramesOut(&motion),
        };
        write_atomic(path, |tmp| {
            let write = || -> std::io::Result<()> {
                let mut w = std::io::BufWriter::new(std::fs::File::create(tmp)?);
                serde_json::to_writer(&mut w, &out)?;
                writeln!(w)?;
                w.into_inner().map_err(|e| e.into_error())?.sync_all()
            };
            write().map_err(|e| e.to_string())
        })?;
    }
    Ok(())
}
