//! Voice-driven motion: a face made to speak a recording. The speech curves (`speech`) move
//! the lips and jaw, idle life (`idle`) moves the head, eyelids and brows, and the result is
//! a "driving" face per frame that goes through the usual retargeting and renderer — so the
//! strengths, the shape clamps and the mouth-interior synthesis all apply unchanged.

use super::expression::{Expression, express, mouth_and_jaw, pose};
use super::idle::{IdleMotion, IdleSettings};
use super::speech::SpeechCurves;
use crate::geometry::{Face68, Similarity, parts};

/// Speech and idle life for every output frame.
#[derive(Clone, Debug)]
pub struct VoiceMotion {
    pub speech: SpeechCurves,
    pub idle: IdleMotion,
}

impl VoiceMotion {
    pub fn new(speech: SpeechCurves, idle: &IdleSettings) -> Self {
        let idle = IdleMotion::new(speech.open.len(), speech.fps, idle, Some(&speech));
        Self { speech, idle }
    }

    pub fn frames(&self) -> usize {
        self.speech.open.len()
    }

    /// Frame `k`'s expression; past the recording's end, at rest.
    fn expression(&self, k: usize, with_idle: bool) -> Expression {
        let get = |v: &[f32]| v.get(k).copied().unwrap_or(0.0);
        Expression {
            open: get(&self.speech.open),
            width: get(&self.speech.width),
            blink: if with_idle {
                get(&self.idle.blink)
            } else {
                0.0
            },
            brows: if with_idle {
                get(&self.idle.brows)
            } else {
                0.0
            },
        }
    }

    /// `neutral` (68 points) speaking frame `k`: lips, jaw, blinks, brows and head.
    pub fn face(&self, neutral: &Face68, k: usize) -> Face68 {
        let e = express(neutral, &self.expression(k, true));
        let p = self.idle.pose.get(k).copied().unwrap_or_default();
        pose(&e, neutral, &p)
    }

    /// A driving clip's `frame` with its lips and jaw replaced by the voice's at frame `k`:
    /// the reference frame's mouth (`reference`, taken as closed and at rest) carried by this
    /// frame's head pose, then opened and shaped by the voice. Head, eyes and brows stay the
    /// clip's.
    pub fn lips_on(&self, frame: &Face68, reference: &Face68, k: usize) -> Face68 {
        let head = Similarity::fit(&reference.pick(&parts::HEAD), &frame.pick(&parts::HEAD));
        let at_rest = reference.map(|p| head.apply(p));
        let spoken = express(&at_rest, &self.expression(k, false));
        let mut out = *frame;
        for i in mouth_and_jaw() {
            out[i] = spoken[i];
        }
        out
    }
}
