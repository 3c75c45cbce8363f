//! Every action a user can take by name, in one table: the menus, the keyboard, the tooltips,
//! the command palette and the tests all read it, so an action's name and shortcut are said
//! once. A command is data: the panels queue it on the app (`StudioApp::queue`), which runs it
//! after the frame and says when it is available (`StudioApp::can`).

use egui::{Key, KeyboardShortcut, Modifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    NewProject,
    OpenProject,
    SaveProject,
    SaveProjectAs,
    AddMedia,
    ExportMp4,
    Quit,
    Undo,
    Redo,
    PlayPause,
    PlayInToOut,
    LoopPlayback,
    PreviousFrame,
    NextFrame,
    GoToStart,
    GoToEnd,
    ShuttleBackward,
    ShuttleStop,
    ShuttleForward,
    SetIn,
    SetOut,
    ClearRange,
    ToggleLandmarks,
    FitToWindow,
    Perform,
    Record,
    CommandPalette,
    Help,
}

/// When a shortcut is listened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Always (with a modifier, so typing never triggers it).
    Anywhere,
    /// Plain keys: not while a text field is being typed in, nor under a dialog.
    Transport,
}

/// A command's name, what it does (the tooltip), its shortcuts and their scope.
pub struct Spec {
    pub name: &'static str,
    pub help: &'static str,
    pub shortcuts: &'static [KeyboardShortcut],
    pub scope: Scope,
}

const fn cmd(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, key)
}

const fn cmd_shift(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(
        Modifiers {
            alt: false,
            ctrl: false,
            shift: true,
            mac_cmd: false,
            command: true,
        },
        key,
    )
}

const fn plain(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, key)
}

impl Command {
    pub const ALL: [Command; 28] = [
        Command::NewProject,
        Command::OpenProject,
        Command::SaveProject,
        Command::SaveProjectAs,
        Command::AddMedia,
        Command::ExportMp4,
        Command::Quit,
        Command::Undo,
        Command::Redo,
        Command::PlayPause,
        Command::PlayInToOut,
        Command::LoopPlayback,
        Command::PreviousFrame,
        Command::NextFrame,
        Command::GoToStart,
        Command::GoToEnd,
        Command::ShuttleBackward,
        Command::ShuttleStop,
        Command::ShuttleForward,
        Command::SetIn,
        Command::SetOut,
        Command::ClearRange,
        Command::ToggleLandmarks,
        Command::FitToWindow,
        Command::Perform,
        Command::Record,
        Command::CommandPalette,
        Command::Help,
    ];

