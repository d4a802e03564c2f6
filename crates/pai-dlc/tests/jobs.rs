//! The job workflow (rules D2-D9) against the emulator.

use std::time::Duration;

use alibabacloud_emulator::{CreateFailure, Emulator, Fault, Selector};
use alibabacloud_pai_dlc::jobs::{
    Accelerator, CodeSource, Compute, DataSource, EcsSpecQuery, EcsSpecSort, JobError, JobSpec,
    JobStatus, JobType, Jobs, Limits, Section, Spot, TaskSpec, WaitOptions,
};
use alibabacloud_pai_dlc::types::ResourceConfig;

const WORKSPACE: &str = "100001";
const OTHER_WORKSPACE: &str = "100002";
const QUOTA: &str = "quota12ab34cd56ef";
const GPU_SPEC: &str = "ecs.gn6i-c4g1.xlarge";
const PYTORCH_GPU: &str = "pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04";

async fn setup() -> (Emulator, Jobs) {
    let emu = Emulator::builder()
        .frozen_clock()
        .start()
        .await
        .expect("the emulator starts");
    let jobs = Jobs::new(&emu.config()).with_create_retries(3, Duration::from_millis(10));
    (emu, jobs)
}

fn selector(text: &str) -> Selector {
    text.parse().expect("a valid selector")
}

/// The image URI of the official PyTorch GPU image, via the resolver.
async fn pytorch_image(jobs: &Jobs) -> String {
    jobs.resolve_image(PYTORCH_GPU, None)
        .await
        .expect("the official PyTorch image exists")
        .image_uri
}

fn worker(image: &str) -> TaskSpec {
    TaskSpec::builder("Worker")
        .image(image)
        .ecs_spec(GPU_SPEC)
        .build()
        .expect("a valid worker")
}

fn pytorch_job(name: &str, image: &str, command: &str) -> JobSpec {
    JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name(name)
        .job_type(JobType::PyTorchJob)
        .user_command(command)
        .task(worker(image))
        .build()
        .expect("a valid job")
}

fn quota_worker(image: &str) -> TaskSpec {
    TaskSpec::builder("Worker")
        .image(image)
        .resource_config(
            ResourceConfig::default()
                .with_cpu("8")
                .with_memory("32Gi")
                .with_gpu("1"),
        )
        .build()
        .expect("a valid quota worker")
}

fn actions(emu: &Emulator) -> Vec<String> {
    emu.control()
        .requests()
        .into_iter()
        .filter_map(|r| r.action)
        .collect()
}

// ---------------------------------------------------------------- D2

#[test]
fn d2_job_type_has_exactly_the_nine_server_values() {
    assert_eq!(
        JobType::names(),
        [
            "TFJob",
            "PyTorchJob",
            "MPIJob",
            "XGBoostJob",
            "OneFlowJob",
            "ElasticBatchJob",
            "SlurmJob",
            "RayJob",
            "DataJuicerJob"
        ]
    );
    for t in JobType::ALL {
        assert_eq!(t.as_str().parse::<JobType>().unwrap(), t);
    }
    for bad in [
        "pytorch",
        "Pytorch",
        "PYTORCH_JOB",
        "tf-job",
        "Custom",
        "CustomJob",
        "",
    ] {
        let err = bad.parse::<JobType>().unwrap_err();
        assert!(matches!(err, JobError::UnknownJobType { ref value } if value == bad));
        assert!(err.to_string().contains("PyTorchJob"), "{err}");
    }
    let err = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("x")
        .job_type_name("pytorchjob")
        .user_command("python train.py")
        .task(worker("img"))
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::UnknownJobType { .. }), "{err}");
}

