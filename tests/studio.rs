//! The studio driven through its real window code by egui_kittest, rendered headless on the
//! software GPU (lavapipe): files dropped, the worker waited for, landmarks dragged and undone,
//! the timeline scrubbed, an export checked with ffprobe, bad files met with banners, a project
//! saved and reopened.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers, Pos2, pos2, vec2};
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use vivant::pipeline::EngineChoice;
use vivant::studio::app::{SourceStatus, View};
use vivant::studio::project::Project;
use vivant::studio::{StudioApp, StudioOptions};

use common::{ffprobe, fixture};

fn studio(state: &Path, project: Option<PathBuf>) -> Harness<'static, StudioApp> {
    studio_sized(state, project, vec2(1200.0, 760.0))
}

fn studio_sized(
    state: &Path,
    project: Option<PathBuf>,
    size: egui::Vec2,
) -> Harness<'static, StudioApp> {
    studio_with(
        StudioOptions {
            project,
            state_dir: Some(state.to_path_buf()),
            sound: false,
            demo_on_first_launch: false,
            desktop_dialogs: false,
            media: Vec::new(),
        },
        size,
    )
}

fn studio_with(options: StudioOptions, size: egui::Vec2) -> Harness<'static, StudioApp> {
    Harness::builder()
        .with_size(size)
        .wgpu()
        .build_eframe(move |cc| StudioApp::new(&cc.egui_ctx, options))
}

/// Step the UI until `done` holds (the worker runs meanwhile), or fail saying what.
fn wait_for(h: &mut Harness<'_, StudioApp>, what: &str, done: impl Fn(&StudioApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "timed out waiting for {what}; banners: {:?}",
            h.state()
                .notices
                .banners
                .iter()
                .map(|b| &b.text)
                .collect::<Vec<_>>()
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    // A few more frames so what arrived is laid out and drawn.
    for _ in 0..3 {
        h.step();
    }
}

/// A file dropped from the desktop, as winit hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'_, StudioApp>, path: &Path) {
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path.to_path_buf())));
    h.step();
}

fn idle(app: &StudioApp) -> bool {
    app.notices.activity.is_empty()
}

fn snapshot_options() -> SnapshotOptions {
    // Lavapipe draws the same pixels run to run; allow a little for other Mesa versions.
    SnapshotOptions::new().threshold(2.0).max_failed_pixels(400)
}

fn ready_source(h: &mut Harness<'_, StudioApp>, name: &str) {
    drop_file(h, &fixture(name));
    wait_for(h, "the source's face", |a| {
        a.sources
            .last()
            .is_some_and(|s| !matches!(s.status, SourceStatus::Loading))
    });
}

#[test]
fn a_dropped_portrait_shows_its_landmarks() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    let app = h.state();
    let s = &app.sources[0];
    assert!(matches!(s.status, SourceStatus::Ready));
    let lm = s.landmarks.as_ref().expect("landmarks");
    assert_eq!(lm.len(), 68);
    // Eileen Collins' face in the 512² picture: eyes near y = 100 between x = 190 and 260,
    // nose tip below them, chin below the mouth.
    let eyes_y = (lm[36][1] + lm[45][1]) / 2.0;
    assert!(eyes_y > 80.0 && eyes_y < 125.0, "eyes at y = {eyes_y}");
    assert!(lm[36][0] > 180.0 && lm[45][0] < 270.0);
    assert!(lm[30][1] > eyes_y && lm[8][1] > lm[57][1]);
    h.get_by_label("Face found");
    h.state_mut().layout.view = View::Source;
    wait_for(&mut h, "idle", idle);
    h.snapshot_options("studio_source_landmarks", &snapshot_options());
}

/// The screen position of landmark `i` on the source view.
fn point_on_screen(app: &StudioApp, i: usize) -> Pos2 {
    let (rect, scale) = app.layout.source_rect.expect("the source was drawn");
    let p = app.sources[app.selected].landmarks.as_ref().unwrap()[i];
    rect.min + vec2(p[0] * scale, p[1] * scale)
}

fn drag(h: &mut Harness<'_, StudioApp>, from: Pos2, to: Pos2, modifiers: Modifiers) {
    h.event(Event::ModifiersChanged(modifiers));
    h.hover_at(from);
    h.step();
    h.event(Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers,
    });
    h.step();
    for t in 1..=5 {
        let p = from + (to - from) * (t as f32 / 5.0);
        h.hover_at(p);
        h.step();
    }
    h.event(Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers,
    });
    h.step();
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.step();
}

#[test]
fn a_landmark_drag_undoes_and_redoes_and_a_feature_moves_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    h.state_mut().layout.view = View::Source;
    h.step();
    let detected = h.state().sources[0].landmarks.unwrap();
    let scale = h.state().layout.source_rect.unwrap().1;
    let from = point_on_screen(h.state(), 30);
    drag(&mut h, from, from + vec2(24.0, 12.0), Modifiers::NONE);
    let moved = h.state().sources[0].landmarks.unwrap();
    let dx = moved[30][0] - detected[30][0];
    let dy = moved[30][1] - detected[30][1];
    assert!(
        (dx - 24.0 / scale).abs() < 1.5 / scale && (dy - 12.0 / scale).abs() < 1.5 / scale,
        "nose tip moved by ({dx}, {dy}), dragged by ({}, {})",
        24.0 / scale,
        12.0 / scale
    );
    for i in (0..68).filter(|&i| i != 30) {
        assert_eq!(moved[i], detected[i], "point {i} moved");
    }
    assert!(h.state().sources[0].edited);
    assert_eq!(
        h.state().project.sources[0].landmarks.as_ref(),
        Some(&moved),
        "the project keeps the correction"
    );

    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert_eq!(h.state().sources[0].landmarks.as_ref(), Some(&detected));
    assert!(!h.state().sources[0].edited);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.step();
    assert_eq!(h.state().sources[0].landmarks.as_ref(), Some(&moved));

    // Shift-drag an eye corner: the whole right eye (36–41) moves, nothing else.
    let from = point_on_screen(h.state(), 36);
    drag(&mut h, from, from + vec2(0.0, -10.0), Modifiers::SHIFT);
    let eye = h.state().sources[0].landmarks.unwrap();
    for i in 0..68 {
        let shifted = (eye[i][1] - moved[i][1]).abs() > 0.5 / scale;
        assert_eq!(shifted, (36..42).contains(&i), "point {i}");
    }
    // Re-detect discards the corrections, and is itself undoable.
    h.get_by_label("Re-detect").click();
    h.step();
    h.step();
    assert_eq!(h.state().sources[0].landmarks.as_ref(), Some(&detected));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert_eq!(h.state().sources[0].landmarks.as_ref(), Some(&eye));
}

fn with_clip(h: &mut Harness<'_, StudioApp>) {
    ready_source(h, "astronaut.png");
    drop_file(h, &fixture("webcam_2s.mp4"));
    wait_for(h, "the preview", |a| {
        a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some()
    });
}

#[test]
fn scrubbing_the_timeline_lands_on_the_frame_and_keys_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    with_clip(&mut h);
    assert_eq!(h.state().preview.frames, 50);
    h.get_by_label("Timeline");
    let rect = h.state().layout.timeline_rect.expect("timeline drawn");
    let x = |k: u64| rect.min.x + rect.width() * k as f32 / 49.0;
    let y = rect.center().y;
    // Press at frame 10, drag through to frame 30: the playhead follows while dragging.
    h.hover_at(Pos2::new(x(10), y));
    h.step();
    h.drag_at(Pos2::new(x(10), y));
    h.step();
    assert_eq!(h.state().preview.playhead, 10);
    h.hover_at(Pos2::new(x(20), y));
    h.step();
    assert_eq!(h.state().preview.playhead, 20);
    h.hover_at(Pos2::new(x(30), y));
    h.step();
    h.drop_at(Pos2::new(x(30), y));
    h.step();
    assert_eq!(h.state().preview.playhead, 30);
    wait_for(&mut h, "frame 30", |a| {
        a.preview.cache.get(30).is_some() && idle(a)
    });
    h.get_by_label("00:00:01:05");
    h.snapshot_options("studio_scrubbed_to_frame_30", &snapshot_options());

    h.key_press(Key::ArrowRight);
    h.step();
    assert_eq!(h.state().preview.playhead, 31);
    h.key_press(Key::ArrowLeft);
    h.key_press(Key::ArrowLeft);
    h.step();
    assert_eq!(h.state().preview.playhead, 29);
    h.key_press(Key::End);
    h.step();
    assert_eq!(h.state().preview.playhead, 49);
    h.key_press(Key::Home);
    h.step();
    assert_eq!(h.state().preview.playhead, 0);
    // The result differs between frames (the clip's man moves): frames 0 and 30 drawn apart.
    wait_for(&mut h, "frame 0", |a| a.preview.cache.get(0).is_some());
    assert!(
        h.state().preview.cache.len() >= 2,
        "generation {} prepared {} cached {}",
        h.state().preview.generation,
        h.state().preview.prepared,
        h.state().preview.cache.len()
    );
}

