//! The deployment itself (E7) and invocation snippets.

use std::fmt;
use std::time::Duration;

use alibabacloud_core::waiter::{WaitError, WaitOutcome, Waiter};
use tracing::Instrument;

use super::chip::ChipCheck;
use super::config::ServiceConfig;
use crate::{Client, Error};

/// Timing of [`deploy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOptions {
    /// Time between two status polls (default 10 s).
    pub poll_interval: Duration,
    /// How long to wait for `Running` or `Failed` (default 180 s, as in
    /// the seed workflow; large models may need more).
    pub timeout: Duration,
    /// How long to wait for a replaced service to disappear (default 120 s).
    pub delete_timeout: Duration,
    /// The cluster (region) to deploy in; default: the client's region.
    pub cluster_id: Option<String>,
    /// How many of the latest service events a failure carries (default 3).
    pub failure_events: usize,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            poll_interval: Duration::from_secs(10),
            timeout: Duration::from_secs(180),
            delete_timeout: Duration::from_secs(120),
            cluster_id: None,
            failure_events: 3,
        }
    }
}

impl DeployOptions {
    /// Sets the poll interval.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }
    /// Sets the time allowed to reach `Running` or `Failed`.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// Sets the time allowed for a replaced service to go away.
    pub fn delete_timeout(mut self, d: Duration) -> Self {
        self.delete_timeout = d;
        self
    }
    /// Deploys in this cluster (region) instead of the client's region.
    pub fn cluster_id(mut self, id: impl Into<String>) -> Self {
        self.cluster_id = Some(id.into());
        self
    }
}

/// One service event (from DescribeServiceEvent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEvent {
    /// When it happened.
    pub time: String,
    /// `Normal` or `Warning`.
    pub kind: String,
    /// Short machine-readable reason (`ImagePullBackOff`, ...).
    pub reason: String,
    /// The message.
    pub message: String,
}

impl fmt::Display for ServiceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.kind, self.reason, self.message)
    }
}

fn events_list(events: &[ServiceEvent]) -> String {
    if events.is_empty() {
        return "no events were recorded".to_owned();
    }
    events
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why a deployment did not end with a running service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// A call failed.
    #[error("{action} failed: {source}")]
    Api {
        /// The API action.
        action: &'static str,
        /// The error.
        #[source]
        source: Error,
    },
    /// The existing service with the same name did not go away in time.
    #[error("the existing service {name} was still there after {waited:?}; not creating a new one")]
    DeleteTimeout {
        /// The service name.
        name: String,
        /// How long was waited.
        waited: Duration,
    },
    /// The service ended `Failed`.
    #[error("service {name} failed: {message}; last events: {}", events_list(.events))]
    Failed {
        /// The service name.
        name: String,
        /// The service's status message.
        message: String,
        /// The latest events (at most [`DeployOptions::failure_events`]), oldest first.
        events: Vec<ServiceEvent>,
    },
    /// Neither `Running` nor `Failed` within the timeout.
    #[error("service {name} was still {} after {waited:?}", .last_status.as_deref().unwrap_or("not observed"))]
    Timeout {
        /// The service name.
        name: String,
        /// The last status seen.
        last_status: Option<String>,
        /// How long was waited.
        waited: Duration,
    },
}

/// A service that reached `Running`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The service name.
    pub name: String,
    /// The service id (`eas-m-...`).
    pub service_id: String,
    /// The final status (`Running`).
    pub status: String,
    /// `InternetEndpoint` of DescribeService.
    pub internet_endpoint: String,
    /// `IntranetEndpoint` of DescribeService.
    pub intranet_endpoint: String,
    /// Whether a service with the same name was deleted first.
    pub replaced_existing: bool,
    /// The E3 result the configuration was built with.
    pub chip_check: Option<ChipCheck>,
}

impl fmt::Display for Deployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Service Name: {}", self.name)?;
        writeln!(f, "Service Id: {}", self.service_id)?;
        writeln!(f, "Status: {}", self.status)?;
        writeln!(f, "InternetEndpoint: {}", self.internet_endpoint)?;
        write!(f, "IntranetEndpoint: {}", self.intranet_endpoint)
    }
}

