//! The timeline: the driving clip as a strip of thumbnails, the sound's waveform and, when a
//! voice drives, the mouth opening it makes; drag anywhere on it to scrub, frame-accurately.

use egui::{Color32, Pos2, Rect, Sense, Stroke, pos2, vec2};

use crate::studio::app::StudioApp;
use crate::studio::commands::Command;

const STRIP_H: f32 = 50.0;
const WAVE_H: f32 = 40.0;
const CURVE_H: f32 = 30.0;

/// Editors' timecode `HH:MM:SS:FF` (FF = frame within the second, not a decimal fraction).
pub fn timecode(t: f64, fps: f64) -> String {
    let fps = fps.max(1.0);
    let total = (t * fps + 1e-6).floor() as u64;
    let per_s = fps.round().max(1.0) as u64;
    let secs = (t + 1e-9).floor() as u64;
    format!(
        "{:02}:{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        total.saturating_sub(secs * per_s).min(per_s - 1)
    )
}

/// The x of frame `k` on a timeline drawn in `rect` with `frames` frames.
pub fn frame_x(rect: Rect, k: u64, frames: u64) -> f32 {
    if frames <= 1 {
        return rect.min.x;
    }
    rect.min.x + rect.width() * k as f32 / (frames - 1) as f32
}

/// A transport button: the command's tooltip (with its shortcut) on hover.
fn button(app: &mut StudioApp, ui: &mut egui::Ui, label: &str, command: Command) {
    let tip = command.tooltip(ui.ctx());
    if ui.button(label).on_hover_text(tip).clicked() {
        command.run(app);
    }
}

