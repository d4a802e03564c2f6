//! ACK: the script as a Kubernetes Job (P8).
//!
//! [`run_script_as_job`] creates an ACK cluster (or reuses one the caller
//! names), waits for it to run, fetches its kubeconfig
//! (`DescribeClusterUserKubeconfig`), builds a kube-rs client from it, runs
//! the script as a `batch/v1` Job (`sh -c SCRIPT`, no restarts), waits for
//! the Job to complete, collects the pod's logs, deletes the Job, and
//! deletes the cluster when this run created it. Failures and cancellation
//! clean up the same way (see [the module docs](super)).

use std::fmt;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, LogParams, PostParams};

use alibabacloud_core::waiter::WaitOutcome;

use super::{ExecError, PollSettings, check_quotes, retry_until, unique_name};
use crate::ConfirmedQuote;
use crate::product::Product;

/// Which cluster runs the Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterChoice {
    /// An existing, running cluster: it is used and never deleted.
    Reuse(String),
    /// A new managed cluster with the quoted worker type; deleted at the end.
    Create {
        /// vSwitches for the workers (required by the real service; the
        /// emulator accepts none).
        vswitch_ids: Vec<String>,
        /// Worker node count (at least 1).
        nodes: i64,
    },
}

/// The Job to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    /// Container image (e.g. `registry.cn-hangzhou.aliyuncs.com/acs/busybox:1.36`).
    pub image: String,
    /// Namespace (default `default`).
    pub namespace: String,
    /// Prefix of the Job name (default `provision-job`).
    pub name_prefix: String,
    /// Shell that runs the script (default `/bin/sh`).
    pub shell: String,
}

impl JobSpec {
    /// A Job running `image` in `default`.
    pub fn new(image: impl Into<String>) -> Self {
        Self {
            image: image.into(),
            namespace: "default".into(),
            name_prefix: "provision-job".into(),
            shell: "/bin/sh".into(),
        }
    }
}

/// The finished Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutput {
    /// The cluster it ran on.
    pub cluster_id: String,
    /// Whether this run created (and deleted) the cluster.
    pub cluster_created: bool,
    /// Job name.
    pub job_name: String,
    /// Pod name.
    pub pod_name: String,
    /// Exit code of the container, when reported.
    pub exit_code: Option<i32>,
    /// The pod's logs.
    pub logs: String,
}

#[derive(Clone)]
struct Cleanup {
    cs: alibabacloud_ack::Client,
    poll: PollSettings,
    created_cluster: Option<String>,
    job: Option<(kube::Client, String, String)>,
}

impl fmt::Debug for Cleanup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cleanup")
            .field("created_cluster", &self.created_cluster)
            .field(
                "job",
                &self.job.as_ref().map(|(_, ns, n)| format!("{ns}/{n}")),
            )
            .finish()
    }
}

impl Cleanup {
    async fn run(self) -> Vec<String> {
        let mut left = Vec::new();
        if let Some((client, ns, name)) = &self.job {
            let jobs: Api<Job> = Api::namespaced(client.clone(), ns);
            match jobs.delete(name, &DeleteParams::background()).await {
                Ok(_) => tracing::info!(job = %name, "job deleted"),
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => left.push(format!("job {ns}/{name}: {e}")),
            }
        }
        if let Some(id) = &self.created_cluster {
            if let Err(e) = delete_cluster(&self.cs, id, &self.poll).await {
                left.push(format!("cluster {id}: {e}"));
            }
        }
        left
    }
}

struct Guard(Option<Cleanup>);

impl Guard {
    fn get(&mut self) -> &mut Cleanup {
        self.0.as_mut().expect("guard is armed until the end")
    }
    async fn finish(&mut self) -> Vec<String> {
        match self.0.take() {
            Some(c) => c.run().await,
            None => Vec::new(),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(c) = self.0.take() else { return };
        if c.created_cluster.is_none() && c.job.is_none() {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                tracing::warn!(cleanup = ?c, "ACK run dropped; cleaning up in the background");
                h.spawn(async move {
                    let left = c.run().await;
                    if !left.is_empty() {
                        tracing::error!(left = ?left, "background ACK cleanup left resources");
                    }
                });
            }
            Err(_) => {
                tracing::error!(cleanup = ?c, "ACK run dropped outside a Tokio runtime; NOT cleaned up");
            }
        }
    }
}

