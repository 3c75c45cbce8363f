//! Stopping a forward pass part way. A neural frame takes seconds on the CPU; when it is no
//! longer wanted (the studio's playhead moved, an export was cancelled) W and G ask [`Stop`]
//! between their blocks — each stage of W's hourglass, each of G's SPADE blocks and the convs
//! inside them — and end with [`NeuralError::Cancelled`] as soon as it says so.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use super::NeuralError;

/// Whether to go on with a forward pass, asked at each block boundary. It counts the
/// boundaries passed, so a caller can say how far a run got (`passed`) or show progress
/// (`probe`).
#[derive(Default)]
pub struct Stop<'a> {
    flag: Option<&'a AtomicBool>,
    probe: Option<&'a (dyn Fn(usize) + 'a)>,
    passed: Cell<usize>,
}

impl<'a> Stop<'a> {
    /// Never stops: the whole pass runs.
    pub fn never() -> Self {
        Self::default()
    }

    /// Stops at the next block boundary once `flag` is set.
    pub fn when(flag: &'a AtomicBool) -> Self {
        Self {
            flag: Some(flag),
            ..Self::default()
        }
    }

    /// Also calls `probe` at each boundary with the number passed so far (progress; tests
    /// hold a run there), before the flag is read.
    pub fn with_probe(mut self, probe: &'a (dyn Fn(usize) + 'a)) -> Self {
        self.probe = Some(probe);
        self
    }

    /// Block boundaries passed so far.
    pub fn passed(&self) -> usize {
        self.passed.get()
    }

    /// Whether the flag is set (without counting a boundary).
    pub fn requested(&self) -> bool {
        self.flag.is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// A block boundary: `Err(Cancelled)` when the run is to stop here.
    pub fn check(&self) -> Result<(), NeuralError> {
        let n = self.passed.get() + 1;
        self.passed.set(n);
        if let Some(probe) = self.probe {
            probe(n);
        }
        if self.requested() {
            return Err(NeuralError::Cancelled);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_counts_boundaries_and_stops_once_asked() {
        let flag = AtomicBool::new(false);
        let seen = std::sync::Mutex::new(Vec::new());
        let probe = |n: usize| {
            if let Ok(mut s) = seen.lock() {
                s.push(n);
            }
        };
        let stop = Stop::when(&flag).with_probe(&probe);
        assert!(stop.check().is_ok() && stop.check().is_ok());
        flag.store(true, Ordering::Relaxed);
        assert!(matches!(stop.check(), Err(NeuralError::Cancelled)));
        assert_eq!(stop.passed(), 3);
        assert_eq!(*seen.lock().expect("probe calls"), vec![1, 2, 3]);
        let never = Stop::never();
        assert!(never.check().is_ok() && !never.requested());
    }
}
