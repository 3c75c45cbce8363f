//! The command table's actions carried out: queued by the panels and the keyboard while a
//! frame is drawn, run once it is drawn, so no panel changes the project in the middle of
//! another's drawing.

use super::{Discard, HelpPage, Purpose, StudioApp};
use crate::studio::commands::Command;

impl StudioApp {
    /// Run `command` once this frame is drawn (when it can run then).
    pub fn queue(&mut self, command: Command) {
        self.queued.push(command);
    }

    /// Run the commands queued during the frame, in order.
    pub fn run_queued(&mut self) {
        for command in std::mem::take(&mut self.queued) {
            if self.can(command) {
                self.run(command);
            }
        }
    }

    /// Whether `command` can run now.
    pub fn can(&self, command: Command) -> bool {
        let app = self;
        let has_frames = app.preview.frames > 0;
        match command {
            Command::Undo => app.editing.history.can_undo(),
            Command::Redo => app.editing.history.can_redo(),
            Command::PlayPause
            | Command::PlayInToOut
            | Command::PreviousFrame
            | Command::NextFrame
            | Command::GoToStart
            | Command::GoToEnd
            | Command::ShuttleBackward
            | Command::ShuttleStop
            | Command::ShuttleForward
            | Command::SetIn
            | Command::SetOut => has_frames,
            Command::ClearRange => {
                let s = &app.project.settings;
                s.start_s.is_some() || s.end_s.is_some()
            }
            _ => true,
        }
    }

    fn run(&mut self, command: Command) {
        let app = self;
        match command {
            Command::NewProject => app.request(Discard::NewProject),
            Command::OpenProject => app.request(Discard::ChooseProject),
            Command::SaveProject => match app.project_path.clone() {
                Some(p) => {
                    app.save_project(&p);
                }
                None => app.choose(Purpose::SaveProject),
            },
            Command::SaveProjectAs => app.choose(Purpose::SaveProject),
            Command::AddMedia => app.choose(Purpose::AddMedia),
            Command::ExportMp4 => app.choose(Purpose::Export),
            Command::Quit => app.request(Discard::Quit),
            Command::Undo => app.undo(),
            Command::Redo => app.redo(),
            Command::PlayPause => app.toggle_play(),
            Command::PlayInToOut => app.play_in_to_out(),
            Command::LoopPlayback => app.preview.looping = !app.preview.looping,
            Command::PreviousFrame => app.seek(app.preview.playhead as i64 - 1),
            Command::NextFrame => app.seek(app.preview.playhead as i64 + 1),
            Command::GoToStart => app.seek(0),
            Command::GoToEnd => app.seek(i64::MAX),
            Command::ShuttleBackward => app.shuttle(-1),
            Command::ShuttleStop => app.shuttle(0),
            Command::ShuttleForward => app.shuttle(1),
            Command::SetIn => app.set_in(),
            Command::SetOut => app.set_out(),
            Command::ClearRange => app.clear_range(),
            Command::ToggleLandmarks => app.layout.show_landmarks = !app.layout.show_landmarks,
            Command::FitToWindow => app.layout.fit(),
            Command::Perform => app.perform_live(),
            Command::Record => app.toggle_record(),
            Command::CommandPalette => app.open_palette(),
            Command::Help => app.dialogs.help = Some(HelpPage::Shortcuts),
        }
    }
}
