//! "Save your changes?": asked before a new project, another project, a recovery or quitting
//! would throw away unsaved work; quitting also asks while an export runs (it is cancelled).

use egui::{Id, Modal, RichText};

use crate::studio::app::{Answer, Discard, StudioApp};

pub fn show(app: &mut StudioApp, ctx: &egui::Context) {
    let Some(action) = app.dialogs.unsaved_prompt.clone() else {
        return;
    };
    let name = app
        .project_path
        .as_ref()
        .and_then(|p| p.file_name())
        .map_or_else(
            || "the untitled project".to_string(),
            |n| format!("“{}”", n.to_string_lossy()),
        );
    let before = match action {
        Discard::NewProject => "starting a new project",
        Discard::OpenProject(_) | Discard::ChooseProject => "opening another project",
        Discard::Recover => "recovering the autosaved project",
        Discard::Quit => "quitting",
    };
    let dirty = app.is_dirty();
    let cancels_export = action == Discard::Quit && app.exporting();
    let mut answer = None;
    let mut save = false;
    let modal = Modal::new(Id::unique("unsaved changes")).show(ctx, |ui| {
        ui.set_max_width(380.0);
        if dirty {
            ui.label(RichText::new(format!("Save changes to {name} before {before}?")).strong());
            ui.label("Your changes will be lost if you don't save them.");
        } else {
            ui.label(RichText::new("An export is running. Quit and cancel it?").strong());
        }
        if dirty && cancels_export {
            ui.label("The export in progress will be cancelled.");
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if dirty {
                save = ui
                    .button("Save")
                    .on_hover_text("Save the project first, then go on")
                    .clicked();
                if ui
                    .button("Don't save")
                    .on_hover_text("Go on; the unsaved changes are lost")
                    .clicked()
                {
                    answer = Some(Answer::DontSave);
                }
            } else if ui
                .button("Quit")
                .on_hover_text("Quit now; the export is cancelled")
                .clicked()
            {
                answer = Some(Answer::DontSave);
            }
            if ui
                .button("Cancel")
                .on_hover_text("Go back to the project; nothing changes")
                .clicked()
            {
                answer = Some(Answer::Cancel);
            }
        });
    });
    if save {
        // Once saved (maybe after asking where), the action goes on.
        super::save(app, false);
    } else if modal.should_close() && answer.is_none() {
        // Escape or a click beside the dialog: nothing happens.
        answer = Some(Answer::Cancel);
    }
    if let Some(a) = answer {
        app.answer_unsaved(a);
    }
}
