//! The preview: the source (where landmarks are checked and corrected), the driving frame with
//! its landmarks, and the result, at the playhead; side by side or one at a time, with zoom
//! (wheel) and pan (right or middle drag).

use egui::{Color32, Pos2, Rect, Sense, Stroke, TextureHandle, pos2, vec2};

use crate::studio::app::{Pane, SourceStatus, StudioApp, View, ZoomPan};
use crate::studio::edit::{self, Feature};

const UV: Rect = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
/// How close (screen points) a press must be to grab a landmark.
const GRAB: f32 = 10.0;

/// Where an image of `size` pixels is drawn in `area`: its screen rectangle and the scale
/// (screen points per image pixel).
pub fn image_rect(area: Rect, size: [usize; 2], zp: ZoomPan) -> (Rect, f32) {
    let (w, h) = (size[0].max(1) as f32, size[1].max(1) as f32);
    let scale = (area.width() / w).min(area.height() / h) * zp.zoom;
    let rect = Rect::from_center_size(area.center() + zp.pan, vec2(w * scale, h * scale));
    (rect, scale)
}

fn to_screen(rect: Rect, scale: f32, p: [f32; 2]) -> Pos2 {
    rect.min + vec2(p[0] * scale, p[1] * scale)
}

fn to_image(rect: Rect, scale: f32, p: Pos2) -> [f32; 2] {
    let v = (p - rect.min) / scale;
    [v.x, v.y]
}

pub fn show(app: &mut StudioApp, ui: &mut egui::Ui) {
    // Wrapped, so a narrow window never widens the preview under the inspector.
    ui.horizontal_wrapped(|ui| {
        for (v, name) in View::ALL {
            ui.selectable_value(&mut app.layout.view, v, name)
                .on_hover_text(v.tooltip());
        }
        ui.separator();
        ui.checkbox(&mut app.layout.show_landmarks, "Landmarks")
            .on_hover_text(crate::studio::commands::Command::ToggleLandmarks.tooltip(ui.ctx()));
        ui.checkbox(&mut app.editing.feature_drag, "Move whole features")
            .on_hover_text("Drag an eye, brow, the nose, mouth or jaw as one (or hold Shift)");
        // Painting what is kept still is the Source view's own tool.
        if app.layout.view == View::Source {
            keep_still_tools(app, ui);
        }
        if ui
            .button("Fit")
            .on_hover_text("Show the whole picture (the wheel zooms, right-drag pans)")
            .clicked()
        {
            app.layout.fit();
        }
    });
    // The views share what is left, within the panel (never past its edge).
    let area = ui.available_rect_before_wrap().intersect(ui.clip_rect());
    ui.allocate_rect(area, Sense::hover());
    app.layout.preview_rect = Some(area);
    match app.layout.view {
        View::SideBySide => {
            let w = area.width() / 3.0;
            let cell = |i: f32| {
                Rect::from_min_size(pos2(area.min.x + i * w, area.min.y), vec2(w, area.height()))
                    .shrink(4.0)
            };
            source_view(app, ui, cell(0.0));
            driving_view(app, ui, cell(1.0));
            result_view(app, ui, cell(2.0));
        }
        View::Source => source_view(app, ui, area),
        View::Driving => driving_view(app, ui, area),
        View::Result => result_view(app, ui, area),
        View::Perform => super::perform::view(app, ui, area),
    }
}

/// The Source view's keep-still brush: on, its size, and clearing what was painted.
fn keep_still_tools(app: &mut StudioApp, ui: &mut egui::Ui) {
    if app.editing.brush <= 0.0 {
        app.editing.brush = 16.0;
    }
    ui.checkbox(&mut app.editing.paint_still, "Keep still")
        .on_hover_text(
            "Paint over the source what must not move (a frame, a hand, a signature): it stays as \
         it is in every frame. Shift+drag rubs out. The mask is saved with the project",
        );
    if app.editing.paint_still {
        ui.add(
            egui::DragValue::new(&mut app.editing.brush)
                .range(3.0..=80.0)
                .speed(0.5)
                .prefix("Brush ")
                .suffix(" pt"),
        )
        .on_hover_text("The brush's radius, in screen points (drag to change)");
        let painted = app
            .project
            .sources
            .get(app.selected)
            .is_some_and(|e| !e.keep_still.is_empty());
        if ui
            .add_enabled(painted, egui::Button::new("Clear"))
            .on_hover_text("Nothing kept still on this picture")
            .clicked()
        {
            app.clear_keep_still(app.selected);
        }
    }
}

