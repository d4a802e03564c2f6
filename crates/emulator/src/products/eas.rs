//! PAI-EAS: public machine specs, dedicated resource groups, gateways, and
//! services (create, describe, list, stop, start, delete, events) with
//! endpoints and deployment outcomes.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::{Ctx, Outcome, json_i64, json_str, ok};
use crate::catalog::{Gateway, ResourceGroup, StockStatus};
use crate::clock::iso_seconds;
use crate::control::LiveResource;
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::params::page_of;
use crate::product::Product;
use crate::products::ecs::SecurityGroup;
use crate::state::State;

/// One service event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub time: SystemTime,
    pub kind: &'static str,
    pub reason: String,
    pub message: String,
}

/// An EAS service.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub name: String,
    pub id: String,
    pub region: String,
    pub config: String,
    pub image: String,
    pub resource: String,
    pub replicas: i64,
    pub cpu: i64,
    pub memory_mib: i64,
    pub gpu: i64,
    pub workspace_id: String,
    pub gateway: String,
    pub labels: Vec<(String, String)>,
    pub status: Lifecycle<&'static str>,
    /// Events keyed by the status whose entry produces them.
    pub planned_events: Vec<(&'static str, Event)>,
    pub extra_events: Vec<Event>,
    pub failure: Option<String>,
    pub created: SystemTime,
    pub updated: SystemTime,
}

/// EAS state.
#[derive(Debug, Default)]
pub(crate) struct EasState {
    pub services: BTreeMap<(String, String), Service>,
    pub gateway_network: Option<(String, String, String)>,
}

/// Seeds the network of the dedicated gateways: the default VPC and
/// vSwitch of the default region and a security group in it.
pub(crate) fn seed(state: &mut State, now: SystemTime) {
    let region = state.default_region.clone();
    let Some(vsw) = state
        .vpc
        .vswitches
        .values()
        .find(|s| s.region == region && s.is_default)
        .cloned()
    else {
        return;
    };
    let sg_id = state.regional_id("sg", &region);
    state.ecs.security_groups.insert(
        sg_id.clone(),
        SecurityGroup {
            id: sg_id.clone(),
            region: region.clone(),
            vpc_id: vsw.vpc_id.clone(),
            name: "eas-gateway-sg".to_owned(),
            description: "security group of the seeded EAS gateways".to_owned(),
            group_type: "normal".to_owned(),
            rules: Vec::new(),
            created: now - Duration::from_secs(300 * 86_400),
            seeded: true,
        },
    );
    state.eas.gateway_network = Some((vsw.vpc_id, vsw.id, sg_id));
}

pub(crate) fn tick(state: &mut State, now: SystemTime) {
    state.eas.services.retain(|_, s| {
        s.status.tick(now);
        *s.status.status() != "Deleted"
    });
}