#[test]
fn d2_bad_role_name_is_refused_per_job_type() {
    let cases = [
        (JobType::PyTorchJob, "Chief"),
        (JobType::PyTorchJob, "worker"),
        (JobType::TfJob, "Master"),
        (JobType::RayJob, "Master"),
        (JobType::XgBoostJob, "PS"),
    ];
    for (job_type, role) in cases {
        let task = TaskSpec::builder(role)
            .image("img")
            .ecs_spec(GPU_SPEC)
            .build()
            .unwrap();
        let mut b = JobSpec::builder()
            .workspace_id(WORKSPACE)
            .display_name("roles")
            .job_type(job_type)
            .user_command("python train.py")
            .task(task);
        if job_type != JobType::TfJob {
            b = b.task(worker("img"));
        }
        let err = b.build().unwrap_err();
        match &err {
            JobError::RoleNotAllowed {
                job_type: t,
                role: r,
                allowed,
            } => {
                assert_eq!(*t, job_type);
                assert_eq!(r, role);
                assert_eq!(allowed.as_slice(), job_type.allowed_roles().unwrap());
            }
            other => panic!("{job_type} / {role}: unexpected {other}"),
        }
        assert!(err.to_string().contains(role), "{err}");
    }
}

#[test]
fn d2_required_roles_duplicates_and_single_pod_roles() {
    // MPIJob needs a Master as well as a Worker.
    let err = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("mpi")
        .job_type(JobType::MpiJob)
        .user_command("mpirun python train.py")
        .task(worker("img"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, JobError::MissingRole { role: "Master", .. }),
        "{err}"
    );
    // PyTorchJob without a Worker.
    let master = TaskSpec::builder("Master")
        .image("img")
        .ecs_spec(GPU_SPEC)
        .build()
        .unwrap();
    let err = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("pt")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(master.clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(err, JobError::MissingRole { role: "Worker", .. }),
        "{err}"
    );
    // The same role twice.
    let err = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("dup")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(worker("img"))
        .task(worker("img"))
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::DuplicateRole { .. }), "{err}");
    // A Master runs as one pod.
    let two_masters = TaskSpec::builder("Master")
        .image("img")
        .ecs_spec(GPU_SPEC)
        .pod_count(2)
        .build()
        .unwrap();
    let err = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("pt")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(worker("img"))
        .task(two_masters)
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::Invalid { .. }), "{err}");
    // Framework-specific roles pass for SlurmJob.
    let node = TaskSpec::builder("Node")
        .image("img")
        .ecs_spec(GPU_SPEC)
        .build()
        .unwrap();
    JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("slurm")
        .job_type(JobType::SlurmJob)
        .user_command("srun hostname")
        .task(node)
        .build()
        .expect("SlurmJob roles are not restricted");
}

#[tokio::test]
async fn d2_every_accepted_role_set_is_accepted_by_the_service() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let combos: [(JobType, &[&str]); 6] = [
        (JobType::TfJob, &["Chief", "PS", "Worker", "Evaluator"]),
        (JobType::PyTorchJob, &["Worker", "Master"]),
        (JobType::MpiJob, &["Worker", "Master"]),
        (JobType::XgBoostJob, &["Worker"]),
        (JobType::ElasticBatchJob, &["Worker", "Master"]),
        (JobType::RayJob, &["Worker"]),
    ];
    for (i, (job_type, roles)) in combos.iter().enumerate() {
        let mut b = JobSpec::builder()
            .workspace_id(WORKSPACE)
            .display_name(format!("roles-{i}"))
            .job_type(*job_type)
            .user_command("python train.py");
        for role in *roles {
            b = b.task(
                TaskSpec::builder(*role)
                    .image(&image)
                    .ecs_spec(GPU_SPEC)
                    .build()
                    .unwrap(),
            );
        }
        let spec = b.build().unwrap();
        let sub = jobs.submit(&spec).await.unwrap();
        let job = jobs.get(&sub.job_id).await.unwrap();
        assert_eq!(job.job_type, job_type.as_str());
        assert_eq!(job.pods.len(), roles.len());
    }
    drop(emu);
}

// ---------------------------------------------------------------- D3

#[test]
fn d3_both_ecs_spec_and_resource_config_is_refused() {
    let err = TaskSpec::builder("Worker")
        .image("img")
        .ecs_spec(GPU_SPEC)
        .resource_config(ResourceConfig::default().with_cpu("4").with_memory("8Gi"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, JobError::BothEcsSpecAndResourceConfig { ref role } if role == "Worker"),
        "{err}"
    );
    assert!(err.to_string().contains("exactly one"), "{err}");
    let err = TaskSpec::builder("Worker")
        .image("img")
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::NoCompute { .. }), "{err}");
    let err = TaskSpec::builder("Worker")
        .ecs_spec(GPU_SPEC)
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::Missing { .. }), "{err}");
    let err = TaskSpec::builder("Worker")
        .image("img")
        .resource_config(ResourceConfig::default().with_gpu("1"))
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::Invalid { .. }), "{err}");
}

