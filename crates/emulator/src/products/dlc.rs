//! PAI-DLC: training jobs with status transitions, pods, logs, events,
//! sanity checks, ECS specs, and the stop/update rules.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use super::{Ctx, Outcome, json_i64, json_str, ok, script};
use crate::catalog::StockStatus;
use crate::clock::iso_seconds;
use crate::control::LiveResource;
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::params::page_of;
use crate::product::Product;
use crate::spec::{Schema, Specs};
use crate::state::State;
use crate::synth::prune;

/// The job types the service accepts (case-sensitive).
pub(crate) const JOB_TYPES: [&str; 9] = [
    "TFJob",
    "PyTorchJob",
    "MPIJob",
    "XGBoostJob",
    "OneFlowJob",
    "ElasticBatchJob",
    "SlurmJob",
    "RayJob",
    "DataJuicerJob",
];

/// Roles a job type accepts (`None`: any).
fn roles(job_type: &str) -> Option<&'static [&'static str]> {
    match job_type {
        "TFJob" => Some(&["Chief", "PS", "Worker", "Evaluator", "GraphLearn"]),
        "PyTorchJob" | "MPIJob" | "XGBoostJob" | "OneFlowJob" | "ElasticBatchJob" => {
            Some(&["Worker", "Master"])
        }
        "RayJob" => Some(&["Worker"]),
        _ => None,
    }
}

const TERMINAL: [&str; 3] = ["Succeeded", "Failed", "Stopped"];

/// One pod of a job.
#[derive(Debug, Clone)]
pub(crate) struct Pod {
    pub id: String,
    pub uid: String,
    pub role: String,
    pub ip: String,
}

/// A DLC job.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub id: String,
    pub region: String,
    pub display_name: String,
    pub job_type: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub user_command: String,
    pub job_specs: Value,
    pub data_sources: Value,
    pub code_source: Value,
    pub envs: Value,
    pub settings: Value,
    pub thirdparty_libs: Value,
    pub priority: i64,
    pub resource_id: String,
    pub resource_type: String,
    pub accessibility: String,
    pub max_running_minutes: Option<i64>,
    pub status: Lifecycle<&'static str>,
    pub reason: BTreeMap<&'static str, (String, String)>,
    pub pods: Vec<Pod>,
    pub run: script::ScriptRun,
    pub sanity_check: bool,
    pub created: SystemTime,
    pub modified: SystemTime,
}

impl Job {
    fn is_terminal(&self) -> bool {
        TERMINAL.contains(self.status.status())
    }
}

/// DLC state.
#[derive(Debug, Default)]
pub(crate) struct DlcState {
    pub jobs: BTreeMap<String, Job>,
}

pub(crate) fn tick(state: &mut State, now: SystemTime) {
    for j in state.dlc.jobs.values_mut() {
        j.status.tick(now);
    }
}

pub(crate) fn live(state: &State, out: &mut Vec<LiveResource>) {
    for j in state.dlc.jobs.values().filter(|j| !j.is_terminal()) {
        out.push(LiveResource {
            product: Product::PaiDlc,
            kind: "job",
            id: j.id.clone(),
            region: j.region.clone(),
            status: (*j.status.status()).to_owned(),
            created: iso_seconds(j.created),
        });
    }
}

fn schema(name: &str) -> &'static Schema {
    Specs::get()
        .product(Product::PaiDlc)
        .file
        .schemas
        .get(name)
        .unwrap_or_else(|| panic!("the pai-dlc spec defines {name}"))
}

