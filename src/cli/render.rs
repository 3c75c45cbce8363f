//! `vivant render`: a portrait animated by a driving clip (with the clip's sound), by a voice
//! recording alone, or by a clip with the lips from a recording; to MP4.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::CliError;
use crate::export::credentials::Signer;
use crate::face::DeviceChoice;
use crate::models::ModelSource;
use crate::motion::Mode;
use crate::pipeline::{
    Failure, Fit, KeepStill, OutputSize, PipelineError, RenderJob, RenderSettings, Soundtrack,
    Stage, render,
};

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The portrait (photo or painting). Repeat for several pictures of the same face (the
    /// closest to each frame's expression and pose is used); `VIDEO@SECONDS` takes a video's
    /// frame. The first sets the output size.
    #[arg(long, value_name = "IMG", required = true)]
    pub source: Vec<PathBuf>,
    /// The clip whose face drives the portrait. Without one, the voice in --audio drives it:
    /// lips from the speech, natural head motion and blinks.
    #[arg(long, value_name = "VIDEO")]
    pub driving: Option<PathBuf>,
    /// What to keep still on the portrait: an image its size, white where the picture must not
    /// move (a frame, a hand, a signature), black where it may. Repeat in --source's order for
    /// several pictures.
    #[arg(long, value_name = "MASK.png")]
    pub keep_still: Vec<PathBuf>,
    /// The MP4 to write (replaced only when the render succeeds).
    #[arg(short, long, value_name = "OUT.mp4")]
    pub output: PathBuf,
    /// Sound from this file instead of the driving clip's; without --driving, the voice the
    /// portrait speaks (any format FFmpeg decodes).
    #[arg(long, value_name = "FILE", conflicts_with = "no_audio")]
    pub audio: Option<PathBuf>,
    /// With --driving: the lips follow the voice in --audio, the rest of the face the clip.
    #[arg(long, requires = "audio")]
    pub lips_from_audio: bool,
    /// Seed of the idle head motion and blinks when a voice drives (same seed, same video).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Idle head motion strength when a voice drives, 0–2 (default 1).
    #[arg(long, value_parser = super::strength)]
    pub head_motion: Option<f32>,
    /// Blink strength when a voice drives, 0 (no blinks) to 1 (default 1).
    #[arg(long, value_parser = super::unit)]
    pub blinks: Option<f32>,
    /// Brow motion strength when a voice drives, 0–2 (default 1).
    #[arg(long, value_parser = super::strength)]
    pub brows: Option<f32>,
    /// A silent video.
    #[arg(long)]
    pub no_audio: bool,
    /// Start of the driving clip's range (of the voice's, without a clip), seconds.
    #[arg(long, value_name = "S", value_parser = super::seconds)]
    pub start: Option<f64>,
    /// End of the driving clip's range (of the voice's, without a clip), seconds.
    #[arg(long, value_name = "S", value_parser = super::seconds)]
    pub end: Option<f64>,
    /// Output size: WxH (another shape is fitted by --fit), a height such as 1080p (the
    /// portrait's aspect), or `source`.
    #[arg(long, value_name = "WxH|NNNp|source", default_value = "source")]
    pub size: OutputSize,
    /// How the portrait fills a --size of another shape: crop (fill, centred on the face),
    /// pad (whole picture, black bars) or stretch.
    #[arg(long, value_enum, default_value = "crop")]
    pub fit: Fit,
    /// With --fit crop: move the crop from its face-centred place by DX,DY, shares of the
    /// picture's width and height (-1 to 1; 0,-0.1 is a tenth higher, for a tall hairdo).
    #[arg(long, value_name = "DX,DY", default_value = "0,0", value_parser = crop_shift)]
    pub crop_shift: [f32; 2],
    /// With --fit crop: zoom the crop in, 1 (the largest crop of the output's shape) to 4.
    #[arg(long, value_name = "Z", default_value_t = 1.0, value_parser = crop_zoom)]
    pub crop_zoom: f32,
    /// Output frame rate (default: the driving clip's; 25 for a voice alone).
    #[arg(long, value_name = "N", value_parser = fps)]
    pub fps: Option<f64>,
    /// H.264 quality: 0 (lossless) to 51; default 16.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u8).range(0..=51))]
    pub crf: u8,
    /// x264 preset (ultrafast … veryslow); slower presets make smaller files, not better
    /// pictures, at the same CRF.
    #[arg(long, default_value = "veryfast")]
    pub preset: String,
    #[command(flatten)]
    pub engine: super::EngineArgs,
    /// Motion relative to a reference driving frame, on the source's own face (default).
    #[arg(long, conflicts_with = "absolute")]
    pub relative: bool,
    /// The driving head's roll and eye and mouth opening taken as they are, not as changes;
    /// the face's shape stays the portrait's.
    #[arg(long)]
    pub absolute: bool,
    /// Driving-clip time whose expression matches the source's (default: the most neutral).
    #[arg(long, value_name = "SECONDS", value_parser = super::seconds)]
    pub reference: Option<f64>,
    #[command(flatten)]
    pub strengths: super::StrengthArgs,
    /// Analyse the driving clip again even if a cached analysis exists.
    #[arg(long)]
    pub no_cache: bool,
    /// Write no Content Credentials (the signed C2PA manifest saying the video was made by
    /// Vivant, how, and from what). They are on by default.
    #[arg(long)]
    pub no_credentials: bool,
    /// Sign the Content Credentials with your own certificate chain (PEM, signing
    /// certificate first) instead of Vivant's self-issued one; give --signing-key too.
    #[arg(
        long,
        value_name = "CERT.pem",
        requires = "signing_key",
        conflicts_with = "no_credentials"
    )]
    pub signing_cert: Option<PathBuf>,
    /// The private key (PEM) of --signing-cert.
    #[arg(long, value_name = "KEY.pem", requires = "signing_cert")]
    pub signing_key: Option<PathBuf>,
    /// A small visible "animated with Vivant" in the lower right corner.
    #[arg(long)]
    pub watermark: bool,
}