#[test]
fn d3_quota_id_is_required_for_resource_config_and_only_there() {
    let base = || {
        JobSpec::builder()
            .workspace_id(WORKSPACE)
            .display_name("quota")
            .job_type(JobType::PyTorchJob)
            .user_command("python train.py")
    };
    let err = base().task(quota_worker("img")).build().unwrap_err();
    assert!(matches!(err, JobError::QuotaRequired { .. }), "{err}");
    let err = base()
        .task(worker("img"))
        .quota_id(QUOTA)
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::QuotaWithEcsSpec), "{err}");
    let master = TaskSpec::builder("Master")
        .image("img")
        .ecs_spec(GPU_SPEC)
        .build()
        .unwrap();
    let err = base()
        .task(quota_worker("img"))
        .task(master)
        .quota_id(QUOTA)
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::MixedCompute), "{err}");
    let spec = base()
        .task(quota_worker("img"))
        .quota_id(QUOTA)
        .build()
        .unwrap();
    assert_eq!(spec.quota_id(), Some(QUOTA));
    assert!(matches!(
        spec.tasks()[0].compute(),
        Compute::ResourceConfig(_)
    ));
}

#[test]
fn d3_data_source_needs_uri_xor_dataset_id() {
    let base = || {
        JobSpec::builder()
            .workspace_id(WORKSPACE)
            .display_name("data")
            .job_type(JobType::PyTorchJob)
            .user_command("python train.py")
            .task(worker("img"))
    };
    let err = base()
        .data_source(DataSource::dataset("d-1"))
        .data_source(DataSource::uri("oss://bucket/data/").with_dataset_id("d-2"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, JobError::DataSourceBoth { index: 1 }),
        "{err}"
    );
    let err = base()
        .data_source(DataSource::uri("  ").mount_path("/mnt/x"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, JobError::DataSourceNeither { index: 0 }),
        "{err}"
    );
    base()
        .data_source(DataSource::uri("oss://bucket/data/"))
        .data_source(DataSource::dataset("d-1").read_only(true))
        .build()
        .expect("one of each is fine");
}

