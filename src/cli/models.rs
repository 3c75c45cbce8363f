//! `vivant models check [DIR]`: what a folder of LivePortrait weights holds, and whether the
//! neural engine can run from it; `vivant models fetch`: the weights downloaded from Hugging
//! Face into its cache, on the user's say-so only, then checked the same way; `vivant models
//! bench`: how long each network takes here, and what a clip would.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Args, Subcommand};
use indicatif::{DecimalBytes, HumanDuration, ProgressBar, ProgressStyle};
use serde::Serialize;

use super::{CliError, parse_device};
use crate::face::DeviceChoice;
use crate::neural::fetch::{self, FetchError, FetchOptions, FetchProgress, FetchStage, Fetched};
use crate::neural::{self, LivePortrait, Network, bench, weights};

#[derive(Args, Debug)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Subcommand, Debug)]
pub enum ModelsCommand {
    /// Check a folder of LivePortrait weights (the .pth files the authors publish, or
    /// .safetensors conversions): which networks are there, their format, size, type and
    /// SHA-256, and that every network builds. Exit code 2 names the bad file and tensor.
    Check(CheckArgs),
    /// Download LivePortrait's weights (≈ 520 MB, MIT licence) from Hugging Face
    /// (KwaiVGI/LivePortrait) into the Hugging Face cache, then check them: only the five
    /// files the engine needs. Ctrl-C cancels; running it again resumes. HF_ENDPOINT,
    /// HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE and HF_TOKEN are honoured. Exit codes: 2 not
    /// found or offline, 1 network or server trouble, 130 cancelled.
    Fetch(FetchArgs),
    /// Time the networks on this machine: F (per portrait), M (per driving frame), W and G
    /// (per output frame), the time per output frame and what a 10-s clip would take. Without
    /// --weights, the reference's full-size networks with random weights (nothing to
    /// download). VIVANT_CPU=avx2 or generic times a smaller instruction set.
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// A folder of LivePortrait weights (any layout `models check` takes); without it, random
    /// full-size weights.
    #[arg(long, value_name = "DIR")]
    pub weights: Option<PathBuf>,
    /// Threads for the CPU kernels (default: every core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// Timed runs of each network after a warm-up; the best counts.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Where to run the networks: cpu, cuda, metal or auto.
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    pub device: DeviceChoice,
    /// Print one JSON line (seconds for F, M, W, G and frame; how they ran) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The folder: the five files (appearance_feature_extractor, motion_extractor,
    /// warping_module, spade_generator, stitching_retargeting_module; optional config.json),
    /// the authors' pretrained_weights/ or its liveportrait/, a Hugging Face cache or
    /// ComfyUI's models/liveportrait/. Without it, the usual places are searched.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Where to build the networks: cpu, cuda, metal or auto.
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    pub device: DeviceChoice,
}

#[derive(Args, Debug)]
pub struct FetchArgs {
    /// The repository's branch, tag or commit.
    #[arg(long, default_value = "main", value_name = "REV")]
    pub revision: String,
    /// Print JSON (what was fetched, and the check) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct NetworkReport {
    network: Network,
    file: PathBuf,
    format: weights::Format,
    parameters: usize,
    dtype: String,
    sha256: String,
}

#[derive(Serialize)]
struct Report {
    dir: PathBuf,
    layout: weights::Layout,
    config_file: Option<PathBuf>,
    config: neural::Config,
    motion_backbone_dims: Vec<usize>,
    motion_backbone_depths: Vec<usize>,
    device: String,
    networks: Vec<NetworkReport>,
}

pub fn run(args: &ModelsArgs) -> Result<(), CliError> {
    match &args.command {
        ModelsCommand::Check(check) => run_check(check),
        ModelsCommand::Fetch(fetch) => run_fetch(fetch),
        ModelsCommand::Bench(bench) => run_bench(bench),
    }
}