fn job_not_found(id: &str) -> ApiError {
    ApiError::not_found("JobNotFound", format!("job {id}"))
}

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    match cx.action {
        "CreateJob" => create_job(state, cx),
        "GetJob" => {
            let job = find(state, cx.path_param("JobId")?)?;
            ok(job_json(state, job, cx.now, false))
        }
        "ListJobs" => list_jobs(state, cx),
        "StopJob" => stop_job(state, cx),
        "UpdateJob" => update_job(state, cx),
        "DeleteJob" => {
            let id = cx.path_param("JobId")?.to_owned();
            find(state, &id)?;
            state.dlc.jobs.remove(&id);
            ok(json!({"JobId": id}))
        }
        "GetJobEvents" => job_events(state, cx),
        "GetPodLogs" => pod_logs(state, cx),
        "GetPodEvents" => pod_events(state, cx),
        "ListJobSanityCheckResults" => sanity_results(state, cx, None),
        "GetJobSanityCheckResult" => {
            let number = cx
                .params
                .get_i64("SanityCheckNumber")?
                .ok_or_else(|| ApiError::missing("SanityCheckNumber"))?;
            sanity_results(state, cx, Some(number))
        }
        "ListEcsSpecs" => list_ecs_specs(state, cx),
        "GetWebTerminal" => {
            let job = find(state, cx.path_param("JobId")?)?;
            let pod = cx.path_param("PodId")?;
            if !job.pods.iter().any(|p| p.id == pod) {
                return Err(ApiError::not_found("PodNotFound", format!("pod {pod}")));
            }
            let url = format!(
                "wss://dlc-terminal.{}.emulator.invalid/jobs/{}/pods/{pod}",
                job.region, job.id
            );
            ok(json!({"WebTerminalUrl": url}))
        }
        "GetToken" => {
            let token = state.alnum(40);
            ok(json!({"Token": token}))
        }
        _ => Ok(None),
    }
}

fn find<'a>(state: &'a State, id: &str) -> Result<&'a Job, ApiError> {
    state.dlc.jobs.get(id).ok_or_else(|| job_not_found(id))
}

fn spec_str(spec: &Value, key: &str) -> Option<String> {
    spec.get(key).and_then(json_str).filter(|s| !s.is_empty())
}

