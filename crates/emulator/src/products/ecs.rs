//! ECS: regions, zones, instance types and families, stock, recommendations,
//! prices, images, security groups, instances with status transitions, and
//! Cloud Assistant commands.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::{Ctx, Outcome, ok, script};
use crate::catalog::{InstanceType, StockStatus, round3};
use crate::clock::{iso_minutes, iso_seconds};
use crate::control::LiveResource;
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::params::{Params, page_of, token_page};
use crate::product::Product;
use crate::state::State;

/// How long a deleted instance keeps its network attachments (security
/// groups and vSwitch report it as a dependency meanwhile).
const RELEASE_LINGER: Duration = Duration::from_secs(5);

/// An ECS instance.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub id: String,
    pub region: String,
    pub zone: String,
    pub instance_type: String,
    pub image_id: String,
    pub name: String,
    pub host_name: String,
    pub description: String,
    pub vpc_id: String,
    pub vswitch_id: String,
    pub security_group_ids: Vec<String>,
    pub private_ip: String,
    pub public_ip: Option<String>,
    pub internet_charge_type: String,
    pub bandwidth_out: i64,
    pub spot_strategy: String,
    pub key_pair: String,
    pub deletion_protection: bool,
    pub tags: Vec<(String, String)>,
    pub status: Lifecycle<&'static str>,
    pub created: SystemTime,
    /// Set when deleted: the instance is gone from every listing and is
    /// removed for good at this time.
    pub released_at: Option<SystemTime>,
}

/// One security group rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rule {
    pub id: String,
    pub direction: &'static str,
    pub protocol: String,
    pub port_range: String,
    pub cidr: String,
    pub policy: String,
    pub priority: String,
    pub description: String,
    pub nic_type: String,
    pub created: SystemTime,
}

/// A security group.
#[derive(Debug, Clone)]
pub(crate) struct SecurityGroup {
    pub id: String,
    pub region: String,
    pub vpc_id: String,
    pub name: String,
    pub description: String,
    pub group_type: String,
    pub rules: Vec<Rule>,
    pub created: SystemTime,
    /// Seeded with the catalog (not reported as a leak).
    pub seeded: bool,
}

/// One instance's part of a command invocation.
#[derive(Debug, Clone)]
pub(crate) struct InvokeInstance {
    pub instance_id: String,
    pub status: Lifecycle<&'static str>,
    pub output: String,
    pub exit_code: i64,
    pub error_code: String,
    pub error_info: String,
}

/// A Cloud Assistant invocation.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub invoke_id: String,
    pub command_id: String,
    pub region: String,
    pub name: String,
    pub command_type: String,
    pub content: String,
    pub timeout: i64,
    pub username: String,
    pub working_dir: String,
    pub created: SystemTime,
    pub instances: Vec<InvokeInstance>,
}

/// ECS state.
#[derive(Debug, Default)]
pub(crate) struct EcsState {
    pub instances: BTreeMap<String, Instance>,
    pub security_groups: BTreeMap<String, SecurityGroup>,
    pub invocations: Vec<Invocation>,
    tokens: BTreeMap<String, Vec<String>>,
}

pub(crate) fn tick(state: &mut State, now: SystemTime) {
    state
        .ecs
        .instances
        .retain(|_, i| i.released_at.is_none_or(|t| t > now));
    for i in state.ecs.instances.values_mut() {
        i.status.tick(now);
    }
    for inv in &mut state.ecs.invocations {
        for ii in &mut inv.instances {
            ii.status.tick(now);
        }
    }
}

pub(crate) fn live(state: &State, out: &mut Vec<LiveResource>) {
    for i in state
        .ecs
        .instances
        .values()
        .filter(|i| i.released_at.is_none())
    {
        out.push(LiveResource {
            product: Product::Ecs,
            kind: "instance",
            id: i.id.clone(),
            region: i.region.clone(),
            status: (*i.status.status()).to_owned(),
            created: iso_seconds(i.created),
        });
    }
    for g in state.ecs.security_groups.values().filter(|g| !g.seeded) {
        out.push(LiveResource {
            product: Product::Ecs,
            kind: "security_group",
            id: g.id.clone(),
            region: g.region.clone(),
            status: "Available".to_owned(),
            created: iso_seconds(g.created),
        });
    }
}

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    if let Some(r) = cx.params.get_nonempty("RegionId") {
        if state.catalog.region(r).is_none() {
            return Err(ApiError::not_found(
                "InvalidRegionId.NotFound",
                format!("region {r}"),
            ));
        }
    }
    match cx.action {
        "DescribeRegions" => describe_regions(state),
        "DescribeZones" => describe_zones(state, cx),
        "DescribeInstanceTypes" => describe_instance_types(state, cx),
        "DescribeInstanceTypeFamilies" => describe_families(state, cx),
        "DescribeAvailableResource" => describe_available_resource(state, cx),
        "DescribeRecommendInstanceType" => recommend(state, cx),
        "DescribePrice" => describe_price(state, cx),
        "DescribeImages" => describe_images(state, cx),
        "CreateSecurityGroup" => create_security_group(state, cx),
        "AuthorizeSecurityGroup" => authorize(state, cx, "ingress"),
        "AuthorizeSecurityGroupEgress" => authorize(state, cx, "egress"),
        "DescribeSecurityGroups" => describe_security_groups(state, cx),
        "DescribeSecurityGroupAttribute" => describe_security_group_attribute(state, cx),
        "DeleteSecurityGroup" => delete_security_group(state, cx),
        "RunInstances" => run_instances(state, cx),
        "DescribeInstances" => describe_instances(state, cx),
        "DescribeInstanceStatus" => describe_instance_status(state, cx),
        "DeleteInstance" => {
            let id = cx.params.require("InstanceId")?.to_owned();
            delete_instances(state, cx, &[id])
        }
        "DeleteInstances" => {
            let ids = cx.params.list("InstanceId");
            if ids.is_empty() {
                return Err(ApiError::missing("InstanceId"));
            }
            delete_instances(state, cx, &ids)
        }
        "StopInstance" => {
            let id = cx.params.require("InstanceId")?.to_owned();
            start_stop(state, cx, &[id], false).map(|_| Some(super::Reply::Json(json!({}))))
        }
        "StartInstance" => {
            let id = cx.params.require("InstanceId")?.to_owned();
            start_stop(state, cx, &[id], true).map(|_| Some(super::Reply::Json(json!({}))))
        }
        "StopInstances" | "StartInstances" => {
            let ids = cx.params.list("InstanceId");
            if ids.is_empty() {
                return Err(ApiError::missing("InstanceId"));
            }
            let start = cx.action == "StartInstances";
            let responses = start_stop(state, cx, &ids, start)?;
            ok(json!({"InstanceResponses": {"InstanceResponse": responses}}))
        }
        "RunCommand" => run_command(state, cx),
        "DescribeInvocations" => describe_invocations(state, cx),
        "DescribeInvocationResults" => describe_invocation_results(state, cx),
        _ => Ok(None),
    }
}

fn region_endpoint(region: &str) -> String {
    format!("ecs.{region}.aliyuncs.com")
}

fn describe_regions(state: &State) -> Outcome {
    let regions: Vec<Value> = state
        .catalog
        .regions
        .iter()
        .map(|r| {
            json!({
                "RegionId": r.region_id,
                "LocalName": r.local_name,
                "RegionEndpoint": region_endpoint(&r.region_id),
                "Status": "available",
            })
        })
        .collect();
    ok(json!({"Regions": {"Region": regions}}))
}

/// Types with stock in a zone.
fn sellable_in(state: &State, zone: &str) -> Vec<String> {
    state
        .catalog
        .offered_in(zone)
        .filter(|(t, _)| state.stock_of(zone, t).is_some_and(StockStatus::has_stock))
        .map(|(t, _)| t.to_owned())
        .collect()
}

const DISK_CATEGORIES: [&str; 4] = ["cloud_essd", "cloud_auto", "cloud_efficiency", "cloud_ssd"];

