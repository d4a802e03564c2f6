//! A compact view of one job, from `GetJob` or `ListJobs`.

use crate::operations::get_job::GetJobOutput;
use crate::types::JobItem;

use super::JobStatus;

/// What a job looks like at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSnapshot {
    /// The job id (`dlc...`).
    pub job_id: String,
    /// The display name.
    pub display_name: String,
    /// The job type, as the service reports it.
    pub job_type: String,
    /// The status.
    pub status: JobStatus,
    /// The service's reason code for the status (empty ones are `None`).
    pub reason_code: Option<String>,
    /// The service's reason message for the status.
    pub reason_message: Option<String>,
    /// The workspace.
    pub workspace_id: Option<String>,
    /// The quota id of a quota job; `None` for pay-as-you-go jobs.
    pub quota_id: Option<String>,
    /// The priority.
    pub priority: Option<i32>,
    /// Seconds the job has been running (0 before it starts).
    pub duration_seconds: Option<i64>,
    /// When the job was created (`YYYY-MM-DDTHH:MM:SSZ`).
    pub created: Option<String>,
    /// The pods.
    pub pods: Vec<PodSnapshot>,
}

/// One pod of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSnapshot {
    /// The pod id.
    pub pod_id: String,
    /// Its role (`Worker`, `Master`, ...).
    pub role: String,
    /// Its status (`Pending`, `Running`, `Failed`, ...).
    pub status: String,
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

impl JobSnapshot {
    pub(crate) fn from_get(job_id: &str, out: &GetJobOutput) -> Self {
        JobSnapshot {
            job_id: out.job_id().unwrap_or(job_id).to_owned(),
            display_name: out.display_name().unwrap_or_default().to_owned(),
            job_type: out.job_type().unwrap_or_default().to_owned(),
            status: JobStatus::parse(out.status().unwrap_or_default()),
            reason_code: non_empty(out.reason_code()),
            reason_message: non_empty(out.reason_message()),
            workspace_id: non_empty(out.workspace_id()),
            quota_id: non_empty(out.resource_id()),
            priority: out.priority(),
            duration_seconds: out.duration(),
            created: non_empty(out.gmt_create_time()),
            pods: out
                .pods()
                .iter()
                .filter_map(|p| {
                    Some(PodSnapshot {
                        pod_id: p.pod_id()?.to_owned(),
                        role: p.type_().unwrap_or_default().to_owned(),
                        status: p.status().unwrap_or_default().to_owned(),
                    })
                })
                .collect(),
        }
    }

    pub(crate) fn from_item(item: &JobItem) -> Option<Self> {
        Some(JobSnapshot {
            job_id: item.job_id()?.to_owned(),
            display_name: item.display_name().unwrap_or_default().to_owned(),
            job_type: item.job_type().unwrap_or_default().to_owned(),
            status: JobStatus::parse(item.status().unwrap_or_default()),
            reason_code: non_empty(item.reason_code()),
            reason_message: non_empty(item.reason_message()),
            workspace_id: non_empty(item.workspace_id()),
            quota_id: non_empty(item.resource_id()),
            priority: item.priority(),
            duration_seconds: item.duration(),
            created: non_empty(item.gmt_create_time()),
            pods: item
                .pods()
                .iter()
                .filter_map(|p| {
                    Some(PodSnapshot {
                        pod_id: p.pod_id()?.to_owned(),
                        role: p.type_().unwrap_or_default().to_owned(),
                        status: p.status().unwrap_or_default().to_owned(),
                    })
                })
                .collect(),
        })
    }

    /// The status with its reason, for one line of output.
    pub fn status_line(&self) -> String {
        match (&self.reason_code, &self.reason_message) {
            (Some(c), Some(m)) => format!("{} ({c}: {m})", self.status),
            (Some(c), None) => format!("{} ({c})", self.status),
            (None, Some(m)) => format!("{} ({m})", self.status),
            (None, None) => self.status.to_string(),
        }
    }
}