fn create_job(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let display_name = cx
        .body_str("DisplayName")
        .ok_or_else(|| ApiError::missing("DisplayName"))?;
    let job_type = cx
        .body_str("JobType")
        .ok_or_else(|| ApiError::missing("JobType"))?;
    if !JOB_TYPES.contains(&job_type.as_str()) {
        return Err(ApiError::invalid(
            "JobType",
            format!("`{job_type}` is not one of {}", JOB_TYPES.join(", ")),
        ));
    }
    let user_command = cx
        .body_str("UserCommand")
        .ok_or_else(|| ApiError::missing("UserCommand"))?;
    let specs = cx
        .body_field("JobSpecs")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::missing("JobSpecs"))?
        .clone();
    let resource_id = cx.body_str("ResourceId").unwrap_or_default();
    let quota = if resource_id.is_empty() {
        None
    } else {
        Some(
            state
                .catalog
                .quotas
                .iter()
                .find(|q| q.quota_id == resource_id)
                .ok_or_else(|| {
                    ApiError::invalid("ResourceId", format!("quota {resource_id} does not exist"))
                })?
                .clone(),
        )
    };
    let stock_check = cx
        .body_field("Settings")
        .and_then(|s| s.get("DisableEcsStockCheck"))
        .and_then(super::json_bool)
        != Some(true);
    let allowed_roles = roles(&job_type);
    for (i, spec) in specs.iter().enumerate() {
        let at = |m: &str| format!("JobSpecs[{i}].{m}");
        let role = spec_str(spec, "Type").ok_or_else(|| ApiError::missing(&at("Type")))?;
        if let Some(allowed) = allowed_roles {
            if !allowed.contains(&role.as_str()) {
                return Err(ApiError::invalid(
                    &at("Type"),
                    format!(
                        "{job_type} accepts the roles {}, not `{role}`",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        spec_str(spec, "Image").ok_or_else(|| ApiError::missing(&at("Image")))?;
        if spec
            .get("PodCount")
            .and_then(json_i64)
            .is_some_and(|n| n < 1)
        {
            return Err(ApiError::invalid(&at("PodCount"), "must be at least 1"));
        }
        let ecs = spec_str(spec, "EcsSpec");
        let has_rc = spec.get("ResourceConfig").is_some_and(|v| !v.is_null());
        match (&ecs, has_rc) {
            (Some(_), true) => {
                return Err(ApiError::invalid(
                    &at("EcsSpec"),
                    "EcsSpec and ResourceConfig cannot both be set",
                ));
            }
            (None, false) => return Err(ApiError::missing(&at("EcsSpec"))),
            (None, true) if quota.is_none() => return Err(ApiError::missing("ResourceId")),
            _ => {}
        }
        if let Some(ecs) = ecs {
            let ty = state
                .catalog
                .instance_type(&ecs)
                .filter(|t| t.pai_dlc)
                .ok_or_else(|| {
                    ApiError::invalid(
                        &at("EcsSpec"),
                        format!("`{ecs}` is not an ECS spec of PAI-DLC"),
                    )
                })?;
            if stock_check && !state.available_in_region(&cx.region, &ty.instance_type) {
                return Err(ApiError::new(
                    400,
                    "ResourceNotAvailable",
                    format!("the ECS spec {ecs} has no stock in {}", cx.region),
                ));
            }
        }
    }
    for (i, ds) in cx
        .body_field("DataSources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let uri = spec_str(ds, "Uri");
        let id = spec_str(ds, "DataSourceId");
        match (uri, id) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    &format!("DataSources[{i}]"),
                    "set Uri or DataSourceId, not both",
                ));
            }
            (None, None) => {
                return Err(ApiError::missing(&format!("DataSources[{i}].DataSourceId")));
            }
            (None, Some(id)) if !state.catalog.datasets.iter().any(|d| d.dataset_id == id) => {
                return Err(ApiError::invalid(
                    &format!("DataSources[{i}].DataSourceId"),
                    format!("dataset {id} does not exist"),
                ));
            }
            _ => {}
        }
    }
    if let Some(cs) = cx.body_field("CodeSource") {
        let uri = spec_str(cs, "Uri");
        let id = spec_str(cs, "CodeSourceId");
        if uri.is_some() && id.is_some() {
            return Err(ApiError::invalid(
                "CodeSource",
                "set Uri or CodeSourceId, not both",
            ));
        }
        if let Some(id) = id {
            if !state
                .catalog
                .code_sources
                .iter()
                .any(|c| c.code_source_id == id)
            {
                return Err(ApiError::invalid(
                    "CodeSource.CodeSourceId",
                    format!("code source {id} does not exist"),
                ));
            }
        }
    }
    // Without a workspace the service silently uses the default one.
    let workspace = match cx.body_str("WorkspaceId") {
        Some(id) => state
            .catalog
            .workspaces
            .iter()
            .find(|w| w.workspace_id == id)
            .ok_or_else(|| {
                ApiError::invalid("WorkspaceId", format!("workspace {id} does not exist"))
            })?,
        None => state
            .catalog
            .workspaces
            .iter()
            .find(|w| w.is_default)
            .ok_or_else(|| ApiError::missing("WorkspaceId"))?,
    }
    .clone();

    let id = format!("dlc{}", state.alnum(13));
    let mut pods = Vec::new();
    for spec in &specs {
        let role = spec_str(spec, "Type").unwrap_or_default();
        let count = spec
            .get("PodCount")
            .and_then(json_i64)
            .unwrap_or(1)
            .clamp(1, 256);
        for n in 0..count {
            let uid = state.uuid();
            pods.push(Pod {
                id: format!("{id}-{}-{n}", role.to_ascii_lowercase()),
                uid,
                role: role.clone(),
                ip: format!(
                    "10.{}.{}.{}",
                    200 + (n / 65_536) % 50,
                    (n / 256) % 256,
                    2 + n % 250
                ),
            });
        }
    }
    let run = script::run(&user_command);
    let max_running_minutes = cx.body_i64("JobMaxRunningTimeMinutes").filter(|m| *m > 0);
    let sanity_check = cx
        .body_field("Settings")
        .and_then(|s| s.get("EnableSanityCheck"))
        .and_then(super::json_bool)
        == Some(true);
    let mut status = Lifecycle::new(cx.now, "Creating");
    let queue = if quota.is_some() { 20 } else { 10 };
    let mut steps = vec![
        (Duration::from_secs(5), "Queuing"),
        (Duration::from_secs(queue), "EnvPreparing"),
    ];
    let mut reason = BTreeMap::new();
    if let Some(why) = cx.fail_after_create {
        steps.push((Duration::from_secs(20), "Failed"));
        reason.insert("Failed", ("JobFailed".to_owned(), why.to_owned()));
    } else {
        steps.push((Duration::from_secs(20), "Running"));
        let runtime = run.duration.max(Duration::from_secs(60));
        match max_running_minutes {
            Some(m) if Duration::from_secs(u64::try_from(m).unwrap_or(1) * 60) < runtime => {
                steps.push((
                    Duration::from_secs(u64::try_from(m).unwrap_or(1) * 60),
                    "Stopped",
                ));
                reason.insert(
                    "Stopped",
                    (
                        "JobMaxRunningTimeExceeded".to_owned(),
                        format!("the job ran longer than JobMaxRunningTimeMinutes ({m})"),
                    ),
                );
            }
            _ if run.exit_code != 0 => {
                steps.push((runtime, "Failed"));
                reason.insert(
                    "Failed",
                    (
                        "JobFailed".to_owned(),
                        format!("a pod exited with code {}", run.exit_code),
                    ),
                );
            }
            _ => steps.push((runtime, "Succeeded")),
        }
    }
    status.schedule(cx.now, &steps);
    let spec = Specs::get().product(Product::PaiDlc);
    let job_spec_schema = schema("JobSpec");
    let job_specs = Value::Array(
        specs
            .iter()
            .map(|s| prune(spec, s, job_spec_schema))
            .collect(),
    );
    let data_sources = cx
        .body_field("DataSources")
        .and_then(Value::as_array)
        .map(|items| {
            Value::Array(
                items
                    .iter()
                    .map(|d| {
                        let mut m = Map::new();
                        for k in ["DataSourceId", "MountPath", "Uri"] {
                            if let Some(v) = spec_str(d, k) {
                                m.insert(k.to_owned(), Value::String(v));
                            }
                        }
                        if let Some(id) = spec_str(d, "DataSourceId") {
                            if !m.contains_key("MountPath") {
                                if let Some(ds) =
                                    state.catalog.datasets.iter().find(|x| x.dataset_id == id)
                                {
                                    m.insert(
                                        "MountPath".to_owned(),
                                        Value::String(ds.mount_path.clone()),
                                    );
                                }
                            }
                        }
                        Value::Object(m)
                    })
                    .collect(),
            )
        })
        .unwrap_or_else(|| json!([]));
    let code_source = cx
        .body_field("CodeSource")
        .map(|c| {
            let mut m = Map::new();
            for k in ["Branch", "CodeSourceId", "Commit", "MountPath"] {
                if let Some(v) = spec_str(c, k) {
                    m.insert(k.to_owned(), Value::String(v));
                }
            }
            Value::Object(m)
        })
        .unwrap_or_else(|| json!({}));
    let settings = cx
        .body_field("Settings")
        .map(|s| prune(spec, s, schema("JobSettings")))
        .unwrap_or_else(|| json!({}));
    state.dlc.jobs.insert(
        id.clone(),
        Job {
            id: id.clone(),
            region: cx.region.clone(),
            display_name,
            job_type,
            workspace_id: workspace.workspace_id,
            workspace_name: workspace.name,
            user_command,
            job_specs,
            data_sources,
            code_source,
            envs: cx
                .body_field("Envs")
                .cloned()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({})),
            settings,
            thirdparty_libs: cx
                .body_field("ThirdpartyLibs")
                .cloned()
                .filter(Value::is_array)
                .unwrap_or_else(|| json!([])),
            priority: cx.body_i64("Priority").unwrap_or(1),
            resource_type: quota
                .as_ref()
                .map_or_else(|| "ECS".to_owned(), |q| q.resource_type.clone()),
            resource_id,
            accessibility: cx
                .body_str("Accessibility")
                .unwrap_or_else(|| "PRIVATE".to_owned()),
            max_running_minutes,
            status,
            reason,
            pods,
            run,
            sanity_check,
            created: cx.now,
            modified: cx.now,
        },
    );
    ok(json!({"JobId": id}))
}