fn describe_zones(state: &State, cx: &Ctx<'_>) -> Outcome {
    let region = state
        .catalog
        .region(&cx.region)
        .ok_or_else(|| ApiError::not_found("InvalidRegionId.NotFound", "region"))?;
    let verbose = cx.params.get_bool("Verbose")?.unwrap_or(true);
    let zones: Vec<Value> = region
        .zones
        .iter()
        .map(|z| {
            let mut v = json!({
                "ZoneId": z.zone_id,
                "LocalName": z.local_name,
                "ZoneType": "AvailabilityZone",
                "AvailableResourceCreation": {"ResourceTypes": ["VSwitch", "IoOptimized", "Instance", "Disk"]},
                "AvailableDiskCategories": {"DiskCategories": DISK_CATEGORIES},
                "AvailableVolumeCategories": {"VolumeCategories": ["cloud_essd", "cloud_auto"]},
                "AvailableDedicatedHostTypes": {"DedicatedHostType": []},
                "DedicatedHostGenerations": {"DedicatedHostGeneration": []},
            });
            if verbose {
                v["AvailableInstanceTypes"] = json!({"InstanceTypes": sellable_in(state, &z.zone_id)});
            }
            v
        })
        .collect();
    ok(json!({"Zones": {"Zone": zones}}))
}

/// Matches a GPU spec filter: the full spec (`NVIDIA A10`) or the model (`A10`).
fn gpu_matches(state: &State, t: &InstanceType, wanted: &str) -> bool {
    let f = state.catalog.family_of(t);
    let w = wanted.trim();
    f.gpu_spec
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(w))
        || f.gpu_model
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(w))
}

fn type_json(state: &State, t: &InstanceType) -> Value {
    let f = state.catalog.family_of(t);
    let bandwidth = (i64::from(t.cpu) * 800_000).min(64_000_000);
    let enis = (i64::from(t.cpu) / 2).clamp(2, 15);
    json!({
        "InstanceTypeId": t.instance_type,
        "InstanceTypeFamily": t.family,
        "InstanceCategory": f.category,
        "InstanceFamilyLevel": f.level,
        "CpuArchitecture": f.cpu_architecture,
        "PhysicalProcessorModel": f.processor,
        "CpuCoreCount": t.cpu,
        "CpuSpeedFrequency": f.cpu_ghz,
        "CpuTurboFrequency": f.turbo_ghz,
        "MemorySize": t.memory_gib,
        "GPUAmount": t.gpu_amount,
        "GPUSpec": f.gpu_spec.clone().unwrap_or_default(),
        "GPUMemorySize": f.gpu_memory_gib.unwrap_or(0.0),
        "InstanceBandwidthRx": bandwidth,
        "InstanceBandwidthTx": bandwidth,
        "InstancePpsRx": i64::from(t.cpu) * 100_000,
        "InstancePpsTx": i64::from(t.cpu) * 100_000,
        "EniQuantity": enis,
        "EniTotalQuantity": enis,
        "EniPrivateIpAddressQuantity": 10,
        "EniIpv6AddressQuantity": 10,
        "EniTrunkSupported": true,
        "PrimaryEniQueueNumber": t.cpu.min(32),
        "SecondaryEniQueueNumber": t.cpu.min(32),
        "MaximumQueueNumberPerEni": t.cpu.min(32),
        "TotalEniQueueQuantity": t.cpu.min(32) * 2,
        "LocalStorageCategory": "",
        "NvmeSupport": if f.generation == "ecs-6" { "required" } else { "unsupported" },
        "DiskQuantity": 17,
        "NetworkCardQuantity": 1,
        "NetworkEncryptionSupport": false,
        "SupportedBootModes": {"SupportedBootMode": ["BIOS", "UEFI"]},
        "NetworkCards": {"NetworkCardInfo": [{"NetworkCardIndex": 0}]},
    })
}

fn describe_instance_types(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let family = p.get_nonempty("InstanceTypeFamily");
    let families = p.list("InstanceTypeFamilies");
    let types = p.list("InstanceTypes");
    let min_cpu = p.get_i64("MinimumCpuCoreCount")?;
    let max_cpu = p.get_i64("MaximumCpuCoreCount")?;
    let min_mem = p.get_f64("MinimumMemorySize")?;
    let max_mem = p.get_f64("MaximumMemorySize")?;
    let min_gpu = p.get_i64("MinimumGPUAmount")?;
    let max_gpu = p.get_i64("MaximumGPUAmount")?;
    let gpu_spec = p.get_nonempty("GPUSpec");
    let gpu_specs = p.list("GpuSpecs");
    let category = p.get_nonempty("InstanceCategory");
    let categories = p.list("InstanceCategories");
    let arch = p.get_nonempty("CpuArchitecture");
    let archs = p.list("CpuArchitectures");
    let level = p.get_nonempty("InstanceFamilyLevel");
    let max_results = p.get_i64("MaxResults")?.unwrap_or(1600).clamp(1, 1600);
    let matching: Vec<&InstanceType> = state
        .catalog
        .types
        .iter()
        .filter(|t| {
            let f = state.catalog.family_of(t);
            family.is_none_or(|x| t.family == x)
                && (families.is_empty() || families.contains(&t.family))
                && (types.is_empty() || types.contains(&t.instance_type))
                && min_cpu.is_none_or(|x| i64::from(t.cpu) >= x)
                && max_cpu.is_none_or(|x| i64::from(t.cpu) <= x)
                && min_mem.is_none_or(|x| t.memory_gib >= x)
                && max_mem.is_none_or(|x| t.memory_gib <= x)
                && min_gpu.is_none_or(|x| i64::from(t.gpu_amount) >= x)
                && max_gpu.is_none_or(|x| i64::from(t.gpu_amount) <= x)
                && gpu_spec.is_none_or(|x| gpu_matches(state, t, x))
                && (gpu_specs.is_empty() || gpu_specs.iter().any(|x| gpu_matches(state, t, x)))
                && category.is_none_or(|x| f.category == x)
                && (categories.is_empty() || categories.contains(&f.category))
                && arch.is_none_or(|x| f.cpu_architecture.eq_ignore_ascii_case(x))
                && (archs.is_empty()
                    || archs
                        .iter()
                        .any(|x| f.cpu_architecture.eq_ignore_ascii_case(x)))
                && level.is_none_or(|x| f.level == x)
        })
        .collect();
    let (page, next) = token_page(
        &matching,
        p.get("NextToken"),
        usize::try_from(max_results).unwrap_or(1600),
    )?;
    let items: Vec<Value> = page.into_iter().map(|t| type_json(state, t)).collect();
    ok(json!({"InstanceTypes": {"InstanceType": items}, "NextToken": next}))
}

fn describe_families(state: &State, cx: &Ctx<'_>) -> Outcome {
    let generation = cx.params.get_nonempty("Generation");
    let region = state
        .catalog
        .region(&cx.region)
        .ok_or_else(|| ApiError::not_found("InvalidRegionId.NotFound", "region"))?;
    let mut offered: Vec<&str> = Vec::new();
    for z in &region.zones {
        for (t, _) in state.catalog.offered_in(&z.zone_id) {
            if let Some(ty) = state.catalog.instance_type(t) {
                if !offered.contains(&ty.family.as_str()) {
                    offered.push(ty.family.as_str());
                }
            }
        }
    }
    let items: Vec<Value> = state
        .catalog
        .families
        .iter()
        .filter(|f| offered.contains(&f.family.as_str()))
        .filter(|f| generation.is_none_or(|g| f.generation == g))
        .map(|f| json!({"InstanceTypeFamilyId": f.family, "Generation": f.generation}))
        .collect();
    ok(json!({"InstanceTypeFamilies": {"InstanceTypeFamily": items}}))
}

fn supported(value: &str, status: StockStatus) -> Value {
    json!({"Value": value, "Status": status.availability(), "StatusCategory": status.as_str()})
}

