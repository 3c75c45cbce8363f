//! `vivant probe`: what a media file holds, as Vivant sees it.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::media::probe;

#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// A video or audio file (mp4, mov, mkv, webm, avi, gif, wav, mp3, m4a, flac, ogg, opus, …).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Count video frames exactly by reading every packet, when the container does not say.
    #[arg(long)]
    pub count_frames: bool,
}

pub fn run(args: &ProbeArgs) -> Result<(), CliError> {
    let m = probe(&args.file, args.count_frames).map_err(|e| CliError::input(e.to_string()))?;
    if args.json {
        let text =
            serde_json::to_string_pretty(&m).map_err(|e| CliError::internal(e.to_string()))?;
        outln!("{text}");
        return Ok(());
    }
    outln!("file:       {}", m.path);
    outln!(
        "container:  {} ({:.1} MB{})",
        m.container,
        m.size_bytes as f64 / 1e6,
        m.bit_rate
            .map(|b| format!(", {:.0} kb/s", b as f64 / 1000.0))
            .unwrap_or_default()
    );
    outln!("duration:   {:.3} s", m.duration_s);
    match &m.video {
        Some(i) => {
            let (n, d) = i.frame_rate;
            outln!(
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
                outln!(
                    "rotation:   {}° clockwise (stored {}×{})",
                    i.rotation,
                    i.coded_width,
                    i.coded_height
                );
            }
            outln!(
                "frames:     {}{}",
                i.frame_count,
                if i.frame_count_exact {
                    ""
                } else {
                    " (estimated; --count-frames to count)"
                }
            );
        }
        None => outln!("video:      none"),
    }
    match &m.audio {
        Some(a) => outln!(
            "audio:      {} {} Hz, {} channel(s){}",
            a.codec,
            a.sample_rate,
            a.channels,
            a.duration_s
                .map(|d| format!(", {d:.3} s"))
                .unwrap_or_default()
        ),
        None => outln!("audio:      none"),
    }
    if m.streams.len() > 1 {
        outln!("streams:");
        for s in &m.streams {
            outln!(
                "  #{} {} {}{}",
                s.index,
                s.kind,
                s.codec,
                s.duration_s
                    .map(|d| format!(" ({d:.3} s)"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}