fn pod_status(job_status: &str) -> &'static str {
    match job_status {
        "Creating" | "Queuing" | "EnvPreparing" => "Pending",
        "Running" => "Running",
        "Succeeded" => "Succeeded",
        "Failed" => "Failed",
        _ => "Stopped",
    }
}

fn job_json(state: &State, job: &Job, now: SystemTime, list: bool) -> Value {
    let status = *job.status.status();
    let at = |s: &'static str| job.status.entered(&s).map(iso_seconds).unwrap_or_default();
    let running_since = job.status.entered(&"Running");
    let finished = job.is_terminal().then(|| job.status.since());
    let duration = running_since.map_or(0, |start| {
        finished
            .unwrap_or(now)
            .duration_since(start)
            .map_or(0, |d| d.as_secs())
    });
    let pods: Vec<Value> = job
        .pods
        .iter()
        .map(|p| {
            json!({
                "PodId": p.id,
                "PodUid": p.uid,
                "Type": p.role,
                "Status": pod_status(status),
                "SubStatus": "",
                "Ip": if running_since.is_some() { p.ip.as_str() } else { "" },
                "GmtCreateTime": at("EnvPreparing"),
                "GmtStartTime": at("Running"),
                "GmtFinishTime": finished.map(iso_seconds).unwrap_or_default(),
                "ResourceType": job.resource_type,
                "HistoryPods": [],
            })
        })
        .collect();
    let history = job.status.history();
    let status_history: Vec<Value> = history
        .iter()
        .enumerate()
        .map(|(i, (t, s))| {
            let (code, message) = job.reason.get(s).cloned().unwrap_or_default();
            json!({
                "Status": s,
                "StartTime": iso_seconds(*t),
                "EndTime": history.get(i + 1).map(|(t, _)| iso_seconds(*t)).unwrap_or_default(),
                "ReasonCode": code,
                "ReasonMessage": message,
            })
        })
        .collect();
    let (reason_code, reason_message) = job.reason.get(status).cloned().unwrap_or_default();
    let mut v = json!({
        "JobId": job.id,
        "DisplayName": job.display_name,
        "JobType": job.job_type,
        "Status": status,
        "SubStatus": "",
        "WorkspaceId": job.workspace_id,
        "WorkspaceName": job.workspace_name,
        "UserCommand": job.user_command,
        "JobSpecs": job.job_specs,
        "DataSources": job.data_sources,
        "CodeSource": job.code_source,
        "Envs": job.envs,
        "Settings": job.settings,
        "ThirdpartyLibs": job.thirdparty_libs,
        "ThirdpartyLibDir": "",
        "Priority": job.priority,
        "ResourceId": job.resource_id,
        "ResourceType": job.resource_type,
        "ResourceLevel": "L0",
        "ClusterId": "",
        "TenantId": state.account_id,
        "UserId": state.account_id,
        "ReasonCode": reason_code,
        "ReasonMessage": reason_message,
        "RestartTimes": "0",
        "EnabledDebugger": false,
        "Duration": duration,
        "GmtCreateTime": iso_seconds(job.created),
        "GmtSubmittedTime": at("Queuing"),
        "GmtRunningTime": at("Running"),
        "GmtFinishTime": finished.map(iso_seconds).unwrap_or_default(),
        "GmtSuccessedTime": at("Succeeded"),
        "GmtFailedTime": at("Failed"),
        "GmtStoppedTime": at("Stopped"),
        "Pods": pods,
        "StatusHistory": status_history,
    });
    if list {
        let (cpu, gpu) = job_resources(state, job);
        let spec = Specs::get().product(Product::PaiDlc);
        v = prune(spec, &v, schema("JobItem"));
        v["Accessibility"] = json!(job.accessibility);
        v["GmtModifiedTime"] = json!(iso_seconds(job.modified));
        v["JobMaxRunningTimeMinutes"] = json!(job.max_running_minutes.unwrap_or(0));
        v["NodeCount"] = json!(job.pods.len().to_string());
        v["RequestCPU"] = json!(cpu);
        v["RequestGPU"] = json!(gpu.to_string());
        v["RequestMemory"] = json!("");
        v["Username"] = json!("emulator");
        v["IsDeleted"] = json!(false);
        v["UseOversoldResource"] = json!(false);
        v["EnablePreemptibleJob"] = json!(false);
    }
    v
}