pub(crate) fn live(state: &State, out: &mut Vec<LiveResource>) {
    for s in state.eas.services.values() {
        out.push(LiveResource {
            product: Product::Eas,
            kind: "service",
            id: s.name.clone(),
            region: s.region.clone(),
            status: (*s.status.status()).to_owned(),
            created: iso_seconds(s.created),
        });
    }
}

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    if let Some(cluster) = cx.path.get("ClusterId") {
        if state.catalog.region(cluster).is_none() {
            return Err(ApiError::not_found(
                "InvalidClusterId.NotFound",
                format!("cluster (region) {cluster}"),
            ));
        }
    }
    match cx.action {
        "DescribeMachineSpec" => machine_specs(state, cx),
        "ListResources" => list_resources(state, cx),
        "DescribeResource" => {
            let id = cx.path_param("ResourceId")?;
            let r = find_resource(state, id)?;
            ok(json!({
                "ClusterId": cx.region, "ResourceId": r.resource_id, "ResourceName": r.name,
                "ResourceType": r.resource_type, "CpuCount": r.cpu_count, "GpuCount": r.gpu_count,
                "InstanceCount": r.instance_count, "PostPaidInstanceCount": r.instance_count,
                "PrePaidInstanceCount": 0, "Status": "ResourceReady", "Message": "",
                "CreateTime": r.created, "UpdateTime": r.created, "ExtraData": "{}",
                "OwnerUid": state.account_id,
            }))
        }
        "ListGateway" => list_gateways(state, cx),
        "DescribeGateway" => describe_gateway(state, cx),
        "CreateService" => create_service(state, cx),
        "DescribeService" => {
            let s = find_service(state, cx)?;
            ok(service_json(state, s))
        }
        "ListServices" => list_services(state, cx),
        "DeleteService" => {
            let key = service_key(cx)?;
            let s = state
                .eas
                .services
                .get_mut(&key)
                .ok_or_else(|| not_found(&key.1))?;
            if *s.status.status() == "Deleting" {
                return ok(
                    json!({"Message": format!("service {} is already being deleted", key.1)}),
                );
            }
            s.status.set(cx.now, "Deleting");
            s.status
                .schedule(cx.now, &[(Duration::from_secs(10), "Deleted")]);
            s.updated = cx.now;
            ok(json!({"Message": format!("delete request of service [{}] accepted", key.1)}))
        }
        "StopService" | "StartService" => {
            let key = service_key(cx)?;
            let s = state
                .eas
                .services
                .get_mut(&key)
                .ok_or_else(|| not_found(&key.1))?;
            let current = *s.status.status();
            let (allowed, via, to): (&[&str], &'static str, &'static str) =
                if cx.action == "StopService" {
                    (&["Running", "Waiting", "Failed"], "Stopping", "Stopped")
                } else {
                    (&["Stopped"], "Starting", "Running")
                };
            if !allowed.contains(&current) {
                return Err(ApiError::new(
                    400,
                    "InvalidServiceStatus",
                    format!(
                        "service {} is {current}; {} needs one of {}",
                        key.1,
                        cx.action,
                        allowed.join(", ")
                    ),
                ));
            }
            s.status.set(cx.now, via);
            s.status.schedule(cx.now, &[(Duration::from_secs(10), to)]);
            s.updated = cx.now;
            ok(json!({"Message": format!("{} request of service [{}] accepted", cx.action, key.1)}))
        }
        "DescribeServiceEvent" => service_events(state, cx),
        _ => Ok(None),
    }
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found("ServiceNotFound", format!("service {name}"))
}

fn service_key(cx: &Ctx<'_>) -> Result<(String, String), ApiError> {
    Ok((
        cx.path_param("ClusterId")?.to_owned(),
        cx.path_param("ServiceName")?.to_owned(),
    ))
}

fn find_service<'a>(state: &'a State, cx: &Ctx<'_>) -> Result<&'a Service, ApiError> {
    let key = service_key(cx)?;
    state
        .eas
        .services
        .get(&key)
        .ok_or_else(|| not_found(&key.1))
}

fn find_resource<'a>(state: &'a State, id: &str) -> Result<&'a ResourceGroup, ApiError> {
    state
        .catalog
        .resource_groups
        .iter()
        .find(|r| r.resource_id == id)
        .ok_or_else(|| ApiError::not_found("ResourceNotFound", format!("resource group {id}")))
}

/// The chip an instance type carries (`GPU`, `PPU`, `XPU` or `CPU`).
fn chip_of(state: &State, instance_type: &str) -> &'static str {
    let Some(t) = state.catalog.instance_type(instance_type) else {
        return "CPU";
    };
    match state.catalog.family_of(t).gpu_model.as_deref() {
        None => "CPU",
        Some("PPU") => "PPU",
        Some("XPU") => "XPU",
        Some(_) => "GPU",
    }
}

fn machine_specs(state: &State, cx: &Ctx<'_>) -> Outcome {
    let wanted = cx.params.list("InstanceTypes");
    let metas: Vec<Value> = state
        .catalog
        .types
        .iter()
        .filter(|t| t.pai_eas)
        .filter(|t| wanted.is_empty() || wanted.contains(&t.instance_type))
        .map(|t| {
            let f = state.catalog.family_of(t);
            let available = state.available_in_region(&cx.region, &t.instance_type);
            json!({
                "InstanceType": t.instance_type,
                "CPU": t.cpu,
                "Memory": t.memory_gib,
                "GPU": f.gpu_model.clone().unwrap_or_default(),
                "GPUAmount": t.gpu_amount,
                "GPUMemory": f.gpu_memory_gib.unwrap_or(0.0),
                "IsAvailable": available,
                "StockStatus": if available { StockStatus::WithStock.as_str() } else { StockStatus::WithoutStock.as_str() },
                "Vendor": if t.instance_type.starts_with("ecs.ebm") { "BareMetal" } else { "ECS" },
                "SpotDiscount": 0.2,
                "NonProtectSpotDiscount": 0.15,
            })
        })
        .collect();
    let types: Vec<Value> = [1, 2, 4, 8, 16, 32]
        .iter()
        .map(|c| json!({"CPU": c, "Memory": [c * 1024, c * 2048, c * 4096, c * 8192]}))
        .collect();
    ok(json!({"InstanceMetas": metas, "Types": types}))
}

