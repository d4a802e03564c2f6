//! The PAI-DLC job workflow: describe a training job so that the service
//! cannot reject it, submit it once even when retried, watch it, and find
//! out why it failed.
//!
//! The generated [`Client`] maps the API one call at a time; this module
//! adds the rules the API description does not carry:
//!
//! - **D2–D4** [`JobSpec::builder`] accepts only the nine [`JobType`]s,
//!   checks each task role against the job type, requires exactly one of
//!   ECS spec and resource config per [`TaskSpec`] (and a quota id for
//!   resource configs), a URI or a dataset id per [`DataSource`], and
//!   always a workspace id.
//! - **D5** [`Jobs::resolve_image`], [`Jobs::resolve_dataset`] and
//!   [`Jobs::resolve_code_source`] turn names into the exact values AI
//!   Workspace lists, or fail with the closest names.
//! - **D6** [`Jobs::stop`] and [`Jobs::update_priority`] refuse what the
//!   service would refuse or silently ignore. There is no rename: the
//!   service cannot change a display name, a job is recreated instead.
//! - **D7** [`Jobs::submit`] is safe to retry: `CreateJob` has no client
//!   token, so a job with the same display name in the workspace is
//!   looked up first and returned instead of creating a second one.
//! - **D8** logs and events are capped ([`Limits`]: 100 lines, 50 events
//!   by default) and [`Jobs::diagnose`] gathers job → job events → pod
//!   logs → pod events into one [`Diagnosis`].
//! - **D9** auto-stop guard, sanity check, RDMA and spot on the builder;
//!   [`Jobs::list_ecs_specs`] sorts on the client (the service rejects
//!   sorting); [`Jobs::wait_until_finished`] and
//!   [`Jobs::wait_until_succeeded`] wait for a terminal state.
//!
//! ```no_run
//! use std::time::Duration;
//! use alibabacloud_pai_dlc::jobs::{JobSpec, JobType, Jobs, TaskSpec, WaitOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = alibabacloud_core::Config::load_default().await?;
//! let jobs = Jobs::new(&config);
//! let image = jobs
//!     .resolve_image("pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04", None)
//!     .await?;
//! let spec = JobSpec::builder()
//!     .workspace_id("100001")
//!     .display_name("resnet50-imagenet-20261124")
//!     .job_type(JobType::PyTorchJob)
//!     .user_command("python train.py")
//!     .task(
//!         TaskSpec::builder("Worker")
//!             .image(image.image_uri)
//!             .ecs_spec("ecs.gn6i-c4g1.xlarge")
//!             .build()?,
//!     )
//!     .max_running_time(Duration::from_secs(6 * 3600))
//!     .build()?;
//! let submitted = jobs.submit(&spec).await?;
//! let done = jobs
//!     .wait_until_finished(&submitted.job_id, WaitOptions::default())
//!     .await?;
//! if done.status != alibabacloud_pai_dlc::jobs::JobStatus::Succeeded {
//!     println!("{}", jobs.diagnose(&submitted.job_id).await?);
//! }
//! # Ok(()) }
//! ```

mod diagnose;
mod ecs;
mod error;
mod kinds;
mod resolve;
mod snapshot;
mod spec;

use std::time::Duration;

use alibabacloud_core::Config;
use alibabacloud_core::waiter::{WaitError, WaitOutcome, Waiter};
use futures::TryStreamExt;

use crate::Client;

pub use diagnose::{Diagnosis, PodDiagnosis, Section};
pub use ecs::{Accelerator, EcsSpecQuery, EcsSpecSort};
pub use error::JobError;
pub use kinds::{JobStatus, JobType};
pub use resolve::ResolvedImage;
pub use snapshot::{JobSnapshot, PodSnapshot};
pub use spec::{
    CodeSource, Compute, DataSource, JobSpec, JobSpecBuilder, Spot, TaskSpec, TaskSpecBuilder,
};