/// Total CPU cores and GPUs a job asks for.
fn job_resources(state: &State, job: &Job) -> (i64, i64) {
    let mut cpu = 0;
    let mut gpu = 0;
    for spec in job.job_specs.as_array().into_iter().flatten() {
        let pods = spec.get("PodCount").and_then(json_i64).unwrap_or(1);
        if let Some(t) =
            spec_str(spec, "EcsSpec").and_then(|e| state.catalog.instance_type(&e).cloned())
        {
            cpu += i64::from(t.cpu) * pods;
            gpu += i64::from(t.gpu_amount) * pods;
        } else if let Some(rc) = spec.get("ResourceConfig") {
            cpu += rc.get("CPU").and_then(json_i64).unwrap_or(0) * pods;
            gpu += rc.get("GPU").and_then(json_i64).unwrap_or(0) * pods;
        }
    }
    (cpu, gpu)
}

fn list_jobs(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let name = p.get_nonempty("DisplayName");
    let exact = p.get("DisplayNameSearchMode") == Some("exact");
    let status = p.get_nonempty("Status");
    let job_type = p.get_nonempty("JobType");
    let workspace = p.get_nonempty("WorkspaceId");
    let resource = p.get_nonempty("ResourceId");
    let job_id = p.get_nonempty("JobId");
    let (number, size) = p.page(50, 1000)?;
    let ascending = p
        .get("Order")
        .is_some_and(|o| o.eq_ignore_ascii_case("asc"));
    let mut matching: Vec<&Job> = state
        .dlc
        .jobs
        .values()
        .filter(|j| {
            name.is_none_or(|n| {
                if exact {
                    j.display_name == n
                } else {
                    j.display_name.contains(n)
                }
            })
        })
        .filter(|j| status.is_none_or(|s| s.split(',').any(|x| x == *j.status.status())))
        .filter(|j| job_type.is_none_or(|t| j.job_type == t))
        .filter(|j| workspace.is_none_or(|w| j.workspace_id == w))
        .filter(|j| resource.is_none_or(|r| j.resource_id == r))
        .filter(|j| job_id.is_none_or(|id| j.id == id))
        .collect();
    matching.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
    if !ascending {
        matching.reverse();
    }
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|j| job_json(state, j, cx.now, true))
        .collect();
    ok(json!({"Jobs": items, "TotalCount": total}))
}

