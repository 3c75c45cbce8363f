//! The inspector: how the motion is carried over, the engine, the output, and the export.

use egui::{RichText, Slider};

use crate::devices::DeviceChoice;
use crate::motion::Mode;
use crate::pipeline::{Backend, EngineChoice, Fit, OutputSize};
use crate::studio::app::{StudioApp, WarpSwitch};

const PRESETS: [&str; 5] = ["ultrafast", "veryfast", "fast", "medium", "slow"];

pub fn show(app: &mut StudioApp, ui: &mut egui::Ui) {
    // Export stays in view at the bottom; the settings above scroll.
    egui::Panel::bottom("inspector-export")
        .show_separator_line(true)
        .show(ui, |ui| export(app, ui));
    egui::ScrollArea::vertical()
        .id_salt("inspector")
        .show(ui, |ui| {
            if app.layout.view == crate::studio::app::View::Perform {
                super::perform::inspector(app, ui);
                ui.separator();
            }
            motion(app, ui);
            ui.separator();
            voice(app, ui);
            ui.separator();
            engine(app, ui);
            ui.separator();
            output(app, ui);
        });
}

fn motion(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.heading("Motion");
    // Mode, reference frame and smoothing are about a driving clip; with a voice alone the
    // face moves relative to its own rest shape (the strengths still apply).
    let has_clip = app.project.driving.is_some();
    let clip_only = "Needs a driving clip: a voice alone moves the face from its own rest shape";
    let playhead_t = app.time_of(app.preview.playhead);
    let mut s = app.project.settings.clone();
    ui.add_enabled_ui(has_clip, |ui| {
        ui.horizontal(|ui| {
            ui.radio_value(&mut s.mode, Mode::Relative, "Relative")
                .on_hover_text("The driving face's motion added to the portrait's own face");
            ui.radio_value(&mut s.mode, Mode::Absolute, "Absolute")
                .on_hover_text(
                    "The driving head's tilt and how open its eyes and mouth are, as they are \
                     (not as changes), on the portrait's own face",
                );
        })
        .response
        .on_disabled_hover_text(clip_only);
        ui.label(match s.reference_s {
            Some(t) => format!("Reference frame: at {t:.2} s"),
            None => "Reference frame: automatic (most neutral)".into(),
        });
        ui.horizontal(|ui| {
            if ui
                .button("Use playhead")
                .on_hover_text("The driving frame at the playhead is the face at rest")
                .on_disabled_hover_text(clip_only)
                .clicked()
            {
                s.reference_s = Some(playhead_t);
            }
            if ui
                .button("Automatic")
                .on_hover_text("The most neutral driving frame is the face at rest")
                .on_disabled_hover_text(clip_only)
                .clicked()
            {
                s.reference_s = None;
            }
        });
    });
    ui.add(Slider::new(&mut s.strengths.pose, 0.0..=2.0).text("Pose"))
        .on_hover_text("How much of the head's turns, nods and tilts (0–2)");
    ui.add(Slider::new(&mut s.strengths.expression, 0.0..=2.0).text("Expression"))
        .on_hover_text("How much of the face's expression (0–2)");
    ui.add(Slider::new(&mut s.strengths.eyes, 0.0..=2.0).text("Eyes"))
        .on_hover_text("How much the eyes blink and squint (0–2)");
    ui.add(Slider::new(&mut s.strengths.mouth, 0.0..=2.0).text("Mouth"))
        .on_hover_text("How much the mouth moves (0–2)");
    ui.add_enabled(
        has_clip,
        egui::Checkbox::new(&mut s.smoothing, "Smooth the driving motion"),
    )
    .on_hover_text("Steadies the tracked face without lagging behind fast moves")
    .on_disabled_hover_text(clip_only);
    app.set_settings("Change motion settings", s);
}