#[tokio::test]
async fn d3_quota_job_with_dataset_and_code_source_is_created() {
    let (_emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let dataset = jobs
        .resolve_dataset(WORKSPACE, "imagenet_mini")
        .await
        .unwrap();
    let code = jobs
        .resolve_code_source(WORKSPACE, "train_recipes")
        .await
        .unwrap();
    let spec = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("quota-job")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(quota_worker(&image))
        .quota_id(QUOTA)
        .data_source(DataSource::dataset(&dataset))
        .code_source(CodeSource::new(&code).branch("main"))
        .build()
        .unwrap();
    let sub = jobs.submit(&spec).await.unwrap();
    let job = jobs.get(&sub.job_id).await.unwrap();
    assert_eq!(job.quota_id.as_deref(), Some(QUOTA));
    let raw = jobs
        .client()
        .get_job()
        .job_id(&sub.job_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw.data_sources()[0].data_source_id(),
        Some(dataset.as_str())
    );
    assert_eq!(
        raw.code_source().and_then(|c| c.code_source_id()),
        Some(code.as_str())
    );
    assert!(raw.job_specs()[0].ecs_spec().is_none());
    assert_eq!(
        raw.job_specs()[0].resource_config().and_then(|r| r.cpu()),
        Some("8")
    );
}

// ---------------------------------------------------------------- D4

#[tokio::test]
async fn d4_workspace_id_is_required_and_used() {
    let err = JobSpec::builder()
        .display_name("no-ws")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(worker("img"))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            JobError::Missing {
                field: "WorkspaceId",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("default workspace"), "{err}");

    let (_emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let spec = JobSpec::builder()
        .workspace_id(OTHER_WORKSPACE)
        .display_name("in-second-workspace")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(worker(&image))
        .build()
        .unwrap();
    let sub = jobs.submit(&spec).await.unwrap();
    let job = jobs.get(&sub.job_id).await.unwrap();
    assert_eq!(job.workspace_id.as_deref(), Some(OTHER_WORKSPACE));
}

// ---------------------------------------------------------------- D5

#[tokio::test]
async fn d5_image_resolves_by_name_id_and_uri_to_the_verbatim_uri() {
    let (_emu, jobs) = setup().await;
    let by_name = jobs.resolve_image(PYTORCH_GPU, None).await.unwrap();
    assert_eq!(by_name.name, PYTORCH_GPU);
    assert!(
        by_name
            .image_uri
            .ends_with("/pai/pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04"),
        "{}",
        by_name.image_uri
    );
    assert!(!by_name.image_uri.contains("{region}"));
    // The URI is exactly what ListImages reports.
    let listed = jobs.workspace_client().list_images().send().await.unwrap();
    let raw = listed
        .images()
        .iter()
        .find(|i| i.image_id() == Some(by_name.image_id.as_str()))
        .unwrap();
    assert_eq!(raw.image_uri(), Some(by_name.image_uri.as_str()));

    let by_id = jobs.resolve_image(&by_name.image_id, None).await.unwrap();
    assert_eq!(by_id, by_name);
    let by_uri = jobs
        .resolve_image(&by_name.image_uri, Some(WORKSPACE))
        .await
        .unwrap();
    assert_eq!(by_uri, by_name);
}

#[tokio::test]
async fn d5_image_not_found_lists_close_matches() {
    let (_emu, jobs) = setup().await;
    let err = jobs
        .resolve_image("pytorch-training:2.5.1", None)
        .await
        .unwrap_err();
    match &err {
        JobError::ImageNotFound {
            query,
            close_matches,
        } => {
            assert_eq!(query, "pytorch-training:2.5.1");
            assert!(close_matches.len() >= 2, "{close_matches:?}");
            assert!(
                close_matches
                    .iter()
                    .all(|m| m.starts_with("pytorch-training")),
                "{close_matches:?}"
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("did you mean"), "{err}");

    // A typo still finds its neighbours.
    let err = jobs
        .resolve_image("pytorh-training", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobError::ImageNotFound { close_matches, .. } if !close_matches.is_empty()),
        "{err}"
    );
    // Nothing alike: no suggestions, still a clear error.
    let err = jobs.resolve_image("qqqqqqqqqqqq", None).await.unwrap_err();
    assert!(
        matches!(&err, JobError::ImageNotFound { close_matches, .. } if close_matches.is_empty()),
        "{err}"
    );
    let err = jobs.resolve_image("  ", None).await.unwrap_err();
    assert!(matches!(err, JobError::Invalid { .. }), "{err}");
}

#[tokio::test]
async fn d5_datasets_and_code_sources_resolve_within_their_workspace() {
    let (_emu, jobs) = setup().await;
    let id = jobs
        .resolve_dataset(WORKSPACE, "imagenet_mini")
        .await
        .unwrap();
    assert_eq!(
        jobs.resolve_dataset(WORKSPACE, &id).await.unwrap(),
        id,
        "an id resolves to itself"
    );
    // The dataset belongs to the first workspace only.
    let err = jobs
        .resolve_dataset(OTHER_WORKSPACE, "imagenet_mini")
        .await
        .unwrap_err();
    assert!(matches!(err, JobError::DatasetNotFound { .. }), "{err}");
    let err = jobs
        .resolve_dataset(WORKSPACE, "imagenet_mni")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobError::DatasetNotFound { close_matches, .. } if close_matches == &["imagenet_mini"]),
        "{err}"
    );
    let err = jobs
        .resolve_code_source(WORKSPACE, "train-recipes")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobError::CodeSourceNotFound { close_matches, .. } if close_matches == &["train_recipes"]),
        "{err}"
    );
}

// ---------------------------------------------------------------- D6

