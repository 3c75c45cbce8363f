//! The `vivant` command line: a thin front end over the pipeline stages.

mod eval;
mod landmarks;
mod models;
mod probe;
mod render;
mod track;

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
    Render(render::RenderArgs),
    /// Score the engine by self-reenactment: a clip's own frames as the portrait, the rest of
    /// the clip driving it, generated frames compared with the real ones.
    Eval(eval::EvalArgs),
    /// Open the studio window (optionally on a .vivant project).
    Studio(StudioArgs),
    /// The neural engine's weights (LivePortrait), which you download yourself.
    Models(models::ModelsArgs),
}

#[derive(clap::Args, Debug)]
pub struct StudioArgs {
    /// A project to open (else: recover after a crash, the last project, or the bundled demo).
    pub project: Option<PathBuf>,
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

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
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

pub(crate) fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse()
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
        Command::Studio(args) => crate::studio::run(crate::studio::StudioOptions {
            project: args.project.clone(),
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder, then a rename, so a
/// failure never leaves a half-written file or destroys the previous one.
pub fn write_atomic(
    path: &std::path::Path,
    write: impl FnOnce(&std::path::Path) -> Result<(), String>,
) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(CliError::input(format!(
            "cannot write {}: folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    // Keep the extension last: image encoders choose the format by it.
    let tmp = dir.join(format!(".{name}.{}.partial{ext}", std::process::id()));
    let result = write(&tmp).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot move into place: {e}"))
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(CliError::input(format!(
            "cannot write {}: {e}",
            path.display()
        )));
    }
    Ok(())
}