/// The out point is the frame the playhead is on when O is pressed, and says so. Play stops
/// there (from it, Play starts again at the in point); Shift+Space plays in to out; with Loop
/// (Ctrl+L, or its button) playback starts again from the in point.
#[test]
fn playback_keeps_to_the_in_and_out_points_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    with_clip(&mut h);
    h.state_mut().seek(10);
    h.step();
    h.key_press(Key::I);
    h.step();
    h.state_mut().seek(30);
    h.step();
    h.key_press(Key::O);
    h.step();
    h.step();
    // Frame 30 at 25 fps is 00:00:01:05, and so is the out point.
    h.get_by_label("00:00:01:05");
    h.get_by_label("In 00:00:00:10 · Out 00:00:01:05");
    assert_eq!(h.state().range_frames(), (10, 30));
    // Play at the out point: from the in point, to the out point, not past it.
    h.key_press(Key::Space);
    h.step();
    assert!(h.state().player.is_playing());
    assert!(h.state().preview.playhead < 30);
    let start = Instant::now();
    while h.state().player.is_playing() {
        assert!(start.elapsed() < Duration::from_secs(20), "still playing");
        assert!(
            h.state().preview.playhead <= 30,
            "played past the out point"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(h.state().preview.playhead, 30);
    // Shift+Space from outside the range: in to out.
    h.state_mut().seek(45);
    h.key_press_modifiers(Modifiers::SHIFT, Key::Space);
    h.step();
    assert!(h.state().player.is_playing());
    assert!((10..30).contains(&h.state().preview.playhead));
    h.key_press(Key::K);
    h.step();
    // Loop: playback comes round to the in point again instead of stopping.
    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.step();
    assert!(h.state().preview.looping);
    h.state_mut().seek(26);
    h.key_press(Key::Space);
    h.step();
    let start = Instant::now();
    let (mut reached_out, mut looped) = (false, false);
    while !looped {
        assert!(start.elapsed() < Duration::from_secs(20), "no loop");
        assert!(h.state().player.is_playing(), "stopped instead of looping");
        let k = h.state().preview.playhead;
        assert!((10..=30).contains(&k), "played outside the range: {k}");
        reached_out |= k >= 29;
        looped = reached_out && k < 20;
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.key_press(Key::K);
    h.step();
    // The Loop button says what the key does, and turns it off.
    h.get_by_label("Loop").click();
    h.step();
    h.step();
    assert!(!h.state().preview.looping);
}

#[test]
fn an_export_writes_the_range_with_sound() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    with_clip(&mut h);
    drop_file(&mut h, &fixture("speech_librivox_0870.wav"));
    wait_for(&mut h, "the soundtrack", |a| a.audio.is_some());
    // In at frame 10, out after frame 34: 25 frames, one second.
    h.state_mut().seek(10);
    h.key_press(Key::I);
    h.step();
    h.state_mut().seek(34);
    h.key_press(Key::O);
    h.step();
    // A folder that is not there: said before any work starts.
    h.state_mut()
        .start_export(dir.path().join("no-such-folder/export.mp4"));
    h.step();
    h.get_by_label_contains("Choose another folder");
    assert!(h.state().export.is_none());
    let out = dir.path().join("export.mp4");
    h.state_mut().start_export(out.clone());
    // The status bar says an export runs (it takes a second; one UI frame is far less).
    h.step();
    assert!(
        h.state()
            .export
            .as_ref()
            .is_some_and(|e| e.finished.is_none())
    );
    h.get_by_label_contains("Exporting export.mp4");
    wait_for(&mut h, "the export", |a| {
        a.export.as_ref().is_some_and(|e| e.finished.is_some())
    });
    let finished = h
        .state()
        .export
        .as_ref()
        .unwrap()
        .finished
        .as_ref()
        .unwrap();
    let report = finished.as_ref().expect("export succeeded");
    assert_eq!(report.frames, 25);
    h.get_by_label("Show in folder");
    let probe = ffprobe(&out);
    let streams = probe["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("a sound track");
    assert_eq!(video["width"], 512);
    assert_eq!(video["nb_frames"], "25");
    let vd: f64 = video["duration"].as_str().unwrap().parse().unwrap();
    let ad: f64 = audio["duration"].as_str().unwrap().parse().unwrap();
    assert!(
        (vd - 1.0).abs() < 0.05 && (ad - vd).abs() < 0.05,
        "video {vd} s, audio {ad} s"
    );
    // Nothing left behind but the file.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mp4") || n.contains("partial"))
        .collect();
    assert_eq!(names, vec!["export.mp4".to_string()]);

    // Content Credentials, read back with the C2PA SDK: signed by the self-issued signer
    // kept beside this studio's state, the picture, clip and recording as ingredients.
    use vivant::export::credentials::{VerifyError, verify};
    let credentials = verify(&out).expect("Content Credentials");
    assert!(credentials.valid, "{credentials:?}");
    let titles: Vec<&str> = credentials
        .ingredients
        .iter()
        .map(|i| i.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["astronaut.png", "webcam_2s.mp4", "speech_librivox_0870.wav"]
    );
    h.get_by_label_contains("Signed with Content Credentials");
    assert!(dir.path().join("credentials/signer-key.pem").is_file());

    // Opted out in the studio (one undoable step), with the visible mark on: no manifest, and
    // the banner says so.
    h.get_by_label("Content Credentials").click();
    h.step();
    h.get_by_label_contains("animated with Vivant").click();
    h.step();
    assert!(!h.state().project.settings.credentials && h.state().project.settings.watermark);
    assert_eq!(
        h.state().editing.history.undo_label(),
        Some("Visible mark on/off")
    );
    let plain = dir.path().join("plain.mp4");
    h.state_mut().start_export(plain.clone());
    wait_for(&mut h, "the second export", |a| {
        a.export
            .as_ref()
            .is_some_and(|e| e.finished.is_some() && !a.exporting())
    });
    assert!(matches!(
        verify(&plain),
        Err(VerifyError::NoManifest { .. })
    ));
    h.get_by_label_contains("Content Credentials are off");
}

#[test]
fn bad_files_get_banners_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.png");
    std::fs::write(&broken, b"\x89PNG\r\n\x1a\nthis is not really a picture").unwrap();
    let mut h = studio(dir.path(), None);
    drop_file(&mut h, &broken);
    wait_for(&mut h, "the error", |a| {
        a.notices
            .banners
            .iter()
            .any(|b| b.text.contains("Cannot use this picture"))
    });
    h.get_by_label_contains("Cannot use this picture");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello").unwrap();
    drop_file(&mut h, &notes);
    h.step();
    h.get_by_label_contains("not a file Vivant opens");
    // A clip with no face in it: the export says so and writes nothing.
    let out = dir.path().join("ro/never.mp4");
    h.state_mut().start_export(out.clone());
    h.step();
    h.get_by_label_contains("Nothing to export yet");
    assert!(!out.exists());
}

/// Notes float over the panels: a control is where it was whether or not one is shown (a
/// click meant for it lands on it). A note dismissed stays dismissed when the same words come
/// again (the preview's notes are made again after each change); an error comes back.
#[test]
fn notes_never_move_the_panels_and_stay_dismissed() {
    use vivant::studio::app::Severity;
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    let before = h.get_by_label("Fit").rect();
    let note = "The clip is 30 frames a second; the export keeps its rate.";
    h.state_mut().banner(Severity::Info, note, None);
    h.step();
    h.step();
    h.get_by_label(note);
    assert_eq!(h.get_by_label("Fit").rect(), before, "the panels moved");
    h.get_by_label("Dismiss").click();
    h.step();
    h.step();
    assert!(h.query_by_label(note).is_none());
    // A change makes the same note again: it stays dismissed.
    h.state_mut().banner(Severity::Info, note, None);
    h.step();
    assert!(
        h.query_by_label(note).is_none(),
        "a dismissed note came back"
    );
    assert!(h.state().notices.banners.is_empty());
    // An error is said again each time it happens.
    let error = "Cannot write there: permission denied. Choose another folder.";
    h.state_mut().banner(Severity::Error, error, None);
    h.step();
    h.get_by_label("Dismiss").click();
    h.step();
    h.state_mut().banner(Severity::Error, error, None);
    h.step();
    h.get_by_label(error);
}

/// What was said about something settled since goes: a weights folder refused, once a good
/// one is chosen; an export's outcome, when the next export starts. A long message wraps
/// beside its buttons, never under them.
#[test]
fn stale_messages_go_and_long_ones_wrap_beside_their_buttons() {
    use vivant::studio::app::Severity;
    let dir = tempfile::tempdir().unwrap();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/liveportrait");
    let mut h = studio(&dir.path().join("state"), None);
    with_clip(&mut h);
    // A folder missing a network, then the real one.
    let partial = dir.path().join("partial");
    std::fs::create_dir(&partial).unwrap();
    drop_file(&mut h, &partial);
    h.step();
    let refused = |a: &StudioApp| {
        a.notices
            .banners
            .iter()
            .any(|b| b.severity == Severity::Error && b.text.contains("spade_generator"))
    };
    assert!(refused(h.state()), "the refused folder is said");
    drop_file(&mut h, &golden.join("safetensors"));
    h.step();
    assert!(h.state().neural_weights().is_some());
    assert!(
        !refused(h.state()),
        "the refusal stayed after a good folder"
    );
    // An export cancelled, then another started: "cancelled" is not about the new one.
    let out = dir.path().join("a.mp4");
    h.state_mut().start_export(out.clone());
    h.state_mut().cancel_export();
    wait_for(&mut h, "the export to stop", |a| !a.exporting());
    let cancelled = |a: &StudioApp| {
        a.notices
            .banners
            .iter()
            .any(|b| b.text.contains("Export cancelled"))
    };
    assert!(cancelled(h.state()));
    h.state_mut().start_export(out);
    h.step();
    assert!(h.state().exporting());
    assert!(
        !cancelled(h.state()),
        "the last export's cancel is still said"
    );
    h.state_mut().cancel_export();
    wait_for(&mut h, "the export to stop", |a| !a.exporting());
    // A long error wraps left of its Dismiss button.
    h.state_mut().notices.banners.clear();
    let long = "Cannot write to /media/someone/a very long folder name/that goes on/and on and \
                on/past the width of the preview/exports: permission denied (os error 13). \
                Choose another folder.";
    h.state_mut().banner(Severity::Error, long, None);
    for _ in 0..3 {
        h.step();
    }
    let text = h.get_by_label(long).rect();
    let dismiss = h.get_by_label("Dismiss").rect();
    assert!(
        text.right() <= dismiss.left(),
        "the text {text:?} runs under Dismiss {dismiss:?}"
    );
    assert!(text.height() > 20.0, "the text is wrapped: {text:?}");
}

/// The status bar's progress bars are as wide as their words: a long export name loses its
/// middle, and the stage, frames and time left show whole; so does the clip's analysis.
#[test]
fn the_status_bar_shows_the_whole_progress_text() {
    use egui::accesskit::Role;
    use egui_kittest::kittest::NodeT;
    use vivant::studio::app::Activity;
    use vivant::studio::worker::Task;
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    with_clip(&mut h);
    h.state_mut().notices.activity.insert(
        Task::Driving,
        Activity {
            text: "Analysing the driving clip: frame 120 of 500".into(),
            fraction: Some(0.24),
        },
    );
    // An export as it reports itself while rendering.
    let mut export = vivant::studio::app::ExportState {
        output: dir.path().join("hokusai_full_1024x1024_final_take_3.mp4"),
        cancel: Default::default(),
        started: Instant::now(),
        stage: None,
        rendering_since: None,
        finished: None,
    };
    export.progress(vivant::pipeline::Stage::Rendering(12, 500), Instant::now());
    h.state_mut().export = Some(export);
    for _ in 0..3 {
        h.step();
    }
    let ctx = h.state().ctx.clone();
    let font = egui::TextStyle::Button.resolve(&ctx.global_style());
    let bars: Vec<(String, egui::Rect)> = h
        .query_all_by_role(Role::ProgressIndicator)
        .map(|n| (n.accesskit_node().label().unwrap_or_default(), n.rect()))
        // The status bar's (the inspector's export box has its own).
        .filter(|(text, rect)| !text.is_empty() && rect.min.y > 700.0)
        .collect();
    assert_eq!(bars.len(), 2, "{bars:?}");
    for (text, rect) in &bars {
        let width = ctx.fonts_mut(|f| {
            f.layout_no_wrap(text.clone(), font.clone(), egui::Color32::WHITE)
                .size()
                .x
        });
        assert!(
            rect.width() >= width + 8.0,
            "{text:?} ({width} wide) cut by its bar ({})",
            rect.width()
        );
    }
    let export = bars
        .iter()
        .map(|(t, _)| t)
        .find(|t| t.starts_with("Exporting"))
        .expect("the export's bar");
    assert!(
        export.contains("hokusai_ful") && export.contains('…') && export.contains("3.mp4"),
        "{export}"
    );
}

#[test]
fn a_driving_clip_without_a_face_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let clip = common::ffmpeg(
        dir.path(),
        "landscape.mp4",
        &[
            "-loop",
            "1",
            "-i",
            fixture("no_face_landscape.jpg").to_str().unwrap(),
            "-t",
            "1",
            "-r",
            "25",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
        ],
    );
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    drop_file(&mut h, &clip);
    wait_for(&mut h, "the error", |a| {
        a.notices
            .banners
            .iter()
            .any(|b| b.text.contains("no face found in any frame"))
    });
    h.get_by_label_contains("Choose a clip where a face is visible");
    assert!(!h.state().preview_ready());
}

#[test]
fn a_painting_with_no_face_found_is_placed_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "no_face_landscape.jpg");
    assert!(matches!(h.state().sources[0].status, SourceStatus::NoFace));
    h.get_by_label("Place face").click();
    h.step();
    h.step();
    assert_eq!(h.state().editing.placing, Some(0));
    let (rect, scale) = h.state().layout.source_rect.unwrap();
    let a = rect.min + vec2(60.0, 40.0) * scale;
    let b = rect.min + vec2(200.0, 220.0) * scale;
    drag(&mut h, a, b, Modifiers::NONE);
    let s = &h.state().sources[0];
    assert!(matches!(s.status, SourceStatus::Ready));
    let lm = s.landmarks.as_ref().expect("placed");
    let min_x = lm.iter().map(|p| p[0]).fold(f32::MAX, f32::min);
    let max_y = lm.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
    assert!(
        (min_x - 60.0).abs() < 2.0 && (max_y - 220.0).abs() < 2.0,
        "{min_x} {max_y}"
    );
    assert!(h.state().project.sources[0].landmarks.is_some());
    // Undo takes the placement back.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert!(h.state().sources[0].landmarks.is_none());
}

/// A picture with no face found says so in its card with a button that starts placing one by
/// hand: there without its banner (dismissed, or folded under newer ones) and without a hover.
#[test]
fn a_picture_with_no_face_has_a_button_to_place_it_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "no_face_landscape.jpg");
    ready_source(&mut h, "astronaut.png");
    h.state_mut().notices.banners.clear();
    h.step();
    h.get_by_label("No face found: place it by hand");
    h.get_by_label("Place face by hand").click();
    h.step();
    h.step();
    assert_eq!(h.state().editing.placing, Some(0));
    assert_eq!(h.state().selected, 0);
    assert_eq!(h.state().layout.view, View::Source);
    let (rect, scale) = h.state().layout.source_rect.expect("the source shown");
    drag(
        &mut h,
        rect.min + vec2(60.0, 40.0) * scale,
        rect.min + vec2(200.0, 220.0) * scale,
        Modifiers::NONE,
    );
    assert!(matches!(h.state().sources[0].status, SourceStatus::Ready));
    assert!(
        h.query_by_label("Place face by hand").is_none(),
        "placed: the button goes"
    );
}

/// Each view keeps its own zoom: the portrait zoomed in the Source view is whole side by side
/// (and the clip and the result are not zoomed with it); back in Source, it is zoomed again.
#[test]
fn each_view_keeps_its_own_zoom() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    with_clip(&mut h);
    h.step();
    let (side, _) = h.state().layout.source_rect.expect("drawn side by side");
    h.get_by_label("Source").click();
    for _ in 0..3 {
        h.step();
    }
    let (alone, _) = h.state().layout.source_rect.expect("drawn alone");
    h.hover_at(alone.center());
    h.step();
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, 300.0),
        modifiers: Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    for _ in 0..10 {
        h.step();
    }
    let (zoomed, _) = h.state().layout.source_rect.expect("drawn alone");
    assert!(zoomed.width() > alone.width() * 1.5, "{zoomed:?} {alone:?}");
    h.get_by_label("Side by side").click();
    for _ in 0..3 {
        h.step();
    }
    let (again, _) = h.state().layout.source_rect.expect("drawn side by side");
    assert!(
        (again.width() - side.width()).abs() < 0.5 && again.center() == side.center(),
        "the Source view's zoom carried side by side: {again:?}, was {side:?}"
    );
    h.get_by_label("Source").click();
    for _ in 0..3 {
        h.step();
    }
    let (back, _) = h.state().layout.source_rect.expect("drawn alone");
    assert_eq!(back, zoomed, "the Source view's own zoom is kept");
}