async fn delete_cluster(
    cs: &alibabacloud_ack::Client,
    id: &str,
    poll: &PollSettings,
) -> Result<(), alibabacloud_core::Error> {
    let deleting = |e: &alibabacloud_core::Error| e.code() == Some("ErrorClusterState");
    match retry_until(poll, poll.release_timeout, deleting, || {
        cs.delete_cluster().cluster_id(id).send()
    })
    .await
    {
        Ok(_) => {}
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    }
    // Wait until it is gone, so that "deleted" means deleted.
    let deadline = tokio::time::Instant::now() + poll.release_timeout;
    loop {
        match cs.describe_cluster_detail().cluster_id(id).send().await {
            Err(e) if e.is_not_found() => {
                tracing::info!(cluster = %id, "cluster deleted");
                return Ok(());
            }
            Err(e) if !e.is_retryable() => return Err(e),
            _ if tokio::time::Instant::now() >= deadline => {
                tracing::warn!(cluster = %id, "cluster still deleting after the release timeout");
                return Ok(());
            }
            _ => tokio::time::sleep(poll.interval).await,
        }
    }
}

/// Runs `script` as a Kubernetes Job on ACK (P8), under `quote` (an ACK
/// quote whose spec is the worker instance type).
pub async fn run_script_as_job(
    config: &alibabacloud_core::Config,
    quote: &ConfirmedQuote,
    cluster: &ClusterChoice,
    job: &JobSpec,
    script: &str,
    poll: &PollSettings,
) -> Result<JobOutput, ExecError> {
    check_quotes(std::slice::from_ref(quote), Product::Ack)?;
    if script.trim().is_empty() {
        return Err(ExecError::Invalid("the script is empty".into()));
    }
    if job.image.trim().is_empty() {
        return Err(ExecError::Invalid("the Job image is empty".into()));
    }
    if let ClusterChoice::Create { nodes, .. } = cluster {
        if *nodes < 1 {
            return Err(ExecError::Invalid(format!(
                "a new cluster needs at least one worker node, not {nodes}"
            )));
        }
    }
    let offer = quote.quote().offer();
    let config = config
        .to_builder()
        .region(offer.region.clone())
        .build()
        .map_err(|e| ExecError::Invalid(format!("configuration for {}: {e}", offer.region)))?;
    let cs = alibabacloud_ack::Client::new(&config);
    let mut guard = Guard(Some(Cleanup {
        cs: cs.clone(),
        poll: poll.clone(),
        created_cluster: None,
        job: None,
    }));
    let outcome = run(&mut guard, &cs, quote, cluster, job, script, poll).await;
    let left = guard.finish().await;
    match outcome {
        Ok(out) if left.is_empty() => Ok(out),
        Ok(_) => Err(ExecError::CleanupIncomplete { left }),
        Err(e) => Err(e.with_leftovers(left)),
    }
}