fn describe_available_resource(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let destination = p.require("DestinationResource")?;
    let region = state
        .catalog
        .region(&cx.region)
        .ok_or_else(|| ApiError::not_found("InvalidRegionId.NotFound", "region"))?;
    let zone_filter = p.get_nonempty("ZoneId");
    let type_filter = p.get_nonempty("InstanceType");
    let cores = p.get_i64("Cores")?;
    let memory = p.get_f64("Memory")?;
    if let Some(t) = type_filter {
        if state.catalog.instance_type(t).is_none() {
            return Err(ApiError::new(
                400,
                "InvalidInstanceType.ValueNotSupported",
                format!("the instance type {t} does not exist"),
            ));
        }
    }
    let mut zones_out = Vec::new();
    for z in region
        .zones
        .iter()
        .filter(|z| zone_filter.is_none_or(|f| z.zone_id == f))
    {
        let types: Vec<(String, StockStatus)> = state
            .catalog
            .offered_in(&z.zone_id)
            .filter(|(t, _)| type_filter.is_none_or(|f| *t == f))
            .filter_map(|(t, _)| {
                let ty = state.catalog.instance_type(t)?;
                let fits = cores.is_none_or(|c| i64::from(ty.cpu) == c)
                    && memory.is_none_or(|m| (ty.memory_gib - m).abs() < 0.01);
                fits.then(|| {
                    (
                        t.to_owned(),
                        state
                            .stock_of(&z.zone_id, t)
                            .unwrap_or(StockStatus::WithoutStock),
                    )
                })
            })
            .collect();
        let zone_status = if types.iter().any(|(_, s)| s.has_stock()) {
            StockStatus::WithStock
        } else {
            StockStatus::WithoutStock
        };
        let resources: Vec<Value> = match destination {
            "InstanceType" => {
                if types.is_empty() {
                    continue;
                }
                vec![json!({
                    "Type": "InstanceType",
                    "SupportedResources": {"SupportedResource":
                        types.iter().map(|(t, s)| supported(t, *s)).collect::<Vec<_>>()},
                })]
            }
            "Zone" => vec![json!({
                "Type": "Zone",
                "SupportedResources": {"SupportedResource": [supported(&z.zone_id, zone_status)]},
            })],
            "SystemDisk" | "DataDisk" => {
                if type_filter.is_some() && types.is_empty() {
                    continue;
                }
                let (min, max) = if destination == "SystemDisk" {
                    (20, 2048)
                } else {
                    (20, 32768)
                };
                let items: Vec<Value> = DISK_CATEGORIES
                    .iter()
                    .map(|c| {
                        json!({"Value": c, "Status": "Available", "StatusCategory": "WithStock",
                               "Min": min, "Max": max, "Unit": "GiB"})
                    })
                    .collect();
                vec![
                    json!({"Type": destination, "SupportedResources": {"SupportedResource": items}}),
                ]
            }
            "IoOptimized" => vec![json!({
                "Type": "IoOptimized",
                "SupportedResources": {"SupportedResource": [supported("optimized", StockStatus::WithStock)]},
            })],
            "Network" => vec![json!({
                "Type": "Network",
                "SupportedResources": {"SupportedResource": [supported("vpc", StockStatus::WithStock)]},
            })],
            other => {
                return Err(ApiError::invalid(
                    "DestinationResource",
                    format!(
                        "`{other}` is not one of Zone, IoOptimized, InstanceType, SystemDisk, DataDisk, Network"
                    ),
                ));
            }
        };
        zones_out.push(json!({
            "RegionId": region.region_id,
            "ZoneId": z.zone_id,
            "Status": zone_status.availability(),
            "StatusCategory": zone_status.as_str(),
            "AvailableResources": {"AvailableResource": resources},
        }));
    }
    ok(json!({"AvailableZones": {"AvailableZone": zones_out}}))
}

fn recommend(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    p.require("NetworkType")?;
    let region = state
        .catalog
        .region(&cx.region)
        .ok_or_else(|| ApiError::not_found("InvalidRegionId.NotFound", "region"))?;
    let base = match p.get_nonempty("InstanceType") {
        Some(t) => Some(state.catalog.instance_type(t).ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidInstanceType.ValueNotSupported",
                format!("the instance type {t} does not exist"),
            )
        })?),
        None => None,
    };
    let cores = p.get_i64("Cores")?.or(base.map(|b| i64::from(b.cpu)));
    let memory = p.get_f64("Memory")?.or(base.map(|b| b.memory_gib));
    if cores.is_none() && memory.is_none() {
        return Err(ApiError::missing("InstanceType"));
    }
    let families = p.list("InstanceTypeFamily");
    let level = p.get_nonempty("InstanceFamilyLevel");
    let zone_filter = p.get_nonempty("ZoneId");
    let price_first = p.get("PriorityStrategy") == Some("PriceFirst");
    let base_gpu = base.map(|b| (b.gpu_amount, state.catalog.family_of(b).gpu_model.clone()));
    let mut candidates: Vec<(StockStatus, f64, &InstanceType, String)> = Vec::new();
    for z in region
        .zones
        .iter()
        .filter(|z| zone_filter.is_none_or(|f| z.zone_id == f))
    {
        for (t, _) in state.catalog.offered_in(&z.zone_id) {
            let Some(ty) = state.catalog.instance_type(t) else {
                continue;
            };
            let f = state.catalog.family_of(ty);
            let fits = cores.is_none_or(|c| i64::from(ty.cpu) == c)
                && memory.is_none_or(|m| {
                    (ty.memory_gib - m).abs() < 0.01 || ty.memory_gib >= m && base.is_none()
                })
                && (families.is_empty() || families.contains(&ty.family))
                && level.is_none_or(|l| f.level == l)
                && base_gpu
                    .as_ref()
                    .is_none_or(|(n, m)| ty.gpu_amount == *n && f.gpu_model == *m);
            let stock = state
                .stock_of(&z.zone_id, t)
                .unwrap_or(StockStatus::WithoutStock);
            if fits && stock.has_stock() {
                candidates.push((
                    stock,
                    state.catalog.hourly_price(ty, &region.region_id),
                    ty,
                    z.zone_id.clone(),
                ));
            }
        }
    }
    candidates.sort_by(|a, b| {
        let by_stock = (a.0 != StockStatus::WithStock).cmp(&(b.0 != StockStatus::WithStock));
        let by_price = a.1.total_cmp(&b.1);
        if price_first {
            by_price.then(by_stock)
        } else {
            by_stock.then(by_price)
        }
        .then(a.2.instance_type.cmp(&b.2.instance_type))
        .then(a.3.cmp(&b.3))
    });
    let items: Vec<Value> = candidates
        .iter()
        .take(20)
        .enumerate()
        .map(|(i, (_, _, ty, zone))| {
            let f = state.catalog.family_of(ty);
            json!({
                "RegionId": region.region_id,
                "ZoneId": zone,
                "CommodityCode": "ecs",
                "Scene": p.get("Scene").unwrap_or("CREATE"),
                "InstanceChargeType": p.get("InstanceChargeType").unwrap_or("PostPaid"),
                "SpotStrategy": p.get("SpotStrategy").unwrap_or("NoSpot"),
                "NetworkType": "vpc",
                "Priority": i + 1,
                "InstanceType": {
                    "InstanceType": ty.instance_type,
                    "InstanceTypeFamily": ty.family,
                    "Generation": f.generation,
                    "Cores": ty.cpu,
                    "Memory": (ty.memory_gib * 1024.0).round() as i64,
                    "SupportIoOptimized": "optimized",
                },
                "Zones": {"zone": [{"ZoneNo": zone, "NetworkTypes": {"NetworkType": ["vpc"]}}]},
            })
        })
        .collect();
    ok(json!({"Data": {"RecommendInstanceType": items}}))
}

/// Price of one GiB of disk per hour.
fn disk_price(category: &str) -> f64 {
    match category {
        "cloud_efficiency" => 0.0005,
        "cloud_ssd" => 0.001,
        "cloud_auto" => 0.0013,
        "cloud_essd_entry" => 0.0007,
        _ => 0.0014,
    }
}

fn price_item(resource: &str, original: f64) -> Value {
    json!({
        "Resource": resource,
        "OriginalPrice": round3(original),
        "DiscountPrice": 0.0,
        "TradePrice": round3(original),
        "SubRules": {"Rule": []},
    })
}