/// Caps on what log and event calls return (D8), to keep output readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most log lines per pod (`MaxLines`), default 100.
    pub log_lines: u32,
    /// Most events per job or pod (`MaxEventsNum`), default 50.
    pub events: u32,
    /// Most pods a diagnosis reads logs and events of, default 4 (failed
    /// pods first).
    pub pods: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            log_lines: 100,
            events: 50,
            pods: 4,
        }
    }
}

/// How [`Jobs::wait_until_finished`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Time between two polls (default 10 s).
    pub interval: Duration,
    /// Longest time between polls once the interval has grown (default 60 s).
    pub max_interval: Duration,
    /// Give up after this long with [`JobError::WaitTimeout`] (default 24 h).
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            interval: Duration::from_secs(10),
            max_interval: Duration::from_secs(60),
            timeout: Duration::from_secs(24 * 3600),
        }
    }
}

impl WaitOptions {
    /// Polls every `interval` (without growing) and gives up after `timeout`.
    pub fn every(interval: Duration, timeout: Duration) -> Self {
        WaitOptions {
            interval,
            max_interval: interval,
            timeout,
        }
    }
}

/// The result of [`Jobs::submit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The job id.
    pub job_id: String,
    /// `true` when a job with the same display name already existed in the
    /// workspace (an earlier attempt) and was returned instead of creating
    /// a new one.
    pub reused: bool,
}

/// The job workflow over a DLC client and an AI Workspace client.
///
/// Cheap to clone: the clients share their connection pool.
#[derive(Debug, Clone)]
pub struct Jobs {
    dlc: Client,
    workspace: alibabacloud_aiworkspace::Client,
    limits: Limits,
    create_attempts: u32,
    create_retry_delay: Duration,
}

impl Jobs {
    /// The workflow for `config` (region, credentials, endpoint, timeouts).
    pub fn new(config: &Config) -> Self {
        Self::from_clients(
            Client::new(config),
            alibabacloud_aiworkspace::Client::new(config),
        )
    }

    /// The workflow over existing clients.
    pub fn from_clients(dlc: Client, workspace: alibabacloud_aiworkspace::Client) -> Self {
        Jobs {
            dlc,
            workspace,
            limits: Limits::default(),
            create_attempts: 3,
            create_retry_delay: Duration::from_secs(2),
        }
    }

    /// Replaces the log and event caps.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How often [`submit`](Self::submit) sends `CreateJob` when it fails
    /// with a retryable error (default 3, at least 1), and the pause before
    /// looking for the job again (default 2 s, growing with each attempt).
    pub fn with_create_retries(mut self, attempts: u32, delay: Duration) -> Self {
        self.create_attempts = attempts.max(1);
        self.create_retry_delay = delay;
        self
    }

    /// The caps in use.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The DLC client, for calls this module does not wrap (sanity check
    /// results, web terminal, token, TensorBoard).
    pub fn client(&self) -> &Client {
        &self.dlc
    }

    /// The AI Workspace client.
    pub fn workspace_client(&self) -> &alibabacloud_aiworkspace::Client {
        &self.workspace
    }

    /// The job as it is now.
    pub async fn get(&self, job_id: &str) -> Result<JobSnapshot, JobError> {
        let out = self
            .dlc
            .get_job()
            .job_id(job_id)
            .send()
            .await
            .map_err(JobError::api("GetJob"))?;
        Ok(JobSnapshot::from_get(job_id, &out))
    }

    /// The newest job of the workspace whose display name is exactly
    /// `display_name`, if any.
    pub async fn find_by_display_name(
        &self,
        workspace_id: &str,
        display_name: &str,
    ) -> Result<Option<JobSnapshot>, JobError> {
        let items: Vec<_> = self
            .dlc
            .list_jobs()
            .workspace_id(workspace_id)
            .display_name(display_name)
            .into_paginator()
            .page_size(100)
            .max_pages(20)
            .items()
            .try_collect()
            .await
            .map_err(JobError::api("ListJobs"))?;
        let mut found: Vec<JobSnapshot> = items
            .iter()
            .filter(|j| j.display_name() == Some(display_name))
            .filter(|j| j.workspace_id().is_none_or(|w| w == workspace_id))
            .filter_map(JobSnapshot::from_item)
            .collect();
        found.sort_by(|a, b| b.created.cmp(&a.created));
        Ok(found.into_iter().next())
    }

