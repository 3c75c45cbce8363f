//! How many cores one network op may use.
//!
//! The face networks are small: splitting their ops over cores costs more in hand-offs than
//! it gains, so candle's own ops run on the calling thread (`init_compute_threads`) and Vivant
//! runs independent work side by side instead. The neural engine's convolutions are the
//! opposite (up to 140 GFLOP for one op), so the kernels in this module split any op above
//! [`PARALLEL_FLOPS`] over a pool of their own, sized to the machine. Small ops never touch it.

use std::sync::OnceLock;

/// Below this many floating-point operations an op runs on the calling thread.
pub const PARALLEL_FLOPS: f64 = 2.0e7;

static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();

/// Threads asked for in code (`set_compute_threads`), 0 when not.
static ASKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Use `n` threads for the large kernels (`vivant models bench --threads`): only before the
/// first large op builds the pool; false after.
pub fn set_compute_threads(n: usize) -> bool {
    ASKED.store(n.max(1), std::sync::atomic::Ordering::Relaxed);
    POOL.get().is_none()
}

/// The settings of the kernels' environment variables that are set but not understood (each
/// ignored), as sentences: said once by the front ends rather than silently dropped.
pub fn misread_settings() -> Vec<String> {
    let mut said = Vec::new();
    if let Ok(v) = std::env::var("VIVANT_THREADS")
        && !v.trim().parse::<usize>().is_ok_and(|n| n > 0)
    {
        said.push(format!(
            "VIVANT_THREADS={v} is not a number of threads (1 or more); it is ignored"
        ));
    }
    if let Ok(v) = std::env::var("VIVANT_CPU")
        && super::simd::Isa::parse(v.trim()).is_none()
    {
        said.push(format!(
            "VIVANT_CPU={v} is not avx512, avx2 or generic; it is ignored"
        ));
    }
    said
}

/// Threads the large kernels use: what `set_compute_threads` asked for, else `VIVANT_THREADS`
/// when set, else every core this process may run on.
pub fn compute_threads() -> usize {
    let asked = ASKED.load(std::sync::atomic::Ordering::Relaxed);
    if asked > 0 {
        return asked;
    }
    std::env::var("VIVANT_THREADS")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

fn pool() -> Option<&'static rayon::ThreadPool> {
    POOL.get_or_init(|| {
        let n = compute_threads();
        if n <= 1 {
            return None;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("vivant-nn-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Run `f(i)` for every `i` in `0..count`: on the pool when the op is worth `flops` above
/// the threshold, else in order on this thread.
pub fn for_each(count: usize, flops: f64, f: impl Fn(usize) + Sync + Send) {
    use rayon::prelude::*;
    match pool() {
        Some(p) if flops >= PARALLEL_FLOPS && count > 1 => {
            p.install(|| (0..count).into_par_iter().for_each(&f))
        }
        _ => (0..count).for_each(f),
    }
}

/// Run `f` inside the pool (so a GEMM's own `Parallelism::Rayon` uses its threads) when the
/// work is worth `flops`, else right here.
pub fn install<R: Send>(flops: f64, f: impl FnOnce(bool) -> R + Send) -> R {
    match pool() {
        Some(p) if flops >= PARALLEL_FLOPS => p.install(|| f(true)),
        _ => f(false),
    }
}

/// A GEMM's parallelism inside [`install`].
pub fn gemm_parallelism(parallel: bool) -> gemm::Parallelism {
    if parallel {
        gemm::Parallelism::Rayon(compute_threads())
    } else {
        gemm::Parallelism::None
    }
}

/// A pointer that kernels share between threads, each writing a disjoint part of one buffer.
#[derive(Clone, Copy)]
pub(crate) struct SharedMut(pub *mut f32);
// SAFETY: every user writes disjoint index ranges and the buffer outlives the parallel section.
unsafe impl Send for SharedMut {}
unsafe impl Sync for SharedMut {}

impl SharedMut {
    /// The buffer's start (a method, so closures capture the whole Sync wrapper).
    pub(crate) fn ptr(self) -> *mut f32 {
        self.0
    }
}

/// As [`SharedMut`], for f64 buffers.
#[derive(Clone, Copy)]
pub(crate) struct SharedMut64(pub *mut f64);
// SAFETY: as for SharedMut.
unsafe impl Send for SharedMut64 {}
unsafe impl Sync for SharedMut64 {}

impl SharedMut64 {
    /// # Safety
    /// `i` is inside the buffer, and no other thread writes that element.
    pub(crate) unsafe fn write(self, i: usize, v: f64) {
        // SAFETY: as the caller promises.
        unsafe { *self.0.add(i) = v };
    }
}