fn fps(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if (1.0..=240.0).contains(&f) => Ok(f),
        _ => Err(format!("'{s}': a frame rate from 1 to 240")),
    }
}

/// The settings the flags choose (a flag of the other engine's refused).
fn settings(args: &RenderArgs) -> Result<RenderSettings, CliError> {
    Ok(RenderSettings {
        engine: args.engine.settings()?,
        mode: if args.absolute {
            Mode::Absolute
        } else {
            Mode::Relative
        },
        reference_s: args.reference,
        strengths: args.strengths.strengths(),
        smoothing: true,
        size: args.size,
        fit: args.fit,
        fps: args.fps,
        crf: args.crf,
        preset: args.preset.clone(),
        lips_from_audio: args.lips_from_audio,
        seed: args.seed,
        head_motion: args.head_motion.unwrap_or(1.0),
        blinks: args.blinks.unwrap_or(1.0),
        brows: args.brows.unwrap_or(1.0),
        start_s: args.start,
        end_s: args.end,
        credentials: !args.no_credentials,
        watermark: args.watermark,
        crop_shift: args.crop_shift,
        crop_zoom: args.crop_zoom,
    })
}

fn crop_shift(s: &str) -> Result<[f32; 2], String> {
    let bad = || format!("'{s}': give DX,DY, each from -1 to 1 (0,-0.1 moves the crop up a tenth)");
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    let v = |t: &str| {
        t.trim()
            .parse::<f32>()
            .ok()
            .filter(|v| (-1.0..=1.0).contains(v))
    };
    Ok([v(x).ok_or_else(bad)?, v(y).ok_or_else(bad)?])
}

fn crop_zoom(s: &str) -> Result<f32, String> {
    let max = crate::pipeline::settings::MAX_CROP_ZOOM;
    super::number_in(s, 1.0, max, "a crop's zoom is a number")
}

/// Everything that can be checked before any work: inputs are files, the output is an MP4 that
/// can be written and is none of the inputs, the range is a range.
fn check(args: &RenderArgs) -> Result<(), CliError> {
    for p in args.source.iter() {
        match crate::media::video_frame_name(p) {
            Some((file, t)) => {
                super::input_file(&file)?;
                if t < 0.0 {
                    return Err(CliError::input(format!(
                        "--source {}: {t} s is before the clip's start; give a time from 0",
                        p.display()
                    )));
                }
            }
            None => {
                if let Some((file, t)) = crate::media::bad_frame_time(p) {
                    return Err(CliError::input(format!(
                        "--source {}: \"{t}\" after the @ is not a time in seconds; a frame of {f} is named {f}@SECONDS, e.g. {f}@2.5",
                        p.display(),
                        f = file.display()
                    )));
                }
                super::input_file(p)?;
                if p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("vivant"))
                {
                    return Err(CliError::input(format!(
                        "--source {}: this is a Vivant project, not a picture; open it with `vivant studio {}` (the studio exports it), or give its pictures",
                        p.display(),
                        p.display()
                    )));
                }
            }
        }
    }
    for p in args
        .driving
        .iter()
        .chain(&args.audio)
        .chain(&args.keep_still)
    {
        super::input_file(p)?;
    }
    if args.keep_still.len() > args.source.len() {
        return Err(CliError::input(format!(
            "{} --keep-still masks for {} --source pictures: give at most one mask per picture, in their order",
            args.keep_still.len(),
            args.source.len()
        )));
    }
    let mut inputs: Vec<(&str, &std::path::Path)> = args
        .source
        .iter()
        .map(|p| ("portrait", p.as_path()))
        .collect();
    inputs.extend(args.driving.iter().map(|p| ("driving clip", p.as_path())));
    inputs.extend(args.audio.iter().map(|p| ("soundtrack", p.as_path())));
    inputs.extend(
        args.keep_still
            .iter()
            .map(|p| ("keep-still mask", p.as_path())),
    );
    super::check_outputs(&[&args.output], &inputs)?;
    let ext = args
        .output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if !matches!(ext.as_deref(), Some("mp4" | "m4v" | "mov")) {
        return Err(CliError::input(format!(
            "-o {}: Vivant writes MP4 video; name the output with .mp4 (e.g. {})",
            args.output.display(),
            args.output.with_extension("mp4").display()
        )));
    }
    // The voice's own motion acts only when the voice drives the whole face.
    for (flag, given) in [
        ("--head-motion", args.head_motion.is_some()),
        ("--blinks", args.blinks.is_some()),
        ("--brows", args.brows.is_some()),
    ] {
        if given && args.driving.is_some() {
            return Err(CliError::input(format!(
                "{flag} shapes the motion a voice makes up when it drives the whole face; with --driving the clip's own head, blinks and brows move the portrait (--pose, --eyes and --expression set how strongly)"
            )));
        }
    }
    if let (Some(s), Some(e)) = (args.start, args.end)
        && e <= s
    {
        return Err(CliError::input(format!(
            "--end {e} is not after --start {s}: give the range's end after its start"
        )));
    }
    Ok(())
}