#[test]
fn a_voice_alone_drives_and_the_timeline_shows_its_mouth_curve() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    drop_file(&mut h, &fixture("speech_librivox_0870.wav"));
    wait_for(&mut h, "the voice preview", |a| {
        a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some() && idle(a)
    });
    let app = h.state();
    assert!(app.voice_mode());
    let audio = app.audio.as_ref().unwrap();
    // 7.1 s at 25 fps.
    assert!(
        (audio.open.len() as i64 - 178).abs() <= 2,
        "{}",
        audio.open.len()
    );
    assert!(audio.open.iter().any(|&o| o > 0.5) && audio.open.iter().any(|&o| o < 0.05));
    assert_eq!(app.preview.frames, audio.open.len() as u64);
    h.get_by_label_contains("Voice mode");
    h.state_mut().seek(40);
    wait_for(&mut h, "frame 40", |a| {
        a.preview.cache.get(40).is_some() && idle(a)
    });
    h.snapshot_options("studio_voice_mode", &snapshot_options());
}

#[test]
fn a_project_saves_reopens_and_asks_for_moved_media() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    let portrait = media.join("portrait.png");
    std::fs::copy(fixture("astronaut.png"), &portrait).unwrap();
    let clip = media.join("clip.mp4");
    std::fs::copy(fixture("webcam_2s.mp4"), &clip).unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    drop_file(&mut h, &portrait);
    drop_file(&mut h, &clip);
    wait_for(&mut h, "the source", |a| {
        a.sources.first().is_some_and(|s| s.landmarks.is_some()) && a.driving.is_some()
    });
    h.state_mut().layout.view = View::Source;
    h.step();
    let from = point_on_screen(h.state(), 48);
    drag(&mut h, from, from + vec2(-8.0, 5.0), Modifiers::NONE);
    {
        let s = &mut h.state_mut().project.settings;
        s.strengths.mouth = 1.4;
        s.crf = 20;
        s.start_s = Some(0.4);
    }
    let saved_at = dir.path().join("projects/mine.vivant");
    std::fs::create_dir_all(saved_at.parent().unwrap()).unwrap();
    let title = |h: &Harness<'_, StudioApp>| {
        window_commands(h).into_iter().find_map(|c| match c {
            egui::ViewportCommand::Title(t) => Some(t),
            _ => None,
        })
    };
    // The desktop's window title names the project and marks unsaved changes.
    h.step();
    assert_eq!(h.state().window_title(), "*Untitled project — Vivant");
    assert!(h.state_mut().save_project(&saved_at));
    h.step();
    assert_eq!(title(&h).as_deref(), Some("mine.vivant — Vivant"));
    let json = std::fs::read_to_string(&saved_at).unwrap();
    assert!(json.contains("\"../media/portrait.png\""), "{json}");
    assert!(json.contains("\"version\": 1"));
    let saved = h.state().project.clone();
    drop(h);

    let reopened = Project::load(&saved_at).unwrap();
    assert_eq!(reopened, saved);
    let mut h = studio(&dir.path().join("state"), Some(saved_at.clone()));
    wait_for(&mut h, "the reopened source", |a| {
        a.sources.first().is_some_and(|s| s.image.is_some())
    });
    assert_eq!(h.state().project, saved);
    assert_eq!(
        h.state().sources[0].landmarks,
        saved.sources[0].landmarks,
        "the correction is what the engine gets"
    );
    assert!(h.state().sources[0].edited);
    // Closed as the window closes (a harness dropped without it reads as a crash while
    // opening, and the next launch would not reopen the project).
    h.state_mut().on_clean_exit();
    drop(h);

    // Move the clip away: opening asks to relocate it, and relocating loads it.
    let moved = dir.path().join("elsewhere.mp4");
    std::fs::rename(&clip, &moved).unwrap();
    let mut h = studio(&dir.path().join("state"), Some(saved_at));
    h.step();
    h.get_by_label_contains("is missing");
    h.get_by_label("Relocate…").click();
    h.step();
    h.step();
    h.get_by_label("Where is the missing file now?");
    type_over(&mut h, &moved.display().to_string());
    h.key_press(Key::Enter);
    h.step();
    wait_for(&mut h, "the relocated clip", |a| a.driving.is_some());
    assert_eq!(h.state().project.driving.as_deref(), Some(moved.as_path()));
    assert!(
        !h.state()
            .notices
            .banners
            .iter()
            .any(|b| b.text.contains("is missing")),
        "the banner goes once the file is found"
    );
}

#[test]
fn autosave_is_offered_back_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    h.state_mut().autosave();
    // No clean exit: the process "crashes" here.
    std::mem::forget(h);
    let mut h = studio(dir.path(), None);
    h.step();
    h.get_by_label("Recover").click();
    h.step();
    h.step();
    assert_eq!(h.state().project.sources.len(), 1);
    assert!(h.state().project.sources[0].path.ends_with("astronaut.png"));
}

/// A saved project recovered after a crash is still that project: its name in the title, and
/// Ctrl+S saves to its file (not a new one asked for).
#[test]
fn a_recovered_project_keeps_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let file = dir.path().join("portrait.vivant");
    let mut h = studio(&state, None);
    ready_source(&mut h, "astronaut.png");
    assert!(h.state_mut().save_project(&file));
    drop_file(&mut h, &fixture("webcam_2s.mp4"));
    assert!(h.state().is_dirty());
    h.state_mut().autosave();
    // No clean exit: the process "crashes" here.
    std::mem::forget(h);
    let mut h = studio(&state, None);
    h.step();
    h.get_by_label("Recover").click();
    h.step();
    h.step();
    assert_eq!(h.state().project_path.as_deref(), Some(file.as_path()));
    assert!(h.state().project.driving.is_some(), "the changes are back");
    assert!(h.state().is_dirty());
    assert!(
        h.state().window_title().contains("portrait.vivant"),
        "{}",
        h.state().window_title()
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.step();
    h.step();
    assert!(h.state().dialogs.path_prompt.is_none(), "Save asked where");
    assert!(!h.state().is_dirty());
    let saved = Project::load(&file).expect("saved");
    assert!(saved.driving.is_some());
}

/// A first launch opens the bundled demo, and the title and the menu bar name it (it stays
/// unsaved: a save asks where); a new project is untitled again.
#[test]
fn the_demo_on_a_first_launch_is_named_as_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio_with(
        StudioOptions {
            project: None,
            state_dir: Some(dir.path().join("state")),
            sound: false,
            demo_on_first_launch: true,
            desktop_dialogs: false,
            media: Vec::new(),
        },
        vec2(1200.0, 760.0),
    );
    h.step();
    h.step();
    assert_eq!(h.state().project.sources.len(), 1, "the demo is open");
    assert!(
        h.state().project_path.is_none(),
        "the demo is not the user's file"
    );
    assert_eq!(
        h.state().window_title(),
        "Demo project (demo.vivant) — Vivant"
    );
    h.get_by_label("Demo project (demo.vivant)");
    assert!(h.query_by_label("Untitled project").is_none());
    h.state_mut().new_project();
    h.step();
    h.get_by_label("Untitled project");
}

#[test]
fn with_two_faces_a_click_picks_the_other_one() {
    let dir = tempfile::tempdir().unwrap();
    // Two portraits side by side in one picture.
    let a = image::open(fixture("astronaut.png")).unwrap().to_rgb8();
    let b = image::open(fixture("grace_hopper.jpg")).unwrap().to_rgb8();
    let mut both = image::RgbImage::from_pixel(
        a.width() + b.width(),
        a.height().max(b.height()),
        image::Rgb([40, 40, 40]),
    );
    image::imageops::replace(&mut both, &a, 0, 0);
    image::imageops::replace(&mut both, &b, a.width() as i64, 0);
    let path = dir.path().join("two.png");
    both.save(&path).unwrap();
    let mut h = studio(dir.path(), None);
    drop_file(&mut h, &path);
    wait_for(&mut h, "the faces", |a| {
        a.sources.first().is_some_and(|s| s.landmarks.is_some())
    });
    h.state_mut().layout.view = View::Source;
    h.step();
    h.get_by_label_contains("2 faces found");
    let s = &h.state().sources[0];
    assert_eq!(s.faces.len(), 2);
    let first = s.landmarks.unwrap();
    let other = 1 - s.face;
    let bbox = s.faces[other].bbox;
    let (rect, scale) = h.state().layout.source_rect.unwrap();
    let centre = rect.min + vec2(bbox[0] + bbox[2] / 2.0, bbox[1] + bbox[3] * 0.9) * scale;
    h.hover_at(centre);
    h.step();
    h.drag_at(centre);
    h.step();
    h.drop_at(centre);
    h.step();
    h.step();
    let s = &h.state().sources[0];
    assert_eq!(s.face, other);
    assert_eq!(s.landmarks.as_ref(), Some(&s.faces[other].landmarks));
    assert_eq!(h.state().project.sources[0].face, other);
    // The other face is in the other half of the picture.
    let x = s.landmarks.as_ref().unwrap()[30][0];
    assert!((x > a.width() as f32) != (first[30][0] > a.width() as f32));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert_eq!(h.state().sources[0].landmarks.as_ref(), Some(&first));
}

/// The commands the app sent to its window in the last frame.
fn window_commands(h: &Harness<'_, StudioApp>) -> Vec<egui::ViewportCommand> {
    h.output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|v| v.commands.clone())
        .unwrap_or_default()
}

fn file_menu(h: &mut Harness<'_, StudioApp>, item: &str) {
    h.get_by_label("File").click();
    for _ in 0..3 {
        h.step();
    }
    // Menu entries read "Name Shortcut".
    h.get_by_label_contains(item).click();
}

/// Escape closes the File menu, also while its *Open recent* list is open.
#[test]
fn escape_closes_the_file_menu_with_open_recent_open() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut h = studio(&state, None);
    assert!(h.state_mut().save_project(&dir.path().join("one.vivant")));
    h.get_by_label("File").click();
    for _ in 0..3 {
        h.step();
    }
    // Escape with the menu alone open closes it.
    h.key_press(Key::Escape);
    for _ in 0..3 {
        h.step();
    }
    assert!(
        h.query_by_label("Open recent").is_none(),
        "the File menu stayed"
    );
    h.get_by_label("File").click();
    for _ in 0..3 {
        h.step();
    }
    let recent = h.get_by_label("Open recent").rect();
    h.hover_at(recent.center());
    for _ in 0..10 {
        h.step();
    }
    // The pointer on the list, as a user's is.
    let item = h.get_by_label("one.vivant").rect();
    h.hover_at(pos2(recent.right() + 4.0, recent.center().y));
    h.step();
    h.hover_at(item.center());
    // Long enough for the item's tooltip to show, as it does under a resting pointer.
    for _ in 0..60 {
        h.step();
    }
    h.get_by_label(&format!("Open {}", dir.path().join("one.vivant").display()));
    h.get_by_label("one.vivant");
    h.key_press(Key::Escape);
    for _ in 0..3 {
        h.step();
    }
    assert!(
        h.query_by_label("one.vivant").is_none(),
        "Open recent stayed"
    );
    assert!(
        h.query_by_label("Open recent").is_none(),
        "the File menu stayed"
    );
}

#[test]
fn unsaved_changes_are_asked_about_before_they_are_lost() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut h = studio(&state, None);
    ready_source(&mut h, "astronaut.png");
    assert!(h.state().is_dirty());

    // File ▸ New project asks; Cancel keeps everything.
    file_menu(&mut h, "New project");
    h.step();
    h.step();
    h.get_by_label("Save changes to the untitled project before starting a new project?");
    h.get_by_label("Cancel").click();
    h.step();
    assert!(h.state().dialogs.unsaved_prompt.is_none());
    assert_eq!(h.state().project.sources.len(), 1);

    // Closing the window asks too, and keeps it open; Escape answers "Cancel".
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    h.step();
    assert!(window_commands(&h).contains(&egui::ViewportCommand::CancelClose));
    assert!(!h.state().dialogs.quitting);
    h.step();
    h.get_by_label_contains("before quitting?");
    h.snapshot_options("studio_unsaved_changes", &snapshot_options());
    h.key_press(Key::Escape);
    h.step();
    assert!(h.state().dialogs.unsaved_prompt.is_none());
    assert_eq!(h.state().project.sources.len(), 1);

    // A project dropped on the window: "Don't save" opens it and drops the autosave too.
    h.state_mut().autosave();
    let autosave = state.join("autosave.vivant");
    assert!(autosave.exists());
    let other = dir.path().join("other.vivant");
    Project::default().save(&other).unwrap();
    drop_file(&mut h, &other);
    h.step();
    assert_eq!(
        h.state().project.sources.len(),
        1,
        "nothing happens before the answer"
    );
    h.get_by_label("Don't save").click();
    h.step();
    assert!(h.state().project.sources.is_empty());
    assert_eq!(h.state().project_path.as_deref(), Some(other.as_path()));
    assert!(!autosave.exists());

    // "Save" writes the project to its file, then goes on to the new one.
    ready_source(&mut h, "astronaut.png");
    file_menu(&mut h, "New project");
    h.step();
    h.step();
    h.get_by_label("Save changes to “other.vivant” before starting a new project?");
    h.get_by_label("Save").click();
    h.step();
    assert_eq!(Project::load(&other).unwrap().sources.len(), 1);
    assert!(h.state().project.sources.is_empty());
    assert_eq!(h.state().project_path, None);

    // Nothing unsaved: quitting does not ask.
    file_menu(&mut h, "Quit");
    h.step();
    assert!(h.state().dialogs.unsaved_prompt.is_none());
    assert!(h.state().dialogs.quitting);
    assert!(window_commands(&h).contains(&egui::ViewportCommand::Close));
}

/// Replace the text in the focused field with `text`.
fn type_over(h: &mut Harness<'_, StudioApp>, text: &str) {
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.step();
    h.event(Event::Text(text.to_string()));
    h.step();
    h.step();
}