fn describe_price(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let resource_type = p.get_nonempty("ResourceType").unwrap_or("instance");
    let unit = p.get_nonempty("PriceUnit").unwrap_or("Hour");
    let hours = match unit {
        "Hour" => 1.0,
        "Week" => 24.0 * 7.0,
        "Month" => 24.0 * 30.0,
        "Year" => 24.0 * 365.0,
        other => {
            return Err(ApiError::invalid(
                "PriceUnit",
                format!("`{other}` is not Hour, Week, Month or Year"),
            ));
        }
    };
    let period = p.get_i64("Period")?.unwrap_or(1).max(1) as f64;
    let amount = p.get_i64("Amount")?.unwrap_or(1).max(1) as f64;
    let mut details = Vec::new();
    if resource_type == "instance" {
        let t = p.require("InstanceType")?;
        let ty = state.catalog.instance_type(t).ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidInstanceType.ValueNotSupported",
                format!("the instance type {t} does not exist"),
            )
        })?;
        let mut hourly = state.catalog.hourly_price(ty, &cx.region);
        if matches!(
            p.get("SpotStrategy"),
            Some("SpotAsPriceGo" | "SpotWithPriceLimit")
        ) {
            hourly *= 0.2;
        }
        let image_is_windows = p
            .get_nonempty("ImageId")
            .is_some_and(|i| i.starts_with("win"));
        if image_is_windows {
            details.push(price_item(
                "image",
                0.05 * f64::from(ty.cpu) * hours * period * amount,
            ));
        }
        details.push(price_item("instanceType", hourly * hours * period * amount));
    }
    if resource_type == "instance" || resource_type == "disk" {
        let category = p
            .get_nonempty("SystemDisk.Category")
            .unwrap_or("cloud_efficiency");
        let size = p.get_i64("SystemDisk.Size")?.unwrap_or(40).max(1) as f64;
        details.push(price_item(
            "systemDisk",
            disk_price(category) * size * hours * period * amount,
        ));
        let disks = p.objects("DataDisk");
        let mut data = 0.0;
        for d in &disks {
            let size: f64 = d.get("Size").and_then(|s| s.parse().ok()).unwrap_or(0.0);
            let category = d.get("Category").map_or("cloud_efficiency", String::as_str);
            data += disk_price(category) * size;
        }
        if data > 0.0 {
            details.push(price_item("dataDisk", data * hours * period * amount));
        }
    }
    if p.get("InternetChargeType") == Some("PayByBandwidth") {
        let bw = p.get_i64("InternetMaxBandwidthOut")?.unwrap_or(0).max(0) as f64;
        if bw > 0.0 {
            details.push(price_item(
                "bandwidth",
                0.063 * bw * hours * period * amount,
            ));
        }
    }
    let total: f64 = details
        .iter()
        .map(|d| d["OriginalPrice"].as_f64().unwrap_or(0.0))
        .sum();
    let total = round3(total);
    ok(json!({
        "PriceInfo": {
            "Price": {
                "Currency": state.catalog.currency,
                "OriginalPrice": total,
                "DiscountPrice": 0.0,
                "TradePrice": total,
                "DetailInfos": {"DetailInfo": details},
            },
            "Rules": {"Rule": []},
        }
    }))
}

fn image_json(i: &crate::catalog::EcsImage) -> Value {
    let name = i.image_id.trim_end_matches(".vhd");
    let version = name.rsplit('_').next().unwrap_or_default();
    json!({
        "ImageId": i.image_id,
        "ImageName": name,
        "ImageFamily": i.image_family,
        "ImageVersion": version,
        "OSName": i.os_name_en,
        "OSNameEn": i.os_name_en,
        "OSType": i.os_type,
        "Platform": i.platform,
        "Architecture": i.architecture,
        "Size": i.size_gib,
        "Status": "Available",
        "ImageOwnerAlias": "system",
        "IsPublic": true,
        "IsCopied": false,
        "IsSelfShared": "",
        "IsSubscribed": false,
        "CreationTime": i.creation_time,
        "Description": format!("{} (package manager: {})", i.os_name_en, i.package_manager),
        "Usage": "instance",
        "IsSupportIoOptimized": true,
        "IsSupportCloudinit": i.os_type == "linux",
        "BootMode": "BIOS",
        "Progress": "100%",
        "ProductCode": "",
        "LoginAsNonRootSupported": i.os_type == "linux",
        "Features": {"NvmeSupport": "supported"},
        "Tags": {"Tag": []},
        "DiskDeviceMappings": {"DiskDeviceMapping": [{
            "Device": "/dev/xvda", "Size": i.size_gib.to_string(), "Type": "system",
            "Format": "", "ImportOSSBucket": "", "ImportOSSObject": "", "Progress": "100%",
            "RemainTime": 0, "SnapshotId": "",
        }]},
    })
}

fn image_arch_fits(state: &State, image_arch: &str, instance_type: &str) -> bool {
    let Some(t) = state.catalog.instance_type(instance_type) else {
        return true;
    };
    let arm = state.catalog.family_of(t).cpu_architecture == "ARM";
    arm == (image_arch == "arm64")
}

fn describe_images(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let ids = p.list("ImageId");
    let family = p.get_nonempty("ImageFamily");
    let name = p.get_nonempty("ImageName");
    let os_type = p.get_nonempty("OSType");
    let arch = p.get_nonempty("Architecture");
    let owner = p.get_nonempty("ImageOwnerAlias");
    let status = p.get_nonempty("Status");
    let instance_type = p.get_nonempty("InstanceType");
    let (number, size) = p.page(10, 100)?;
    let mut matching: Vec<&crate::catalog::EcsImage> = state
        .catalog
        .images
        .iter()
        .filter(|i| ids.is_empty() || ids.contains(&i.image_id))
        .filter(|i| family.is_none_or(|f| i.image_family == f))
        .filter(|i| {
            name.is_none_or(|n| {
                let n = n.trim_end_matches('*');
                i.image_id.starts_with(n)
            })
        })
        .filter(|i| os_type.is_none_or(|o| i.os_type.eq_ignore_ascii_case(o)))
        .filter(|i| arch.is_none_or(|a| i.architecture == a))
        .filter(|_| owner.is_none_or(|o| o == "system"))
        .filter(|_| status.is_none_or(|s| s.split(',').any(|x| x == "Available")))
        .filter(|i| instance_type.is_none_or(|t| image_arch_fits(state, &i.architecture, t)))
        .collect();
    matching.sort_by(|a, b| b.creation_time.cmp(&a.creation_time));
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(image_json)
        .collect();
    ok(json!({
        "Images": {"Image": items}, "TotalCount": total, "PageNumber": number,
        "PageSize": size, "RegionId": cx.region,
    }))
}

fn create_security_group(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    if let Some(token) = p.get_nonempty("ClientToken") {
        if let Some(ids) = state.ecs.tokens.get(token) {
            return ok(json!({"SecurityGroupId": ids[0]}));
        }
    }
    let vpc_id = p.require("VpcId")?;
    let vpc = state
        .vpc
        .vpcs
        .get(vpc_id)
        .filter(|v| v.region == cx.region)
        .ok_or_else(|| {
            ApiError::not_found(
                "InvalidVpcId.NotFound",
                format!("VPC {vpc_id} in {}", cx.region),
            )
        })?;
    let vpc_id = vpc.id.clone();
    let id = state.regional_id("sg", &cx.region);
    state.ecs.security_groups.insert(
        id.clone(),
        SecurityGroup {
            id: id.clone(),
            region: cx.region.clone(),
            vpc_id,
            name: p.get("SecurityGroupName").unwrap_or_default().to_owned(),
            description: p.get("Description").unwrap_or_default().to_owned(),
            group_type: p
                .get_nonempty("SecurityGroupType")
                .unwrap_or("normal")
                .to_owned(),
            rules: Vec::new(),
            created: cx.now,
            seeded: false,
        },
    );
    if let Some(token) = p.get_nonempty("ClientToken") {
        state.ecs.tokens.insert(token.to_owned(), vec![id.clone()]);
    }
    ok(json!({"SecurityGroupId": id}))
}

fn find_group<'a>(state: &'a mut State, id: &str) -> Result<&'a mut SecurityGroup, ApiError> {
    state.ecs.security_groups.get_mut(id).ok_or_else(|| {
        ApiError::not_found(
            "InvalidSecurityGroupId.NotFound",
            format!("security group {id}"),
        )
    })
}

fn normalize_protocol(p: &str) -> Option<&'static str> {
    match p.to_ascii_lowercase().as_str() {
        "tcp" => Some("TCP"),
        "udp" => Some("UDP"),
        "icmp" => Some("ICMP"),
        "icmpv6" => Some("ICMPv6"),
        "gre" => Some("GRE"),
        "all" => Some("ALL"),
        _ => None,
    }
}

fn check_port_range(range: &str) -> bool {
    let Some((a, b)) = range.split_once('/') else {
        return false;
    };
    match (a.parse::<i32>(), b.parse::<i32>()) {
        (Ok(-1), Ok(-1)) => true,
        (Ok(a), Ok(b)) => (1..=65535).contains(&a) && (a..=65535).contains(&b),
        _ => false,
    }
}

