//! `vivant models check DIR`: what a folder of LivePortrait weights holds, and whether the
//! neural engine can run from it.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{CliError, parse_device};
use crate::face::DeviceChoice;
use crate::neural::{self, LivePortrait, Network, weights};

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
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The folder (appearance_feature_extractor, motion_extractor, warping_module,
    /// spade_generator, stitching_retargeting_module; optional config.json).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Where to build the networks: cpu, cuda, metal or auto.
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    pub device: DeviceChoice,
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
    }
}

fn run_check(args: &CheckArgs) -> Result<(), CliError> {
    let input = |e: neural::NeuralError| CliError::input(e.to_string());
    let (config, config_file) = neural::load_config(&args.dir).map_err(input)?;
    let mut networks = Vec::new();
    let mut checkpoints = Vec::new();
    for network in Network::ALL {
        let ckpt = weights::read(&args.dir, network).map_err(input)?;
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
    let device = args
        .device
        .device()
        .map_err(|e| CliError::input(e.to_string()))?;
    let lp = LivePortrait::from_checkpoints(config, config_file.as_deref(), checkpoints, &device)
        .map_err(input)?;
    let report = Report {
        dir: args.dir.clone(),
        config_file,
        motion_backbone_dims: lp.motion.dims.clone(),
        motion_backbone_depths: lp.motion.depths.clone(),
        config: lp.config.clone(),
        device: format!("{:?}", args.device).to_lowercase(),
        networks,
    };
    if args.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::internal(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    println!("LivePortrait weights in {}", report.dir.display());
    match &report.config_file {
        Some(p) => println!("configuration: {}", p.display()),
        None => println!("configuration: the reference's defaults (no config.json)"),
    }
    for n in &report.networks {
        let name = n
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "  {:<36} {:<42} {:>9.3} M  {}  sha256 {}",
            n.network.describe(),
            name,
            n.parameters as f64 / 1e6,
            n.dtype,
            n.sha256
        );
    }
    let total: usize = report.networks.iter().map(|n| n.parameters).sum();
    println!(
        "all five networks build on {} ({:.1} M parameters; {} keypoints; motion backbone widths {:?}, depths {:?})",
        report.device,
        total as f64 / 1e6,
        lp.num_kp(),
        report.motion_backbone_dims,
        report.motion_backbone_depths
    );
    Ok(())
}