fn run_bench(args: &BenchArgs) -> Result<(), CliError> {
    if let Some(n) = args.threads {
        crate::nn::threads::set_compute_threads(n as usize);
    }
    let device = args
        .device
        .device()
        .map_err(|e| CliError::input(e.to_string()))?;
    let input = |e: neural::NeuralError| CliError::input(e.to_string());
    let nets = match &args.weights {
        Some(given) => {
            let dir = weights_folder(Some(given))?;
            let lp = LivePortrait::load(&dir, &device).map_err(input)?;
            bench::Networks::from(lp, dir.display().to_string())
        }
        None => bench::Networks::random(&device).map_err(input)?,
    };
    if !args.json {
        errln!(
            "timing LivePortrait's networks ({}, {} run{} each after a warm-up)…",
            nets.weights,
            args.runs,
            if args.runs == 1 { "" } else { "s" }
        );
    }
    let report = bench::run(&nets, &device, args.runs as usize)
        .map_err(|e| CliError::internal(e.to_string()))?;
    if args.json {
        let line = serde_json::to_string(&report).map_err(|e| CliError::internal(e.to_string()))?;
        outln!("{line}");
        return Ok(());
    }
    let threads = if report.threads > 0 {
        format!(
            ", {} thread{}",
            report.threads,
            if report.threads == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    outln!(
        "LivePortrait's networks here: {}, {}{threads}, {}, {}² in, {}² out",
        report.device,
        report.kernels,
        report.precision,
        report.input,
        2 * report.input
    );
    for (name, per, secs) in [
        ("F appearance", "per portrait", report.f),
        ("M motion", "per driving frame", report.m),
        ("W warping", "per output frame", report.w),
        ("G generator", "per output frame", report.g),
    ] {
        outln!("  {name:<14} {per:<18} {secs:>8.3} s");
    }
    outln!(
        "  per output frame (M + W + G)      {:>8.3} s  ({:.2} frames/s)",
        report.frame,
        1.0 / report.frame
    );
    outln!(
        "  a 10-s clip (250 frames at 25/s): {}",
        human_duration(report.clip_10s)
    );
    if report.peak_memory_mb > 0.0 {
        outln!("  peak memory {:.2} GB", report.peak_memory_mb / 1024.0);
    }
    Ok(())
}

/// "43 s", "12.5 min", "1.8 h".
fn human_duration(s: f64) -> String {
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// The folder given, or the first complete one of the usual places (said on stderr), or an
/// error that lists where it looked (exit code 2).
pub(crate) fn weights_folder(given: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(dir) = given {
        return Ok(dir.to_path_buf());
    }
    let found =
        weights::find(&weights::Places::from_env()).map_err(|e| CliError::input(e.to_string()))?;
    errln!(
        "note: using LivePortrait's weights from {} ({})",
        found.root.display(),
        found.layout.describe()
    );
    Ok(found.root)
}

fn run_check(args: &CheckArgs) -> Result<(), CliError> {
    let dir = weights_folder(args.dir.as_deref())?;
    let (report, summary) = check(&dir, args.device)?;
    if args.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::internal(e.to_string()))?;
        outln!("{text}");
    } else {
        print_report(&report, &summary)?;
    }
    Ok(())
}

/// What `check` prints after the table.
struct Summary {
    num_kp: usize,
}

/// Read every network's file in `dir` and build the networks on `device`.
fn check(dir: &Path, device: DeviceChoice) -> Result<(Report, Summary), CliError> {
    let input = |e: neural::NeuralError| CliError::input(e.to_string());
    let location = weights::resolve(dir).map_err(input)?;
    let (config, config_file) = neural::load_config(dir).map_err(input)?;
    let mut networks = Vec::new();
    let mut checkpoints = Vec::new();
    for network in Network::ALL {
        let (path, format) = location.file(network).map_err(input)?;
        let ckpt = weights::read_file(&path, network, format).map_err(input)?;
        let sha256 = weights::sha256(&ckpt.path)
            .map_err(|e| CliError::input(format!("cannot read {}: {e}", ckpt.path.display())))?;
        networks.push(NetworkReport {
            network,
            file: ckpt.path.clone(),
            format: ckpt.format,
            parameters: ckpt.parameters(),
            dtype: format!("{:?}", ckpt.dtype).to_lowercase(),
            sha256,
        });
        checkpoints.push(ckpt);
    }
    let candle_device = device
        .device()
        .map_err(|e| CliError::input(e.to_string()))?;
    let lp =
        LivePortrait::from_checkpoints(config, config_file.as_deref(), checkpoints, &candle_device)
            .map_err(input)?;
    let report = Report {
        dir: dir.to_path_buf(),
        layout: location.layout,
        config_file,
        motion_backbone_dims: lp.motion.dims.clone(),
        motion_backbone_depths: lp.motion.depths.clone(),
        config: lp.config.clone(),
        device: format!("{device:?}").to_lowercase(),
        networks,
    };
    Ok((
        report,
        Summary {
            num_kp: lp.num_kp(),
        },
    ))
}

fn print_report(report: &Report, summary: &Summary) -> Result<(), CliError> {
    outln!(
        "LivePortrait weights in {} ({})",
        report.dir.display(),
        report.layout.describe()
    );
    match &report.config_file {
        Some(p) => outln!("configuration: {}", p.display()),
        None => outln!("configuration: the reference's defaults (no config.json)"),
    }
    for n in &report.networks {
        let name = n
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        outln!(
            "  {:<36} {:<42} {:>9.3} M  {}  sha256 {}",
            n.network.describe(),
            name,
            n.parameters as f64 / 1e6,
            n.dtype,
            n.sha256
        );
    }
    let total: usize = report.networks.iter().map(|n| n.parameters).sum();
    outln!(
        "all five networks build on {} ({:.1} M parameters; {} keypoints; motion backbone widths {:?}, depths {:?})",
        report.device,
        total as f64 / 1e6,
        summary.num_kp,
        report.motion_backbone_dims,
        report.motion_backbone_depths
    );
    Ok(())
}

#[derive(Serialize)]
struct FetchReport<'a> {
    fetch: &'a Fetched,
    check: &'a Report,
}

