//! VPC: VPCs and vSwitches, with CIDR checks and dependency errors.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::{Ctx, Outcome, ok};
use crate::clock::iso_seconds;
use crate::control::LiveResource;
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::params::page_of;
use crate::product::Product;
use crate::state::State;

/// A VPC.
#[derive(Debug, Clone)]
pub(crate) struct Vpc {
    pub id: String,
    pub region: String,
    pub name: String,
    pub description: String,
    pub cidr: Cidr,
    pub vrouter_id: String,
    pub route_table_id: String,
    pub is_default: bool,
    pub status: Lifecycle<&'static str>,
    pub created: SystemTime,
    pub seeded: bool,
}

/// A vSwitch.
#[derive(Debug, Clone)]
pub(crate) struct VSwitch {
    pub id: String,
    pub vpc_id: String,
    pub region: String,
    pub zone: String,
    pub name: String,
    pub description: String,
    pub cidr: Cidr,
    pub is_default: bool,
    pub status: Lifecycle<&'static str>,
    pub created: SystemTime,
    pub seeded: bool,
}

/// VPC state.
#[derive(Debug, Default)]
pub(crate) struct VpcState {
    pub vpcs: BTreeMap<String, Vpc>,
    pub vswitches: BTreeMap<String, VSwitch>,
    tokens: BTreeMap<String, String>,
}

/// An IPv4 CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub addr: u32,
    pub len: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (ip, len) = text.trim().split_once('/')?;
        let len: u8 = len.parse().ok()?;
        if len > 32 {
            return None;
        }
        let octets: Vec<u8> = ip
            .split('.')
            .map(|o| o.parse().ok())
            .collect::<Option<_>>()?;
        if octets.len() != 4 {
            return None;
        }
        let addr = u32::from_be_bytes([octets[0], octets[1], octets[2], octets[3]]);
        Some(Cidr {
            addr: addr & Self::mask(len),
            len,
        })
    }

    fn mask(len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(len))
        }
    }

    pub fn contains(&self, other: &Cidr) -> bool {
        other.len >= self.len && (other.addr & Self::mask(self.len)) == self.addr
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// Addresses in the block.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.len))
    }

    /// The `n`-th address as text.
    pub fn nth(&self, n: u32) -> String {
        let a = self.addr.wrapping_add(n).to_be_bytes();
        format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
    }

    fn is_private(&self) -> bool {
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
            .iter()
            .filter_map(|c| Cidr::parse(c))
            .any(|p| p.contains(self))
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.nth(0), self.len)
    }
}

/// Seeds a default VPC per region with a default vSwitch in its first zone.
pub(crate) fn seed(state: &mut State, now: SystemTime) {
    let regions: Vec<(String, String)> = state
        .catalog
        .regions
        .iter()
        .map(|r| (r.region_id.clone(), r.zones[0].zone_id.clone()))
        .collect();
    for (region, zone) in regions {
        let vpc_id = state.regional_id("vpc", &region);
        let vrouter_id = state.regional_id("vrt", &region);
        let route_table_id = state.regional_id("vtb", &region);
        let created = now - Duration::from_secs(400 * 86_400);
        state.vpc.vpcs.insert(
            vpc_id.clone(),
            Vpc {
                id: vpc_id.clone(),
                region: region.clone(),
                name: String::new(),
                description: String::new(),
                cidr: Cidr::parse("172.16.0.0/12").expect("literal CIDR"),
                vrouter_id,
                route_table_id,
                is_default: true,
                status: Lifecycle::new(created, "Available"),
                created,
                seeded: true,
            },
        );
        let vsw_id = state.regional_id("vsw", &region);
        state.vpc.vswitches.insert(
            vsw_id.clone(),
            VSwitch {
                id: vsw_id,
                vpc_id,
                region,
                zone,
                name: String::new(),
                description: String::new(),
                cidr: Cidr::parse("172.16.0.0/20").expect("literal CIDR"),
                is_default: true,
                status: Lifecycle::new(created, "Available"),
                created,
                seeded: true,
            },
        );
    }
}

pub(crate) fn tick(state: &mut State, now: SystemTime) {
    for v in state.vpc.vpcs.values_mut() {
        v.status.tick(now);
    }
    for v in state.vpc.vswitches.values_mut() {
        v.status.tick(now);
    }
}

