//! The image front end: format sniffing, the JPEG completeness check, the size guard, the
//! decoders under their limits, EXIF orientation, and the RGB copy analysis makes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = vivant::media::image::load_image_from_memory("fuzz.img", data) {
        let _ = image.rgb8();
    }
});
