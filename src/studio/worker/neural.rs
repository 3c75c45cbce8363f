//! The neural engine's side of the preview, on a thread of its own: it prepares the final
//! animation and draws its frames, newest request only, each stopped part way by the next.

use super::*;

/// What the neural thread is asked to do.
pub(super) enum NeuralJob {
    /// Make the neural animation of `generation` ready (its warp stand-in is drawing).
    Prepare {
        generation: u64,
        stage: Box<FinalStage>,
        cancel: Arc<AtomicBool>,
    },
    /// Drop the neural animation: the job changed.
    Clear,
    /// Draw neural frame `k` unless `stop` is set first; the driving frame goes with it.
    Draw {
        generation: u64,
        k: u64,
        stop: Arc<AtomicBool>,
        driving: Option<(Arc<ColorImage>, Box<Face68>)>,
    },
}

/// The neural engine's side of the preview, on a thread of its own: it prepares the neural
/// animation and draws its frames, newest request only, each stopped part way by the next.
pub(super) struct NeuralWorker {
    pub(super) events: Sender<Event>,
    pub(super) repaint: Arc<dyn Fn() + Send + Sync>,
    /// The neural animation, its generation and the boundaries one of its frames passes.
    pub(super) animation: Option<(u64, Animation, usize)>,
    pub(super) probe: Arc<Mutex<Option<NeuralProbe>>>,
}

impl NeuralWorker {
    fn send(&self, e: Event) {
        let _ = self.events.send(e);
        (self.repaint)();
    }

    pub(super) fn run(mut self, jobs: Receiver<NeuralJob>) {
        while let Ok(first) = jobs.recv() {
            let mut pending = vec![first];
            // A frame is started once requests stop coming for a moment (a scrub passes).
            loop {
                while let Ok(more) = jobs.try_recv() {
                    pending.push(more);
                }
                if !pending.iter().any(|j| matches!(j, NeuralJob::Draw { .. })) {
                    break;
                }
                match jobs.recv_timeout(SETTLE) {
                    Ok(more) => pending.push(more),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            let newest = pending
                .iter()
                .rposition(|j| matches!(j, NeuralJob::Draw { .. }));
            let mut draw = None;
            for (i, job) in pending.into_iter().enumerate() {
                match job {
                    NeuralJob::Clear => self.animation = None,
                    NeuralJob::Prepare {
                        generation,
                        stage,
                        cancel,
                    } => self.prepare(generation, *stage, &cancel),
                    job @ NeuralJob::Draw { .. } if Some(i) == newest => draw = Some(job),
                    NeuralJob::Draw { .. } => {}
                }
            }
            if let Some(NeuralJob::Draw {
                generation,
                k,
                stop,
                driving,
            }) = draw
            {
                self.draw(generation, k, &stop, driving);
            }
        }
    }

    fn prepare(&mut self, generation: u64, stage: FinalStage, cancel: &AtomicBool) {
        self.animation = None;
        let blocks = stage.kind().frame_steps() as usize;
        let (events, repaint) = (self.events.clone(), self.repaint.clone());
        let progress = move |stage: Stage| {
            let (text, fraction) = match stage {
                Stage::Analysing(d, t) => (
                    format!("Reading the clip's motion for the neural engine: frame {d} of {t}"),
                    Some(d as f32 / t.max(1) as f32),
                ),
                _ => ("Getting the neural engine ready".into(), None),
            };
            let _ = events.send(Event::Progress {
                task: Task::NeuralFrame,
                text,
                fraction,
            });
            repaint();
        };
        progress(Stage::Source);
        match guarded(|| Ok(stage.prepare(cancel, &progress)?)) {
            Ok(animation) => {
                let notes = animation.notes.clone();
                self.animation = Some((generation, animation, blocks));
                self.send(Event::NeuralReady { generation, notes });
            }
            // A newer preparation took its place.
            Err(e) if e.failure() == crate::pipeline::Failure::Cancelled => {}
            Err(error) => self.send(Event::Failed {
                task: Task::NeuralFrame,
                error: Arc::new(error),
            }),
        }
    }

    fn draw(
        &mut self,
        generation: u64,
        k: u64,
        stop: &AtomicBool,
        driving: Option<(Arc<ColorImage>, Box<Face68>)>,
    ) {
        let Some((have, animation, blocks)) = self.animation.as_mut() else {
            return;
        };
        if *have != generation || stop.load(Ordering::Relaxed) {
            return;
        }
        let blocks = *blocks;
        let probe = self.probe.lock().ok().and_then(|p| p.clone());
        let (events, repaint) = (self.events.clone(), self.repaint.clone());
        let report = move |passed: usize| {
            if let Some(probe) = &probe {
                probe(generation, k, passed);
            }
            let _ = events.send(Event::NeuralDrawing {
                generation,
                k,
                fraction: (passed as f32 / blocks.max(1) as f32).min(1.0),
            });
            repaint();
        };
        report(0);
        let until = Stop::when(stop).with_probe(&report);
        let started = Instant::now();
        let mut panicked = true;
        let result = guarded(|| {
            let r = animation.frame_and_source_until(k, &until);
            panicked = false;
            Ok(r?)
        });
        let elapsed = started.elapsed();
        match result {
            Ok((image, source)) => self.send(Event::Frame {
                generation,
                k,
                result: color_image(&image),
                source,
                driving,
                drawn: Drawn::Neural(elapsed),
            }),
            Err(e) if e.failure() == crate::pipeline::Failure::Cancelled => {
                self.send(Event::NeuralCancelled(NeuralCancel {
                    generation,
                    k,
                    passed: until.passed(),
                    blocks,
                    after: elapsed,
                }))
            }
            Err(error) => {
                if panicked {
                    // The engine may be half-way through a change; drop it.
                    self.animation = None;
                }
                self.send(Event::Failed {
                    task: Task::NeuralFrame,
                    error: Arc::new(error),
                });
            }
        }
    }
}
