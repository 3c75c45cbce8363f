//! What drives the portrait, prepared: from a driving clip (its tracked faces in the job's
//! range, timed for the output, with the engine's own track and the lips from a voice when
//! asked) or from a voice alone (lips from the voice, idle head motion and blinks).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Drive, FaceControls, Note, PipelineError, RenderJob, Soundtrack};
use crate::geometry::Face68;
use crate::media::file_name;
use crate::media::{AudioFormat, AudioSource, MediaError, SampleSource};
use crate::motion::speech::SpeechCurves;
use crate::motion::voice::VoiceMotion;
use crate::motion::{DrivingMotion, Mode, most_neutral};
use crate::render::{ClipTrack, TrackEntry};

/// What drives the portrait, prepared: per output frame, a face (68 points in the driving
/// face's coordinates) that the engine carries onto the sources. Cloned, it is shared (the
/// studio's warp and neural animations of one job drive from one).
#[derive(Clone)]
pub(super) struct Performance {
    pub(super) count: u64,
    pub(super) fps: (i32, i32),
    /// The driving face at rest, matching the sources' expression.
    pub(super) reference: Face68,
    pub(super) mode: Mode,
    pub(super) drive: Arc<dyn Fn(u64) -> Result<Drive, PipelineError> + Send + Sync>,
    /// The reference frame's entry in the engine's own track (when it reads the clip).
    pub(super) reference_track: Option<TrackEntry>,
    /// The sound, opened anew for each export (an animation can be exported again).
    pub(super) audio: Option<SoundRange>,
    pub(super) driving_found: f64,
    pub(super) reference_s: Option<f64>,
    pub(super) blinks: usize,
    /// What drove it, for the file's comment.
    pub(super) credit: String,
    /// Per output frame, the time of the driving frame it follows (empty with a voice alone).
    pub(super) driving_times: Vec<f64>,
}

/// A stretch of a sound file: `start_s` .. `end_s` (`None` = to its end).
#[derive(Clone)]
pub(super) struct SoundRange {
    pub(super) path: PathBuf,
    pub(super) start_s: f64,
    pub(super) end_s: Option<f64>,
}

impl SoundRange {
    pub(super) fn open(&self) -> Result<Box<dyn SampleSource + Send>, PipelineError> {
        let mut a = AudioSource::open(&self.path, AudioFormat::new(48000, 2))?;
        if self.start_s > 0.0 || self.end_s.is_some() {
            a.set_range(self.start_s, self.end_s)?;
        }
        Ok(Box::new(a))
    }
}

/// The recording the lips follow over a clip (`lips_from_audio`), if asked for.
pub(super) fn voice_file(job: &RenderJob) -> Result<Option<PathBuf>, PipelineError> {
    match (&job.sound, job.settings.lips_from_audio) {
        (Soundtrack::File(p), true) => Ok(Some(p.clone())),
        (_, true) => Err(PipelineError::NoVoice),
        _ => Ok(None),
    }
}