fn list_resources(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let name = p.get_nonempty("ResourceName");
    let id = p.get_nonempty("ResourceId");
    let kind = p.get_nonempty("ResourceType");
    let (number, size) = p.page(100, 1000)?;
    let matching: Vec<&ResourceGroup> = state
        .catalog
        .resource_groups
        .iter()
        .filter(|r| name.is_none_or(|n| r.name.contains(n)))
        .filter(|r| id.is_none_or(|i| r.resource_id == i))
        .filter(|r| kind.is_none_or(|k| r.resource_type == k))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|r| {
            json!({
                "ClusterId": cx.region,
                "ResourceId": r.resource_id,
                "ResourceName": r.name,
                "ResourceType": r.resource_type,
                "CpuCount": r.cpu_count,
                "CpuUsed": r.cpu_used,
                "GpuCount": r.gpu_count,
                "GpuUsed": r.gpu_used,
                "Memory": r.memory_mib,
                "MemoryUsed": r.memory_used_mib,
                "InstanceCount": r.instance_count,
                "PostPaidInstanceCount": r.instance_count,
                "PrePaidInstanceCount": 0,
                "InstanceMaxAllocatableCPU": r.cpu_count / r.instance_count.max(1),
                "InstanceMaxAllocatableGPU": f64::from(r.gpu_count / r.instance_count.max(1)),
                "InstanceMaxAllocatableMemory": r.memory_mib / u64::from(r.instance_count.max(1)),
                "Status": "ResourceReady",
                "Message": "",
                "CreateTime": r.created,
                "UpdateTime": r.created,
                "ExtraData": {},
                "Features": [],
                "Vendor": "ECS",
            })
        })
        .collect();
    ok(json!({"Resources": items, "TotalCount": total, "PageNumber": number, "PageSize": size}))
}

fn domains(state: &State, region: &str, g: &Gateway) -> (String, String) {
    (
        format!(
            "{}.{}.{region}.pai-eas.aliyuncs.com",
            g.gateway_id, state.account_id
        ),
        format!(
            "{}.{}.vpc.{region}.pai-eas.aliyuncs.com",
            g.gateway_id, state.account_id
        ),
    )
}

fn list_gateways(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let id = p.get_nonempty("GatewayId");
    let name = p.get_nonempty("GatewayName");
    let kind = p.get_nonempty("GatewayType");
    let (number, size) = p.page(100, 1000)?;
    let matching: Vec<&Gateway> = state
        .catalog
        .gateways
        .iter()
        .filter(|g| id.is_none_or(|i| g.gateway_id == i))
        .filter(|g| name.is_none_or(|n| g.name.contains(n)))
        .filter(|g| kind.is_none_or(|k| g.gateway_type.eq_ignore_ascii_case(k)))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|g| {
            let (internet, intranet) = domains(state, &cx.region, g);
            json!({
                "GatewayId": g.gateway_id, "GatewayName": g.name, "InstanceType": g.instance_type,
                "ChargeType": "PostPaid", "Replicas": g.replicas, "InternetEnabled": g.internet_enabled,
                "InternetDomain": internet, "IntranetDomain": intranet, "IsDefault": g.is_default,
                "Status": "Running", "CreateTime": g.created, "UpdateTime": g.created,
                "SSLRedirectionEnabled": false,
            })
        })
        .collect();
    ok(json!({"Gateways": items, "TotalCount": total, "PageNumber": number, "PageSize": size}))
}

