//! Vivant's own "type a path" dialog, for desktops that show no file dialog: Tab completes
//! the name, and the folder's entries are listed to pick from.

use egui::{Id, Key, Modal, RichText};

use crate::studio::app::{Purpose, StudioApp};
use crate::studio::app::{complete, entries};

pub fn show(app: &mut StudioApp, ctx: &egui::Context) {
    let Some(title) = app.dialogs.path_prompt.as_ref().map(|p| p.purpose.title()) else {
        return;
    };
    let check = app.check_prompt();
    let usable = check.as_ref().is_none_or(|(_, usable)| *usable);
    let replaces = check.as_ref().is_some_and(|(_, usable)| *usable);
    let (mut ok, mut cancel) = (false, false);
    let several = app
        .dialogs
        .path_prompt
        .as_ref()
        .is_some_and(|p| p.purpose == Purpose::AddMedia);
    let picked = app
        .dialogs
        .path_prompt
        .as_ref()
        .map_or(0, |p| p.picked.len());
    let modal = Modal::new(Id::unique("path prompt")).show(ctx, |ui| {
        ui.set_width(520.0);
        ui.label(RichText::new(title).strong());
        ui.weak(if several {
            "Type the path (~ is the home folder; Tab completes), or Ctrl+click several files in \
             the list. Files can also be dropped on the window."
        } else {
            "Type the path (~ is the home folder; Tab completes). Files can also be dropped on \
             the window."
        });
        if let Some(prompt) = app.dialogs.path_prompt.as_mut() {
            // Tab completes instead of moving the focus away. Typing fast puts keys typed
            // before a Tab and after it in one frame: the field takes those before it, the
            // completion is made on that, and those after it wait for the next frame (done the
            // other way round, "mo" + "na" + Tab completed "mo" and put "na" after the name).
            let frame = ui.ctx().cumulative_frame_nr();
            let (held_for, held) = &prompt.held;
            let mut events = if *held_for == frame {
                held.clone()
            } else {
                Vec::new()
            };
            let (tab, after) = ui.input_mut(|i| {
                events.append(&mut i.events);
                let at = events.iter().position(|e| {
                    matches!(
                        e,
                        egui::Event::Key {
                            key: Key::Tab,
                            pressed: true,
                            modifiers,
                            ..
                        } if modifiers.is_none()
                    )
                });
                let after = at.map(|at| {
                    let after = events.split_off(at + 1);
                    events.pop();
                    after
                });
                i.events = std::mem::take(&mut events);
                (at.is_some(), after)
            });
            if let Some(after) = after {
                // Kept for the next frame, which is asked for now.
                prompt.held = (frame + 1, after);
                ui.ctx().request_repaint();
            }
            // The Tab is the completion's: the focus stays in the field for what follows.
            if tab {
                ui.memory_mut(|m| m.move_focus(egui::FocusDirection::None));
            }
            let field = ui.add(
                egui::TextEdit::singleline(&mut prompt.text)
                    .id(Id::unique("path prompt field"))
                    .desired_width(f32::INFINITY)
                    .hint_text("/path/to/file"),
            );
            field.request_focus();
            // Picked files are in the folder the field shows; a name typed after it is the
            // one file wanted instead.
            if crate::studio::app::prompt_folder(&prompt.text) != prompt.text {
                prompt.picked.clear();
            }
            if tab {
                let done = complete(&prompt.text);
                if done != prompt.text {
                    prompt.text = done;
                    move_cursor_to_end(ui, &prompt.text);
                }
            }
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
                        let tip = if several {
                            "Take this entry; Ctrl+click picks several files to add together"
                        } else {
                            "Take this entry (Tab completes what is typed)"
                        };
                        let chosen = prompt.picked.contains(name);
                        if ui
                            .selectable_label(chosen, name)
                            .on_hover_text(tip)
                            .clicked()
                        {
                            // Ctrl (⌘) or Shift held for the click.
                            let more = ui.input(|i| {
                                let held = |m: &egui::Modifiers| m.command || m.shift;
                                held(&i.modifiers)
                                    || i.events.iter().any(|e| {
                                        matches!(e, egui::Event::PointerButton {
                                            pressed: true, modifiers, ..
                                        } if held(modifiers))
                                    })
                            });
                            if several && more && !name.ends_with('/') {
                                // Picked (or unpicked) beside the others; the field shows
                                // their folder.
                                if chosen {
                                    prompt.picked.retain(|p| p != name);
                                } else {
                                    prompt.picked.push(name.clone());
                                }
                                prompt.text = dir.clone();
                            } else {
                                prompt.picked.clear();
                                prompt.text = format!("{dir}{name}");
                            }
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
            let label = match (replaces, picked) {
                (true, _) => "Replace".to_string(),
                (false, 0) => "OK".to_string(),
                (false, 1) => "Add 1 file".to_string(),
                (false, n) => format!("Add {n} files"),
            };
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
