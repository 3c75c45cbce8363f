//! FFmpeg plumbing shared by the decoders (`video`, `audio`) and the exporter: one-time
//! initialisation, the error type, and rational/time conversions.

use std::path::{Path, PathBuf};

use ffmpeg_next as ffmpeg;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is {what}, not a media file")]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error("{path}: not a media file FFmpeg can read ({source})")]
    Format {
        path: PathBuf,
        #[source]
        source: ffmpeg::Error,
    },
    #[error("{path}: has no video stream")]
    NoVideo { path: PathBuf },
    #[error("{path}: has no audio stream")]
    NoAudio { path: PathBuf },
    #[error(
        "{path}: the file is cut short ({have} of the {need} bytes it declares; an interrupted download or copy?); use the complete file"
    )]
    Truncated { path: PathBuf, have: u64, need: u64 },
    #[error("{device}: {reason}")]
    Device { device: String, reason: String },
    #[error("{path}: {what}: {cause}")]
    Decode {
        path: PathBuf,
        what: &'static str,
        #[source]
        cause: Cause,
    },
}

/// Why decoding failed: FFmpeg's own error, or what Vivant found wrong with the data.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    #[error(transparent)]
    Ffmpeg(#[from] ffmpeg::Error),
    #[error("{0}")]
    Invalid(String),
}

impl From<&str> for Cause {
    fn from(s: &str) -> Self {
        Cause::Invalid(s.to_string())
    }
}

impl From<String> for Cause {
    fn from(s: String) -> Self {
        Cause::Invalid(s)
    }
}

pub(crate) fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Only errors can fail here, and they resurface on open with the file's name.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
    });
}

pub(crate) fn decode_error(path: &Path, what: &'static str, cause: impl Into<Cause>) -> MediaError {
    MediaError::Decode {
        path: path.to_path_buf(),
        what,
        cause: cause.into(),
    }
}

pub(crate) fn rational_f64(r: ffmpeg::Rational) -> f64 {
    if r.denominator() == 0 {
        0.0
    } else {
        r.numerator() as f64 / r.denominator() as f64
    }
}

