//! `vivant landmarks`: faces and landmarks of images, as JSON and overlay pictures.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::{CliError, parse_device, write_atomic};
use crate::face::{DeviceChoice, Face, overlay};
use crate::media::load_image;
use crate::models::ModelSource;

#[derive(Args, Debug)]
pub struct LandmarksArgs {
    /// Images to analyse (PNG, JPEG, WebP, TIFF, BMP).
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
    /// Write the results here (an array when several images are given); default: stdout.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Draw the results onto the image and save it here; with several images, `-N` (1-based)
    /// is added before the extension.
    #[arg(long, value_name = "FILE.png")]
    pub overlay: Option<PathBuf>,
    /// Where the networks run: cpu, cuda, metal or auto.
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    pub device: DeviceChoice,
    /// Also draw the 468-point mesh on the overlay.
    #[arg(long)]
    pub mesh: bool,
    /// Detector score threshold in (0, 1); lower finds harder faces and more false ones.
    #[arg(long, default_value_t = 0.5)]
    pub min_score: f32,
}

/// The JSON written per image (documented in the README).
#[derive(Serialize, Debug)]
pub struct ImageResult {
    pub image: String,
    pub width: u32,
    pub height: u32,
    pub faces: Vec<Face>,
}

fn overlay_path(base: &Path, index: usize, count: usize) -> PathBuf {
    if count == 1 {
        return base.to_path_buf();
    }
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match base.extension() {
        Some(ext) => format!("{stem}-{}.{}", index + 1, ext.to_string_lossy()),
        None => format!("{stem}-{}", index + 1),
    };
    base.with_file_name(name)
}

pub fn run(args: &LandmarksArgs, models: &ModelSource) -> Result<(), CliError> {
    if !(args.min_score > 0.0 && args.min_score < 1.0) {
        return Err(CliError::input(
            "--min-score must lie strictly between 0 and 1",
        ));
    }
    if let Some(o) = &args.overlay {
        let ext = o
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        if !matches!(
            ext.as_deref(),
            Some("png" | "jpg" | "jpeg" | "webp" | "bmp" | "tif" | "tiff")
        ) {
            return Err(CliError::input(format!(
                "--overlay {}: give the file an image extension such as .png",
                o.display()
            )));
        }
    }
    // Every output checked before any work: each writable, none an input, none twice.
    let overlays: Vec<PathBuf> = match &args.overlay {
        Some(base) => (0..args.images.len())
            .map(|i| overlay_path(base, i, args.images.len()))
            .collect(),
        None => Vec::new(),
    };
    let outputs: Vec<&Path> = overlays
        .iter()
        .map(PathBuf::as_path)
        .chain(args.json.as_deref())
        .collect();
    let inputs: Vec<(&str, &Path)> = args.images.iter().map(|p| ("image", p.as_path())).collect();
    super::check_outputs(&outputs, &inputs)?;
    // Read every image first: one bad file fails the command before anything is written.
    let mut loaded = Vec::with_capacity(args.images.len());
    for path in &args.images {
        loaded.push(load_image(path).map_err(|e| CliError::input(e.to_string()))?);
    }
    let mut analyzer = super::analyzer(args.device, models)?;
    analyzer.set_min_score(args.min_score);

    let mut results = Vec::with_capacity(loaded.len());
    for (i, img) in loaded.iter().enumerate() {
        let rgb = img.rgb8();
        let faces = analyzer
            .analyze(&rgb)
            .map_err(|e| CliError::internal(format!("{}: {e}", img.path.display())))?;
        if faces.is_empty() {
            errln!(
                "warning: {}: no face found (a painting may need a lower --min-score, or a box placed by hand)",
                img.path.display()
            );
        } else {
            let best = &faces[0];
            errln!(
                "{}: {} face{} (largest: score {:.2}, confidence {:.2})",
                img.path.display(),
                faces.len(),
                if faces.len() == 1 { "" } else { "s" },
                best.score,
                best.quality.confidence
            );
        }
        if let Some(path) = overlays.get(i) {
            let drawn = overlay::draw(&rgb, &faces, args.mesh);
            write_atomic(path, |tmp| drawn.save(tmp).map_err(|e| e.to_string()))?;
        }
        results.push(ImageResult {
            image: img.path.display().to_string(),
            width: rgb.width(),
            height: rgb.height(),
            faces,
        });
    }

    let text = if results.len() == 1 {
        serde_json::to_string_pretty(&results[0])
    } else {
        serde_json::to_string_pretty(&results)
    }
    .map_err(|e| CliError::internal(e.to_string()))?;
    match &args.json {
        Some(path) => write_atomic(path, |tmp| {
            std::fs::write(tmp, format!("{text}\n")).map_err(|e| e.to_string())
        })?,
        None => outln!("{text}"),
    }
    Ok(())
}
