//! How the studio is drawn: one small module per panel, each a function of the app state.
//! Keyboard shortcuts and dropped files are read here and turned into `StudioApp` actions.

mod banners;
mod help;
mod inspector;
mod palette;
mod path_prompt;
mod perform;
mod preview;
mod sources;
mod timeline;
mod unsaved;

pub use self::preview::image_rect;
pub use self::timeline::timecode;

use egui::Modifiers;

use super::app::{Discard, StudioApp, View};
use super::commands::{Command, Scope};

impl eframe::App for StudioApp {
    /// Everything that is not drawing, once before each frame: the worker's results, what
    /// falls due, files dropped on the window, shortcuts, and the window's close request.
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.tick();
        // Closing the window with unsaved changes or a running export asks first, like
        // File ▸ Quit.
        if ctx.input(|i| i.viewport().close_requested()) && !self.dialogs.quitting {
            if self.asks_before(&Discard::Quit) {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.dialogs.unsaved_prompt = Some(Discard::Quit);
            } else {
                self.dialogs.quitting = true;
            }
        }
        let dropped: Vec<std::path::PathBuf> = ctx.input(|i| {
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
        shortcuts(self, ctx);
        self.run_queued();
        if self.layout.panels_changed && ctx.input(|i| !i.pointer.any_down()) {
            self.save_panels();
        }
        // The desktop's window names the project and shows unsaved changes.
        let title = self.window_title();
        if self.layout.window_title.as_deref() != Some(title.as_str()) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.layout.window_title = Some(title);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let menu_bar = egui::Panel::top("menu").show(ui, |ui| menu(self, ui));
        egui::Panel::bottom("status").show(ui, |ui| status(self, ui));
        egui::Panel::bottom("timeline")
            .resizable(false)
            .show(ui, |ui| timeline::show(self, ui));
        // The side panels resize by their inner edges; the widths are remembered.
        let sources = egui::Panel::left("sources")
            .default_size(self.layout.panels.sources)
            .size_range(120.0..=600.0)
            .show(ui, |ui| sources::show(self, ui));
        let inspector = egui::Panel::right("inspector")
            .default_size(self.layout.panels.inspector)
            .size_range(160.0..=600.0)
            .show(ui, |ui| inspector::show(self, ui));
        if ui.ctx().input(|i| !i.pointer.any_down()) {
            self.panel_resized(
                sources.response.rect.width(),
                inspector.response.rect.width(),
            );
        }
        egui::CentralPanel::default().show(ui, |ui| preview::show(self, ui));
        // Over the top of the preview's pictures (never over a panel's controls).
        let notes = self.layout.preview_rect.unwrap_or_else(|| {
            let below_menu = menu_bar.response.rect.bottom();
            egui::Rect::from_min_max(egui::pos2(0.0, below_menu), ui.max_rect().max)
        });
        banners::show(self, ui.ctx(), notes);
        // What the panels asked for, now that they are drawn (the dialogs below show what
        // it opened in this same frame).
        self.run_queued();
        if self.dialogs.help.is_some() {
            help::show(self, ui.ctx());
        }
        // One question at a time: a path asked for by "Save" comes before the question.
        if self.dialogs.palette.is_some() {
            palette::show(self, ui.ctx());
        } else if self.dialogs.path_prompt.is_some() {
            path_prompt::show(self, ui.ctx());
        } else {
            unsaved::show(self, ui.ctx());
        }
        // What the dialogs asked for.
        self.run_queued();
    }

    fn on_exit(&mut self) {
        self.on_clean_exit();
    }
}

/// Every command's shortcuts, from the command table. Those with more modifiers are read
/// first (Ctrl+Shift+Z is Redo, not Undo).
fn shortcuts(app: &mut StudioApp, ctx: &egui::Context) {
    let mut keys: Vec<(Command, egui::KeyboardShortcut, Scope)> = Command::ALL
        .into_iter()
        .flat_map(|c| {
            let spec = c.spec();
            spec.shortcuts.iter().map(move |s| (c, *s, spec.scope))
        })
        .collect();
    let weight = |m: Modifiers| m.shift as u8 + m.alt as u8 + m.command as u8 + m.ctrl as u8;
    keys.sort_by_key(|(_, s, _)| std::cmp::Reverse(weight(s.modifiers)));
    // Transport keys belong to text fields while one is being typed in, and nothing moves
    // under a question or the palette.
    let typing = ctx.egui_wants_keyboard_input()
        || app.dialogs.unsaved_prompt.is_some()
        || app.dialogs.path_prompt.is_some()
        || app.dialogs.palette.is_some();
    for (command, shortcut, scope) in keys {
        if scope == Scope::Transport && typing {
            continue;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&shortcut)) && app.can(command) {
            app.queue(command);
        }
    }
}

/// A menu entry for `command`: its name (Undo and Redo say what they will do), its shortcut
/// beside it, its help on hover.
fn item(app: &mut StudioApp, ui: &mut egui::Ui, command: Command) {
    let history = &app.editing.history;
    let name = match (command, history.undo_label(), history.redo_label()) {
        (Command::Undo, Some(l), _) => format!("Undo: {l}"),
        (Command::Redo, _, Some(l)) => format!("Redo: {l}"),
        _ => command.name().to_string(),
    };
    let mut button = egui::Button::new(name);
    if let Some(s) = command.shortcut() {
        button = button.shortcut_text(ui.ctx().format_shortcut(&s));
    }
    let tip = command.tooltip(ui.ctx());
    if ui
        .add_enabled(app.can(command), button)
        .on_hover_text(tip)
        .clicked()
    {
        app.queue(command);
        ui.close();
    }
}