#[test]
fn without_a_desktop_file_dialog_paths_are_typed_into_a_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);

    // Add…: a path that is not there is refused with the reason; Enter on a real one adds it.
    h.get_by_label("Add…").click();
    h.step();
    h.step();
    h.get_by_label("Add a picture, video or sound file");
    type_over(&mut h, "/nonexistent/portrait.png");
    h.get_by_label("There is no file /nonexistent/portrait.png.");
    h.snapshot_options("studio_path_prompt", &snapshot_options());
    h.get_by_label("OK").click();
    h.step();
    assert!(
        h.state().dialogs.path_prompt.is_some(),
        "a bad path keeps the prompt open"
    );
    assert!(h.state().sources.is_empty());
    type_over(&mut h, &fixture("astronaut.png").display().to_string());
    h.key_press(Key::Enter);
    h.step();
    assert!(h.state().dialogs.path_prompt.is_none());
    assert_eq!(h.state().sources.len(), 1);
    drop_file(&mut h, &fixture("webcam_2s.mp4"));
    wait_for(&mut h, "the preview", |a| a.preview_ready() && idle(a));

    // Export…: the name gets .mp4, and the export runs to it.
    h.state_mut().seek(0);
    h.key_press(Key::I);
    h.step();
    h.state_mut().seek(4);
    h.key_press(Key::O);
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.step();
    h.get_by_label("Export the MP4 to");
    let out = dir.path().join("typed");
    type_over(&mut h, &out.display().to_string());
    h.get_by_label("OK").click();
    h.step();
    wait_for(&mut h, "the export", |a| {
        a.export.as_ref().is_some_and(|e| e.finished.is_some())
    });
    let export = h.state().export.as_ref().unwrap();
    let report = export
        .finished
        .as_ref()
        .unwrap()
        .as_ref()
        .expect("exported");
    assert_eq!(report.output, dir.path().join("typed.mp4"));
    assert_eq!(report.frames, 5);
    assert_eq!(ffprobe(&report.output)["streams"][0]["nb_frames"], "5");

    // Again to the same file: the prompt says it will be replaced.
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.step();
    type_over(&mut h, &dir.path().join("typed.mp4").display().to_string());
    h.get_by_label_contains("exists and will be replaced");
    h.get_by_label("Replace");
    h.key_press(Key::Escape);
    h.step();
    assert!(h.state().dialogs.path_prompt.is_none());

    // "Save" on unsaved changes of an untitled project asks for the path, then goes on.
    file_menu(&mut h, "New project");
    h.step();
    h.step();
    h.get_by_label("Save").click();
    h.step();
    h.step();
    h.get_by_label("Save the project as");
    let project = dir.path().join("typed project");
    type_over(&mut h, &project.display().to_string());
    h.get_by_label("OK").click();
    h.step();
    let saved = Project::load(&dir.path().join("typed project.vivant")).unwrap();
    assert_eq!(saved.sources.len(), 1);
    assert!(h.state().project.sources.is_empty(), "then the new project");
    assert!(h.state().dialogs.unsaved_prompt.is_none());
}

#[test]
fn quitting_during_an_export_asks_then_cancels_it_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    ready_source(&mut h, "astronaut.png");
    // A 53-s clip: its export is still running when the window closes.
    drop_file(&mut h, &fixture("webcam_man_400x300.mp4"));
    wait_for(&mut h, "the driving clip", |a| a.driving.is_some());
    let out = dir.path().join("long.mp4");
    h.state_mut().start_export(out.clone());
    assert!(h.state().exporting());
    assert!(h.state_mut().save_project(&dir.path().join("saved.vivant")));

    // Nothing unsaved, but an export runs: quitting asks.
    file_menu(&mut h, "Quit");
    h.step();
    h.step();
    h.get_by_label("An export is running. Quit and cancel it?");
    assert!(!h.state().dialogs.quitting);
    h.get_by_label("Quit").click();
    h.step();
    assert!(h.state().dialogs.quitting);
    assert!(window_commands(&h).contains(&egui::ViewportCommand::Close));

    // What eframe calls as the window goes: the export is cancelled and waited for.
    h.state_mut().on_clean_exit();
    assert!(!h.state().exporting());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "state" && n != "saved.vivant")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The command palette: Ctrl+Shift+P opens it, typing narrows the list to matching commands,
/// Enter runs the chosen one, Escape closes it; the File menu shows shortcuts from the same
/// command table.
#[test]
fn the_command_palette_finds_and_runs_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::P);
    h.step();
    h.step();
    assert!(
        h.state().dialogs.palette.is_some(),
        "Ctrl+Shift+P opens the palette"
    );
    h.event(Event::Text("export".into()));
    h.step();
    h.step();
    h.get_by_label("Export MP4…");
    assert!(
        h.query_by_label("Open project…").is_none(),
        "the list is narrowed"
    );
    h.snapshot_options("studio_command_palette", &snapshot_options());
    // Escape closes it and runs nothing.
    h.key_press(Key::Escape);
    h.step();
    assert!(h.state().dialogs.palette.is_none());
    assert!(h.state().dialogs.path_prompt.is_none());
    // Again, and Enter runs it: with no desktop dialog, Export asks for a path.
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::P);
    h.step();
    h.step();
    h.event(Event::Text("export".into()));
    h.step();
    h.key_press(Key::Enter);
    h.step();
    h.step();
    assert!(h.state().dialogs.palette.is_none());
    assert!(
        h.state().dialogs.path_prompt.is_some(),
        "Export MP4… ran and asked where to write"
    );
    h.get_by_label("Cancel").click();
    h.step();
    // The File menu lists the commands with their shortcuts.
    h.get_by_label("File").click();
    for _ in 0..3 {
        h.step();
    }
    let shortcut = h
        .state()
        .ctx
        .format_shortcut(&egui::KeyboardShortcut::new(Modifiers::COMMAND, Key::S));
    h.get_by_label(&format!("Save project {shortcut}"));
}

/// The engine choice: without weights the Engine box offers Neural but asks for the folder
/// first (the other snapshots show "Weights: none chosen"); a folder missing a network is
/// refused with a banner naming it; the golden weights folder dropped on the window is taken,
/// remembered for the next launch, and the neural engine then draws the preview on the worker.
#[test]
fn the_neural_engine_is_chosen_with_its_weights_folder() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/liveportrait");
    let mut h = studio(&state, None);
    ready_source(&mut h, "astronaut.png");
    // A folder without the generator's weights.
    let partial = dir.path().join("partial");
    std::fs::create_dir(&partial).unwrap();
    for f in std::fs::read_dir(golden.join("safetensors")).unwrap() {
        let f = f.unwrap().path();
        if !f.to_string_lossy().contains("spade_generator") {
            std::fs::copy(&f, partial.join(f.file_name().unwrap())).unwrap();
        }
    }
    drop_file(&mut h, &partial);
    h.step();
    assert!(h.state().neural_weights().is_none());
    assert!(
        h.state()
            .notices
            .banners
            .iter()
            .any(|b| b.text.contains("spade_generator")),
        "the missing network is named"
    );
    // The real folder, dropped; then Neural chosen in the Engine box.
    drop_file(&mut h, &golden.join("safetensors"));
    h.step();
    assert_eq!(
        h.state().neural_weights().as_deref(),
        Some(golden.join("safetensors").as_path())
    );
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Engine")
        .click();
    h.step();
    h.step();
    h.get_by_label("Neural").click();
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(
        h.state().project.settings.engine.choice(),
        EngineChoice::Neural
    );
    h.get_by_label("Weights: safetensors");
    h.state_mut().notices.banners.clear();
    h.step();
    h.snapshot_options("studio_engine_neural", &snapshot_options());
    // The preview: the clip's motion read by the networks, frames drawn on the worker.
    drop_file(&mut h, &fixture("webcam_2s.mp4"));
    wait_for(&mut h, "the neural preview", |a| {
        a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some()
    });
    // Nothing left announced as running once the frame is shown.
    wait_for(&mut h, "the status bar to settle", idle);
    let errors: Vec<_> = h
        .state()
        .notices
        .banners
        .iter()
        .filter(|b| b.severity == vivant::studio::app::Severity::Error)
        .map(|b| b.text.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Remembered: a new window offers the same folder.
    drop(h);
    let h = studio(&state, None);
    assert_eq!(
        h.state().weights.as_deref(),
        Some(golden.join("safetensors").as_path())
    );
}

/// Without weights, the Download button fetches them from the Hub (here a stand-in on
/// 127.0.0.1, slowed down until the cancel) in the background, with progress and Cancel:
/// cancelled, nothing is installed; asked again, it resumes, and the folder is checked and
/// used with the neural engine. A new window then finds them in the Hugging Face cache by itself when Neural is
/// picked, and says so.
#[test]
fn the_weights_are_downloaded_with_progress_and_cancel() {
    use common::hub::{COMMIT, Faults, HubServer};
    let dir = tempfile::tempdir().unwrap();
    let server = HubServer::golden(Faults {
        throttle: Some(Duration::from_millis(250)),
        ..Faults::default()
    });
    let cache = dir.path().join("hf/hub");
    let places = vivant::neural::weights::Places {
        hub_cache: Some(cache.clone()),
        home: Some(dir.path().join("home")),
    };
    let mut h = studio(&dir.path().join("state"), None);
    h.state_mut().hub = Some(vivant::neural::fetch::Hub {
        endpoint: server.url.clone(),
        cache: cache.clone(),
        offline: false,
        token: None,
    });
    h.state_mut().places = places.clone();
    h.step();
    h.get_by_label(vivant::studio::app::DOWNLOAD_LABEL).click();
    wait_for(&mut h, "the first bytes", |a| {
        a.download
            .as_ref()
            .and_then(|d| d.progress.as_ref())
            .is_some_and(|p| p.done > 0 && p.done < p.total)
    });
    // How far it is, in the Engine box (and the status bar).
    assert!(h.query_all_by_label_contains("MB of 2.9 MB").count() >= 1);
    // The inspector scrolls: bring the button into view, then press it.
    h.get_by_label("Cancel download").scroll_to_me();
    h.step();
    h.get_by_label("Cancel download").click();
    wait_for(&mut h, "the download to stop", |a| !a.downloading());
    let banners: Vec<String> = h
        .state()
        .notices
        .banners
        .iter()
        .map(|b| b.text.clone())
        .collect();
    assert!(
        banners.iter().any(|b| b.contains("Download cancelled")),
        "{banners:?}"
    );
    let repo = cache.join("models--KwaiVGI--LivePortrait");
    assert!(!repo.join("snapshots").exists(), "nothing is installed");
    assert!(h.state().neural_weights().is_none());
    // Again, at full speed: it goes on from what the first one left.
    server.set_throttle(None);
    server.clear_log();
    h.get_by_label(vivant::studio::app::DOWNLOAD_LABEL).click();
    wait_for(&mut h, "the weights", |a| {
        a.project.settings.engine.weights().is_some()
    });
    let lp = repo.join("snapshots").join(COMMIT).join("liveportrait");
    assert_eq!(
        h.state().project.settings.engine.weights(),
        Some(lp.as_path())
    );
    assert_eq!(
        h.state().project.settings.engine.choice(),
        EngineChoice::Neural
    );
    assert!(!h.state().downloading());
    let total: usize = common::hub::golden_files()
        .iter()
        .filter(|(p, _)| p.starts_with("liveportrait/") && !p.ends_with(".json"))
        .map(|(_, f)| f.bytes.len())
        .sum();
    let sent: usize = server
        .log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/cdn/"))
        .map(|r| r.sent)
        .sum();
    assert!(sent < total, "resumed: {sent} of {total} bytes sent again");
    assert!(
        h.state()
            .notices
            .banners
            .iter()
            .any(|b| b.text.contains("checked; the neural engine uses them")),
        "{:?}",
        h.state()
            .notices
            .banners
            .iter()
            .map(|b| &b.text)
            .collect::<Vec<_>>()
    );
    // A new window with nothing remembered finds them when Neural is picked.
    drop(h);
    let mut h = studio(&dir.path().join("state2"), None);
    h.state_mut().places = places;
    h.step();
    h.state_mut().set_engine(EngineChoice::Neural);
    h.step();
    assert_eq!(
        h.state().project.settings.engine.weights(),
        Some(lp.as_path())
    );
    assert_eq!(
        h.state().project.settings.engine.choice(),
        EngineChoice::Neural
    );
    let expected = format!(
        "Using LivePortrait's weights from {} (the Hugging Face cache).",
        lp.display()
    );
    assert!(
        h.state().notices.banners.iter().any(|b| b.text == expected),
        "{:?}",
        h.state()
            .notices
            .banners
            .iter()
            .map(|b| &b.text)
            .collect::<Vec<_>>()
    );
}