fn authorize(state: &mut State, cx: &Ctx<'_>, direction: &'static str) -> Outcome {
    let p = cx.params;
    let sg_id = p.require("SecurityGroupId")?.to_owned();
    let mut specs: Vec<BTreeMap<String, String>> = p.objects("Permissions");
    let top: BTreeMap<String, String> = p
        .pairs()
        .iter()
        .filter(|(k, _)| !k.contains('.'))
        .cloned()
        .collect();
    if specs.is_empty() {
        specs.push(top);
    }
    let mut rules = Vec::new();
    for spec in &specs {
        let field = |k: &str| spec.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let protocol_text = field("IpProtocol").ok_or_else(|| ApiError::missing("IpProtocol"))?;
        let protocol = normalize_protocol(protocol_text).ok_or_else(|| {
            ApiError::invalid(
                "IpProtocol",
                format!("`{protocol_text}` is not TCP, UDP, ICMP, GRE or ALL"),
            )
        })?;
        let port_range = match (protocol, field("PortRange")) {
            ("TCP" | "UDP", None) => return Err(ApiError::missing("PortRange")),
            (_, Some(r)) => r.to_owned(),
            (_, None) => "-1/-1".to_owned(),
        };
        if !check_port_range(&port_range) {
            return Err(ApiError::new(
                400,
                "InvalidPortRange.Malformed",
                format!("`{port_range}` is not a port range like 22/22"),
            ));
        }
        let cidr_key = if direction == "ingress" {
            "SourceCidrIp"
        } else {
            "DestCidrIp"
        };
        let cidr = field(cidr_key)
            .or_else(|| {
                field(if direction == "ingress" {
                    "Ipv6SourceCidrIp"
                } else {
                    "Ipv6DestCidrIp"
                })
            })
            .or_else(|| {
                field(if direction == "ingress" {
                    "SourceGroupId"
                } else {
                    "DestGroupId"
                })
            })
            .ok_or_else(|| ApiError::missing(cidr_key))?
            .to_owned();
        let policy = field("Policy").unwrap_or("accept").to_ascii_lowercase();
        if policy != "accept" && policy != "drop" {
            return Err(ApiError::invalid("Policy", "must be accept or drop"));
        }
        let priority = field("Priority").unwrap_or("1").to_owned();
        rules.push((
            protocol,
            port_range,
            cidr,
            policy,
            priority,
            field("Description").unwrap_or_default().to_owned(),
            field("NicType").unwrap_or("intranet").to_owned(),
        ));
    }
    let ids: Vec<String> = (0..rules.len())
        .map(|_| format!("sgr-{}", state.alnum(18)))
        .collect();
    let group = find_group(state, &sg_id)?;
    for ((protocol, port_range, cidr, policy, priority, description, nic_type), id) in
        rules.into_iter().zip(ids)
    {
        let exists = group.rules.iter().any(|r| {
            r.direction == direction
                && r.protocol == protocol
                && r.port_range == port_range
                && r.cidr == cidr
                && r.policy == policy
        });
        if !exists {
            group.rules.push(Rule {
                id,
                direction,
                protocol: protocol.to_owned(),
                port_range,
                cidr,
                policy,
                priority,
                description,
                nic_type,
                created: cx.now,
            });
        }
    }
    ok(json!({}))
}

fn instances_using(state: &State, sg_id: &str) -> usize {
    state
        .ecs
        .instances
        .values()
        .filter(|i| i.security_group_ids.iter().any(|s| s == sg_id))
        .count()
}

fn describe_security_groups(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let mut ids = p.list("SecurityGroupIds");
    if let Some(id) = p.get_nonempty("SecurityGroupId") {
        ids.push(id.to_owned());
    }
    let vpc_id = p.get_nonempty("VpcId");
    let name = p.get_nonempty("SecurityGroupName");
    let (number, size) = p.page(10, 100)?;
    let matching: Vec<&SecurityGroup> = state
        .ecs
        .security_groups
        .values()
        .filter(|g| g.region == cx.region)
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .filter(|g| vpc_id.is_none_or(|v| g.vpc_id == v))
        .filter(|g| name.is_none_or(|n| g.name == n))
        .collect();
    let total = matching.len();
    let (page, next) =
        if p.get_nonempty("MaxResults").is_some() || p.get_nonempty("NextToken").is_some() {
            let max =
                usize::try_from(p.get_i64("MaxResults")?.unwrap_or(10).clamp(1, 100)).unwrap_or(10);
            token_page(&matching, p.get("NextToken"), max)?
        } else {
            (page_of(&matching, number, size), String::new())
        };
    let items: Vec<Value> = page
        .into_iter()
        .map(|g| {
            let count = instances_using(state, &g.id);
            json!({
                "SecurityGroupId": g.id,
                "SecurityGroupName": g.name,
                "Description": g.description,
                "VpcId": g.vpc_id,
                "SecurityGroupType": g.group_type,
                "CreationTime": iso_seconds(g.created),
                "EcsCount": count,
                "AvailableInstanceAmount": 2000usize.saturating_sub(count),
                "ResourceGroupId": "",
                "ServiceManaged": false,
                "ServiceID": 0,
                "Tags": {"Tag": []},
            })
        })
        .collect();
    ok(json!({
        "SecurityGroups": {"SecurityGroup": items}, "TotalCount": total, "PageNumber": number,
        "PageSize": size, "RegionId": cx.region, "NextToken": next,
    }))
}

fn describe_security_group_attribute(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.params.require("SecurityGroupId")?.to_owned();
    let direction = cx
        .params
        .get_nonempty("Direction")
        .unwrap_or("all")
        .to_owned();
    let group = find_group(state, &id)?;
    let rules: Vec<Value> = group
        .rules
        .iter()
        .filter(|r| direction == "all" || r.direction == direction)
        .map(|r| {
            let (src, dst) = if r.direction == "ingress" {
                (r.cidr.as_str(), "")
            } else {
                ("", r.cidr.as_str())
            };
            json!({
                "SecurityGroupRuleId": r.id,
                "Direction": r.direction,
                "IpProtocol": r.protocol,
                "PortRange": r.port_range,
                "SourceCidrIp": src,
                "DestCidrIp": dst,
                "Policy": r.policy,
                "Priority": r.priority,
                "Description": r.description,
                "NicType": r.nic_type,
                "CreateTime": iso_seconds(r.created),
                "SourcePortRange": "",
                "SourceGroupId": "",
                "DestGroupId": "",
                "Ipv6SourceCidrIp": "",
                "Ipv6DestCidrIp": "",
            })
        })
        .collect();
    ok(json!({
        "SecurityGroupId": group.id,
        "SecurityGroupName": group.name,
        "Description": group.description,
        "VpcId": group.vpc_id,
        "RegionId": group.region,
        "InnerAccessPolicy": "Accept",
        "Permissions": {"Permission": rules},
    }))
}

fn delete_security_group(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.params.require("SecurityGroupId")?.to_owned();
    find_group(state, &id)?;
    let users = instances_using(state, &id);
    if users > 0 {
        return Err(ApiError::new(
            403,
            "DependencyViolation",
            format!(
                "security group {id} is still used by {users} instance(s) (released instances detach a few seconds after deletion)"
            ),
        ));
    }
    state.ecs.security_groups.remove(&id);
    ok(json!({}))
}

fn no_such_type(t: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidInstanceType.ValueNotSupported",
        format!("the instance type {t} does not exist"),
    )
}

