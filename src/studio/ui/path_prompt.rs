//! Vivant's own "type a path" dialog, for desktops that show no file dialog: Tab completes
//! the name, and the folder's entries are listed to pick from.

use egui::{Id, Key, Modal, Modifiers, RichText};

use crate::studio::app::StudioApp;
use crate::studio::app::{complete, entries};

pub fn show(app: &mut StudioApp, ctx: &egui::Context) {
    let Some(title) = app.dialogs.path_prompt.as_ref().map(|p| p.purpose.title()) else {
        return;
    };
    let check = app.check_prompt();
    let usable = check.as_ref().is_none_or(|(_, usable)| *usable);
    let replaces = check.as_ref().is_some_and(|(_, usable)| *usable);
    let (mut ok, mut cancel) = (false, false);
    let modal = Modal::new(Id::unique("path prompt")).show(ctx, |ui| {
        ui.set_width(520.0);
        ui.label(RichText::new(title).strong());
        ui.weak(
            "Type the path (~ is the home folder; Tab completes). Files can also be dropped on \
             the window.",
        );
        if let Some(prompt) = app.dialogs.path_prompt.as_mut() {
            // Tab completes instead of moving the focus away.
            if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Tab)) {
                let done = complete(&prompt.text);
                if done != prompt.text {
                    prompt.text = done;
                    move_cursor_to_end(ui, &prompt.text);
                }
            }
            let field = ui.add(
                egui::TextEdit::singleline(&mut prompt.text)
                    .id(Id::unique("path prompt field"))
                    .desired_width(f32::INFINITY)
                    .hint_text("/path/to/file"),
            );
            field.request_focus();
            // What is there to pick: the folder's entries that fit what is typed.
            let found = entries(&prompt.text);
            let dir = prompt
                .text
                .rfind('/')
                .map_or(String::new(), |i| prompt.text[..=i].to_string());
            egui::ScrollArea::vertical()
                .id_salt("path prompt entries")
                .max_height(150.0)
                .show(ui, |ui| {
                    for name in found.iter().take(200) {
                        if ui
                            .selectable_label(false, name)
                            .on_hover_text("Take this entry (Tab completes what is typed)")
                            .clicked()
                        {
                            prompt.text = format!("{dir}{name}");
                            move_cursor_to_end(ui, &prompt.text);
                        }
                    }
                });
        }
        if ui.input(|i| i.key_pressed(Key::Enter)) {
            ok = true;
        }
        match &check {
            Some((text, true)) => ui.label(text),
            Some((text, false)) => ui.label(RichText::new(text).color(ui.visuals().warn_fg_color)),
            None => ui.label(""),
        };
        ui.horizontal(|ui| {
            let label = if replaces { "Replace" } else { "OK" };
            ok |= ui
                .add_enabled(usable, egui::Button::new(label))
                .on_hover_text("Use this path (Enter)")
                .clicked();
            cancel = ui
                .button("Cancel")
                .on_hover_text("Close without choosing (Esc)")
                .clicked();
        });
    });
    if cancel || modal.should_close() {
        app.dialogs.path_prompt = None;
    } else if ok {
        app.accept_prompt();
    }
}

/// Put the prompt field's cursor after its (new) text.
fn move_cursor_to_end(ui: &egui::Ui, text: &str) {
    let id = Id::unique("path prompt field");
    if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), id) {
        let end = egui::text::CCursor::new(text.chars().count());
        state
            .cursor
            .set_char_range(Some(egui::text::CCursorRange::one(end)));
        state.store(ui.ctx(), id);
    }
}
