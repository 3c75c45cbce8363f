//! A checkpoint file as `weights::read_file` reads it: a safetensors header, or a PyTorch
//! `.pth` (a zip holding a pickle), for any of the five networks. The first byte picks the
//! network; the format is what the rest starts with (a zip: `.pth`, else safetensors), as a
//! file named for it would be read.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use vivant::neural::weights::read_file;
use vivant::neural::{Format, Network};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let network = Network::ALL[pick as usize % Network::ALL.len()];
    let format = if bytes.starts_with(b"PK") {
        Format::Pth
    } else {
        Format::Safetensors
    };
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(bytes).and_then(|()| file.flush()).is_err() {
        return;
    }
    let _ = read_file(file.path(), network, format);
});
