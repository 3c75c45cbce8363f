//! The command palette (Ctrl+Shift+P): type to narrow every command down by name; ↑/↓ choose,
//! Enter runs, Escape closes. Greyed entries cannot run now (nothing to undo, no frames yet).

use egui::{Align2, Key, Modifiers, RichText, vec2};

use crate::studio::app::StudioApp;
use crate::studio::commands::Command;

pub fn show(app: &mut StudioApp, ctx: &egui::Context) {
    let Some(mut palette) = app.dialogs.palette.take() else {
        return;
    };
    let found = Command::matching(&palette.query);
    let last = found.len().saturating_sub(1);
    let key = |k: Key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, k));
    let mut close = key(Key::Escape);
    if key(Key::ArrowDown) {
        palette.selected = (palette.selected + 1).min(last);
    }
    if key(Key::ArrowUp) {
        palette.selected = palette.selected.saturating_sub(1);
    }
    palette.selected = palette.selected.min(last);
    let mut run = key(Key::Enter)
        .then(|| found.get(palette.selected).copied())
        .flatten();
    egui::Window::new("Command palette")
        .title_bar(false)
        .anchor(Align2::CENTER_TOP, vec2(0.0, 48.0))
        .fixed_size(vec2(440.0, 0.0))
        .show(ctx, |ui| {
            let edit = ui.add(
                egui::TextEdit::singleline(&mut palette.query)
                    .hint_text("Type a command…")
                    .desired_width(f32::INFINITY),
            );
            edit.request_focus();
            if edit.changed() {
                palette.selected = 0;
            }
            ui.separator();
            if found.is_empty() {
                ui.label(RichText::new("No command has that name.").weak());
            }
            for (i, c) in found.iter().enumerate() {
                let enabled = app.can(*c);
                ui.horizontal(|ui| {
                    let label = ui.add_enabled(
                        enabled,
                        egui::Button::selectable(i == palette.selected, c.name()),
                    );
                    if label.on_hover_text(c.tooltip(ui.ctx())).clicked() {
                        run = Some(*c);
                    }
                    if let Some(s) = c.shortcut() {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.label(RichText::new(ui.ctx().format_shortcut(&s)).weak());
                        });
                    }
                });
            }
        });
    if let Some(c) = run
        && app.can(c)
    {
        close = true;
        app.queue(c);
    }
    if !close {
        app.dialogs.palette = Some(palette);
    }
}
