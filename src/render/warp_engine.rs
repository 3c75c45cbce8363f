//! The warp engine: the driving face retargeted onto each source's own face
//! (`motion::Retargeter`: relative or absolute, strengths), the source whose face is closest to
//! the frame's chosen (`fewshot::SourceChooser`, with hysteresis), and that picture warped to
//! the target points by `MeshWarp`, on the CPU or with wgpu (`GpuWarp`). Where the engine's
//! own reading of the clip gives the driver's mouth in a frame (`motion::mouth`), the inside
//! of the portrait's opened mouth is taken from it (`mouth::from_clip`); where a voice sets the
//! lips, from the real mouth nearest their shape (`mouth::for_voice`). The driver's
//! expression details (creases), read against his face at rest, are laid on the portrait's
//! skin (`details`).

use std::sync::Arc;

use super::details;
use super::kind::WarpEntry;
use super::mouth::{DriverMouth, MouthFit, Visemes};
use super::{
    Backend, Drive, Engine, GpuWarp, MeshWarp, RenderError, Rendered, SourceChooser, SourceFace,
    Transfer,
};
use crate::geometry::Face68;
use crate::motion::Retargeter;

struct Source {
    warp: MeshWarp,
    /// Set when drawing with wgpu.
    gpu: Option<GpuWarp>,
    retargeter: Retargeter,
    /// The driving face at rest this source is retargeted from.
    reference: Face68,
}

/// The warp engine, prepared from one or several pictures of a face.
pub struct WarpEngine {
    sources: Vec<Source>,
    chooser: SourceChooser,
    /// Real mouths for a voice's lips (`None`: painted).
    visemes: Option<Arc<Visemes>>,
    /// The driver's face at rest laid flat: his expression details are read against it
    /// (`None`: no details, or no clip).
    details_at_rest: Option<details::AtRest>,
}

impl WarpEngine {
    pub fn new(
        sources: Vec<SourceFace>,
        transfer: &Transfer,
        backend: Backend,
        voice_mouth: bool,
        eye_fill: bool,
        details: f32,
    ) -> Result<Self, RenderError> {
        if sources.is_empty() {
            return Err(RenderError::NoSource);
        }
        let visemes = if voice_mouth {
            Some(Visemes::for_sources(&sources).map_err(|e| RenderError::Other(e.into()))?)
        } else {
            None
        };
        let chooser = SourceChooser::new(sources.iter().map(|s| s.landmarks68).collect());
        let sources = sources
            .into_iter()
            .map(|s| {
                let reference = transfer.reference.unwrap_or(s.landmarks68);
                let retargeter = Retargeter::new(
                    &s.landmarks68,
                    &reference,
                    transfer.mode,
                    transfer.strengths,
                );
                let warp = MeshWarp::new(s.image, &s.landmarks68)
                    .with_eye_fill(eye_fill)
                    .with_details(details)
                    .with_keep_still(s.keep_still);
                let gpu = match backend {
                    Backend::Cpu => None,
                    Backend::Wgpu => Some(GpuWarp::new(&warp)?),
                };
                Ok(Source {
                    warp,
                    gpu,
                    retargeter,
                    reference,
                })
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        let details_at_rest = transfer
            .reference_track
            .as_ref()
            .and_then(|t| t.get::<WarpEntry>())
            .and_then(|e| e.details.as_ref())
            .filter(|_| details > 0.0)
            .and_then(details::AtRest::new);
        Ok(Self {
            sources,
            chooser,
            visemes,
            details_at_rest,
        })
    }
}

impl Engine for WarpEngine {
    fn source_face(&self, source: usize) -> &Face68 {
        self.sources[source.min(self.sources.len() - 1)]
            .warp
            .landmarks()
    }

    fn render(&mut self, drive: &Drive) -> Result<Rendered, RenderError> {
        let targets: Vec<Face68> = self
            .sources
            .iter()
            .map(|s| s.retargeter.target(&drive.face))
            .collect();
        let which = if self.sources.len() > 1 {
            self.chooser.choose(&targets)
        } else {
            0
        };
        let s = &self.sources[which];
        // The driver's own mouth: the clip's, when it is the face's; a real mouth of the
        // lips' shape when a voice sets them.
        let voice = match (&drive.controls, &self.visemes) {
            (Some(_), Some(v)) => v.mouth(s.warp.landmarks(), &targets[which]),
            _ => None,
        };
        let entry = drive.track.as_ref().and_then(|t| t.get::<WarpEntry>());
        let driver = match &drive.controls {
            None => entry
                .and_then(|e| e.mouth.as_ref())
                .map(|frame| DriverMouth {
                    frame,
                    driving: &drive.face,
                    fit: MouthFit::new(s.warp.landmarks(), &s.reference, &frame.geometry),
                }),
            Some(_) => voice.as_ref().map(|m| m.driver()),
        };
        // His expression details, whatever sets the lips: the creases are the clip's.
        let details = match (
            &self.details_at_rest,
            entry.and_then(|e| e.details.as_ref()),
        ) {
            (Some(rest), Some(now)) => rest.layer(now),
            _ => None,
        };
        let image = match &s.gpu {
            Some(gpu) => gpu.render(&s.warp, &targets[which], driver, details.as_ref())?,
            None => s
                .warp
                .render_detailed(&targets[which], driver, details.as_ref()),
        };
        Ok(Rendered {
            image,
            source: which,
        })
    }
}
