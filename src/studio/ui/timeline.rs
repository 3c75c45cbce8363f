//! The timeline: a ruler in timecode, the driving clip as a strip of thumbnails, the sound's
//! waveform and, when a voice drives, the mouth opening it makes; drag anywhere on it to scrub,
//! frame-accurately. The mouse wheel zooms about the pointer, Shift+wheel (or a sideways
//! scroll) moves along; everything is placed through one mapping (`View`).

use egui::{Color32, Pos2, Rect, Sense, Stroke, pos2, vec2};

use crate::studio::app::StudioApp;
use crate::studio::commands::Command;

const RULER_H: f32 = 16.0;
const STRIP_H: f32 = 50.0;
/// How wide (points) a frame must be on the timeline to show a thumbnail of its own.
const MIN_FRAME_SLOT: f64 = 30.0;
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

/// The timeline's mapping between a position in the whole (a fraction, 0 at the first frame,
/// 1 at the last) and x on screen, for the stretch in view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub rect: Rect,
    /// Start and length of the stretch in view, as fractions of the whole.
    pub start: f64,
    pub span: f64,
}

impl View {
    pub fn x(&self, f: f64) -> f32 {
        self.rect.min.x + ((f - self.start) / self.span) as f32 * self.rect.width()
    }

    /// The fraction of the whole at screen x.
    pub fn fraction(&self, x: f32) -> f64 {
        self.start + ((x - self.rect.min.x) / self.rect.width().max(1.0)) as f64 * self.span
    }

    /// Zoomed by `factor` (> 1 narrows the stretch in view) about screen x, kept within the
    /// whole and no closer than `min_span`.
    pub fn zoomed(self, factor: f64, x: f32, min_span: f64) -> (f64, f64) {
        let anchor = self.fraction(x);
        let span = (self.span / factor).clamp(min_span.min(1.0), 1.0);
        let at = ((x - self.rect.min.x) / self.rect.width().max(1.0)) as f64;
        let start = (anchor - at * span).clamp(0.0, 1.0 - span);
        (start, span)
    }

    /// Moved along by `dx` screen pixels (positive: later).
    pub fn panned(self, dx: f32) -> (f64, f64) {
        let start = (self.start + (dx / self.rect.width().max(1.0)) as f64 * self.span)
            .clamp(0.0, 1.0 - self.span);
        (start, self.span)
    }
}

/// Frame `k` of `frames` as a fraction of the whole.
fn frame_fraction(k: u64, frames: u64) -> f64 {
    if frames <= 1 {
        0.0
    } else {
        k as f64 / (frames - 1) as f64
    }
}

/// The ruler's step between labelled ticks, seconds: the smallest of the editors' steps that
/// leaves at least `min_px` between labels.
fn ruler_step(seconds_in_view: f64, width: f32, min_px: f32, fps: f64) -> f64 {
    let frame = 1.0 / fps.max(1.0);
    let steps = [
        frame, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    ];
    let px_per_s = width as f64 / seconds_in_view.max(1e-9);
    steps
        .into_iter()
        .find(|s| s * px_per_s >= min_px as f64)
        .unwrap_or(3600.0)
}