/// What is kept still on the shown source, blue over it: rasterised from the strokes (the
/// project's and the one being painted) when they change.
fn draw_keep_still(app: &mut StudioApp, painter: &egui::Painter, rect: Rect, size: [usize; 2]) {
    let sel = app.selected;
    let Some(id) = app.sources.get(sel).map(|s| s.id) else {
        return;
    };
    let saved = app
        .project
        .sources
        .get(sel)
        .map_or(&[][..], |e| e.keep_still.as_slice());
    let painting = app.editing.stroke.as_ref();
    let strokes = || saved.iter().chain(painting);
    if strokes().next().is_none() {
        return;
    }
    // Drawn again only when the strokes change (compared in place: nothing is copied while
    // they stay as they are).
    let stale = app
        .editing
        .still_overlay
        .as_ref()
        .is_none_or(|(i, s, _)| *i != id || !s.iter().eq(strokes()));
    if stale {
        let strokes: Vec<crate::render::StillStroke> = strokes().cloned().collect();
        let Some(mask) =
            crate::render::StillMask::from_strokes(size[0] as u32, size[1] as u32, &strokes)
        else {
            app.editing.still_overlay = None;
            return;
        };
        let mut pixels = Vec::with_capacity(size[0] * size[1]);
        for y in 0..size[1] as u32 {
            for x in 0..size[0] as u32 {
                let a = mask.at(x, y) as f32 / 255.0;
                pixels.push(Color32::from_rgba_unmultiplied(
                    70,
                    150,
                    255,
                    (a * 110.0) as u8,
                ));
            }
        }
        let image = egui::ColorImage::new(size, pixels);
        let tex = painter
            .ctx()
            .load_texture("keep-still", image, egui::TextureOptions::LINEAR);
        app.editing.still_overlay = Some((id, strokes, tex));
    }
    if let Some((_, _, tex)) = &app.editing.still_overlay {
        painter.image(tex.id(), rect, UV, Color32::WHITE);
    }
}

/// A view's caption over `area`, cut short with "…" to the view's width (a long file name
/// never runs into the next view's caption).
pub(super) fn caption(ui: &egui::Ui, area: Rect, text: &str) -> Rect {
    let mut job = egui::text::LayoutJob::simple_singleline(
        text.to_string(),
        egui::FontId::proportional(13.0),
        ui.visuals().strong_text_color(),
    );
    job.wrap = egui::text::TextWrapping::truncate_at_width((area.width() - 8.0).max(8.0));
    let galley = ui.fonts_mut(|f| f.layout_job(job));
    ui.painter_at(area)
        .galley(area.min + vec2(4.0, 2.0), galley, Color32::WHITE);
    Rect::from_min_max(area.min + vec2(0.0, 20.0), area.max)
}

pub(super) fn placeholder(ui: &egui::Ui, area: Rect, text: &str) {
    ui.painter()
        .rect_filled(area, 4.0, ui.visuals().extreme_bg_color);
    // Wrapped to the view's width, centred: a narrow view shows all of it.
    let mut job = egui::text::LayoutJob::simple(
        text.to_string(),
        egui::FontId::proportional(14.0),
        ui.visuals().weak_text_color(),
        (area.width() - 16.0).max(16.0),
    );
    job.halign = egui::Align::Center;
    let galley = ui.fonts_mut(|f| f.layout_job(job));
    let at = pos2(area.center().x, area.center().y - galley.size().y / 2.0);
    ui.painter_at(area).galley(at, galley, Color32::WHITE);
}