#[tokio::test]
async fn d6_stop_in_a_wrong_state_is_refused_without_calling_stop() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let sub = jobs
        .submit(&pytorch_job("stop-early", &image, "python train.py"))
        .await
        .unwrap();
    emu.control().clear_requests();
    let err = jobs.stop(&sub.job_id).await.unwrap_err();
    assert!(
        matches!(
            &err,
            JobError::StopNotAllowed {
                status: JobStatus::Creating,
                ..
            }
        ),
        "{err}"
    );
    assert!(!actions(&emu).iter().any(|a| a == "StopJob"));

    // Running: stops, then ends Stopped.
    emu.control().advance(Duration::from_secs(40));
    assert_eq!(jobs.stop(&sub.job_id).await.unwrap(), JobStatus::Running);
    emu.control().advance(Duration::from_secs(10));
    let job = jobs.get(&sub.job_id).await.unwrap();
    assert_eq!(job.status, JobStatus::Stopped);
    // A stopped job cannot be stopped again.
    let err = jobs.stop(&sub.job_id).await.unwrap_err();
    assert!(
        matches!(
            &err,
            JobError::StopNotAllowed {
                status: JobStatus::Stopped,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn d6_priority_update_refused_for_pay_as_you_go_jobs() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let sub = jobs
        .submit(&pytorch_job("ecs-priority", &image, "python train.py"))
        .await
        .unwrap();
    emu.control().clear_requests();
    let err = jobs.update_priority(&sub.job_id, 5).await.unwrap_err();
    assert!(matches!(err, JobError::PriorityNeedsQuota { .. }), "{err}");
    assert!(!actions(&emu).iter().any(|a| a == "UpdateJob"));
    let err = jobs.update_priority(&sub.job_id, 12).await.unwrap_err();
    assert!(matches!(err, JobError::Invalid { .. }), "{err}");
}

#[tokio::test]
async fn d6_priority_update_applies_early_and_is_refused_once_running() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let spec = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("quota-priority")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(quota_worker(&image))
        .quota_id(QUOTA)
        .priority(1)
        .build()
        .unwrap();
    let sub = jobs.submit(&spec).await.unwrap();
    emu.control().advance(Duration::from_secs(6));
    assert_eq!(
        jobs.get(&sub.job_id).await.unwrap().status,
        JobStatus::Queuing
    );
    jobs.update_priority(&sub.job_id, 7).await.unwrap();
    assert_eq!(jobs.get(&sub.job_id).await.unwrap().priority, Some(7));

    emu.control().advance(Duration::from_secs(60));
    assert_eq!(
        jobs.get(&sub.job_id).await.unwrap().status,
        JobStatus::Running
    );
    emu.control().clear_requests();
    let err = jobs.update_priority(&sub.job_id, 3).await.unwrap_err();
    assert!(
        matches!(
            &err,
            JobError::PriorityTooLate {
                status: JobStatus::Running,
                ..
            }
        ),
        "{err}"
    );
    assert!(!actions(&emu).iter().any(|a| a == "UpdateJob"));
    assert_eq!(jobs.get(&sub.job_id).await.unwrap().priority, Some(7));
}

// ---------------------------------------------------------------- D7

#[tokio::test]
async fn d7_idempotent_create_returns_the_same_job() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let spec = pytorch_job("resnet50-imagenet-20261124", &image, "python train.py");
    let first = jobs.submit(&spec).await.unwrap();
    assert!(!first.reused);
    let again = jobs.submit(&spec).await.unwrap();
    assert!(again.reused);
    assert_eq!(again.job_id, first.job_id);
    let creates = actions(&emu).iter().filter(|a| *a == "CreateJob").count();
    assert_eq!(creates, 1);
    // A name that merely contains the first one is a different job.
    let longer = pytorch_job("resnet50-imagenet-20261124-b", &image, "python train.py");
    let other = jobs.submit(&longer).await.unwrap();
    assert!(!other.reused);
    assert_ne!(other.job_id, first.job_id);
    // The same name in another workspace is another job too.
    let elsewhere = JobSpec::builder()
        .workspace_id(OTHER_WORKSPACE)
        .display_name("resnet50-imagenet-20261124")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(worker(&image))
        .build()
        .unwrap();
    let third = jobs.submit(&elsewhere).await.unwrap();
    assert!(!third.reused);
}

#[tokio::test]
async fn d7_retry_after_a_failed_create_makes_exactly_one_job() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    emu.control()
        .fail_next(selector("pai-dlc:CreateJob"), Fault::Unavailable, 1);
    let spec = pytorch_job("retried-create", &image, "python train.py");
    let sub = jobs.submit(&spec).await.unwrap();
    assert!(!sub.reused);
    let calls = actions(&emu);
    let creates = calls.iter().filter(|a| *a == "CreateJob").count();
    assert_eq!(creates, 2, "{calls:?}");
    // Looked for the job before resending.
    let second_create = calls.iter().rposition(|a| a == "CreateJob").unwrap();
    assert_eq!(calls[second_create - 1], "ListJobs", "{calls:?}");
    let listed = jobs
        .client()
        .list_jobs()
        .workspace_id(WORKSPACE)
        .display_name("retried-create")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.jobs().len(), 1);
}