pub fn show(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let play = if app.player.is_playing() {
            "Pause"
        } else {
            "Play"
        };
        for (label, command) in [
            ("Start", Command::GoToStart),
            ("Prev", Command::PreviousFrame),
            (play, Command::PlayPause),
            ("Next", Command::NextFrame),
            ("End", Command::GoToEnd),
        ] {
            button(app, ui, label, command);
        }
        ui.separator();
        let t = app.time_of(app.preview.playhead);
        ui.monospace(timecode(t, app.preview.fps));
        let mut k = app.preview.playhead;
        let last = app.preview.frames.saturating_sub(1);
        let label = ui.label("Frame");
        if ui
            .add(egui::DragValue::new(&mut k).range(0..=last))
            .labelled_by(label.id)
            .changed()
        {
            app.seek(k as i64);
        }
        ui.label(format!("of {}", app.preview.frames));
        ui.separator();
        button(app, ui, "Set in", Command::SetIn);
        button(app, ui, "Set out", Command::SetOut);
        let s = app.project.settings.clone();
        if Command::ClearRange.enabled(app) {
            button(app, ui, "Clear range", Command::ClearRange);
        }
        // In and out in the same timecode as the playhead.
        if s.start_s.is_some() || s.end_s.is_some() {
            let fps = app.preview.fps;
            ui.monospace(format!(
                "In {} · Out {}",
                timecode(s.start_s.unwrap_or(0.0), fps),
                s.end_s.map_or("end".into(), |b| timecode(b, fps))
            ));
        }
    });
    // The voice's mouth curve, whenever a voice moves the lips.
    let voice = app.audio.is_some() && (app.voice_mode() || app.project.settings.lips_from_audio);
    let height = STRIP_H + WAVE_H + if voice { CURVE_H } else { 0.0 };
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "Timeline"));
    let response = response.on_hover_text("Drag to scrub");
    app.layout.timeline_rect = Some(rect);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let duration = if app.preview.frames > 0 {
        app.preview.frames as f64 / app.preview.fps.max(1.0)
    } else {
        1.0
    };
    // Thumbnails, each across the slice of time it stands for.
    let strip = Rect::from_min_size(rect.min, vec2(rect.width(), STRIP_H));
    if let Some(d) = &app.driving {
        let n = d.thumbnails.len().max(1) as f32;
        for (i, (_, tex)) in d.thumbnails.iter().enumerate() {
            let w = strip.width() / n;
            let r = Rect::from_min_size(
                pos2(strip.min.x + i as f32 * w, strip.min.y),
                vec2(w, STRIP_H),
            );
            let [tw, th] = tex.size();
            // Cover the slot, cropping the middle of the thumbnail.
            let aspect = tw as f32 / th.max(1) as f32;
            let slot = r.width() / r.height();
            let uv = if aspect > slot {
                let f = slot / aspect;
                Rect::from_min_max(pos2(0.5 - f / 2.0, 0.0), pos2(0.5 + f / 2.0, 1.0))
            } else {
                let f = aspect / slot;
                Rect::from_min_max(pos2(0.0, 0.5 - f / 2.0), pos2(1.0, 0.5 + f / 2.0))
            };
            painter.image(tex.id(), r.shrink(0.5), uv, Color32::WHITE);
        }
    } else {
        painter.text(
            strip.center(),
            egui::Align2::CENTER_CENTER,
            if voice {
                "Voice: no driving clip"
            } else {
                "No driving clip"
            },
            egui::FontId::proportional(12.0),
            ui.visuals().weak_text_color(),
        );
    }
    // The waveform: the soundtrack's, else the driving clip's own sound.
    let wave_rect = Rect::from_min_size(pos2(rect.min.x, strip.max.y), vec2(rect.width(), WAVE_H));
    let wave = match (&app.audio, &app.driving) {
        (Some(a), _) => Some((&a.waveform, a.duration_s)),
        (None, Some(d)) => d.waveform.as_ref().map(|(w, dur)| (w, *dur)),
        _ => None,
    };
    if let Some((buckets, wave_dur)) = wave {
        let n = buckets.len().max(1) as f64;
        let mid = wave_rect.center().y;
        // Scaled to the loudest moment, so quiet recordings are readable too.
        let peak = buckets
            .iter()
            .map(|(lo, hi)| lo.abs().max(hi.abs()))
            .fold(1e-3_f32, f32::max)
            .min(1.0);
        let half = (WAVE_H / 2.0 - 2.0) / peak;
        let color = Color32::from_rgb(110, 180, 240);
        let mut x_last = f32::NEG_INFINITY;
        for (i, (lo, hi)) in buckets.iter().enumerate() {
            let t = (i as f64 + 0.5) / n * wave_dur;
            if t > duration {
                break;
            }
            let x = wave_rect.min.x + (t / duration) as f32 * wave_rect.width();
            if x - x_last < 1.0 {
                continue;
            }
            x_last = x;
            painter.line_segment(
                [
                    pos2(x, mid - hi.clamp(-peak, peak) * half),
                    pos2(x, mid - lo.clamp(-peak, peak) * half),
                ],
                Stroke::new(1.0, color),
            );
        }
    }
    // The mouth opening the voice makes, under the waveform.
    if voice && let Some(a) = &app.audio {
        let curve = Rect::from_min_size(
            pos2(rect.min.x, wave_rect.max.y),
            vec2(rect.width(), CURVE_H),
        );
        painter.text(
            curve.min + vec2(4.0, 2.0),
            egui::Align2::LEFT_TOP,
            "mouth",
            egui::FontId::proportional(10.0),
            ui.visuals().weak_text_color(),
        );
        let pts: Vec<Pos2> = a
            .open
            .iter()
            .enumerate()
            .map(|(i, &o)| {
                let t = i as f64 / a.fps.max(1.0);
                pos2(
                    curve.min.x + (t / duration) as f32 * curve.width(),
                    curve.max.y - 2.0 - o.clamp(0.0, 1.0) * (CURVE_H - 4.0),
                )
            })
            .filter(|p| p.x <= curve.max.x)
            .collect();
        painter.add(egui::Shape::line(
            pts,
            Stroke::new(1.5, Color32::from_rgb(250, 150, 60)),
        ));
    }
    // Few-shot: under the strip, which picture each drawn frame animates, in its colour.
    if app.sources.len() > 1 {
        let band = Rect::from_min_max(
            pos2(rect.min.x, strip.max.y - 4.0),
            pos2(rect.max.x, strip.max.y),
        );
        for (&k, &src) in &app.preview.chosen {
            let (x0, x1) = (
                frame_x(rect, k, app.preview.frames),
                frame_x(rect, k + 1, app.preview.frames),
            );
            painter.rect_filled(
                Rect::from_x_y_ranges(x0..=x1.max(x0 + 1.0), band.y_range()),
                0.0,
                super::sources::source_colour(src),
            );
        }
    }
    // The render range.
    let s = &app.project.settings;
    if s.start_s.is_some() || s.end_s.is_some() {
        let x = |t: f64| rect.min.x + (t / duration).clamp(0.0, 1.0) as f32 * rect.width();
        let (a, b) = (x(s.start_s.unwrap_or(0.0)), x(s.end_s.unwrap_or(duration)));
        let shade = Color32::from_black_alpha(140);
        painter.rect_filled(
            Rect::from_min_max(rect.min, pos2(a, rect.max.y)),
            0.0,
            shade,
        );
        painter.rect_filled(
            Rect::from_min_max(pos2(b, rect.min.y), rect.max),
            0.0,
            shade,
        );
        for x in [a, b] {
            painter.line_segment(
                [pos2(x, rect.min.y), pos2(x, rect.max.y)],
                Stroke::new(2.0, Color32::YELLOW),
            );
        }
    }
    // Playhead.
    let x = frame_x(rect, app.preview.playhead, app.preview.frames);
    painter.line_segment(
        [pos2(x, rect.min.y), pos2(x, rect.max.y)],
        Stroke::new(2.0, Color32::RED),
    );
    // Scrub: the frame under the pointer, while pressed or dragged.
    if (response.is_pointer_button_down_on() || response.dragged() || response.clicked())
        && let Some(p) = response.interact_pointer_pos()
        && app.preview.frames > 0
    {
        let f = ((p.x - rect.min.x) / rect.width()).clamp(0.0, 1.0);
        let k = (f * (app.preview.frames - 1) as f32).round() as i64;
        if k as u64 != app.preview.playhead {
            app.seek(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timecodes_count_frames_within_the_second() {
        assert_eq!(timecode(0.0, 25.0), "00:00:00:00");
        assert_eq!(timecode(61.48, 25.0), "00:01:01:12");
        assert_eq!(timecode(3725.0 + 24.0 / 25.0, 25.0), "01:02:05:24");
    }
}