fn voice(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.heading("Voice");
    let has_clip = app.project.driving.is_some();
    let has_sound = app.project.audio.is_some();
    let mut s = app.project.settings.clone();
    if has_clip {
        ui.add_enabled(
            has_sound,
            egui::Checkbox::new(&mut s.lips_from_audio, "Lips from the soundtrack"),
        )
        .on_hover_text("The clip moves head and eyes; the soundtrack's voice moves the lips")
        .on_disabled_hover_text("Needs a soundtrack: drop a voice recording");
    } else if !has_sound {
        ui.label(RichText::new("Drop a voice recording to make the portrait speak it.").weak());
    }
    // Idle life (head, blinks, brows) is made only when a voice drives alone.
    let clip_drives = "With a driving clip, the clip moves the head, eyes and brows";
    ui.add_enabled_ui(!has_clip, |ui| {
        ui.horizontal(|ui| {
            let label = ui.label("Seed");
            ui.add(egui::DragValue::new(&mut s.seed))
                .labelled_by(label.id)
                .on_hover_text("The same seed makes the same head motion and blinks")
                .on_disabled_hover_text(clip_drives);
        });
        ui.add(Slider::new(&mut s.head_motion, 0.0..=2.0).text("Head motion"))
            .on_hover_text("How much the head drifts and nods while speaking (0–2)")
            .on_disabled_hover_text(clip_drives);
        ui.add(Slider::new(&mut s.blinks, 0.0..=1.0).text("Blinks"))
            .on_hover_text("How fully the eyes close in a blink (0 = no blinks)")
            .on_disabled_hover_text(clip_drives);
        ui.add(Slider::new(&mut s.brows, 0.0..=2.0).text("Brows"))
            .on_hover_text("How much the brows rise on stressed syllables (0–2)")
            .on_disabled_hover_text(clip_drives);
    });
    app.set_settings("Change voice settings", s);
}

fn engine(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.heading("Engine");
    let current = app.project.settings.engine.choice();
    let weights = app.neural_weights();
    let mut chosen = current;
    egui::ComboBox::from_label("Engine")
        .selected_text(current.label())
        .show_ui(ui, |ui| {
            for choice in EngineChoice::ALL {
                // The neural engine without weights yet: where they come from.
                let tip = match choice {
                    EngineChoice::Neural if weights.is_none() => {
                        "LivePortrait's networks: found where you have them, or downloaded (see Help)"
                    }
                    _ => choice.tooltip(),
                };
                ui.selectable_value(&mut chosen, choice, choice.label())
                    .on_hover_text(tip);
            }
        })
        .response
        .on_hover_text("What draws the frames: the warp, or the neural networks (see Help)");
    if chosen != current {
        app.set_engine(chosen);
    }
    ui.horizontal(|ui| {
        let name = weights
            .as_ref()
            .and_then(|w| w.file_name())
            .map_or("none chosen".to_string(), |n| {
                n.to_string_lossy().into_owned()
            });
        let label = ui.label(format!("Weights: {name}"));
        if let Some(w) = &weights {
            label.on_hover_text(w.display().to_string());
        }
        if ui
            .button("Choose…")
            .on_hover_text(
                "The folder with LivePortrait's five weight files (.pth or .safetensors); \
                 dropping the folder on the window works too",
            )
            .clicked()
        {
            app.choose(crate::studio::app::Purpose::Weights);
        }
    });
    // Where the folder is chosen, the other way to have one: downloaded on the user's say-so.
    if let Some(d) = &app.download {
        let (text, fraction) = d.describe();
        let cancelling = d.cancel.load(std::sync::atomic::Ordering::Relaxed);
        // The button first, so that it stays put while the words below it change.
        let mut cancel = false;
        ui.horizontal(|ui| {
            cancel = ui
                .add_enabled(!cancelling, egui::Button::new("Cancel download"))
                .on_hover_text(
                    "Stop the download: nothing is installed, and the next download resumes from here",
                )
                .on_disabled_hover_text("Stopping at the next chunk")
                .clicked();
            ui.add(
                egui::ProgressBar::new(fraction.unwrap_or(0.0))
                    .show_percentage()
                    .animate(fraction.is_none()),
            );
        });
        ui.label(RichText::new(text).weak());
        if cancel {
            app.cancel_download();
        }
    } else if weights.is_none()
        && ui
            .add(egui::Button::new(crate::studio::app::DOWNLOAD_LABEL).wrap())
            .on_hover_text(crate::studio::app::DOWNLOAD_TIP)
            .clicked()
    {
        app.start_download();
    }
    neural_device(app, ui);
    // The GPU is offered only where the probe found one; why not, on hover.
    let (gpu_ok, gpu_tip) = match &app.gpu {
        Some(Ok(name)) => (true, format!("The warp on the GPU through wgpu: {name}")),
        Some(Err(crate::render::GpuError::NoAdapter(tried))) => {
            (false, format!("No GPU can draw here: {tried}"))
        }
        Some(Err(why)) => (false, format!("No GPU can draw here: {why}")),
        None => (
            true,
            "The warp on the GPU through wgpu (still checking for one)".into(),
        ),
    };
    let mut backend = app.warp_backend();
    let fallback = !gpu_ok && backend == Backend::Wgpu;
    ui.add_enabled_ui(current == EngineChoice::Warp, |ui| {
        ui.horizontal(|ui| {
            ui.radio_value(&mut backend, Backend::Cpu, "CPU")
                .on_hover_text("The warp on all CPU cores");
            let gpu = ui
                .add_enabled(
                    gpu_ok,
                    egui::RadioButton::new(backend == Backend::Wgpu, "GPU (wgpu)"),
                )
                .on_hover_text(gpu_tip.clone())
                .on_disabled_hover_text(gpu_tip);
            if gpu.clicked() {
                backend = Backend::Wgpu;
            }
        });
        if fallback {
            ui.label(RichText::new("No GPU here: the CPU draws it").weak());
        }
    });
    let switches = [
        (
            WarpSwitch::ClipMouth,
            "Mouth from the clip",
            "The inside of an opened mouth (teeth, tongue) taken from the driving clip's own \
             mouth in each frame, in the portrait's colours; off, it is painted from the \
             portrait's lips and skin",
        ),
        (
            WarpSwitch::VoiceMouth,
            "Real mouths for a voice",
            "When a voice moves the lips, the inside of the opened mouth is a real mouth of \
             the same shape, in the portrait's colours: the portrait's own when one of its \
             pictures shows the mouth open, else one of Vivant's bundled mouths; off, it is \
             painted",
        ),
        (
            WarpSwitch::EyeFill,
            "Fill opened eyes",
            "When the driver's eyes open wider than the portrait's, what its lids hid is filled \
             from its own eye (the iris kept round, its catch lights their size); off, the warp \
             stretches the eye with the lids",
        ),
    ];
    let mut on = switches.map(|(which, ..)| app.warp_switch(which));
    let mut details = app.warp_details();
    ui.add_enabled_ui(current == EngineChoice::Warp, |ui| {
        for ((_, label, tip), on) in switches.iter().zip(on.iter_mut()) {
            ui.checkbox(on, *label).on_hover_text(*tip);
        }
        ui.add(
            Slider::new(&mut details, 0.0..=crate::render::MAX_DETAILS).text("Expression details"),
        )
        .on_hover_text(
            "The creases the driver's expression makes (a raised forehead, drawn brows, a \
             smile's folds, crow's feet) laid onto the portrait's skin: 1 as they are on his \
             face, 0 none. Never on hair or what is not the skin's colour",
        );
    });
    app.set_backend(backend);
    for ((which, ..), on) in switches.iter().zip(on) {
        app.set_warp_switch(*which, on);
    }
    app.set_warp_details(details);
}