pub(crate) fn live(state: &State, out: &mut Vec<LiveResource>) {
    for v in state.vpc.vpcs.values().filter(|v| !v.seeded) {
        out.push(LiveResource {
            product: Product::Vpc,
            kind: "vpc",
            id: v.id.clone(),
            region: v.region.clone(),
            status: (*v.status.status()).to_owned(),
            created: iso_seconds(v.created),
        });
    }
    for v in state.vpc.vswitches.values().filter(|v| !v.seeded) {
        out.push(LiveResource {
            product: Product::Vpc,
            kind: "vswitch",
            id: v.id.clone(),
            region: v.region.clone(),
            status: (*v.status.status()).to_owned(),
            created: iso_seconds(v.created),
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
        "CreateVpc" => create_vpc(state, cx),
        "DescribeVpcs" => describe_vpcs(state, cx),
        "DeleteVpc" => delete_vpc(state, cx),
        "CreateVSwitch" => create_vswitch(state, cx),
        "DescribeVSwitches" => describe_vswitches(state, cx),
        "DeleteVSwitch" => delete_vswitch(state, cx),
        _ => Ok(None),
    }
}

fn create_vpc(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    if let Some(token) = p.get_nonempty("ClientToken") {
        if let Some(id) = state.vpc.tokens.get(token) {
            if let Some(v) = state.vpc.vpcs.get(id) {
                return ok(json!({
                    "VpcId": v.id, "VRouterId": v.vrouter_id,
                    "RouteTableId": v.route_table_id, "ResourceGroupId": "rg-emulator-default",
                }));
            }
        }
    }
    let cidr_text = p.get_nonempty("CidrBlock").unwrap_or("172.16.0.0/12");
    let cidr = Cidr::parse(cidr_text)
        .filter(|c| (8..=28).contains(&c.len) && c.is_private())
        .ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidCidrBlock.Malformed",
                format!("`{cidr_text}` is not a private IPv4 block between /8 and /28"),
            )
        })?;
    let region = cx.region.clone();
    let id = state.regional_id("vpc", &region);
    let vrouter_id = state.regional_id("vrt", &region);
    let route_table_id = state.regional_id("vtb", &region);
    let mut status = Lifecycle::new(cx.now, "Pending");
    status.schedule(cx.now, &[(Duration::from_secs(2), "Available")]);
    state.vpc.vpcs.insert(
        id.clone(),
        Vpc {
            id: id.clone(),
            region,
            name: p.get("VpcName").unwrap_or_default().to_owned(),
            description: p.get("Description").unwrap_or_default().to_owned(),
            cidr,
            vrouter_id: vrouter_id.clone(),
            route_table_id: route_table_id.clone(),
            is_default: false,
            status,
            created: cx.now,
            seeded: false,
        },
    );
    if let Some(token) = p.get_nonempty("ClientToken") {
        state.vpc.tokens.insert(token.to_owned(), id.clone());
    }
    ok(json!({
        "VpcId": id, "VRouterId": vrouter_id, "RouteTableId": route_table_id,
        "ResourceGroupId": "rg-emulator-default",
    }))
}

fn vpc_json(state: &State, v: &Vpc) -> Value {
    let vswitches: Vec<&str> = state
        .vpc
        .vswitches
        .values()
        .filter(|s| s.vpc_id == v.id)
        .map(|s| s.id.as_str())
        .collect();
    json!({
        "VpcId": v.id,
        "RegionId": v.region,
        "Status": v.status.status(),
        "VpcName": v.name,
        "Description": v.description,
        "CidrBlock": v.cidr.to_string(),
        "CreationTime": iso_seconds(v.created),
        "IsDefault": v.is_default,
        "VRouterId": v.vrouter_id,
        "VSwitchIds": {"VSwitchId": vswitches},
        "RouterTableIds": {"RouterTableIds": [v.route_table_id]},
        "NatGatewayIds": {"NatGatewayIds": []},
        "SecondaryCidrBlocks": {"SecondaryCidrBlock": []},
        "UserCidrs": {"UserCidr": []},
        "Tags": {"Tag": []},
        "ResourceGroupId": "rg-emulator-default",
        "EnabledIpv6": false,
        "Ipv6CidrBlock": "",
        "CenStatus": "Detached",
        "DhcpOptionsSetId": "",
        "DhcpOptionsSetStatus": "",
    })
}

