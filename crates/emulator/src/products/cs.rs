//! ACK (Container Service): clusters created, described, listed and
//! deleted over virtual time, their tasks, and kubeconfigs.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::{Ctx, Outcome, json_str, ok};
use crate::clock::iso_seconds;
use crate::control::LiveResource;
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::product::Product;
use crate::state::State;

/// How long a cluster takes to create and to delete (virtual time).
const CREATE_TIME: Duration = Duration::from_secs(120);
const DELETE_TIME: Duration = Duration::from_secs(60);

/// A cluster.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    pub id: String,
    pub name: String,
    pub region: String,
    pub cluster_type: String,
    pub cluster_spec: String,
    pub version: String,
    pub vpc_id: String,
    pub vswitch_ids: Vec<String>,
    pub security_group_id: String,
    pub zone_id: String,
    pub size: i64,
    pub tags: Vec<(String, String)>,
    pub deletion_protection: bool,
    pub state: Lifecycle<&'static str>,
    pub created: SystemTime,
    pub updated: SystemTime,
}

/// A cluster task.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub id: String,
    pub cluster_id: String,
    pub task_type: &'static str,
    pub created: SystemTime,
    pub done_at: SystemTime,
    pub failure: Option<String>,
}

/// ACK state.
#[derive(Debug, Default)]
pub(crate) struct CsState {
    pub clusters: BTreeMap<String, Cluster>,
    pub tasks: BTreeMap<String, Task>,
    /// Kubernetes Jobs, by `cluster/namespace/name` (see [`super::k8s`]).
    pub jobs: BTreeMap<String, super::k8s::Job>,
}

pub(crate) fn tick(state: &mut State, now: SystemTime) {
    state.cs.clusters.retain(|_, c| {
        c.state.tick(now);
        *c.state.status() != "deleted"
    });
    let clusters = &state.cs.clusters;
    state
        .cs
        .jobs
        .retain(|_, j| clusters.contains_key(&j.cluster_id));
}

