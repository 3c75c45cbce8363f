//! Cut the warp engine's bundled mouths for voice renders (`assets/mouths/`) from the bundled
//! webcam clip: `make mouths` (or `cargo run --release --example mouths -- CLIP OUT_DIR`).
//! The clip is tracked and its mouth read as any driving clip is (`motion`), then one frame
//! kept for each opening and width it shows (`render::mouth::Visemes::from_clip`).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use candle_core::Device;
use vivant::face::Analyzer;
use vivant::models::ModelSource;
use vivant::motion::mouth::ClipMouths;
use vivant::motion::{DrivingMotion, MotionSettings};
use vivant::render::mouth::Visemes;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(clip), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: mouths CLIP OUT_DIR".into());
    };
    let (clip, out) = (PathBuf::from(clip), PathBuf::from(out));
    std::fs::create_dir_all(&out)?;
    let analyzer = Analyzer::new(&Device::Cpu, &ModelSource::Embedded)?;
    let stop = AtomicBool::new(false);
    let (motion, _) = DrivingMotion::analyse(
        &analyzer,
        &clip,
        &MotionSettings::default(),
        None,
        &stop,
        &|_, _| {},
    )?;
    let (mouths, _) = ClipMouths::analyse(&clip, &motion, None, &stop, &|_, _| {})?;
    let set = Visemes::from_clip(&motion, &mouths)?;
    let name = clip
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    set.write(
        &out,
        &format!(
            "Real mouths for voice renders, cut from {name} ({} frames) by `make mouths`",
            motion.len()
        ),
    )?;
    for v in set.mouths() {
        println!("opening {:.3}  width {:.3}", v.opening, v.width);
    }
    println!("{} mouths written to {}", set.len(), out.display());
    Ok(())
}