/// Open a file for demuxing with errors that name it: missing, a folder, empty, or not media.
pub(crate) fn open_input(path: &Path) -> Result<ffmpeg::format::context::Input, MediaError> {
    init();
    let meta = std::fs::metadata(path).map_err(|source| MediaError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(what) = crate::media::not_regular(&meta) {
        return Err(MediaError::NotAFile {
            path: path.to_path_buf(),
            what,
        });
    }
    if meta.len() == 0 {
        return Err(MediaError::Empty {
            path: path.to_path_buf(),
        });
    }
    if let Some(need) =
        mp4_declared_size(path, meta.len()).or_else(|| wav_declared_size(path, meta.len()))
    {
        return Err(MediaError::Truncated {
            path: path.to_path_buf(),
            have: meta.len(),
            need,
        });
    }
    ffmpeg::format::input(&path).map_err(|source| MediaError::Format {
        path: path.to_path_buf(),
        source,
    })
}

/// An input of FFmpeg's device layer (`FORMAT:INPUT`: `v4l2:/dev/video0`, `pulse:default`,
/// `lavfi:testsrc2=size=640x480:rate=30`), opened for reading; `stop` set makes a blocked
/// read return (FFmpeg's interrupt callback), so a capture thread can always be joined.
pub(crate) fn open_device(
    format: &str,
    input: &str,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<ffmpeg::format::context::Input, MediaError> {
    init();
    register_devices();
    let device = format!("{format}:{input}");
    let err = |reason: String| MediaError::Device {
        device: device.clone(),
        reason,
    };
    let c_format = std::ffi::CString::new(format).map_err(|_| err("a NUL in its name".into()))?;
    let c_input = std::ffi::CString::new(input).map_err(|_| err("a NUL in its name".into()))?;
    // SAFETY: plain FFmpeg calls on pointers they hand out; the context is closed on every
    // error path, and on success owned by the returned `Input`. The interrupt callback's
    // opaque pointer is the `AtomicBool` inside `stop`, which the caller keeps alive for as
    // long as the input (the capture threads hold both and drop the input first).
    unsafe {
        let fmt = ffmpeg::ffi::av_find_input_format(c_format.as_ptr());
        if fmt.is_null() {
            return Err(err(format!(
                "FFmpeg here has no input device or format \"{format}\" (`vivant devices` lists what it has)"
            )));
        }
        let mut ps = ffmpeg::ffi::avformat_alloc_context();
        if ps.is_null() {
            return Err(err("out of memory".into()));
        }
        (*ps).interrupt_callback.callback = Some(interrupted);
        (*ps).interrupt_callback.opaque = std::sync::Arc::as_ptr(stop) as *mut std::ffi::c_void;
        let r =
            ffmpeg::ffi::avformat_open_input(&mut ps, c_input.as_ptr(), fmt, std::ptr::null_mut());
        if r < 0 {
            // avformat_open_input frees the context on failure.
            let e = ffmpeg::Error::from(r);
            if format == "lavfi"
                && matches!(e, ffmpeg::Error::Other { errno } if errno == ffmpeg::error::EINVAL)
            {
                return Err(err(
                    "the filter graph could not be made: check the filters' names and options (`ffmpeg -filters` lists them)".into(),
                ));
            }
            return Err(err(device_failure(e)));
        }
        let r = ffmpeg::ffi::avformat_find_stream_info(ps, std::ptr::null_mut());
        if r < 0 {
            ffmpeg::ffi::avformat_close_input(&mut ps);
            return Err(err(device_failure(ffmpeg::Error::from(r))));
        }
        Ok(ffmpeg::format::context::Input::wrap(ps))
    }
}

unsafe extern "C" fn interrupted(opaque: *mut std::ffi::c_void) -> std::ffi::c_int {
    // SAFETY: `open_device` sets `opaque` to an `AtomicBool` that outlives the context.
    let stop = unsafe { &*(opaque as *const std::sync::atomic::AtomicBool) };
    stop.load(std::sync::atomic::Ordering::Relaxed) as std::ffi::c_int
}

/// What went wrong opening a device, in words that say what to do.
fn device_failure(e: ffmpeg::Error) -> String {
    use ffmpeg::error::{EACCES, EBUSY, ENODEV, ENOENT};
    match e {
        ffmpeg::Error::Other { errno } if errno == EBUSY => {
            "the device is in use by another program; close it there and try again".into()
        }
        ffmpeg::Error::Other { errno } if errno == ENOENT || errno == ENODEV => {
            "no such device (`vivant devices` lists the cameras and microphones found)".into()
        }
        ffmpeg::Error::Other { errno } if errno == EACCES => {
            "not allowed to open the device (on Linux, add yourself to the `video` or `audio` group)"
                .into()
        }
        e => format!("cannot open it: {e}"),
    }
}

/// libavdevice's formats (v4l2, alsa, pulse, lavfi, …) made known to the demuxer lookup.
pub(crate) fn register_devices() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(ffmpeg::device::register_all);
}

/// For an MP4/MOV/M4A (ISO base media) file whose top-level boxes run past its end, the size
/// they declare. FFmpeg reads such a file's index (at the front, after a faststart) as if the
/// frames were all there and fails only on reaching the missing ones.
fn mp4_declared_size(path: &Path, len: u64) -> Option<u64> {
    const TOP: [&[u8; 4]; 8] = [
        b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"pdin",
    ];
    let mut f = std::fs::File::open(path).ok()?;
    let mut first = true;
    for b in mp4_boxes(&mut f, len) {
        if first && !TOP.contains(&&b.kind) {
            return None; // not an ISO base media file
        }
        first = false;
        let size = b.size?; // none: it runs to the end of the file
        if size < 8 {
            return None; // damaged, not merely short: FFmpeg says what it makes of it
        }
        let end = b.at.checked_add(size)?;
        if end > len {
            return Some(end);
        }
    }
    None
}

/// A top-level box of an ISO base media file (MP4).
pub(crate) struct Mp4Box {
    /// Where it starts, and where its body starts (after its 8- or 16-byte header).
    pub at: u64,
    pub body: u64,
    pub kind: [u8; 4],
    /// Its whole size; `None` when it runs to the end of the file.
    pub size: Option<u64>,
}

/// The top-level boxes of `f` (`len` bytes long), in order, as far as their headers can be
/// read; the walk ends after a box that runs to the end or whose size is under 8 (damaged).
pub(crate) fn mp4_boxes(f: &mut std::fs::File, len: u64) -> impl Iterator<Item = Mp4Box> + '_ {
    use std::io::{Read, Seek, SeekFrom};
    let mut at = Some(0u64);
    std::iter::from_fn(move || {
        let here = at.filter(|&a| a.checked_add(8).is_some_and(|e| e <= len))?;
        let mut head = [0u8; 16];
        f.seek(SeekFrom::Start(here)).ok()?;
        f.read_exact(&mut head[..8]).ok()?;
        let kind = [head[4], head[5], head[6], head[7]];
        let (size, body) = match u32::from_be_bytes([head[0], head[1], head[2], head[3]]) {
            0 => (None, 8),
            1 => {
                f.read_exact(&mut head[8..16]).ok()?;
                let mut wide = [0u8; 8];
                wide.copy_from_slice(&head[8..16]);
                (Some(u64::from_be_bytes(wide)), 16)
            }
            n => (Some(u64::from(n)), 8),
        };
        at = size.filter(|&s| s >= 8).and_then(|s| here.checked_add(s));
        Some(Mp4Box {
            at: here,
            body: here + body,
            kind,
            size,
        })
    })
}

