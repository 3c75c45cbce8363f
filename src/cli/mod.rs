//! The `vivant` command line: a thin front end over the pipeline stages.

/// `println!` for a command's own output: a standard output that cannot be written (a full
/// disk, a closed pipe) ends the command with an error instead of a panic.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::cli::CliError::stdout)?
    }};
}

/// `print!`, as `outln!`.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*).map_err($crate::cli::CliError::stdout)?
    }};
}

/// `eprintln!` for notes and progress: a standard error that cannot be written loses them
/// rather than ending the command.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod devices;
mod eval;
mod landmarks;
mod live;
mod models;
mod probe;
mod render;
mod track;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::face::DeviceChoice;
use crate::models::ModelSource;

#[derive(Parser, Debug)]
#[command(name = "vivant", version, about = "Bring portraits to life", long_about = None)]
pub struct Cli {
    /// Read network weights from this folder instead of the copies built into the binary
    /// (files are checked against the bundled manifest).
    #[arg(long, global = true, value_name = "DIR")]
    pub models: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Find faces and their landmarks in images.
    Landmarks(landmarks::LandmarksArgs),
    /// Show what a media file holds: streams, size, rotation, frame rate, duration, frames,
    /// audio rate and channels.
    Probe(probe::ProbeArgs),
    /// Follow the face through a driving clip: per-frame landmarks, lost frames, jitter.
    Track(track::TrackArgs),
    /// Animate a portrait with a driving clip and write an MP4 with the clip's sound.
    Render(Box<render::RenderArgs>),
    /// Score the engine by self-reenactment: a clip's own frames as the portrait, the rest of
    /// the clip driving it, generated frames compared with the real ones.
    Eval(eval::EvalArgs),
    /// Open the studio window (optionally on a .vivant project).
    Studio(StudioArgs),
    /// The neural engine's weights (LivePortrait): check where you have them, or fetch them
    /// from Hugging Face.
    Models(models::ModelsArgs),
    /// Perform live without a window: the portrait follows the face from a camera for N
    /// seconds; reports frames captured, shown and dropped, and the camera-to-frame latency.
    Perform(live::PerformArgs),
    /// Record a take from a camera (and a microphone) into an MP4 that drives a render like
    /// any clip.
    Record(live::RecordArgs),
    /// What is here: cameras and microphones, and where the networks can run (the CPU's
    /// vector instructions and threads, each GPU back end, usable or not and why).
    Devices(devices::DevicesArgs),
    /// Read a file's Content Credentials: who made it, how, from what, and whether they
    /// validate (exit 0 valid, 1 none or invalid, 2 unreadable).
    Verify(verify::VerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct StudioArgs {
    /// A project to open (else: recover after a crash, the last project, or the bundled
    /// demo); or pictures, a driving clip and a voice recording to start a new project with
    /// (as the desktop's "Open with Vivant" passes them).
    pub files: Vec<PathBuf>,
    /// Play without sound (no sound device opened).
    #[arg(long)]
    pub silent: bool,
}

/// A failure with the exit code it maps to: 2 for bad input, 1 for everything else.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// The standard output could not take the command's output: a reader that went away (a
    /// closed pipe, `| head`) ends it quietly, as the signal would; anything else is said.
    pub fn stdout(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self {
                code: 141,
                message: String::new(),
            }
        } else {
            Self::input(format!("cannot write to the standard output: {e}"))
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }

    /// A pipeline's error with the exit code its kind of failure has: 130 cancelled, 1 ours
    /// or the machine's, 2 what the user gave.
    pub fn of(e: &crate::pipeline::PipelineError) -> Self {
        use crate::pipeline::Failure;
        match e.failure() {
            Failure::Cancelled => Self {
                code: 130,
                message: "cancelled".into(),
            },
            Failure::Internal => Self::internal(e.to_string()),
            _ => Self::input(e.to_string()),
        }
    }
}

pub(crate) fn model_source(cli_models: &Option<PathBuf>) -> ModelSource {
    match cli_models {
        Some(dir) => ModelSource::dir(dir),
        None => ModelSource::Embedded,
    }
}

/// The face-analysis stage on the chosen device, or the reason it cannot run (exit code 2).
pub(crate) fn analyzer(
    device: DeviceChoice,
    models: &ModelSource,
) -> Result<crate::face::Analyzer, CliError> {
    let device = device
        .device()
        .map_err(|e| CliError::input(e.to_string()))?;
    crate::face::Analyzer::new(&device, models).map_err(|e| CliError::input(e.to_string()))
}

/// The longest time a flag takes: ten days of seconds.
const MAX_SECONDS: f64 = 864_000.0;

/// A time in seconds from the flags (`--start`, `--reference`, `--at`): a number from 0 to ten
/// days, the limit said.
/// How strongly the driving face's motion is carried over, as `render` and `perform` take it.
#[derive(clap::Args, Debug)]
pub struct StrengthArgs {
    /// Head-pose strength, 0–2.
    #[arg(long, default_value_t = 1.0, value_parser = strength)]
    pub pose: f32,
    /// Expression strength, 0–2.
    #[arg(long, default_value_t = 1.0, value_parser = strength)]
    pub expression: f32,
    /// Eye strength (blinks, squints), 0–2.
    #[arg(long, default_value_t = 1.0, value_parser = strength)]
    pub eyes: f32,
    /// Mouth strength, 0–2.
    #[arg(long, default_value_t = 1.0, value_parser = strength)]
    pub mouth: f32,
}

impl StrengthArgs {
    pub fn strengths(&self) -> crate::motion::Strengths {
        crate::motion::Strengths {
            pose: self.pose,
            expression: self.expression,
            eyes: self.eyes,
            mouth: self.mouth,
        }
    }
}

/// A number from `lo` to `hi`, else what it must be (`what`: "a strength is a number").
pub(crate) fn number_in(s: &str, lo: f32, hi: f32, what: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(format!("'{s}': {what} from {lo} to {hi}")),
    }
}

