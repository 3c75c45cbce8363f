//! The sources panel: the portraits (thumbnails, faces found, re-detect), the driving clip and
//! the soundtrack. Files dropped anywhere on the window land here too.

use egui::{Color32, RichText, vec2};

use crate::studio::app::{Purpose, SourceStatus, StudioApp, file_name};

pub fn show(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.heading("Sources");
        if ui
            .button("Add…")
            .on_hover_text("Add a portrait, a driving clip or a soundtrack (or drop files)")
            .clicked()
        {
            app.choose(Purpose::AddMedia);
        }
    });
    ui.label(RichText::new("Drop pictures, a video or a sound file anywhere.").weak());
    ui.separator();
    let mut remove = None;
    let mut redetect = None;
    let mut place = None;
    let mut select = None;
    // Which source the result on screen animates (several pictures: the engine chooses).
    let animated = app.preview.shown.as_ref().and_then(|s| s.source);
    let several = app.sources.len() > 1;
    egui::ScrollArea::vertical()
        .id_salt("sources-list")
        .max_height(ui.available_height() - 170.0)
        .show(ui, |ui| {
            for (i, s) in app.sources.iter().enumerate() {
                let selected = i == app.selected;
                let frame =
                    egui::Frame::NONE
                        .inner_margin(4.0)
                        .corner_radius(4.0)
                        .fill(if selected {
                            ui.visuals().selection.bg_fill.gamma_multiply(0.4)
                        } else {
                            Color32::TRANSPARENT
                        });
                frame.show(ui, |ui| {
                    ui.horizontal(|ui| {
                        match (&s.texture, &s.image) {
                            (Some(t), Some(img)) => {
                                let h = 64.0;
                                let w = h * img.width() as f32 / img.height().max(1) as f32;
                                ui.add(egui::Image::new((t.id(), vec2(w.min(90.0), h))));
                            }
                            _ => {
                                ui.spinner();
                            }
                        }
                        ui.vertical(|ui| {
                            // A long name is cut short; the whole path on hover.
                            if ui
                                .add(
                                    egui::Button::selectable(
                                        selected,
                                        RichText::new(file_name(&s.path)).strong(),
                                    )
                                    .truncate(),
                                )
                                .on_hover_text(s.path.display().to_string())
                                .clicked()
                            {
                                select = Some(i);
                            }
                            let status = match &s.status {
                                SourceStatus::Loading => "Finding the face…".to_string(),
                                SourceStatus::Ready if s.edited => "Landmarks corrected".into(),
                                SourceStatus::Ready if s.faces.len() > 1 => {
                                    format!("{} faces (face {} used)", s.faces.len(), s.face + 1)
                                }
                                SourceStatus::Ready => "Face found".into(),
                                SourceStatus::NoFace => "No face found: place it by hand".into(),
                                SourceStatus::Failed(_) => "Cannot be read".into(),
                            };
                            ui.label(status);
                            // Said with a button, not only in a banner that may be gone.
                            if matches!(s.status, SourceStatus::NoFace)
                                && s.landmarks.is_none()
                                && ui
                                    .button("Place face by hand")
                                    .on_hover_text(
                                        "Drag a box around the face in the picture: brows to chin",
                                    )
                                    .clicked()
                            {
                                place = Some(i);
                            }
                            if several && animated == Some(i) {
                                ui.label(
                                    RichText::new("• Animated in this frame")
                                        .color(source_colour(i)),
                                )
                                .on_hover_text(
                                    "The engine takes, for each frame, the picture whose face \
                                     is closest to the driving face's; the timeline shows which",
                                );
                            } else if several {
                                ui.label(RichText::new("•").color(source_colour(i)))
                                    .on_hover_text("This picture's colour on the timeline");
                            }
                            ui.horizontal(|ui| {
                                if ui
                                    .add_enabled(
                                        s.edited || s.faces.len() > 1,
                                        egui::Button::new("Re-detect").small(),
                                    )
                                    .on_hover_text("Discard the corrections (undoable)")
                                    .on_disabled_hover_text(
                                        "Nothing to discard: the landmarks are as found",
                                    )
                                    .clicked()
                                {
                                    redetect = Some(i);
                                }
                                if ui
                                    .button(RichText::new("Remove").small())
                                    .on_hover_text(
                                        "Take this picture out of the project (undoable)",
                                    )
                                    .clicked()
                                {
                                    remove = Some(i);
                                }
                            });
                        });
                    });
                });
            }
        });
    if let Some(i) = select {
        app.select_source(i);
    }
    if let Some(i) = redetect {
        app.redetect(i);
    }
    if let Some(i) = place {
        app.start_placing(i);
    }
    if let Some(i) = remove {
        app.remove_source(i);
    }
    ui.separator();
    ui.label(RichText::new("Driving clip").strong());
    match (&app.project.driving, &app.driving) {
        (Some(p), Some(d)) => {
            ui.label(file_name(p));
            ui.label(
                RichText::new(format!(
                    "{}×{}, {:.2} fps, {} frames{}",
                    d.width,
                    d.height,
                    d.fps,
                    d.times.len(),
                    if d.waveform.is_some() {
                        ", with sound"
                    } else {
                        ", silent"
                    }
                ))
                .weak(),
            );
        }
        (Some(p), None) => {
            ui.label(format!("{} (opening…)", file_name(p)));
        }
        (None, _) => {
            ui.label(RichText::new("none").weak());
        }
    }
    if app.project.driving.is_some()
        && ui
            .small_button("Clear driving clip")
            .on_hover_text("No driving clip: a soundtrack then drives the face (undoable)")
            .clicked()
    {
        app.clear_driving();
    }
    ui.add_space(6.0);
    ui.label(RichText::new("Soundtrack").strong());
    match &app.project.audio {
        Some(p) => {
            ui.label(file_name(p));
            if app.voice_mode() {
                ui.label(
                    RichText::new(
                        "Voice mode: the voice moves the lips; head motion and blinks are added.",
                    )
                    .weak(),
                );
            }
            if ui
                .small_button("Clear soundtrack")
                .on_hover_text("No soundtrack: the clip's own sound is used (undoable)")
                .clicked()
            {
                app.clear_audio();
            }
        }
        None => {
            ui.label(RichText::new("the driving clip's own").weak());
        }
    }
}

/// Each source's colour, on its card and on the timeline's few-shot band.
pub fn source_colour(i: usize) -> Color32 {
    const COLOURS: [Color32; 6] = [
        Color32::from_rgb(240, 170, 60),
        Color32::from_rgb(90, 170, 240),
        Color32::from_rgb(120, 200, 110),
        Color32::from_rgb(220, 110, 200),
        Color32::from_rgb(230, 90, 90),
        Color32::from_rgb(180, 180, 180),
    ];
    COLOURS[i % COLOURS.len()]
}