/// Social-media framings: a vertical 9:16 output of the square portrait is cropped around
/// the face by default (the preview shows the frame so framed, at the portrait's size), and
/// the inspector says how it is filled and offers the other ways.
#[test]
fn a_vertical_framing_is_cropped_around_the_face_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    with_clip(&mut h);
    // The inspector scrolls (Export stays pinned below it): bring the Size box into view.
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Size")
        .scroll_to_me();
    for _ in 0..3 {
        h.step();
    }
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Size")
        .click();
    h.step();
    h.step();
    h.get_by_label("Vertical 1080×1920 (9:16)").click();
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(
        h.state().project.settings.size,
        vivant::pipeline::OutputSize::Fixed(1080, 1920)
    );
    h.get_by_label("The portrait is 512×512: cropped to fill, centred on the face");
    wait_for(&mut h, "the framed preview", |a| {
        a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some()
    });
    let frame = h
        .state()
        .preview
        .cache
        .get(h.state().preview.playhead)
        .expect("frame");
    // Framed as the output, drawn at the portrait's size.
    assert_eq!(frame.result.size, [288, 512]);
    let centred = frame.result.clone();
    h.snapshot_options("studio_vertical_framing", &snapshot_options());
    // The crop is placed: moved up and zoomed in (the inspector's sliders set these), and
    // the preview shows the new crop at the same size.
    for slider in ["Crop left–right", "Crop up–down", "Crop zoom"] {
        assert!(
            h.query_all_by_label(slider).count() > 0,
            "no {slider} slider"
        );
    }
    let mut settings = h.state().project.settings.clone();
    settings.crop_shift = [0.0, -0.2];
    settings.crop_zoom = 1.5;
    h.state_mut().set_output_settings(settings);
    wait_for(&mut h, "the moved crop", |a| {
        a.preview_ready()
            && a.preview
                .cache
                .get(a.preview.playhead)
                .is_some_and(|f| f.result.pixels != centred.pixels)
    });
    let moved = h
        .state()
        .preview
        .cache
        .get(h.state().preview.playhead)
        .expect("frame")
        .result
        .clone();
    assert_eq!(moved.size, [288, 512]);
    // Put back, it is centred on the face again.
    let mut settings = h.state().project.settings.clone();
    settings.crop_shift = [0.0, 0.0];
    settings.crop_zoom = 1.0;
    h.state_mut().set_output_settings(settings);
    wait_for(&mut h, "the centred crop again", |a| {
        a.preview_ready()
            && a.preview
                .cache
                .get(a.preview.playhead)
                .is_some_and(|f| f.result.pixels == centred.pixels)
    });
}

/// Several pictures: the card of the one the engine animates in the frame on screen says so,
/// and the timeline marks each drawn frame with its picture's colour.
#[test]
fn with_several_pictures_the_animated_one_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    ready_source(&mut h, "astronaut.png");
    ready_source(&mut h, "grace_hopper.jpg");
    drop_file(&mut h, &fixture("webcam_2s.mp4"));
    wait_for(&mut h, "the preview", |a| {
        a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some()
    });
    let shown = h
        .state()
        .preview
        .shown
        .as_ref()
        .and_then(|s| s.source)
        .expect("the frame on screen knows its source");
    assert!(shown < 2);
    assert_eq!(h.state().preview.chosen.get(&0), Some(&shown));
    h.get_by_label("• Animated in this frame");
    h.snapshot_options("studio_fewshot_sources", &snapshot_options());
}

/// Help: F1 opens the shortcuts sheet, made from the command table; the Help menu opens the
/// page on the neural engine's weights; Escape closes it.
#[test]
fn f1_shows_every_shortcut_and_the_help_menu_explains_the_weights() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    h.step();
    h.key_press(Key::F1);
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(
        h.state().dialogs.help,
        Some(vivant::studio::app::HelpPage::Shortcuts)
    );
    let save = h
        .state()
        .ctx
        .format_shortcut(&egui::KeyboardShortcut::new(Modifiers::COMMAND, Key::S));
    h.get_by_label("Save project");
    h.get_by_label(&save);
    h.get_by_label("Command palette…");
    h.snapshot_options("studio_help_shortcuts", &snapshot_options());
    h.key_press(Key::Escape);
    h.step();
    assert!(h.state().dialogs.help.is_none());
    h.get_by_label("Help").click();
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label("The neural engine's weights…").click();
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(
        h.state().dialogs.help,
        Some(vivant::studio::app::HelpPage::Weights)
    );
    h.get_by_label_contains("downloads nothing unless you ask");
}

/// The GPU is probed once: here (Mesa's software adapter) it is found. Where it is not, a
/// project that asks for it runs on the CPU with one plain note, and the GPU choice is greyed
/// with the reason.
#[test]
fn without_a_gpu_a_gpu_project_runs_on_the_cpu_with_one_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    wait_for(&mut h, "the GPU probe", |a| a.gpu.is_some());
    assert!(
        matches!(&h.state().gpu, Some(Ok(name)) if !name.is_empty()),
        "{:?}",
        h.state().gpu
    );
    ready_source(&mut h, "astronaut.png");
    drop_file(&mut h, &fixture("webcam_2s.mp4"));
    h.state_mut().project.settings.engine = vivant::pipeline::EngineSettings::Warp {
        backend: vivant::pipeline::Backend::Wgpu,
        clip_mouth: true,
        voice_mouth: true,
        eye_fill: true,
        details: vivant::render::DEFAULT_DETAILS,
    };
    // As on a machine without one.
    let none = || vivant::render::GpuError::NoAdapter("no adapter found".into());
    h.state_mut().set_gpu(Err(none()));
    h.state_mut().set_gpu(Err(none()));
    h.step();
    let notes: Vec<String> = h
        .state()
        .notices
        .banners
        .iter()
        .map(|b| b.text.clone())
        .filter(|t| t.contains("runs on the CPU"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    // What wgpu said is kept, behind the note's "Details".
    let detail = h
        .state()
        .notices
        .banners
        .iter()
        .find(|b| b.text.contains("runs on the CPU"))
        .and_then(|b| b.detail.clone());
    assert!(
        detail
            .as_deref()
            .is_some_and(|d| d.contains("no adapter found")),
        "{detail:?}"
    );
    let job = h
        .state()
        .render_job(dir.path().join("out.mp4"), true)
        .expect("job");
    assert_eq!(
        job.settings.engine.backend(),
        Some(vivant::pipeline::Backend::Cpu)
    );
    assert_eq!(
        h.state().project.settings.engine.backend(),
        Some(vivant::pipeline::Backend::Wgpu),
        "the project keeps asking for the GPU, for machines that have one"
    );
    wait_for(&mut h, "the preview on the CPU", |a| {
        a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some()
    });
    h.get_by_label("No GPU here: the CPU draws it");
}

/// Without a GPU, the note says so in one plain sentence: wgpu's list of the back ends it
/// tried and the command line's flag are not in it, but behind its "Details", shown on a click.
#[test]
fn the_gpu_fallback_note_is_one_plain_sentence_with_the_detail_behind_details() {
    let dir = tempfile::tempdir().unwrap();
    // Tall enough that the inspector shows the GPU choice without scrolling.
    let mut h = studio_sized(&dir.path().join("state"), None, vec2(1280.0, 1500.0));
    wait_for(&mut h, "the GPU probe", |a| a.gpu.is_some());
    h.state_mut().project.settings.engine = vivant::pipeline::EngineSettings::Warp {
        backend: vivant::pipeline::Backend::Wgpu,
        clip_mouth: true,
        voice_mouth: true,
        eye_fill: true,
        details: vivant::render::DEFAULT_DETAILS,
    };
    let wgpu_said = "noop not requested, vulkan drivers/libraries could not be loaded, \
                     dx12 support not compiled in";
    h.state_mut()
        .set_gpu(Err(vivant::render::GpuError::NoAdapter(wgpu_said.into())));
    h.step();
    h.step();
    let note = h
        .state()
        .notices
        .banners
        .iter()
        .find(|b| b.text.contains("runs on the CPU"))
        .cloned()
        .expect("the note");
    assert_eq!(note.text, vivant::studio::app::GPU_FALLBACK);
    for raw in ["noop", "vulkan", "--backend", "dx12"] {
        assert!(!note.text.contains(raw), "{raw} in {:?}", note.text);
    }
    h.get_by_label(vivant::studio::app::GPU_FALLBACK);
    assert!(
        h.query_by_label_contains("vulkan drivers").is_none(),
        "the detail is folded away"
    );
    h.get_by_label("Details").click();
    for _ in 0..10 {
        h.step();
    }
    h.get_by_label_contains("vulkan drivers/libraries could not be loaded");
    // The greyed GPU choice says why on hover, without the command line's flag.
    let gpu = h
        .get_by_role_and_label(egui::accesskit::Role::RadioButton, "GPU (wgpu)")
        .rect();
    h.hover_at(gpu.center());
    for _ in 0..60 {
        h.step();
    }
    h.get_by_label(&format!("No GPU can draw here: {wgpu_said}"));
}

/// The neural engine's device: Auto, the CPU and each GPU back end built in. Where one is
/// built in but not usable (as CUDA without a driver), its choice is greyed with the reason on
/// hover, and a project that asks for it runs on the CPU with one note, keeping its choice for
/// machines that have one.
#[test]
fn a_neural_device_not_here_is_greyed_with_the_reason_and_runs_on_the_cpu() {
    use egui_kittest::kittest::NodeT;
    use vivant::devices::{DeviceChoice, GpuBackend, GpuReport};
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio_sized(&dir.path().join("state"), None, vec2(1280.0, 1500.0));
    wait_for(&mut h, "the device probe", |a| a.compute.is_some());
    let probed = h.state().compute.clone().expect("probed");
    assert_eq!(probed.gpu.len(), 2, "{probed:?}");
    assert_eq!(
        h.state().neural_device(),
        DeviceChoice::Auto,
        "a new project's neural engine runs where auto says"
    );
    ready_source(&mut h, "astronaut.png");
    drop_file(&mut h, &fixture("webcam_2s.mp4"));
    // As on a machine whose build has CUDA but no NVIDIA driver.
    let why = "no NVIDIA driver found (libcuda.so.1)";
    let mut report = probed;
    report.gpu = vec![GpuReport {
        backend: GpuBackend::Cuda,
        compiled: true,
        available: false,
        reason: Some(why.into()),
        driver: None,
        devices: Vec::new(),
        needs: None,
    }];
    report.auto = "cpu";
    report.auto_note = Some(format!("the neural engine runs on the CPU (CUDA: {why})"));
    h.state_mut().project.settings.engine = vivant::pipeline::EngineSettings::Neural {
        weights: None,
        device: DeviceChoice::Cuda,
    };
    h.state_mut().set_compute(report.clone());
    h.state_mut().set_compute(report);
    h.step();
    let notes: Vec<String> = h
        .state()
        .notices
        .banners
        .iter()
        .map(|b| b.text.clone())
        .filter(|t| t.contains("runs on the CPU"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains(why), "{notes:?}");
    let job = h
        .state()
        .render_job(dir.path().join("out.mp4"), true)
        .expect("job");
    assert_eq!(job.settings.engine.device(), Some(DeviceChoice::Cpu));
    assert_eq!(
        h.state().project.settings.engine.device(),
        Some(DeviceChoice::Cuda),
        "the project keeps asking for CUDA, for machines that have it"
    );
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label("That GPU is not here: the CPU runs it");
    let cuda = h.get_by_role_and_label(egui::accesskit::Role::RadioButton, "CUDA");
    assert!(cuda.accesskit_node().is_disabled(), "CUDA is greyed");
    let rect = cuda.rect();
    h.hover_at(rect.center());
    for _ in 0..60 {
        h.step();
    }
    h.get_by_label_contains(&format!("CUDA is not available here: {why}"));
    // Auto stays offered, and says where it runs.
    h.state_mut().set_device(DeviceChoice::Auto);
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(
        h.state()
            .render_job(dir.path().join("out.mp4"), true)
            .expect("job")
            .settings
            .engine
            .device(),
        Some(DeviceChoice::Auto)
    );
    h.get_by_label("Auto: the CPU here");
}

/// Timeline zoom: the wheel zooms about the pointer (the frame under it stays there), Shift +
/// wheel moves along, and a click on the zoomed timeline lands on the frame drawn there.
#[test]
fn the_timeline_zooms_about_the_pointer_and_scrubs_where_it_shows() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    with_clip(&mut h);
    let rect = h.state().layout.timeline_rect.expect("timeline drawn");
    let (x, y) = (rect.min.x + rect.width() * 0.75, rect.center().y);
    h.hover_at(Pos2::new(x, y));
    h.step();
    h.event(Event::Zoom(4.0));
    h.step();
    let (start, span) = h.state().layout.timeline_view;
    assert!((span - 0.25).abs() < 1e-6, "{span}");
    // Three quarters of the clip still under the pointer.
    assert!((start + 0.75 * span - 0.75).abs() < 1e-6, "{start}");
    // A click at the left edge of the zoomed timeline: the frame shown there.
    h.hover_at(Pos2::new(rect.min.x + 1.0, y));
    h.step();
    h.drag_at(Pos2::new(rect.min.x + 1.0, y));
    h.step();
    h.drop_at(Pos2::new(rect.min.x + 1.0, y));
    h.step();
    let want = (start * 49.0).round() as u64;
    assert!(
        h.state().preview.playhead.abs_diff(want) <= 1,
        "{} for {want}",
        h.state().preview.playhead
    );
    // Shift+wheel moves along (here: back to the start).
    h.hover_at(Pos2::new(x, y));
    h.step();
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, 2000.0),
        modifiers: Modifiers::SHIFT,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    for _ in 0..10 {
        h.step();
    }
    assert!(
        h.state().layout.timeline_view.0 < start,
        "{:?}",
        h.state().layout.timeline_view
    );
}