    /// Creates the job, at most once per display name and workspace (D7).
    ///
    /// `CreateJob` takes no client token, so a create whose answer was lost
    /// may still have made a job. Before sending, and again before every
    /// resend after a retryable failure, the workspace is searched for a
    /// job with exactly this display name; if one exists it is returned
    /// with [`Submission::reused`] set, whatever its status. Give each run
    /// its own name (for example with a date) to start a new job.
    pub async fn submit(&self, spec: &JobSpec) -> Result<Submission, JobError> {
        let mut attempt: u32 = 0;
        loop {
            if let Some(job) = self
                .find_by_display_name(spec.workspace_id(), spec.display_name())
                .await?
            {
                tracing::info!(job_id = %job.job_id, status = %job.status, "job already exists; not creating another");
                return Ok(Submission {
                    job_id: job.job_id,
                    reused: true,
                });
            }
            attempt += 1;
            match spec.create_job(&self.dlc).send().await {
                Ok(out) => {
                    let job_id = out
                        .job_id()
                        .filter(|id| !id.is_empty())
                        .ok_or(JobError::IncompleteResponse {
                            operation: "CreateJob",
                            member: "JobId",
                        })?
                        .to_owned();
                    tracing::info!(%job_id, "job created");
                    return Ok(Submission {
                        job_id,
                        reused: false,
                    });
                }
                Err(error) if error.is_retryable() && attempt < self.create_attempts => {
                    tracing::warn!(%error, attempt, "CreateJob failed; checking for the job before sending again");
                    tokio::time::sleep(self.create_retry_delay * attempt).await;
                }
                Err(error) => return Err(JobError::api("CreateJob")(error)),
            }
        }
    }

    /// Stops a job (D6). Only `Running` and `Queuing` jobs can be stopped;
    /// in any other status the call is refused with
    /// [`JobError::StopNotAllowed`] before anything is sent. Returns the
    /// status the job had.
    pub async fn stop(&self, job_id: &str) -> Result<JobStatus, JobError> {
        let job = self.get(job_id).await?;
        if !job.status.can_stop() {
            return Err(JobError::StopNotAllowed {
                job_id: job_id.to_owned(),
                status: job.status,
            });
        }
        self.dlc
            .stop_job()
            .job_id(job_id)
            .send()
            .await
            .map_err(JobError::api("StopJob"))?;
        Ok(job.status)
    }

    /// Changes the priority of a job (D6), 1 to 9.
    ///
    /// The service accepts the call for any job but applies it only to
    /// quota jobs still `Creating`, `Queuing` or `EnvPreparing`; this method
    /// refuses the other cases ([`JobError::PriorityNeedsQuota`],
    /// [`JobError::PriorityTooLate`]) and checks afterwards that the change
    /// took effect ([`JobError::PriorityNotApplied`]).
    pub async fn update_priority(&self, job_id: &str, priority: i32) -> Result<(), JobError> {
        if !(1..=9).contains(&priority) {
            return Err(JobError::Invalid {
                field: "Priority".into(),
                reason: format!("{priority} is outside 1..=9"),
            });
        }
        let job = self.get(job_id).await?;
        if job.quota_id.is_none() {
            return Err(JobError::PriorityNeedsQuota {
                job_id: job_id.to_owned(),
            });
        }
        if !job.status.can_change_priority() {
            return Err(JobError::PriorityTooLate {
                job_id: job_id.to_owned(),
                status: job.status,
            });
        }
        self.dlc
            .update_job()
            .job_id(job_id)
            .priority(priority)
            .send()
            .await
            .map_err(JobError::api("UpdateJob"))?;
        let after = self.get(job_id).await?;
        if after.priority != Some(priority) {
            return Err(JobError::PriorityNotApplied {
                job_id: job_id.to_owned(),
                wanted: priority,
                actual: after.priority,
            });
        }
        Ok(())
    }