fn stop_job(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.path_param("JobId")?.to_owned();
    let job = state
        .dlc
        .jobs
        .get_mut(&id)
        .ok_or_else(|| job_not_found(&id))?;
    let status = *job.status.status();
    if status != "Running" && status != "Queuing" {
        return Err(ApiError::new(
            400,
            "InvalidJobStatus",
            format!("job {id} is {status}; only Running or Queuing jobs can be stopped"),
        ));
    }
    job.status.set(cx.now, "Stopping");
    job.status
        .schedule(cx.now, &[(Duration::from_secs(5), "Stopped")]);
    job.reason.insert(
        "Stopped",
        (
            "JobStoppedByUser".to_owned(),
            "the job was stopped on request".to_owned(),
        ),
    );
    job.modified = cx.now;
    ok(json!({"JobId": id}))
}

fn update_job(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.path_param("JobId")?.to_owned();
    let job = state
        .dlc
        .jobs
        .get_mut(&id)
        .ok_or_else(|| job_not_found(&id))?;
    if let Some(a) = cx.body_str("Accessibility") {
        if a != "PUBLIC" && a != "PRIVATE" {
            return Err(ApiError::invalid(
                "Accessibility",
                "must be PUBLIC or PRIVATE",
            ));
        }
        job.accessibility = a;
    }
    if let Some(priority) = cx.body_i64("Priority") {
        if !(1..=9).contains(&priority) {
            return Err(ApiError::invalid("Priority", "must be between 1 and 9"));
        }
        // Applied only to quota jobs that have not started; otherwise the
        // service accepts the call and silently keeps the old priority.
        let early = ["Creating", "Queuing", "EnvPreparing"].contains(job.status.status());
        if !job.resource_id.is_empty() && early {
            job.priority = priority;
        }
    }
    job.modified = cx.now;
    ok(json!({"JobId": id}))
}

/// `(time, type, reason, message)` events of a job from its history.
fn events_of(job: &Job) -> Vec<(SystemTime, &'static str, &'static str, String)> {
    let image = job
        .job_specs
        .get(0)
        .and_then(|s| spec_str(s, "Image"))
        .unwrap_or_default();
    job.status
        .history()
        .iter()
        .map(|(t, s)| {
            let (kind, reason, message) = match *s {
                "Creating" => (
                    "Normal",
                    "JobCreated",
                    format!("job {} was created", job.id),
                ),
                "Queuing" => ("Normal", "JobQueuing", "waiting for resources".to_owned()),
                "EnvPreparing" => (
                    "Normal",
                    "JobScheduled",
                    format!("{} pod(s) scheduled; pulling image {image}", job.pods.len()),
                ),
                "Running" => ("Normal", "JobRunning", "all pods are running".to_owned()),
                "Succeeded" => (
                    "Normal",
                    "JobSucceeded",
                    "the job finished successfully".to_owned(),
                ),
                "Failed" => (
                    "Warning",
                    "JobFailed",
                    job.reason
                        .get("Failed")
                        .map(|r| r.1.clone())
                        .unwrap_or_default(),
                ),
                "Stopping" => ("Normal", "JobStopping", "stopping the job".to_owned()),
                "Stopped" => (
                    "Normal",
                    "JobStopped",
                    job.reason
                        .get("Stopped")
                        .map(|r| r.1.clone())
                        .unwrap_or_default(),
                ),
                other => ("Normal", "JobStatusChanged", format!("status {other}")),
            };
            (*t, kind, reason, message)
        })
        .collect()
}