/// A transport button: the command's tooltip (with its shortcut) on hover.
fn button(app: &mut StudioApp, ui: &mut egui::Ui, label: &str, command: Command) {
    let tip = command.tooltip(ui.ctx());
    if ui.button(label).on_hover_text(tip).clicked() {
        app.queue(command);
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
        // The shuttle's speed and direction while J/L play (1× plays as normal).
        let rate = app.player.rate();
        if app.player.is_playing() && rate != 1.0 {
            ui.monospace(format!(
                "{} {}x",
                if rate < 0.0 { "<<" } else { ">>" },
                rate.abs()
            ))
            .on_hover_text("J/L: play backward/forward, again for faster; K stops");
        }
        let mut k = app.preview.playhead;
        let last = app.preview.frames.saturating_sub(1);
        let label = ui.label("Frame");
        if ui
            .add(egui::DragValue::new(&mut k).range(0..=last))
            .labelled_by(label.id)
            .on_hover_text("The frame shown: drag or type a number to go there")
            .changed()
        {
            app.seek(k as i64);
        }
        ui.label(format!("of {}", app.preview.frames));
        ui.separator();
        button(app, ui, "Set in", Command::SetIn);
        button(app, ui, "Set out", Command::SetOut);
        let s = app.project.settings.clone();
        if app.can(Command::ClearRange) {
            button(app, ui, "Clear range", Command::ClearRange);
        }
        let mut looping = app.preview.looping;
        if ui
            .toggle_value(&mut looping, "Loop")
            .on_hover_text(Command::LoopPlayback.tooltip(ui.ctx()))
            .clicked()
        {
            app.queue(Command::LoopPlayback);
        }
        // In and out in the same timecode as the playhead: the first and the last frame
        // exported (the out point is the frame it was set on).
        if s.start_s.is_some() || s.end_s.is_some() {
            let fps = app.preview.fps;
            let (first, last) = app.range_frames();
            ui.monospace(format!(
                "In {} · Out {}",
                timecode(app.time_of(first), fps),
                s.end_s
                    .map_or("end".into(), |_| timecode(app.time_of(last), fps))
            ));
        }
    });
    // The voice's mouth curve, whenever a voice moves the lips.
    let voice = app.audio.is_some() && (app.voice_mode() || app.project.settings.lips_from_audio);
    let height = RULER_H + STRIP_H + WAVE_H + if voice { CURVE_H } else { 0.0 };
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "Timeline"));
    let response = response
        .on_hover_text_at_pointer("Drag to scrub · wheel to zoom · Shift+wheel to move along");
    app.layout.timeline_rect = Some(rect);
    let (start, span) = app.layout.timeline_view;
    let view = View { rect, start, span };
    // Zoom about the pointer, move along with a sideways scroll or Shift+wheel.
    if response.hovered() && app.preview.frames > 1 {
        let (scroll, zoom, shift) =
            ui.input(|i| (i.smooth_scroll_delta, i.zoom_delta(), i.modifiers.shift));
        // At most zoomed in to eight frames across.
        let min_span = 8.0 / app.preview.frames as f64;
        if zoom != 1.0 {
            if let Some(p) = response.hover_pos() {
                app.layout.timeline_view = view.zoomed(zoom as f64, p.x, min_span);
            }
        } else if shift && scroll.y != 0.0 {
            app.layout.timeline_view = view.panned(-scroll.y);
        } else if scroll.x != 0.0 {
            app.layout.timeline_view = view.panned(-scroll.x);
        } else if scroll.y != 0.0
            && let Some(p) = response.hover_pos()
        {
            let factor = (scroll.y as f64 / 200.0).exp();
            app.layout.timeline_view = view.zoomed(factor, p.x, min_span);
        }
    }
    let (start, span) = app.layout.timeline_view;
    let view = View { rect, start, span };
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let duration = if app.preview.frames > 0 {
        app.preview.frames as f64 / app.preview.fps.max(1.0)
    } else {
        1.0
    };
    // The ruler: labelled ticks in timecode, as far apart as the zoom allows.
    let ruler = Rect::from_min_size(rect.min, vec2(rect.width(), RULER_H));
    if app.preview.frames > 0 {
        let fps = app.preview.fps;
        let step = ruler_step(span * duration, rect.width(), 90.0, fps);
        let mut t = (start * duration / step).ceil() * step;
        while t <= (start + span) * duration + 1e-9 {
            let x = view.x(t / duration);
            painter.line_segment(
                [pos2(x, ruler.max.y - 5.0), pos2(x, ruler.max.y)],
                Stroke::new(1.0, ui.visuals().weak_text_color()),
            );
            painter.text(
                pos2(x + 2.0, ruler.min.y + 1.0),
                egui::Align2::LEFT_TOP,
                timecode(t, fps),
                egui::FontId::monospace(9.0),
                ui.visuals().weak_text_color(),
            );
            t += step;
        }
    }
    // Thumbnails, each across the slice of time it stands for; zoomed in far enough, one per
    // frame (its own, once made; the strip's nearest until then), never stretched.
    let strip = Rect::from_min_size(pos2(rect.min.x, ruler.max.y), vec2(rect.width(), STRIP_H));
    let frames = app.preview.frames;
    let frame_w = if frames > 0 {
        rect.width() as f64 / (span * frames as f64)
    } else {
        0.0
    };
    if let Some(d) = app.driving.as_ref().filter(|_| frame_w >= MIN_FRAME_SLOT) {
        let f = frames as f64;
        let first = ((start * f).floor().max(0.0)) as u64;
        let last = (((start + span) * f).ceil() as u64).min(frames);
        let n = d.thumbnails.len().max(1) as f64;
        let mut wanted = Vec::new();
        for k in first..last {
            let (x0, x1) = (view.x(k as f64 / f), view.x((k + 1) as f64 / f));
            let own = d.frame_thumbnails.get(&k);
            if own.is_none() {
                wanted.push(k);
            }
            let strip_tex = d
                .thumbnails
                .get(((k as f64 + 0.5) / f * n) as usize)
                .map(|(_, t)| t);
            let Some(tex) = own.or(strip_tex) else {
                continue;
            };
            let slot = Rect::from_min_max(pos2(x0, strip.min.y), pos2(x1, strip.max.y));
            // At the strip's height, the frame's own shape, from the slot's left edge.
            let [tw, th] = tex.size();
            let w = (STRIP_H - 1.0) * tw as f32 / th.max(1) as f32;
            let r = Rect::from_min_size(slot.min + vec2(0.5, 0.5), vec2(w, STRIP_H - 1.0));
            let shown = r.intersect(slot.shrink(0.5));
            let uv = Rect::from_min_max(
                pos2(0.0, 0.0),
                pos2((shown.width() / r.width()).clamp(0.0, 1.0), 1.0),
            );
            painter.image(tex.id(), shown, uv, Color32::WHITE);
        }
        app.want_frame_thumbnails(wanted);
    } else if let Some(d) = &app.driving {
        let n = d.thumbnails.len().max(1) as f64;
        for (i, (_, tex)) in d.thumbnails.iter().enumerate() {
            let (x0, x1) = (view.x(i as f64 / n), view.x((i + 1) as f64 / n));
            if x1 < rect.min.x || x0 > rect.max.x {
                continue;
            }
            let r = Rect::from_min_max(pos2(x0, strip.min.y), pos2(x1, strip.max.y));
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
            let x = view.x(t / duration);
            if x - x_last < 1.0 || x < rect.min.x || x > rect.max.x {
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
                    view.x(t / duration),
                    curve.max.y - 2.0 - o.clamp(0.0, 1.0) * (CURVE_H - 4.0),
                )
            })
            .filter(|p| (curve.min.x - 2.0..=curve.max.x + 2.0).contains(&p.x))
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
                view.x(frame_fraction(k, app.preview.frames)),
                view.x(frame_fraction(k + 1, app.preview.frames)),
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
        let x = |t: f64| {
            view.x((t / duration).clamp(0.0, 1.0))
                .clamp(rect.min.x, rect.max.x)
        };
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
    let x = view.x(frame_fraction(app.preview.playhead, app.preview.frames));
    painter.line_segment(
        [pos2(x, rect.min.y), pos2(x, rect.max.y)],
        Stroke::new(2.0, Color32::RED),
    );
    // Scrub: the frame under the pointer, while pressed or dragged.
    if (response.is_pointer_button_down_on() || response.dragged() || response.clicked())
        && let Some(p) = response.interact_pointer_pos()
        && app.preview.frames > 0
    {
        let f = view.fraction(p.x).clamp(0.0, 1.0);
        let k = (f * (app.preview.frames - 1) as f64).round() as i64;
        if k as u64 != app.preview.playhead {
            app.seek(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_keeps_the_point_under_the_pointer_and_stays_within_the_clip() {
        let rect = Rect::from_min_size(pos2(100.0, 0.0), vec2(1000.0, 100.0));
        let whole = View {
            rect,
            start: 0.0,
            span: 1.0,
        };
        // Zoom ×4 about x = 350 (a quarter in): that quarter stays under the pointer.
        let (start, span) = whole.zoomed(4.0, 350.0, 0.01);
        assert!((span - 0.25).abs() < 1e-9);
        let zoomed = View {
            start,
            span,
            ..whole
        };
        assert!((zoomed.fraction(350.0) - 0.25).abs() < 1e-9);
        // Never past either end, never closer than the minimum.
        let (s, sp) = zoomed.panned(1e6);
        assert!((s + sp - 1.0).abs() < 1e-9);
        let (_, sp) = whole.zoomed(1e9, 600.0, 0.02);
        assert!((sp - 0.02).abs() < 1e-12);
        assert_eq!(whole.zoomed(0.5, 600.0, 0.02), (0.0, 1.0));
    }

    #[test]
    fn the_ruler_labels_are_far_enough_apart() {
        // 20 s over 1000 px at 25 fps: 90 px is 1.8 s, so every 2 s.
        assert_eq!(ruler_step(20.0, 1000.0, 90.0, 25.0), 2.0);
        // Zoomed to 1 s: a frame is 40 px; five frames do not exist as a step, 0.2 s does.
        assert_eq!(ruler_step(1.0, 1000.0, 90.0, 25.0), 0.2);
        // Zoomed in far: every frame.
        assert_eq!(ruler_step(0.2, 1000.0, 90.0, 25.0), 0.04);
    }

    #[test]
    fn timecodes_count_frames_within_the_second() {
        assert_eq!(timecode(0.0, 25.0), "00:00:00:00");
        assert_eq!(timecode(61.48, 25.0), "00:01:01:12");
        assert_eq!(timecode(3725.0 + 24.0 / 25.0, 25.0), "01:02:05:24");
    }
}