/// A driving clip's motion (analysed or from the cache), in the job's range; with
/// `lips_from_audio`, the lips from the voice instead.
pub(super) fn clip_performance(
    job: &RenderJob,
    driving: &Path,
    motion: Arc<DrivingMotion>,
    own: Option<Arc<dyn ClipTrack>>,
    notes: &mut Vec<Note>,
) -> Result<Performance, PipelineError> {
    let voice_file = voice_file(job)?;
    // The clip's frame duration, to end the range after its last frame.
    let (rn, rd) = motion.frame_rate;
    let frame_dur = if rn > 0 && rd > 0 {
        rd as f64 / rn as f64
    } else {
        0.04
    };
    let clip_end = motion.times.last().map_or(0.0, |&t| t + frame_dur);
    for (what, t) in [
        ("the reference frame", job.settings.reference_s),
        ("the range's start", job.settings.start_s),
    ] {
        if let Some(t) = t
            && !(0.0..clip_end).contains(&t)
        {
            return Err(PipelineError::PastTheEnd {
                path: driving.to_path_buf(),
                what,
                time: t,
                duration: clip_end,
            });
        }
    }
    // The driving frames in range.
    let start = job.settings.start_s.unwrap_or(f64::NEG_INFINITY);
    let end = job.settings.end_s.unwrap_or(f64::INFINITY);
    let in_range: Vec<usize> = (0..motion.times.len())
        .filter(|&i| motion.times[i] >= start - 1e-9 && motion.times[i] < end - 1e-9)
        .collect();
    let (Some(&first), Some(&last)) = (in_range.first(), in_range.last()) else {
        return Err(PipelineError::EmptyRange {
            driving: driving.to_path_buf(),
            start: start.max(0.0),
            end: end.min(clip_end),
        });
    };
    if let Some(end) = job.settings.end_s
        && end > clip_end + 1e-6
    {
        notes.push(Note::about(
            &format!("the range's end, {end:.2} s, is past the end of {{}} ({clip_end:.2} s): the video stops there"),
            &[driving],
        ));
    }
    let t0 = motion.times[first];
    // The range ends where the frame after it starts, or after the last frame's own duration.
    let last_dur = match (motion.times.get(last + 1), last.checked_sub(1)) {
        (Some(&next), _) => next - motion.times[last],
        (None, Some(prev)) if prev >= first => motion.times[last] - motion.times[prev],
        _ => frame_dur,
    };
    let t1 = job
        .settings
        .end_s
        .unwrap_or(f64::INFINITY)
        .min(motion.times[last] + last_dur);
    let reference = match job.settings.reference_s {
        Some(t) => motion
            .times
            .partition_point(|&s| s <= t + 1e-9)
            .saturating_sub(1),
        None => {
            // Read frame by frame from the analysis file: a long clip is never held whole.
            let mut failed = None;
            let faces = in_range.iter().map(|&i| {
                if !motion.states[i].observed() {
                    return None;
                }
                motion.landmarks(i).map_err(|e| failed = Some(e)).ok()
            });
            let k = most_neutral(faces);
            if let Some(e) = failed {
                return Err(PipelineError::MotionFile(e));
            }
            k.map_or(first, |k| in_range[k])
        }
    };
    // Output timing: the driving clip's frames one for one when they are evenly spaced at its
    // rate; otherwise (`--fps`, or a variable-rate clip) resampled by presentation time, so
    // the picture keeps pace with the sound.
    let even = in_range
        .iter()
        .enumerate()
        .all(|(k, &i)| (motion.times[i] - (t0 + k as f64 * frame_dur)).abs() < 0.5 * frame_dur);
    let fps = match job.settings.frame_rate() {
        Some(f) => f,
        None if even => motion.frame_rate,
        // Variable: the clip's fastest rate, so that no frame of its quick parts is lost.
        None => steady_rate(
            in_range
                .windows(2)
                .map(|w| motion.times[w[1]] - motion.times[w[0]]),
        ),
    };
    let out_dur = fps.1 as f64 / fps.0.max(1) as f64;
    if job.settings.frame_rate().is_none() && !even {
        notes.push(Note::about(
            &format!(
                "{{}} has a variable frame rate; output at {:.3} fps following its timestamps (--fps sets another rate)",
                1.0 / out_dur
            ),
            &[driving],
        ));
    }
    let indices: Vec<usize> = if job.settings.frame_rate().is_some() || !even {
        let count = ((t1 - t0) / out_dur).round().max(1.0) as u64;
        (0..count)
            .map(|k| {
                let t = t0 + k as f64 * out_dur;
                motion
                    .times
                    .partition_point(|&s| s <= t + 1e-9)
                    .saturating_sub(1)
                    .clamp(first, last)
            })
            .collect()
    } else {
        in_range.clone()
    };
    let count = indices.len() as u64;
    let driving_times: Vec<f64> = indices.iter().map(|&i| motion.times[i]).collect();
    let audio = match &job.sound {
        Soundtrack::None => None,
        Soundtrack::File(p) => {
            AudioSource::open(p, AudioFormat::new(48000, 2))?;
            Some(SoundRange {
                path: p.clone(),
                start_s: 0.0,
                end_s: None,
            })
        }
        Soundtrack::Driving => match AudioSource::open(driving, AudioFormat::new(48000, 2)) {
            Ok(_) => Some(SoundRange {
                path: driving.to_path_buf(),
                start_s: t0,
                end_s: Some(t1),
            }),
            Err(MediaError::NoAudio { .. }) => {
                notes.push(Note::about(
                    "{} has no sound; the video is silent",
                    &[driving],
                ));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let voice = match &voice_file {
        Some(p) => {
            let speech = SpeechCurves::analyse(
                p,
                0.0,
                None,
                fps.0 as f64 / fps.1.max(1) as f64,
                &job.speech,
            )?;
            Some(VoiceMotion::new(speech, &job.settings.idle()))
        }
        None => None,
    };
    let reference_lm = motion
        .landmarks(reference)
        .map_err(PipelineError::MotionFile)?;
    let reference_s = motion.times[reference];
    let driving_found = motion.found_fraction();
    let credit = match &voice_file {
        Some(v) => format!("{} with the lips from {}", file_name(driving), file_name(v)),
        None => file_name(driving),
    };
    let rest = reference_lm;
    let reference_track = own
        .as_ref()
        .map(|t| t.entry(reference))
        .transpose()
        .map_err(PipelineError::MotionFile)?;
    let drive = move |k: u64| -> Result<Drive, PipelineError> {
        let i = indices[(k as usize).min(indices.len() - 1)];
        let lm = motion.landmarks(i).map_err(PipelineError::MotionFile)?;
        let mut drive =
            Drive::from_clip(lm, own.as_deref(), i).map_err(PipelineError::MotionFile)?;
        if let Some(v) = &voice {
            drive.face = v.lips_on(&lm, &rest, k as usize);
            drive.controls = Some(FaceControls {
                eyes: None,
                lips: FaceControls::ratios(&drive.face)[2],
                head: [0.0; 3],
            });
        }
        Ok(drive)
    };
    Ok(Performance {
        count,
        fps,
        reference: reference_lm,
        mode: job.settings.mode,
        drive: Arc::new(drive),
        reference_track,
        audio,
        driving_found,
        reference_s: Some(reference_s),
        blinks: 0,
        credit,
        driving_times,
    })
}

/// A voice recording alone: lips from the voice, head, eyes and brows from idle life, on the
/// first source's own face at rest.
pub(super) fn voice_performance(
    job: &RenderJob,
    neutral: &Face68,
    notes: &mut Vec<Note>,
) -> Result<Performance, PipelineError> {
    let Soundtrack::File(path) = &job.sound else {
        return Err(PipelineError::NoDriver);
    };
    if job.settings.lips_from_audio {
        notes.push("--lips-from-audio: no driving clip, so the voice drives the whole face".into());
    }
    if job.settings.mode == Mode::Absolute {
        notes.push("absolute mode needs a driving clip; the voice moves the face relative to its own rest shape".into());
    }
    let fps = job.settings.frame_rate().unwrap_or((25, 1));
    let rate = fps.0 as f64 / fps.1.max(1) as f64;
    let start = job.settings.start_s.unwrap_or(0.0).max(0.0);
    let speech = SpeechCurves::analyse(path, start, job.settings.end_s, rate, &job.speech)?;
    if speech.open.is_empty() {
        return Err(PipelineError::VoiceTooShort {
            path: path.clone(),
            seconds: speech.duration_s,
        });
    }
    if !speech.voiced.iter().any(|&v| v) {
        notes.push(Note::about(
            "{}: no speech heard; the mouth stays closed",
            &[path],
        ));
    }
    let audio = SoundRange {
        path: path.clone(),
        start_s: start,
        end_s: job.settings.end_s,
    };
    audio.open()?;
    let voice = VoiceMotion::new(speech, &job.settings.idle());
    let count = voice.frames() as u64;
    let blinks = voice.idle.blinks.len();
    let rest = *neutral;
    let drive = move |k: u64| {
        let face = voice.face(&rest, k as usize);
        let [right, left, lips] = FaceControls::ratios(&face);
        let p = voice.idle.pose.get(k as usize).copied().unwrap_or_default();
        Ok(Drive {
            face,
            track: None,
            // The idle head's turn as real 3-D angles for engines that can turn a head.
            controls: Some(FaceControls {
                eyes: Some((right + left) / 2.0),
                lips,
                head: [p.pitch, p.yaw, p.roll].map(f32::to_degrees),
            }),
        })
    };
    Ok(Performance {
        count,
        fps,
        reference: *neutral,
        mode: Mode::Relative,
        drive: Arc::new(drive),
        reference_track: None,
        audio: Some(audio),
        driving_found: 1.0,
        reference_s: None,
        blinks,
        credit: format!("the voice in {}", file_name(path)),
        driving_times: Vec::new(),
    })
}

/// An output rate for a variable-rate clip: the standard video rate (23.976 … 60) nearest to
/// its shortest frame interval's that keeps up with it (within 3 %: timestamps in milliseconds
/// round 33.3 ms to 33).
fn steady_rate(intervals: impl Iterator<Item = f64>) -> (i32, i32) {
    const RATES: [(i32, i32); 9] = [
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (48, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
    ];
    let shortest = intervals
        .filter(|d| *d > 1e-4)
        .fold(f64::INFINITY, f64::min);
    let fastest = 1.0 / shortest;
    let rate = |&(n, d): &(i32, i32)| n as f64 / d as f64;
    RATES
        .into_iter()
        .filter(|r| rate(r) >= 0.97 * fastest)
        .min_by(|a, b| {
            (rate(a) - fastest)
                .abs()
                .total_cmp(&(rate(b) - fastest).abs())
        })
        .unwrap_or((60, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_rate_clip_gets_a_standard_rate_that_keeps_up() {
        assert_eq!(steady_rate([0.2, 0.04, 0.04].into_iter()), (25, 1));
        assert_eq!(steady_rate([0.1, 0.033].into_iter()), (30, 1));
        assert_eq!(steady_rate([0.0417].into_iter()), (24000, 1001));
        assert_eq!(steady_rate([1001.0 / 30000.0].into_iter()), (30000, 1001));
        assert_eq!(steady_rate([0.2].into_iter()), (24000, 1001));
        assert_eq!(steady_rate([0.005].into_iter()), (60, 1));
    }
}