fn menu(app: &mut StudioApp, ui: &mut egui::Ui) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            item(app, ui, Command::NewProject);
            item(app, ui, Command::OpenProject);
            ui.menu_button("Open recent", |ui| {
                if app.recent.is_empty() {
                    ui.label("(none yet)");
                }
                for p in app.recent.clone() {
                    let name = p.file_name().map_or_else(
                        || p.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    if ui
                        .button(name)
                        .on_hover_text(format!("Open {}", p.display()))
                        .clicked()
                    {
                        app.request(Discard::OpenProject(p));
                    }
                }
            });
            item(app, ui, Command::SaveProject);
            item(app, ui, Command::SaveProjectAs);
            ui.separator();
            item(app, ui, Command::AddMedia);
            item(app, ui, Command::ExportMp4);
            ui.separator();
            item(app, ui, Command::Quit);
        });
        ui.menu_button("Edit", |ui| {
            item(app, ui, Command::Undo);
            item(app, ui, Command::Redo);
            ui.separator();
            item(app, ui, Command::CommandPalette);
        });
        ui.menu_button("View", |ui| {
            for (v, name) in View::ALL {
                ui.radio_value(&mut app.layout.view, v, name)
                    .on_hover_text(v.tooltip());
            }
            ui.checkbox(
                &mut app.layout.show_landmarks,
                Command::ToggleLandmarks.name(),
            )
            .on_hover_text(Command::ToggleLandmarks.tooltip(ui.ctx()));
            item(app, ui, Command::FitToWindow);
        });
        ui.menu_button("Perform", |ui| {
            item(app, ui, Command::Perform);
            item(app, ui, Command::Record);
        });
        ui.menu_button("Help", |ui| {
            item(app, ui, Command::Help);
            for (page, name, tip) in [
                (
                    crate::studio::app::HelpPage::Weights,
                    "The neural engine's weights…",
                    "Where LivePortrait's weights come from and how to point Vivant at them",
                ),
                (
                    crate::studio::app::HelpPage::About,
                    "About Vivant",
                    "Version, licences, the bundled networks and media",
                ),
            ] {
                if ui.button(name).on_hover_text(tip).clicked() {
                    app.dialogs.help = Some(page);
                    ui.close();
                }
            }
        });
        ui.separator();
        let title = match &app.project_path {
            Some(p) => p.display().to_string(),
            None => app.untitled_title(),
        };
        ui.label(format!("{title}{}", if app.is_dirty() { " •" } else { "" }));
    });
}

fn status(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let mut tasks: Vec<_> = app.notices.activity.values().cloned().collect();
        tasks.sort_by(|a, b| a.text.cmp(&b.text));
        // A running export is background work too: said here, wherever the inspector is.
        if let Some(e) = app.export.as_ref().filter(|e| e.finished.is_none()) {
            // A long name loses its middle: the stage and the frames are what is read.
            let name = elide_middle(&crate::studio::app::file_name(&e.output), 28);
            tasks.insert(
                0,
                crate::studio::app::Activity {
                    text: format!(
                        "Exporting {name} — {}",
                        e.progress_text(std::time::Instant::now())
                    ),
                    fraction: e.fraction(),
                },
            );
        }
        if tasks.is_empty() {
            ui.label("Ready");
        }
        // The right-hand labels (sound, frames cached, UI rate) keep their room.
        let right = 300.0;
        for t in tasks {
            match t.fraction {
                Some(f) => {
                    // As wide as its words, measured in the bar's own font, within what the
                    // bar has left.
                    let text_width = ui.fonts_mut(|fonts| {
                        fonts
                            .layout_no_wrap(
                                t.text.clone(),
                                egui::TextStyle::Button.resolve(ui.style()),
                                egui::Color32::WHITE,
                            )
                            .size()
                            .x
                    });
                    let room = (ui.available_width() - right).max(120.0);
                    let width =
                        (text_width + 2.0 * ui.spacing().item_spacing.x + 8.0).clamp(120.0, room);
                    ui.add(
                        egui::ProgressBar::new(f)
                            .desired_width(width)
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
            ui.label(format!("{} frames cached", app.preview.cache.len()));
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
    let command = if ask {
        Command::SaveProjectAs
    } else {
        Command::SaveProject
    };
    app.queue(command);
}

pub(crate) fn export(app: &mut StudioApp) {
    app.queue(Command::ExportMp4);
}

/// `text` cut to at most `max` characters by replacing its middle with "…" (the start and the
/// end of a file name say which it is: "hokusai_full…_final.mp4").
pub fn elide_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max || max < 3 {
        return text.to_string();
    }
    let keep = max - 1;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::elide_middle;

    #[test]
    fn long_names_lose_their_middle() {
        assert_eq!(elide_middle("demo.mp4", 28), "demo.mp4");
        let e = elide_middle("hokusai_full_1024x1024_final_take_3.mp4", 20);
        assert_eq!(e.chars().count(), 20);
        assert!(
            e.starts_with("hokusai_f") && e.ends_with("ake_3.mp4"),
            "{e}"
        );
        assert_eq!(elide_middle("ab", 1), "ab");
    }
}