/// Where the crop sits and how far it zooms in (a face-centred square cuts the top of a tall
/// hairdo): the Result view shows the safe areas meanwhile.
fn crop_placement(ui: &mut egui::Ui, s: &mut crate::pipeline::RenderSettings) {
    let max = crate::pipeline::settings::MAX_CROP_ZOOM;
    ui.add(egui::Slider::new(&mut s.crop_shift[0], -0.5..=0.5).text("Crop left–right"))
        .on_hover_text(
            "Move the crop sideways from the face-centred place (share of the picture's width)",
        );
    ui.add(egui::Slider::new(&mut s.crop_shift[1], -0.5..=0.5).text("Crop up–down"))
        .on_hover_text("Move the crop up (negative) or down from the face-centred place, e.g. to keep a tall hairdo");
    ui.add(egui::Slider::new(&mut s.crop_zoom, 1.0..=max).text("Crop zoom"))
        .on_hover_text("Zoom the crop in: 1 is the largest crop of the video's shape");
}

/// Where the neural engine's networks run: Auto, the CPU, and each GPU back end this build
/// has; one that is not usable here is greyed with the reason on hover, as the warp's GPU is.
fn neural_device(app: &mut StudioApp, ui: &mut egui::Ui) {
    let neural = app.project.settings.engine.choice() == EngineChoice::Neural;
    let mut device = app.neural_device();
    let report = app.compute.clone();
    let auto_tip = match &report {
        None => "The first GPU usable here, else the CPU (still checking)".to_string(),
        Some(r) => match (r.auto, &r.auto_note) {
            ("cpu", Some(note)) => format!("The first GPU usable here, else the CPU: here, {note}"),
            ("cpu", None) => "The first GPU usable here, else the CPU: here, the CPU".into(),
            (gpu, _) => format!(
                "The first GPU usable here, else the CPU: here, {}",
                gpu.to_ascii_uppercase()
            ),
        },
    };
    let gpus: Vec<crate::devices::GpuReport> = report
        .as_ref()
        .map(|r| r.gpu.iter().filter(|g| g.compiled).cloned().collect())
        .unwrap_or_default();
    let not_neural = "The device the neural engine runs on (choose the neural engine first)";
    ui.add_enabled_ui(neural, |ui| {
        ui.horizontal(|ui| {
            ui.label("Device");
            ui.radio_value(&mut device, DeviceChoice::Auto, "Auto")
                .on_hover_text(auto_tip.clone())
                .on_disabled_hover_text(not_neural);
            ui.radio_value(&mut device, DeviceChoice::Cpu, "CPU")
                .on_hover_text("The neural engine's networks on all CPU cores")
                .on_disabled_hover_text(not_neural);
            for g in &gpus {
                let label = g.backend.label();
                let tip = if g.available {
                    let names: Vec<&str> = g.devices.iter().map(|d| d.name.as_str()).collect();
                    format!("The networks on {label}: {}", names.join(", "))
                } else {
                    format!(
                        "{label} is not available here: {}",
                        g.reason.as_deref().unwrap_or("unknown")
                    )
                };
                let chosen = device == g.backend.choice();
                let r = ui
                    .add_enabled(g.available, egui::RadioButton::new(chosen, label))
                    .on_hover_text(tip.clone())
                    .on_disabled_hover_text(if neural { tip } else { not_neural.into() });
                if r.clicked() {
                    device = g.backend.choice();
                }
            }
        });
        if let Some(why) = app.device_unavailable() {
            ui.label(RichText::new("That GPU is not here: the CPU runs it").weak())
                .on_hover_text(why);
        } else if let (true, DeviceChoice::Auto, Some(r)) = (neural, device, &report)
            && r.auto == "cpu"
        {
            ui.label(RichText::new("Auto: the CPU here").weak())
                .on_hover_text(auto_tip);
        }
    });
    app.set_device(device);
}

