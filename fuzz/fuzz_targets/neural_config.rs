//! The weights folder's `config.json`: parsed, its sizes and the sections' constraints checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vivant::neural::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = Config::from_json(text) {
        let _ = config.input_size();
        let _ = config.input_multiple();
    }
});