pub(crate) fn live(state: &State, out: &mut Vec<LiveResource>) {
    for c in state.cs.clusters.values() {
        out.push(LiveResource {
            product: Product::Cs,
            kind: "cluster",
            id: c.id.clone(),
            region: c.region.clone(),
            status: (*c.state.status()).to_owned(),
            created: iso_seconds(c.created),
        });
    }
    super::k8s::live(state, out);
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("ErrorClusterNotFound", format!("cluster {id}"))
}

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    match cx.action {
        "CreateCluster" => create(state, cx),
        "DescribeClusterDetail" => {
            let id = cx.path_param("ClusterId")?;
            let c = state.cs.clusters.get(id).ok_or_else(|| not_found(id))?;
            ok(cluster_json(c))
        }
        "DescribeClustersV1" => list(state, cx),
        "DeleteCluster" => delete(state, cx),
        "DescribeClusterUserKubeconfig" => {
            let id = cx.path_param("ClusterId")?;
            let c = state.cs.clusters.get(id).ok_or_else(|| not_found(id))?;
            if *c.state.status() != "running" {
                return Err(ApiError::new(
                    400,
                    "ErrorClusterState",
                    format!(
                        "cluster {id} is {}; its kubeconfig is available once it is running",
                        c.state.status()
                    ),
                ));
            }
            let private = cx.params.get_bool("PrivateIpAddress")?.unwrap_or(false);
            // The public endpoint is the emulator itself (plain HTTP), where
            // the Kubernetes API of `super::k8s` is served.
            let host = cx.header("host").unwrap_or("127.0.0.1");
            ok(json!({
                "config": kubeconfig(c, private, host),
                "expiration": iso_seconds(cx.now + Duration::from_secs(3 * 365 * 86_400)),
            }))
        }
        "DescribeTaskInfo" => {
            let id = cx.path_param("task_id")?;
            let t =
                state.cs.tasks.get(id).ok_or_else(|| {
                    ApiError::not_found("ErrorTaskNotFound", format!("task {id}"))
                })?;
            ok(task_json(t, cx.now))
        }
        _ => Ok(None),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(json_str)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn create(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let name = cx
        .body_str("name")
        .ok_or_else(|| ApiError::missing("name"))?;
    let region = cx
        .body_str("region_id")
        .ok_or_else(|| ApiError::missing("region_id"))?;
    if state.catalog.region(&region).is_none() {
        return Err(ApiError::invalid(
            "region_id",
            format!("`{region}` is not a region"),
        ));
    }
    let mut vswitch_ids = strings(cx.body_field("vswitch_ids"));
    for v in strings(cx.body_field("worker_vswitch_ids")) {
        if !vswitch_ids.contains(&v) {
            vswitch_ids.push(v);
        }
    }
    let mut vpc_id = cx.body_str("vpcid").unwrap_or_default();
    let mut zone_id = cx.body_str("zone_id").unwrap_or_default();
    if !vpc_id.is_empty() {
        let vpc = state
            .vpc
            .vpcs
            .get(&vpc_id)
            .filter(|v| v.region == region)
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "ErrorVpcNotFound",
                    format!("VPC {vpc_id} does not exist in {region}"),
                )
            })?;
        vpc_id = vpc.id.clone();
    }
    for v in &vswitch_ids {
        let vsw = state.vpc.vswitches.get(v).ok_or_else(|| {
            ApiError::new(
                400,
                "ErrorVSwitchNotFound",
                format!("vSwitch {v} does not exist"),
            )
        })?;
        if vpc_id.is_empty() {
            vpc_id = vsw.vpc_id.clone();
        } else if vsw.vpc_id != vpc_id {
            return Err(ApiError::new(
                400,
                "ErrorVSwitchNotInVpc",
                format!("vSwitch {v} is not in VPC {vpc_id}"),
            ));
        }
        if zone_id.is_empty() {
            zone_id = vsw.zone.clone();
        }
    }
    let cluster_type = cx
        .body_str("cluster_type")
        .unwrap_or_else(|| "ManagedKubernetes".to_owned());
    let size = cx.body_i64("num_of_nodes").unwrap_or(0).max(0);
    // Worker types must have stock in the vSwitch zones.
    let mut failure = cx.fail_after_create.map(str::to_owned);
    for t in strings(cx.body_field("worker_instance_types")) {
        if state.catalog.instance_type(&t).is_none() {
            return Err(ApiError::invalid(
                "worker_instance_types",
                format!("`{t}` is not an instance type"),
            ));
        }
        let zones: Vec<String> = vswitch_ids
            .iter()
            .filter_map(|v| state.vpc.vswitches.get(v).map(|s| s.zone.clone()))
            .collect();
        let stocked = zones
            .iter()
            .any(|z| state.stock_of(z, &t).is_some_and(|s| s.has_stock()));
        if !zones.is_empty() && !stocked && failure.is_none() {
            failure = Some(format!(
                "no stock of worker instance type {t} in the chosen zones"
            ));
        }
    }
    let id = format!("c{}", state.hex(32));
    let task_id = format!("T-{}", state.alnum(24));
    let mut life = Lifecycle::new(cx.now, "initial");
    let end = if failure.is_some() {
        "failed"
    } else {
        "running"
    };
    life.schedule(cx.now, &[(CREATE_TIME, end)]);
    let tags: Vec<(String, String)> = cx
        .body_field("tags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        t.get("key").and_then(json_str)?,
                        t.get("value").and_then(json_str).unwrap_or_default(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    state.cs.clusters.insert(
        id.clone(),
        Cluster {
            id: id.clone(),
            name,
            region,
            cluster_type,
            cluster_spec: cx
                .body_str("cluster_spec")
                .unwrap_or_else(|| "ack.pro.small".to_owned()),
            version: cx
                .body_str("kubernetes_version")
                .unwrap_or_else(|| "1.31.1-aliyun.1".to_owned()),
            vpc_id,
            vswitch_ids,
            security_group_id: cx.body_str("security_group_id").unwrap_or_default(),
            zone_id,
            size,
            tags,
            deletion_protection: cx.body_bool("deletion_protection").unwrap_or(false),
            state: life,
            created: cx.now,
            updated: cx.now,
        },
    );
    state.cs.tasks.insert(
        task_id.clone(),
        Task {
            id: task_id.clone(),
            cluster_id: id.clone(),
            task_type: "cluster_create",
            created: cx.now,
            done_at: cx.now + CREATE_TIME,
            failure,
        },
    );
    ok(json!({"cluster_id": id, "task_id": task_id}))
}

fn api_endpoint(c: &Cluster, private: bool) -> String {
    if private {
        format!("https://172.16.0.10:6443/{}", c.id)
    } else {
        format!("https://{}.{}.cs.emulator.invalid:6443", c.id, c.region)
    }
}

fn cluster_json(c: &Cluster) -> Value {
    let state = *c.state.status();
    let master_url = if state == "running" {
        json!({
            "api_server_endpoint": api_endpoint(c, false),
            "intranet_api_server_endpoint": api_endpoint(c, true),
        })
        .to_string()
    } else {
        String::new()
    };
    json!({
        "cluster_id": c.id,
        "name": c.name,
        "region_id": c.region,
        "zone_id": c.zone_id,
        "state": state,
        "cluster_type": c.cluster_type,
        "cluster_spec": c.cluster_spec,
        "profile": "Default",
        "current_version": c.version,
        "init_version": c.version,
        "next_version": "",
        "created": iso_seconds(c.created),
        "updated": iso_seconds(c.updated),
        "vpc_id": c.vpc_id,
        "vswitch_id": c.vswitch_ids.join(","),
        "security_group_id": c.security_group_id,
        "network_mode": "vpc",
        "subnet_cidr": "172.20.0.0/16",
        "size": c.size,
        "master_url": master_url,
        "meta_data": "{}",
        "docker_version": "",
        "external_loadbalancer_id": "",
        "resource_group_id": "",
        "private_zone": false,
        "deletion_protection": c.deletion_protection,
        "worker_ram_role_name": format!("KubernetesWorkerRole-{}", &c.id[1..9]),
        "tags": c.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    })
}

fn list(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let name = p.get_nonempty("name");
    let kind = p.get_nonempty("cluster_type");
    let region = p.get_nonempty("region_id");
    let number = p.get_i64("page_number")?.unwrap_or(1).max(1);
    let size = p.get_i64("page_size")?.unwrap_or(10).clamp(1, 100);
    let matching: Vec<Value> = state
        .cs
        .clusters
        .values()
        .filter(|c| name.is_none_or(|n| c.name.contains(n)))
        .filter(|c| kind.is_none_or(|k| c.cluster_type == k))
        .filter(|c| region.is_none_or(|r| c.region == r))
        .map(cluster_json)
        .collect();
    let total = matching.len();
    let page = crate::params::page_of(
        &matching,
        usize::try_from(number).unwrap_or(1),
        usize::try_from(size).unwrap_or(10),
    );
    ok(json!({
        "clusters": page,
        "page_info": {"page_number": number, "page_size": size, "total_count": total},
    }))
}

fn delete(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.path_param("ClusterId")?.to_owned();
    let task_id = format!("T-{}", state.alnum(24));
    let c = state
        .cs
        .clusters
        .get_mut(&id)
        .ok_or_else(|| not_found(&id))?;
    if c.deletion_protection {
        return Err(ApiError::new(
            400,
            "ErrorDeletionProtection",
            format!("cluster {id} has deletion protection enabled"),
        ));
    }
    if *c.state.status() == "initial" {
        return Err(ApiError::new(
            400,
            "ErrorClusterState",
            format!("cluster {id} is still being created"),
        ));
    }
    c.state.set(cx.now, "deleting");
    c.state.schedule(cx.now, &[(DELETE_TIME, "deleted")]);
    c.updated = cx.now;
    state.cs.tasks.insert(
        task_id.clone(),
        Task {
            id: task_id.clone(),
            cluster_id: id.clone(),
            task_type: "cluster_delete",
            created: cx.now,
            done_at: cx.now + DELETE_TIME,
            failure: None,
        },
    );
    ok(json!({"cluster_id": id, "task_id": task_id}))
}

fn task_json(t: &Task, now: SystemTime) -> Value {
    let done = now >= t.done_at;
    let state = match (done, &t.failure) {
        (false, _) => "running",
        (true, None) => "success",
        (true, Some(_)) => "failed",
    };
    let error = t.failure.as_ref().filter(|_| done).map_or_else(
        || json!({"code": "", "message": ""}),
        |f| json!({"code": "ClusterCreationFailed", "message": f}),
    );
    json!({
        "task_id": t.id,
        "cluster_id": t.cluster_id,
        "task_type": t.task_type,
        "state": state,
        "created": iso_seconds(t.created),
        "current_stage": if done { "" } else { "provisioning" },
        "stages": [{
            "state": state, "message": "", "start_time": iso_seconds(t.created),
            "end_time": if done { iso_seconds(t.done_at) } else { String::new() }, "outputs": {},
        }],
        "events": [],
        "error": error,
        "target": {"id": t.cluster_id, "type": "cluster"},
        "task_result": [{"data": t.cluster_id, "status": state}],
        "parameters": {},
    })
}

fn kubeconfig(c: &Cluster, private: bool, host: &str) -> String {
    let server = if private {
        format!(
            "{}\n    insecure-skip-tls-verify: true",
            api_endpoint(c, true)
        )
    } else {
        format!("http://{host}")
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: {server}\n  name: {id}\ncontexts:\n- context:\n    cluster: {id}\n    user: emulator-user\n  name: {id}-context\ncurrent-context: {id}-context\nusers:\n- name: emulator-user\n  user:\n    token: emulator-token-{id}\n",
        id = c.id
    )
}