fn cap<T: Clone>(items: Vec<T>, limit: Option<i64>, default: i64) -> Vec<T> {
    let limit = usize::try_from(limit.unwrap_or(default).max(1)).unwrap_or(usize::MAX);
    let skip = items.len().saturating_sub(limit);
    items.into_iter().skip(skip).collect()
}

fn job_events(state: &State, cx: &Ctx<'_>) -> Outcome {
    let job = find(state, cx.path_param("JobId")?)?;
    let events: Vec<String> = events_of(job)
        .into_iter()
        .map(|(t, kind, reason, msg)| format!("{} {kind} {reason} {msg}", iso_seconds(t)))
        .collect();
    let events = cap(events, cx.params.get_i64("MaxEventsNum")?, 2000);
    ok(json!({"JobId": job.id, "Events": events}))
}

fn find_pod<'a>(job: &'a Job, pod_id: &str) -> Result<&'a Pod, ApiError> {
    job.pods.iter().find(|p| p.id == pod_id).ok_or_else(|| {
        ApiError::not_found("PodNotFound", format!("pod {pod_id} of job {}", job.id))
    })
}

fn pod_logs(state: &State, cx: &Ctx<'_>) -> Outcome {
    let job = find(state, cx.path_param("JobId")?)?;
    let pod = find_pod(job, cx.path_param("PodId")?)?;
    let mut lines = Vec::new();
    if let Some(start) = job.status.entered(&"Running") {
        let machine = job
            .job_specs
            .get(0)
            .and_then(|s| spec_str(s, "EcsSpec"))
            .unwrap_or_else(|| job.resource_id.clone());
        lines.push(format!(
            "{} [emulator] pod {} ({}) started on {machine}",
            iso_seconds(start),
            pod.id,
            pod.role
        ));
        for l in job.user_command.lines().filter(|l| !l.trim().is_empty()) {
            lines.push(format!("+ {}", l.trim()));
        }
        lines.extend(job.run.output.lines().map(str::to_owned));
        let end = if job.is_terminal() {
            job.status.since()
        } else {
            cx.now
        };
        let elapsed = end.duration_since(start).map_or(0, |d| d.as_secs());
        let steps = (elapsed / 10).min(200);
        for s in 1..=steps {
            let loss = 2.5 / (1.0 + s as f64 / 10.0);
            lines.push(format!("step {s} loss={loss:.4}"));
        }
        if job.is_terminal() {
            let code = if *job.status.status() == "Succeeded" {
                0
            } else {
                job.run.exit_code.max(1)
            };
            lines.push(format!("[emulator] the container exited with code {code}"));
        }
    }
    let lines = cap(lines, cx.params.get_i64("MaxLines")?, 2000);
    ok(json!({"JobId": job.id, "PodId": pod.id, "PodUid": pod.uid, "Logs": lines}))
}

fn pod_events(state: &State, cx: &Ctx<'_>) -> Outcome {
    let job = find(state, cx.path_param("JobId")?)?;
    let pod = find_pod(job, cx.path_param("PodId")?)?;
    let image = job
        .job_specs
        .get(0)
        .and_then(|s| spec_str(s, "Image"))
        .unwrap_or_default();
    let mut events = Vec::new();
    if let Some(t) = job.status.entered(&"EnvPreparing") {
        let t = iso_seconds(t);
        events.push(format!(
            "{t} Normal Scheduled assigned {} to a node",
            pod.id
        ));
        events.push(format!("{t} Normal Pulling pulling image {image}"));
    }
    if let Some(t) = job.status.entered(&"Running") {
        let t = iso_seconds(t);
        events.push(format!("{t} Normal Pulled image {image} pulled"));
        events.push(format!(
            "{t} Normal Started started container {}",
            pod.role.to_ascii_lowercase()
        ));
    }
    if job.is_terminal() {
        let t = iso_seconds(job.status.since());
        match *job.status.status() {
            "Failed" => events.push(format!("{t} Warning BackOff the container failed")),
            "Stopped" => events.push(format!("{t} Normal Killing stopping container")),
            _ => events.push(format!("{t} Normal Completed the container finished")),
        }
    }
    let events = cap(events, cx.params.get_i64("MaxEventsNum")?, 2000);
    ok(json!({"JobId": job.id, "PodId": pod.id, "PodUid": pod.uid, "Events": events}))
}

