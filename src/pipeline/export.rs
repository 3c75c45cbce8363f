//! A prepared animation encoded to MP4 with its sound: frames rendered on one thread while
//! the previous ones are encoded on another, and the Content Credentials that say how it was
//! made.

use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;

use super::performance::SoundRange;
use super::{Animation, PipelineError, RenderJob, RenderReport, Soundtrack, Stage};
use crate::export::credentials::{Credentials, Ingredient, Provenance};
use crate::export::{ExportError, Mp4Settings, Mp4Writer};
use crate::face::Analyzer;
use crate::media::file_name;
use crate::neural::Stop;
use crate::render::EngineKind;

/// Run a render job.
pub fn render(
    analyzer: &Analyzer,
    job: &RenderJob,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<RenderReport, PipelineError> {
    let mut animation = Animation::prepare(analyzer, job, cancel, progress)?;
    export(&mut animation, job, cancel, progress)
}

/// Encode a prepared animation's frames, with its sound, to `job.output` (written to a
/// temporary file and renamed when complete).
pub fn export(
    animation: &mut Animation,
    job: &RenderJob,
    cancel: &AtomicBool,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<RenderReport, PipelineError> {
    let count = animation.plan.count;
    let (w, h) = animation.size;
    let mut settings = Mp4Settings::new(w, h, animation.plan.fps);
    settings.crf = job.settings.crf;
    settings.preset = job.settings.preset.clone();
    settings.comment = Some(format!(
        "Vivant {}: {} driven by {} ({} engine)",
        crate::VERSION,
        job.sources
            .iter()
            .map(|p| file_name(p))
            .collect::<Vec<_>>()
            .join(", "),
        animation.plan.credit,
        animation.kind.name()
    ));
    settings.credentials = credentials(job, &*animation.kind)?;
    if settings.credentials.is_none() {
        animation.notes.push(
            "Content Credentials are off: nothing in this video says that Vivant made it".into(),
        );
    }
    let audio = animation
        .plan
        .audio
        .as_ref()
        .map(SoundRange::open)
        .transpose()?;
    let mut writer = Mp4Writer::create(&job.output, settings, audio)?;
    let watermark = job.settings.watermark;
    writer.set_total_frames(count);
    // Render and encode overlap: a worker renders the next frames while this thread encodes,
    // with at most two frames in between, so memory stays flat.
    let (tx, rx) = std::sync::mpsc::sync_channel::<RgbImage>(2);
    let produced = std::thread::scope(|s| {
        let animation = &mut *animation;
        let worker = s.spawn(move || -> Result<(), PipelineError> {
            // A neural frame takes seconds: a cancel stops it part way.
            let stop = Stop::when(cancel);
            for k in 0..count {
                if cancel.load(Ordering::Relaxed) {
                    return Err(PipelineError::Cancelled);
                }
                let frame = animation.frame_and_source_until(k, &stop)?.0;
                if tx.send(frame).is_err() {
                    // The encoder stopped; its error is the one to report.
                    return Ok(());
                }
            }
            Ok(())
        });
        let mut encoded: Result<(), PipelineError> = Ok(());
        for (k, mut frame) in rx.iter().enumerate() {
            if watermark {
                crate::export::mark::stamp(&mut frame);
            }
            if let Err(e) = writer.write_frame(&frame) {
                encoded = Err(match e {
                    ExportError::Cancelled => PipelineError::Cancelled,
                    other => other.into(),
                });
                break;
            }
            progress(Stage::Rendering(k as u64 + 1, count));
        }
        drop(rx);
        let rendered = worker
            .join()
            .unwrap_or_else(|_| Err(PipelineError::Panicked("render worker".into())));
        encoded.and(rendered)
    });
    produced?;
    let report = writer.finish()?;
    Ok(RenderReport {
        output: report.path,
        frames: report.frames,
        duration_s: report.duration_s,
        width: report.width,
        height: report.height,
        audio: report.audio,
        driving_found: animation.plan.driving_found,
        reference_s: animation.plan.reference_s,
        blinks: animation.plan.blinks,
        signed: report.signed,
        notes: animation.notes.clone(),
    })
}

/// The Content Credentials an export carries (`None` when the user opted out): the IPTC type
/// of the engine's frames, every file the video is made from, the settings that shaped it,
/// and the signer, checked before any frame is drawn.
fn credentials(
    job: &RenderJob,
    kind: &dyn EngineKind,
) -> Result<Option<Credentials>, PipelineError> {
    if !job.settings.credentials {
        return Ok(None);
    }
    let signer = job.signer.clone().ok_or(PipelineError::NoSigner)?;
    signer.check().map_err(ExportError::from)?;
    let mut ingredients = Vec::new();
    for source in &job.sources {
        let (path, title) = match crate::media::video_frame_name(source) {
            Some((file, t)) => {
                let title = format!("{} at {t:.2} s", file_name(&file));
                (file, title)
            }
            None => (source.clone(), file_name(source)),
        };
        ingredients.push(Ingredient {
            path,
            role: "portrait",
            title,
        });
    }
    if let Some(d) = &job.driving {
        ingredients.push(Ingredient {
            path: d.clone(),
            role: "driving clip",
            title: file_name(d),
        });
    }
    if let Soundtrack::File(s) = &job.sound {
        ingredients.push(Ingredient {
            path: s.clone(),
            role: "soundtrack",
            title: file_name(s),
        });
    }
    // The same file twice (a portrait taken from the driving clip) is one ingredient.
    let mut seen = std::collections::HashSet::new();
    ingredients.retain(|i| seen.insert((i.path.clone(), i.title.clone())));
    let s = &job.settings;
    let settings = serde_json::json!({
        "engine": kind.name(),
        "mode": s.mode,
        "strengths": s.strengths,
        "smoothing": s.smoothing,
        "reference_s": s.reference_s,
        "start_s": s.start_s,
        "end_s": s.end_s,
        "lips_from_audio": s.lips_from_audio,
        "voice": { "seed": s.seed, "head_motion": s.head_motion, "blinks": s.blinks, "brows": s.brows },
        "size": s.size.label(),
        "fit": s.fit,
        "crf": s.crf,
        "preset": s.preset,
        "watermark": s.watermark,
    });
    Ok(Some(Credentials {
        provenance: Provenance {
            source_type: kind.source_type(),
            ingredients,
            settings,
        },
        signer,
    }))
}
