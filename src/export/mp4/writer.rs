//! The MP4 writer: H.264 frames and AAC sound interleaved, written to a temporary file and
//! renamed when complete (signed first when Content Credentials are asked for).

use super::*;

pub(super) struct VideoTrack {
    encoder: encoder::Video,
    stream: usize,
    time_base: Rational,
    scaler: scaling::Context,
    /// RGB staging frame at the encoded (even) size, and the YUV frame sent to x264.
    rgb: ffmpeg::frame::Video,
    yuv: ffmpeg::frame::Video,
}

pub(super) struct AudioTrack {
    encoder: encoder::Audio,
    stream: usize,
    source: Box<dyn SampleSource + Send>,
    format: AudioFormat,
    frame_size: usize,
    /// Interleaved samples read from the source, not yet encoded.
    queue: Vec<f32>,
    /// Sample frames sent to the encoder so far (the next frame's timestamp).
    sent: u64,
    source_done: bool,
    padded: u64,
}

/// An MP4 being written. Feed frames with `write_frame`, then call `finish`.
pub struct Mp4Writer {
    path: PathBuf,
    /// Where the frames go until `finish` renames it into place (removed if never finished).
    temp: Option<TempFile>,
    octx: Option<ffmpeg::format::context::Output>,
    settings: Mp4Settings,
    enc_w: u32,
    enc_h: u32,
    video: VideoTrack,
    audio: Option<AudioTrack>,
    frames: u64,
    total_frames: Option<u64>,
    cancel: Option<Arc<AtomicBool>>,
    progress: Option<Box<dyn FnMut(Progress) + Send>>,
}

pub(super) fn encode_err(what: &'static str, e: impl std::fmt::Display) -> ExportError {
    ExportError::Encode {
        what,
        reason: e.to_string(),
    }
}

impl Mp4Writer {
    /// Start writing `path` (replaced only when `finish` succeeds). `audio`, when given, is
    /// encoded as the sound track from time zero.
    pub fn create(
        path: impl AsRef<Path>,
        settings: Mp4Settings,
        audio: Option<Box<dyn SampleSource + Send>>,
    ) -> Result<Self, ExportError> {
        crate::media::init_ffmpeg();
        let path = path.as_ref().to_path_buf();
        let s = &settings;
        if s.width == 0 || s.height == 0 || s.width > 8192 || s.height > 8192 {
            return Err(ExportError::Settings(format!(
                "size {}×{} (1 to 8192 pixels per side)",
                s.width, s.height
            )));
        }
        let (num, den) = s.frame_rate;
        if num <= 0 || den <= 0 || num as f64 / den as f64 > 240.0 {
            return Err(ExportError::Settings(format!(
                "frame rate {num}/{den} (up to 240 fps)"
            )));
        }
        if s.crf > 51 {
            return Err(ExportError::Settings(format!("CRF {} (0 to 51)", s.crf)));
        }
        if !PRESETS.contains(&s.preset.as_str()) {
            return Err(ExportError::Settings(format!(
                "preset \"{}\" (one of {})",
                s.preset,
                PRESETS.join(", ")
            )));
        }
        crate::output::check_destination(&path, &[])?;
        let temp = TempFile::beside(&path, "mp4");
        let octx = ffmpeg::format::output_as(temp.path(), "mp4").map_err(|source| {
            ExportError::Create {
                path: path.clone(),
                source,
            }
        })?;
        // From here on the temporary file exists; `Drop` removes it on any early return.
        let mut w = Self::build(path, temp, octx, settings, audio)?;
        w.start()?;
        Ok(w)
    }