fn describe_gateway(state: &State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.path_param("GatewayId")?;
    let g = state
        .catalog
        .gateways
        .iter()
        .find(|g| g.gateway_id == id)
        .ok_or_else(|| ApiError::not_found("GatewayNotFound", format!("gateway {id}")))?;
    let (internet, intranet) = domains(state, &cx.region, g);
    let linked: Vec<Value> = state
        .eas
        .gateway_network
        .iter()
        .map(|(vpc, vsw, sg)| {
            json!({"VpcId": vpc, "VSwitchId": vsw, "SecurityGroupId": sg, "Ip": "172.16.0.100", "Status": "Running"})
        })
        .collect();
    ok(json!({
        "GatewayId": g.gateway_id, "GatewayName": g.name, "InstanceType": g.instance_type,
        "Region": cx.region, "Status": "Running", "InternetDomain": internet,
        "IntranetDomain": intranet, "InternetEnabled": g.internet_enabled, "IntranetEnabled": true,
        "CreateTime": g.created, "UpdateTime": g.created, "CallerUid": state.account_id,
        "ParentUid": state.account_id, "ExternalClusterId": "", "InternetAclPolicyList": [],
        "IntranetLinkedVpcList": linked,
    }))
}

/// Service names: lowercase letters, digits and underscores, 3 to 63
/// characters, starting with a letter.
fn valid_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn create_service(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let text = std::str::from_utf8(cx.body)
        .map_err(|_| ApiError::invalid("body", "is not UTF-8 text"))?
        .trim();
    if text.is_empty() {
        return Err(ApiError::missing("body"));
    }
    let config: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::invalid(
            "body",
            format!("the service config is not valid JSON ({e})"),
        )
    })?;
    let meta = config.get("metadata").cloned().unwrap_or(Value::Null);
    let name = meta
        .get("name")
        .and_then(json_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("metadata.name"))?;
    if !valid_name(&name) {
        return Err(ApiError::invalid(
            "metadata.name",
            format!(
                "`{name}` must be 3-63 lowercase letters, digits or underscores, starting with a letter"
            ),
        ));
    }
    let region = cx.region.clone();
    if state
        .eas
        .services
        .contains_key(&(region.clone(), name.clone()))
    {
        return Err(ApiError::new(
            400,
            "ServiceAlreadyExists",
            format!("a service named {name} already exists in {region}"),
        ));
    }
    let container = config.get("containers").and_then(|c| c.get(0));
    let image = container
        .and_then(|c| c.get("image"))
        .and_then(json_str)
        .or_else(|| meta.get("image").and_then(json_str))
        .or_else(|| config.get("processor").and_then(json_str))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("containers[0].image"))?;
    let computing = config.get("cloud").and_then(|c| c.get("computing"));
    let instance_type = computing
        .and_then(|c| c.get("instance_type"))
        .and_then(json_str)
        .or_else(|| {
            computing
                .and_then(|c| c.get("instances"))
                .and_then(|i| i.get(0))
                .and_then(|i| i.get("type"))
                .and_then(json_str)
        })
        .unwrap_or_default();
    let resource = meta.get("resource").and_then(json_str).unwrap_or_default();
    if instance_type.is_empty() && resource.is_empty() {
        return Err(ApiError::missing("cloud.computing.instance_type"));
    }
    if !resource.is_empty() {
        find_resource(state, &resource)?;
    }
    let ty = if instance_type.is_empty() {
        None
    } else {
        Some(
            state
                .catalog
                .instance_type(&instance_type)
                .filter(|t| t.pai_eas)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "cloud.computing.instance_type",
                        format!("`{instance_type}` is not a public EAS instance type"),
                    )
                })?
                .clone(),
        )
    };
    let replicas = meta.get("instance").and_then(json_i64).unwrap_or(1).max(0);
    let (cpu, memory_mib, gpu) = match &ty {
        Some(t) => (
            i64::from(t.cpu),
            (t.memory_gib * 1024.0) as i64,
            i64::from(t.gpu_amount),
        ),
        None => (
            meta.get("cpu").and_then(json_i64).unwrap_or(1),
            meta.get("memory").and_then(json_i64).unwrap_or(2000),
            meta.get("gpu").and_then(json_i64).unwrap_or(0),
        ),
    };

    // Why the deployment will fail, if it will.
    let image_chip = state
        .catalog
        .pai_images
        .iter()
        .find(|i| i.image_uri == image)
        .and_then(|i| i.label("system.chipType").map(str::to_owned));
    let mut failure: Option<(String, String)> = cx
        .fail_after_create
        .map(|r| ("DeployFailed".to_owned(), r.to_owned()));
    if failure.is_none() {
        if let (Some(t), Some(chip)) = (&ty, &image_chip) {
            let machine = chip_of(state, &t.instance_type);
            if chip != "CPU" && chip != machine {
                failure = Some((
                    "InstanceCrashed".to_owned(),
                    format!(
                        "the {chip} image cannot run on {} ({machine}); the container crashed at start",
                        t.instance_type
                    ),
                ));
            }
        }
    }
    if failure.is_none() {
        if let Some(t) = &ty {
            if !state.available_in_region(&region, &t.instance_type) {
                failure = Some((
                    "InsufficientResources".to_owned(),
                    format!("no stock of {} in {region}", t.instance_type),
                ));
            }
        }
    }

    let id = format!("eas-m-{}", state.alnum(8));
    let mut status = Lifecycle::new(cx.now, "Creating");
    let event = |kind, reason: &str, message: String| Event {
        time: cx.now,
        kind,
        reason: reason.to_owned(),
        message,
    };
    let mut planned = vec![
        (
            "Creating",
            event(
                "Normal",
                "ServiceCreating",
                format!("creating service {name}"),
            ),
        ),
        (
            "Creating",
            event("Normal", "Pulling", format!("pulling image {image}")),
        ),
    ];
    match &failure {
        Some((reason, message)) => {
            status.schedule(cx.now, &[(Duration::from_secs(20), "Failed")]);
            planned.push(("Failed", event("Warning", reason, message.clone())));
            planned.push((
                "Failed",
                event(
                    "Warning",
                    "ServiceFailed",
                    format!("service {name} failed to start"),
                ),
            ));
        }
        None => {
            status.schedule(cx.now, &[(Duration::from_secs(30), "Running")]);
            planned.push((
                "Running",
                event("Normal", "Pulled", format!("image {image} pulled")),
            ));
            planned.push((
                "Running",
                event(
                    "Normal",
                    "ServiceRunning",
                    format!("{replicas} instance(s) running"),
                ),
            ));
        }
    }
    let labels: Vec<(String, String)> = meta
        .get("labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), json_str(v)?)))
                .collect()
        })
        .unwrap_or_default();
    let service = Service {
        name: name.clone(),
        id: id.clone(),
        region: region.clone(),
        config: text.to_owned(),
        image,
        resource,
        replicas,
        cpu,
        memory_mib,
        gpu,
        workspace_id: meta
            .get("workspace_id")
            .and_then(json_str)
            .or_else(|| cx.params.get_nonempty("WorkspaceId").map(str::to_owned))
            .unwrap_or_default(),
        gateway: meta.get("gateway").and_then(json_str).unwrap_or_default(),
        labels,
        status,
        planned_events: planned,
        extra_events: Vec::new(),
        failure: failure.map(|f| f.1),
        created: cx.now,
        updated: cx.now,
    };
    let (internet, intranet) = endpoints(state, &service);
    state
        .eas
        .services
        .insert((region.clone(), name.clone()), service);
    ok(json!({
        "ServiceId": id, "ServiceName": name, "Status": "Creating", "Region": region,
        "InternetEndpoint": internet, "IntranetEndpoint": intranet,
    }))
}

