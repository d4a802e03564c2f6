//! The error type of the job workflow.

use std::time::Duration;

/// Everything that can go wrong in [`crate::jobs`]: input the service would
/// reject (caught before any request), lifecycle calls that would be refused
/// or silently ignored, lookups that found nothing, waits that ran out, and
/// failed API calls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// A job type name that is not one of the nine the service accepts.
    /// Names are case-sensitive and there are no aliases.
    #[error("`{value}` is not a DLC job type; use one of {}", super::JobType::names().join(", "))]
    UnknownJobType {
        /// The name that was given.
        value: String,
    },
    /// A task role that the job type does not accept.
    #[error("{job_type} does not accept the role `{role}`; allowed roles: {}", allowed.join(", "))]
    RoleNotAllowed {
        /// The job type.
        job_type: super::JobType,
        /// The role that was given.
        role: String,
        /// The roles the job type accepts.
        allowed: Vec<&'static str>,
    },
    /// The job type needs a role that no task spec has.
    #[error("{job_type} needs a `{role}` task spec")]
    MissingRole {
        /// The job type.
        job_type: super::JobType,
        /// The role that is missing.
        role: &'static str,
    },
    /// Two task specs have the same role; a role is scaled with its pod
    /// count, not by repeating it.
    #[error("the role `{role}` appears in more than one task spec; raise its pod count instead")]
    DuplicateRole {
        /// The repeated role.
        role: String,
    },
    /// A task spec sets both an ECS spec and a resource config.
    #[error("task `{role}` sets both EcsSpec and ResourceConfig; choose exactly one")]
    BothEcsSpecAndResourceConfig {
        /// The role of the task spec.
        role: String,
    },
    /// A task spec sets neither an ECS spec nor a resource config.
    #[error("task `{role}` sets neither EcsSpec nor ResourceConfig; choose exactly one")]
    NoCompute {
        /// The role of the task spec.
        role: String,
    },
    /// Task specs of one job mix pay-as-you-go ECS specs and quota
    /// resources; the quota id is job-wide, so a job uses one or the other.
    #[error("the job mixes EcsSpec and ResourceConfig task specs; use one resource kind per job")]
    MixedCompute,
    /// A task spec uses a resource config but the job has no quota id.
    #[error("task `{role}` uses ResourceConfig, which needs the job's quota id (ResourceId)")]
    QuotaRequired {
        /// The role of the task spec.
        role: String,
    },
    /// A quota id was given for a job whose task specs all use ECS specs
    /// (public pay-as-you-go resources take no quota id).
    #[error(
        "a quota id was given but every task spec uses an EcsSpec; quota jobs use ResourceConfig"
    )]
    QuotaWithEcsSpec,
    /// A data source sets both a URI and a dataset id.
    #[error("data source {index} sets both Uri and DataSourceId; set exactly one")]
    DataSourceBoth {
        /// Its position in the job's data source list.
        index: usize,
    },
    /// A data source sets neither a URI nor a dataset id.
    #[error("data source {index} sets neither Uri nor DataSourceId; set exactly one")]
    DataSourceNeither {
        /// Its position in the job's data source list.
        index: usize,
    },
    /// A required field of the job was not set.
    #[error("`{field}` is required: {why}")]
    Missing {
        /// The field, as the API spells it.
        field: &'static str,
        /// Why it matters.
        why: &'static str,
    },
    /// A field has a value the service would reject.
    #[error("invalid `{field}`: {reason}")]
    Invalid {
        /// The field, as the API spells it.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// No image in AI Workspace has this name, id or URI.
    #[error("no AI Workspace image is named `{query}`{}", suggest(close_matches))]
    ImageNotFound {
        /// What was looked up.
        query: String,
        /// Names of images that look alike, closest first.
        close_matches: Vec<String>,
    },
    /// Several images carry this name; give the image id instead.
    #[error("{} images are named `{query}` ({}); pass an image id", candidates.len(), candidates.join(", "))]
    AmbiguousImage {
        /// What was looked up.
        query: String,
        /// The ids of the matching images.
        candidates: Vec<String>,
    },
    /// An image was found but carries no image URI.
    #[error("image `{image_id}` has neither an ImageUri nor a system.imageUri label")]
    ImageWithoutUri {
        /// The image id.
        image_id: String,
    },
    /// No dataset of the workspace has this name or id.
    #[error(
        "no dataset `{query}` in workspace {workspace_id}{}",
        suggest(close_matches)
    )]
    DatasetNotFound {
        /// What was looked up.
        query: String,
        /// The workspace searched.
        workspace_id: String,
        /// Names of datasets that look alike, closest first.
        close_matches: Vec<String>,
    },
    /// No code source of the workspace has this name or id.
    #[error(
        "no code source `{query}` in workspace {workspace_id}{}",
        suggest(close_matches)
    )]
    CodeSourceNotFound {
        /// What was looked up.
        query: String,
        /// The workspace searched.
        workspace_id: String,
        /// Names of code sources that look alike, closest first.
        close_matches: Vec<String>,
    },
    /// Stop was asked for a job that is neither running nor queuing.
    #[error("job {job_id} is {status}; only Running or Queuing jobs can be stopped")]
    StopNotAllowed {
        /// The job.
        job_id: String,
        /// Its status when checked.
        status: super::JobStatus,
    },
    /// A priority change was asked for a job that does not use a quota; the
    /// service would accept the call and ignore it.
    #[error("job {job_id} does not run on a quota (no ResourceId); its priority cannot be changed")]
    PriorityNeedsQuota {
        /// The job.
        job_id: String,
    },
    /// A priority change was asked for a quota job that already left the
    /// early states; the service would accept the call and ignore it.
    #[error(
        "job {job_id} is {status}; priority can only change while a quota job is Creating, Queuing or EnvPreparing"
    )]
    PriorityTooLate {
        /// The job.
        job_id: String,
        /// Its status when checked.
        status: super::JobStatus,
    },
    /// The service accepted a priority change but the job still reports the
    /// old priority (it moved on between the check and the call).
    #[error(
        "job {job_id}: the priority change to {wanted} was accepted but not applied (still {actual:?})"
    )]
    PriorityNotApplied {
        /// The job.
        job_id: String,
        /// The priority asked for.
        wanted: i32,
        /// The priority the job reports.
        actual: Option<i32>,
    },
    /// The job ended in a state other than the one waited for.
    #[error(
        "job {job_id} ended {status}{}",
        reason_text(reason_code, reason_message)
    )]
    JobFailed {
        /// The job.
        job_id: String,
        /// Its final status (`Failed` or `Stopped`).
        status: super::JobStatus,
        /// The service's reason code, if any.
        reason_code: Option<String>,
        /// The service's reason message, if any.
        reason_message: Option<String>,
    },
    /// A wait ran out of time.
    #[error("gave up waiting for job {job_id} after {elapsed:?}; last status: {}", last_status.as_ref().map_or("unknown".to_owned(), ToString::to_string))]
    WaitTimeout {
        /// The job.
        job_id: String,
        /// The last status seen, if any poll succeeded.
        last_status: Option<super::JobStatus>,
        /// How long the wait lasted.
        elapsed: Duration,
    },
    /// The service answered without a member the workflow needs.
    #[error("{operation} answered without {member}")]
    IncompleteResponse {
        /// The operation.
        operation: &'static str,
        /// The member that was missing.
        member: &'static str,
    },
    /// An API call failed.
    #[error("{operation} failed: {source}")]
    Api {
        /// The operation.
        operation: &'static str,
        /// The error of the call.
        #[source]
        source: alibabacloud_core::Error,
    },
}

impl JobError {
    /// Wraps the error of a call to `operation`.
    pub(crate) fn api(operation: &'static str) -> impl FnOnce(alibabacloud_core::Error) -> Self {
        move |source| JobError::Api { operation, source }
    }

    /// The underlying API error, when a call failed.
    pub fn api_error(&self) -> Option<&alibabacloud_core::Error> {
        match self {
            JobError::Api { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn suggest(close: &[String]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean: {}?", close.join(", "))
    }
}

fn reason_text(code: &Option<String>, message: &Option<String>) -> String {
    match (code.as_deref(), message.as_deref()) {
        (Some(c), Some(m)) if !c.is_empty() && !m.is_empty() => format!(" ({c}: {m})"),
        (Some(c), _) if !c.is_empty() => format!(" ({c})"),
        (_, Some(m)) if !m.is_empty() => format!(" ({m})"),
        _ => String::new(),
    }
}
