//! SysOM deep diagnosis of PAI instances (EAS services and DLC jobs) as
//! one call, following the diagnosis workflow (rules S1-S6).
//!
//! - [`DiagnosisRequest`] infers the product from the instance id (S1),
//!   checks the problem description (S2) and picks real-time or historical
//!   mode (S3).
//! - [`Diagnoser::diagnose`] initialises the SysOM role and checks that the
//!   resource exists (an EAS service; a DLC job on Lingjun resources) (S4),
//!   invokes the diagnosis, taking over a task already running for the
//!   instance (S5), and polls the result until it succeeds, fails or the
//!   poll budget runs out (S6).
//!
//! ```no_run
//! use alibabacloud_sysom::diagnose::{DiagnosisRequest, Diagnoser};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = alibabacloud_core::Config::load_default().await?;
//! let request = DiagnosisRequest::builder("eas-m-abc123", "cn-hangzhou")
//!     .description("GPU_OOM_instance_restart")
//!     .build()?;
//! let diagnosis = Diagnoser::new(&config).diagnose(&request).await?;
//! println!("task {}\n{}", diagnosis.task_id, diagnosis.report);
//! # Ok(()) }
//! ```

mod report;
mod request;

use std::time::Duration;

use alibabacloud_core::waiter::{WaitError, WaitOutcome, Waiter};
use alibabacloud_core::{Config, Error};
use serde_json::Value;
use tracing::Instrument;

pub use report::{DiagnosisReport, Issue, MalformedReport};
pub use request::{
    DiagnosisMode, DiagnosisRequest, DiagnosisRequestBuilder, DiagnosisRequestError, PaiProduct,
};

use crate::Client;
use crate::operations::get_diagnosis_result::Status;

/// The SysOM error code meaning a diagnosis of the instance is already running.
pub const TASK_IN_PROGRESS: &str = "Sysom.TaskInProgress";

/// How the result is polled (S6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// Time between two polls (default 10 s).
    pub interval: Duration,
    /// Most polls before giving up (default 60).
    pub max_attempts: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            interval: Duration::from_secs(10),
            max_attempts: 60,
        }
    }
}

/// Why a diagnosis produced no report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnoseError {
    /// The request itself is invalid (S1-S3).
    #[error(transparent)]
    Request(#[from] DiagnosisRequestError),
    /// InitialSysom failed: the service may not be activated, or the caller
    /// may lack permission to create its role.
    #[error(
        "InitialSysom failed (check that SysOM is activated and the caller may create its role): {0}"
    )]
    Initialize(#[source] Error),
    /// InitialSysom answered but the role still does not exist.
    #[error(
        "the SysOM service role does not exist after InitialSysom; check that SysOM is activated"
    )]
    RoleMissing,
    /// No EAS service with this id in the region (S4).
    #[error("no EAS service with id {instance} in {region}")]
    ServiceNotFound {
        /// The id.
        instance: String,
        /// The region searched.
        region: String,
    },
    /// No DLC job with this id in the region (S4).
    #[error("no DLC job with id {instance} in {region}")]
    JobNotFound {
        /// The id.
        instance: String,
        /// The region searched.
        region: String,
    },
    /// The DLC job does not run on Lingjun resources (S4).
    #[error(
        "SysOM diagnosis supports only DLC jobs running on Lingjun resources; job {instance} uses {resource_type}"
    )]
    UnsupportedResource {
        /// The job id.
        instance: String,
        /// Its resource type.
        resource_type: String,
    },
    /// A call failed.
    #[error("{action} failed: {source}")]
    Api {
        /// The API action.
        action: &'static str,
        /// The error.
        #[source]
        source: Error,
    },
    /// InvokeDiagnosis answered with an error code in its body.
    #[error("InvokeDiagnosis refused the request: {code}: {message}")]
    Refused {
        /// The code.
        code: String,
        /// The message.
        message: String,
    },
    /// `Sysom.TaskInProgress` without a task id that could be read.
    #[error(
        "a diagnosis is already in progress, but its task id could not be read from: {message}"
    )]
    TaskIdUnreadable {
        /// The service's message.
        message: String,
    },
    /// The diagnosis ended `Fail`.
    #[error("diagnosis task {task_id} failed: {message}")]
    Failed {
        /// The task id.
        task_id: String,
        /// The service's error message.
        message: String,
    },
    /// The poll budget ran out before the task finished.
    #[error(
        "SysOM diagnosis task timed out\n- Task ID: {task_id}\n- Current status: {}\n- Suggestion: please keep waiting for the diagnosis to complete.",
        .last_status.as_deref().unwrap_or("unknown")
    )]
    Timeout {
        /// The task id, to poll again later.
        task_id: String,
        /// The last status seen.
        last_status: Option<String>,
        /// Polls made.
        attempts: u32,
    },
    /// The task succeeded but its result is not a report.
    #[error("diagnosis task {task_id}: {source}")]
    Malformed {
        /// The task id.
        task_id: String,
        /// What is missing.
        #[source]
        source: MalformedReport,
    },
}