    fn build(
        path: PathBuf,
        temp: TempFile,
        mut octx: ffmpeg::format::context::Output,
        settings: Mp4Settings,
        audio: Option<Box<dyn SampleSource + Send>>,
    ) -> Result<Self, ExportError> {
        let enc_w = settings.width.next_multiple_of(2);
        let enc_h = settings.height.next_multiple_of(2);
        let global = octx
            .format()
            .flags()
            .contains(ffmpeg::format::Flags::GLOBAL_HEADER);
        let video = (|| {
            let codec = encoder::find_by_name("libx264")
                .ok_or_else(|| encode_err("video", "FFmpeg has no libx264 encoder"))?;
            let mut ost = octx.add_stream(codec).map_err(|e| encode_err("video", e))?;
            let stream = ost.index();
            let mut enc = codec::context::Context::new_with_codec(codec)
                .encoder()
                .video()
                .map_err(|e| encode_err("video", e))?;
            let (num, den) = settings.frame_rate;
            let time_base = Rational::new(den, num);
            enc.set_width(enc_w);
            enc.set_height(enc_h);
            enc.set_format(Pixel::YUV420P);
            enc.set_time_base(time_base);
            enc.set_frame_rate(Some(Rational::new(num, den)));
            enc.set_colorspace(ffmpeg::color::Space::BT709);
            enc.set_color_primaries(ffmpeg::color::Primaries::BT709);
            enc.set_color_transfer_characteristic(ffmpeg::color::TransferCharacteristic::BT709);
            enc.set_color_range(ffmpeg::color::Range::MPEG);
            if global {
                enc.set_flags(codec::Flags::GLOBAL_HEADER);
            }
            let mut opts = Dictionary::new();
            opts.set("crf", &settings.crf.to_string());
            opts.set("preset", &settings.preset);
            let encoder = enc.open_with(opts).map_err(|e| encode_err("video", e))?;
            ost.set_parameters(&encoder);
            ost.set_time_base(time_base);
            // The sample description's compressor name, which players show as the encoder
            // (FFmpeg's MP4 muxer writes its own name in the file-level tag).
            let mut meta = Dictionary::new();
            meta.set("encoder", &format!("Vivant {}", crate::VERSION));
            ost.set_metadata(meta);
            let mut scaler = scaling::Context::get(
                Pixel::RGB24,
                enc_w,
                enc_h,
                Pixel::YUV420P,
                enc_w,
                enc_h,
                scaling::Flags::BICUBIC
                    | scaling::Flags::ACCURATE_RND
                    | scaling::Flags::FULL_CHR_H_INP,
            )
            .map_err(|e| encode_err("video", e))?;
            unsafe {
                use ffmpeg::ffi::{SWS_CS_ITU709, sws_getCoefficients, sws_setColorspaceDetails};
                let bt709 = sws_getCoefficients(SWS_CS_ITU709);
                sws_setColorspaceDetails(
                    scaler.as_mut_ptr(),
                    bt709,
                    1,
                    bt709,
                    0,
                    0,
                    1 << 16,
                    1 << 16,
                );
            }
            Ok::<_, ExportError>(VideoTrack {
                encoder,
                stream,
                time_base,
                scaler,
                rgb: ffmpeg::frame::Video::new(Pixel::RGB24, enc_w, enc_h),
                yuv: ffmpeg::frame::Video::new(Pixel::YUV420P, enc_w, enc_h),
            })
        })()?;
        let audio = match audio {
            None => None,
            Some(source) => Some(Self::audio_track(
                &mut octx,
                source,
                settings.audio_bitrate,
                global,
            )?),
        };
        let mut meta = Dictionary::new();
        if let Some(t) = &settings.title {
            meta.set("title", t);
        }
        if let Some(c) = &settings.comment {
            meta.set("comment", c);
        }
        octx.set_metadata(meta);
        Ok(Self {
            path,
            temp: Some(temp),
            octx: Some(octx),
            settings,
            enc_w,
            enc_h,
            video,
            audio,
            frames: 0,
            total_frames: None,
            cancel: None,
            progress: None,
        })
    }

