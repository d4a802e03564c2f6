//! A small Kubernetes API for ACK clusters: enough for a client such as
//! kube-rs to run a script as a `batch/v1` Job and read its logs.
//!
//! Served on the emulator's own port over plain HTTP, at the usual paths
//! (`/apis/batch/v1/namespaces/{ns}/jobs[/{name}]`,
//! `/api/v1/namespaces/{ns}/pods[?labelSelector=]`,
//! `/api/v1/namespaces/{ns}/pods/{name}/log`). The bearer token of the
//! kubeconfig that `DescribeClusterUserKubeconfig` hands out names the
//! cluster; the cluster must be `running`.
//!
//! A Job gets one pod. The pod is `Pending` for 2 s (virtual time), then
//! `Running` while the script "runs" (see [`super::script`]: `echo` gives
//! the log, `sleep` the run time, `exit` the exit code), then `Succeeded` or
//! `Failed`; the Job's status and conditions follow. Jobs are reported by
//! the leak report until deleted (or until their cluster is gone).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::script::{self, ScriptRun};
use crate::clock::iso_seconds;
use crate::control::LiveResource;
use crate::product::Product;
use crate::server::{Answer, Shared};
use crate::state::State;

/// Time a pod waits before it starts running.
const POD_START: Duration = Duration::from_secs(2);

/// A Job and its single pod.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub cluster_id: String,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub pod_name: String,
    /// The Job as posted (metadata completed).
    pub manifest: Value,
    pub run: ScriptRun,
    pub created: SystemTime,
}

impl Job {
    fn started(&self) -> SystemTime {
        self.created + POD_START
    }

    fn finished(&self) -> SystemTime {
        self.started() + self.run.duration
    }

    /// `Pending`, `Running`, `Succeeded` or `Failed` at `now`.
    fn pod_phase(&self, now: SystemTime) -> &'static str {
        if now < self.started() {
            "Pending"
        } else if now < self.finished() {
            "Running"
        } else if self.run.exit_code == 0 {
            "Succeeded"
        } else {
            "Failed"
        }
    }
}

fn key(cluster: &str, ns: &str, name: &str) -> String {
    format!("{cluster}/{ns}/{name}")
}

/// Jobs still present (the leak report).
pub(crate) fn live(state: &State, out: &mut Vec<LiveResource>) {
    for j in state.cs.jobs.values() {
        let region = state
            .cs
            .clusters
            .get(&j.cluster_id)
            .map(|c| c.region.clone())
            .unwrap_or_default();
        out.push(LiveResource {
            product: Product::Cs,
            kind: "k8s_job",
            id: format!("{}/{}/{}", j.cluster_id, j.namespace, j.name),
            region,
            status: "Present".to_owned(),
            created: iso_seconds(j.created),
        });
    }
}

/// Whether a request is for the Kubernetes API: a Kubernetes path, and
/// neither an API version header nor a V3 signature (PAI-DLC, for one,
/// serves its ROA API under `/api/v1/`).
pub(crate) fn is_k8s_request(path: &str, headers: &[(String, String)]) -> bool {
    let k8s_path = path == "/api"
        || path == "/apis"
        || path.starts_with("/api/")
        || path.starts_with("/apis/");
    let acs = headers.iter().any(|(k, v)| {
        k == "x-acs-version" || (k == "authorization" && v.trim_start().starts_with("ACS3"))
    });
    k8s_path && !acs
}

fn status(code: u16, reason: &str, message: impl Into<String>) -> Answer {
    let mut a = Answer::json(
        code,
        &json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message.into(), "reason": reason, "code": code,
        }),
    );
    a.code = Some(reason.to_owned());
    a
}

fn text(body: String) -> Answer {
    Answer {
        status: 200,
        content_type: "text/plain;charset=utf-8",
        headers: Vec::new(),
        body: body.into_bytes(),
        product: None,
        action: None,
        code: None,
    }
}

/// Serves one Kubernetes API request.
pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Answer {
    let mut answer = route(shared, method, path, query, headers, body);
    answer.product = Some(Product::Cs);
    answer.action = Some(format!("k8s {method} {path}"));
    answer
}

