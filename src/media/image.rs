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
    #[error("{path}: not an image Vivant can read ({reason}); use PNG, JPEG, WebP, TIFF or BMP")]
    Format { path: PathBuf, reason: String },
    #[error("{path}: image is too large ({reason}); the limit is {MAX_SIDE}×{MAX_SIDE} pixels")]
    TooLarge { path: PathBuf, reason: String },
    #[error("{path}: the image data is damaged or truncated ({reason})")]
    Decode { path: PathBuf, reason: String },
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
    if meta.is_dir() {
        return Err(ImageLoadError::Format {
            path: path.to_path_buf(),
            reason: "it is a folder".into(),
        });
    }
    if meta.len() == 0 {
        return Err(ImageLoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let reader = ImageReader::open(path).map_err(|source| ImageLoadError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    decode(path, reader)
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
    decode(path, ImageReader::new(Cursor::new(bytes)))
}

fn decode<R: BufRead + Seek>(
    path: &Path,
    reader: ImageReader<R>,
) -> Result<LoadedImage, ImageLoadError> {
    let mut reader = reader
        .with_guessed_format()
        .map_err(|source| ImageLoadError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    if reader.format().is_none() {
        return Err(ImageLoadError::Format {
            path: path.to_path_buf(),
            reason: "unrecognised file signature".into(),
        });
    }
    reader.limits(limits());
    let classify = |e: image::ImageError| match e {
        image::ImageError::Limits(l) => ImageLoadError::TooLarge {
            path: path.to_path_buf(),
            reason: l.to_string(),
        },
        image::ImageError::Unsupported(u) => ImageLoadError::Format {
            path: path.to_path_buf(),
            reason: u.to_string(),
        },
        other => ImageLoadError::Decode {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    };
    let mut decoder = reader.into_decoder().map_err(classify)?;
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