    fn audio_track(
        octx: &mut ffmpeg::format::context::Output,
        source: Box<dyn SampleSource + Send>,
        bitrate: u32,
        global: bool,
    ) -> Result<AudioTrack, ExportError> {
        let format = source.format();
        if !(1..=2).contains(&format.channels) {
            return Err(ExportError::Settings(format!(
                "sound track with {} channels (mono or stereo)",
                format.channels
            )));
        }
        let codec = encoder::find(codec::Id::AAC)
            .ok_or_else(|| encode_err("audio", "FFmpeg has no AAC encoder"))?;
        let mut ost = octx.add_stream(codec).map_err(|e| encode_err("audio", e))?;
        let stream = ost.index();
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(|e| encode_err("audio", e))?;
        let layout = ChannelLayout::default(format.channels as i32);
        enc.set_rate(format.sample_rate as i32);
        enc.set_channel_layout(layout);
        enc.set_channels(format.channels as i32);
        enc.set_format(Sample::F32(SampleType::Planar));
        enc.set_bit_rate(bitrate as usize);
        enc.set_time_base(Rational::new(1, format.sample_rate as i32));
        if global {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let encoder = enc.open_as(codec).map_err(|e| {
            encode_err(
                "audio",
                format!(
                    "AAC at {} Hz × {}: {e}",
                    format.sample_rate, format.channels
                ),
            )
        })?;
        ost.set_parameters(&encoder);
        ost.set_time_base(Rational::new(1, format.sample_rate as i32));
        let frame_size = (encoder.frame_size() as usize).max(1);
        Ok(AudioTrack {
            encoder,
            stream,
            source,
            format,
            frame_size,
            queue: Vec::new(),
            sent: 0,
            source_done: false,
            padded: 0,
        })
    }

    fn start(&mut self) -> Result<(), ExportError> {
        let mut opts = Dictionary::new();
        opts.set("movflags", "+faststart");
        let path = self.path.clone();
        let octx = self.octx_mut()?;
        octx.write_header_with(opts)
            .map_err(|source| ExportError::Write { path, source })?;
        Ok(())
    }

    fn octx_mut(&mut self) -> Result<&mut ffmpeg::format::context::Output, ExportError> {
        self.octx
            .as_mut()
            .ok_or_else(|| encode_err("file", "the writer is already closed"))
    }

    /// Say how many frames will come, for progress reports.
    pub fn set_total_frames(&mut self, total: u64) {
        self.total_frames = Some(total);
    }

    /// A flag checked before every frame: when set, `write_frame` returns `Cancelled` and the
    /// file is not written.
    pub fn set_cancel_flag(&mut self, flag: Arc<AtomicBool>) {
        self.cancel = Some(flag);
    }

    /// Called after every frame.
    pub fn on_progress(&mut self, f: impl FnMut(Progress) + Send + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// The size frames must have.
    pub fn frame_size(&self) -> (u32, u32) {
        (self.settings.width, self.settings.height)
    }

    /// Append one frame (the size given in the settings).
    pub fn write_frame(&mut self, frame: &RgbImage) -> Result<(), ExportError> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Err(ExportError::Cancelled);
        }
        let (w, h) = frame.dimensions();
        if (w, h) != (self.settings.width, self.settings.height) {
            return Err(ExportError::FrameSize {
                index: self.frames,
                got_w: w,
                got_h: h,
                want_w: self.settings.width,
                want_h: self.settings.height,
            });
        }
        self.stage_rgb(frame);
        let v = &mut self.video;
        v.scaler
            .run(&v.rgb, &mut v.yuv)
            .map_err(|e| encode_err("video", e))?;
        v.yuv.set_pts(Some(self.frames as i64));
        v.encoder
            .send_frame(&v.yuv)
            .map_err(|e| encode_err("video", e))?;
        self.frames += 1;
        self.drain_video()?;
        // Keep the sound up with the picture.
        let until = self.video_end_samples();
        self.pump_audio(until, false)?;
        if let Some(p) = self.progress.as_mut() {
            // What has reached the disk so far (the muxer buffers a little).
            let bytes = self
                .temp
                .as_ref()
                .and_then(|t| std::fs::metadata(t.path()).ok())
                .map_or(0, |m| m.len());
            p(Progress {
                frames_done: self.frames,
                total_frames: self.total_frames,
                bytes_written: bytes,
            });
        }
        Ok(())
    }

