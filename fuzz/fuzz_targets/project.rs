//! A `.vivant` project file: parsed as `Project::load` does, then repaired and written back as
//! the studio does when it opens one.
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
        let _ = project.to_json(path);
    }
});