fn route(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Answer {
    let now = shared.clock.now();
    let mut state = shared.state();
    state.tick(now);

    // Authentication: the kubeconfig's bearer token names the cluster.
    let token = headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .and_then(|(_, v)| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(cluster_id) = token.and_then(|t| t.strip_prefix("emulator-token-")) else {
        return status(
            401,
            "Unauthorized",
            "a bearer token from the cluster kubeconfig is required",
        );
    };
    let cluster_id = cluster_id.to_owned();
    match state.cs.clusters.get(&cluster_id) {
        Some(c) if *c.state.status() == "running" => {}
        Some(c) => {
            return status(
                503,
                "ServiceUnavailable",
                format!("cluster {cluster_id} is {}", c.state.status()),
            );
        }
        None => return status(401, "Unauthorized", "the token names no cluster"),
    }

    let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("POST", ["apis", "batch", "v1", "namespaces", ns, "jobs"]) => {
            create_job(&mut state, now, &cluster_id, ns, body)
        }
        ("GET", ["apis", "batch", "v1", "namespaces", ns, "jobs"]) => {
            let items: Vec<Value> = state
                .cs
                .jobs
                .values()
                .filter(|j| j.cluster_id == cluster_id && j.namespace == *ns)
                .map(|j| job_json(j, now))
                .collect();
            Answer::json(
                200,
                &json!({"apiVersion": "batch/v1", "kind": "JobList", "metadata": {"resourceVersion": "1"}, "items": items}),
            )
        }
        ("GET", ["apis", "batch", "v1", "namespaces", ns, "jobs", name]) => {
            match state.cs.jobs.get(&key(&cluster_id, ns, name)) {
                Some(j) => Answer::json(200, &job_json(j, now)),
                None => job_not_found(name),
            }
        }
        ("DELETE", ["apis", "batch", "v1", "namespaces", ns, "jobs", name]) => {
            match state.cs.jobs.remove(&key(&cluster_id, ns, name)) {
                Some(j) => Answer::json(
                    200,
                    &json!({
                        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                        "details": {"name": j.name, "group": "batch", "kind": "jobs", "uid": j.uid},
                    }),
                ),
                None => job_not_found(name),
            }
        }
        ("GET", ["api", "v1", "namespaces", ns, "pods"]) => {
            let selector = parse_selector(q("labelSelector").unwrap_or(""));
            let items: Vec<Value> = state
                .cs
                .jobs
                .values()
                .filter(|j| j.cluster_id == cluster_id && j.namespace == *ns)
                .map(|j| pod_json(j, now))
                .filter(|p| {
                    selector.iter().all(|(k, v)| {
                        p["metadata"]["labels"].get(k).and_then(Value::as_str) == Some(v)
                    })
                })
                .collect();
            Answer::json(
                200,
                &json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": items}),
            )
        }
        ("GET", ["api", "v1", "namespaces", ns, "pods", name]) => {
            match find_pod(&state, &cluster_id, ns, name) {
                Some(j) => Answer::json(200, &pod_json(j, now)),
                None => pod_not_found(name),
            }
        }
        ("GET", ["api", "v1", "namespaces", ns, "pods", name, "log"]) => {
            let Some(j) = find_pod(&state, &cluster_id, ns, name) else {
                return pod_not_found(name);
            };
            match j.pod_phase(now) {
                "Pending" => status(
                    400,
                    "BadRequest",
                    format!(
                        "container \"main\" in pod \"{name}\" is waiting to start: ContainerCreating"
                    ),
                ),
                "Running" => text(String::new()),
                _ => {
                    let out = &j.run.output;
                    let tail = q("tailLines").and_then(|t| t.parse::<usize>().ok());
                    let body = match tail {
                        Some(n) => {
                            let lines: Vec<&str> = out.lines().collect();
                            let start = lines.len().saturating_sub(n);
                            lines[start..].iter().map(|l| format!("{l}\n")).collect()
                        }
                        None => out.clone(),
                    };
                    text(body)
                }
            }
        }
        _ => status(
            404,
            "NotFound",
            format!("the emulator serves no Kubernetes API at {method} {path}"),
        ),
    }
}

fn job_not_found(name: &str) -> Answer {
    status(404, "NotFound", format!("jobs.batch \"{name}\" not found"))
}

fn pod_not_found(name: &str) -> Answer {
    status(404, "NotFound", format!("pods \"{name}\" not found"))
}

fn find_pod<'a>(state: &'a State, cluster: &str, ns: &str, pod: &str) -> Option<&'a Job> {
    state
        .cs
        .jobs
        .values()
        .find(|j| j.cluster_id == cluster && j.namespace == ns && j.pod_name == pod)
}

