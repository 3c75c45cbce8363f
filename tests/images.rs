//! Image loading: every supported format and pixel layout, EXIF orientation, and bad files.

use std::io::Write;

use candle_core::Device;
use vivant::face::{Analyzer, Face};
use vivant::media::{ImageLoadError, load_image, load_image_from_memory};
use vivant::models::ModelSource;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn analyzer() -> Analyzer {
    Analyzer::new(&Device::Cpu, &ModelSource::Embedded).expect("analyzer")
}

/// Mean distance between two 68-point sets, as a fraction of the eye distance.
fn nme(a: &Face, b: &Face) -> f32 {
    let (r, l) = Face::eye_centres(&b.landmarks68);
    let iod = ((l[0] - r[0]).powi(2) + (l[1] - r[1]).powi(2)).sqrt();
    a.landmarks68
        .iter()
        .zip(&b.landmarks68)
        .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt())
        .sum::<f32>()
        / 68.0
        / iod
}

#[test]
fn every_format_and_pixel_layout_loads_and_finds_the_face() {
    let a = analyzer();
    let reference = load_image(fixture("formats_rgb.png")).expect("rgb").rgb8();
    let ref_face = a.analyze(&reference).expect("analyze").remove(0);
    for (name, tol) in [
        ("formats_gray.png", 0.04),
        ("formats_gray16.png", 0.04),
        ("formats_rgba.png", 0.01),
        ("formats_cmyk.jpg", 0.04),
        ("formats.webp", 0.001),
        ("formats.tiff", 0.001),
        ("formats.bmp", 0.001),
    ] {
        let img = load_image(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((img.width(), img.height()), (256, 300), "{name}");
        let rgb = img.rgb8();
        // CMYK must come out as RGB, not as inverted or channel-swapped colour: compare means.
        let mean = |im: &image::RgbImage, ch: usize| {
            im.pixels().map(|p| p.0[ch] as f64).sum::<f64>() / (im.width() * im.height()) as f64
        };
        if name == "formats_cmyk.jpg" {
            for ch in 0..3 {
                let (m, r) = (mean(&rgb, ch), mean(&reference, ch));
                assert!(
                    (m - r).abs() < 12.0,
                    "{name} channel {ch}: {m:.1} vs {r:.1}"
                );
            }
        }
        let faces = a.analyze(&rgb).expect("analyze");
        assert_eq!(faces.len(), 1, "{name}: one face");
        let err = nme(&faces[0], &ref_face);
        assert!(
            err < tol,
            "{name}: landmarks {err:.4} of eye distance from the RGB result"
        );
    }
}

#[test]
fn exif_orientation_is_applied() {
    let a = analyzer();
    let img = load_image(fixture("exif_rotated_6.jpg")).expect("load");
    // Stored 300×256 (turned), shown 256×300 (upright).
    assert!(img.reoriented);
    assert_eq!((img.width(), img.height()), (256, 300));
    let upright = load_image(fixture("upright_reference.jpg")).expect("load");
    assert!(!upright.reoriented);
    let f1 = a.analyze(&img.rgb8()).expect("analyze").remove(0);
    let f2 = a.analyze(&upright.rgb8()).expect("analyze").remove(0);
    let err = nme(&f1, &f2);
    assert!(
        err < 0.03,
        "rotated-EXIF landmarks differ by {err:.4} of the eye distance"
    );
}

#[test]
fn empty_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("empty.png");
    std::fs::File::create(&p).expect("create");
    let e = load_image(&p).expect_err("empty");
    assert!(matches!(e, ImageLoadError::Empty { .. }));
    assert!(e.to_string().contains("empty.png") && e.to_string().contains("empty"));
}

#[test]
fn missing_file_and_folder_are_clear_errors() {
    let e = load_image("/definitely/not/here.png").expect_err("missing");
    assert!(e.to_string().contains("/definitely/not/here.png"), "{e}");
    let dir = tempfile::tempdir().expect("tempdir");
    let e = load_image(dir.path()).expect_err("folder");
    assert!(e.to_string().contains("folder"), "{e}");
    // A device is not "empty" and is not read for ever.
    let e = load_image("/dev/zero").expect_err("device");
    assert!(matches!(e, ImageLoadError::NotAFile { .. }), "{e}");
    assert!(e.to_string().contains("device"), "{e}");
}

#[test]
fn text_file_is_not_an_image() {
    let e = load_image_from_memory("notes.png", b"hello, this is not a picture at all")
        .expect_err("text");
    assert!(matches!(e, ImageLoadError::Unrecognised { .. }), "{e:?}");
    assert!(e.to_string().contains("notes.png"));
}

