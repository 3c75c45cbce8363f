//! Summaries for a timeline: evenly spaced thumbnails of a clip, and the audio waveform as
//! min/max envelopes that can be drawn at any zoom without decoding again.

use std::path::Path;

use image::RgbImage;

use super::audio::{AudioFormat, AudioSource, SampleSource};
use super::av::MediaError;
use super::video::{RgbConversion, VideoSource};

/// One thumbnail: the frame shown at `time_s`, scaled to fit the requested box.
#[derive(Clone, Debug)]
pub struct Thumbnail {
    pub index: u64,
    pub time_s: f64,
    pub image: RgbImage,
}

/// Which frame a thumbnail shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThumbnailTiming {
    /// The frame on screen at the slice's centre.
    Exact,
    /// The keyframe at or before it: one decode per thumbnail instead of up to a GOP's worth
    /// (a first strip for a long clip, refined later).
    Keyframe,
}

/// `count` thumbnails at the centres of equal slices of the clip, each fitted inside
/// `max_width` × `max_height` (aspect kept).
pub fn thumbnails(
    src: &mut VideoSource,
    count: usize,
    max_width: u32,
    max_height: u32,
    timing: ThumbnailTiming,
) -> Result<Vec<Thumbnail>, MediaError> {
    let times = src.frame_times()?;
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
        return Ok(Vec::new());
    };
    // The clip runs to the end of its last frame.
    let step = if times.len() > 1 {
        (last - first) / (times.len() - 1) as f64
    } else {
        0.0
    };
    let span = last + step - first;
    // Thumbnails are small: the fast RGB path loses nothing visible after the downscale and
    // is 3–5× cheaper on HD frames.
    let conversion = src.conversion();
    src.set_conversion(RgbConversion::Fast);
    let result = collect_thumbnails(src, count, max_width, max_height, timing, first, span);
    src.set_conversion(conversion);
    result
}

fn collect_thumbnails(
    src: &mut VideoSource,
    count: usize,
    max_width: u32,
    max_height: u32,
    timing: ThumbnailTiming,
    first: f64,
    span: f64,
) -> Result<Vec<Thumbnail>, MediaError> {
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let t = first + span * (k as f64 + 0.5) / count as f64;
        let f = match timing {
            ThumbnailTiming::Exact => src.frame_at(t)?,
            ThumbnailTiming::Keyframe => src.keyframe_at(t)?,
        };
        let (w, h) = f.image.dimensions();
        let s = (max_width as f64 / w as f64)
            .min(max_height as f64 / h as f64)
            .min(1.0);
        let (tw, th) = (
            ((w as f64 * s).round() as u32).max(1),
            ((h as f64 * s).round() as u32).max(1),
        );
        let image = if (tw, th) == (w, h) {
            f.image
        } else {
            image::imageops::resize(&f.image, tw, th, image::imageops::FilterType::Triangle)
        };
        out.push(Thumbnail {
            index: f.index,
            time_s: f.time_s,
            image,
        });
    }
    Ok(out)
}

/// Samples per block of the stored envelope.
const BLOCK: usize = 256;

/// The waveform of a sound track: min/max of the mono mix per block of 256 samples at the
/// track's own rate (11.6 ms at 22 kHz, 5.3 ms at 48 kHz; 90 KB per minute at 48 kHz), so
/// any view can be drawn from it without decoding again.
#[derive(Clone, Debug, Default)]
pub struct Waveform {
    pub sample_rate: u32,
    pub samples: u64,
    min: Vec<f32>,
    max: Vec<f32>,
}

impl Waveform {
    /// Read the whole track once, streaming.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, MediaError> {
        let probe = AudioSource::open(path.as_ref(), AudioFormat::new(48000, 1))?;
        let rate = match probe.info().sample_rate {
            0 => 48000,
            r => r,
        };
        drop(probe);
        let mut src = AudioSource::open(path.as_ref(), AudioFormat::new(rate, 1))?;
        let mut wave = Waveform {
            sample_rate: rate,
            ..Default::default()
        };
        let mut buf = vec![0.0f32; BLOCK * 16];
        let (mut lo, mut hi, mut filled) = (f32::INFINITY, f32::NEG_INFINITY, 0usize);
        loop {
            let n = src.read(&mut buf)?;
            if n == 0 {
                break;
            }
            for &v in &buf[..n] {
                lo = lo.min(v);
                hi = hi.max(v);
                filled += 1;
                if filled == BLOCK {
                    wave.min.push(lo);
                    wave.max.push(hi);
                    (lo, hi, filled) = (f32::INFINITY, f32::NEG_INFINITY, 0);
                }
            }
            wave.samples += n as u64;
        }
        if filled > 0 {
            wave.min.push(lo);
            wave.max.push(hi);
        }
        Ok(wave)
    }

    pub fn duration_s(&self) -> f64 {
        self.samples as f64 / self.sample_rate.max(1) as f64
    }

    /// `buckets` (min, max) pairs covering `start_s .. end_s`; buckets finer than the stored
    /// blocks repeat the block they fall in, buckets past the end are (0, 0).
    pub fn range(&self, start_s: f64, end_s: f64, buckets: usize) -> Vec<(f32, f32)> {
        let blocks_per_s = self.sample_rate as f64 / BLOCK as f64;
        let n = self.min.len();
        (0..buckets)
            .map(|b| {
                let t0 = start_s + (end_s - start_s) * b as f64 / buckets as f64;
                let t1 = start_s + (end_s - start_s) * (b + 1) as f64 / buckets as f64;
                let i0 = (t0 * blocks_per_s).floor().max(0.0) as usize;
                let i1 = ((t1 * blocks_per_s).ceil().max(0.0) as usize).max(i0 + 1);
                if i0 >= n {
                    return (0.0, 0.0);
                }
                let i1 = i1.min(n);
                let lo = self.min[i0..i1]
                    .iter()
                    .fold(f32::INFINITY, |a, &v| a.min(v));
                let hi = self.max[i0..i1]
                    .iter()
                    .fold(f32::NEG_INFINITY, |a, &v| a.max(v));
                (lo, hi)
            })
            .collect()
    }

    /// `buckets` (min, max) pairs over the whole track.
    pub fn buckets(&self, buckets: usize) -> Vec<(f32, f32)> {
        self.range(0.0, self.duration_s(), buckets)
    }
}
