//! The help window (F1, or the Help menu): every shortcut from the command table, where the
//! neural engine's weights come from, and about Vivant. Escape closes it.

use egui::{Key, Modifiers, RichText, vec2};

use crate::studio::app::{HelpPage, StudioApp};
use crate::studio::commands::Command;

pub fn show(app: &mut StudioApp, ctx: &egui::Context) {
    let Some(mut page) = app.dialogs.help else {
        return;
    };
    let mut open = !ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape));
    egui::Window::new("Help")
        .open(&mut open)
        .collapsible(false)
        .default_size(vec2(520.0, 440.0))
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut page, HelpPage::Shortcuts, "Keyboard shortcuts")
                    .on_hover_text("Every shortcut, by what it does");
                ui.selectable_value(&mut page, HelpPage::Weights, "Neural engine weights")
                    .on_hover_text("Where LivePortrait's weights come from and how to use them");
                ui.selectable_value(&mut page, HelpPage::About, "About")
                    .on_hover_text("Version, licences, the bundled networks and media");
            });
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| match page {
                HelpPage::Shortcuts => shortcuts(ui),
                HelpPage::Weights => weights(ui),
                HelpPage::About => about(ui),
            });
        });
    app.dialogs.help = open.then_some(page);
}

fn shortcuts(ui: &mut egui::Ui) {
    ui.label(
        RichText::new(
            "Plain keys (Space, arrows, J/K/L, I/O, R) work when no text field is being typed in.",
        )
        .weak(),
    );
    egui::Grid::new("shortcuts")
        .num_columns(3)
        .striped(true)
        .spacing(vec2(16.0, 4.0))
        .show(ui, |ui| {
            for c in Command::ALL {
                let spec = c.spec();
                let keys: Vec<String> = spec
                    .shortcuts
                    .iter()
                    .map(|s| ui.ctx().format_shortcut(s))
                    .collect();
                ui.label(RichText::new(spec.name).strong());
                ui.monospace(if keys.is_empty() {
                    String::new()
                } else {
                    keys.join(" or ")
                });
                ui.label(spec.help);
                ui.end_row();
            }
        });
    ui.add_space(6.0);
    ui.label("Mouse: the wheel zooms the preview about the pointer; right or middle drag pans.");
    ui.label("Landmarks: drag a point; Shift-drag moves a whole eye, brow, nose, mouth or jaw.");
}

fn weights(ui: &mut egui::Ui) {
    ui.label(
        "The neural engine runs LivePortrait's five networks (appearance, motion, warping, \
         generator, stitching and retargeting; MIT licence, by Kuaishou's KwaiVGI team). Their \
         weights (about 520 MB) are not part of Vivant, which downloads nothing unless you ask.",
    );
    ui.add_space(4.0);
    ui.label(RichText::new("Where you already have them").strong());
    ui.label(
        "Picking Neural in the inspector's Engine box looks in the Hugging Face cache \
         (HF_HOME, else ~/.cache/huggingface), ~/LivePortrait/pretrained_weights and ComfyUI's \
         models/liveportrait (~/ComfyUI, ~/comfy/ComfyUI, ~/Documents/ComfyUI), and says which \
         it uses. Elsewhere, Choose… the folder (or drop it on the window): the five files side \
         by side, the authors' pretrained_weights or its liveportrait folder, a Hugging Face \
         cache, or ComfyUI's models/liveportrait (.pth or .safetensors).",
    );
    ui.add_space(4.0);
    ui.label(RichText::new("To download them").strong());
    ui.label(
        "Download LivePortrait's weights, in the Engine box, fetches the five files the engine \
         needs from Hugging Face (KwaiVGI/LivePortrait) into the Hugging Face cache, where \
         Python tools find them too. Cancel stops it; the next download resumes. They are \
         checked, then used.",
    );
    ui.add_space(4.0);
    ui.label(
        RichText::new(
            "On the command line: vivant models fetch downloads them; vivant models check [DIR] \
             checks a folder; vivant render --engine neural [--weights DIR] renders with them. \
             On the CPU a frame takes seconds.",
        )
        .weak(),
    );
}

fn about(ui: &mut egui::Ui) {
    ui.heading(format!("Vivant {}", crate::VERSION));
    ui.label(
        "Brings portraits to life: a photo or a painting, animated by a driving clip or a voice.",
    );
    ui.add_space(4.0);
    ui.label("Licensed under MIT or Apache-2.0, at your option.");
    ui.label(
        "Bundled face networks: BlazeFace and the face mesh (MediaPipe, Apache-2.0), the \
         68-point landmark net (face-api, MIT). Demo media are public domain; their sources \
         are listed in assets/README.md.",
    );
    ui.label("Video and sound through the system's FFmpeg.");
}
