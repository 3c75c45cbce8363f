//! `vivant perform` (the live loop without a window: a check of a set-up, and what the live
//! benchmark runs) and `vivant record` (a take from a camera and a microphone, for scripts and
//! kiosks).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Args;

use super::CliError;
use crate::export::take::{Take, VoiceTake};
use crate::face::DeviceChoice;
use crate::media::live::{Camera, DeviceKind, LiveFrame, LiveInput, Microphone, TAP_QUEUE};
use crate::models::ModelSource;
use crate::motion::Mode;
use crate::pipeline::live::{LiveSettings, Performer, perform};
use crate::render::{Backend, SourceFace};

/// How long and how `perform` and `record` report.
#[derive(Args, Debug)]
pub struct LiveArgs {
    /// How long to run, seconds.
    #[arg(long, value_name = "N", default_value_t = 10.0, value_parser = duration)]
    pub seconds: f64,
    /// Print one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct PerformArgs {
    /// The portrait (photo or painting); repeat for several pictures of the same face.
    #[arg(long, value_name = "IMG", required = true)]
    pub source: Vec<PathBuf>,
    /// The camera: its number or name from `vivant devices`, FORMAT:INPUT for any FFmpeg input
    /// device (v4l2:/dev/video0, lavfi:testsrc2=size=640x480:rate=30), or a media file played
    /// at its own pace.
    #[arg(long, value_name = "DEV")]
    pub camera: String,
    #[command(flatten)]
    pub live: LiveArgs,
    /// Keep what was shown, as an MP4 at the camera's frame rate.
    #[arg(short, long, value_name = "OUT.mp4")]
    pub output: Option<PathBuf>,
    /// Where the warp engine draws: cpu (the default) or wgpu.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Paint the inside of the mouth instead of taking it from the camera.
    #[arg(long)]
    pub painted_mouth: bool,
    /// Leave eyes that open wider than the portrait's to the warp (stretched) instead of
    /// filling them from the portrait's own eye.
    #[arg(long)]
    pub stretched_eyes: bool,
    /// How strongly the performer's expression details (creases) are laid onto the
    /// portrait's skin: 1 (the default) as they are on the face, 0 none, up to 2.
    #[arg(long, value_name = "STRENGTH", value_parser = super::parse_details)]
    pub details: Option<f32>,
    /// The performer's head roll and eye and mouth opening as they are, not as changes from
    /// the first face seen.
    #[arg(long)]
    pub absolute: bool,
    /// Follow the face without smoothing (a little less latency, a little more shimmer).
    #[arg(long)]
    pub no_smoothing: bool,
    #[command(flatten)]
    pub strengths: super::StrengthArgs,
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The camera, as `perform` takes it. Without one, the microphone alone is recorded to a
    /// WAV file: a voice for the portrait to speak.
    #[arg(long, value_name = "DEV", required_unless_present = "mic")]
    pub camera: Option<String>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// The microphone: its number or name from `vivant devices`, FORMAT:INPUT
    /// (pulse:default, lavfi:sine=frequency=220), or a media file's sound played at its pace.
    #[arg(long, value_name = "DEV")]
    pub mic: Option<String>,
    /// The take to write (replaced only when the take is finished): .mp4 with a camera, .wav
    /// for the microphone alone.
    #[arg(short, long, value_name = "OUT.mp4|OUT.wav")]
    pub output: PathBuf,
}

fn duration(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 24.0 * 3600.0 => Ok(v),
        _ => Err(format!(
            "'{s}': a number of seconds, more than 0 (up to a day)"
        )),
    }
}

/// A report as one JSON line on stdout.
fn json_line(report: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string(report).map_err(|e| CliError::internal(e.to_string()))?;
    outln!("{text}");
    Ok(())
}

