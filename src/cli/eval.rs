//! `vivant eval`: self-reenactment quality on a real clip, or lip–voice agreement and blinks
//! of a voice-driven render (see `eval`).

use std::path::PathBuf;

use clap::Args;
use image::RgbImage;

use super::{CliError, write_atomic};
use crate::face::Analyzer;
use crate::face::DeviceChoice;
use crate::models::ModelSource;
use crate::render::EngineKind;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A real clip of one talking face: score self-reenactment on it.
    #[arg(
        long,
        value_name = "VIDEO",
        required_unless_present = "voice",
        conflicts_with = "voice"
    )]
    pub driving: Option<PathBuf>,
    /// A render with a voice (e.g. `vivant render --audio`): measure on its frames how the
    /// inner lips follow the speech envelope of its sound, and its blinks.
    #[arg(long, value_name = "VIDEO")]
    pub voice: Option<PathBuf>,
    /// A portrait to drive with the --driving clip instead of the clip's own frames: measure
    /// how well its face shape (identity) is kept, in relative and in absolute mode.
    #[arg(long, value_name = "IMAGE", requires = "driving")]
    pub source: Option<PathBuf>,
    /// With --voice and --sheet: where the sheet's stretch starts, seconds (within the video).
    #[arg(long, value_name = "S", default_value_t = 1.0, requires = "sheet", value_parser = super::seconds)]
    pub at: f64,
    /// Source frames taken from the clip (1 = one-shot).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub k: u16,
    /// How many frames to score (in runs of 25 consecutive frames).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub frames: u32,
    /// Write the report (means and every frame's scores) here as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a contact sheet: real frames on top, generated below (with --voice: face crops
    /// over the speech envelope and the measured lip opening).
    #[arg(long, value_name = "FILE.png")]
    pub sheet: Option<PathBuf>,
    /// The animation engine scored, prepared as `vivant render` prepares it.
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

pub fn run(args: &EvalArgs, models: &ModelSource) -> Result<(), CliError> {
    let clip = args.driving.as_ref().or(args.voice.as_ref());
    let Some(clip) = clip else {
        return Err(CliError::input("give --driving VIDEO or --voice VIDEO"));
    };
    super::input_file(clip)?;
    let outputs: Vec<&std::path::Path> = args
        .json
        .iter()
        .chain(&args.sheet)
        .map(|p| p.as_path())
        .collect();
    super::check_outputs(&outputs, &[("clip", clip.as_path())])?;
    // The sheet is saved as the picture its name says: a name that says none is refused now,
    // not after the measuring.
    if let Some(sheet) = &args.sheet
        && image::ImageFormat::from_path(sheet).is_err()
    {
        return Err(CliError::input(format!(
            "{}: a contact sheet is a picture: name it .png (or .jpg)",
            sheet.display()
        )));
    }
    let analyzer = super::analyzer(DeviceChoice::Cpu, models)?;
    if args.voice.is_some() {
        // The sheet's start must be in the video: said now, not after measuring it.
        if args.sheet.is_some() {
            let duration = crate::media::VideoSource::open(clip)
                .map_err(|e| CliError::input(e.to_string()))?
                .info()
                .duration_s;
            if args.at >= duration {
                return Err(CliError::input(format!(
                    "--at {} s is past the end of {} ({duration:.2} s); give a time within it",
                    args.at,
                    clip.display()
                )));
            }
        }
        return run_voice(args, clip, &analyzer);
    }
    let mut engine = args.engine.settings()?;
    let kind = super::engine_kind(&mut engine)?;
    if let Some(source) = &args.source {
        return run_identity(args, source, clip, &analyzer, &*kind);
    }
    let (report, pictures) = crate::eval::self_reenactment(
        &analyzer,
        clip,
        args.k as usize,
        args.frames as usize,
        crate::motion::cache::default_dir().as_deref(),
        args.sheet.is_some(),
        &*kind,
        &super::cancel_on_signal(),
    )
    .map_err(|e| CliError::of(&e))?;
    // Landmark distance and jitter are measured on faces found again in the generated frames.
    let landmarks = if report.face_found > 0.0 {
        format!(
            "AKD {:.2} px at 256 px (median {:.2}; face found in {:.0} %), jitter {:.4} generated vs {:.4} real",
            report.akd,
            report.akd_median,
            100.0 * report.face_found,
            report.jitter_generated,
            report.jitter_real
        )
    } else {
        "no face found in any generated frame, so no landmark distance (AKD) or jitter: the engine's frames do not show a face".into()
    };
    let mouth = if report.mouth_frames > 0 {
        format!(
            "; the open mouth ({} frames): PSNR {:.2} dB, SSIM {:.3}",
            report.mouth_frames, report.mouth_psnr, report.mouth_ssim
        )
    } else {
        "; the mouth is open in none of these frames".into()
    };
    errln!(
        "{}: K = {} (source frames {:?}), {} frames: PSNR {:.2} dB, SSIM {:.3}, L1 {:.4}, {landmarks}{mouth}",
        report.clip,
        report.k,
        report.source_frames,
        report.frames,
        report.psnr,
        report.ssim,
        report.l1,
    );
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    if let Some(path) = &args.sheet {
        write_sheet(path, &pictures)?;
    }
    Ok(())
}