/// A strength slider's value: 0 to 2.
pub(crate) fn strength(s: &str) -> Result<f32, String> {
    number_in(s, 0.0, 2.0, "a strength is a number")
}

/// A share: 0 to 1.
pub(crate) fn unit(s: &str) -> Result<f32, String> {
    number_in(s, 0.0, 1.0, "a number")
}

pub(crate) fn seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=MAX_SECONDS).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}': a time is a number of seconds from 0 to {MAX_SECONDS} (ten days), e.g. 2.5"
        )),
    }
}

pub(crate) fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse()
}

/// The engine and its own settings, as `render` and `eval` take them.
#[derive(clap::Args, Debug)]
pub struct EngineArgs {
    /// The animation engine: warp (nothing to download) or neural (LivePortrait's networks,
    /// from the weights in --weights).
    #[arg(long, value_enum, default_value = "warp")]
    pub engine: crate::render::EngineChoice,
    /// The folder holding LivePortrait's weights (the neural engine; see `vivant models check`);
    /// without it, the Hugging Face cache and the usual LivePortrait and ComfyUI folders are
    /// searched (`vivant models fetch` downloads them).
    #[arg(long, value_name = "DIR")]
    pub weights: Option<PathBuf>,
    /// Where the warp engine draws: cpu (all cores, the default) or wgpu (the GPU; Mesa's
    /// software adapter on a machine without one).
    #[arg(long, value_enum)]
    pub backend: Option<crate::render::Backend>,
    /// Where the neural engine's networks run: auto (the default: a GPU built in and usable
    /// here, else the CPU, with a note saying why), cpu, cuda or metal; `vivant devices` lists
    /// what is here. Face analysis runs on the CPU.
    #[arg(long, value_parser = parse_device)]
    pub device: Option<DeviceChoice>,
    /// The warp engine: paint the inside of an opened mouth in the portrait's colours instead
    /// of taking it from the driving clip's own mouth (teeth, tongue) in each frame.
    #[arg(long)]
    pub painted_mouth: bool,
    /// The warp engine: when a voice moves the lips (--audio with no clip, or
    /// --lips-from-audio), paint the inside of an opened mouth instead of taking it from real mouths chosen by its
    /// shape (the portrait's own when a source shows its mouth open, else Vivant's bundled
    /// ones).
    #[arg(long)]
    pub painted_voice_mouth: bool,
    /// The warp engine: leave eyes that open wider than the portrait's to the warp (the iris
    /// and its catch lights stretched with the lids) instead of filling them from the
    /// portrait's own eye.
    #[arg(long)]
    pub stretched_eyes: bool,
    /// The warp engine: how strongly the driving clip's expression details (the creases of a
    /// raised forehead, drawn brows, a smile's folds, crow's feet) are laid onto the
    /// portrait's skin: 1 (the default) as they are on the driver's face, 0 none, up to 2.
    #[arg(long, value_name = "STRENGTH", value_parser = parse_details)]
    pub details: Option<f32>,
}