/// Until `seconds` are recorded, Ctrl-C (which ends a take early and keeps it), or the take
/// stops by itself (its device gone).
fn wait_while_recording(
    seconds: f64,
    stop: &std::sync::atomic::AtomicBool,
    recorded: impl Fn() -> f64,
    running: impl Fn() -> bool,
) {
    while recorded() < seconds && !stop.load(Ordering::Relaxed) && running() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn camera_input(text: &str) -> Result<LiveInput, CliError> {
    LiveInput::parse(text, DeviceKind::Camera).map_err(|e| CliError::input(format!("--camera {e}")))
}

fn mic_input(text: &str) -> Result<LiveInput, CliError> {
    LiveInput::parse(text, DeviceKind::Microphone)
        .map_err(|e| CliError::input(format!("--mic {e}")))
}

fn open_camera(input: &LiveInput) -> Result<Camera, CliError> {
    Camera::open(input).map_err(|e| CliError::input(format!("--camera: {e}")))
}

fn open_mic(input: &LiveInput) -> Result<Microphone, CliError> {
    Microphone::open(input).map_err(|e| CliError::input(format!("--mic: {e}")))
}

/// A file standing in for a camera or microphone is an input the output must not replace.
fn file_of(input: &LiveInput) -> Option<&std::path::Path> {
    match input {
        LiveInput::File(p) => Some(p),
        LiveInput::Device { .. } => None,
    }
}

fn check_output(
    path: &std::path::Path,
    inputs: &[(&str, &std::path::Path)],
    voice: bool,
) -> Result<(), CliError> {
    super::check_outputs(&[path], inputs)?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if voice && ext.as_deref() != Some("wav") {
        return Err(CliError::input(format!(
            "-o {}: the microphone alone is recorded as WAV; name it with .wav (e.g. {}), or give --camera for a video take",
            path.display(),
            path.with_extension("wav").display()
        )));
    }
    if !voice && !matches!(ext.as_deref(), Some("mp4" | "m4v" | "mov")) {
        return Err(CliError::input(format!(
            "-o {}: Vivant writes MP4 video; name it with .mp4 (e.g. {})",
            path.display(),
            path.with_extension("mp4").display()
        )));
    }
    Ok(())
}

pub fn run_perform(args: &PerformArgs, models: &ModelSource) -> Result<(), CliError> {
    for p in &args.source {
        super::input_file(p)?;
    }
    let camera_in = camera_input(&args.camera)?;
    if let Some(out) = &args.output {
        let mut inputs: Vec<(&str, &std::path::Path)> = args
            .source
            .iter()
            .map(|p| ("portrait", p.as_path()))
            .collect();
        inputs.extend(file_of(&camera_in).map(|p| ("camera", p)));
        check_output(out, &inputs, false)?;
    }
    let analyzer = super::analyzer(DeviceChoice::Cpu, models)?;
    let mut sources = Vec::new();
    for p in &args.source {
        let (image, landmarks68, _) =
            crate::pipeline::source_face(&analyzer, p).map_err(|e| CliError::of(&e))?;
        sources.push(SourceFace {
            image,
            landmarks68,
            keep_still: None,
        });
    }
    let settings = LiveSettings {
        mode: if args.absolute {
            Mode::Absolute
        } else {
            Mode::Relative
        },
        strengths: args.strengths.strengths(),
        backend: args.backend,
        clip_mouth: !args.painted_mouth,
        eye_fill: !args.stretched_eyes,
        details: args.details.unwrap_or(crate::render::DEFAULT_DETAILS),
        smoothing: !args.no_smoothing,
    };
    let still = sources[0].image.clone();
    let camera = open_camera(&camera_in)?;
    let mut performer = Performer::new(&analyzer, sources, settings);
    let stop = super::cancel_on_signal();
    // What was shown, placed by when its camera frame was captured.
    let mut kept = match &args.output {
        Some(out) => {
            // Bounded like a camera's tap: an encoder that falls behind misses frames.
            let (tx, rx) = std::sync::mpsc::sync_channel::<LiveFrame>(TAP_QUEUE);
            let mut info = camera.info().clone();
            (info.width, info.height) = still.dimensions();
            let take = Take::of_frames(rx, &info, None, out)
                .map_err(|e| CliError::internal(format!("-o {}: {e}", out.display())))?;
            Some((tx, take))
        }
        None => None,
    };
    let report = perform(
        &camera,
        &mut performer,
        args.live.seconds,
        &stop,
        |drawn, frame| {
            if let Some((tx, _)) = &kept {
                let _ = tx.try_send(LiveFrame {
                    seq: frame.seq,
                    image: std::sync::Arc::new(drawn.image.clone()),
                    captured_s: frame.captured_s,
                });
            }
            Ok(())
        },
    )
    .map_err(|e| CliError::of(&e))?;
    let written = match kept.take() {
        Some((tx, take)) => {
            drop(tx);
            Some(
                take.stop()
                    .map_err(|e| CliError::internal(format!("writing what was shown: {e}")))?,
            )
        }
        None => None,
    };
    if args.live.json {
        json_line(&report)?;
    } else {
        outln!(
            "{}: {}×{}; {:.1} s: {} frames captured, {} shown, {} dropped; {:.1} frames/s shown; camera to frame {:.0} ms (median), {:.0} ms (95th percentile){}",
            report.camera,
            report.width,
            report.height,
            report.seconds,
            report.frames_captured,
            report.frames_shown,
            report.frames_dropped,
            report.fps,
            report.latency_ms.p50,
            report.latency_ms.p95,
            if report.frames_without_face > 0 {
                format!("; no face in {} of them", report.frames_without_face)
            } else {
                String::new()
            }
        );
    }
    if let Some(why) = &report.camera_ended {
        errln!(
            "note: the camera stopped after {:.1} s: {why}",
            report.seconds
        );
    }
    if stop.load(Ordering::Relaxed) {
        errln!("note: stopped early");
    }
    if let Some(w) = written {
        errln!(
            "wrote {}: {} frames, {:.2} s",
            w.file.path.display(),
            w.file.frames,
            w.file.duration_s
        );
    }
    if report.frames_shown == 0 {
        return Err(CliError::input(format!(
            "{}: no frame came from the camera in {:.1} s",
            report.camera, report.seconds
        )));
    }
    Ok(())
}

pub fn run_record(args: &RecordArgs) -> Result<(), CliError> {
    let camera_in = args.camera.as_deref().map(camera_input).transpose()?;
    let mic_in = args.mic.as_deref().map(mic_input).transpose()?;
    let mut inputs: Vec<(&str, &std::path::Path)> = Vec::new();
    inputs.extend(camera_in.as_ref().and_then(file_of).map(|p| ("camera", p)));
    inputs.extend(mic_in.as_ref().and_then(file_of).map(|p| ("microphone", p)));
    check_output(&args.output, &inputs, camera_in.is_none())?;
    let Some(camera_in) = camera_in else {
        return record_voice(args, mic_in);
    };
    let camera = open_camera(&camera_in)?;
    let mic = mic_in.as_ref().map(open_mic).transpose()?;
    let stop = super::cancel_on_signal();
    let take = Take::start(&camera, mic.as_ref(), &args.output)
        .map_err(|e| CliError::internal(format!("-o {}: {e}", args.output.display())))?;
    wait_while_recording(
        args.live.seconds,
        &stop,
        || take.seconds(),
        || take.running(),
    );
    let report = take
        .stop()
        .map_err(|e| CliError::internal(format!("-o {}: {e}", args.output.display())))?;
    if args.live.json {
        json_line(&report)?;
    } else {
        errln!(
            "wrote {}: {} frames, {:.2} s, {}×{}; {}",
            report.file.path.display(),
            report.file.frames,
            report.file.duration_s,
            report.file.width,
            report.file.height,
            report
                .file
                .audio
                .map(|a| a.to_string())
                .unwrap_or_else(|| "no sound".into())
        );
    }
    if let Some(why) = &report.camera_lost {
        errln!("note: the camera was lost part way ({why}); the take so far is kept");
    } else if camera.ended().is_some() && report.file.duration_s < args.live.seconds - 0.5 {
        errln!(
            "note: the camera's input ended after {:.1} s; the take is that long",
            report.file.duration_s
        );
    }
    if let Some(why) = &report.microphone_lost {
        errln!("note: the microphone was lost part way ({why}); silence after it");
    }
    if report.frames_missed > 0 {
        errln!(
            "note: {} of the camera's frames could not be recorded in time (the encoder fell behind; a smaller camera size or rate keeps every one); the frame before each was held",
            report.frames_missed
        );
    }
    if stop.load(Ordering::Relaxed) && report.file.duration_s < args.live.seconds - 0.1 {
        errln!("note: stopped early; the take so far is kept");
    }
    Ok(())
}

/// The microphone alone, to a WAV file.
fn record_voice(args: &RecordArgs, mic: Option<LiveInput>) -> Result<(), CliError> {
    let Some(mic) = mic else {
        return Err(CliError::input("give --camera, --mic or both"));
    };
    let mic = open_mic(&mic)?;
    let stop = super::cancel_on_signal();
    let take = VoiceTake::start(&mic, &args.output)
        .map_err(|e| CliError::internal(format!("-o {}: {e}", args.output.display())))?;
    wait_while_recording(
        args.live.seconds,
        &stop,
        || take.seconds(),
        || take.running(),
    );
    let report = take
        .stop()
        .map_err(|e| CliError::internal(format!("-o {}: {e}", args.output.display())))?;
    if args.live.json {
        json_line(&report)?;
    } else {
        errln!(
            "wrote {}: {:.2} s of sound, 48 kHz mono",
            report.path.display(),
            report.duration_s
        );
    }
    if let Some(why) = &report.microphone_lost {
        errln!("note: the microphone was lost part way ({why}); the take so far is kept");
    }
    if stop.load(Ordering::Relaxed) {
        errln!("note: stopped early; the take so far is kept");
    }
    Ok(())
}
