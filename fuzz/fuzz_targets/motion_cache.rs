//! A motion analysis file as the cache opens it (format 3: layout, header, hash, every record
//! checked), then every frame read back as a render does.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use vivant::motion::DrivingMotion;

fuzz_target!(|data: &[u8]| {
    // The reader takes a file (it reads records by offset, never the whole analysis).
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).and_then(|()| file.flush()).is_err() {
        return;
    }
    if let Ok(motion) = DrivingMotion::open_analysis(file.path()) {
        for i in 0..motion.len() {
            let _ = motion.landmarks(i);
            let _ = motion.observation(i);
        }
        let _ = motion.found_fraction();
    }
});