/// Every change to the project is one undoable step, named in the Edit menu: adding a
/// picture and a clip, the in point, removing a picture (no longer clearing the history: it
/// comes back with its landmarks), and redo goes forward again.
/// Zoomed in to a few frames across, the timeline shows each frame its own thumbnail (made
/// in the background for the frames in view), at its own shape, not one stretched across them.
#[test]
fn the_timeline_zoomed_in_shows_a_thumbnail_per_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    with_clip(&mut h);
    assert_eq!(h.state().preview.frames, 50);
    h.state_mut().layout.timeline_view = (0.2, 8.0 / 50.0);
    h.step();
    wait_for(&mut h, "the frames' own thumbnails", |a| {
        a.driving
            .as_ref()
            .is_some_and(|d| (10..18).all(|k| d.frame_thumbnails.contains_key(&k)))
    });
    let d = h.state().driving.as_ref().expect("the clip");
    assert!(
        d.frame_thumbnails.len() <= 12,
        "only the frames in view: {}",
        d.frame_thumbnails.len()
    );
    // Zoomed out again, the strip is back (and nothing more is asked for).
    h.state_mut().layout.timeline_view = (0.0, 1.0);
    h.step();
    h.state_mut().layout.timeline_view = (0.2, 8.0 / 50.0);
    wait_for(&mut h, "idle", idle);
    h.snapshot_options("studio_timeline_frames", &snapshot_options());
}

#[test]
fn every_change_to_the_project_is_undoable() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    with_clip(&mut h);
    let history =
        |h: &Harness<'_, StudioApp>| h.state().editing.history.undo_label().map(str::to_string);
    assert_eq!(history(&h).as_deref(), Some("Set driving clip"));
    // An in point at frame 10.
    h.state_mut().seek(10);
    h.key_press(Key::I);
    h.step();
    assert!(h.state().project.settings.start_s.is_some());
    assert_eq!(history(&h).as_deref(), Some("Set in point"));
    // Remove the picture, then undo: it is back, as it was.
    let landmarks = h.state().sources[0].landmarks;
    h.get_by_label("Remove").click();
    h.step();
    assert!(h.state().project.sources.is_empty());
    file_menu_edit(&mut h);
    let undo_key = h
        .state()
        .ctx
        .format_shortcut(&egui::KeyboardShortcut::new(Modifiers::COMMAND, Key::Z));
    h.get_by_label(&format!("Undo: Remove picture {undo_key}"))
        .click();
    h.step();
    assert_eq!(h.state().project.sources.len(), 1);
    wait_for(&mut h, "the picture back", |a| {
        a.sources.first().is_some_and(|s| s.image.is_some())
    });
    assert_eq!(h.state().sources[0].landmarks, landmarks);
    // Undo the in point; redo it.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert!(h.state().project.settings.start_s.is_none());
    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    h.step();
    assert!(h.state().project.settings.start_s.is_some());
    // Undo everything: the empty project.
    for _ in 0..4 {
        h.state_mut().undo();
    }
    h.step();
    assert_eq!(h.state().project, Project::default());
}

fn file_menu_edit(h: &mut Harness<'_, StudioApp>) {
    h.get_by_label("Edit").click();
    for _ in 0..3 {
        h.step();
    }
}

// The window at the small sizes artists use (a 1024×700 laptop window, 1280×720): every
// panel holds — the toolbar, the three previews, the inspector with Export in view without
// scrolling past a pile of banners, long file names elided with the full name on hover.
#[test]
fn the_layout_holds_at_1024_by_700() {
    layout_at(1024.0, 700.0);
}

#[test]
fn the_layout_holds_at_1280_by_720() {
    layout_at(1280.0, 720.0);
}

fn layout_at(w: f32, h_px: f32) {
    {
        let dir = tempfile::tempdir().unwrap();
        let long = dir
            .path()
            .join("a portrait with a rather long file name that runs on and on.png");
        std::fs::copy(fixture("astronaut.png"), &long).unwrap();
        let mut h = studio_sized(&dir.path().join("state"), None, vec2(w, h_px));
        drop_file(&mut h, &long);
        wait_for(&mut h, "the source's face", |a| {
            a.sources
                .last()
                .is_some_and(|s| !matches!(s.status, SourceStatus::Loading))
        });
        drop_file(&mut h, &fixture("webcam_2s.mp4"));
        wait_for(&mut h, "the preview", |a| {
            a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some()
        });
        // Three notes at once.
        for i in 0..3 {
            h.state_mut().banner(
                vivant::studio::app::Severity::Info,
                format!("note {i}: something worth knowing"),
                None,
            );
        }
        for _ in 0..3 {
            h.step();
        }
        h.snapshot_options(format!("studio_layout_{w}x{h_px}"), &snapshot_options());
    }
}

/// The path prompt (no desktop file dialog): Tab completes a name, the folder's entries are
/// listed to pick from, and Enter takes the completed path.
#[test]
fn the_path_prompt_completes_names_with_tab() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    h.step();
    h.state_mut().choose(vivant::studio::app::Purpose::AddMedia);
    h.step();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    h.state_mut()
        .dialogs
        .path_prompt
        .as_mut()
        .expect("the prompt")
        .text = format!("{}/astro", fixtures.display());
    h.step();
    h.get_by_label("astronaut.png");
    h.key_press(Key::Tab);
    h.step();
    assert_eq!(
        h.state()
            .dialogs
            .path_prompt
            .as_ref()
            .map(|p| p.text.clone()),
        Some(format!("{}/astronaut.png", fixtures.display()))
    );
    h.key_press(Key::Enter);
    h.step();
    assert!(h.state().dialogs.path_prompt.is_none());
    assert_eq!(h.state().project.sources.len(), 1);
}

/// The side panels resize by their edges, and the studio opens next time with the widths the
/// user left.
/// Typed fast, the letters before a Tab and the Tab come in one frame: the name is completed
/// from all of them, and what is typed after the Tab goes after the completed name.
#[test]
fn tab_completion_keeps_up_with_fast_typing() {
    let dir = tempfile::tempdir().unwrap();
    let pictures = dir.path().join("pictures");
    std::fs::create_dir(&pictures).unwrap();
    std::fs::copy(
        fixture("astronaut.png"),
        pictures.join("mona_lisa_308x450.png"),
    )
    .unwrap();
    std::fs::copy(fixture("astronaut.png"), pictures.join("moon.png")).unwrap();
    let mut h = studio(&dir.path().join("state"), None);
    h.step();
    h.state_mut().choose(vivant::studio::app::Purpose::AddMedia);
    h.step();
    h.state_mut()
        .dialogs
        .path_prompt
        .as_mut()
        .expect("the prompt")
        .text = format!("{}/mo", pictures.display());
    h.step();
    let tab = |pressed| Event::Key {
        key: Key::Tab,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers: Modifiers::NONE,
    };
    // "na", Tab and "x" in one frame.
    for e in [
        Event::Text("n".into()),
        Event::Text("a".into()),
        tab(true),
        tab(false),
        Event::Text("x".into()),
    ] {
        h.input_mut().events.push(e);
    }
    h.step();
    let text = |h: &Harness<'_, StudioApp>| {
        h.state()
            .dialogs
            .path_prompt
            .as_ref()
            .map(|p| p.text.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        text(&h),
        format!("{}/mona_lisa_308x450.png", pictures.display())
    );
    h.step();
    assert_eq!(
        text(&h),
        format!("{}/mona_lisa_308x450.pngx", pictures.display()),
        "what was typed after the Tab goes after the name"
    );
}

/// *Add…* takes several files at once (Ctrl+click in the prompt's list), and the next prompt
/// for media starts in the folder they came from, also after a restart.
#[test]
fn prompts_remember_the_folder_and_add_takes_several_files() {
    use vivant::studio::app::Purpose;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    for f in ["astronaut.png", "grace_hopper.jpg"] {
        std::fs::copy(fixture(f), media.join(f)).unwrap();
    }
    let mut h = studio(&state, None);
    h.step();
    h.state_mut().choose(Purpose::AddMedia);
    h.step();
    h.state_mut()
        .dialogs
        .path_prompt
        .as_mut()
        .expect("the prompt")
        .text = format!("{}/", media.display());
    // The prompt settles where it is shown.
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label("astronaut.png")
        .click_modifiers(Modifiers::COMMAND);
    h.step();
    h.get_by_label("grace_hopper.jpg")
        .click_modifiers(Modifiers::COMMAND);
    h.step();
    h.step();
    h.get_by_label("Add 2 files").click();
    h.step();
    h.step();
    assert!(h.state().dialogs.path_prompt.is_none());
    let added: Vec<_> = h
        .state()
        .project
        .sources
        .iter()
        .map(|s| s.path.clone())
        .collect();
    assert_eq!(
        added,
        [media.join("astronaut.png"), media.join("grace_hopper.jpg")]
    );
    // The next Add starts where these came from.
    h.state_mut().choose(Purpose::AddMedia);
    h.step();
    let text = |h: &Harness<'_, StudioApp>| {
        h.state()
            .dialogs
            .path_prompt
            .as_ref()
            .map(|p| p.text.clone())
            .unwrap_or_default()
    };
    assert_eq!(text(&h), format!("{}/", media.display()));
    // And after a restart.
    drop(h);
    let mut h = studio(&state, None);
    h.step();
    h.state_mut().choose(Purpose::AddMedia);
    h.step();
    assert_eq!(text(&h), format!("{}/", media.display()));
}

#[test]
fn panel_widths_are_remembered_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let (w, h_px) = (1200.0, 760.0);
    let inspector = {
        let mut h = studio_sized(&state, None, vec2(w, h_px));
        for _ in 0..3 {
            h.step();
        }
        let before = h.state().layout.panels;
        // The inspector's inner edge, dragged 90 points to the left.
        let edge = pos2(w - before.inspector, 300.0);
        drag(&mut h, edge, edge - vec2(90.0, 0.0), Modifiers::NONE);
        for _ in 0..3 {
            h.step();
        }
        let after = h.state().layout.panels;
        assert!(
            (after.inspector - before.inspector - 90.0).abs() < 4.0,
            "the inspector went from {} to {} points wide",
            before.inspector,
            after.inspector
        );
        assert!((after.sources - before.sources).abs() < 0.5);
        after.inspector
    };
    assert!(state.join("layout.json").is_file());
    // A new run: the panel is drawn at the width it was left at.
    let mut h = studio_sized(&state, None, vec2(w, h_px));
    for _ in 0..3 {
        h.step();
    }
    let drawn = h.state().layout.panels.inspector;
    assert!(
        (drawn - inspector).abs() < 1.0,
        "drawn {drawn} wide, left at {inspector}"
    );
}

/// The landmark tooltip names the point under the pointer and appears beside the pointer, not
/// at the foot of the preview.
#[test]
fn a_landmark_tooltip_appears_by_the_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    h.state_mut().layout.view = View::Source;
    wait_for(&mut h, "idle", idle);
    let at = point_on_screen(h.state(), 30);
    h.hover_at(at);
    // Tooltips wait for the pointer to rest.
    for _ in 0..60 {
        h.step();
    }
    // The preview's own node carries the text too; the tooltip is the small one.
    let tip = h
        .query_all_by_label_contains("point 31 (nose)")
        .map(|n| n.rect())
        .min_by(|a, b| a.area().total_cmp(&b.area()))
        .expect("a tooltip");
    assert!(tip.width() < 400.0, "{tip:?}");
    let far = tip.distance_to_pos(at);
    assert!(
        far < 40.0,
        "the tooltip is {far} points from the pointer at {at:?}: {tip:?}"
    );
}

/// Every control in view — buttons, checkboxes, radio buttons, sliders, value fields, choice
/// boxes — shows a tooltip when the pointer rests on it (enabled or not).
#[test]
fn every_control_in_view_has_a_tooltip() {
    use egui::accesskit::Role;
    use egui_kittest::kittest::NodeT;
    let dir = tempfile::tempdir().unwrap();
    // Tall enough that the inspector shows everything without scrolling.
    let mut h = studio_sized(&dir.path().join("state"), None, vec2(1280.0, 1500.0));
    with_clip(&mut h);
    // A square framing, so the framing choice is shown too.
    h.state_mut().project.settings.size = vivant::pipeline::OutputSize::Fixed(1080, 1080);
    wait_for(&mut h, "idle", idle);
    let roles = [
        Role::Button,
        Role::CheckBox,
        Role::RadioButton,
        Role::Slider,
        Role::SpinButton,
        Role::ComboBox,
    ];
    let labels = |h: &Harness<'_, StudioApp>| -> std::collections::HashSet<String> {
        h.query_all_by(|_| true)
            .flat_map(|n| {
                let n = n.accesskit_node();
                [n.label(), n.value()]
            })
            .flatten()
            .collect()
    };
    let mut controls: Vec<(String, egui::Rect)> = Vec::new();
    for role in roles {
        for n in h.query_all_by_role(role) {
            let rect = n.rect();
            // The menu bar's menus open on a click; what they hold is tested with them.
            if rect.min.y < 24.0 || rect.width() < 2.0 || rect.height() < 2.0 {
                continue;
            }
            let name = n.accesskit_node().label().unwrap_or_default();
            controls.push((format!("{role:?} {name:?}"), rect));
        }
    }
    assert!(controls.len() > 30, "{controls:?}");
    let mut missing = Vec::new();
    for (name, rect) in &controls {
        h.hover_at(pos2(600.0, 5.0));
        for _ in 0..3 {
            h.step();
        }
        let before = labels(&h);
        h.hover_at(rect.center());
        // Tooltips wait for the pointer to rest.
        for _ in 0..60 {
            h.step();
        }
        let after = labels(&h);
        if after.difference(&before).next().is_none() {
            missing.push(name.clone());
        }
    }
    assert!(missing.is_empty(), "no tooltip on: {missing:#?}");
}