pub fn run(args: &RenderArgs, models: &ModelSource) -> Result<(), CliError> {
    check(args)?;
    let analyzer = super::analyzer(DeviceChoice::Cpu, models)?;
    let mut job = match (&args.driving, &args.audio) {
        (Some(d), _) => RenderJob::new(args.source[0].clone(), d.clone(), args.output.clone()),
        (None, Some(a)) => {
            RenderJob::speaking(args.source[0].clone(), a.clone(), args.output.clone())
        }
        (None, None) => return Err(CliError::input(PipelineError::NoDriver.to_string())),
    };
    job.sources = args.source.clone();
    job.keep_still = args
        .keep_still
        .iter()
        .map(|p| KeepStill::Image(p.clone()))
        .collect();
    job.sound = match (&args.audio, args.no_audio) {
        (Some(p), _) => Soundtrack::File(p.clone()),
        (None, true) => Soundtrack::None,
        (None, false) => Soundtrack::Driving,
    };
    job.settings = settings(args)?;
    // The engine's resources (the neural engine's weights) are read before any work: a
    // missing or broken file is reported now, not after the driving clip has been analysed.
    job.kind = Some(super::engine_kind(&mut job.settings.engine)?);
    if args.no_cache {
        job.cache_dir = None;
    }
    if let (Some(cert), Some(key)) = (&args.signing_cert, &args.signing_key) {
        super::input_file(cert)?;
        super::input_file(key)?;
        job.signer = Some(Signer::Own {
            cert: cert.clone(),
            key: key.clone(),
        });
    }
    // The signer is checked before any work: a bad certificate is reported now.
    if job.settings.credentials {
        match &job.signer {
            Some(s) => s.check().map_err(|e| CliError::input(e.to_string()))?,
            None => return Err(CliError::input(PipelineError::NoSigner.to_string())),
        }
    }
    // Ctrl-C: stop at the next frame; the writer removes its temporary file.
    let cancel = super::cancel_on_signal();
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template(
        "{msg:>10} [{bar:40}] {pos}/{len} frames, {per_sec}, ETA {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    let progress = |stage: Stage| match stage {
        Stage::Source => bar.set_message("source"),
        Stage::Listening => bar.set_message("listening"),
        Stage::Analysing(done, total) => {
            bar.set_message("tracking");
            bar.set_length(total);
            bar.set_position(done);
        }
        Stage::Rendering(done, total) => {
            if bar.message() != "rendering" {
                bar.set_message("rendering");
                bar.reset_eta();
            }
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let result = render(&analyzer, &job, &cancel, &progress);
    bar.finish_and_clear();
    let report = result.map_err(|e| match e.failure() {
        Failure::Cancelled => CliError {
            code: 130,
            message: format!("cancelled; {} was not written", args.output.display()),
        },
        _ => CliError::of(&e),
    })?;
    for n in &report.notes {
        errln!("note: {n}");
    }
    let driven = match report.reference_s {
        Some(r) => format!(
            "driving face found in {:.0} % of frames; reference expression at {r:.2} s",
            100.0 * report.driving_found
        ),
        None => format!("spoken from the voice, {} blinks", report.blinks),
    };
    errln!(
        "wrote {}: {} frames, {:.2} s, {}×{}; {driven}{}",
        report.output.display(),
        report.frames,
        report.duration_s,
        report.width,
        report.height,
        report
            .audio
            .map(|a| format!("; {a}"))
            .unwrap_or_else(|| "; no sound".into())
    );
    Ok(())
}