fn run_instances(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    if let Some(token) = p.get_nonempty("ClientToken") {
        if let Some(ids) = state.ecs.tokens.get(token) {
            return ok(json!({
                "InstanceIdSets": {"InstanceIdSet": ids}, "OrderId": "", "TradePrice": 0.0,
            }));
        }
    }
    let type_id = p.require("InstanceType")?.to_owned();
    let ty = state
        .catalog
        .instance_type(&type_id)
        .ok_or_else(|| no_such_type(&type_id))?
        .clone();
    let image = match (p.get_nonempty("ImageId"), p.get_nonempty("ImageFamily")) {
        (Some(id), _) => state
            .catalog
            .images
            .iter()
            .find(|i| i.image_id == id)
            .ok_or_else(|| ApiError::not_found("InvalidImageId.NotFound", format!("image {id}")))?,
        (None, Some(family)) => state
            .catalog
            .images
            .iter()
            .filter(|i| i.image_family == family)
            .max_by(|a, b| a.creation_time.cmp(&b.creation_time))
            .ok_or_else(|| {
                ApiError::not_found(
                    "InvalidImageFamily.NotFound",
                    format!("image family {family}"),
                )
            })?,
        (None, None) => return Err(ApiError::missing("ImageId")),
    }
    .clone();
    if !image_arch_fits(state, &image.architecture, &type_id) {
        return Err(ApiError::new(
            400,
            "InvalidImageId.NotSupported",
            format!(
                "image {} ({}) cannot run on instance type {type_id}",
                image.image_id, image.architecture
            ),
        ));
    }
    let vsw_id = p.require("VSwitchId")?.to_owned();
    let vsw = state
        .vpc
        .vswitches
        .get(&vsw_id)
        .filter(|v| v.region == cx.region)
        .ok_or_else(|| {
            ApiError::not_found(
                "InvalidVSwitchId.NotFound",
                format!("vSwitch {vsw_id} in {}", cx.region),
            )
        })?
        .clone();
    if let Some(zone) = p.get_nonempty("ZoneId") {
        if zone != vsw.zone {
            return Err(ApiError::new(
                400,
                "InvalidVSwitchId.ZoneMismatch",
                format!("vSwitch {vsw_id} is in zone {}, not {zone}", vsw.zone),
            ));
        }
    }
    let mut sg_ids = p.list("SecurityGroupIds");
    if let Some(sg) = p.get_nonempty("SecurityGroupId") {
        sg_ids.insert(0, sg.to_owned());
    }
    if sg_ids.is_empty() {
        return Err(ApiError::missing("SecurityGroupId"));
    }
    for sg in &sg_ids {
        let group = state.ecs.security_groups.get(sg).ok_or_else(|| {
            ApiError::not_found(
                "InvalidSecurityGroupId.NotFound",
                format!("security group {sg}"),
            )
        })?;
        if group.vpc_id != vsw.vpc_id {
            return Err(ApiError::new(
                400,
                "InvalidSecurityGroupId.VPCMismatch",
                format!(
                    "security group {sg} belongs to {}, the vSwitch to {}",
                    group.vpc_id, vsw.vpc_id
                ),
            ));
        }
    }
    let amount = p.get_i64("Amount")?.unwrap_or(1);
    if !(1..=100).contains(&amount) {
        return Err(ApiError::invalid("Amount", "must be between 1 and 100"));
    }
    match state.stock_of(&vsw.zone, &type_id) {
        None => {
            return Err(ApiError::new(
                403,
                "InvalidResourceType.NotSupported",
                format!(
                    "instance type {type_id} is not offered in zone {}",
                    vsw.zone
                ),
            ));
        }
        Some(StockStatus::WithoutStock) => {
            return Err(ApiError::new(
                403,
                "OperationDenied.NoStock",
                format!(
                    "instance type {type_id} is out of stock in zone {}; try another zone or type",
                    vsw.zone
                ),
            ));
        }
        Some(_) => {}
    }
    if p.get_bool("DryRun")? == Some(true) {
        return Err(ApiError::new(
            400,
            "DryRunOperation",
            "the request would have succeeded (DryRun)",
        ));
    }
    let bandwidth_out = p.get_i64("InternetMaxBandwidthOut")?.unwrap_or(0);
    let name = p
        .get_nonempty("InstanceName")
        .unwrap_or_default()
        .to_owned();
    let tags: Vec<(String, String)> = p
        .objects("Tag")
        .into_iter()
        .filter_map(|t| {
            Some((
                t.get("Key")?.clone(),
                t.get("Value").cloned().unwrap_or_default(),
            ))
        })
        .collect();
    let used = state
        .ecs
        .instances
        .values()
        .filter(|i| i.vswitch_id == vsw_id)
        .count() as u32;
    let mut ids = Vec::new();
    for n in 0..u32::try_from(amount).unwrap_or(1) {
        let id = state.regional_id("i", &cx.region);
        let public_ip = (bandwidth_out > 0).then(|| {
            let a = state.rng_octet();
            let b = state.rng_octet();
            format!("47.96.{a}.{b}")
        });
        let mut status = Lifecycle::new(cx.now, "Pending");
        if cx.fail_after_create.is_some() {
            status.schedule(cx.now, &[(Duration::from_secs(10), "Stopped")]);
        } else {
            status.schedule(
                cx.now,
                &[
                    (Duration::from_secs(3), "Starting"),
                    (Duration::from_secs(7), "Running"),
                ],
            );
        }
        let instance_name = if name.is_empty() {
            id.clone()
        } else {
            name.clone()
        };
        state.ecs.instances.insert(
            id.clone(),
            Instance {
                id: id.clone(),
                region: cx.region.clone(),
                zone: vsw.zone.clone(),
                instance_type: type_id.clone(),
                image_id: image.image_id.clone(),
                name: instance_name,
                host_name: p
                    .get_nonempty("HostName")
                    .map_or_else(|| format!("iZ{}Z", &id[2..]), str::to_owned),
                description: p.get("Description").unwrap_or_default().to_owned(),
                vpc_id: vsw.vpc_id.clone(),
                vswitch_id: vsw_id.clone(),
                security_group_ids: sg_ids.clone(),
                private_ip: vsw.cidr.nth(used + n + 10),
                public_ip,
                internet_charge_type: p
                    .get_nonempty("InternetChargeType")
                    .unwrap_or("PayByTraffic")
                    .to_owned(),
                bandwidth_out,
                spot_strategy: p
                    .get_nonempty("SpotStrategy")
                    .unwrap_or("NoSpot")
                    .to_owned(),
                key_pair: p.get("KeyPairName").unwrap_or_default().to_owned(),
                deletion_protection: p.get_bool("DeletionProtection")?.unwrap_or(false),
                tags: tags.clone(),
                status,
                created: cx.now,
                released_at: None,
            },
        );
        ids.push(id);
    }
    if let Some(token) = p.get_nonempty("ClientToken") {
        state.ecs.tokens.insert(token.to_owned(), ids.clone());
    }
    let price = state.catalog.hourly_price(&ty, &cx.region) * amount as f64;
    let order = format!("2{}", state.digits(14));
    ok(json!({
        "InstanceIdSets": {"InstanceIdSet": ids},
        "OrderId": order,
        "TradePrice": round3(price),
    }))
}

impl State {
    fn rng_octet(&mut self) -> u8 {
        use rand::Rng;
        self.rng.random_range(1..=254)
    }

    fn digits(&mut self, n: usize) -> String {
        use rand::Rng;
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }
}

fn instance_json(state: &State, i: &Instance) -> Value {
    let ty = state.catalog.instance_type(&i.instance_type);
    let family = ty.map(|t| state.catalog.family_of(t));
    let image = state
        .catalog
        .images
        .iter()
        .find(|m| m.image_id == i.image_id);
    let started = i
        .status
        .entered(&"Running")
        .map(iso_minutes)
        .unwrap_or_default();
    json!({
        "InstanceId": i.id,
        "InstanceName": i.name,
        "HostName": i.host_name,
        "Description": i.description,
        "ImageId": i.image_id,
        "InstanceType": i.instance_type,
        "InstanceTypeFamily": ty.map(|t| t.family.clone()).unwrap_or_default(),
        "Cpu": ty.map_or(0, |t| t.cpu),
        "Memory": ty.map_or(0, |t| (t.memory_gib * 1024.0).round() as i64),
        "GPUAmount": ty.map_or(0, |t| t.gpu_amount),
        "GPUSpec": family.and_then(|f| f.gpu_spec.clone()).unwrap_or_default(),
        "OSName": image.map(|m| m.os_name_en.clone()).unwrap_or_default(),
        "OSNameEn": image.map(|m| m.os_name_en.clone()).unwrap_or_default(),
        "OSType": image.map(|m| m.os_type.clone()).unwrap_or_default(),
        "RegionId": i.region,
        "ZoneId": i.zone,
        "Status": i.status.status(),
        "CreationTime": iso_minutes(i.created),
        "StartTime": started,
        "ExpiredTime": "2099-12-31T15:59Z",
        "AutoReleaseTime": "",
        "InstanceChargeType": "PostPaid",
        "InternetChargeType": i.internet_charge_type,
        "InternetMaxBandwidthOut": i.bandwidth_out,
        "InternetMaxBandwidthIn": if i.bandwidth_out > 0 { 100 } else { 0 },
        "InstanceNetworkType": "vpc",
        "IoOptimized": true,
        "SpotStrategy": i.spot_strategy,
        "SpotPriceLimit": 0.0,
        "SpotDuration": 0,
        "KeyPairName": i.key_pair,
        "DeletionProtection": i.deletion_protection,
        "DeviceAvailable": true,
        "Recyclable": false,
        "StoppedMode": if *i.status.status() == "Stopped" { "KeepCharging" } else { "Not-applicable" },
        "SerialNumber": format!("{}-emulator", &i.id[2..]),
        "CreditSpecification": if i.instance_type.starts_with("ecs.t6") { "Standard" } else { "" },
        "ResourceGroupId": "",
        "VpcAttributes": {
            "VpcId": i.vpc_id,
            "VSwitchId": i.vswitch_id,
            "PrivateIpAddress": {"IpAddress": [i.private_ip]},
            "NatIpAddress": "",
        },
        "PublicIpAddress": {"IpAddress": i.public_ip.iter().collect::<Vec<_>>()},
        "InnerIpAddress": {"IpAddress": []},
        "RdmaIpAddress": {"IpAddress": []},
        "SecurityGroupIds": {"SecurityGroupId": i.security_group_ids},
        "NetworkInterfaces": {"NetworkInterface": [{
            "NetworkInterfaceId": format!("eni-{}", &i.id[2..]),
            "Type": "Primary",
            "MacAddress": "00:16:3e:00:00:01",
            "PrimaryIpAddress": i.private_ip,
            "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": i.private_ip, "Primary": true}]},
        }]},
        "OperationLocks": {"LockReason": []},
        "Tags": {"Tag": i.tags.iter().map(|(k, v)| json!({"TagKey": k, "TagValue": v})).collect::<Vec<_>>()},
        "CpuOptions": {"CoreCount": ty.map_or(0, |t| t.cpu / 2), "ThreadsPerCore": 2, "Numa": "", "TopologyType": ""},
        "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "optional", "HttpPutResponseHopLimit": 1},
        "HibernationOptions": {"Configured": false},
        "ImageOptions": {"LoginAsNonRoot": false},
    })
}