/// Wheel zoom about the pointer, right/middle-drag pan, of `pane` in the view shown.
fn zoom_and_pan(
    app: &mut StudioApp,
    ui: &egui::Ui,
    response: &egui::Response,
    area: Rect,
    pane: Pane,
) {
    let zp = app.layout.zoom_mut(pane);
    if response.hovered() {
        let dy = ui.input(|i| i.smooth_scroll_delta().y);
        if dy != 0.0 {
            let factor = (dy * 0.003).exp();
            let old = zp.zoom;
            zp.zoom = (old * factor).clamp(0.25, 16.0);
            if let Some(p) = response.hover_pos() {
                // Keep the point under the pointer where it is.
                let c = area.center() + zp.pan;
                let k = zp.zoom / old;
                zp.pan += (p - c) * (1.0 - k);
            }
        }
    }
    if response.dragged_by(egui::PointerButton::Secondary)
        || response.dragged_by(egui::PointerButton::Middle)
    {
        zp.pan += response.drag_delta();
    }
}

fn draw_landmarks(
    painter: &egui::Painter,
    rect: Rect,
    scale: f32,
    lm: &[[f32; 2]],
    color: Color32,
) {
    if lm.len() != 68 {
        return;
    }
    for f in Feature::ALL {
        let mut pts: Vec<Pos2> = f.points().map(|i| to_screen(rect, scale, lm[i])).collect();
        if f.closed()
            && let Some(&first) = pts.first()
        {
            pts.push(first);
        }
        painter.add(egui::Shape::line(
            pts,
            Stroke::new(1.0, color.gamma_multiply(0.7)),
        ));
    }
    for p in lm {
        painter.circle_filled(to_screen(rect, scale, *p), 2.5, color);
    }
}