pub(crate) fn parse_details(s: &str) -> Result<f32, String> {
    let max = crate::render::MAX_DETAILS;
    match s.parse::<f32>() {
        Ok(v) if (0.0..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}': the details' strength is a number from 0 (none) to {max}; 1 lays them on as \
             they are on the driver's face"
        )),
    }
}

impl EngineArgs {
    /// The engine the flags choose, with its own settings; a flag of the other engine's is
    /// refused rather than ignored.
    pub fn settings(&self) -> Result<crate::render::EngineSettings, CliError> {
        use crate::render::{Backend, EngineChoice, EngineSettings};
        let other = |flag: &str, whose: &str, instead: &str| {
            Err(CliError::input(format!(
                "{flag} is the {whose} engine's, and this render uses the {} engine: {instead}",
                self.engine.label().to_lowercase()
            )))
        };
        match self.engine {
            EngineChoice::Warp => {
                if self.weights.is_some() {
                    return other("--weights", "neural", "add --engine neural to use them");
                }
                if self.device.is_some() {
                    return other(
                        "--device",
                        "neural",
                        "the warp engine draws where --backend says (cpu or wgpu)",
                    );
                }
                Ok(EngineSettings::Warp {
                    backend: self.backend.unwrap_or(Backend::Cpu),
                    clip_mouth: !self.painted_mouth,
                    voice_mouth: !self.painted_voice_mouth,
                    eye_fill: !self.stretched_eyes,
                    details: self.details.unwrap_or(crate::render::DEFAULT_DETAILS),
                })
            }
            EngineChoice::Neural => {
                for (set, flag) in [
                    (self.painted_mouth, "--painted-mouth"),
                    (self.painted_voice_mouth, "--painted-voice-mouth"),
                    (self.stretched_eyes, "--stretched-eyes"),
                    (self.details.is_some(), "--details"),
                ] {
                    if set {
                        return other(
                            flag,
                            "warp",
                            "the neural engine draws the whole face, its eyes and the mouth's inside too",
                        );
                    }
                }
                if self.backend.is_some() {
                    return other(
                        "--backend",
                        "warp",
                        "the neural engine runs where --device says (auto, cpu, cuda or metal)",
                    );
                }
                Ok(EngineSettings::Neural {
                    weights: self.weights.clone(),
                    device: self.device.unwrap_or_default(),
                })
            }
        }
    }
}