fn output(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.heading("Output");
    let has_clip = app.project.driving.is_some();
    let source_size = app
        .sources
        .first()
        .and_then(|s| s.image.as_ref())
        .map(|i| i.dimensions());
    let mut s = app.project.settings.clone();
    egui::ComboBox::from_label("Size")
        .selected_text(s.size.label())
        .show_ui(ui, |ui| {
            for p in OutputSize::PRESETS {
                ui.selectable_value(&mut s.size, p, p.label());
            }
        })
        .response
        .on_hover_text("The video's size: the portrait's own, a standard height, or a framing");
    if let Some((w, h)) = source_size {
        let (ow, oh) = s.size.size(w, h).unwrap_or((w, h));
        ui.label(RichText::new(format!("{ow}×{oh}")).weak());
        // Another shape than the portrait's: how it is filled, never a silent squash.
        if ((w as f64 * oh as f64) / (h as f64 * ow as f64) - 1.0).abs() >= 1e-3 {
            egui::ComboBox::from_label("Framing")
                .selected_text(match s.fit {
                    Fit::Crop => "Crop around the face",
                    Fit::Pad => "Whole picture, bars",
                    Fit::Stretch => "Stretch",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut s.fit, Fit::Crop, "Crop around the face")
                        .on_hover_text("Fill the frame, cut the overhang, keep the face in view");
                    ui.selectable_value(&mut s.fit, Fit::Pad, "Whole picture, bars")
                        .on_hover_text("The whole portrait with black bars on the short sides");
                    ui.selectable_value(&mut s.fit, Fit::Stretch, "Stretch")
                        .on_hover_text("Squeeze the portrait to the frame (distorts the face)");
                })
                .response
                .on_hover_text("How a portrait of another shape fills the frame");
            ui.label(
                RichText::new(format!("The portrait is {w}×{h}: {}", s.fit.describe())).weak(),
            );
            if s.fit == Fit::Crop {
                crop_placement(ui, &mut s);
            }
        }
    }
    // Without a clip, "as the clip" means the voice's default rate.
    let natural = if has_clip {
        "As the driving clip"
    } else {
        "25 fps (no driving clip)"
    };
    egui::ComboBox::from_label("Frame rate")
        .selected_text(match s.fps {
            Some(f) => format!("{f} fps"),
            None => natural.into(),
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut s.fps, None, natural);
            for f in [24.0, 25.0, 30.0, 50.0, 60.0] {
                ui.selectable_value(&mut s.fps, Some(f), format!("{f} fps"));
            }
        })
        .response
        .on_hover_text("Frames a second in the video; the motion follows the clip's timing");
    ui.add(Slider::new(&mut s.crf, 0..=51).text("Quality (CRF)"))
        .on_hover_text("Lower is better and larger; 16 is visually lossless for most portraits");
    egui::ComboBox::from_label("Encoder speed")
        .selected_text(s.preset.clone())
        .show_ui(ui, |ui| {
            for p in PRESETS {
                ui.selectable_value(&mut s.preset, p.to_string(), p);
            }
        })
        .response
        .on_hover_text("Slower makes smaller files at the same quality, not better pictures");
    app.set_output_settings(s);
}