    pub fn spec(self) -> Spec {
        use Scope::{Anywhere, Transport};
        let (name, help, shortcuts, scope): (_, _, &'static [KeyboardShortcut], _) = match self {
            Command::NewProject => ("New project", "Start an empty project", &[], Anywhere),
            Command::OpenProject => (
                "Open project…",
                "Open a .vivant project",
                const { &[cmd(Key::O)] },
                Anywhere,
            ),
            Command::SaveProject => (
                "Save project",
                "Save the project to its file",
                const { &[cmd(Key::S)] },
                Anywhere,
            ),
            Command::SaveProjectAs => (
                "Save project as…",
                "Save the project to a new file",
                const { &[cmd_shift(Key::S)] },
                Anywhere,
            ),
            Command::AddMedia => (
                "Add media…",
                "Add a portrait, a driving clip or a soundtrack",
                &[],
                Anywhere,
            ),
            Command::ExportMp4 => (
                "Export MP4…",
                "Render the animation with its sound to an MP4 file",
                const { &[cmd(Key::E)] },
                Anywhere,
            ),
            Command::Quit => ("Quit", "Close Vivant", const { &[cmd(Key::Q)] }, Anywhere),
            Command::Undo => (
                "Undo",
                "Undo the last change to the project",
                const { &[cmd(Key::Z)] },
                Anywhere,
            ),
            Command::Redo => (
                "Redo",
                "Redo the change just undone",
                const { &[cmd_shift(Key::Z), cmd(Key::Y)] },
                Anywhere,
            ),
            Command::PlayPause => (
                "Play / pause",
                "Play from the playhead to the out point or the end, or pause",
                const { &[plain(Key::Space)] },
                Transport,
            ),
            Command::PlayInToOut => (
                "Play in to out",
                "Play the range to export, from its in point to its out point",
                const { &[KeyboardShortcut::new(Modifiers::SHIFT, Key::Space)] },
                Transport,
            ),
            Command::LoopPlayback => (
                "Loop playback",
                "At the out point (or the end), play on from the in point (or the start)",
                const { &[cmd(Key::L)] },
                Anywhere,
            ),
            Command::PreviousFrame => (
                "Previous frame",
                "Step one frame back",
                const { &[plain(Key::ArrowLeft)] },
                Transport,
            ),
            Command::NextFrame => (
                "Next frame",
                "Step one frame on",
                const { &[plain(Key::ArrowRight)] },
                Transport,
            ),
            Command::GoToStart => (
                "Go to start",
                "The first frame",
                const { &[plain(Key::Home)] },
                Transport,
            ),
            Command::GoToEnd => (
                "Go to end",
                "The last frame",
                const { &[plain(Key::End)] },
                Transport,
            ),
            Command::ShuttleBackward => (
                "Shuttle backward",
                "Play backward; again to go faster",
                const { &[plain(Key::J)] },
                Transport,
            ),
            Command::ShuttleStop => (
                "Shuttle stop",
                "Stop playing",
                const { &[plain(Key::K)] },
                Transport,
            ),
            Command::ShuttleForward => (
                "Shuttle forward",
                "Play forward; again to go faster",
                const { &[plain(Key::L)] },
                Transport,
            ),
            Command::SetIn => (
                "Set in point",
                "Start the exported range at the playhead",
                const { &[plain(Key::I)] },
                Transport,
            ),
            Command::SetOut => (
                "Set out point",
                "End the exported range at the playhead",
                const { &[plain(Key::O)] },
                Transport,
            ),
            Command::ClearRange => ("Clear range", "Export the whole clip again", &[], Transport),
            Command::ToggleLandmarks => (
                "Show landmarks",
                "Draw the 68 landmarks over the pictures",
                &[],
                Transport,
            ),
            Command::FitToWindow => ("Fit to window", "Show the whole picture", &[], Transport),
            Command::Perform => (
                "Perform live",
                "Turn the camera on: the portrait follows your face; record takes",
                &[],
                Anywhere,
            ),
            Command::Record => (
                "Record / stop take",
                "Record a take from the camera and microphone after a 3-2-1 count-in, or stop it",
                const { &[plain(Key::R)] },
                Transport,
            ),
            Command::CommandPalette => (
                "Command palette…",
                "Find any command by typing its name",
                const { &[cmd_shift(Key::P)] },
                Anywhere,
            ),
            Command::Help => (
                "Keyboard shortcuts and help",
                "Every shortcut, where the neural engine's weights come from, and about Vivant",
                const { &[plain(Key::F1)] },
                Anywhere,
            ),
        };
        Spec {
            name,
            help,
            shortcuts,
            scope,
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The first shortcut, as shown in menus.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        self.spec().shortcuts.first().copied()
    }

    /// "What it does (Ctrl+S)": the tooltip, with the shortcut in this platform's words.
    pub fn tooltip(self, ctx: &egui::Context) -> String {
        let spec = self.spec();
        match spec.shortcuts.first() {
            Some(s) => format!("{} ({})", spec.help, ctx.format_shortcut(s)),
            None => spec.help.to_string(),
        }
    }

    /// Commands whose name matches `query`: every word of it starts a word of the name, or
    /// appears in it (case-insensitive); an empty query matches all.
    pub fn matching(query: &str) -> Vec<Command> {
        let words: Vec<String> = query.split_whitespace().map(|w| w.to_lowercase()).collect();
        Command::ALL
            .into_iter()
            .filter(|c| *c != Command::CommandPalette)
            .filter(|c| {
                let name = c.name().to_lowercase();
                words.iter().all(|w| name.contains(w.as_str()))
            })
            .collect()
    }
}

/// The command palette's state while it is open.
#[derive(Clone, Debug, Default)]
pub struct Palette {
    pub query: String,
    /// Index into the matching commands.
    pub selected: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_commands_share_a_shortcut_and_every_one_is_named() {
        let mut seen = Vec::new();
        for c in Command::ALL {
            let spec = c.spec();
            assert!(!spec.name.is_empty() && !spec.help.is_empty(), "{c:?}");
            for s in spec.shortcuts {
                assert!(!seen.contains(s), "{c:?}: {s:?} is taken");
                seen.push(*s);
                // Plain keys would fire while typing: only transport keys may be plain (and
                // function keys, which no text takes).
                if s.modifiers.is_none() && !matches!(s.logical_key, Key::F1) {
                    assert_eq!(spec.scope, Scope::Transport, "{c:?}");
                }
            }
        }
    }

    #[test]
    fn the_palette_finds_commands_by_words_of_their_names() {
        assert_eq!(Command::matching("export"), [Command::ExportMp4]);
        assert_eq!(
            Command::matching("sav as"),
            [Command::SaveProjectAs],
            "words may be the starts of words"
        );
        assert!(Command::matching("frame").contains(&Command::NextFrame));
        assert!(Command::matching("no such thing").is_empty());
        assert_eq!(Command::matching("").len(), Command::ALL.len() - 1);
    }
}