/// The environment variable the snippets read the service token from.
pub const TOKEN_VARIABLE: &str = "EAS_TOKEN";

/// Ready-to-paste calls of a running service. The token is never included:
/// the snippets read it from `$EAS_TOKEN` (see [`TOKEN_VARIABLE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The endpoint used.
    pub endpoint: String,
    /// A curl call of the OpenAI-compatible chat API.
    pub curl: String,
    /// The same call with the OpenAI Python SDK.
    pub openai_python: String,
}

impl fmt::Display for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Endpoint: {}", self.endpoint)?;
        writeln!(
            f,
            "Set the token first (from the console or DescribeService AccessToken): export {TOKEN_VARIABLE}=<token>"
        )?;
        writeln!(f, "[curl]\n{}", self.curl)?;
        write!(f, "[OpenAI SDK]\n{}", self.openai_python)
    }
}

impl Deployment {
    /// Snippets calling the OpenAI-compatible API of a vLLM / SGLang
    /// service over the internet endpoint; `model` is the served model name
    /// (for `vllm serve /model_dir` it is `/model_dir`).
    pub fn invocation(&self, model: &str) -> Invocation {
        let endpoint = self.internet_endpoint.trim_end_matches('/').to_owned();
        let body = serde_json::json!({
            "model": model,
            "messages": [{"role": "user", "content": "Hello"}],
        });
        let curl = format!(
            "curl \"{endpoint}/v1/chat/completions\" \\\n  -H \"Authorization: ${TOKEN_VARIABLE}\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{body}'"
        );
        let openai_python = format!(
            "import os\nfrom openai import OpenAI\nclient = OpenAI(base_url=\"{endpoint}/v1\", api_key=os.environ[\"{TOKEN_VARIABLE}\"])\nreply = client.chat.completions.create(model={model:?}, messages=[{{\"role\": \"user\", \"content\": \"Hello\"}}])\nprint(reply.choices[0].message.content)"
        );
        Invocation {
            endpoint,
            curl,
            openai_python,
        }
    }
}

/// Deploys `config` (E7).
///
/// 1. A service with the same name in the cluster is deleted, and the call
///    waits until it is gone.
/// 2. CreateService with [`ServiceConfig::to_json`].
/// 3. DescribeService every [`DeployOptions::poll_interval`] until
///    `Running` (returns both endpoints) or `Failed` (returns
///    [`DeployError::Failed`] with the latest service events), or until
///    [`DeployOptions::timeout`].
pub async fn deploy(
    client: &Client,
    config: &ServiceConfig,
    options: &DeployOptions,
) -> Result<Deployment, DeployError> {
    let cluster = options
        .cluster_id
        .clone()
        .unwrap_or_else(|| client.service_client().config().region().to_owned());
    let name = config.name().as_str().to_owned();
    let span = tracing::info_span!("eas_deploy", service = %name, cluster = %cluster);
    deploy_in(client, config, options, cluster, name)
        .instrument(span)
        .await
}

