//! Offer search (P4) over every emulator region with 100 ms of injected
//! latency per call: the default concurrency bound (16 calls in flight)
//! against the same code with one call in flight.
//!
//! `cargo bench -p alibabacloud-provision --bench search`

use std::time::{Duration, Instant};

use alibabacloud_emulator::{Emulator, Selector};
use alibabacloud_provision::search::DEFAULT_CONCURRENCY;
use alibabacloud_provision::{Requirements, SearchOptions, Searcher};
use criterion::{Criterion, criterion_group, criterion_main};

const LATENCY: Duration = Duration::from_millis(100);

fn searcher(emu: &Emulator, concurrency: usize) -> Searcher {
    Searcher::with_options(
        &emu.config(),
        SearchOptions::default().concurrency(concurrency),
    )
    .expect("valid options")
}

async fn search(searcher: &Searcher, req: &Requirements) -> usize {
    let result = searcher.find_offers(req).await.expect("search runs");
    assert!(result.degraded.is_empty(), "{:?}", result.degraded);
    assert_eq!(result.regions.len(), 12, "every emulator region");
    result.found.len()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let emu = rt.block_on(Emulator::start()).expect("the emulator starts");
    emu.control().set_latency(Selector::any(), LATENCY);
    let req: Requirements = "8 vCPU 30 GiB 1x A10".parse().expect("requirements");
    let concurrent = searcher(&emu, DEFAULT_CONCURRENCY);
    let sequential = searcher(&emu, 1);

    // One timed pass of each, with the number of calls, for the record.
    let mut walls = Vec::new();
    for (name, s) in [("concurrent", &concurrent), ("sequential", &sequential)] {
        emu.control().clear_requests();
        let started = Instant::now();
        let offers = rt.block_on(search(s, &req));
        let wall = started.elapsed();
        let calls = emu.control().requests().len();
        eprintln!(
            "{name}: {offers} offers, {calls} calls, {:.3} s",
            wall.as_secs_f64()
        );
        walls.push(wall);
    }
    eprintln!(
        "single-pass ratio sequential/concurrent: {:.1}x",
        walls[1].as_secs_f64() / walls[0].as_secs_f64()
    );

    let mut group = c.benchmark_group("search_all_regions_100ms_latency");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("concurrency_16", |b| {
        b.to_async(&rt).iter(|| search(&concurrent, &req))
    });
    group.bench_function("concurrency_1", |b| {
        b.to_async(&rt).iter(|| search(&sequential, &req))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