/// "Open with Vivant" on a picture and a clip (`vivant studio FILE…`): a new project holding
/// them, nothing else reopened.
#[test]
fn files_given_at_launch_start_a_new_project_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let media = vec![fixture("astronaut.png"), fixture("webcam_2s.mp4")];
    let mut h = studio_with(
        StudioOptions {
            project: None,
            state_dir: Some(state),
            sound: false,
            demo_on_first_launch: true,
            desktop_dialogs: false,
            media,
        },
        vec2(1200.0, 760.0),
    );
    wait_for(&mut h, "the preview", |a| {
        a.preview_ready() && a.preview.cache.get(a.preview.playhead).is_some()
    });
    let p = &h.state().project;
    assert_eq!(p.sources.len(), 1, "the demo was not opened");
    assert!(p.sources[0].path.ends_with("astronaut.png"));
    assert!(
        p.driving
            .as_ref()
            .is_some_and(|d| d.ends_with("webcam_2s.mp4"))
    );
}

/// Signing with one's own certificate, chosen in the studio (certificate, then key, through
/// the path prompt here): checked, remembered for the next run, and back to the self-issued
/// signer in one click.
#[test]
fn exports_can_be_signed_with_the_users_own_certificate() {
    use vivant::export::credentials::Signer;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = common::own_certificate(&dir.path().join("theirs"));
    let state = dir.path().join("state");
    let mut h = studio(&state, None);
    h.step();
    h.get_by_label("Signer").click();
    h.step();
    h.step();
    h.get_by_label_contains("Signed by: Vivant (self-issued)");
    h.get_by_label("Your certificate…").click();
    h.step();
    for file in [&cert, &key] {
        h.state_mut()
            .dialogs
            .path_prompt
            .as_mut()
            .expect("the prompt")
            .text = file.display().to_string();
        h.step();
        h.key_press(Key::Enter);
        h.step();
    }
    assert_eq!(
        h.state().signer(),
        Some(Signer::Own {
            cert: cert.clone(),
            key: key.clone(),
        })
    );
    h.get_by_label("Signer").click();
    h.step();
    h.step();
    h.get_by_label_contains("Signed by: signer-chain.pem");
    drop(h);
    // The next run signs with it too; "Self-issued" goes back.
    let mut h = studio(&state, None);
    h.step();
    assert!(matches!(h.state().signer(), Some(Signer::Own { .. })));
    h.get_by_label("Signer").click();
    h.step();
    h.step();
    h.get_by_label("Self-issued").click();
    h.step();
    assert!(matches!(
        h.state().signer(),
        Some(Signer::SelfIssued { .. })
    ));
    // A key that is not one is refused, and said so.
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a key").unwrap();
    h.state_mut().set_own_signer(cert, bad.clone());
    h.step();
    assert!(matches!(
        h.state().signer(),
        Some(Signer::SelfIssued { .. })
    ));
    h.get_by_label_contains("bad.pem");
}

/// Holds the studio's neural frames at one block boundary of W and G until opened, noting
/// which were held (generation, frame): a neural frame "still drawing" for as long as a test
/// needs, with no sleeping.
#[derive(Default)]
struct Gate {
    state: std::sync::Mutex<(bool, Vec<(u64, u64)>)>,
    opened: std::sync::Condvar,
}

impl Gate {
    fn probe(self: &std::sync::Arc<Self>, at: usize) -> vivant::studio::worker::NeuralProbe {
        let gate = self.clone();
        std::sync::Arc::new(move |generation, k, passed| {
            if passed != at {
                return;
            }
            let Ok(mut s) = gate.state.lock() else {
                return;
            };
            if s.0 {
                return;
            }
            s.1.push((generation, k));
            while !s.0 {
                s = match gate.opened.wait(s) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            }
        })
    }

    fn holds(&self, generation: u64, k: u64) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| !s.0 && s.1.contains(&(generation, k)))
    }

    fn open(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = true;
        }
        self.opened.notify_all();
    }
}

fn drawn_at(app: &StudioApp, k: u64) -> Option<vivant::studio::worker::Drawn> {
    app.preview.cache.get(k).map(|f| f.drawn)
}

/// A studio at `size` with the astronaut, the golden set's reduced weights, the neural engine
/// and the webcam clip, its neural frames held at boundary `at` by `gate`.
fn neural_studio(
    dir: &Path,
    size: egui::Vec2,
    gate: &std::sync::Arc<Gate>,
    at: usize,
) -> Harness<'static, StudioApp> {
    let mut h = studio_sized(&dir.join("state"), None, size);
    h.state().worker.set_neural_probe(Some(gate.probe(at)));
    // The GPU and device probes come back first (each prepares the preview again).
    wait_for(&mut h, "the device probes", |a| {
        a.gpu.is_some() && a.compute.is_some()
    });
    ready_source(&mut h, "astronaut.png");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/liveportrait");
    drop_file(&mut h, &golden.join("safetensors"));
    h.state_mut().set_engine(EngineChoice::Neural);
    drop_file(&mut h, &fixture("webcam_2s.mp4"));
    h
}

/// With the neural engine the warp engine's frame comes first, marked as a stand-in, while
/// the neural frame is drawn on its own thread; then the neural frame replaces it, with the
/// time it took. Snapshot of the stand-in at the small window sizes.
fn warp_first_then_neural(w: f32, h_px: f32) {
    use vivant::studio::worker::Drawn;
    let dir = tempfile::tempdir().unwrap();
    let gate = std::sync::Arc::new(Gate::default());
    let mut h = neural_studio(dir.path(), vec2(w, h_px), &gate, 1);
    wait_for(&mut h, "the warp stand-in, the neural frame held", |a| {
        a.preview_ready()
            && drawn_at(a, 0) == Some(Drawn::StandIn)
            && gate.holds(a.preview.generation, 0)
    });
    let app = h.state();
    assert!(app.preview.neural);
    assert_eq!(
        app.preview.shown.as_ref().map(|s| s.drawn),
        Some(Drawn::StandIn)
    );
    assert_eq!(
        app.preview_badge().as_deref(),
        Some("warp preview — neural frame drawing…")
    );
    h.get_by_label("warp preview — neural frame drawing…");
    h.get_by_label_contains("Drawing frame 0 with the neural engine");
    let stand_in = app.preview.cache.get(0).unwrap().result.clone();
    h.snapshot_options(
        format!("studio_neural_stand_in_{w}x{h_px}"),
        &snapshot_options(),
    );
    gate.open();
    wait_for(&mut h, "the neural frame", |a| {
        matches!(drawn_at(a, 0), Some(Drawn::Neural(_)))
    });
    let app = h.state();
    let Some(Drawn::Neural(took)) = app.preview.shown.as_ref().map(|s| s.drawn) else {
        panic!("the neural frame is not the one shown");
    };
    let badge = format!("neural frame: {:.1} s", took.as_secs_f64());
    assert_eq!(app.preview_badge().as_deref(), Some(badge.as_str()));
    h.get_by_label(&badge);
    assert!(h.query_by_label_contains("warp preview").is_none());
    // It is another picture: the generator's face (the reduced networks draw noise).
    let neural = app.preview.cache.get(0).unwrap().result.clone();
    assert_eq!(neural.size, stand_in.size);
    let differ = neural
        .pixels
        .iter()
        .zip(&stand_in.pixels)
        .filter(|(a, b)| a != b)
        .count();
    assert!(differ > 1000, "{differ} pixels differ");
    assert!(
        !app.notices
            .banners
            .iter()
            .any(|b| b.severity == vivant::studio::app::Severity::Error)
    );
}

#[test]
fn the_warp_frame_stands_in_until_the_neural_frame_at_1024_by_700() {
    warp_first_then_neural(1024.0, 700.0);
}

#[test]
fn the_warp_frame_stands_in_until_the_neural_frame_at_1280_by_720() {
    warp_first_then_neural(1280.0, 720.0);
}

/// A newer frame request stops the neural frame being drawn: held part way through W, frame
/// 0 is left for frame 10, whose warp stand-in comes at once (the worker is not blocked by
/// the neural frame); let go, frame 0 stops at the very boundary it was at (no further block
/// run), as a cancel, not an error; frame 10's neural frame is drawn instead. Frames already
/// drawn are kept: back on frame 10, its neural frame shows at once.
#[test]
fn a_newer_frame_request_stops_the_neural_frame_being_drawn() {
    use vivant::studio::worker::Drawn;
    let dir = tempfile::tempdir().unwrap();
    let gate = std::sync::Arc::new(Gate::default());
    let mut h = neural_studio(dir.path(), vec2(1200.0, 760.0), &gate, 3);
    wait_for(&mut h, "neural frame 0 held part way", |a| {
        a.preview_ready() && gate.holds(a.preview.generation, 0)
    });
    let generation = h.state().preview.generation;
    h.state_mut().seek(10);
    wait_for(&mut h, "frame 10's stand-in while frame 0 is held", |a| {
        drawn_at(a, 10) == Some(Drawn::StandIn)
    });
    assert!(gate.holds(generation, 0), "frame 0 was still being drawn");
    gate.open();
    wait_for(&mut h, "frame 10's neural frame", |a| {
        matches!(drawn_at(a, 10), Some(Drawn::Neural(_)))
    });
    let app = h.state();
    let cancel = app.preview.last_cancel.expect("frame 0 was stopped");
    assert_eq!((cancel.generation, cancel.k), (generation, 0));
    assert_eq!(cancel.passed, 3, "stopped where it was: {cancel:?}");
    assert!(cancel.passed < cancel.blocks, "{cancel:?}");
    assert_eq!(app.preview.cancels, 1);
    assert_eq!(
        drawn_at(app, 0),
        Some(Drawn::StandIn),
        "frame 0 never finished"
    );
    // A cancel is not a failure: no error, no "Cancelled." note.
    assert!(
        app.notices.banners.iter().all(
            |b| b.severity != vivant::studio::app::Severity::Error && !b.text.contains("ancel")
        ),
        "{:?}",
        app.notices.banners
    );
    // Back to frame 0: its neural frame is drawn now; then frame 10 again, from the cache.
    h.state_mut().seek(0);
    wait_for(&mut h, "frame 0's neural frame", |a| {
        matches!(drawn_at(a, 0), Some(Drawn::Neural(_)))
    });
    h.state_mut().seek(10);
    h.step();
    let shown = h.state().preview.shown.as_ref().map(|s| (s.key.1, s.drawn));
    assert!(
        matches!(shown, Some((10, Drawn::Neural(_)))),
        "frame 10 at once: {shown:?}"
    );
    // Playing: warp frames, and the badge says so; paused, the neural frame is drawn.
    h.state_mut().toggle_play();
    wait_for(&mut h, "a warp frame while playing", |a| {
        a.player.is_playing()
            && a.preview.playhead > 12
            && a.preview.shown.as_ref().map(|s| s.drawn) == Some(Drawn::StandIn)
    });
    assert_eq!(
        h.state().preview_badge().as_deref(),
        Some("warp preview while playing — neural frames are drawn when paused")
    );
    h.state_mut().toggle_play();
    let k = h.state().preview.playhead;
    wait_for(&mut h, "the neural frame where playback stopped", |a| {
        matches!(drawn_at(a, k), Some(Drawn::Neural(_)))
    });
}