/// The size a RIFF WAVE file's sound data says the file has, when the file is shorter (cut
/// short in a copy or download: FFmpeg would play the part there is without a word). None
/// when it is not a WAV, the size is left open (0 or all ones, as streaming writers leave
/// it), or the file is whole.
fn wav_declared_size(path: &Path, len: u64) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let mut head = [0u8; 12];
    f.read_exact(&mut head).ok()?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return None;
    }
    let mut at = 12u64;
    // Chunks up to the sound data ("fmt ", "LIST", "fact"…); each is padded to an even size.
    while at + 8 <= len {
        let mut chunk = [0u8; 8];
        f.seek(SeekFrom::Start(at)).ok()?;
        f.read_exact(&mut chunk).ok()?;
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        if &chunk[0..4] == b"data" {
            if size == 0 || size == u64::from(u32::MAX) {
                return None;
            }
            let need = at + 8 + size;
            return (need > len).then_some(need);
        }
        at = at.checked_add(8 + size + size % 2)?;
    }
    None
}

/// True for FFmpeg's "try again" (the decoder wants more input / has no output yet).
/// Seek `stream` of `input` to the last key frame at or before `ts` (the stream's time base).
pub(crate) fn seek_back(
    input: &mut ffmpeg::format::context::Input,
    stream: usize,
    ts: i64,
) -> Result<(), ffmpeg::Error> {
    // SAFETY: `input` is an open format context and `stream` one of its streams' indices.
    let r = unsafe {
        ffmpeg::ffi::av_seek_frame(
            input.as_mut_ptr(),
            stream as i32,
            ts,
            ffmpeg::ffi::AVSEEK_FLAG_BACKWARD,
        )
    };
    if r < 0 {
        Err(ffmpeg::Error::from(r))
    } else {
        Ok(())
    }
}

pub(crate) fn is_again(e: &ffmpeg::Error) -> bool {
    matches!(e, ffmpeg::Error::Other { errno } if *errno == ffmpeg::error::EAGAIN)
}

/// What feeding a decoder did.
pub(crate) enum Fed {
    /// A packet (or, at the end of the file, end-of-stream) went in: ask for frames again.
    More,
    /// Everything, end-of-stream included, has been sent.
    Done,
}

/// What asking a decoder for its next frame came to.
pub(crate) enum Next {
    Frame,
    /// The stream is done (the decoder drained).
    End,
}

/// The decoder's next frame into `frame`, fed the packets of `stream` as it asks for them
/// (`feed`): the audio and video readers' one decode loop.
pub(crate) fn next_frame(
    input: &mut ffmpeg::format::context::Input,
    stream: usize,
    decoder: &mut ffmpeg::decoder::Opened,
    flushed: &mut bool,
    skip_damaged: bool,
    frame: &mut ffmpeg::Frame,
) -> Result<Next, ffmpeg::Error> {
    loop {
        match decoder.receive_frame(frame) {
            Ok(()) => return Ok(Next::Frame),
            Err(ffmpeg::Error::Eof) => return Ok(Next::End),
            Err(e) if is_again(&e) => {}
            Err(e) => return Err(e),
        }
        // The decoder wants input: the next packet of our stream, or end of stream.
        if let Fed::Done = feed(input, stream, decoder, flushed, skip_damaged)? {
            return Ok(Next::End);
        }
    }
}

/// Give `decoder` the next packet of `stream` from `input`, or end-of-stream once the file is
/// read (`flushed` records that). With `skip_damaged`, a packet the decoder rejects as invalid
/// is dropped, as players do.
pub(crate) fn feed(
    input: &mut ffmpeg::format::context::Input,
    stream: usize,
    decoder: &mut ffmpeg::decoder::Opened,
    flushed: &mut bool,
    skip_damaged: bool,
) -> Result<Fed, ffmpeg::Error> {
    for (s, packet) in input.packets() {
        if s.index() == stream {
            match decoder.send_packet(&packet) {
                Err(ffmpeg::Error::InvalidData) if skip_damaged => {}
                r => r?,
            }
            return Ok(Fed::More);
        }
    }
    if *flushed {
        return Ok(Fed::Done);
    }
    decoder.send_eof()?;
    *flushed = true;
    Ok(Fed::More)
}