fn export(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.heading("Export");
    let running = app.exporting();
    // What the exported file says about itself: saved with the project, undoable.
    let own = match app.signer() {
        Some(crate::export::credentials::Signer::Own { cert, .. }) => Some(cert),
        _ => None,
    };
    let signer_name = match &own {
        Some(c) => c
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        None => "Vivant (self-issued)".into(),
    };
    let mut s = app.project.settings.clone();
    let mut changed = false;
    let mut choose_own = false;
    let mut forget_own = false;
    ui.horizontal(|ui| {
        changed |= ui
            .add_enabled(
                !running,
                egui::Checkbox::new(&mut s.credentials, "Content Credentials"),
            )
            .on_hover_text(format!(
                "Sign into the video a C2PA manifest saying Vivant made it, how, and from which \
                 files (by name and hash, never by path); any C2PA reader shows it, and \
                 `vivant verify` checks it. Signed by: {signer_name}"
            ))
            .on_disabled_hover_text("Not while an export runs")
            .changed();
        // Who signs: Vivant's self-issued key, or the user's certificate.
        ui.add_enabled_ui(!running && s.credentials, |ui| {
            ui.menu_button("Signer", |ui| {
                ui.label(format!("Signed by: {signer_name}"));
                ui.label(
                    RichText::new(
                        "Verifiers show a self-issued signer as untrusted: the file is intact, \
                         but no authority vouches for it. A certificate from an authority is \
                         shown as you.",
                    )
                    .weak(),
                );
                if ui
                    .button("Your certificate…")
                    .on_hover_text(
                        "Sign with your own certificate chain and private key (PEM files), \
                         asked for one after the other",
                    )
                    .clicked()
                {
                    choose_own = true;
                    ui.close();
                }
                if own.is_some()
                    && ui
                        .button("Self-issued")
                        .on_hover_text("Sign with Vivant's own self-issued key again")
                        .clicked()
                {
                    forget_own = true;
                    ui.close();
                }
            })
            .response
            .on_hover_text(format!("Who signs the Content Credentials: {signer_name}"))
            .on_disabled_hover_text("With Content Credentials on, and no export running");
        });
    });
    changed |= ui
        .add_enabled(
            !running,
            egui::Checkbox::new(
                &mut s.watermark,
                "Mark \u{201c}animated with Vivant\u{201d}",
            ),
        )
        .on_hover_text("Small white words in the lower right corner of every frame")
        .on_disabled_hover_text("Not while an export runs")
        .changed();
    if choose_own {
        app.choose(crate::studio::app::Purpose::SigningCert);
    }
    if forget_own {
        app.forget_own_signer();
    }
    if changed {
        app.set_export_settings(s);
    }
    if ui
        .add_enabled(!running, egui::Button::new("Export…"))
        .on_hover_text("Ctrl+E")
        .clicked()
    {
        super::export(app);
    }
    if let Some(e) = &app.export {
        match &e.finished {
            None => {
                let fraction = e.fraction().unwrap_or(0.0);
                ui.add(
                    egui::ProgressBar::new(fraction)
                        .text(e.progress_text(std::time::Instant::now())),
                );
                if ui
                    .button("Cancel export")
                    .on_hover_text("Stop; the partial file is removed")
                    .clicked()
                {
                    app.cancel_export();
                }
            }
            Some(Ok(r)) => {
                ui.label(format!("Done: {}", r.output.display()));
            }
            Some(Err(e)) => {
                let (_, m) = app.failure_text(&crate::studio::worker::Task::Export, e);
                ui.label(RichText::new(m).color(ui.visuals().error_fg_color));
            }
        }
    }
}