    /// Copy `frame` into the RGB staging frame, repeating the last column/row for odd sizes.
    fn stage_rgb(&mut self, frame: &RgbImage) {
        let (w, h) = (frame.width() as usize, frame.height() as usize);
        let (ew, eh) = (self.enc_w as usize, self.enc_h as usize);
        let stride = self.video.rgb.stride(0);
        let src = frame.as_raw();
        let dst = self.video.rgb.data_mut(0);
        for y in 0..eh {
            let sy = y.min(h - 1);
            let row = &src[sy * w * 3..(sy + 1) * w * 3];
            let out = &mut dst[y * stride..y * stride + ew * 3];
            out[..w * 3].copy_from_slice(row);
            if ew > w {
                out[w * 3..].copy_from_slice(&row[(w - 1) * 3..]);
            }
        }
    }

    /// Sample frames of sound the video covers so far.
    fn video_end_samples(&self) -> u64 {
        let Some(a) = &self.audio else { return 0 };
        let (num, den) = self.settings.frame_rate;
        // frames × den/num seconds × rate, in integers: exact for every common rate.
        (self.frames as u128 * den as u128 * a.format.sample_rate as u128 / num as u128) as u64
    }

    fn drain_video(&mut self) -> Result<(), ExportError> {
        let ost_tb = self.stream_time_base(self.video.stream)?;
        let mut packet = ffmpeg::Packet::empty();
        loop {
            match self.video.encoder.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(e) if is_again(&e) => return Ok(()),
                Err(e) => return Err(encode_err("video", e)),
            }
            // Every packet, the last one included, lasts one frame; without it the
            // stream comes out one frame short.
            packet.set_duration(1);
            packet.set_stream(self.video.stream);
            packet.rescale_ts(self.video.time_base, ost_tb);
            self.write_packet(&packet)?;
        }
    }

    fn drain_audio(&mut self) -> Result<(), ExportError> {
        let Some(stream) = self.audio.as_ref().map(|a| a.stream) else {
            return Ok(());
        };
        let ost_tb = self.stream_time_base(stream)?;
        let mut packet = ffmpeg::Packet::empty();
        loop {
            let Some(a) = self.audio.as_mut() else {
                return Ok(());
            };
            let enc_tb = Rational::new(1, a.format.sample_rate as i32);
            match a.encoder.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(e) if is_again(&e) => return Ok(()),
                Err(e) => return Err(encode_err("audio", e)),
            }
            packet.set_stream(stream);
            packet.rescale_ts(enc_tb, ost_tb);
            self.write_packet(&packet)?;
        }
    }

    fn stream_time_base(&self, index: usize) -> Result<Rational, ExportError> {
        self.octx
            .as_ref()
            .and_then(|o| o.stream(index).map(|s| s.time_base()))
            .ok_or_else(|| encode_err("file", "stream missing"))
    }

    fn write_packet(&mut self, packet: &ffmpeg::Packet) -> Result<(), ExportError> {
        let path = self.path.clone();
        let octx = self.octx_mut()?;
        packet
            .write_interleaved(octx)
            .map_err(|source| ExportError::Write { path, source })
    }

    /// Encode sound up to sample frame `until`: from the source, then silence when it has
    /// ended. With `last`, a final short frame is sent too.
    fn pump_audio(&mut self, until: u64, last: bool) -> Result<(), ExportError> {
        loop {
            let Some(a) = self.audio.as_mut() else {
                return Ok(());
            };
            let ch = a.format.channels as usize;
            let left = until.saturating_sub(a.sent) as usize;
            let n = left.min(a.frame_size);
            if n == 0 || (n < a.frame_size && !last) {
                return Ok(());
            }
            while a.queue.len() < n * ch && !a.source_done {
                let have = a.queue.len();
                a.queue.resize(have + a.frame_size * ch, 0.0);
                let got = a.source.read(&mut a.queue[have..])?;
                a.queue.truncate(have + got);
                if got == 0 {
                    a.source_done = true;
                }
            }
            if a.queue.len() < n * ch {
                let missing = n - a.queue.len() / ch;
                a.padded += missing as u64;
                a.queue.resize(n * ch, 0.0);
            }
            let mut frame = ffmpeg::frame::Audio::new(
                Sample::F32(SampleType::Planar),
                n,
                ChannelLayout::default(ch as i32),
            );
            frame.set_rate(a.format.sample_rate);
            for c in 0..ch {
                let plane = frame.plane_mut::<f32>(c);
                for (i, v) in plane.iter_mut().enumerate().take(n) {
                    *v = a.queue[i * ch + c];
                }
            }
            a.queue.drain(..n * ch);
            frame.set_pts(Some(a.sent as i64));
            a.sent += n as u64;
            a.encoder
                .send_frame(&frame)
                .map_err(|e| encode_err("audio", e))?;
            self.drain_audio()?;
        }
    }

    /// Flush the encoders, fit the sound to the video, finish the file and move it into place.
    pub fn finish(mut self) -> Result<ExportReport, ExportError> {
        if self.frames == 0 {
            return Err(ExportError::Settings("no frames were written".into()));
        }
        self.video
            .encoder
            .send_eof()
            .map_err(|e| encode_err("video", e))?;
        self.drain_video()?;
        let until = self.video_end_samples();
        self.pump_audio(until, true)?;
        let mut fit = None;
        if let Some(a) = self.audio.as_mut() {
            a.encoder.send_eof().map_err(|e| encode_err("audio", e))?;
            let rate = a.format.sample_rate as f64;
            fit = Some(if a.padded > 1 {
                AudioFit::Padded {
                    seconds: a.padded as f64 / rate,
                }
            } else {
                // Whatever the source still holds is cut; count it.
                let ch = a.format.channels as usize;
                let mut rest = a.queue.len() / ch;
                let mut buf = vec![0.0f32; 8192 * ch];
                while !a.source_done {
                    let got = a.source.read(&mut buf)?;
                    if got == 0 {
                        a.source_done = true;
                    }
                    rest += got / ch;
                }
                if rest > 1 {
                    AudioFit::Cut {
                        seconds: rest as f64 / rate,
                    }
                } else {
                    AudioFit::Exact
                }
            });
            self.drain_audio()?;
        }
        let path = self.path.clone();
        let mut octx = self
            .octx
            .take()
            .ok_or_else(|| encode_err("file", "the writer is already closed"))?;
        let trailer = octx.write_trailer();
        drop(octx);
        trailer.map_err(|source| ExportError::Write {
            path: path.clone(),
            source,
        })?;
        let mut signed = false;
        if let Some(temp) = self.temp.take() {
            match self.settings.credentials.take() {
                // Signed into a second temporary file; the unsigned one is removed as
                // `temp` drops, the signed one moved into place.
                Some(c) => {
                    let signed_file = TempFile::beside(&self.path, "mp4");
                    let title = self
                        .path
                        .file_name()
                        .map_or_else(|| "video.mp4".into(), |n| n.to_string_lossy().into_owned());
                    crate::export::credentials::sign_mp4(
                        temp.path(),
                        signed_file.path(),
                        &title,
                        &c.provenance,
                        &c.signer,
                    )?;
                    signed_file.commit()?;
                    signed = true;
                }
                None => temp.commit()?,
            }
        }
        let bytes = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        let (num, den) = self.settings.frame_rate;
        Ok(ExportReport {
            path,
            frames: self.frames,
            duration_s: self.frames as f64 * den as f64 / num as f64,
            width: self.enc_w,
            height: self.enc_h,
            audio: fit,
            bytes,
            signed,
        })
    }
}

impl Drop for Mp4Writer {
    fn drop(&mut self) {
        // Not finished (error, cancel, or dropped): close the muxer first; the temporary file
        // is removed when `temp` drops. After `finish` it has been renamed into place.
        drop(self.octx.take());
        drop(self.temp.take());
    }
}