async fn deploy_in(
    client: &Client,
    config: &ServiceConfig,
    options: &DeployOptions,
    cluster: String,
    name: String,
) -> Result<Deployment, DeployError> {
    let replaced_existing = remove_existing(client, &cluster, &name, options).await?;

    tracing::info!("creating service");
    client
        .create_service()
        .body(config.to_json().to_string())
        .send()
        .await
        .map_err(|source| DeployError::Api {
            action: "CreateService",
            source,
        })?;

    let waited = Waiter::new(options.poll_interval)
        .timeout(options.timeout)
        .wait(
            || {
                client
                    .describe_service()
                    .cluster_id(cluster.clone())
                    .service_name(name.clone())
                    .send()
            },
            |s| match s.status() {
                Some("Running") => WaitOutcome::Done,
                Some("Failed") => WaitOutcome::failed("the service failed"),
                _ => WaitOutcome::Continue,
            },
        )
        .await;
    match waited {
        Ok(s) => Ok(Deployment {
            name: name.clone(),
            service_id: s.service_id().unwrap_or_default().to_owned(),
            status: s.status().unwrap_or_default().to_owned(),
            internet_endpoint: s.internet_endpoint().unwrap_or_default().to_owned(),
            intranet_endpoint: s.intranet_endpoint().unwrap_or_default().to_owned(),
            replaced_existing,
            chip_check: config.chip_check().cloned(),
        }),
        Err(WaitError::Failed { state, .. }) => {
            let events = latest_events(client, &cluster, &name, options.failure_events).await?;
            Err(DeployError::Failed {
                name,
                message: state
                    .message()
                    .or(state.reason())
                    .unwrap_or("no message")
                    .to_owned(),
                events,
            })
        }
        Err(WaitError::Timeout { last, elapsed, .. }) => Err(DeployError::Timeout {
            name,
            last_status: last.and_then(|s| s.status().map(str::to_owned)),
            waited: elapsed,
        }),
        Err(WaitError::Call(source)) => Err(DeployError::Api {
            action: "DescribeService",
            source,
        }),
        Err(other) => Err(DeployError::Timeout {
            name,
            last_status: other
                .into_state()
                .and_then(|s| s.status().map(str::to_owned)),
            waited: options.timeout,
        }),
    }
}

/// Deletes a service called `name` if there is one and waits until it is
/// gone. Returns whether one existed.
async fn remove_existing(
    client: &Client,
    cluster: &str,
    name: &str,
    options: &DeployOptions,
) -> Result<bool, DeployError> {
    let describe = || async {
        match client
            .describe_service()
            .cluster_id(cluster)
            .service_name(name)
            .send()
            .await
        {
            Ok(s) => Ok(Some(s.status().unwrap_or_default().to_owned())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    };
    let existing = describe().await.map_err(|source| DeployError::Api {
        action: "DescribeService",
        source,
    })?;
    let Some(status) = existing else {
        return Ok(false);
    };
    tracing::info!(%status, "a service with the same name exists; deleting it first");
    if status != "Deleting" {
        match client
            .delete_service()
            .cluster_id(cluster)
            .service_name(name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(true),
            Err(source) => {
                return Err(DeployError::Api {
                    action: "DeleteService",
                    source,
                });
            }
        }
    }
    Waiter::new(options.poll_interval)
        .timeout(options.delete_timeout)
        .wait(describe, |s: &Option<String>| match s {
            None => WaitOutcome::Done,
            Some(_) => WaitOutcome::Continue,
        })
        .await
        .map_err(|e| match e {
            WaitError::Call(source) => DeployError::Api {
                action: "DescribeService",
                source,
            },
            _ => DeployError::DeleteTimeout {
                name: name.to_owned(),
                waited: options.delete_timeout,
            },
        })?;
    Ok(true)
}

/// The latest `count` events of a service, oldest first.
async fn latest_events(
    client: &Client,
    cluster: &str,
    name: &str,
    count: usize,
) -> Result<Vec<ServiceEvent>, DeployError> {
    let fetch = |page: i64| async move {
        client
            .describe_service_event()
            .cluster_id(cluster)
            .service_name(name)
            .page_size("100")
            .page_num(page.to_string())
            .send()
            .await
            .map_err(|source| DeployError::Api {
                action: "DescribeServiceEvent",
                source,
            })
    };
    let first = fetch(1).await?;
    let last_page = first.total_page_num().unwrap_or(1);
    let mut events = first.events().to_vec();
    if last_page > 1 {
        let last = fetch(last_page).await?;
        let mut tail = if last.events().len() < count {
            // The last page is short: keep the end of the one before it too.
            fetch(last_page - 1).await?.events().to_vec()
        } else {
            Vec::new()
        };
        tail.extend(last.events().iter().cloned());
        events = tail;
    }
    let start = events.len().saturating_sub(count);
    Ok(events[start..]
        .iter()
        .map(|e| ServiceEvent {
            time: e.time().unwrap_or_default().to_owned(),
            kind: e.type_().unwrap_or_default().to_owned(),
            reason: e.reason().unwrap_or_default().to_owned(),
            message: e.message().unwrap_or_default().to_owned(),
        })
        .collect())
}