/// A finished diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// The task id.
    pub task_id: String,
    /// Whether the task was already running and was taken over (S5).
    pub resumed_running_task: bool,
    /// The link to the report in the SysOM console, when given.
    pub url: Option<String>,
    /// The report.
    pub report: DiagnosisReport,
}

/// Runs diagnoses. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Diagnoser {
    config: Config,
    sysom: Client,
    policy: PollPolicy,
}

/// One observation of the task while polling.
#[derive(Debug)]
struct Observed {
    status: Status,
    err_msg: Option<String>,
    result: Option<Value>,
    url: Option<String>,
}

/// Reads the task id out of a `Sysom.TaskInProgress` message: the text in
/// `ocd(...)`, or else the last parenthesised word.
pub fn task_id_from_in_progress(message: &str) -> Option<String> {
    let ok = |s: &str| {
        let s = s.trim();
        (!s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then(|| s.to_owned())
    };
    if let Some(at) = message.find("ocd(") {
        let rest = &message[at + 4..];
        if let Some(end) = rest.find(')') {
            if let Some(id) = ok(&rest[..end]) {
                return Some(id);
            }
        }
    }
    message
        .match_indices('(')
        .filter_map(|(i, _)| {
            let rest = &message[i + 1..];
            rest.find(')').and_then(|end| ok(&rest[..end]))
        })
        .next_back()
}

impl Diagnoser {
    /// A diagnoser using `config` (credentials, endpoint, timeouts). EAS and
    /// DLC are queried in each request's region.
    pub fn new(config: &Config) -> Diagnoser {
        Diagnoser {
            config: config.clone(),
            sysom: Client::new(config),
            policy: PollPolicy::default(),
        }
    }

    /// Sets the polling policy (S6).
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Runs S4-S6 for `request` and returns the report.
    pub async fn diagnose(&self, request: &DiagnosisRequest) -> Result<Diagnosis, DiagnoseError> {
        let span = tracing::info_span!(
            "sysom_diagnose",
            instance = %request.instance(),
            product = ?request.product()
        );
        self.run(request).instrument(span).await
    }

    async fn run(&self, request: &DiagnosisRequest) -> Result<Diagnosis, DiagnoseError> {
        self.initialize().await?;
        self.validate(request).await?;
        let (task_id, resumed) = self.invoke(request).await?;
        let observed = self.poll(&task_id).await?;
        let result = observed.result.unwrap_or(Value::Null);
        let report =
            DiagnosisReport::from_result(&result).map_err(|source| DiagnoseError::Malformed {
                task_id: task_id.clone(),
                source,
            })?;
        Ok(Diagnosis {
            task_id,
            resumed_running_task: resumed,
            url: observed.url,
            report,
        })
    }

    /// S4: InitialSysom (creates the service role if needed).
    async fn initialize(&self) -> Result<(), DiagnoseError> {
        let out = self
            .sysom
            .initial_sysom()
            .check_only(false)
            .send()
            .await
            .map_err(DiagnoseError::Initialize)?;
        if out.data().and_then(|d| d.role_exist()) == Some(false) {
            return Err(DiagnoseError::RoleMissing);
        }
        Ok(())
    }

    fn regional(&self, region: &str) -> Result<Config, DiagnoseError> {
        self.config
            .to_builder()
            .region(region)
            .build()
            .map_err(|source| DiagnoseError::Api {
                action: "Config",
                source,
            })
    }

    /// S4: the EAS service exists; the DLC job exists and runs on Lingjun.
    async fn validate(&self, request: &DiagnosisRequest) -> Result<(), DiagnoseError> {
        let config = self.regional(request.region())?;
        let instance = request.instance();
        match request.product() {
            PaiProduct::Eas => {
                let eas = alibabacloud_eas::Client::new(&config);
                let out = eas
                    .list_services()
                    .filter(instance)
                    .page_size(100)
                    .send()
                    .await
                    .map_err(|source| DiagnoseError::Api {
                        action: "ListServices",
                        source,
                    })?;
                if out
                    .services()
                    .iter()
                    .any(|s| s.service_id() == Some(instance))
                {
                    Ok(())
                } else {
                    Err(DiagnoseError::ServiceNotFound {
                        instance: instance.to_owned(),
                        region: request.region().to_owned(),
                    })
                }
            }
            PaiProduct::Dlc => {
                let dlc = alibabacloud_pai_dlc::Client::new(&config);
                let job = match dlc.get_job().job_id(instance).send().await {
                    Ok(job) => job,
                    Err(e) if e.is_not_found() => {
                        return Err(DiagnoseError::JobNotFound {
                            instance: instance.to_owned(),
                            region: request.region().to_owned(),
                        });
                    }
                    Err(source) => {
                        return Err(DiagnoseError::Api {
                            action: "GetJob",
                            source,
                        });
                    }
                };
                match job.resource_type() {
                    Some("Lingjun") => Ok(()),
                    other => Err(DiagnoseError::UnsupportedResource {
                        instance: instance.to_owned(),
                        resource_type: other.unwrap_or("an unknown resource type").to_owned(),
                    }),
                }
            }
        }
    }

    /// S5: InvokeDiagnosis; a task already in progress is taken over.
    async fn invoke(&self, request: &DiagnosisRequest) -> Result<(String, bool), DiagnoseError> {
        let in_progress = |message: &str| {
            task_id_from_in_progress(message)
                .map(|id| {
                    tracing::info!(task_id = %id, "a diagnosis is already running; polling it");
                    (id, true)
                })
                .ok_or_else(|| DiagnoseError::TaskIdUnreadable {
                    message: message.to_owned(),
                })
        };
        let out = match self
            .sysom
            .invoke_diagnosis()
            .service_name("ocd")
            .channel("ecs")
            .params(request.params_json())
            .send()
            .await
        {
            Ok(out) => out,
            Err(Error::Service { code, message, .. }) if code == TASK_IN_PROGRESS => {
                return in_progress(&message);
            }
            Err(source) => {
                return Err(DiagnoseError::Api {
                    action: "InvokeDiagnosis",
                    source,
                });
            }
        };
        let message = out.message().unwrap_or_default();
        match out.code() {
            Some(TASK_IN_PROGRESS) => return in_progress(message),
            Some(code) if !code.is_empty() && code != "Success" => {
                return Err(DiagnoseError::Refused {
                    code: code.to_owned(),
                    message: message.to_owned(),
                });
            }
            _ => {}
        }
        out.data()
            .and_then(|d| d.task_id())
            .filter(|id| !id.is_empty())
            .map(|id| (id.to_owned(), false))
            .ok_or_else(|| DiagnoseError::Refused {
                code: out.code().unwrap_or("Success").to_owned(),
                message: "the answer carries no task_id".to_owned(),
            })
    }

    /// S6: polls until Success (returned), Fail or the budget runs out.
    async fn poll(&self, task_id: &str) -> Result<Observed, DiagnoseError> {
        let waiter = Waiter::new(self.policy.interval).max_attempts(self.policy.max_attempts);
        let poll = || async {
            let out = self
                .sysom
                .get_diagnosis_result()
                .task_id(task_id)
                .send()
                .await?;
            let data = out.data();
            Ok(Observed {
                status: data
                    .and_then(|d| d.status().cloned())
                    .unwrap_or_else(|| Status::Unknown(String::new())),
                err_msg: data
                    .and_then(|d| d.err_msg())
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned),
                result: data.and_then(|d| d.result().cloned()),
                url: data.and_then(|d| d.url()).map(str::to_owned),
            })
        };
        let classify = |o: &Observed| match &o.status {
            Status::Success => WaitOutcome::Done,
            Status::Fail => WaitOutcome::failed("the diagnosis failed"),
            // Ready, Running and values this SDK does not know: keep polling.
            _ => WaitOutcome::Continue,
        };
        match waiter.wait(poll, classify).await {
            Ok(o) => Ok(o),
            Err(WaitError::Failed { state, .. }) => Err(DiagnoseError::Failed {
                task_id: task_id.to_owned(),
                message: state
                    .err_msg
                    .unwrap_or_else(|| "no error message was given".to_owned()),
            }),
            Err(WaitError::Timeout { last, attempts, .. }) => Err(DiagnoseError::Timeout {
                task_id: task_id.to_owned(),
                last_status: last.map(|o| o.status.as_str().to_owned()),
                attempts,
            }),
            Err(WaitError::Call(source)) => Err(DiagnoseError::Api {
                action: "GetDiagnosisResult",
                source,
            }),
            Err(other) => Err(DiagnoseError::Timeout {
                task_id: task_id.to_owned(),
                last_status: other.into_state().map(|o| o.status.as_str().to_owned()),
                attempts: self.policy.max_attempts,
            }),
        }
    }
}