fn run_voice(
    args: &EvalArgs,
    video: &std::path::Path,
    analyzer: &Analyzer,
) -> Result<(), CliError> {
    use crate::eval::voice::VoiceEvalError;
    use crate::motion::TrackError;
    let (report, trace) = crate::eval::voice::measure(analyzer, video, &super::cancel_on_signal())
        .map_err(|e| match e {
            VoiceEvalError::Track(TrackError::Cancelled) => CliError {
                code: 130,
                message: "cancelled".into(),
            },
            VoiceEvalError::Track(TrackError::Io(_) | TrackError::Analysis(_)) => {
                CliError::internal(e.to_string())
            }
            _ => CliError::input(e.to_string()),
        })?;
    errln!(
        "{}: {} frames at {:.2} fps (face in {:.0} %): lips vs speech envelope r = {:.3} at lag 0, best r = {:.3} at lag {:+} frame(s) (+ = lips lead); silence: {} frames, {:.0} % closed (mean opening {:.3} vs {:.3} voiced); {} blinks, {:.1}/min, {:.0} ms each",
        report.video,
        report.frames,
        report.fps,
        100.0 * report.face_found,
        report.correlation,
        report.best_correlation,
        report.best_lag,
        report.silent_frames,
        100.0 * report.silent_closed,
        report.silent_open,
        report.voiced_open,
        report.blinks,
        report.blinks_per_minute,
        report.blink_ms
    );
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    if let Some(path) = &args.sheet {
        let sheet = crate::eval::voice::sheet(video, &trace, args.at, 10, 3)
            .map_err(|e| CliError::input(e.to_string()))?;
        write_atomic(path, |tmp| sheet.save(tmp).map_err(|e| e.to_string()))?;
    }
    Ok(())
}

/// `--source`: the portrait driven by the clip in both modes; its shape kept in each.
fn run_identity(
    args: &EvalArgs,
    source: &std::path::Path,
    clip: &std::path::Path,
    analyzer: &Analyzer,
    kind: &dyn EngineKind,
) -> Result<(), CliError> {
    super::input_file(source)?;
    let (report, pictures) = crate::eval::identity::identity_kept(
        analyzer,
        source,
        clip,
        args.frames as usize,
        crate::motion::cache::default_dir().as_deref(),
        args.sheet.is_some(),
        kind,
        &super::cancel_on_signal(),
    )
    .map_err(|e| CliError::of(&e))?;
    errln!(
        "{} driven by {}, {} frames: face shape off the portrait's by {:.4} eye distances in relative mode (worst {:.4}; face found in {:.0} %), {:.4} in absolute mode (worst {:.4}; {:.0} %): absolute/relative = {:.2}; the portrait itself re-detected: {:.4}",
        report.source,
        report.clip,
        report.frames.len(),
        report.relative.mean,
        report.relative.max,
        100.0 * report.relative.face_found,
        report.absolute.mean,
        report.absolute.max,
        100.0 * report.absolute.face_found,
        report.ratio(),
        report.source_again
    );
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    if let Some(path) = &args.sheet {
        // Relative mode on top, absolute below.
        write_sheet(path, &pictures)?;
    }
    Ok(())
}

/// Up to eight of `pictures`' pairs, spread over them, side by side: the first of each pair
/// on top, 200 px wide each.
fn write_sheet(path: &std::path::Path, pictures: &[(RgbImage, RgbImage)]) -> Result<(), CliError> {
    let n = pictures.len().min(8);
    let step = (pictures.len() / n.max(1)).max(1);
    let pairs: Vec<&(RgbImage, RgbImage)> = pictures.iter().step_by(step).take(n).collect();
    let Some((first, _)) = pairs.first() else {
        return Ok(());
    };
    let (w, h) = first.dimensions();
    let tw = 200u32;
    let th = (h as f64 * tw as f64 / w as f64).round() as u32;
    let mut sheet = RgbImage::new(tw * pairs.len() as u32, th * 2);
    for (k, (top, bottom)) in pairs.iter().enumerate() {
        let f = image::imageops::FilterType::Triangle;
        let t = image::imageops::resize(top, tw, th, f);
        let b = image::imageops::resize(bottom, tw, th, f);
        image::imageops::replace(&mut sheet, &t, k as i64 * tw as i64, 0);
        image::imageops::replace(&mut sheet, &b, k as i64 * tw as i64, th as i64);
    }
    write_atomic(path, |tmp| sheet.save(tmp).map_err(|e| e.to_string()))
}

fn write_json(path: &std::path::Path, report: &impl serde::Serialize) -> Result<(), CliError> {
    let text =
        serde_json::to_string_pretty(report).map_err(|e| CliError::internal(e.to_string()))?;
    write_atomic(path, |tmp| {
        std::fs::write(tmp, format!("{text}\n")).map_err(|e| e.to_string())
    })
}
