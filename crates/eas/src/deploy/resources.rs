//! Public machine specs, dedicated resource groups and gateways (E6).

use futures::TryStreamExt;

use super::chip::ChipType;
use super::config::VpcAccess;
use crate::{Client, Error};

/// One public instance type EAS can deploy on.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineSpec {
    /// The instance type (`ecs.gn7i-c8g1.2xlarge`).
    pub instance_type: String,
    /// vCPUs.
    pub cpu: i32,
    /// Memory, GiB.
    pub memory_gib: f64,
    /// Accelerator model (`A10`, `T4`, `PPU`, ...), empty for CPU types.
    pub gpu_model: String,
    /// Accelerators per instance.
    pub gpu_amount: i32,
    /// Whether the region has it in stock now.
    pub available: bool,
}

impl MachineSpec {
    /// The chip this type carries: PPU and XPU from the family name or the
    /// accelerator model, GPU when it has accelerators, else CPU.
    pub fn chip(&self) -> ChipType {
        match ChipType::of_instance_type(&self.instance_type) {
            ChipType::Cpu if self.gpu_amount > 0 => match self.gpu_model.as_str() {
                "PPU" => ChipType::Ppu,
                "XPU" => ChipType::Xpu,
                _ => ChipType::Gpu,
            },
            chip => chip,
        }
    }

    /// Whether an image of `chip` may run here (the E3 filter of the seed:
    /// GPU needs accelerators on a GPU family, CPU needs none, PPU and XPU
    /// their families).
    pub fn fits(&self, chip: ChipType) -> bool {
        match chip {
            ChipType::Cpu => self.gpu_amount == 0 && self.chip() == ChipType::Cpu,
            other => self.chip() == other && (other != ChipType::Gpu || self.gpu_amount > 0),
        }
    }
}

/// Keeps the available specs that fit `chip` (all available ones for `None`).
pub fn filter_specs(specs: &[MachineSpec], chip: Option<ChipType>) -> Vec<MachineSpec> {
    specs
        .iter()
        .filter(|s| s.available)
        .filter(|s| chip.is_none_or(|c| s.fits(c)))
        .cloned()
        .collect()
}

/// DescribeMachineSpec: the public instance types that are available and fit
/// `chip` (every available one for `None`), in the order the service lists them.
pub async fn public_machine_specs(
    client: &Client,
    chip: Option<ChipType>,
) -> Result<Vec<MachineSpec>, Error> {
    let out = client.describe_machine_spec().send().await?;
    let specs: Vec<MachineSpec> = out
        .instance_metas()
        .iter()
        .filter_map(|m| {
            Some(MachineSpec {
                instance_type: m.instance_type()?.to_owned(),
                cpu: m.cpu().unwrap_or_default(),
                memory_gib: m.memory().unwrap_or_default(),
                gpu_model: m.gpu().unwrap_or_default().to_owned(),
                gpu_amount: m.gpu_amount().unwrap_or_default(),
                available: m.is_available().unwrap_or(false),
            })
        })
        .collect();
    Ok(filter_specs(&specs, chip))
}

/// Total, used and free amount of one resource.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// Total.
    pub total: f64,
    /// In use.
    pub used: f64,
}

impl Usage {
    /// Free = total - used (never negative).
    pub fn free(&self) -> f64 {
        (self.total - self.used).max(0.0)
    }
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.total, self.used, self.free())
    }
}

/// A dedicated resource group and what is left in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceGroupUsage {
    /// The group id (`eas-r-...`).
    pub resource_id: String,
    /// Its name.
    pub name: String,
    /// Its type (`Dedicated`, ...).
    pub resource_type: String,
    /// GPUs.
    pub gpu: Usage,
    /// vCPUs.
    pub cpu: Usage,
    /// Memory, MiB.
    pub memory_mib: Usage,
}

/// ListResources, every page: the dedicated resource groups with free =
/// total - used.
pub async fn resource_groups(client: &Client) -> Result<Vec<ResourceGroupUsage>, Error> {
    let items: Vec<crate::types::Resource> = client
        .list_resources()
        .into_paginator()
        .items()
        .try_collect()
        .await?;
    Ok(items
        .iter()
        .map(|r| ResourceGroupUsage {
            resource_id: r.resource_id().unwrap_or_default().to_owned(),
            name: r.resource_name().unwrap_or_default().to_owned(),
            resource_type: r.resource_type().unwrap_or_default().to_owned(),
            gpu: Usage {
                total: f64::from(r.gpu_count().unwrap_or_default()),
                used: r.gpu_used().unwrap_or_default(),
            },
            cpu: Usage {
                total: f64::from(r.cpu_count().unwrap_or_default()),
                used: f64::from(r.cpu_used().unwrap_or_default()),
            },
            memory_mib: Usage {
                total: f64::from(r.memory().unwrap_or_default()),
                used: f64::from(r.memory_used().unwrap_or_default()),
            },
        })
        .collect())
}

/// A dedicated gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewaySummary {
    /// The id (`gw-...`).
    pub gateway_id: String,
    /// Its name.
    pub name: String,
    /// Whether it has a public endpoint.
    pub internet_enabled: bool,
    /// Its status.
    pub status: String,
}

/// ListGateway, every page.
pub async fn gateways(client: &Client) -> Result<Vec<GatewaySummary>, Error> {
    let items: Vec<crate::operations::list_gateway::Gateway> = client
        .list_gateway()
        .into_paginator()
        .items()
        .try_collect()
        .await?;
    Ok(items
        .iter()
        .map(|g| GatewaySummary {
            gateway_id: g.gateway_id().unwrap_or_default().to_owned(),
            name: g.gateway_name().unwrap_or_default().to_owned(),
            internet_enabled: g.internet_enabled().unwrap_or(false),
            status: g.status().unwrap_or_default().to_owned(),
        })
        .collect())
}

/// DescribeGateway: the VPC, vSwitch and security group the gateway is
/// linked to, to put in an ALB network configuration. `None` when the
/// gateway has no complete VPC link.
pub async fn gateway_vpc(
    client: &Client,
    cluster_id: &str,
    gateway_id: &str,
) -> Result<Option<VpcAccess>, Error> {
    let out = client
        .describe_gateway()
        .cluster_id(cluster_id)
        .gateway_id(gateway_id)
        .send()
        .await?;
    Ok(out
        .intranet_linked_vpc_list()
        .iter()
        .find_map(|l| VpcAccess::new(l.vpc_id()?, l.v_switch_id()?, l.security_group_id()?).ok()))
}
