//! Media-stage throughput: decoding the real webcam clip (400×300 H.264, 1337 frames) to RGB.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vivant::media::VideoSource;

fn bench(c: &mut Criterion) {
    let clip = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/webcam_man_400x300.mp4"
    );
    let mut g = c.benchmark_group("media");
    g.throughput(Throughput::Elements(1337));
    g.bench_function("decode webcam 400x300 (frames)", |b| {
        b.iter(|| match VideoSource::open(clip) {
            Ok(src) => src.filter(|f| f.is_ok()).count(),
            Err(e) => panic!("{e}"),
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