/// A fetch's failure as an exit code: 2 for what the user can fix (a name, a revision,
/// offline), 130 cancelled, 1 the network's or the server's trouble.
fn fetch_failure(e: FetchError) -> CliError {
    let code = if e.is_cancelled() {
        130
    } else if e.is_input() {
        2
    } else {
        1
    };
    CliError {
        code,
        message: e.to_string(),
    }
}

fn run_fetch(args: &FetchArgs) -> Result<(), CliError> {
    let hub = fetch::Hub::from_env().map_err(fetch_failure)?;
    let options = FetchOptions {
        revision: args.revision.clone(),
        ..FetchOptions::default()
    };
    if hub.offline {
        errln!(
            "note: offline (HF_HUB_OFFLINE is set): nothing is downloaded; using what is in {}",
            hub.cache.display()
        );
    } else {
        errln!(
            "Downloading LivePortrait's weights ({}, MIT licence) from {} ({}, revision {}) into {}",
            fetch::APPROX_SIZE,
            hub.endpoint,
            options.repo,
            options.revision,
            hub.cache.display()
        );
    }
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let c = cancel.clone();
        // Ctrl-C: stop at the next chunk; the part downloaded stays for the next run.
        let _ = ctrlc::set_handler(move || c.store(true, Ordering::Relaxed));
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:<32} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} {prefix}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let progress = |p: &FetchProgress| {
        bar.set_message(match &p.stage {
            FetchStage::Asking => "asking Hugging Face".to_string(),
            FetchStage::Checking(f) => format!("checking {}", short_name(f)),
            FetchStage::Downloading(f) => short_name(f),
            FetchStage::Installing => "installing".to_string(),
        });
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_prefix(
            p.eta(started.elapsed())
                .map(|t| format!("{} left", HumanDuration(t)))
                .unwrap_or_default(),
        );
    };
    let result = fetch::fetch(&hub, &options, &cancel, &progress);
    bar.finish_and_clear();
    let fetched = result.map_err(fetch_failure)?;
    if fetched.offline {
        errln!("offline: the copy in {}", fetched.folder.display());
    } else if fetched.downloaded == 0 {
        errln!(
            "Already in the cache, and checked against the Hub's SHA-256: {}",
            fetched.folder.display()
        );
    } else {
        let resumed = if fetched.files.iter().any(|f| f.resumed_from.is_some()) {
            ", resuming an earlier download"
        } else {
            ""
        };
        errln!(
            "{} downloaded in {}{resumed}, checked against the Hub's SHA-256; installed in {}",
            DecimalBytes(fetched.downloaded),
            HumanDuration(started.elapsed()),
            fetched.folder.display()
        );
    }
    // Then what `models check` does, on the folder installed.
    let (report, summary) = check(&fetched.folder, DeviceChoice::Cpu)?;
    if args.json {
        let text = serde_json::to_string_pretty(&FetchReport {
            fetch: &fetched,
            check: &report,
        })
        .map_err(|e| CliError::internal(e.to_string()))?;
        outln!("{text}");
    } else {
        print_report(&report, &summary)?;
        outln!(
            "The neural engine finds them there: vivant render --engine neural … (no --weights needed)"
        );
    }
    Ok(())
}

/// A repository path's file name, for the progress line.
fn short_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}
