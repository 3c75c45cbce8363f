//! Messages: what happened and what to do, with a button when there is one. They float over
//! the top of the preview's pictures: the panels never move for them (a click meant for a
//! control lands on it) and no control is hidden under them. Several at once collapse to the
//! newest and a count.

use egui::{Color32, RichText};

use crate::studio::app::{Severity, StudioApp};

/// Drawn over the top of `over` (the preview's pictures), as wide as it. The area is drawn
/// also when empty, so a note shows in the frame it comes (an area new to egui is measured
/// unseen first).
pub fn show(app: &mut StudioApp, ctx: &egui::Context, over: egui::Rect) {
    let mut dismissed = Vec::new();
    let mut actions = Vec::new();
    let mut toggle = false;
    let count = app.notices.banners.len();
    let expanded = app.notices.expanded || count == 1;
    let shown = if expanded { 0 } else { count.saturating_sub(1) };
    let width = (over.width() - 16.0).max(120.0);
    egui::Area::new(egui::Id::unique("banners"))
        .order(egui::Order::Foreground)
        .fixed_pos(over.min + egui::vec2(8.0, 4.0))
        .fade_in(false)
        .show(ctx, |ui| {
            if count == 0 {
                return;
            }
            ui.set_width(width);
            for b in &app.notices.banners[shown..] {
                let (fill, icon) = match b.severity {
                    Severity::Error => (Color32::from_rgb(110, 30, 30), "Error"),
                    Severity::Warning => (Color32::from_rgb(110, 80, 20), "Warning"),
                    Severity::Info => (Color32::from_rgb(30, 60, 100), "Note"),
                };
                egui::Frame::NONE
                    .fill(fill)
                    .shadow(ui.visuals().popup_shadow)
                    .inner_margin(6.0)
                    .corner_radius(4.0)
                    .show(ui, |ui| {
                        ui.horizontal(|ui| {
                            ui.label(RichText::new(icon).strong().color(Color32::WHITE));
                            // The buttons first, from the right; the text wraps in what is
                            // left of them (it never runs under them).
                            ui.with_layout(
                                egui::Layout::right_to_left(egui::Align::Center),
                                |ui| {
                                    if ui
                                        .button("Dismiss")
                                        .on_hover_text("Hide this message")
                                        .clicked()
                                    {
                                        dismissed.push(b.id);
                                    }
                                    // On the newest: the others, folded away or shown.
                                    if count > 1
                                        && Some(b.id) == app.notices.banners.last().map(|l| l.id)
                                    {
                                        let label = if expanded {
                                            "Show fewer".to_string()
                                        } else {
                                            format!("{} more", count - 1)
                                        };
                                        let tip = if expanded {
                                            "Fold the older messages into this line"
                                        } else {
                                            "Show the older messages too"
                                        };
                                        if ui.button(label).on_hover_text(tip).clicked() {
                                            toggle = true;
                                        }
                                    }
                                    if let Some((label, action)) = &b.action
                                        && ui
                                            .button(label)
                                            .on_hover_text(action.tooltip())
                                            .clicked()
                                    {
                                        actions.push((b.id, action.clone()));
                                    }
                                    ui.with_layout(
                                        egui::Layout::left_to_right(egui::Align::Center),
                                        |ui| {
                                            ui.add(
                                                egui::Label::new(
                                                    RichText::new(&b.text).color(Color32::WHITE),
                                                )
                                                .wrap(),
                                            );
                                        },
                                    );
                                },
                            );
                        });
                        // The technical detail, for a bug report, only when asked for.
                        if let Some(detail) = &b.detail {
                            egui::CollapsingHeader::new(
                                RichText::new("Details").color(Color32::WHITE),
                            )
                            .id_salt(("banner-detail", b.id))
                            .show(ui, |ui| {
                                ui.add(
                                    egui::Label::new(
                                        RichText::new(detail).color(Color32::WHITE).small(),
                                    )
                                    .wrap(),
                                );
                            })
                            .header_response
                            .on_hover_text("What the graphics library said, for a bug report");
                        }
                    });
            }
        });
    if toggle {
        app.notices.expanded = !app.notices.expanded;
    }
    for id in dismissed {
        app.dismiss_by_user(id);
    }
    for (id, action) in actions {
        app.run_banner_action(id, action);
    }
}