fn source_view(app: &mut StudioApp, ui: &mut egui::Ui, area: Rect) {
    let sel = app.selected;
    let name = app
        .sources
        .get(sel)
        .map(|s| crate::studio::app::file_name(&s.path));
    let area = caption(
        ui,
        area,
        &match &name {
            Some(n) => format!("Source: {n}"),
            None => "Source".into(),
        },
    );
    let response = ui.interact(
        area,
        ui.scope_id().with("source-view"),
        Sense::click_and_drag(),
    );
    let Some(s) = app.sources.get(sel) else {
        placeholder(ui, area, "Drop a portrait here (or File > Add media…)");
        return;
    };
    let (Some(tex), Some(img)) = (s.texture.clone(), s.image.clone()) else {
        let text = match &s.status {
            SourceStatus::Failed(e) => format!("Cannot use this picture:\n{e}"),
            _ => "Opening…".into(),
        };
        placeholder(ui, area, &text);
        return;
    };
    zoom_and_pan(app, ui, &response, area, Pane::Source);
    let size = [img.width() as usize, img.height() as usize];
    let (rect, scale) = image_rect(area, size, app.layout.zoom(Pane::Source));
    app.layout.source_rect = Some((rect, scale));
    let painter = ui.painter_at(area);
    painter.image(tex.id(), rect, UV, Color32::WHITE);

    let shift = ui.input(|i| i.modifiers.shift);
    let pointer = response.interact_pointer_pos().or(response.hover_pos());
    if app.editing.paint_still && app.layout.view == View::Source {
        let origin = ui.input(|i| i.pointer.press_origin());
        if response.drag_started_by(egui::PointerButton::Primary)
            && let Some(p) = origin.or(response.interact_pointer_pos())
        {
            let radius = app.editing.brush / scale;
            app.begin_still_stroke(sel, to_image(rect, scale, p), radius, shift);
        }
        if response.dragged_by(egui::PointerButton::Primary)
            && let Some(p) = response.interact_pointer_pos()
        {
            app.extend_still_stroke(to_image(rect, scale, p));
        }
        if response.drag_stopped() {
            app.end_still_stroke(sel);
        }
        draw_keep_still(app, &painter, rect, size);
        if let Some(p) = response.hover_pos() {
            painter.circle_stroke(
                p,
                app.editing.brush,
                Stroke::new(1.0, Color32::from_rgb(120, 190, 255)),
            );
        }
        return;
    }
    // Start of a primary drag: grab a landmark, or start the placement box. The press point,
    // not where the drag was recognised (a few points later), is what was aimed at.
    let origin = ui.input(|i| i.pointer.press_origin());
    if response.drag_started_by(egui::PointerButton::Primary)
        && let Some(p) = origin.or(response.interact_pointer_pos())
    {
        let at = to_image(rect, scale, p);
        let s = &app.sources[sel];
        if app.editing.placing == Some(sel) || (s.landmarks.is_none() && s.image.is_some()) {
            app.begin_placement(sel, at);
        } else if let Some(lm) = &s.landmarks
            && let Some(i) = edit::nearest_point(lm, at, GRAB / scale)
        {
            app.begin_landmark_drag(sel, i, at, shift);
        }
    }
    // Follow the pointer from the press point, so nothing is lost to the drag threshold.
    if response.dragged_by(egui::PointerButton::Primary)
        && app.editing.drag.is_some()
        && let Some(p) = response.interact_pointer_pos()
    {
        app.drag_landmark_to(sel, to_image(rect, scale, p));
    }
    let mut placed_box = None;
    if let (Some(start), Some(p)) = (app.editing.place_start, pointer)
        && app.editing.placing == Some(sel)
    {
        let end = to_image(rect, scale, p);
        let r = Rect::from_two_pos(to_screen(rect, scale, start), to_screen(rect, scale, end));
        painter.rect_stroke(
            r,
            0.0,
            Stroke::new(1.5, Color32::YELLOW),
            egui::StrokeKind::Middle,
        );
        placed_box = Some((start, end));
    }
    if response.drag_stopped() {
        if app.editing.drag.is_some() {
            app.end_landmark_drag(sel);
        } else if let Some((a, b)) = placed_box.take() {
            app.finish_placement(sel, a, b);
        }
    }
    // A click on another detected face picks it.
    if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        let q = to_image(rect, scale, p);
        let hit = app.sources[sel].faces.iter().position(|f| {
            q[0] >= f.bbox[0]
                && q[1] >= f.bbox[1]
                && q[0] <= f.bbox[0] + f.bbox[2]
                && q[1] <= f.bbox[1] + f.bbox[3]
        });
        if let Some(face) = hit {
            app.pick_face(sel, face);
        }
    }

    let s = &app.sources[sel];
    if s.faces.len() > 1 {
        for (i, f) in s.faces.iter().enumerate() {
            let r = Rect::from_min_size(
                to_screen(rect, scale, [f.bbox[0], f.bbox[1]]),
                vec2(f.bbox[2] * scale, f.bbox[3] * scale),
            );
            let color = if i == s.face {
                Color32::from_rgb(80, 220, 120)
            } else {
                Color32::from_gray(200)
            };
            painter.rect_stroke(r, 2.0, Stroke::new(1.5, color), egui::StrokeKind::Middle);
        }
    }
    if app.layout.show_landmarks
        && let Some(lm) = &s.landmarks
    {
        let color = if s.edited {
            Color32::from_rgb(255, 170, 40)
        } else {
            Color32::from_rgb(60, 230, 120)
        };
        draw_landmarks(&painter, rect, scale, lm, color);
        // The point under the pointer, and its feature.
        if app.editing.drag.is_none()
            && let Some(p) = response.hover_pos()
            && let Some(i) = edit::nearest_point(lm, to_image(rect, scale, p), GRAB / scale)
        {
            painter.circle_stroke(
                to_screen(rect, scale, lm[i]),
                5.0,
                Stroke::new(1.5, Color32::WHITE),
            );
            response.clone().on_hover_text_at_pointer(format!(
                "point {} ({}): drag to move{}",
                i + 1,
                Feature::of_point(i).name(),
                if app.editing.feature_drag {
                    " the feature"
                } else {
                    "; Shift+drag moves the feature"
                }
            ));
        }
    }
    if app.editing.placing == Some(sel) && app.editing.place_start.is_none() {
        placeholder_text(&painter, area, "Drag a box from the brows to the chin");
    }
    draw_keep_still(app, &painter, rect, size);
}

fn placeholder_text(painter: &egui::Painter, area: Rect, text: &str) {
    let pos = pos2(area.center().x, area.max.y - 16.0);
    painter.text(
        pos,
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(15.0),
        Color32::YELLOW,
    );
}

fn frame_image(
    ui: &egui::Ui,
    area: Rect,
    tex: &TextureHandle,
    size: [usize; 2],
    zp: ZoomPan,
) -> (Rect, f32) {
    let (rect, scale) = image_rect(area, size, zp);
    ui.painter_at(area)
        .image(tex.id(), rect, UV, Color32::WHITE);
    (rect, scale)
}