fn describe_vpcs(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let ids = p.list("VpcId");
    let name = p.get_nonempty("VpcName");
    let is_default = p.get_bool("IsDefault")?;
    let (number, size) = p.page(10, 50)?;
    let matching: Vec<&Vpc> = state
        .vpc
        .vpcs
        .values()
        .filter(|v| v.region == cx.region)
        .filter(|v| ids.is_empty() || ids.contains(&v.id))
        .filter(|v| name.is_none_or(|n| v.name == n))
        .filter(|v| is_default.is_none_or(|d| v.is_default == d))
        .collect();
    let total = matching.len();
    let page: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|v| vpc_json(state, v))
        .collect();
    ok(json!({
        "Vpcs": {"Vpc": page}, "TotalCount": total, "PageNumber": number, "PageSize": size,
    }))
}

fn find_vpc<'a>(state: &'a State, id: &str) -> Result<&'a Vpc, ApiError> {
    state
        .vpc
        .vpcs
        .get(id)
        .ok_or_else(|| ApiError::not_found("InvalidVpcId.NotFound", format!("VPC {id}")))
}

fn delete_vpc(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.params.require("VpcId")?;
    let vpc = find_vpc(state, id)?;
    if *vpc.status.status() != "Available" {
        return Err(ApiError::new(
            400,
            "IncorrectVpcStatus",
            format!(
                "VPC {id} is {} and cannot be deleted yet",
                vpc.status.status()
            ),
        ));
    }
    if let Some(vsw) = state.vpc.vswitches.values().find(|s| s.vpc_id == id) {
        return Err(ApiError::new(
            400,
            "DependencyViolation.VSwitch",
            format!("VPC {id} still contains vSwitch {}", vsw.id),
        ));
    }
    if let Some(sg) = state.ecs.security_groups.values().find(|g| g.vpc_id == id) {
        return Err(ApiError::new(
            400,
            "DependencyViolation.SecurityGroup",
            format!("VPC {id} still contains security group {}", sg.id),
        ));
    }
    state.vpc.vpcs.remove(id);
    ok(json!({}))
}

fn create_vswitch(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let vpc_id = p.require("VpcId")?;
    let zone = p.require("ZoneId")?;
    let cidr_text = p.require("CidrBlock")?;
    if let Some(token) = p.get_nonempty("ClientToken") {
        if let Some(id) = state.vpc.tokens.get(token) {
            if state.vpc.vswitches.contains_key(id) {
                return ok(json!({"VSwitchId": id}));
            }
        }
    }
    let vpc = find_vpc(state, vpc_id)?;
    if state.catalog.region_of_zone(zone) != Some(vpc.region.as_str()) {
        return Err(ApiError::not_found(
            "InvalidZoneId.NotFound",
            format!("zone {zone} in region {}", vpc.region),
        ));
    }
    if *vpc.status.status() != "Available" {
        return Err(ApiError::new(
            400,
            "IncorrectVpcStatus",
            format!(
                "VPC {vpc_id} is {}; wait until it is Available",
                vpc.status.status()
            ),
        ));
    }
    let cidr = Cidr::parse(cidr_text)
        .filter(|c| (16..=29).contains(&c.len))
        .ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidCidrBlock.Malformed",
                format!("`{cidr_text}` is not an IPv4 block between /16 and /29"),
            )
        })?;
    if !vpc.cidr.contains(&cidr) {
        return Err(ApiError::new(
            400,
            "InvalidCidrBlock.Malformed",
            format!("{cidr} is not inside the VPC block {}", vpc.cidr),
        ));
    }
    if let Some(other) = state
        .vpc
        .vswitches
        .values()
        .find(|s| s.vpc_id == vpc_id && s.cidr.overlaps(&cidr))
    {
        return Err(ApiError::new(
            400,
            "InvalidCidrBlock.Overlapped",
            format!("{cidr} overlaps vSwitch {} ({})", other.id, other.cidr),
        ));
    }
    let region = vpc.region.clone();
    let id = state.regional_id("vsw", &region);
    let mut status = Lifecycle::new(cx.now, "Pending");
    status.schedule(cx.now, &[(Duration::from_secs(1), "Available")]);
    state.vpc.vswitches.insert(
        id.clone(),
        VSwitch {
            id: id.clone(),
            vpc_id: vpc_id.to_owned(),
            region,
            zone: zone.to_owned(),
            name: p.get("VSwitchName").unwrap_or_default().to_owned(),
            description: p.get("Description").unwrap_or_default().to_owned(),
            cidr,
            is_default: false,
            status,
            created: cx.now,
            seeded: false,
        },
    );
    if let Some(token) = p.get_nonempty("ClientToken") {
        state.vpc.tokens.insert(token.to_owned(), id.clone());
    }
    ok(json!({"VSwitchId": id}))
}

