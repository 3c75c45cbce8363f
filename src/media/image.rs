//! Image loading for all of Vivant: PNG, JPEG, WebP, TIFF and BMP, upright (EXIF orientation
//! applied), any pixel format (grey, 16-bit, alpha, CMYK JPEG) reduced to what the pipeline
//! uses, with decoding limits so a hostile file cannot exhaust memory.

use std::io::{BufRead, Cursor, Seek};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

/// Largest side accepted, in pixels. Museum scans reach ~20k; beyond that is a bomb or a mistake.
pub const MAX_SIDE: u32 = 32_768;
/// Largest decoded buffer accepted, in bytes.
pub const MAX_ALLOC: u64 = 2 << 30;

#[derive(Debug, thiserror::Error)]
pub enum ImageLoadError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error(
        "{path}: not an image Vivant can read (unrecognised file signature); use PNG, JPEG, WebP, TIFF or BMP"
    )]
    Unrecognised { path: PathBuf },
    #[error("{path}: not an image Vivant can read ({source}); use PNG, JPEG, WebP, TIFF or BMP")]
    Format {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
    #[error(
        "{path}: image is too large ({reason}); the limits are {MAX_SIDE} pixels a side and {} GB decoded",
        MAX_ALLOC >> 30
    )]
    TooLarge { path: PathBuf, reason: String },
    #[error(
        "{path}: the file is cut short (it ends in the middle of the picture, as an interrupted download or copy does); use the complete file"
    )]
    Truncated { path: PathBuf },
    #[error("{path}: {what}, not an image file")]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("{path}: the image data is damaged or truncated ({source})")]
    Decode {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
}

/// A decoded image, upright.
#[derive(Debug, Clone)]
pub struct LoadedImage {
    pub path: PathBuf,
    /// Pixels in display orientation, in the file's own pixel format.
    pub image: DynamicImage,
    /// Whether an EXIF orientation other than "normal" was applied.
    pub reoriented: bool,
}

impl LoadedImage {
    pub fn width(&self) -> u32 {
        self.image.width()
    }

    pub fn height(&self) -> u32 {
        self.image.height()
    }

    /// 8-bit RGB for analysis: grey is replicated, 16-bit is rounded, alpha is dropped.
    pub fn rgb8(&self) -> RgbImage {
        self.image.to_rgb8()
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_ALLOC);
    l
}

/// Load an image file, upright.
pub fn load_image(path: impl AsRef<Path>) -> Result<LoadedImage, ImageLoadError> {
    let path = path.as_ref();
    let meta = std::fs::metadata(path).map_err(|source| ImageLoadError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(what) = crate::media::not_regular(&meta) {
        return Err(ImageLoadError::NotAFile {
            path: path.to_path_buf(),
            what,
        });
    }
    if meta.len() == 0 {
        return Err(ImageLoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_ALLOC {
        return Err(ImageLoadError::TooLarge {
            path: path.to_path_buf(),
            reason: format!("a {:.1} GB file", meta.len() as f64 / 1e9),
        });
    }
    // Read whole (compressed files are small beside their pixels), so that the container can
    // be checked for completeness before decoding.
    let bytes = std::fs::read(path).map_err(|source| ImageLoadError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    load_image_from_memory(path, &bytes)
}

/// Load an image from bytes already in memory; `name` is used in error messages.
pub fn load_image_from_memory(
    name: impl AsRef<Path>,
    bytes: &[u8],
) -> Result<LoadedImage, ImageLoadError> {
    let path = name.as_ref();
    if bytes.is_empty() {
        return Err(ImageLoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|source| ImageLoadError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_complete(bytes) {
        return Err(ImageLoadError::Truncated {
            path: path.to_path_buf(),
        });
    }
    decode(path, reader)
}

/// Whether a JPEG's segments and entropy-coded data run to its end-of-image marker. A cut-off
/// JPEG otherwise decodes "successfully" with its missing lower part filled grey.
fn jpeg_complete(b: &[u8]) -> bool {
    let mut i = 2;
    loop {
        // The next marker: 0xFF (fill bytes allowed), then its code.
        while i < b.len() && b[i] != 0xFF {
            i += 1;
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&code) = b.get(i) else {
            return false;
        };
        i += 1;
        match code {
            0xD9 => return true,
            // Markers without a length: restarts, TEM, and a stray SOI.
            0xD0..=0xD8 | 0x01 => continue,
            _ => {
                let (Some(&hi), Some(&lo)) = (b.get(i), b.get(i + 1)) else {
                    return false;
                };
                i += u16::from_be_bytes([hi, lo]) as usize;
                if i > b.len() {
                    return false;
                }
                if code == 0xDA {
                    // A scan's data runs to the next marker that is not a stuffed 0xFF00, a
                    // restart or a fill byte.
                    loop {
                        while i < b.len() && b[i] != 0xFF {
                            i += 1;
                        }
                        let Some(&next) = b.get(i + 1) else {
                            return false;
                        };
                        match next {
                            0x00 | 0xD0..=0xD7 => i += 2,
                            0xFF => i += 1,
                            _ => break,
                        }
                    }
                }
            }
        }
    }
}

fn decode<R: BufRead + Seek>(
    path: &Path,
    mut reader: ImageReader<R>,
) -> Result<LoadedImage, ImageLoadError> {
    if reader.format().is_none() {
        return Err(ImageLoadError::Unrecognised {
            path: path.to_path_buf(),
        });
    }
    reader.limits(limits());
    let classify = |e: image::ImageError| match e {
        image::ImageError::Limits(l) => ImageLoadError::TooLarge {
            path: path.to_path_buf(),
            reason: l.to_string(),
        },
        unsupported @ image::ImageError::Unsupported(_) => ImageLoadError::Format {
            path: path.to_path_buf(),
            source: unsupported,
        },
        other => ImageLoadError::Decode {
            path: path.to_path_buf(),
            source: other,
        },
    };
    let mut decoder = reader.into_decoder().map_err(classify)?;
    // The decoders do not all honour `max_alloc` (JPEG does not): check the header's size
    // before a single pixel is allocated, as decoded or as the RGB copy analysis makes of it,
    // whichever is larger (a grey picture triples).
    let (w, h) = decoder.dimensions();
    let bytes = decoder.total_bytes().max(u64::from(w) * u64::from(h) * 3);
    if bytes > MAX_ALLOC {
        return Err(ImageLoadError::TooLarge {
            path: path.to_path_buf(),
            reason: format!("{w}×{h}, {:.1} GB decoded", bytes as f64 / 1e9),
        });
    }
    // A broken EXIF block should not cost the user the picture: treat it as "no rotation".
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(classify)?;
    let reoriented = orientation != image::metadata::Orientation::NoTransforms;
    image.apply_orientation(orientation);
    Ok(LoadedImage {
        path: path.to_path_buf(),
        image,
        reoriented,
    })
}
