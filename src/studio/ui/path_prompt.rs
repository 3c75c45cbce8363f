//! Vivant's own "type a path" dialog, for desktops that show no file dialog.

use egui::{Id, Key, Modal, RichText};

use crate::studio::app::StudioApp;

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
        ui.weak("Type the path (~ is the home folder). Files can also be dropped on the window.");
        if let Some(prompt) = app.dialogs.path_prompt.as_mut() {
            let field = ui.add(
                egui::TextEdit::singleline(&mut prompt.text)
                    .desired_width(f32::INFINITY)
                    .hint_text("/path/to/file"),
            );
            field.request_focus();
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
            ok |= ui.add_enabled(usable, egui::Button::new(label)).clicked();
            cancel = ui.button("Cancel").clicked();
        });
    });
    if cancel || modal.should_close() {
        app.dialogs.path_prompt = None;
    } else if ok {
        app.accept_prompt();
    }
}