fn parse_selector(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter_map(|part| {
            let (k, v) = part.split_once("==").or_else(|| part.split_once('='))?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// Valid object names: lower-case alphanumerics and `-`, at most 63.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The script a container runs: `sh -c SCRIPT` (in `command` or `args`),
/// else the command line joined.
fn container_script(container: &Value) -> String {
    let words = |k: &str| -> Vec<String> {
        container
            .get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = words("command");
    all.extend(words("args"));
    if let Some(i) = all.iter().position(|w| w == "-c") {
        if let Some(s) = all.get(i + 1) {
            return s.clone();
        }
    }
    all.join(" ")
}

fn create_job(state: &mut State, now: SystemTime, cluster: &str, ns: &str, body: &[u8]) -> Answer {
    let Ok(mut job) = serde_json::from_slice::<Value>(body) else {
        return status(400, "BadRequest", "the body is not a JSON object");
    };
    if job.get("kind").and_then(Value::as_str) != Some("Job") {
        return status(400, "BadRequest", "kind must be Job");
    }
    let name = match (
        job["metadata"].get("name").and_then(Value::as_str),
        job["metadata"].get("generateName").and_then(Value::as_str),
    ) {
        (Some(n), _) if !n.is_empty() => n.to_owned(),
        (_, Some(prefix)) if !prefix.is_empty() => {
            format!("{prefix}{}", state.alnum(5).to_ascii_lowercase())
        }
        _ => return status(422, "Invalid", "metadata.name: Required value"),
    };
    if !valid_name(&name) {
        return status(
            422,
            "Invalid",
            format!(
                "metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"
            ),
        );
    }
    if let Some(meta_ns) = job["metadata"].get("namespace").and_then(Value::as_str) {
        if meta_ns != ns {
            return status(
                400,
                "BadRequest",
                format!(
                    "the namespace of the object ({meta_ns}) does not match the namespace on the request ({ns})"
                ),
            );
        }
    }
    let Some(container) = job["spec"]["template"]["spec"]["containers"]
        .as_array()
        .and_then(|c| c.first())
        .cloned()
    else {
        return status(
            422,
            "Invalid",
            "spec.template.spec.containers: Required value",
        );
    };
    if container
        .get("image")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return status(
            422,
            "Invalid",
            "spec.template.spec.containers[0].image: Required value",
        );
    }
    match job["spec"]["template"]["spec"]
        .get("restartPolicy")
        .and_then(Value::as_str)
    {
        Some("Never" | "OnFailure") => {}
        other => {
            return status(
                422,
                "Invalid",
                format!(
                    "spec.template.spec.restartPolicy: Unsupported value: {:?}: supported values: \"OnFailure\", \"Never\"",
                    other.unwrap_or("")
                ),
            );
        }
    }
    let k = key(cluster, ns, &name);
    if state.cs.jobs.contains_key(&k) {
        return status(
            409,
            "AlreadyExists",
            format!("jobs.batch \"{name}\" already exists"),
        );
    }
    let uid = state.uuid().to_ascii_lowercase();
    let pod_name = format!("{name}-{}", state.alnum(5).to_ascii_lowercase());
    let meta = &mut job["metadata"];
    meta["name"] = json!(name);
    meta["namespace"] = json!(ns);
    meta["uid"] = json!(uid);
    meta["resourceVersion"] = json!("1");
    meta["creationTimestamp"] = json!(iso_seconds(now));
    let run = script::run(&container_script(&container));
    let j = Job {
        cluster_id: cluster.to_owned(),
        namespace: ns.to_owned(),
        name: name.clone(),
        uid,
        pod_name,
        manifest: job,
        run,
        created: now,
    };
    let answer = Answer::json(201, &job_json(&j, now));
    state.cs.jobs.insert(k, j);
    answer
}

fn job_json(j: &Job, now: SystemTime) -> Value {
    let mut v = j.manifest.clone();
    let phase = j.pod_phase(now);
    let mut st = serde_json::Map::new();
    st.insert("startTime".into(), json!(iso_seconds(j.created)));
    match phase {
        "Pending" | "Running" => {
            st.insert("active".into(), json!(1));
            if phase == "Running" {
                st.insert("ready".into(), json!(1));
            }
        }
        "Succeeded" => {
            let at = iso_seconds(j.finished());
            st.insert("succeeded".into(), json!(1));
            st.insert("completionTime".into(), json!(at));
            st.insert(
                "conditions".into(),
                json!([
                    {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": at, "lastTransitionTime": at},
                    {"type": "Complete", "status": "True", "lastProbeTime": at, "lastTransitionTime": at},
                ]),
            );
        }
        _ => {
            let at = iso_seconds(j.finished());
            st.insert("failed".into(), json!(1));
            st.insert(
                "conditions".into(),
                json!([
                    {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
                     "message": "Job has reached the specified backoff limit", "lastProbeTime": at, "lastTransitionTime": at},
                    {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                     "message": "Job has reached the specified backoff limit", "lastProbeTime": at, "lastTransitionTime": at},
                ]),
            );
        }
    }
    v["status"] = Value::Object(st);
    v["apiVersion"] = json!("batch/v1");
    v["kind"] = json!("Job");
    v
}

fn pod_json(j: &Job, now: SystemTime) -> Value {
    let phase = j.pod_phase(now);
    let container = j.manifest["spec"]["template"]["spec"]["containers"][0].clone();
    let cname = container
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("main")
        .to_owned();
    let image = container
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let state = match phase {
        "Pending" => json!({"waiting": {"reason": "ContainerCreating"}}),
        "Running" => json!({"running": {"startedAt": iso_seconds(j.started())}}),
        _ => json!({"terminated": {
            "exitCode": j.run.exit_code,
            "reason": if phase == "Succeeded" { "Completed" } else { "Error" },
            "startedAt": iso_seconds(j.started()),
            "finishedAt": iso_seconds(j.finished()),
        }}),
    };
    let mut labels: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(extra) = j.manifest["spec"]["template"]["metadata"]["labels"].as_object() {
        for (k, v) in extra {
            labels.insert(k.clone(), v.clone());
        }
    }
    labels.insert("job-name".into(), json!(j.name));
    labels.insert("batch.kubernetes.io/job-name".into(), json!(j.name));
    labels.insert("controller-uid".into(), json!(j.uid));
    labels.insert("batch.kubernetes.io/controller-uid".into(), json!(j.uid));
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": j.pod_name,
            "namespace": j.namespace,
            "uid": format!("{}-pod", j.uid),
            "creationTimestamp": iso_seconds(j.created),
            "labels": labels,
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": j.name,
                "uid": j.uid, "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": j.manifest["spec"]["template"]["spec"].clone(),
        "status": {
            "phase": phase,
            "startTime": iso_seconds(j.created),
            "containerStatuses": [{
                "name": cname, "image": image, "imageID": "", "ready": phase == "Running",
                "restartCount": 0, "started": phase == "Running", "state": state,
            }],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_scripts_and_selectors() {
        let c = json!({"command": ["/bin/sh", "-c", "echo hi\nexit 2"]});
        assert_eq!(container_script(&c), "echo hi\nexit 2");
        let c = json!({"command": ["bash"], "args": ["-c", "echo a"]});
        assert_eq!(container_script(&c), "echo a");
        let c = json!({"command": ["echo", "plain"]});
        assert_eq!(container_script(&c), "echo plain");
        assert_eq!(
            parse_selector("job-name=a,x==y"),
            vec![("job-name".into(), "a".into()), ("x".into(), "y".into())]
        );
        assert!(valid_name("run-1"));
        assert!(!valid_name("Run_1"));
    }
}
