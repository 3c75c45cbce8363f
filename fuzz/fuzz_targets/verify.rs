//! `vivant verify` on arbitrary bytes: the file type from its first bytes, the C2PA manifest
//! found, parsed and validated, and summarised.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).and_then(|()| file.flush()).is_err() {
        return;
    }
    let _ = vivant::export::credentials::verify(file.path());
});