fn endpoints(state: &State, s: &Service) -> (String, String) {
    (
        format!(
            "http://{}.{}.pai-eas.aliyuncs.com/api/predict/{}",
            state.account_id, s.region, s.name
        ),
        format!(
            "http://{}.vpc.{}.pai-eas.aliyuncs.com/api/predict/{}",
            state.account_id, s.region, s.name
        ),
    )
}

fn service_json(state: &State, s: &Service) -> Value {
    let status = *s.status.status();
    let running = if status == "Running" { s.replicas } else { 0 };
    let pending = if matches!(status, "Creating" | "Starting") {
        s.replicas
    } else {
        0
    };
    let (internet, intranet) = endpoints(state, s);
    let (message, reason) = match (&s.failure, status) {
        (Some(f), "Failed") => (f.clone(), "ServiceFailed".to_owned()),
        _ => (format!("service is {status}"), status.to_owned()),
    };
    let public = if s.resource.is_empty() { s.replicas } else { 0 };
    json!({
        "ServiceName": s.name,
        "ServiceId": s.id,
        "ServiceUid": s.id,
        "Status": status,
        "Region": s.region,
        "Image": s.image,
        "Cpu": s.cpu,
        "Memory": s.memory_mib,
        "Gpu": s.gpu,
        "GPUCorePercentage": 0,
        "GPUMemory": 0,
        "InternetEndpoint": internet,
        "IntranetEndpoint": intranet,
        "SecondaryInternetEndpoint": "",
        "SecondaryIntranetEndpoint": "",
        "CreateTime": iso_seconds(s.created),
        "UpdateTime": iso_seconds(s.updated),
        "TotalInstance": s.replicas,
        "RunningInstance": running,
        "PendingInstance": pending,
        "ServiceConfig": s.config,
        "Message": message,
        "Reason": reason,
        "CallerUid": state.account_id,
        "ParentUid": state.account_id,
        "AccessToken": format!("emulator-token-{}", s.id),
        "Resource": s.resource,
        "ResourceAlias": s.resource,
        "ResourceBurstable": false,
        "Labels": s.labels.iter().map(|(k, v)| json!({"LabelKey": k, "LabelValue": v})).collect::<Vec<_>>(),
        "Namespace": "default",
        "Weight": 0,
        "CurrentVersion": 1,
        "LatestVersion": 1,
        "WorkspaceId": s.workspace_id,
        "Gateway": s.gateway,
        "TrafficState": "standalone",
        "SafetyLock": "none",
        "Source": "EAS",
        "Role": "",
        "RoleAttrs": "",
        "QuotaId": "",
        "ServiceGroup": s.name,
        "AppType": "",
        "AppVersion": "",
        "AppSpecName": "",
        "AppConfig": "",
        "ExtraData": "",
        "AutoscalerEnabled": false,
        "CronscalerEnabled": false,
        "InstanceCountInResource": {"Public": public, "Dedicated": s.replicas - public, "Quota": 0},
    })
}

