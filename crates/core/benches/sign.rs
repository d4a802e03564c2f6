//! Cost of signing one request, next to the cryptographic floor.
//!
//! For a typical RPC call and a typical ROA call this measures
//!
//! - `<case>/signer`: `alibabacloud_core::sign::sign` end to end;
//! - `<case>/floor`: only the hashing any V3 signer must do for that request:
//!   SHA-256 of the body, SHA-256 of as many bytes as the canonical request
//!   has, and one HMAC-SHA256 (key setup included) over a string-to-sign-sized
//!   input.
//!
//! The ratio signer/floor is what canonicalization, sorting, encoding and
//! allocation cost on top of the unavoidable work.
//!
//! Run with `cargo bench -p alibabacloud-core --bench sign`.

use std::hint::black_box;
use std::time::Duration;

use alibabacloud_core::sign::{self, ALGORITHM, SignableRequest, SigningKey};
use criterion::{Criterion, criterion_group, criterion_main};
use ring::{digest, hmac};

const KEY: SigningKey<'static> = SigningKey {
    access_key_id: "LTAI5tBenchmarkKeyId0001",
    access_key_secret: "BenchmarkSecretValue0123456789ab",
};

/// One request's owned parts: query, headers, body.
struct Case {
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// ECS DescribeInstances as generated code sends it: `POST /`, ten query
/// parameters (unsorted, one of them a JSON-encoded array), the usual
/// `x-acs-*` headers and an empty body.
fn rpc_request() -> Case {
    let query = pairs(&[
        ("RegionId", "cn-hangzhou"),
        (
            "InstanceIds",
            r#"["i-bp1g6zv0ce8oghu7k7aa","i-bp1g6zv0ce8oghu7k7ab","i-bp1g6zv0ce8oghu7k7ac"]"#,
        ),
        ("VpcId", "vpc-bp1opxu1zkhn00gzv26cm"),
        ("VSwitchId", "vsw-bp1s5fnvk4gn2tws03624"),
        ("ZoneId", "cn-hangzhou-i"),
        ("InstanceChargeType", "PostPaid"),
        ("InstanceName", "train-worker-*"),
        ("Status", "Running"),
        ("PageSize", "50"),
        ("PageNumber", "1"),
    ]);
    let headers = pairs(&[
        ("host", "ecs.cn-hangzhou.aliyuncs.com"),
        ("x-acs-action", "DescribeInstances"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", "2026-11-25T04:00:00Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ("user-agent", "alibabacloud-rust-sdk/0.1.0 ecs/0.1.0"),
    ]);
    Case {
        query,
        headers,
        body: Vec::new(),
    }
}

/// PAI-DLC CreateJob: `POST /api/v1/jobs` with a JSON body of about 2 KB.
fn roa_request() -> Case {
    let headers = pairs(&[
        ("host", "pai-dlc.cn-hangzhou.aliyuncs.com"),
        ("x-acs-action", "CreateJob"),
        ("x-acs-version", "2020-12-03"),
        ("x-acs-date", "2026-11-25T04:00:00Z"),
        ("x-acs-signature-nonce", "9b1d2c8e7f6a5b4c3d2e1f0a9b8c7d6e"),
        ("content-type", "application/json; charset=utf-8"),
        ("user-agent", "alibabacloud-rust-sdk/0.1.0 pai-dlc/0.1.0"),
    ]);
    let mut body = String::from(
        r#"{"WorkspaceId":"86995","DisplayName":"resnet50-imagenet-20261124","JobType":"PyTorchJob","#,
    );
    body.push_str(
        r#""JobSpecs":[{"Type":"Worker","Image":"dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.3-gpu-py310-cu121-ubuntu22.04","PodCount":4,"EcsSpec":"ecs.gn7i-c32g1.8xlarge","UseSpotInstance":false},{"Type":"Master","Image":"dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.3-gpu-py310-cu121-ubuntu22.04","PodCount":1,"EcsSpec":"ecs.gn7i-c32g1.8xlarge"}],"#,
    );
    body.push_str(
        r#""UserCommand":"cd /mnt/code && pip install -r requirements.txt && torchrun --nnodes=$WORLD_SIZE --node_rank=$RANK --master_addr=$MASTER_ADDR --master_port=$MASTER_PORT --nproc_per_node=1 train.py --data /mnt/data/imagenet --epochs 90 --batch-size 256 --lr 0.1 --output /mnt/output","#,
    );
    body.push_str(
        r#""DataSources":[{"DataSourceId":"d-k4v2ztxbmmzdtxcg4z","MountPath":"/mnt/data"},{"Uri":"oss://pai-bench-bucket.oss-cn-hangzhou-internal.aliyuncs.com/output/","MountPath":"/mnt/output"}],"#,
    );
    body.push_str(
        r#""CodeSource":{"CodeSourceId":"code-20211004142453-3e4f1ee5f4","Branch":"main","MountPath":"/mnt/code"},"#,
    );
    body.push_str(r#""Envs":{"NCCL_DEBUG":"INFO","OMP_NUM_THREADS":"8","PYTHONUNBUFFERED":"1"},"#);
    body.push_str(
        r#""Settings":{"EnableRDMA":true,"EnableErrorMonitoringInAIMaster":true,"ErrorMonitoringArgs":"--job-execution-mode=Sync --enable-local-detection=true","JobReservedMinutes":0,"JobReservedPolicy":"Never","EnableSanityCheck":true,"SanityCheckArgs":"--sanity-check-timing=AfterJobFaultTolerant"},"#,
    );
    body.push_str(
        r#""ElasticSpec":{"AIMasterType":"Elastic","EnableElasticTraining":false},"ThirdpartyLibs":["transformers==4.46.0","datasets==3.0.1","accelerate==1.0.1"],"#,
    );
    body.push_str(r#""Priority":1,"Description":""#);
    // Pad the description so the body is 2 KB, like a real job with notes.
    while body.len() < 2048 - 3 {
        body.push('x');
    }
    body.push_str(r#""}"#);
    assert!((2040..=2056).contains(&body.len()), "{}", body.len());
    serde_json::from_str::<serde_json::Value>(&body).expect("bench body is valid JSON");
    Case {
        query: Vec::new(),
        headers,
        body: body.into_bytes(),
    }
}

/// The hashing a V3 signature cannot avoid for a request whose body is
/// `body` and whose canonical request is `canonical_len` bytes long.
fn floor(body: &[u8], filler: &[u8], canonical_len: usize, secret: &[u8]) -> hmac::Tag {
    let body_hash = digest::digest(&digest::SHA256, body);
    let request_hash = digest::digest(&digest::SHA256, &filler[..canonical_len]);
    black_box((body_hash, request_hash));
    let string_to_sign = [b'a'; ALGORITHM.len() + 1 + 64];
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::sign(&key, black_box(&string_to_sign))
}

fn bench_case(
    c: &mut Criterion,
    name: &str,
    method: &str,
    path: &str,
    Case {
        query,
        headers,
        body,
    }: Case,
) {
    let request = SignableRequest {
        method,
        path,
        query: &query,
        headers: &headers,
        body: &body,
    };
    let canonical_len = sign::canonical_request(&request).len();
    let filler = vec![b'c'; canonical_len];
    eprintln!(
        "sign/{name}: canonical request {canonical_len} bytes, body {} bytes",
        body.len()
    );

    let mut group = c.benchmark_group("sign");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    group.bench_function(format!("{name}/signer"), |b| {
        b.iter(|| sign::sign(black_box(&request), black_box(KEY)))
    });
    group.bench_function(format!("{name}/floor"), |b| {
        b.iter(|| {
            floor(
                black_box(&body),
                black_box(&filler),
                black_box(canonical_len),
                black_box(KEY.access_key_secret.as_bytes()),
            )
        })
    });
    group.finish();
}

fn sign_benches(c: &mut Criterion) {
    bench_case(c, "rpc", "POST", "/", rpc_request());
    bench_case(c, "roa", "POST", "/api/v1/jobs", roa_request());
}

criterion_group!(benches, sign_benches);
criterion_main!(benches);