fn sanity_results(state: &State, cx: &Ctx<'_>, number: Option<i64>) -> Outcome {
    let job = find(state, cx.path_param("JobId")?)?;
    let mut round = Vec::new();
    if job.sanity_check {
        if let Some(start) = job.status.entered(&"EnvPreparing") {
            let done = job.status.entered(&"Running").is_some() || job.is_terminal();
            let finished = job
                .status
                .entered(&"Running")
                .map(iso_seconds)
                .unwrap_or_default();
            for phase in ["DeviceCheck", "CommunicationCheck", "ComputeCheck"] {
                round.push(json!({
                    "CheckNumber": 1,
                    "Phase": phase,
                    "Status": if done { "Succeeded" } else { "Running" },
                    "Message": if done { "all devices healthy" } else { "" },
                    "StartedAt": iso_seconds(start),
                    "FinishedAt": finished,
                }));
            }
        }
    }
    match number {
        None => {
            let total = usize::from(!round.is_empty());
            let rounds: Vec<Value> = if round.is_empty() {
                vec![]
            } else {
                vec![Value::Array(round)]
            };
            ok(json!({"SanityCheckResults": rounds, "TotalCount": total}))
        }
        Some(n) => {
            let items = if n == 1 { round } else { Vec::new() };
            ok(json!({"JobId": job.id, "SanityCheckResult": items}))
        }
    }
}

fn list_ecs_specs(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    if p.get_nonempty("SortBy").is_some() {
        return Err(ApiError::invalid(
            "SortBy",
            "sorting is not supported by ListEcsSpecs",
        ));
    }
    let accelerator = p.get_nonempty("AcceleratorType");
    let resource_type = p.get_nonempty("ResourceType").unwrap_or("ECS");
    let wanted: Vec<String> = p.list("InstanceTypes");
    let (number, size) = p.page(50, 1000)?;
    let specs: Vec<Value> = if resource_type == "ECS" {
        state
            .catalog
            .types
            .iter()
            .filter(|t| t.pai_dlc)
            .filter(|t| wanted.is_empty() || wanted.contains(&t.instance_type))
            .filter_map(|t| {
                let f = state.catalog.family_of(t);
                let kind = if t.gpu_amount > 0 { "GPU" } else { "CPU" };
                if accelerator.is_some_and(|a| !a.eq_ignore_ascii_case(kind)) {
                    return None;
                }
                let available = state.available_in_region(&cx.region, &t.instance_type);
                Some(json!({
                    "InstanceType": t.instance_type,
                    "AcceleratorType": kind,
                    "Cpu": t.cpu,
                    "Memory": t.memory_gib.round() as i64,
                    "Gpu": t.gpu_amount,
                    "GpuType": f.gpu_model.clone().unwrap_or_default(),
                    "GpuMemory": f.gpu_memory_gib.map_or(0, |m| m.round() as i64),
                    "ResourceType": "ECS",
                    "IsAvailable": available,
                    "PaymentTypes": ["PostPaid"],
                    "SpotStockStatus": if available { StockStatus::WithStock.as_str() } else { StockStatus::WithoutStock.as_str() },
                    "NonProtectSpotDiscount": 0.2,
                    "DefaultGPUDriver": if t.gpu_amount > 0 { "550.127.08" } else { "" },
                    "SupportedGPUDrivers": if t.gpu_amount > 0 { json!(["535.161.07", "550.127.08"]) } else { json!([]) },
                }))
            })
            .collect()
    } else {
        Vec::new()
    };
    let total = specs.len();
    ok(json!({"EcsSpecs": page_of(&specs, number, size), "TotalCount": total}))
}