fn driving_view(app: &mut StudioApp, ui: &mut egui::Ui, area: Rect) {
    let area = caption(
        ui,
        area,
        &format!("Driving: frame {}", app.preview.playhead),
    );
    let response = ui.interact(
        area,
        ui.scope_id().with("driving-view"),
        Sense::click_and_drag(),
    );
    zoom_and_pan(app, ui, &response, area, Pane::Driving);
    if app.project.driving.is_none() {
        let text = if app.voice_mode() {
            "No driving clip:\nthe voice drives the face"
        } else {
            "Drop a driving video here"
        };
        placeholder(ui, area, text);
        return;
    }
    match app.preview.shown.as_ref().and_then(|f| f.driving.as_ref()) {
        Some((tex, lm)) => {
            let (rect, scale) =
                frame_image(ui, area, tex, tex.size(), app.layout.zoom(Pane::Driving));
            if app.layout.show_landmarks {
                draw_landmarks(
                    &ui.painter_at(area),
                    rect,
                    scale,
                    lm,
                    Color32::from_rgb(90, 170, 255),
                );
            }
        }
        None => placeholder(ui, area, "Analysing the driving clip…"),
    }
}

fn result_view(app: &mut StudioApp, ui: &mut egui::Ui, area: Rect) {
    let area = caption(ui, area, "Result");
    let response = ui.interact(
        area,
        ui.scope_id().with("result-view"),
        Sense::click_and_drag(),
    );
    zoom_and_pan(app, ui, &response, area, Pane::Result);
    match &app.preview.shown {
        Some(f) => {
            let (rect, _) = frame_image(
                ui,
                area,
                &f.result,
                f.result.size(),
                app.layout.zoom(Pane::Result),
            );
            if f.key.1 != app.preview.playhead {
                // The playhead's own frame is on its way.
                ui.ctx().request_repaint();
            }
            let s = &app.project.settings;
            if s.fit == crate::pipeline::Fit::Crop
                && (s.size != crate::pipeline::OutputSize::Source || s.crop_zoom > 1.0)
            {
                safe_areas(ui, rect.intersect(area), rect);
            }
            if let Some(text) = app.preview_badge() {
                badge(ui, rect.intersect(area), &text);
            }
        }
        None => {
            let text = if app.sources.is_empty() {
                "Add a portrait, then a driving clip or a voice recording"
            } else if app.project.driving.is_none() && app.project.audio.is_none() {
                "Add a driving clip or a voice recording"
            } else {
                "Preparing…"
            };
            placeholder(ui, area, text);
        }
    }
}

/// The safe areas over a cropped result (90 % for action, 80 % for titles), so that the crop
/// can be placed with what matters inside them.
fn safe_areas(ui: &egui::Ui, clip: Rect, frame: Rect) {
    let painter = ui.painter_at(clip);
    for (share, alpha) in [(0.9, 150), (0.8, 90)] {
        let r = Rect::from_center_size(frame.center(), frame.size() * share);
        painter.rect_stroke(
            r,
            0.0,
            Stroke::new(1.0, Color32::from_white_alpha(alpha)),
            egui::StrokeKind::Middle,
        );
    }
}

/// A small note in the lower left corner of the result: a warp stand-in said as such, or how
/// long the neural frame took. A label (the tests and screen readers find it) on a dark plate
/// so it reads over any picture, wrapped to the picture's width.
fn badge(ui: &mut egui::Ui, over: Rect, text: &str) {
    if over.width() < 40.0 || over.height() < 40.0 {
        return;
    }
    let (pad, font) = (vec2(6.0, 3.0), egui::FontId::proportional(12.0));
    let wrap = over.width() - 8.0 - 2.0 * pad.x;
    let color = Color32::from_gray(235);
    let galley = ui
        .painter()
        .layout(text.to_string(), font.clone(), color, wrap);
    let size = galley.size() + 2.0 * pad;
    let plate = Rect::from_min_size(pos2(over.min.x + 4.0, over.max.y - 4.0 - size.y), size);
    ui.painter_at(over)
        .rect_filled(plate, 4.0, Color32::from_black_alpha(170));
    let label = egui::Label::new(egui::RichText::new(text).font(font).color(color)).wrap();
    ui.put(plate.shrink2(pad), label).on_hover_text(
        "The warp engine's frame stands in while the neural engine's is drawn (seconds on the CPU); then the neural engine's, with the time it took",
    );
}
