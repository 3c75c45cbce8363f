//! How the studio is drawn: one small module per panel, each a function of the app state.
//! Keyboard shortcuts and dropped files are read here and turned into `StudioApp` actions.

mod banners;
mod inspector;
mod path_prompt;
mod preview;
mod sources;
mod timeline;
mod unsaved;

pub use self::preview::image_rect;
pub use self::timeline::timecode;

use egui::{Key, Modifiers};

use super::app::{Discard, Purpose, StudioApp, View};

impl eframe::App for StudioApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.tick();
        // Closing the window with unsaved changes or a running export asks first, like
        // File ▸ Quit.
        if ui.ctx().input(|i| i.viewport().close_requested()) && !self.quitting {
            if self.asks_before(&Discard::Quit) {
                ui.ctx()
                    .send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.unsaved_prompt = Some(Discard::Quit);
            } else {
                self.quitting = true;
            }
        }
        let dropped: Vec<std::path::PathBuf> = ui.ctx().input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for path in dropped {
            self.add_path(&path);
        }
        shortcuts(self, ui.ctx());
        egui::Panel::top("menu").show(ui, |ui| menu(self, ui));
        banners::show(self, ui);
        egui::Panel::bottom("status").show(ui, |ui| status(self, ui));
        egui::Panel::bottom("timeline")
            .resizable(false)
            .show(ui, |ui| timeline::show(self, ui));
        egui::Panel::left("sources")
            .default_size(230.0)
            .show(ui, |ui| sources::show(self, ui));
        egui::Panel::right("inspector")
            .default_size(260.0)
            .show(ui, |ui| inspector::show(self, ui));
        egui::CentralPanel::default().show(ui, |ui| preview::show(self, ui));
        // One question at a time: a path asked for by "Save" comes before the question.
        if self.path_prompt.is_some() {
            path_prompt::show(self, ui.ctx());
        } else {
            unsaved::show(self, ui.ctx());
        }
    }

    fn on_exit(&mut self) {
        self.on_clean_exit();
    }
}

fn shortcuts(app: &mut StudioApp, ctx: &egui::Context) {
    let cmd = Modifiers::COMMAND;
    let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
    if ctx.input_mut(|i| i.consume_key(cmd_shift, Key::Z)) {
        app.redo();
    }
    if ctx.input_mut(|i| i.consume_key(cmd, Key::Z)) {
        app.undo();
    }
    if ctx.input_mut(|i| i.consume_key(cmd, Key::Y)) {
        app.redo();
    }
    if ctx.input_mut(|i| i.consume_key(cmd, Key::S)) {
        save(app, false);
    }
    if ctx.input_mut(|i| i.consume_key(cmd, Key::O)) {
        open(app);
    }
    if ctx.input_mut(|i| i.consume_key(cmd, Key::E)) {
        export(app);
    }
    // Transport keys belong to text fields while one is being typed in, and nothing moves
    // under the question about unsaved changes.
    if ctx.egui_wants_keyboard_input() || app.unsaved_prompt.is_some() || app.path_prompt.is_some()
    {
        return;
    }
    let none = Modifiers::NONE;
    let pressed = |k: Key| ctx.input_mut(|i| i.consume_key(none, k));
    if pressed(Key::Space) {
        app.toggle_play();
    }
    if pressed(Key::ArrowLeft) {
        app.seek(app.playhead as i64 - 1);
    }
    if pressed(Key::ArrowRight) {
        app.seek(app.playhead as i64 + 1);
    }
    if pressed(Key::Home) {
        app.seek(0);
    }
    if pressed(Key::End) {
        app.seek(i64::MAX);
    }
    if pressed(Key::J) {
        app.shuttle(-1);
    }
    if pressed(Key::K) {
        app.shuttle(0);
    }
    if pressed(Key::L) {
        app.shuttle(1);
    }
    if pressed(Key::I) {
        app.set_in();
    }
    if pressed(Key::O) {
        app.set_out();
    }
}

fn menu(app: &mut StudioApp, ui: &mut egui::Ui) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("New project").clicked() {
                app.request(Discard::NewProject);
            }
            if ui.button("Open project…").clicked() {
                open(app);
            }
            ui.menu_button("Open recent", |ui| {
                if app.recent.is_empty() {
                    ui.label("(none yet)");
                }
                for p in app.recent.clone() {
                    if ui.button(p.display().to_string()).clicked() {
                        app.request(Discard::OpenProject(p));
                    }
                }
            });
            if ui.button("Save project").clicked() {
                save(app, false);
            }
            if ui.button("Save project as…").clicked() {
                save(app, true);
            }
            ui.separator();
            if ui.button("Add media…").clicked() {
                app.choose(Purpose::AddMedia);
            }
            if ui.button("Export MP4…").clicked() {
                export(app);
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                app.request(Discard::Quit);
            }
        });
        ui.menu_button("Edit", |ui| {
            if ui
                .add_enabled(app.history.can_undo(), egui::Button::new("Undo"))
                .clicked()
            {
                app.undo();
            }
            if ui
                .add_enabled(app.history.can_redo(), egui::Button::new("Redo"))
                .clicked()
            {
                app.redo();
            }
        });
        ui.menu_button("View", |ui| {
            for (v, name) in View::ALL {
                ui.radio_value(&mut app.view, v, name);
            }
            ui.checkbox(&mut app.show_landmarks, "Show landmarks");
            if ui.button("Fit to window").clicked() {
                app.zoom = Default::default();
            }
        });
        ui.separator();
        let title = match &app.project_path {
            Some(p) => p.display().to_string(),
            None => "Untitled project".into(),
        };
        ui.label(format!("{title}{}", if app.is_dirty() { " •" } else { "" }));
    });
}

fn status(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let mut tasks: Vec<_> = app.activity.values().cloned().collect();
        tasks.sort_by(|a, b| a.text.cmp(&b.text));
        if tasks.is_empty() {
            ui.label("Ready");
        }
        for t in tasks {
            match t.fraction {
                Some(f) => {
                    ui.add(
                        egui::ProgressBar::new(f)
                            .desired_width(160.0)
                            .text(t.text.clone()),
                    );
                }
                None => {
                    ui.spinner();
                    ui.label(t.text);
                }
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(if app.player.has_sound() {
                "Sound on"
            } else {
                "Silent playback"
            });
            ui.label(format!("{} frames cached", app.cache.len()));
            // The window's own frame rate, while it has reason to redraw continuously.
            if (app.player.is_playing() || app.exporting())
                && let Some(fps) = app.ui_fps()
            {
                ui.label(format!("UI {fps:.0} fps"));
            }
        });
    });
}

/// Save to the project's file, or to one the user picks (`ask`, or never saved).
pub(crate) fn save(app: &mut StudioApp, ask: bool) {
    match (&app.project_path, ask) {
        (Some(p), false) => {
            let p = p.clone();
            app.save_project(&p);
        }
        _ => app.choose(Purpose::SaveProject),
    }
}

fn open(app: &mut StudioApp) {
    app.request(Discard::ChooseProject);
}

pub(crate) fn export(app: &mut StudioApp) {
    app.choose(Purpose::Export);
}
