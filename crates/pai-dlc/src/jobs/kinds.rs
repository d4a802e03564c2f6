//! Job types, task roles and job statuses.

use std::fmt;
use std::str::FromStr;

use super::JobError;

/// The kind of a DLC job: exactly the nine values the service accepts.
///
/// The wire names ([`as_str`](Self::as_str)) are case-sensitive and have no
/// aliases: `pytorch`, `Pytorch` or `CustomJob` are refused by
/// [`FromStr`]. There is no generic "custom" type; a single-container
/// workload fits [`JobType::PyTorchJob`], whose role set is the most
/// permissive. The type cannot be changed after the job is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobType {
    /// `TFJob`: TensorFlow, roles Chief, PS, Worker, Evaluator, GraphLearn.
    TfJob,
    /// `PyTorchJob`: PyTorch, a Worker and an optional Master (when absent,
    /// the first worker acts as master).
    PyTorchJob,
    /// `MPIJob`: MPI/Horovod, a Worker and a Master.
    MpiJob,
    /// `XGBoostJob`: XGBoost, a Worker and an optional Master.
    XgBoostJob,
    /// `OneFlowJob`: OneFlow, a Worker and an optional Master.
    OneFlowJob,
    /// `ElasticBatchJob`: elastic batch inference, a Worker and an optional
    /// Master.
    ElasticBatchJob,
    /// `SlurmJob`: Slurm; its roles are framework-specific and not checked
    /// here.
    SlurmJob,
    /// `RayJob`: Ray, Worker only.
    RayJob,
    /// `DataJuicerJob`: Data-Juicer data processing; its roles are
    /// framework-specific and not checked here.
    DataJuicerJob,
}

impl JobType {
    /// All nine job types, in the order the service documents them.
    pub const ALL: [JobType; 9] = [
        JobType::TfJob,
        JobType::PyTorchJob,
        JobType::MpiJob,
        JobType::XgBoostJob,
        JobType::OneFlowJob,
        JobType::ElasticBatchJob,
        JobType::SlurmJob,
        JobType::RayJob,
        JobType::DataJuicerJob,
    ];

    /// The wire name (`PyTorchJob`, `TFJob`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            JobType::TfJob => "TFJob",
            JobType::PyTorchJob => "PyTorchJob",
            JobType::MpiJob => "MPIJob",
            JobType::XgBoostJob => "XGBoostJob",
            JobType::OneFlowJob => "OneFlowJob",
            JobType::ElasticBatchJob => "ElasticBatchJob",
            JobType::SlurmJob => "SlurmJob",
            JobType::RayJob => "RayJob",
            JobType::DataJuicerJob => "DataJuicerJob",
        }
    }

    /// The wire names of all nine types.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|t| t.as_str()).collect()
    }

    /// The task roles this type accepts, or `None` when the roles are
    /// framework-specific (`SlurmJob`, `DataJuicerJob`) and any role name
    /// is passed through.
    pub fn allowed_roles(self) -> Option<&'static [&'static str]> {
        match self {
            JobType::TfJob => Some(&["Chief", "PS", "Worker", "Evaluator", "GraphLearn"]),
            JobType::PyTorchJob
            | JobType::MpiJob
            | JobType::XgBoostJob
            | JobType::OneFlowJob
            | JobType::ElasticBatchJob => Some(&["Worker", "Master"]),
            JobType::RayJob => Some(&["Worker"]),
            JobType::SlurmJob | JobType::DataJuicerJob => None,
        }
    }

    /// The roles a job of this type must have.
    pub fn required_roles(self) -> &'static [&'static str] {
        match self {
            JobType::MpiJob => &["Worker", "Master"],
            JobType::PyTorchJob
            | JobType::XgBoostJob
            | JobType::OneFlowJob
            | JobType::ElasticBatchJob
            | JobType::RayJob => &["Worker"],
            JobType::TfJob | JobType::SlurmJob | JobType::DataJuicerJob => &[],
        }
    }

    /// Roles that run as exactly one pod (a master or chief coordinates the
    /// others).
    pub(crate) fn single_pod_roles(self) -> &'static [&'static str] {
        match self {
            JobType::TfJob => &["Chief"],
            JobType::SlurmJob | JobType::DataJuicerJob => &[],
            _ => &["Master"],
        }
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobType {
    type Err = JobError;

    /// Parses a wire name, case-sensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| JobError::UnknownJobType {
                value: s.to_owned(),
            })
    }
}

/// The status of a DLC job, as `GetJob` and `ListJobs` report it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// `Creating`: accepted, being set up.
    Creating,
    /// `Queuing`: waiting for resources.
    Queuing,
    /// `Dequeued`: resources granted, leaving the queue.
    Dequeued,
    /// `EnvPreparing`: pods scheduled, images being pulled.
    EnvPreparing,
    /// `SanityChecking`: the GPU sanity check runs before training.
    SanityChecking,
    /// `Running`: the user command runs.
    Running,
    /// `Restarting`: pods are being restarted.
    Restarting,
    /// `Stopping`: a stop was requested.
    Stopping,
    /// `Succeeded`: finished with exit code 0 (terminal).
    Succeeded,
    /// `Failed`: finished with an error (terminal).
    Failed,
    /// `Stopped`: stopped by the user or the auto-stop guard (terminal).
    Stopped,
    /// A value this SDK does not know yet.
    Unknown(String),
}

impl JobStatus {
    /// Parses the wire value; unknown values are kept in
    /// [`JobStatus::Unknown`].
    pub fn parse(s: &str) -> Self {
        match s {
            "Creating" => JobStatus::Creating,
            "Queuing" => JobStatus::Queuing,
            "Dequeued" => JobStatus::Dequeued,
            "EnvPreparing" => JobStatus::EnvPreparing,
            "SanityChecking" => JobStatus::SanityChecking,
            "Running" => JobStatus::Running,
            "Restarting" => JobStatus::Restarting,
            "Stopping" => JobStatus::Stopping,
            "Succeeded" => JobStatus::Succeeded,
            "Failed" => JobStatus::Failed,
            "Stopped" => JobStatus::Stopped,
            other => JobStatus::Unknown(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Creating => "Creating",
            JobStatus::Queuing => "Queuing",
            JobStatus::Dequeued => "Dequeued",
            JobStatus::EnvPreparing => "EnvPreparing",
            JobStatus::SanityChecking => "SanityChecking",
            JobStatus::Running => "Running",
            JobStatus::Restarting => "Restarting",
            JobStatus::Stopping => "Stopping",
            JobStatus::Succeeded => "Succeeded",
            JobStatus::Failed => "Failed",
            JobStatus::Stopped => "Stopped",
            JobStatus::Unknown(s) => s,
        }
    }

    /// Whether the job has ended (`Succeeded`, `Failed` or `Stopped`).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Stopped
        )
    }

    /// Whether the service accepts `StopJob` in this status (`Running` or
    /// `Queuing`).
    pub fn can_stop(&self) -> bool {
        matches!(self, JobStatus::Running | JobStatus::Queuing)
    }

    /// Whether a priority change still applies in this status (`Creating`,
    /// `Queuing` or `EnvPreparing`; quota jobs only).
    pub fn can_change_priority(&self) -> bool {
        matches!(
            self,
            JobStatus::Creating | JobStatus::Queuing | JobStatus::EnvPreparing
        )
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
