//! PAI-DLC: the script is the job's command (P8).
//!
//! [`run_training_job`] creates a DLC job whose `UserCommand` is the script,
//! on the quoted ECS spec, and follows it to a terminal state (`Succeeded`,
//! `Failed`, `Stopped`). A run that fails to follow its job (timeout, error,
//! cancellation) stops the job, so nothing keeps running unpaid-for. The
//! full DLC workflow (image lookup, data sources, guards) is in
//! `alibabacloud_pai_dlc::jobs`; this is the small path the provisioning
//! flow needs.

use super::{ExecError, PollSettings, check_quotes, retry_until, unique_name};
use crate::ConfirmedQuote;
use crate::product::Product;

/// The DLC job to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingJob {
    /// AI Workspace id (always required by DLC).
    pub workspace_id: String,
    /// Image URI, as AI Workspace `ListImages` returns it.
    pub image: String,
    /// Job type (default `PyTorchJob`).
    pub job_type: String,
    /// Worker count (default 1).
    pub workers: i64,
    /// Display name prefix (default `provision-train`).
    pub name_prefix: String,
}

impl TrainingJob {
    /// A one-worker PyTorch job in `workspace_id` on `image`.
    pub fn new(workspace_id: impl Into<String>, image: impl Into<String>) -> Self {
        Self {
            workspace_id: workspace_id.into(),
            image: image.into(),
            job_type: "PyTorchJob".into(),
            workers: 1,
            name_prefix: "provision-train".into(),
        }
    }
}

/// A job that reached `Succeeded`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingOutcome {
    /// Job id.
    pub job_id: String,
    /// Display name.
    pub display_name: String,
    /// Final status (`Succeeded`).
    pub status: String,
    /// Run time in seconds, when reported.
    pub duration_secs: Option<i64>,
}

struct StopGuard(Option<(alibabacloud_pai_dlc::Client, String)>);

impl Drop for StopGuard {
    fn drop(&mut self) {
        let Some((dlc, id)) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                tracing::warn!(job = %id, "DLC run dropped; stopping the job in the background");
                h.spawn(async move {
                    if let Err(e) = dlc.stop_job().job_id(id.clone()).send().await {
                        tracing::error!(job = %id, error = %e, "could not stop the DLC job");
                    }
                });
            }
            Err(_) => {
                tracing::error!(job = %id, "DLC run dropped outside a Tokio runtime; job NOT stopped");
            }
        }
    }
}

/// Creates a DLC job running `script` on the quoted spec (a PAI-DLC quote)
/// and waits for it to end. `Failed` and `Stopped` are
/// [`ExecError::ResourceFailed`] carrying the service's reason.
pub async fn run_training_job(
    config: &alibabacloud_core::Config,
    quote: &ConfirmedQuote,
    job: &TrainingJob,
    script: &str,
    poll: &PollSettings,
) -> Result<TrainingOutcome, ExecError> {
    check_quotes(std::slice::from_ref(quote), Product::PaiDlc)?;
    if script.trim().is_empty() {
        return Err(ExecError::Invalid("the script is empty".into()));
    }
    if job.workspace_id.trim().is_empty() {
        return Err(ExecError::Invalid("a DLC job needs a workspace id".into()));
    }
    if job.image.trim().is_empty() {
        return Err(ExecError::Invalid("a DLC job needs an image URI".into()));
    }
    if job.workers < 1 {
        return Err(ExecError::Invalid(format!(
            "a DLC job needs at least one worker, not {}",
            job.workers
        )));
    }
    let offer = quote.quote().offer();
    let config = config
        .to_builder()
        .region(offer.region.clone())
        .build()
        .map_err(|e| ExecError::Invalid(format!("configuration for {}: {e}", offer.region)))?;
    let dlc = alibabacloud_pai_dlc::Client::new(&config);
    let display_name = unique_name(&job.name_prefix);
    let spec = alibabacloud_pai_dlc::types::JobSpec::default()
        .with_type("Worker")
        .with_pod_count(job.workers)
        .with_image(job.image.clone())
        .with_ecs_spec(offer.spec.clone());
    let created = dlc
        .create_job()
        .workspace_id(job.workspace_id.clone())
        .display_name(display_name.clone())
        .job_type(job.job_type.clone())
        .job_specs([spec])
        .user_command(script)
        .send()
        .await
        .map_err(|e| {
            ExecError::api(format!("CreateJob ({} on {})", display_name, offer.spec), e)
        })?;
    let job_id = created
        .job_id()
        .ok_or_else(|| ExecError::Invalid("CreateJob answered no job id".into()))?
        .to_owned();
    tracing::info!(job = %job_id, "DLC job created");
    let mut guard = StopGuard(Some((dlc.clone(), job_id.clone())));

    let deadline = tokio::time::Instant::now() + poll.ready_timeout + poll.run_timeout;
    let result = loop {
        let got = match retry_until(
            poll,
            poll.ready_timeout,
            |_| false,
            || dlc.get_job().job_id(job_id.clone()).send(),
        )
        .await
        {
            Ok(g) => g,
            Err(e) => break Err(ExecError::api(format!("GetJob {job_id}"), e)),
        };
        let status = got.status().unwrap_or_default().to_owned();
        match status.as_str() {
            "Succeeded" => {
                break Ok(TrainingOutcome {
                    job_id: job_id.clone(),
                    display_name: display_name.clone(),
                    status,
                    duration_secs: got.duration(),
                });
            }
            "Failed" | "Stopped" => {
                let reason = [got.reason_code(), got.reason_message()]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(": ");
                break Err(ExecError::ResourceFailed {
                    what: format!("DLC job {job_id}"),
                    status,
                    reason,
                });
            }
            _ => {}
        }
        if tokio::time::Instant::now() >= deadline {
            break Err(ExecError::Timeout {
                what: format!("DLC job {job_id}"),
                wanted: "Succeeded".into(),
                timeout: poll.ready_timeout + poll.run_timeout,
                last: status,
            });
        }
        tokio::time::sleep(poll.interval).await;
    };
    match result {
        // Terminal: nothing to stop.
        Ok(_) | Err(ExecError::ResourceFailed { .. }) => {
            guard.0 = None;
            result
        }
        Err(e) => {
            guard.0 = None;
            let stopped = retry_until(
                poll,
                poll.release_timeout,
                |_| false,
                || dlc.stop_job().job_id(job_id.clone()).send(),
            )
            .await;
            match stopped {
                Ok(_) => Err(e),
                Err(stop) => Err(e.with_leftovers(vec![format!("DLC job {job_id}: {stop}")])),
            }
        }
    }
}