/// Instances (including ones still being released) attached to a vSwitch.
fn instances_in(state: &State, vsw_id: &str) -> usize {
    state
        .ecs
        .instances
        .values()
        .filter(|i| i.vswitch_id == vsw_id)
        .count()
}

fn describe_vswitches(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let ids = p.list("VSwitchId");
    let vpc_id = p.get_nonempty("VpcId");
    let zone = p.get_nonempty("ZoneId");
    let name = p.get_nonempty("VSwitchName");
    let is_default = p.get_bool("IsDefault")?;
    let region = p.get_nonempty("RegionId");
    let (number, size) = p.page(10, 50)?;
    let matching: Vec<&VSwitch> = state
        .vpc
        .vswitches
        .values()
        .filter(|s| region.is_none_or(|r| s.region == r))
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .filter(|s| vpc_id.is_none_or(|v| s.vpc_id == v))
        .filter(|s| zone.is_none_or(|z| s.zone == z))
        .filter(|s| name.is_none_or(|n| s.name == n))
        .filter(|s| is_default.is_none_or(|d| s.is_default == d))
        .collect();
    let total = matching.len();
    let page: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|s| {
            let used = instances_in(state, &s.id) as u64;
            let route_table = state
                .vpc
                .vpcs
                .get(&s.vpc_id)
                .map(|v| v.route_table_id.clone())
                .unwrap_or_default();
            json!({
                "VSwitchId": s.id,
                "VpcId": s.vpc_id,
                "ZoneId": s.zone,
                "Status": s.status.status(),
                "CidrBlock": s.cidr.to_string(),
                "VSwitchName": s.name,
                "Description": s.description,
                "CreationTime": iso_seconds(s.created),
                "IsDefault": s.is_default,
                "AvailableIpAddressCount": s.cidr.size().saturating_sub(4 + used),
                "ResourceGroupId": "rg-emulator-default",
                "NetworkAclId": "",
                "RouteTable": {"RouteTableId": route_table, "RouteTableType": "System"},
                "ShareType": "Sharing",
                "Tags": {"Tag": []},
                "EnabledIpv6": false,
                "Ipv6CidrBlock": "",
            })
        })
        .collect();
    ok(json!({
        "VSwitches": {"VSwitch": page}, "TotalCount": total, "PageNumber": number, "PageSize": size,
    }))
}

fn delete_vswitch(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let id = cx.params.require("VSwitchId")?;
    if !state.vpc.vswitches.contains_key(id) {
        return Err(ApiError::not_found(
            "InvalidVSwitchId.NotFound",
            format!("vSwitch {id}"),
        ));
    }
    if instances_in(state, id) > 0 {
        return Err(ApiError::new(
            400,
            "DependencyViolation.Instance",
            format!(
                "vSwitch {id} still has instances attached (released instances detach a few seconds after deletion)"
            ),
        ));
    }
    if let Some(c) = state
        .cs
        .clusters
        .values()
        .find(|c| c.vswitch_ids.iter().any(|v| v == id))
    {
        return Err(ApiError::new(
            400,
            "DependencyViolation.Cluster",
            format!("vSwitch {id} is used by cluster {}", c.id),
        ));
    }
    state.vpc.vswitches.remove(id);
    ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_math() {
        let vpc = Cidr::parse("172.16.0.0/12").unwrap();
        let a = Cidr::parse("172.16.0.0/24").unwrap();
        let b = Cidr::parse("172.16.0.128/25").unwrap();
        let c = Cidr::parse("172.16.1.0/24").unwrap();
        assert!(vpc.contains(&a) && a.overlaps(&b) && !a.overlaps(&c));
        assert!(!a.contains(&vpc));
        assert_eq!(a.size(), 256);
        assert_eq!(a.nth(5), "172.16.0.5");
        assert!(Cidr::parse("300.1.1.1/8").is_none());
        assert!(!Cidr::parse("8.8.0.0/16").unwrap().is_private());
        assert_eq!(Cidr::parse("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
    }
}
