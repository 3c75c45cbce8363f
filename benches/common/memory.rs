//! The process's peak resident memory, for the benchmarks' reports (the library's reader).

pub use vivant::neural::bench::peak_memory_mb as peak_rss_mb;