async fn run(
    guard: &mut Guard,
    cs: &alibabacloud_ack::Client,
    quote: &ConfirmedQuote,
    cluster: &ClusterChoice,
    spec: &JobSpec,
    script: &str,
    poll: &PollSettings,
) -> Result<JobOutput, ExecError> {
    let offer = quote.quote().offer();
    let (cluster_id, created) = match cluster {
        ClusterChoice::Reuse(id) => (id.clone(), false),
        ClusterChoice::Create { vswitch_ids, nodes } => {
            let mut b = cs
                .create_cluster()
                .name(unique_name("provision"))
                .region_id(offer.region.clone())
                .cluster_type("ManagedKubernetes")
                .worker_instance_types([offer.spec.clone()])
                .num_of_nodes(*nodes);
            if !vswitch_ids.is_empty() {
                b = b.vswitch_ids(vswitch_ids.clone());
            }
            if let Some(zone) = &offer.zone {
                b = b.zone_id(zone.clone());
            }
            let out = b.send().await.map_err(|e| {
                ExecError::api(
                    format!("CreateCluster ({} in {})", offer.spec, offer.region),
                    e,
                )
            })?;
            let id = out
                .cluster_id()
                .ok_or_else(|| ExecError::Invalid("CreateCluster answered no cluster id".into()))?
                .to_owned();
            guard.get().created_cluster = Some(id.clone());
            tracing::info!(cluster = %id, "cluster creating");
            (id, true)
        }
    };

    // Wait for `running`.
    super::wait_for_status(
        poll,
        poll.ready_timeout,
        (
            &format!("cluster {cluster_id}"),
            "running",
            &format!("DescribeClusterDetail {cluster_id}"),
        ),
        || async {
            let detail = cs
                .describe_cluster_detail()
                .cluster_id(cluster_id.clone())
                .send()
                .await?;
            Ok(detail.state().unwrap_or_default().to_owned())
        },
        |state| match state.as_str() {
            "running" => WaitOutcome::Done,
            "failed" | "delete_failed" | "deleting" | "deleted" | "stopped" => {
                WaitOutcome::failed("the cluster is not usable")
            }
            _ => WaitOutcome::Continue,
        },
    )
    .await?;

    // Kubeconfig -> kube client.
    let kc = retry_until(
        poll,
        poll.ready_timeout,
        |_| false,
        || {
            cs.describe_cluster_user_kubeconfig()
                .cluster_id(cluster_id.clone())
                .send()
        },
    )
    .await
    .map_err(|e| ExecError::api(format!("DescribeClusterUserKubeconfig {cluster_id}"), e))?;
    let text = kc.config().ok_or_else(|| {
        ExecError::Invalid(format!("cluster {cluster_id} returned no kubeconfig"))
    })?;
    let kubeconfig = kube::config::Kubeconfig::from_yaml(text).map_err(|e| {
        ExecError::Invalid(format!(
            "the kubeconfig of cluster {cluster_id} is unusable: {e}"
        ))
    })?;
    let kube_config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .map_err(|e| {
        ExecError::Invalid(format!(
            "the kubeconfig of cluster {cluster_id} is unusable: {e}"
        ))
    })?;
    let client = kube::Client::try_from(kube_config).map_err(|source| ExecError::Kube {
        step: format!("connecting to cluster {cluster_id}"),
        source,
    })?;

    // The Job.
    let name = unique_name(&spec.name_prefix);
    let manifest: Job = serde_json::from_value(serde_json::json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "alibabacloud-provision"}},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/managed-by": "alibabacloud-provision"}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "main",
                        "image": spec.image,
                        "command": [spec.shell, "-c", script],
                    }],
                },
            },
        },
    }))
    .map_err(|e| ExecError::Invalid(format!("Job manifest: {e}")))?;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &spec.namespace);
    guard.get().job = Some((client.clone(), spec.namespace.clone(), name.clone()));
    jobs.create(&PostParams::default(), &manifest)
        .await
        .map_err(|source| ExecError::Kube {
            step: format!("creating Job {}/{name}", spec.namespace),
            source,
        })?;
    tracing::info!(job = %name, cluster = %cluster_id, "job created");

    // Wait for completion.
    let deadline = tokio::time::Instant::now() + poll.run_timeout;
    let (succeeded, reason) = loop {
        let got = jobs.get(&name).await.map_err(|source| ExecError::Kube {
            step: format!("reading Job {name}"),
            source,
        })?;
        let status = got.status.unwrap_or_default();
        let condition = |t: &str| {
            status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == t && c.status == "True")
                .cloned()
        };
        if status.succeeded.unwrap_or(0) > 0 || condition("Complete").is_some() {
            break (true, String::new());
        }
        if status.failed.unwrap_or(0) > 0 || condition("Failed").is_some() {
            let reason = condition("Failed")
                .map(|c| {
                    format!(
                        "{}: {}",
                        c.reason.unwrap_or_default(),
                        c.message.unwrap_or_default()
                    )
                })
                .unwrap_or_else(|| "the Job failed".into());
            break (false, reason);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ExecError::Timeout {
                what: format!("Job {name}"),
                wanted: "complete".into(),
                timeout: poll.run_timeout,
                last: format!("active {}", status.active.unwrap_or(0)),
            });
        }
        tokio::time::sleep(poll.interval).await;
    };

    // The pod and its logs.
    let pods: Api<Pod> = Api::namespaced(client, &spec.namespace);
    let list = pods
        .list(&ListParams::default().labels(&format!("job-name={name}")))
        .await
        .map_err(|source| ExecError::Kube {
            step: format!("listing the pods of Job {name}"),
            source,
        })?;
    let pod = list
        .items
        .into_iter()
        .next()
        .ok_or_else(|| ExecError::ResourceFailed {
            what: format!("Job {name}"),
            status: if succeeded { "Complete" } else { "Failed" }.into(),
            reason: "no pod of the Job was found".into(),
        })?;
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let exit_code = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.terminated.as_ref())
        .map(|t| t.exit_code);
    let logs = pods
        .logs(&pod_name, &LogParams::default())
        .await
        .map_err(|source| ExecError::Kube {
            step: format!("reading the logs of pod {pod_name}"),
            source,
        })?;
    if !succeeded {
        return Err(ExecError::ScriptFailed {
            exit_code: exit_code.map_or(-1, i64::from),
            output: logs,
            reason,
        });
    }
    Ok(JobOutput {
        cluster_id,
        cluster_created: created,
        job_name: name,
        pod_name,
        exit_code,
        logs,
    })
}
