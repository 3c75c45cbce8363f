//! A `.vivant` project file: parsed as `Project::load` does, then repaired, its media looked
//! for, its output size named and the project written back, as the studio does with one.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vivant::studio::project::Project;

fuzz_target!(|data: &[u8]| {
    // `Project::load` reads the file as UTF-8; anything else is an error before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("/fuzz/project.vivant");
    if let Ok(mut project) = Project::parse(text, path) {
        let _ = project.repair();
        let _ = project.missing();
        let _ = project.settings.size.label();
        let _ = project.settings.size.size(1920, 1080);
        let _ = project.to_json(path);
    }
});