    /// The last log lines of a pod, at most [`Limits::log_lines`] (D8).
    pub async fn pod_logs(&self, job_id: &str, pod_id: &str) -> Result<Vec<String>, JobError> {
        let out = self
            .dlc
            .get_pod_logs()
            .job_id(job_id)
            .pod_id(pod_id)
            .max_lines(clamp_i32(self.limits.log_lines))
            .send()
            .await
            .map_err(JobError::api("GetPodLogs"))?;
        Ok(tail(out.logs(), self.limits.log_lines))
    }

    /// The last events of a job, at most [`Limits::events`] (D8).
    pub async fn job_events(&self, job_id: &str) -> Result<Vec<String>, JobError> {
        let out = self
            .dlc
            .get_job_events()
            .job_id(job_id)
            .max_events_num(clamp_i32(self.limits.events))
            .send()
            .await
            .map_err(JobError::api("GetJobEvents"))?;
        Ok(tail(out.events(), self.limits.events))
    }

    /// The last events of a pod, at most [`Limits::events`] (D8).
    pub async fn pod_events(&self, job_id: &str, pod_id: &str) -> Result<Vec<String>, JobError> {
        let out = self
            .dlc
            .get_pod_events()
            .job_id(job_id)
            .pod_id(pod_id)
            .max_events_num(clamp_i32(self.limits.events))
            .send()
            .await
            .map_err(JobError::api("GetPodEvents"))?;
        Ok(tail(out.events(), self.limits.events))
    }

    /// Waits until the job is `Succeeded`, `Failed` or `Stopped` and
    /// returns it in that state (D9). Runs out with
    /// [`JobError::WaitTimeout`].
    pub async fn wait_until_finished(
        &self,
        job_id: &str,
        options: WaitOptions,
    ) -> Result<JobSnapshot, JobError> {
        self.wait(job_id, options, false).await
    }

    /// Waits until the job is `Succeeded`; a job ending `Failed` or
    /// `Stopped` gives [`JobError::JobFailed`] with the service's reason.
    pub async fn wait_until_succeeded(
        &self,
        job_id: &str,
        options: WaitOptions,
    ) -> Result<JobSnapshot, JobError> {
        self.wait(job_id, options, true).await
    }

    async fn wait(
        &self,
        job_id: &str,
        options: WaitOptions,
        need_success: bool,
    ) -> Result<JobSnapshot, JobError> {
        let waiter = Waiter::new(options.interval)
            .backoff(1.5)
            .max_interval(options.max_interval.max(options.interval))
            .timeout(options.timeout);
        let poll = || async {
            let out = self.dlc.get_job().job_id(job_id).send().await?;
            Ok(JobSnapshot::from_get(job_id, &out))
        };
        let classify = |job: &JobSnapshot| match job.status {
            JobStatus::Succeeded => WaitOutcome::Done,
            JobStatus::Failed | JobStatus::Stopped if need_success => {
                WaitOutcome::failed(job.status.to_string())
            }
            ref s if s.is_terminal() => WaitOutcome::Done,
            _ => WaitOutcome::Continue,
        };
        match waiter.wait(poll, classify).await {
            Ok(job) => Ok(job),
            Err(WaitError::Failed { state, .. }) => Err(JobError::JobFailed {
                job_id: job_id.to_owned(),
                status: state.status,
                reason_code: state.reason_code,
                reason_message: state.reason_message,
            }),
            Err(WaitError::Timeout { last, elapsed, .. }) => Err(JobError::WaitTimeout {
                job_id: job_id.to_owned(),
                last_status: last.map(|j| j.status),
                elapsed,
            }),
            Err(WaitError::Call(error)) => Err(JobError::api("GetJob")(error)),
            Err(other) => Err(JobError::Invalid {
                field: "wait".into(),
                reason: other.to_string(),
            }),
        }
    }
}

fn clamp_i32(n: u32) -> i32 {
    i32::try_from(n.max(1)).unwrap_or(i32::MAX)
}

/// The last `cap` entries (the service may ignore the cap it was sent).
fn tail(lines: &[String], cap: u32) -> Vec<String> {
    let cap = usize::try_from(cap.max(1)).unwrap_or(usize::MAX);
    lines[lines.len().saturating_sub(cap)..].to_vec()
}
