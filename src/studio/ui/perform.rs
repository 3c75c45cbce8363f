//! Perform, drawn: the portrait following the camera, large; the camera's own picture small
//! in the corner with the microphone's level beside it; the count-in and the take's clock over
//! the picture. The inspector's Perform box chooses the camera and microphone and lists the
//! takes (use, rename, remove).

use egui::{Color32, Rect, Sense, pos2, vec2};

use super::preview::{caption, image_rect, placeholder};
use crate::studio::app::{StudioApp, ZoomPan};
use crate::studio::commands::Command;

const UV: Rect = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));

/// The live view, in `area` of the preview.
pub fn view(app: &mut StudioApp, ui: &mut egui::Ui, area: Rect) {
    if app.perform.found.is_none() {
        app.open_perform();
    }
    let live = app.perform.live.is_some();
    let title = match (&app.perform.take, live) {
        _ if app.perform.voice.is_some() => "Perform: recording your voice".to_string(),
        (Some(_), _) => "Perform: recording".to_string(),
        (None, true) => "Perform: live".to_string(),
        (None, false) => "Perform".to_string(),
    };
    let area = caption(ui, area, &title);
    let response = ui.interact(area, ui.scope_id().with("perform-view"), Sense::hover());
    if let Some(live) = &app.perform.live
        && let Ok(s) = live.stats.lock()
    {
        let (fps, latency) = *s;
        response.on_hover_text(format!(
            "{fps:.0} frames/s shown, {latency:.0} ms from the camera to the picture (the last second)"
        ));
    }
    let painter = ui.painter_at(area);
    if let Some((mic, take)) = &app.perform.voice {
        placeholder(
            ui,
            area,
            "Recording your voice (no camera chosen): it becomes the voice the portrait speaks.",
        );
        rec_clock(&painter, area, take.seconds());
        level_bar(
            ui,
            &painter,
            Rect::from_center_size(area.center() + vec2(0.0, 60.0), vec2(240.0, 10.0)),
            mic.level(),
            true,
        );
        return;
    }
    if app.perform.count_in.is_some() && app.perform.count_in_voice {
        placeholder(ui, area, "");
        count_in(&painter, area.center(), app.perform.count_in);
        return;
    }
    let Some(tex) = app.perform.texture.clone().filter(|_| live) else {
        let text = if app.sources.is_empty() {
            "Add a portrait, then turn the camera on: the portrait follows your face."
        } else if live {
            "Starting the camera…"
        } else {
            "Turn the camera on (in the inspector), or press R to record a take after a 3-2-1 count-in."
        };
        placeholder(ui, area, text);
        return;
    };
    let size = tex.size();
    let (rect, _) = image_rect(area, size, ZoomPan::default());
    painter.image(tex.id(), rect, UV, Color32::WHITE);
    // Yourself, small, in the lower left corner.
    if let Some(cam) = &app.perform.camera_texture {
        let [w, h] = cam.size();
        let cw = (area.width() * 0.22).clamp(96.0, 280.0);
        let ch = cw * h as f32 / w.max(1) as f32;
        let r = Rect::from_min_size(pos2(area.min.x + 8.0, area.max.y - ch - 8.0), vec2(cw, ch));
        painter.rect_filled(r.expand(2.0), 3.0, Color32::from_black_alpha(180));
        painter.image(cam.id(), r, UV, Color32::WHITE);
        // The microphone's level, a bar beside it.
        if let Some(mic) = app.perform.live.as_ref().and_then(|l| l.mic.as_ref()) {
            let bar = Rect::from_min_size(pos2(r.max.x + 6.0, r.min.y), vec2(8.0, ch));
            level_bar(ui, &painter, bar, mic.level(), false);
            ui.interact(bar, ui.scope_id().with("mic-level"), Sense::hover())
                .on_hover_text(format!("The microphone's level ({})", mic.label()));
        }
    }
    count_in(&painter, rect.center(), app.perform.count_in);
    if let Some(take) = &app.perform.take {
        rec_clock(&painter, rect.intersect(area), take.seconds());
    }
}

/// The count-in's number, large, while it runs.
fn count_in(painter: &egui::Painter, at: egui::Pos2, until: Option<std::time::Instant>) {
    let Some(until) = until else {
        return;
    };
    let left = until.saturating_duration_since(std::time::Instant::now());
    let n = left.as_secs_f32().ceil().max(1.0) as u32;
    painter.text(
        at,
        egui::Align2::CENTER_CENTER,
        n.to_string(),
        egui::FontId::proportional(120.0),
        Color32::from_white_alpha(230),
    );
}

/// A red dot and the take's time, in the upper left corner of `over`.
fn rec_clock(painter: &egui::Painter, over: Rect, t: f64) {
    let at = over.min + vec2(12.0, 14.0);
    painter.circle_filled(at, 7.0, Color32::from_rgb(220, 40, 40));
    painter.text(
        at + vec2(14.0, 0.0),
        egui::Align2::LEFT_CENTER,
        format!("REC {:02}:{:04.1}", (t / 60.0) as u32, t % 60.0),
        egui::FontId::monospace(16.0),
        Color32::WHITE,
    );
}

/// The microphone's level (0–1) as a bar filling `bar`, upwards or (`across`) rightwards; red
/// near full scale.
fn level_bar(ui: &egui::Ui, painter: &egui::Painter, bar: Rect, level: f32, across: bool) {
    let level = level.clamp(0.0, 1.0);
    painter.rect_filled(bar, 2.0, Color32::from_black_alpha(180));
    let fill = if across {
        Rect::from_min_max(bar.min, pos2(bar.min.x + bar.width() * level, bar.max.y))
    } else {
        Rect::from_min_max(pos2(bar.min.x, bar.max.y - bar.height() * level), bar.max)
    };
    let colour = if level > 0.9 {
        Color32::from_rgb(230, 70, 60)
    } else {
        Color32::from_rgb(90, 200, 110)
    };
    painter.rect_filled(fill, 2.0, colour);
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(50));
}