/// An export with the neural engine says in the status bar and the export panel how many
/// frames are done of how many, and the time left from the rate measured so far.
#[test]
fn the_export_shows_frames_done_and_time_left() {
    let dir = tempfile::tempdir().unwrap();
    let gate = std::sync::Arc::new(Gate::default());
    gate.open();
    let mut h = neural_studio(dir.path(), vec2(1200.0, 760.0), &gate, 1);
    wait_for(&mut h, "the preview", |a| {
        a.preview_ready() && a.preview.cache.get(0).is_some()
    });
    let out = dir.path().join("neural.mp4");
    h.state_mut().start_export(out.clone());
    let pattern = |text: &str| {
        // "Rendering: 12 of 50 frames · 3 s left"
        let Some(rest) = text.split("Rendering: ").nth(1) else {
            return false;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        words.len() >= 7
            && words[0].parse::<u64>().is_ok_and(|d| d >= 2)
            && words[1] == "of"
            && words[2] == "50"
            && words[3] == "frames"
            && words[4] == "·"
            && words[5].parse::<u64>().is_ok()
            && words[6] == "s"
    };
    let (mut status, mut panel) = (None, None);
    let start = Instant::now();
    while h.state().exporting() && start.elapsed() < Duration::from_secs(240) {
        h.step();
        let texts: Vec<String> = h
            .query_all_by_label_contains("Rendering: ")
            .filter_map(|n| {
                use egui_kittest::kittest::NodeT;
                n.accesskit_node().label()
            })
            .collect();
        for t in texts
            .into_iter()
            .filter(|t| pattern(t) && t.ends_with(" left"))
        {
            if t.starts_with("Exporting neural.mp4 — Rendering: ") {
                status.get_or_insert(t);
            } else {
                panel.get_or_insert(t);
            }
        }
    }
    assert!(status.is_some(), "the status bar never said the time left");
    assert!(panel.is_some(), "the export panel never said the time left");
    wait_for(&mut h, "the export", |a| {
        a.export.as_ref().is_some_and(|e| e.finished.is_some())
    });
    let finished = h
        .state()
        .export
        .as_ref()
        .unwrap()
        .finished
        .as_ref()
        .unwrap();
    assert_eq!(finished.as_ref().expect("exported").frames, 50);
}

/// Perform at the small window sizes: a still face standing in for the camera (a picture
/// looped through FFmpeg's lavfi, so the snapshot holds still) and a tone for the microphone;
/// the portrait is shown live with the camera's picture and the level beside it. Then a take:
/// R counts in and records, R again stops; the take is written with its sound, listed, made
/// the driving clip, renamed, removed and brought back by Undo.
#[test]
fn perform_shows_the_portrait_live_and_records_a_take() {
    perform_at(1024.0, 700.0, true);
}

#[test]
fn perform_holds_at_1280_by_720() {
    perform_at(1280.0, 720.0, false);
}

fn perform_at(w: f32, h_px: f32, record: bool) {
    {
        let dir = tempfile::tempdir().unwrap();
        let mut h = studio_sized(dir.path(), None, vec2(w, h_px));
        ready_source(&mut h, "tanguy.png");
        h.state_mut().perform.devices = vivant::studio::app::LiveDevices {
            // Relative to the package (the tests' working folder), so the snapshot shows the
            // same text in any clone.
            camera: "lavfi:movie=tests/fixtures/grace_hopper.jpg,loop=loop=-1:size=1,fps=10".into(),
            mic: "lavfi:sine=frequency=440".into(),
        };
        h.state_mut().open_perform();
        h.state_mut().start_live();
        assert!(h.state().perform.live.is_some(), "the camera did not start");
        wait_for(&mut h, "a live frame", |a| a.perform.shown_seq.is_some());
        let texture = h
            .state()
            .perform
            .texture
            .as_ref()
            .expect("live picture")
            .size();
        let portrait = h.state().sources[0]
            .image
            .as_ref()
            .expect("portrait")
            .dimensions();
        assert_eq!(texture, [portrait.0 as usize, portrait.1 as usize]);
        h.snapshot_options(format!("studio_perform_{w}x{h_px}"), &snapshot_options());
        if !record {
            return;
        }
        // A take.
        h.key_press(Key::R);
        h.step();
        assert!(
            h.state().perform.count_in.is_some(),
            "R starts the count-in"
        );
        wait_for(&mut h, "the count-in", |a| a.perform.take.is_some());
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(1200) {
            h.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        h.key_press(Key::R);
        h.step();
        assert_eq!(h.state().project.takes.len(), 1, "the take is listed");
        let take = h.state().project.takes[0].path.clone();
        assert_eq!(h.state().project.driving.as_ref(), Some(&take));
        assert!(
            take.starts_with(dir.path().join("takes")),
            "{}",
            take.display()
        );
        let p = ffprobe(&take);
        let streams = p["streams"].as_array().expect("streams");
        assert!(
            streams.iter().any(|s| s["codec_type"] == "audio"),
            "no sound"
        );
        let seconds: f64 = p["format"]["duration"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .expect("duration");
        assert!((1.0..2.0).contains(&seconds), "{seconds} s");
        // Its analysis was made while it was recorded: analysing it now finds it in the cache
        // at once (a cancelled analysis that had to track would fail).
        let analyzer = vivant::face::Analyzer::new(
            &candle_core::Device::Cpu,
            &vivant::models::ModelSource::Embedded,
        )
        .expect("analyzer");
        let settings = h.state().project.settings.motion_settings();
        let (motion, _) = vivant::motion::DrivingMotion::analyse(
            &analyzer,
            &take,
            &settings,
            vivant::motion::cache::default_dir().as_deref(),
            &std::sync::atomic::AtomicBool::new(true),
            &|_, _| {},
        )
        .expect("the take's analysis, cached while recording");
        let frames = p["streams"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"))
            .and_then(|v| v["nb_frames"].as_str())
            .and_then(|n| n.parse::<usize>().ok())
            .expect("frames");
        assert_eq!(motion.len(), frames);
        h.state_mut().rename_take(0, "First try");
        assert_eq!(h.state().project.takes[0].name, "First try");
        h.state_mut().remove_take(0);
        assert!(h.state().project.takes.is_empty());
        h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
        h.step();
        assert_eq!(h.state().project.takes[0].name, "First try");
        assert!(take.exists(), "removing a take leaves its file");
        h.state_mut().stop_live();
        assert!(h.state().perform.live.is_none());
    }
}

/// With no camera chosen and a microphone, Record records the voice alone: a WAV take that
/// becomes the voice the portrait speaks (the voice mode), listed with the takes.
#[test]
fn a_voice_take_makes_the_portrait_speak() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "tanguy.png");
    h.state_mut().perform.devices = vivant::studio::app::LiveDevices {
        camera: String::new(),
        mic: "lavfi:sine=frequency=330".into(),
    };
    h.state_mut().toggle_record();
    assert!(h.state().perform.count_in.is_some() && h.state().perform.live.is_none());
    wait_for(&mut h, "the count-in", |a| a.perform.voice.is_some());
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(800) {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.state_mut().toggle_record();
    let app = h.state();
    assert!(app.perform.voice.is_none());
    assert_eq!(app.project.takes.len(), 1);
    let take = app.project.takes[0].path.clone();
    assert_eq!(take.extension().and_then(|e| e.to_str()), Some("wav"));
    assert_eq!(app.project.audio.as_ref(), Some(&take));
    assert!(app.voice_mode(), "the voice drives the portrait");
    let p = ffprobe(&take);
    let seconds: f64 = p["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("duration");
    assert!((0.6..1.5).contains(&seconds), "{seconds} s");
}

/// A project Vivant went down while opening (a bad weights configuration used to abort the
/// process as the engine was made ready) is not reopened by the next launch, which would go
/// down again: the window starts empty and offers it, with the reason. One launch later, or
/// with *Open anyway*, it opens; a clean exit leaves no mark.
#[test]
fn a_project_vivant_went_down_opening_is_offered_not_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let project = dir.path().join("poisoned.vivant");
    Project::default().save(&project).unwrap();
    let json = |p: &Path| serde_json::to_string(p).unwrap();
    std::fs::write(state.join("recent.json"), format!("[{}]", json(&project))).unwrap();
    std::fs::write(state.join("opening.json"), json(&project)).unwrap();

    let mut h = studio(&state, None);
    h.step();
    assert_eq!(
        h.state().project_path,
        None,
        "reopened the project it went down on"
    );
    let banner = h
        .state()
        .notices
        .banners
        .iter()
        .find(|b| {
            b.text
                .contains("stopped unexpectedly while opening poisoned.vivant")
        })
        .cloned()
        .expect("the reason, and the project offered");
    assert!(!state.join("opening.json").exists());
    let (_, action) = banner.action.clone().expect("Open anyway");
    h.state_mut().run_banner_action(banner.id, action);
    h.step();
    assert_eq!(h.state().project_path.as_deref(), Some(project.as_path()));
    // Opening marks it until it has run a while; a clean exit clears the mark.
    assert!(state.join("opening.json").exists());
    h.state_mut().on_clean_exit();
    assert!(!state.join("opening.json").exists());
    drop(h);

    // The next launch reopens the last project as usual.
    let mut h = studio(&state, None);
    h.step();
    assert_eq!(h.state().project_path.as_deref(), Some(project.as_path()));
}

/// A project with the most pictures there may be, all one file, decodes it once and shares
/// it (picture and texture); one more picture is refused with a word, the project unchanged.
#[test]
fn the_same_picture_many_times_is_decoded_once_and_the_count_is_capped() {
    use vivant::studio::project::SourceEntry;
    let dir = tempfile::tempdir().unwrap();
    let face = dir.path().join("face.jpg");
    std::fs::copy(fixture("grace_hopper.jpg"), &face).unwrap();
    let most = vivant::pipeline::MAX_SOURCES;
    let project = Project {
        sources: (0..most)
            .map(|_| SourceEntry {
                path: face.clone(),
                face: 0,
                landmarks: None,
                keep_still: Vec::new(),
            })
            .collect(),
        ..Default::default()
    };
    let file = dir.path().join("many.vivant");
    project.save(&file).unwrap();
    let mut h = studio(&dir.path().join("state"), Some(file));
    wait_for(&mut h, "every picture", |a| {
        a.sources.len() == most
            && a.sources
                .iter()
                .all(|s| matches!(s.status, SourceStatus::Ready))
    });
    let first = h.state().sources[0].image.clone().expect("decoded");
    let texture = h.state().sources[0].texture.as_ref().map(|t| t.id());
    for s in &h.state().sources {
        assert!(std::sync::Arc::ptr_eq(s.image.as_ref().unwrap(), &first));
        assert_eq!(s.texture.as_ref().map(|t| t.id()), texture);
    }
    drop_file(&mut h, &fixture("astronaut.png"));
    h.step();
    assert_eq!(h.state().project.sources.len(), most);
    assert!(
        h.state()
            .notices
            .banners
            .iter()
            .any(|b| b.text.contains("astronaut.png not added")),
        "no word of the refusal"
    );
}

/// The warp's switches for what the warp alone would stretch (the clip's mouth, real mouths
/// for a voice, opened eyes filled) and its expression details' strength are the project's,
/// on (1) by default, and each change is a step in the history.
#[test]
fn the_warps_switches_are_the_projects_and_undoable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    let engine = |h: &Harness<'_, StudioApp>| h.state().project.settings.engine.clone();
    assert_eq!(engine(&h).eye_fill(), Some(true));
    assert_eq!(engine(&h).voice_mouth(), Some(true));
    // The inspector scrolls: bring the switch into view, then press it.
    let press = |h: &mut Harness<'_, StudioApp>, label: &str| {
        h.get_by_label(label).scroll_to_me();
        for _ in 0..3 {
            h.step();
        }
        h.get_by_label(label).click();
        h.step();
    };
    press(&mut h, "Fill opened eyes");
    assert_eq!(engine(&h).eye_fill(), Some(false));
    press(&mut h, "Real mouths for a voice");
    assert_eq!(engine(&h).voice_mouth(), Some(false));
    assert_eq!(engine(&h).clip_mouth(), Some(true));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert_eq!(engine(&h).voice_mouth(), Some(true));
    assert_eq!(engine(&h).eye_fill(), Some(false));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert_eq!(engine(&h).eye_fill(), Some(true));
    // Expression details: a slider below the switches, 1 by default; a change is one step.
    assert_eq!(engine(&h).details(), Some(1.0));
    // The slider and its label both carry the name.
    let slider = h.query_all_by_label("Expression details").count();
    assert!(slider > 0, "no Expression details slider");
    if let Some(node) = h.query_all_by_label("Expression details").next() {
        node.scroll_to_me();
    }
    for _ in 0..3 {
        h.step();
    }
    h.snapshot("studio_warp_switches");
    h.state_mut().set_warp_details(0.4);
    h.step();
    assert_eq!(engine(&h).details(), Some(0.4));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert_eq!(engine(&h).details(), Some(1.0));
}

/// The Source view's keep-still brush: a stroke painted over the portrait is the project's
/// (in the picture's pixels, where it was painted), shown over the picture, one undoable step;
/// a Shift stroke rubs out; Clear takes it all away.
#[test]
fn what_is_painted_to_keep_still_is_the_projects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = studio(dir.path(), None);
    ready_source(&mut h, "astronaut.png");
    h.state_mut().layout.view = View::Source;
    h.state_mut().editing.paint_still = true;
    h.step();
    let (rect, scale) = h.state().layout.source_rect.expect("the source was drawn");
    let (from, to) = (
        rect.min + vec2(40.0, 40.0) * scale,
        rect.min + vec2(140.0, 40.0) * scale,
    );
    drag(&mut h, from, to, Modifiers::NONE);
    let strokes = h.state().project.sources[0].keep_still.clone();
    assert_eq!(strokes.len(), 1, "{strokes:?}");
    let s = &strokes[0];
    assert!(!s.erase);
    let first = s.points[0];
    let last = s.points[s.points.len() - 1];
    assert!(
        (first[0] - 40.0).abs() < 2.0 && (first[1] - 40.0).abs() < 2.0,
        "{first:?}"
    );
    assert!((last[0] - 140.0).abs() < 2.0, "{last:?}");
    assert!(
        (s.radius - 16.0 / scale).abs() < 0.01,
        "radius {}",
        s.radius
    );
    assert!(h.state().editing.still_overlay.is_some(), "not shown");
    h.hover_at(to);
    h.step();
    h.snapshot("studio_keep_still");
    assert_eq!(
        h.state().editing.history.undo_label(),
        Some("Paint keep-still")
    );
    // Shift rubs out, as a stroke of its own.
    drag(&mut h, from, to, Modifiers::SHIFT);
    let strokes = &h.state().project.sources[0].keep_still;
    assert_eq!(strokes.len(), 2);
    assert!(strokes[1].erase);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.step();
    assert!(h.state().project.sources[0].keep_still.is_empty());
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.step();
    assert_eq!(h.state().project.sources[0].keep_still.len(), 1);
    h.get_by_label("Clear").click();
    h.step();
    assert!(h.state().project.sources[0].keep_still.is_empty());
}