fn visible<'a>(state: &'a State, region: &str) -> impl Iterator<Item = &'a Instance> {
    let region = region.to_owned();
    state
        .ecs
        .instances
        .values()
        .filter(move |i| i.released_at.is_none() && i.region == region)
}

fn tag_filters(p: &Params) -> Vec<(String, Option<String>)> {
    p.objects("Tag")
        .into_iter()
        .filter_map(|t| Some((t.get("Key")?.clone(), t.get("Value").cloned())))
        .collect()
}

fn describe_instances(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let ids = p.list("InstanceIds");
    let vpc = p.get_nonempty("VpcId");
    let vsw = p.get_nonempty("VSwitchId");
    let zone = p.get_nonempty("ZoneId");
    let sg = p.get_nonempty("SecurityGroupId");
    let status = p.get_nonempty("Status");
    let name = p.get_nonempty("InstanceName");
    let ty = p.get_nonempty("InstanceType");
    let family = p.get_nonempty("InstanceTypeFamily");
    let tags = tag_filters(p);
    let matching: Vec<&Instance> = visible(state, &cx.region)
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| vpc.is_none_or(|v| i.vpc_id == v))
        .filter(|i| vsw.is_none_or(|v| i.vswitch_id == v))
        .filter(|i| zone.is_none_or(|z| i.zone == z))
        .filter(|i| sg.is_none_or(|s| i.security_group_ids.iter().any(|x| x == s)))
        .filter(|i| status.is_none_or(|s| *i.status.status() == s))
        .filter(|i| {
            name.is_none_or(|n| match n.strip_suffix('*') {
                Some(prefix) => i.name.starts_with(prefix),
                None => i.name == n,
            })
        })
        .filter(|i| ty.is_none_or(|t| i.instance_type == t))
        .filter(|i| family.is_none_or(|f| i.instance_type.starts_with(&format!("{f}."))))
        .filter(|i| {
            tags.iter().all(|(k, v)| {
                i.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && v.as_ref().is_none_or(|v| v == tv))
            })
        })
        .collect();
    let total = matching.len();
    let (number, size) = p.page(10, 100)?;
    let (page, next) =
        if p.get_nonempty("MaxResults").is_some() || p.get_nonempty("NextToken").is_some() {
            let max =
                usize::try_from(p.get_i64("MaxResults")?.unwrap_or(10).clamp(1, 100)).unwrap_or(10);
            token_page(&matching, p.get("NextToken"), max)?
        } else {
            (page_of(&matching, number, size), String::new())
        };
    let items: Vec<Value> = page.into_iter().map(|i| instance_json(state, i)).collect();
    ok(json!({
        "Instances": {"Instance": items}, "TotalCount": total, "PageNumber": number,
        "PageSize": size, "NextToken": next,
    }))
}

fn describe_instance_status(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let ids = p.list("InstanceId");
    let zone = p.get_nonempty("ZoneId");
    let (number, size) = p.page(10, 50)?;
    let matching: Vec<Value> = visible(state, &cx.region)
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| zone.is_none_or(|z| i.zone == z))
        .map(|i| json!({"InstanceId": i.id, "Status": i.status.status()}))
        .collect();
    let total = matching.len();
    ok(json!({
        "InstanceStatuses": {"InstanceStatus": page_of(&matching, number, size)},
        "TotalCount": total, "PageNumber": number, "PageSize": size,
    }))
}

fn not_found_instance(id: &str) -> ApiError {
    ApiError::not_found("InvalidInstanceId.NotFound", format!("instance {id}"))
}

fn delete_instances(state: &mut State, cx: &Ctx<'_>, ids: &[String]) -> Outcome {
    let force = cx.params.get_bool("Force")?.unwrap_or(false);
    for id in ids {
        let i = state
            .ecs
            .instances
            .get(id)
            .filter(|i| i.released_at.is_none())
            .ok_or_else(|| not_found_instance(id))?;
        if i.deletion_protection {
            return Err(ApiError::bad_status(
                "InvalidOperation.DeletionProtection",
                format!("instance {id} has deletion protection enabled"),
            ));
        }
        let status = *i.status.status();
        let allowed = status == "Stopped" || (force && status == "Running");
        if !allowed {
            return Err(ApiError::bad_status(
                "IncorrectInstanceStatus",
                format!(
                    "instance {id} is {status}; it can be released when Stopped, or Running with Force=true"
                ),
            ));
        }
    }
    if cx.params.get_bool("DryRun")? == Some(true) {
        return Err(ApiError::new(
            400,
            "DryRunOperation",
            "the request would have succeeded (DryRun)",
        ));
    }
    for id in ids {
        if let Some(i) = state.ecs.instances.get_mut(id) {
            i.released_at = Some(cx.now + RELEASE_LINGER);
            i.status.set(cx.now, "Stopped");
        }
    }
    ok(json!({}))
}

fn start_stop(
    state: &mut State,
    cx: &Ctx<'_>,
    ids: &[String],
    start: bool,
) -> Result<Vec<Value>, ApiError> {
    let mut responses = Vec::new();
    for id in ids {
        let i = state
            .ecs
            .instances
            .get_mut(id)
            .filter(|i| i.released_at.is_none())
            .ok_or_else(|| not_found_instance(id))?;
        let previous = *i.status.status();
        let (from, via, to) = if start {
            ("Stopped", "Starting", "Running")
        } else {
            ("Running", "Stopping", "Stopped")
        };
        if previous != from {
            return Err(ApiError::bad_status(
                "IncorrectInstanceStatus",
                format!("instance {id} is {previous}; it must be {from}"),
            ));
        }
        i.status.set(cx.now, via);
        i.status.schedule(cx.now, &[(Duration::from_secs(5), to)]);
        responses.push(json!({
            "InstanceId": id, "PreviousStatus": previous, "CurrentStatus": via,
            "Code": "200", "Message": "success",
        }));
    }
    Ok(responses)
}

fn decode_content(p: &Params, name: &str) -> Result<String, ApiError> {
    let raw = p.require(name)?;
    match p.get_nonempty("ContentEncoding").unwrap_or("PlainText") {
        "Base64" | "base64" => B64
            .decode(raw.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| ApiError::invalid(name, "is not valid Base64 text")),
        _ => Ok(raw.to_owned()),
    }
}