/// The inspector's Perform box.
pub fn inspector(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.heading("Perform");
    let live = app.perform.live.is_some();
    let found = app.perform.found.clone().unwrap_or_default();
    ui.add_enabled_ui(!live, |ui| {
        device_picker(
            ui,
            "Camera",
            &mut app.perform.devices.camera,
            found
                .cameras
                .iter()
                .map(|d| (d.spec.clone(), d.description.clone())),
            false,
        );
        device_picker(
            ui,
            "Microphone",
            &mut app.perform.devices.mic,
            found
                .microphones
                .iter()
                .map(|d| (d.spec.clone(), d.description.clone())),
            true,
        );
    })
    .response
    .on_disabled_hover_text("Turn the camera off to choose another");
    ui.horizontal(|ui| {
        if live {
            if ui.button("Turn camera off").clicked() {
                app.stop_live();
            }
        } else if ui
            .button("Turn camera on")
            .on_hover_text("Follow your face with the portrait, live")
            .clicked()
        {
            app.start_live();
        }
        let recording = app.recording() || app.perform.count_in.is_some();
        let label = if recording {
            "Stop recording"
        } else {
            "Record"
        };
        if ui
            .button(label)
            .on_hover_text(Command::Record.tooltip(ui.ctx()))
            .clicked()
        {
            app.queue(Command::Record);
        }
    });
    if let Some(live) = &app.perform.live {
        let info = live.camera.info();
        ui.label(format!(
            "Camera: {}×{} at {:.0} frames/s",
            info.width, info.height, info.fps
        ))
        .on_hover_text("Hover the live picture for how fast it follows");
    }
    if let Some(note) = &app.perform.note {
        ui.label(egui::RichText::new(note).weak());
    }
    if app.project.takes.is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.label(egui::RichText::new("Takes").strong());
    let driving = app.project.driving.clone();
    let mut act: Option<(usize, TakeAction)> = None;
    for (i, t) in app.project.takes.iter().enumerate() {
        ui.horizontal(|ui| {
            let chosen = driving.as_deref() == Some(t.path.as_path());
            match &mut app.perform.renaming {
                Some((k, text)) if *k == i => {
                    // As wide as the name's place, never widening the panel.
                    let r = ui.add(
                        egui::TextEdit::singleline(text)
                            .desired_width((ui.available_width() - 70.0).max(60.0)),
                    );
                    if r.lost_focus() {
                        act = Some((i, TakeAction::Rename(text.clone())));
                    } else {
                        r.request_focus();
                    }
                }
                _ => {
                    let r = ui.selectable_label(chosen, &t.name).on_hover_text(format!(
                        "{}\nClick: drive the portrait with this take. Double-click: rename.",
                        t.path.display()
                    ));
                    if r.double_clicked() {
                        act = Some((i, TakeAction::StartRename(t.name.clone())));
                    } else if r.clicked() && !chosen {
                        act = Some((i, TakeAction::Use));
                    }
                }
            }
            if ui
                .small_button("Remove")
                .on_hover_text("Take it off the list (the file stays; Undo brings it back)")
                .clicked()
            {
                act = Some((i, TakeAction::Remove));
            }
        });
    }
    match act {
        Some((i, TakeAction::Use)) => app.use_take(i),
        Some((i, TakeAction::StartRename(name))) => app.perform.renaming = Some((i, name)),
        Some((i, TakeAction::Rename(name))) => {
            app.perform.renaming = None;
            app.rename_take(i, &name);
        }
        Some((i, TakeAction::Remove)) => app.remove_take(i),
        None => {}
    }
}

enum TakeAction {
    Use,
    StartRename(String),
    Rename(String),
    Remove,
}

/// A device chosen from those found, or typed (FORMAT:INPUT, a file).
fn device_picker(
    ui: &mut egui::Ui,
    what: &str,
    value: &mut String,
    found: impl Iterator<Item = (String, String)>,
    optional: bool,
) {
    let found: Vec<(String, String)> = found.collect();
    let shown = if value.is_empty() {
        if optional {
            "None".to_string()
        } else {
            "Choose…".to_string()
        }
    } else {
        found
            .iter()
            .find(|(spec, _)| spec == value)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| "Other (typed below)".to_string())
    };
    // Long names (a filter graph, a path) are cut short rather than widening the panel.
    let shown = if shown.chars().count() > 32 {
        format!("{}…", shown.chars().take(31).collect::<String>())
    } else {
        shown
    };
    ui.horizontal(|ui| {
        ui.label(format!("{what}:"));
        egui::ComboBox::from_id_salt(("device", what))
            .selected_text(shown)
            .width((ui.available_width() - 8.0).max(60.0))
            .show_ui(ui, |ui| {
                if optional {
                    ui.selectable_value(value, String::new(), "None");
                }
                for (spec, description) in &found {
                    ui.selectable_value(value, spec.clone(), description);
                }
                if found.is_empty() {
                    ui.label(
                        egui::RichText::new(format!("No {} found", what.to_lowercase())).weak(),
                    );
                }
            });
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(value)
                .hint_text("or FORMAT:INPUT, or a video file")
                .clip_text(true)
                .desired_width((ui.available_width() - 8.0).max(60.0)),
        )
        .on_hover_text(
            "Any FFmpeg input device (v4l2:/dev/video0, pulse:default, \
             lavfi:testsrc2=size=640x480:rate=30), or a media file played at its own pace",
        );
    });
}