#[tokio::test]
async fn d7_non_retryable_create_error_is_returned_at_once() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    emu.control().fail_next_create(
        selector("pai-dlc:CreateJob"),
        CreateFailure::Reject(Fault::error(
            400,
            "InvalidParameter",
            "rejected by the test",
        )),
    );
    let err = jobs
        .submit(&pytorch_job("rejected", &image, "python train.py"))
        .await
        .unwrap_err();
    assert_eq!(
        err.api_error().and_then(|e| e.code()),
        Some("InvalidParameter")
    );
    let creates = actions(&emu).iter().filter(|a| *a == "CreateJob").count();
    assert_eq!(creates, 1);
}

// ---------------------------------------------------------------- D8

#[tokio::test]
async fn d8_logs_and_events_are_capped_by_default_and_configurable() {
    assert_eq!(
        Limits::default(),
        Limits {
            log_lines: 100,
            events: 50,
            pods: 4
        }
    );
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let sub = jobs
        .submit(&pytorch_job("long-run", &image, "echo start\nsleep 7200"))
        .await
        .unwrap();
    emu.control().advance(Duration::from_secs(3600));
    let pod = jobs.get(&sub.job_id).await.unwrap().pods[0].pod_id.clone();
    let logs = jobs.pod_logs(&sub.job_id, &pod).await.unwrap();
    assert_eq!(logs.len(), 100);
    let uncapped = jobs
        .client()
        .get_pod_logs()
        .job_id(&sub.job_id)
        .pod_id(&pod)
        .max_lines(1000)
        .send()
        .await
        .unwrap();
    assert!(uncapped.logs().len() > 100);
    assert_eq!(
        logs.last(),
        uncapped.logs().last(),
        "the newest lines are kept"
    );

    let small = jobs.clone().with_limits(Limits {
        log_lines: 10,
        events: 2,
        pods: 1,
    });
    assert_eq!(small.pod_logs(&sub.job_id, &pod).await.unwrap().len(), 10);
    assert_eq!(small.job_events(&sub.job_id).await.unwrap().len(), 2);
    assert_eq!(small.pod_events(&sub.job_id, &pod).await.unwrap().len(), 2);
    assert!(jobs.job_events(&sub.job_id).await.unwrap().len() <= 50);
}