fn event_json(at: SystemTime, e: &Event) -> Value {
    json!({"Time": iso_seconds(at), "Type": e.kind, "Reason": e.reason, "Message": e.message})
}

fn list_services(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let filter = p.get_nonempty("Filter");
    let name = p.get_nonempty("ServiceName");
    let status = p.get_nonempty("ServiceStatus");
    let resource = p.get_nonempty("ResourceName");
    let workspace = p.get_nonempty("WorkspaceId");
    let (number, size) = p.page(100, 1000)?;
    let matching: Vec<&Service> = state
        .eas
        .services
        .values()
        .filter(|s| s.region == cx.region)
        .filter(|s| filter.is_none_or(|f| s.name.contains(f) || s.id.contains(f)))
        .filter(|s| name.is_none_or(|n| s.name == n))
        .filter(|s| status.is_none_or(|st| *s.status.status() == st))
        .filter(|s| resource.is_none_or(|r| s.resource == r))
        .filter(|s| workspace.is_none_or(|w| s.workspace_id == w))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|s| {
            let mut v = service_json(state, s);
            v["RequestId"] = json!("");
            v
        })
        .collect();
    ok(json!({"Services": items, "TotalCount": total, "PageNumber": number, "PageSize": size}))
}

fn service_events(state: &State, cx: &Ctx<'_>) -> Outcome {
    let s = find_service(state, cx)?;
    let p = cx.params;
    let kind = p.get_nonempty("EventType");
    let mut rows: Vec<(SystemTime, Value)> = Vec::new();
    for (status, e) in &s.planned_events {
        if let Some(at) = s.status.entered(status) {
            rows.push((at, event_json(at, e)));
        }
    }
    for e in &s.extra_events {
        rows.push((e.time, event_json(e.time, e)));
    }
    rows.sort_by_key(|(t, _)| *t);
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| kind.is_none_or(|k| v["Type"] == k))
        .collect();
    let size: usize = p
        .get_nonempty("PageSize")
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(100);
    let page: usize = p
        .get_nonempty("PageNum")
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let total = rows.len();
    let pages = total.div_ceil(size).max(1);
    ok(json!({
        "Events": page_of(&rows, page, size),
        "TotalCount": total, "PageNum": page, "TotalPageNum": pages,
    }))
}
