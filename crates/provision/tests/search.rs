//! Offer search (P4) and product comparison (P2) against the emulator.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use alibabacloud_core::RetryPolicy;
use alibabacloud_emulator::{Emulator, Fault, Product as EmuProduct, Selector, StockStatus};
use alibabacloud_provision::search::{FallbackKind, FallbackPlan, SearchError, StockLevel};
use alibabacloud_provision::{GpuModel, Product, Requirements, SearchOptions, Searcher};

async fn emulator() -> Emulator {
    Emulator::builder().frozen_clock().start().await.unwrap()
}

fn req(text: &str) -> Requirements {
    text.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p4_finds_gpu_offers_across_regions_ranked_by_price() {
    let emu = emulator().await;
    let searcher = Searcher::new(&emu.config());
    let result = searcher
        .find_offers(&req("8 vCPU 30 GiB 1x A10"))
        .await
        .unwrap();
    assert!(result.degraded.is_empty(), "{:?}", result.degraded);
    assert_eq!(result.regions.len(), 12, "every listed region is searched");
    assert!(!result.found.is_empty());
    let regions: BTreeSet<&str> = result
        .found
        .iter()
        .map(|f| f.offer.region.as_str())
        .collect();
    assert!(
        regions.len() >= 5,
        "offers from several regions: {regions:?}"
    );
    for f in &result.found {
        let o = &f.offer;
        assert_eq!(o.product, Product::Ecs);
        assert!(o.spec.starts_with("ecs.gn7i-"), "{}", o.spec);
        let (model, count) = o.gpu.clone().unwrap();
        assert_eq!(model, GpuModel::A10);
        assert!(count >= 1 && o.vcpu >= 8 && o.memory_gib >= 30.0);
        assert!(o.zone.as_deref().unwrap().starts_with(&o.region));
    }
    for pair in result.found.windows(2) {
        assert!(
            pair[0].offer.hourly_price.amount <= pair[1].offer.hourly_price.amount,
            "ranked by price"
        );
    }
    // The cheapest region of the catalog for this type comes first, with
    // the price DescribePrice gives.
    let best = result.best().unwrap();
    assert_eq!(best.region, "cn-wulanchabu");
    assert_eq!(best.spec, "ecs.gn7i-c8g1.2xlarge");
    let ecs = alibabacloud_ecs::Client::new(&emu.config());
    let price = ecs
        .describe_price()
        .region_id("cn-wulanchabu")
        .resource_type("instance")
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .price_unit("Hour")
        .send()
        .await
        .unwrap();
    let trade = price.price_info().unwrap().price().unwrap().trade_price();
    assert_eq!(Some(best.hourly_price.amount), trade);
    // Catalog stock exceptions: gn7i is sold out in cn-hangzhou-h.
    assert!(
        !result
            .found
            .iter()
            .any(|f| f.offer.zone.as_deref() == Some("cn-hangzhou-h"))
    );
    // Nothing larger than needed sorts before the exact fit at equal price.
    assert!(result.found[0].fit <= result.found.last().unwrap().fit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p4_gpu_model_aliases_match() {
    let emu = emulator().await;
    let options = SearchOptions::default().regions(["cn-hangzhou", "cn-shanghai"]);
    let searcher = Searcher::with_options(&emu.config(), options).unwrap();
    let specs = |r: &alibabacloud_provision::SearchResult| -> Vec<(String, Option<String>)> {
        r.found
            .iter()
            .map(|f| (f.offer.spec.clone(), f.offer.zone.clone()))
            .collect()
    };
    let short = searcher.find_offers(&req("1x A10")).await.unwrap();
    let vendor = Requirements::builder()
        .gpu(Some(GpuModel::normalize("NVIDIA A10")), 1)
        .build()
        .unwrap();
    let long = searcher.find_offers(&vendor).await.unwrap();
    let lower = searcher.find_offers(&req("gpu=nvidia_a10")).await.unwrap();
    assert!(!short.found.is_empty());
    assert_eq!(specs(&short), specs(&long));
    assert_eq!(specs(&short), specs(&lower));
    // A10 is not A100, and T4 finds only T4 types.
    assert!(
        short
            .found
            .iter()
            .all(|f| f.offer.spec.starts_with("ecs.gn7i-"))
    );
    let t4 = searcher.find_offers(&req("1x T4")).await.unwrap();
    assert!(!t4.found.is_empty());
    assert!(
        t4.found
            .iter()
            .all(|f| f.offer.spec.starts_with("ecs.gn6i-"))
    );
    // GPU memory per card: only the 80 GiB A100 family passes 64 GiB.
    let big = Searcher::with_options(
        &emu.config(),
        SearchOptions::default()
            .regions(["cn-shanghai"])
            .min_gpu_memory_gib(64.0),
    )
    .unwrap()
    .find_offers(&req("1x A100"))
    .await
    .unwrap();
    assert!(!big.found.is_empty());
    assert!(
        big.found
            .iter()
            .all(|f| f.offer.spec.starts_with("ecs.gn7e-"))
    );
    assert!(big.found.iter().all(|f| f.gpu_memory_gib == Some(80.0)));
    // A CPU task gets no GPU type.
    let cpu = searcher.find_offers(&req("4 vCPU 16 GiB")).await.unwrap();
    assert!(!cpu.found.is_empty());
    assert!(cpu.found.iter().all(|f| f.offer.gpu.is_none()));
    // x86 only unless ARM is allowed.
    assert!(cpu.found.iter().all(|f| !f.offer.spec.contains("8y.")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p4_a_failing_region_is_degraded_with_a_reason() {
    let emu = emulator().await;
    let config = emu
        .config()
        .to_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let searcher = Searcher::new(&config);
    // The next DescribeAvailableResource answers 500: one region's stock
    // query, whichever comes first.
    emu.control().fail_next(
        Selector::action(EmuProduct::Ecs, "DescribeAvailableResource"),
        Fault::ServerError,
        1,
    );
    let result = searcher.find_offers(&req("1x A10")).await.unwrap();
    assert_eq!(result.degraded.len(), 1, "{:?}", result.degraded);
    let d = &result.degraded[0];
    assert!(
        d.reason.contains("DescribeAvailableResource"),
        "{}",
        d.reason
    );
    assert!(d.reason.contains("InternalError"), "{}", d.reason);
    assert!(result.is_degraded(&d.region));
    assert!(result.found.iter().all(|f| f.offer.region != d.region));
    let regions: BTreeSet<&str> = result
        .found
        .iter()
        .map(|f| f.offer.region.as_str())
        .collect();
    assert!(
        regions.len() >= 4,
        "the other regions still answer: {regions:?}"
    );

    // A call over the per-call timeout degrades its region the same way.
    emu.control().set_latency(
        Selector::action(EmuProduct::Ecs, "DescribeAvailableResource"),
        Duration::from_secs(3),
    );
    let slow = Searcher::with_options(
        &config,
        SearchOptions::default()
            .regions(["cn-hangzhou", "cn-beijing"])
            .call_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let started = Instant::now();
    let result = slow.find_offers(&req("1x A10")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(result.found.is_empty());
    assert_eq!(result.degraded.len(), 2);
    assert!(
        result
            .degraded
            .iter()
            .all(|d| d.reason.contains("timed out")),
        "{:?}",
        result.degraded
    );

    // A failure every region depends on is an error, not a degraded region.
    emu.control().clear_latency();
    emu.control().fail_next(
        Selector::action(EmuProduct::Ecs, "DescribeRegions"),
        Fault::ServerError,
        1,
    );
    let err = searcher.find_offers(&req("1x A10")).await.unwrap_err();
    assert!(
        matches!(
            err,
            SearchError::Global {
                action: "DescribeRegions",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p4_sold_out_zone_is_excluded_and_low_stock_ranks_later() {
    let emu = emulator().await;
    let options = SearchOptions::default().regions(["cn-wulanchabu"]);
    let searcher = Searcher::with_options(&emu.config(), options).unwrap();
    let spec = "ecs.gn7i-c8g1.2xlarge";
    let zones = |r: &alibabacloud_provision::SearchResult| -> Vec<String> {
        r.found
            .iter()
            .filter(|f| f.offer.spec == spec)
            .map(|f| f.offer.zone.clone().unwrap())
            .collect()
    };
    let before = searcher.find_offers(&req("1x A10")).await.unwrap();
    assert_eq!(
        zones(&before),
        ["cn-wulanchabu-a", "cn-wulanchabu-b", "cn-wulanchabu-c"]
    );
    emu.control().sold_out("cn-wulanchabu-a", spec).unwrap();
    emu.control()
        .set_stock("cn-wulanchabu-b", spec, StockStatus::ClosedWithStock)
        .unwrap();
    let after = searcher.find_offers(&req("1x A10")).await.unwrap();
    assert_eq!(zones(&after), ["cn-wulanchabu-c", "cn-wulanchabu-b"]);
    let b = after
        .found
        .iter()
        .find(|f| f.offer.spec == spec && f.offer.zone.as_deref() == Some("cn-wulanchabu-b"))
        .unwrap();
    assert_eq!(b.stock, StockLevel::ClosedWithStock);
    // Other types in the sold-out zone are still offered.
    assert!(
        after
            .found
            .iter()
            .any(|f| f.offer.zone.as_deref() == Some("cn-wulanchabu-a"))
    );

    // The fallback after a stock-out in zone c: zone b, then smaller types
    // would follow; never another product.
    let ranked = after.offers();
    let failed = ranked[0].clone();
    let plan: Vec<_> = FallbackPlan::new(&ranked, &failed).collect();
    assert_eq!(plan[0].kind, FallbackKind::NextZone);
    assert_eq!(plan[0].offer.zone.as_deref(), Some("cn-wulanchabu-b"));
    assert!(plan.iter().all(|f| f.offer.product == Product::Ecs));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p4_concurrency_bound_is_respected() {
    let emu = emulator().await;
    let latency = Duration::from_millis(100);
    emu.control().set_latency(Selector::any(), latency);
    let regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen"];
    let emu = &emu;
    let run = |bound: usize| {
        let config = emu.config();
        async move {
            let searcher = Searcher::with_options(
                &config,
                SearchOptions::default().regions(regions).concurrency(bound),
            )
            .unwrap();
            emu.control().clear_requests();
            let started = Instant::now();
            let result = searcher.find_offers(&req("1x A10")).await.unwrap();
            let elapsed = started.elapsed();
            assert!(result.degraded.is_empty());
            (elapsed, emu.control().requests().len())
        }
    };
    let (narrow, calls) = run(2).await;
    assert!(calls >= 10, "{calls} calls");
    // With 2 in flight, the calls take at least calls/2 latencies.
    let floor = latency * u32::try_from(calls / 2).unwrap();
    assert!(
        narrow >= floor.mul_f64(0.9),
        "{calls} calls with 2 in flight took {narrow:?}, less than {floor:?}"
    );
    let (wide, wide_calls) = run(16).await;
    assert_eq!(calls, wide_calls);
    assert!(
        wide * 2 < narrow,
        "16 in flight ({wide:?}) is not much faster than 2 ({narrow:?})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p4_cancellation_stops_outstanding_work() {
    let emu = emulator().await;
    emu.control()
        .set_latency(Selector::any(), Duration::from_millis(300));
    let searcher = Searcher::new(&emu.config());
    emu.control().clear_requests();
    let started = Instant::now();
    let err = searcher
        .find_offers_until(
            &req("1x A10"),
            tokio::time::sleep(Duration::from_millis(450)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SearchError::Cancelled), "{err}");
    assert!(started.elapsed() < Duration::from_millis(650));
    // Regions and types were listed (300 ms), the stock queries were in
    // flight; no price was ever asked, and nothing new starts later.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let log = emu.control().requests();
    let count = |action: &str| {
        log.iter()
            .filter(|r| r.action.as_deref() == Some(action))
            .count()
    };
    assert_eq!(count("DescribePrice"), 0, "{log:?}");
    assert!(log.len() <= 14, "{} requests", log.len());

    // Without the stop signal the same search goes on to the prices.
    emu.control().clear_latency();
    emu.control().clear_requests();
    let done = searcher
        .find_offers_until(&req("1x A10"), std::future::pending())
        .await
        .unwrap();
    assert!(!done.found.is_empty());
    assert!(
        emu.control()
            .requests()
            .iter()
            .any(|r| r.action.as_deref() == Some("DescribePrice"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p2_comparison_recommends_and_locks_product() {
    let emu = emulator().await;
    let searcher = Searcher::new(&emu.config());

    // Training: PAI-DLC and FC are compared with real calls.
    let cmp = searcher
        .compare(&req("training 8 vCPU 30 GiB 1x A10 budget 200 CNY for 3h"))
        .await
        .unwrap();
    assert!(!cmp.locked);
    assert!(!cmp.run_time_assumed);
    let products: Vec<Product> = cmp.candidates.iter().map(|c| c.product).collect();
    assert_eq!(products, [Product::PaiDlc, Product::Fc]);
    let dlc = cmp.candidate(Product::PaiDlc).unwrap();
    let fc = cmp.candidate(Product::Fc).unwrap();
    let dlc_best = dlc
        .best()
        .unwrap_or_else(|| panic!("no DLC offer: {:?} {:?}", dlc.unavailable, dlc.degraded));
    assert!(dlc_best.spec.starts_with("ecs.gn7i-"));
    assert!(dlc_best.zone.is_none());
    // FC GPU functions need a container image: not a candidate for a script.
    assert!(fc.best().is_none());
    assert_eq!(
        fc.unavailable.as_deref(),
        Some(alibabacloud_provision::compare::FC_GPU_UNSUPPORTED)
    );
    assert_eq!(dlc.within_budget, Some(true));
    assert_eq!(cmp.recommendation, Some(Product::PaiDlc));
    let text = cmp.to_string();
    assert!(text.contains("Recommendation: PAI-DLC"), "{text}");
    assert!(
        cmp.reasons.iter().any(|r| r.contains("custom container")),
        "{:?}",
        cmp.reasons
    );

    // Without a GPU both compete on price.
    let cpu = searcher
        .compare(&req("training 8 vCPU 16 GiB budget 200 CNY for 3h"))
        .await
        .unwrap();
    let fc = cpu.candidate(Product::Fc).unwrap();
    assert!(fc.best().unwrap().spec.starts_with("fc.cpu"), "{cpu}");
    assert!(
        cpu.reasons
            .iter()
            .any(|r| r.contains("lowest estimated total")),
        "{:?}",
        cpu.reasons
    );

    // A named product is locked: only it is evaluated and recommended.
    let locked = searcher
        .compare(&req("training 4 vCPU 8 GiB for 2h product=fc"))
        .await
        .unwrap();
    assert!(locked.locked);
    assert_eq!(locked.candidates.len(), 1);
    assert_eq!(locked.recommendation, Some(Product::Fc));

    // Locked with no offer: no silent switch to another product.
    let none = searcher
        .compare(&req("training 2x A10 product=fc"))
        .await
        .unwrap();
    assert_eq!(none.recommendation, None);
    assert!(none.run_time_assumed);
    assert!(
        none.reasons.iter().any(|r| r.contains("locked")),
        "{:?}",
        none.reasons
    );
    assert!(
        none.candidates[0]
            .unavailable
            .as_deref()
            .unwrap()
            .contains("custom container")
    );

    // A service: ECS against ACK (node price plus the cluster fee).
    let service = Searcher::with_options(
        &emu.config(),
        SearchOptions::default().regions(["cn-hangzhou", "cn-beijing"]),
    )
    .unwrap()
    .compare(&req("service 2 vCPU 8 GiB for 10h"))
    .await
    .unwrap();
    let ecs = service.candidate(Product::Ecs).unwrap();
    let ack = service.candidate(Product::Ack).unwrap();
    let (e, a) = (ecs.best().unwrap(), ack.best().unwrap());
    assert_eq!(e.spec, a.spec);
    assert!(a.hourly_price.amount > e.hourly_price.amount);
    assert_eq!(service.recommendation, Some(Product::Ecs));
}