fn run_command(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let command_type = p.require("Type")?.to_owned();
    if ![
        "RunShellScript",
        "RunPythonScript",
        "RunPowerShellScript",
        "RunBatScript",
    ]
    .contains(&command_type.as_str())
    {
        return Err(ApiError::invalid(
            "Type",
            format!("`{command_type}` is not a command type"),
        ));
    }
    let content = decode_content(p, "CommandContent")?;
    let ids = p.list("InstanceId");
    if ids.is_empty() {
        return Err(ApiError::missing("InstanceId"));
    }
    for id in &ids {
        let i = state
            .ecs
            .instances
            .get(id)
            .filter(|i| i.released_at.is_none() && i.region == cx.region)
            .ok_or_else(|| {
                ApiError::not_found("InvalidInstance.NotFound", format!("instance {id}"))
            })?;
        if *i.status.status() != "Running" {
            return Err(ApiError::new(
                400,
                "InvalidInstance.NotRunning",
                format!(
                    "instance {id} is {}; Cloud Assistant needs it Running",
                    i.status.status()
                ),
            ));
        }
    }
    let timeout = p.get_i64("Timeout")?.unwrap_or(60).max(1);
    let run = script::run(&content);
    let code = state
        .catalog
        .region(&cx.region)
        .map_or("emu", |r| r.id_prefix.as_str())
        .to_owned();
    let command_id = format!("c-{code}{}", state.alnum(16));
    let invoke_id = format!("t-{code}{}", state.alnum(16));
    let instances = ids
        .iter()
        .map(|id| {
            let mut status = Lifecycle::new(cx.now, "Pending");
            let (end, output, exit_code, error_code, error_info) =
                if let Some(reason) = cx.fail_after_create {
                    (
                        "Failed",
                        String::new(),
                        1,
                        "ExecutionException".to_owned(),
                        reason.to_owned(),
                    )
                } else if run.duration.as_secs() > u64::try_from(timeout).unwrap_or(60) {
                    (
                        "Failed",
                        run.output.clone(),
                        124,
                        "ExecutionTimeout".to_owned(),
                        format!("the command ran longer than its {timeout} s timeout"),
                    )
                } else if run.exit_code != 0 {
                    (
                        "Failed",
                        run.output.clone(),
                        run.exit_code,
                        "ExitCodeNonzero".to_owned(),
                        format!("the command exited with code {}", run.exit_code),
                    )
                } else {
                    (
                        "Success",
                        run.output.clone(),
                        0,
                        String::new(),
                        String::new(),
                    )
                };
            let runtime = run
                .duration
                .min(Duration::from_secs(u64::try_from(timeout).unwrap_or(60)));
            status.schedule(
                cx.now,
                &[(Duration::from_secs(1), "Running"), (runtime, end)],
            );
            InvokeInstance {
                instance_id: id.clone(),
                status,
                output,
                exit_code,
                error_code,
                error_info,
            }
        })
        .collect();
    state.ecs.invocations.push(Invocation {
        invoke_id: invoke_id.clone(),
        command_id: command_id.clone(),
        region: cx.region.clone(),
        name: p.get_nonempty("Name").unwrap_or(&command_id).to_owned(),
        command_type,
        content,
        timeout,
        username: p.get_nonempty("Username").unwrap_or("root").to_owned(),
        working_dir: p.get("WorkingDir").unwrap_or_default().to_owned(),
        created: cx.now,
        instances,
    });
    ok(json!({"CommandId": command_id, "InvokeId": invoke_id}))
}

/// Overall status of an invocation from its instances.
fn overall(inv: &Invocation) -> &'static str {
    let statuses: Vec<&str> = inv.instances.iter().map(|i| *i.status.status()).collect();
    if statuses.iter().all(|s| *s == "Pending") {
        "Pending"
    } else if statuses.contains(&"Pending") || statuses.contains(&"Running") {
        "Running"
    } else if statuses.iter().all(|s| *s == "Success") {
        "Success"
    } else if statuses.iter().all(|s| *s == "Failed") {
        "Failed"
    } else {
        "PartialFailed"
    }
}

fn legacy_status(s: &str) -> &'static str {
    match s {
        "Pending" | "Running" => "Running",
        "Success" => "Finished",
        "Failed" => "Failed",
        _ => "PartialFailed",
    }
}

fn encode_output(text: &str, encoding: &str) -> String {
    if encoding == "PlainText" {
        text.to_owned()
    } else {
        B64.encode(text.as_bytes())
    }
}

fn times(ii: &InvokeInstance) -> (String, String) {
    let start = ii
        .status
        .entered(&"Running")
        .map(iso_seconds)
        .unwrap_or_default();
    let finish = match *ii.status.status() {
        "Success" | "Failed" => iso_seconds(ii.status.since()),
        _ => String::new(),
    };
    (start, finish)
}

fn describe_invocations(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let invoke_id = p.get_nonempty("InvokeId");
    let command_id = p.get_nonempty("CommandId");
    let instance_id = p.get_nonempty("InstanceId");
    let status = p
        .get_nonempty("InvokeStatus")
        .or(p.get_nonempty("InvocationStatus"));
    let include_output = p.get_bool("IncludeOutput")?.unwrap_or(false);
    let encoding = p.get_nonempty("ContentEncoding").unwrap_or("Base64");
    let (number, size) = p.page(10, 50)?;
    let mut matching: Vec<&Invocation> = state
        .ecs
        .invocations
        .iter()
        .filter(|i| i.region == cx.region)
        .filter(|i| invoke_id.is_none_or(|x| i.invoke_id == x))
        .filter(|i| command_id.is_none_or(|x| i.command_id == x))
        .filter(|i| instance_id.is_none_or(|x| i.instances.iter().any(|ii| ii.instance_id == x)))
        .filter(|i| status.is_none_or(|s| overall(i) == s || legacy_status(overall(i)) == s))
        .collect();
    matching.reverse();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|inv| {
            let status = overall(inv);
            let instances: Vec<Value> = inv
                .instances
                .iter()
                .map(|ii| {
                    let (start, finish) = times(ii);
                    let s = *ii.status.status();
                    json!({
                        "InstanceId": ii.instance_id,
                        "InvocationStatus": s,
                        "InstanceInvokeStatus": legacy_status(s),
                        "ExitCode": if finish.is_empty() { 0 } else { ii.exit_code },
                        "Output": if include_output && !finish.is_empty() { encode_output(&ii.output, encoding) } else { String::new() },
                        "CreationTime": iso_seconds(inv.created),
                        "StartTime": start,
                        "FinishTime": finish,
                        "UpdateTime": iso_seconds(ii.status.since()),
                        "StopTime": "",
                        "ErrorCode": if finish.is_empty() { "" } else { ii.error_code.as_str() },
                        "ErrorInfo": if finish.is_empty() { "" } else { ii.error_info.as_str() },
                        "Dropped": 0,
                        "Repeats": 1,
                        "Timed": false,
                    })
                })
                .collect();
            json!({
                "InvokeId": inv.invoke_id,
                "CommandId": inv.command_id,
                "CommandName": inv.name,
                "CommandType": inv.command_type,
                "CommandContent": encode_output(&inv.content, encoding),
                "CommandDescription": "",
                "InvocationStatus": status,
                "InvokeStatus": legacy_status(status),
                "CreationTime": iso_seconds(inv.created),
                "Timeout": inv.timeout,
                "Parameters": "{}",
                "RepeatMode": "Once",
                "Frequency": "",
                "Timed": false,
                "Username": inv.username,
                "WorkingDir": inv.working_dir,
                "ContainerId": "",
                "ContainerName": "",
                "TerminationMode": "Process",
                "Tags": {"Tag": []},
                "InvokeInstances": {"InvokeInstance": instances},
            })
        })
        .collect();
    ok(json!({
        "Invocations": {"Invocation": items}, "TotalCount": total, "PageNumber": number,
        "PageSize": size, "NextToken": "",
    }))
}

fn describe_invocation_results(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let invoke_id = p.get_nonempty("InvokeId");
    let command_id = p.get_nonempty("CommandId");
    let instance_id = p.get_nonempty("InstanceId");
    let record_status = p.get_nonempty("InvokeRecordStatus");
    let encoding = p.get_nonempty("ContentEncoding").unwrap_or("Base64");
    let (number, size) = p.page(10, 50)?;
    let mut results = Vec::new();
    for inv in state
        .ecs
        .invocations
        .iter()
        .rev()
        .filter(|i| i.region == cx.region)
    {
        if invoke_id.is_some_and(|x| inv.invoke_id != x)
            || command_id.is_some_and(|x| inv.command_id != x)
        {
            continue;
        }
        for ii in &inv.instances {
            if instance_id.is_some_and(|x| ii.instance_id != x) {
                continue;
            }
            let s = *ii.status.status();
            let record = match s {
                "Pending" | "Running" => "Running",
                "Failed" => "Failed",
                _ => "Finished",
            };
            if record_status.is_some_and(|r| r != record) {
                continue;
            }
            let (start, finish) = times(ii);
            let done = !finish.is_empty();
            results.push(json!({
                "CommandId": inv.command_id,
                "InvokeId": inv.invoke_id,
                "InstanceId": ii.instance_id,
                "InvocationStatus": s,
                "InvokeRecordStatus": record,
                "ExitCode": if done { ii.exit_code } else { 0 },
                "Output": if done { encode_output(&ii.output, encoding) } else { String::new() },
                "StartTime": start,
                "FinishedTime": finish,
                "StopTime": "",
                "ErrorCode": if done { ii.error_code.as_str() } else { "" },
                "ErrorInfo": if done { ii.error_info.as_str() } else { "" },
                "Dropped": 0,
                "Repeats": 1,
                "Username": inv.username,
                "ContainerId": "",
                "ContainerName": "",
                "TerminationMode": "Process",
                "Tags": {"Tag": []},
            }));
        }
    }
    let total = results.len();
    ok(json!({
        "Invocation": {
            "InvocationResults": {"InvocationResult": page_of(&results, number, size)},
            "TotalCount": total, "PageNumber": number, "PageSize": size, "NextToken": "",
        }
    }))
}
