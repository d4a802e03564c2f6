//! SysOM diagnosis: role initialisation, diagnosis tasks (one running task
//! per instance, `Sysom.TaskInProgress` otherwise) and their results, which
//! move from `Ready` through `Running` to a report.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::{Ctx, Outcome, json_str, ok};
use crate::clock::iso_seconds;
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::state::State;

/// A diagnosis task.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub id: String,
    pub service_name: String,
    pub instance: String,
    pub params: Value,
    pub status: Lifecycle<&'static str>,
    pub failure: Option<String>,
}

/// SysOM state.
#[derive(Debug, Default)]
pub(crate) struct SysomState {
    pub role_exists: bool,
    pub tasks: Vec<Task>,
}

pub(crate) fn tick(state: &mut State, now: SystemTime) {
    for t in &mut state.sysom.tasks {
        t.status.tick(now);
    }
}

fn success(data: Value) -> Outcome {
    ok(json!({"code": "Success", "message": "", "data": data}))
}

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    match cx.action {
        "InitialSysom" => {
            let check_only = cx.body_bool("check_only").unwrap_or(false);
            if !check_only {
                state.sysom.role_exists = true;
            }
            success(json!({"role_exist": state.sysom.role_exists}))
        }
        "InvokeDiagnosis" => invoke(state, cx),
        "GetDiagnosisResult" => result(state, cx),
        _ => Ok(None),
    }
}

fn invoke(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let service_name = cx
        .body_str("service_name")
        .ok_or_else(|| ApiError::missing("service_name"))?;
    cx.body_str("channel")
        .ok_or_else(|| ApiError::missing("channel"))?;
    let params_text = cx
        .body_str("params")
        .ok_or_else(|| ApiError::missing("params"))?;
    let params: Value = serde_json::from_str(&params_text)
        .map_err(|e| ApiError::invalid("params", format!("is not a JSON object ({e})")))?;
    if !params.is_object() {
        return Err(ApiError::invalid("params", "is not a JSON object"));
    }
    if !state.sysom.role_exists {
        return Err(ApiError::new(
            403,
            "Sysom.RoleNotExist",
            "the SysOM service role is missing; call InitialSysom first",
        ));
    }
    let field = |k: &str| params.get(k).and_then(json_str).filter(|s| !s.is_empty());
    let instance = field("instance").ok_or_else(|| ApiError::missing("params.instance"))?;
    let mut failure = cx.fail_after_create.map(str::to_owned);
    if service_name == "ocd" {
        field("region").ok_or_else(|| ApiError::missing("params.region"))?;
        let product = field("product").ok_or_else(|| ApiError::missing("params.product"))?;
        let kind = field("type").ok_or_else(|| ApiError::missing("params.type"))?;
        if kind != "ocd" {
            return Err(ApiError::invalid("params.type", "must be ocd"));
        }
        match product.as_str() {
            "EAS" => {
                if !state.eas.services.values().any(|s| s.id == instance) {
                    return Err(ApiError::new(
                        404,
                        "Sysom.InstanceNotFound",
                        format!("no EAS service with id {instance}"),
                    ));
                }
            }
            "DLC" => {
                let job = state.dlc.jobs.get(&instance).ok_or_else(|| {
                    ApiError::new(
                        404,
                        "Sysom.InstanceNotFound",
                        format!("no DLC job with id {instance}"),
                    )
                })?;
                if job.resource_type != "Lingjun" && failure.is_none() {
                    failure = Some(format!(
                        "DLC job {instance} runs on {} resources; diagnosis supports Lingjun only",
                        job.resource_type
                    ));
                }
            }
            other => {
                return Err(ApiError::invalid(
                    "params.product",
                    format!("`{other}` is not EAS or DLC"),
                ));
            }
        }
    }
    if let Some(running) = state
        .sysom
        .tasks
        .iter()
        .find(|t| t.instance == instance && matches!(*t.status.status(), "Ready" | "Running"))
    {
        return Err(ApiError::new(
            400,
            "Sysom.TaskInProgress",
            format!(
                "a diagnosis of {instance} is already in progress: {}({})",
                running.service_name, running.id
            ),
        ));
    }
    let id = state.alnum(10);
    let mut status = Lifecycle::new(cx.now, "Ready");
    let end = if failure.is_some() { "Fail" } else { "Success" };
    status.schedule(
        cx.now,
        &[
            (Duration::from_secs(5), "Running"),
            (Duration::from_secs(40), end),
        ],
    );
    state.sysom.tasks.push(Task {
        id: id.clone(),
        service_name,
        instance,
        params,
        status,
        failure,
    });
    success(json!({"task_id": id}))
}

/// The report of a finished diagnosis, chosen from the problem description.
fn report(task: &Task) -> Value {
    let text = task
        .params
        .get("ocd_description")
        .and_then(json_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (overall, cause, suggestions, issues) = if text.contains("oom") || text.contains("memory") {
        (
            "critical",
            "GPU memory is exhausted by the model weights plus the KV cache at peak batch size",
            vec![
                "lower the maximum batch size or the maximum sequence length",
                "use an instance type with more GPU memory or shard the model",
            ],
            vec![json!({
                "severity": "critical", "category": "gpu_memory",
                "title": "GPU out of memory", "detail": "allocation failures were found in the container log",
            })],
        )
    } else if text.contains("latency") || text.contains("slow") || text.contains("hang") {
        (
            "warning",
            "requests queue on one replica while the others stay idle",
            vec![
                "enable least-connection scheduling",
                "add a replica or scale out automatically",
            ],
            vec![json!({
                "severity": "warning", "category": "scheduling",
                "title": "uneven request distribution", "detail": "one replica served most requests",
            })],
        )
    } else {
        (
            "normal",
            "no anomaly was found in the diagnosed window",
            vec![],
            vec![],
        )
    };
    json!({
        "summary": {"overall_status": overall, "root_cause": cause, "suggestions": suggestions},
        "issues": issues,
        "instance": task.instance,
        "diagnosed_at": iso_seconds(task.status.since()),
    })
}

fn result(state: &State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.params.require("task_id")?;
    let task = state
        .sysom
        .tasks
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "Sysom.TaskNotFound",
                format!("diagnosis task {id} does not exist"),
            )
        })?;
    let status = *task.status.status();
    let (code, err_msg, result) = match status {
        "Success" => (0, String::new(), report(task)),
        "Fail" => (1, task.failure.clone().unwrap_or_default(), json!({})),
        _ => (0, String::new(), json!({})),
    };
    success(json!({
        "task_id": task.id,
        "status": status,
        "code": code,
        "err_msg": err_msg,
        "service_name": task.service_name,
        "params": task.params,
        "command": {},
        "url": format!("https://sysom.emulator.invalid/diagnose/detail/{}", task.id),
        "result": result,
    }))
}
