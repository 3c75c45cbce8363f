//! Face-stage throughput on the CPU: detector, 68-point net and mesh, one face at a time.
//! Targets (2-core machine, release): detector + 68 points ≥ 200 faces/s; mesh ≥ 100 faces/s.

use candle_core::Device;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vivant::face::Analyzer;
use vivant::face::landmarks68::Crop;
use vivant::face::mesh;
use vivant::media::load_image;
use vivant::models::ModelSource;

fn bench(c: &mut Criterion) {
    vivant::init_compute_threads();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/astronaut.png");
    let img = match load_image(path) {
        Ok(i) => i.rgb8(),
        Err(e) => panic!("bench fixture: {e}"),
    };
    let analyzer = match Analyzer::new(&Device::Cpu, &ModelSource::Embedded) {
        Ok(a) => a,
        Err(e) => panic!("analyzer: {e}"),
    };
    let det = match analyzer.detector.detect(&img) {
        Ok(d) if !d.is_empty() => d[0].clone(),
        _ => panic!("no face in the bench fixture"),
    };
    let mut g = c.benchmark_group("face");
    g.throughput(Throughput::Elements(1));
    g.bench_function("detect", |b| b.iter(|| analyzer.detector.detect(&img)));
    let crop = Crop::upright_from_box(det.bbox, det.roll());
    g.bench_function("landmarks68", |b| {
        b.iter(|| analyzer.landmarks.detect(&img, crop))
    });
    g.bench_function("detect+landmarks68", |b| {
        b.iter(|| {
            let d = analyzer.detector.detect(&img);
            let l = analyzer.landmarks.detect(&img, crop);
            (d, l)
        })
    });
    let roi = mesh::roi(det.bbox, det.roll());
    g.bench_function("mesh", |b| b.iter(|| analyzer.mesh.detect(&img, &roi)));
    g.bench_function("analyze (all three)", |b| b.iter(|| analyzer.analyze(&img)));
    g.finish();

    // Throughput as the pipeline uses it: one stream of faces per core.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut g = c.benchmark_group(format!("face-{workers}-workers"));
    g.throughput(Throughput::Elements(workers as u64));
    let parallel = |f: &(dyn Fn() + Sync)| {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(f);
            }
        })
    };
    g.bench_function("detect+landmarks68", |b| {
        b.iter(|| {
            parallel(&|| {
                let _ = analyzer.detector.detect(&img);
                let _ = analyzer.landmarks.detect(&img, crop);
            })
        })
    });
    g.bench_function("mesh", |b| {
        b.iter(|| parallel(&|| drop(analyzer.mesh.detect(&img, &roi))))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