#[tokio::test]
async fn d8_diagnose_gathers_job_then_events_then_pod_logs_then_pod_events() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let master = TaskSpec::builder("Master")
        .image(&image)
        .ecs_spec(GPU_SPEC)
        .build()
        .unwrap();
    let spec = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("diagnose-me")
        .job_type(JobType::PyTorchJob)
        .user_command("echo loading data\nexit 3")
        .task(worker(&image))
        .task(master)
        .build()
        .unwrap();
    let sub = jobs.submit(&spec).await.unwrap();
    emu.control().advance(Duration::from_secs(600));
    emu.control().clear_requests();
    let report = jobs.diagnose(&sub.job_id).await.unwrap();
    assert_eq!(
        actions(&emu),
        [
            "GetJob",
            "GetJobEvents",
            "GetPodLogs",
            "GetPodLogs",
            "GetPodEvents",
            "GetPodEvents"
        ]
    );
    assert_eq!(report.job.status, JobStatus::Failed);
    assert_eq!(report.pods.len(), 2);
    assert!(
        report
            .job_events
            .lines()
            .iter()
            .any(|e| e.contains("JobFailed"))
    );
    for pod in &report.pods {
        assert!(matches!(pod.logs, Section::Lines(ref l) if !l.is_empty()));
        assert!(
            pod.logs
                .lines()
                .iter()
                .any(|l| l.contains("exited with code 3"))
        );
        assert!(pod.events.lines().iter().any(|l| l.contains("BackOff")));
    }
    let text = report.to_string();
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` missing from:\n{text}"))
    };
    assert!(at("Diagnosis of job") < at("Job events (last"));
    assert!(at("Job events (last") < at("Pod logs:"));
    assert!(at("Pod logs:") < at("Pod events:"));
    assert!(at("exited with code 3") < at("Pod events:"));
    assert!(at("BackOff") > at("Pod events:"));
    assert!(at("status:    Failed") > 0);

    // A pod cap keeps the diagnosis short and says so.
    let one = jobs.clone().with_limits(Limits {
        pods: 1,
        ..Limits::default()
    });
    let short = one.diagnose(&sub.job_id).await.unwrap();
    assert_eq!(short.pods.len(), 1);
    assert_eq!(short.pods_skipped, 1);
    assert!(short.to_string().contains("1 more pod(s)"));
}

#[tokio::test]
async fn d8_diagnose_of_a_new_job_and_of_a_missing_one() {
    let (_emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let sub = jobs
        .submit(&pytorch_job("fresh", &image, "python train.py"))
        .await
        .unwrap();
    let report = jobs.diagnose(&sub.job_id).await.unwrap();
    assert_eq!(report.job.status, JobStatus::Creating);
    assert!(report.pods.iter().all(|p| p.logs.lines().is_empty()));
    let err = jobs.diagnose("dlcdoesnotexist").await.unwrap_err();
    assert!(err.api_error().is_some_and(|e| e.is_not_found()), "{err}");
}

// ---------------------------------------------------------------- D9

#[tokio::test]
async fn d9_settings_reach_the_service() {
    let (_emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let spot_worker = TaskSpec::builder("Worker")
        .image(&image)
        .ecs_spec(GPU_SPEC)
        .pod_count(2)
        .spot(Spot::MaxDiscount(0.8))
        .build()
        .unwrap();
    let spec = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("settings")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(spot_worker)
        .max_running_time(Duration::from_secs(90))
        .sanity_check(true)
        .rdma(true)
        .tag("team", "vision")
        .build()
        .unwrap();
    assert_eq!(spec.max_running_minutes(), Some(2), "rounded up to minutes");
    let sub = jobs.submit(&spec).await.unwrap();
    let raw = jobs
        .client()
        .get_job()
        .job_id(&sub.job_id)
        .send()
        .await
        .unwrap();
    let settings = raw.settings().expect("settings are kept");
    assert_eq!(settings.enable_sanity_check(), Some(true));
    assert_eq!(settings.enable_rdma(), Some(true));
    let task = &raw.job_specs()[0];
    assert_eq!(task.use_spot_instance(), Some(true));
    let spot = task.spot_spec().expect("spot spec is kept");
    assert_eq!(spot.spot_strategy(), Some("SpotWithPriceLimit"));
    assert_eq!(spot.spot_discount_limit(), Some(0.8));
    assert_eq!(raw.pods().len(), 2);

    for bad in [Spot::MaxDiscount(1.5), Spot::MaxPricePerMinute(-1.0)] {
        let err = TaskSpec::builder("Worker")
            .image("img")
            .ecs_spec(GPU_SPEC)
            .spot(bad)
            .build()
            .unwrap_err();
        assert!(matches!(err, JobError::Invalid { .. }), "{err}");
    }
    let err = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("x")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(worker("img"))
        .max_running_time(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::Invalid { .. }), "{err}");
    let err = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("x")
        .job_type(JobType::PyTorchJob)
        .user_command("python train.py")
        .task(worker("img"))
        .allocate_all_rdma_devices(true)
        .build()
        .unwrap_err();
    assert!(matches!(err, JobError::Invalid { .. }), "{err}");
}

#[tokio::test]
async fn d9_auto_stop_guard_stops_a_long_job() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let spec = JobSpec::builder()
        .workspace_id(WORKSPACE)
        .display_name("guarded")
        .job_type(JobType::PyTorchJob)
        .user_command("sleep 7200")
        .task(worker(&image))
        .max_running_time(Duration::from_secs(60))
        .build()
        .unwrap();
    let sub = jobs.submit(&spec).await.unwrap();
    emu.control().advance(Duration::from_secs(600));
    let err = jobs
        .wait_until_succeeded(
            &sub.job_id,
            WaitOptions::every(Duration::from_millis(10), Duration::from_secs(5)),
        )
        .await
        .unwrap_err();
    match err {
        JobError::JobFailed {
            status,
            reason_code,
            ..
        } => {
            assert_eq!(status, JobStatus::Stopped);
            assert_eq!(reason_code.as_deref(), Some("JobMaxRunningTimeExceeded"));
        }
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn d9_list_ecs_specs_sorts_on_the_client() {
    let (emu, jobs) = setup().await;
    // The service itself refuses sorting.
    let refused = jobs
        .client()
        .list_ecs_specs()
        .sort_by("Gpu")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("InvalidParameter"));

    emu.control().clear_requests();
    let specs = jobs
        .list_ecs_specs(
            EcsSpecQuery::new()
                .accelerator(Accelerator::Gpu)
                .sort_by(EcsSpecSort::Gpu, true),
        )
        .await
        .unwrap();
    assert!(specs.len() >= 2, "{} specs", specs.len());
    assert!(specs.iter().all(|s| s.gpu().unwrap_or(0) > 0));
    for pair in specs.windows(2) {
        let (a, b) = (pair[0].gpu().unwrap(), pair[1].gpu().unwrap());
        assert!(a > b || (a == b && pair[0].instance_type() <= pair[1].instance_type()));
    }
    assert!(emu.control().requests().iter().all(|r| r.status == 200));

    let by_name = jobs.list_ecs_specs(EcsSpecQuery::new()).await.unwrap();
    assert!(by_name.len() > specs.len(), "CPU specs are listed too");
    assert!(
        by_name
            .windows(2)
            .all(|w| w[0].instance_type() <= w[1].instance_type())
    );
    let one = jobs
        .list_ecs_specs(EcsSpecQuery::new().instance_types([GPU_SPEC]))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].instance_type(), Some(GPU_SPEC));
}

#[tokio::test]
async fn d9_waiter_on_a_job_that_fails() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    emu.control().fail_next_create(
        selector("pai-dlc:CreateJob"),
        CreateFailure::FailAfterCreate {
            reason: "NCCL timeout on node 3".into(),
        },
    );
    let sub = jobs
        .submit(&pytorch_job("doomed", &image, "python train.py"))
        .await
        .unwrap();
    // Let the virtual clock run while the waiter polls.
    let ticker = {
        let ctl = emu.control().clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                tokio::time::sleep(Duration::from_millis(5)).await;
                ctl.advance(Duration::from_secs(2));
            }
        })
    };
    let opts = WaitOptions::every(Duration::from_millis(10), Duration::from_secs(10));
    let err = jobs
        .wait_until_succeeded(&sub.job_id, opts)
        .await
        .unwrap_err();
    ticker.await.unwrap();
    match &err {
        JobError::JobFailed {
            status,
            reason_message,
            ..
        } => {
            assert_eq!(*status, JobStatus::Failed);
            assert_eq!(reason_message.as_deref(), Some("NCCL timeout on node 3"));
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("NCCL timeout"), "{err}");
    let done = jobs.wait_until_finished(&sub.job_id, opts).await.unwrap();
    assert_eq!(done.status, JobStatus::Failed);
}

#[tokio::test]
async fn d9_waiter_times_out_with_the_last_status() {
    let (_emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let sub = jobs
        .submit(&pytorch_job("stuck", &image, "python train.py"))
        .await
        .unwrap();
    let err = jobs
        .wait_until_finished(
            &sub.job_id,
            WaitOptions::every(Duration::from_millis(20), Duration::from_millis(150)),
        )
        .await
        .unwrap_err();
    match err {
        JobError::WaitTimeout {
            job_id,
            last_status,
            elapsed,
        } => {
            assert_eq!(job_id, sub.job_id);
            assert_eq!(last_status, Some(JobStatus::Creating));
            assert!(elapsed >= Duration::from_millis(150));
        }
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn d9_waiter_returns_a_succeeded_job() {
    let (emu, jobs) = setup().await;
    let image = pytorch_image(&jobs).await;
    let sub = jobs
        .submit(&pytorch_job("quick", &image, "echo done"))
        .await
        .unwrap();
    emu.control().advance(Duration::from_secs(600));
    let job = jobs
        .wait_until_succeeded(
            &sub.job_id,
            WaitOptions::every(Duration::from_millis(10), Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
    assert!(emu.control().live_resources().is_empty());
}