/// The engine kind `settings` make, its resources loaded before any work (a missing folder,
/// file or tensor, or a device that is not here, is a bad input, exit 2, that names what is
/// needed); what was left to be found is filled into `settings` and said on stderr, as is a
/// GPU asked for by `auto` that ended on the CPU.
pub(crate) fn engine_kind(
    settings: &mut crate::render::EngineSettings,
) -> Result<std::sync::Arc<dyn crate::render::EngineKind>, CliError> {
    let failed = |e: crate::render::RenderError| CliError::of(&e.into());
    let found = settings.locate().map_err(failed)?;
    let (kind, notes) = settings.kind().map_err(failed)?;
    for note in found.iter().chain(&notes) {
        errln!("note: {note}");
    }
    Ok(kind)
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Landmarks(args) => landmarks::run(args, &model_source(&cli.models)),
        Command::Probe(args) => probe::run(args),
        Command::Track(args) => track::run(args, &model_source(&cli.models)),
        Command::Render(args) => render::run(args, &model_source(&cli.models)),
        Command::Eval(args) => eval::run(args, &model_source(&cli.models)),
        Command::Models(args) => models::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Devices(args) => devices::run(args),
        Command::Perform(args) => live::run_perform(args, &model_source(&cli.models)),
        Command::Record(args) => live::run_record(args),
        Command::Studio(args) => crate::studio::run(crate::studio::StudioOptions {
            // A project is opened; anything else is added to a new one.
            project: args
                .files
                .iter()
                .find(|p| {
                    p.extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("vivant"))
                })
                .cloned(),
            media: args
                .files
                .iter()
                .filter(|p| {
                    !p.extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("vivant"))
                })
                .cloned()
                .collect(),
            state_dir: None,
            sound: !args.silent,
            demo_on_first_launch: true,
            desktop_dialogs: true,
        })
        .map_err(CliError::internal),
    }
}

/// Parse `std::env::args`, run, print errors, and return the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    for note in crate::nn::threads::misread_settings() {
        errln!("note: {note}");
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                errln!("error: {}", e.message);
            }
            ExitCode::from(e.code)
        }
    }
}

/// Write `path` atomically (`crate::output::write_atomic`), failures as exit code 2.
pub fn write_atomic(
    path: &std::path::Path,
    write: impl FnOnce(&std::path::Path) -> Result<(), String>,
) -> Result<(), CliError> {
    crate::output::write_atomic(path, |tmp| write(tmp).map_err(std::io::Error::other))
        .map_err(|e| CliError::input(e.to_string()))
}

/// A flag set by Ctrl-C, SIGTERM or SIGHUP (a closed terminal, `timeout`, `kill`): long work
/// stops at its next step and its temporary files are removed as the error unwinds, instead
/// of the process dying with them on disk.
pub(crate) fn cancel_on_signal() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let c = cancel.clone();
    let _ = ctrlc::set_handler(move || c.store(true, std::sync::atomic::Ordering::Relaxed));
    cancel
}

/// A command-line input that must be a readable file: "no such file", "a folder" and "a device
/// or a pipe" each said as such.
pub(crate) fn input_file(path: &std::path::Path) -> Result<(), CliError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(CliError::input(format!("{}: no such file", path.display())))
        }
        Err(e) => Err(CliError::input(format!(
            "{}: cannot open: {e}",
            path.display()
        ))),
        Ok(m) => match crate::media::not_regular(&m) {
            Some(what) => Err(CliError::input(format!(
                "{} is {what}; give a file",
                path.display()
            ))),
            None => Ok(()),
        },
    }
}

/// Check every output of a command before any work: each writable, none an input, no two
/// the same file (`crate::output`).
pub fn check_outputs(
    outputs: &[&std::path::Path],
    inputs: &[(&str, &std::path::Path)],
) -> Result<(), CliError> {
    for o in outputs {
        // Not a file called "-" in the current folder, which is what it would be.
        if o.as_os_str() == "-" {
            return Err(CliError::input(
                "-: output goes to files here, not the standard output; give a file name (`vivant landmarks` without --json prints its JSON)",
            ));
        }
        crate::output::check_destination(o, inputs).map_err(|e| CliError::input(e.to_string()))?;
    }
    crate::output::check_distinct(outputs).map_err(|e| CliError::input(e.to_string()))
}
