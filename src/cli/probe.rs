//! `vivant probe`: what a media file holds, as Vivant sees it.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::media::VideoSource;

#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// A video file (mp4, mov, mkv, webm, avi, gif, …).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ProbeArgs) -> Result<(), CliError> {
    let src = VideoSource::open(&args.file).map_err(|e| CliError::input(e.to_string()))?;
    let i = src.info();
    if args.json {
        let text =
            serde_json::to_string_pretty(i).map_err(|e| CliError::internal(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    let (n, d) = i.frame_rate;
    println!("file:       {}", i.path);
    println!("container:  {}", i.container);
    println!(
        "video:      {} {}×{} ({} fps = {n}/{d})",
        i.codec,
        i.width,
        i.height,
        if d != 0 {
            format!("{:.3}", n as f64 / d as f64)
        } else {
            "?".into()
        }
    );
    if i.rotation != 0 {
        println!(
            "rotation:   {}° clockwise (stored {}×{})",
            i.rotation, i.coded_width, i.coded_height
        );
    }
    println!("duration:   {:.3} s", i.duration_s);
    println!(
        "frames:     {}{}",
        i.frame_count,
        if i.frame_count_exact {
            ""
        } else {
            " (estimated)"
        }
    );
    match &i.audio {
        Some(a) => println!(
            "audio:      {} {} Hz, {} channel(s)",
            a.codec, a.sample_rate, a.channels
        ),
        None => println!("audio:      none"),
    }
    Ok(())
}