#[test]
fn truncated_files_are_errors_not_panics() {
    for name in [
        "formats_rgb.png",
        "grace_hopper.jpg",
        "formats.webp",
        "formats.tiff",
        "formats.bmp",
    ] {
        let bytes = std::fs::read(fixture(name)).expect("read");
        for cut in [bytes.len() / 2, 40, 8] {
            // A JPEG decoder fills a cut-off scan with grey; Vivant must not take that for the
            // picture.
            let e = load_image_from_memory(name, &bytes[..cut])
                .expect_err(&format!("{name} cut at {cut} decoded without error"));
            assert!(e.to_string().contains(name), "{e}");
            if name.ends_with(".jpg") && cut > 40 {
                assert!(matches!(e, ImageLoadError::Truncated { .. }), "{e}");
                assert!(e.to_string().contains("cut short"), "{e}");
            }
        }
    }
    // The whole file, and the whole file with bytes after its end (as cameras append), load.
    let bytes = std::fs::read(fixture("grace_hopper.jpg")).expect("read");
    load_image_from_memory("whole.jpg", &bytes).expect("whole");
    let mut padded = bytes.clone();
    padded.extend_from_slice(&[0u8; 100]);
    load_image_from_memory("padded.jpg", &padded).expect("padded");
}

/// A small JPEG whose header says 30000 × 30000 (2.7 GB of pixels) is refused from its
/// header, before anything is allocated (the JPEG decoder ignores the allocation limit).
#[test]
fn a_jpeg_declaring_a_huge_size_is_refused_before_decoding() {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(16, 16, image::Rgb([90, 120, 200]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .expect("encode");
    refused_as_huge(bytes);
}

/// The same in grey: 0.9 GB as stored, but 2.7 GB once made RGB for analysis (it used to pass
/// the guard and peak at 6.2 GB).
#[test]
fn a_greyscale_jpeg_declaring_a_huge_size_is_refused_before_decoding() {
    let mut bytes = Vec::new();
    image::GrayImage::from_pixel(16, 16, image::Luma([120]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .expect("encode");
    refused_as_huge(bytes);
}

/// `bytes` (a small JPEG) with its frame header patched to 30000 × 30000 is refused at once.
fn refused_as_huge(mut bytes: Vec<u8>) {
    // The frame header (SOF0/SOF2): FF C0|C2, length, precision, height, width.
    let sof = bytes
        .windows(2)
        .position(|w| w[0] == 0xFF && (w[1] == 0xC0 || w[1] == 0xC2))
        .expect("SOF");
    bytes[sof + 5..sof + 7].copy_from_slice(&30000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&30000u16.to_be_bytes());
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("bomb.jpg");
    std::fs::write(&p, &bytes).expect("write");
    let started = std::time::Instant::now();
    let e = load_image(&p).expect_err("bomb");
    assert!(matches!(e, ImageLoadError::TooLarge { .. }), "{e:?}");
    assert!(e.to_string().contains("30000×30000"), "{e}");
    // Refused from the header: nothing near a second of decoding happened.
    assert!(started.elapsed().as_secs_f64() < 5.0);
}

/// A PNG whose header claims 100 000 × 100 000 pixels (a decompression bomb) is refused before
/// any pixel buffer is allocated.
#[test]
fn huge_dimensions_are_refused() {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    // A PNG of `side`² pixels of `colour` type (2 RGB, 6 RGBA) with one empty data chunk.
    let header_only = |side: u32, colour: u8| {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend(side.to_be_bytes());
        ihdr.extend(side.to_be_bytes());
        ihdr.extend([8, colour, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(
            &mut png,
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        chunk(&mut png, b"IEND", &[]);
        png
    };
    let png = header_only(100_000, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("bomb.png");
    std::fs::File::create(&p)
        .and_then(|mut f| f.write_all(&png))
        .expect("write");
    let e = load_image(&p).expect_err("bomb");
    assert!(matches!(e, ImageLoadError::TooLarge { .. }), "{e:?}");
    assert!(e.to_string().contains("bomb.png"));
    // Within the per-side limit, but 30000² RGBA is 3.6 GB: refused from the header too.
    let png = header_only(30_000, 6);
    std::fs::write(&p, &png).expect("write");
    let e = load_image(&p).expect_err("alpha bomb");
    assert!(matches!(e, ImageLoadError::TooLarge { .. }), "{e:?}");
}
