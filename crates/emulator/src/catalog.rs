//! The synthetic catalog: regions and zones, instance families and types
//! (with GPU facts), where each type is offered and its stock, hourly prices,
//! ECS images, and the PAI side (workspaces, images with labels, datasets,
//! code sources, quotas, EAS resource groups and gateways).
//!
//! It lives in JSON files under `data/` in this crate, compiled in and
//! parsed at start; [`crate::EmulatorBuilder::catalog_dir`] loads another
//! copy instead. Everything in it is invented for testing: the names follow
//! the public naming patterns, the numbers are not quotes of the real
//! service.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Stock of an instance type in a zone, as `DescribeAvailableResource`
/// reports it in `StatusCategory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StockStatus {
    /// Plenty of stock.
    WithStock,
    /// Still sold but running out.
    ClosedWithStock,
    /// Sold out: creating fails with `OperationDenied.NoStock`.
    WithoutStock,
}

impl StockStatus {
    /// The wire name (`WithStock`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            StockStatus::WithStock => "WithStock",
            StockStatus::ClosedWithStock => "ClosedWithStock",
            StockStatus::WithoutStock => "WithoutStock",
        }
    }

    /// The `Status` that goes with the category (`Available` / `SoldOut`).
    pub fn availability(self) -> &'static str {
        match self {
            StockStatus::WithoutStock => "SoldOut",
            _ => "Available",
        }
    }

    /// Whether a create can succeed.
    pub fn has_stock(self) -> bool {
        self != StockStatus::WithoutStock
    }
}

impl std::str::FromStr for StockStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "withstock" | "available" => Ok(StockStatus::WithStock),
            "closedwithstock" => Ok(StockStatus::ClosedWithStock),
            "withoutstock" | "soldout" | "sold_out" => Ok(StockStatus::WithoutStock),
            other => Err(format!(
                "`{other}` is not a stock status (WithStock, ClosedWithStock, WithoutStock)"
            )),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Zone {
    pub zone_id: String,
    pub local_name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Region {
    pub region_id: String,
    pub local_name: String,
    pub id_prefix: String,
    pub price_factor: f64,
    pub zones: Vec<Zone>,
}

#[derive(Debug, Deserialize)]
struct RegionsFile {
    currency: String,
    regions: Vec<Region>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Family {
    pub family: String,
    pub category: String,
    pub generation: String,
    pub cpu_architecture: String,
    pub processor: String,
    pub cpu_ghz: f64,
    pub turbo_ghz: f64,
    pub level: String,
    #[serde(default)]
    pub gpu_spec: Option<String>,
    #[serde(default)]
    pub gpu_model: Option<String>,
    #[serde(default)]
    pub gpu_memory_gib: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct InstanceType {
    pub instance_type: String,
    pub family: String,
    pub cpu: u32,
    pub memory_gib: f64,
    pub gpu_amount: u32,
    pub hourly_price: f64,
    pub pai_dlc: bool,
    pub pai_eas: bool,
}

#[derive(Debug, Deserialize)]
struct TypesFile {
    families: Vec<Family>,
    instance_types: Vec<InstanceType>,
}

#[derive(Debug, Clone, Deserialize)]
struct Offer {
    family: String,
    #[serde(default)]
    zones: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
struct StockRule {
    zone: String,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    instance_type: Option<String>,
    status: StockStatus,
}

#[derive(Debug, Deserialize)]
struct AvailabilityFile {
    offers: BTreeMap<String, Vec<Offer>>,
    stock: Vec<StockRule>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EcsImage {
    pub image_family: String,
    pub image_id: String,
    pub os_name_en: String,
    pub platform: String,
    pub os_type: String,
    pub architecture: String,
    pub package_manager: String,
    pub creation_time: String,
    pub size_gib: u32,
}

#[derive(Debug, Deserialize)]
struct ImagesFile {
    images: Vec<EcsImage>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Workspace {
    pub workspace_id: String,
    pub name: String,
    pub is_default: bool,
    pub description: String,
    pub created: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Label {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PaiImage {
    pub image_id: String,
    pub name: String,
    pub image_uri: String,
    pub accessibility: String,
    pub labels: Vec<Label>,
    pub created: String,
    pub size_gib: u32,
}

impl PaiImage {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.value.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Dataset {
    pub dataset_id: String,
    pub name: String,
    pub workspace_id: String,
    pub data_source_type: String,
    pub data_type: String,
    pub uri: String,
    pub mount_path: String,
    pub created: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CodeSource {
    pub code_source_id: String,
    pub display_name: String,
    pub workspace_id: String,
    pub repo: String,
    pub branch: String,
    pub mount_path: String,
    pub created: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Quota {
    pub quota_id: String,
    pub name: String,
    pub resource_type: String,
    pub gpu_type: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ResourceGroup {
    pub resource_id: String,
    pub name: String,
    pub resource_type: String,
    pub cpu_count: u32,
    pub cpu_used: u32,
    pub gpu_count: u32,
    pub gpu_used: u32,
    pub memory_mib: u64,
    pub memory_used_mib: u64,
    pub instance_count: u32,
    pub created: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Gateway {
    pub gateway_id: String,
    pub name: String,
    pub gateway_type: String,
    pub instance_type: String,
    pub replicas: u32,
    pub internet_enabled: bool,
    pub is_default: bool,
    pub created: String,
}

#[derive(Debug, Deserialize)]
struct PaiFile {
    workspaces: Vec<Workspace>,
    images: Vec<PaiImage>,
    datasets: Vec<Dataset>,
    code_sources: Vec<CodeSource>,
    quotas: Vec<Quota>,
    eas_resource_groups: Vec<ResourceGroup>,
    eas_gateways: Vec<Gateway>,
}

/// The loaded catalog.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub currency: String,
    pub regions: Vec<Region>,
    pub families: Vec<Family>,
    pub types: Vec<InstanceType>,
    pub images: Vec<EcsImage>,
    pub workspaces: Vec<Workspace>,
    pub pai_images: Vec<PaiImage>,
    pub datasets: Vec<Dataset>,
    pub code_sources: Vec<CodeSource>,
    pub quotas: Vec<Quota>,
    pub resource_groups: Vec<ResourceGroup>,
    pub gateways: Vec<Gateway>,
    /// zone → (instance type → stock) for every type offered there.
    offered: HashMap<String, BTreeMap<String, StockStatus>>,
    zone_region: HashMap<String, String>,
}

/// The five catalog files.
const FILES: [&str; 5] = [
    "regions.json",
    "instance_types.json",
    "availability.json",
    "images.json",
    "pai.json",
];

impl Catalog {
    /// The catalog compiled into the crate.
    pub fn embedded(default_region: &str) -> Result<Self, String> {
        Self::from_texts(
            [
                include_str!("../data/regions.json"),
                include_str!("../data/instance_types.json"),
                include_str!("../data/availability.json"),
                include_str!("../data/images.json"),
                include_str!("../data/pai.json"),
            ],
            default_region,
        )
    }

    /// A catalog read from `dir` (the same five files as `data/`).
    pub fn from_dir(dir: &Path, default_region: &str) -> Result<Self, String> {
        let mut texts: Vec<String> = Vec::new();
        for f in FILES {
            let path = dir.join(f);
            texts.push(
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            );
        }
        Self::from_texts(
            [
                texts[0].as_str(),
                texts[1].as_str(),
                texts[2].as_str(),
                texts[3].as_str(),
                texts[4].as_str(),
            ],
            default_region,
        )
    }

    fn from_texts(texts: [&str; 5], default_region: &str) -> Result<Self, String> {
        fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
            serde_json::from_str(text).map_err(|e| format!("catalog file {name}: {e}"))
        }
        let regions: RegionsFile = parse(FILES[0], texts[0])?;
        let types: TypesFile = parse(FILES[1], texts[1])?;
        let avail: AvailabilityFile = parse(FILES[2], texts[2])?;
        let images: ImagesFile = parse(FILES[3], texts[3])?;
        let pai: PaiFile = parse(FILES[4], texts[4])?;

        let mut zone_region = HashMap::new();
        for r in &regions.regions {
            for z in &r.zones {
                zone_region.insert(z.zone_id.clone(), r.region_id.clone());
            }
        }
        if !regions
            .regions
            .iter()
            .any(|r| r.region_id == default_region)
        {
            return Err(format!(
                "the default region `{default_region}` is not in the catalog"
            ));
        }
        for t in &types.instance_types {
            if !types.families.iter().any(|f| f.family == t.family) {
                return Err(format!(
                    "instance type {} names an unknown family",
                    t.instance_type
                ));
            }
        }
        let mut offered: HashMap<String, BTreeMap<String, StockStatus>> = HashMap::new();
        for (region_id, offers) in &avail.offers {
            let region = regions
                .regions
                .iter()
                .find(|r| &r.region_id == region_id)
                .ok_or_else(|| format!("availability names unknown region {region_id}"))?;
            for offer in offers {
                let zones: Vec<String> = match &offer.zones {
                    Some(z) => z.clone(),
                    None => region.zones.iter().map(|z| z.zone_id.clone()).collect(),
                };
                let members: Vec<&InstanceType> = types
                    .instance_types
                    .iter()
                    .filter(|t| t.family == offer.family)
                    .collect();
                if members.is_empty() {
                    return Err(format!(
                        "availability offers unknown family {}",
                        offer.family
                    ));
                }
                for z in zones {
                    if zone_region.get(&z) != Some(region_id) {
                        return Err(format!("zone {z} is not in region {region_id}"));
                    }
                    let entry = offered.entry(z).or_default();
                    for t in &members {
                        entry.insert(t.instance_type.clone(), StockStatus::WithStock);
                    }
                }
            }
        }
        for rule in &avail.stock {
            let zone = offered.get_mut(&rule.zone).ok_or_else(|| {
                format!("stock rule names zone {} which offers nothing", rule.zone)
            })?;
            let mut hit = false;
            for (ty, status) in zone.iter_mut() {
                let matches = match (&rule.instance_type, &rule.family) {
                    (Some(t), _) => t == ty,
                    (None, Some(f)) => {
                        ty.starts_with(&format!("{f}.")) || ty.starts_with(&format!("{f}-"))
                    }
                    (None, None) => false,
                };
                if matches {
                    *status = rule.status;
                    hit = true;
                }
            }
            if !hit {
                return Err(format!(
                    "stock rule for zone {} matches no offered type",
                    rule.zone
                ));
            }
        }
        let fill_region = |s: &str| s.replace("{region}", default_region);
        let pai_images = pai
            .images
            .into_iter()
            .map(|mut i| {
                i.image_uri = fill_region(&i.image_uri);
                for l in &mut i.labels {
                    l.value = fill_region(&l.value);
                }
                i
            })
            .collect();
        let datasets = pai
            .datasets
            .into_iter()
            .map(|mut d| {
                d.uri = fill_region(&d.uri);
                d
            })
            .collect();
        Ok(Self {
            currency: regions.currency,
            regions: regions.regions,
            families: types.families,
            types: types.instance_types,
            images: images.images,
            workspaces: pai.workspaces,
            pai_images,
            datasets,
            code_sources: pai.code_sources,
            quotas: pai.quotas,
            resource_groups: pai.eas_resource_groups,
            gateways: pai.eas_gateways,
            offered,
            zone_region,
        })
    }

    pub fn region(&self, region_id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.region_id == region_id)
    }

    pub fn region_of_zone(&self, zone_id: &str) -> Option<&str> {
        self.zone_region.get(zone_id).map(String::as_str)
    }

    pub fn instance_type(&self, id: &str) -> Option<&InstanceType> {
        self.types.iter().find(|t| t.instance_type == id)
    }

    pub fn family(&self, id: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.family == id)
    }

    /// The family facts of a type.
    pub fn family_of(&self, t: &InstanceType) -> &Family {
        self.family(&t.family)
            .expect("catalog loading checked that every type's family exists")
    }

    /// Types offered in `zone` with their catalog stock.
    pub fn offered_in(&self, zone_id: &str) -> impl Iterator<Item = (&str, StockStatus)> {
        self.offered
            .get(zone_id)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), *v)))
    }

    /// Catalog stock of `instance_type` in `zone` (`None`: not offered there).
    pub fn base_stock(&self, zone_id: &str, instance_type: &str) -> Option<StockStatus> {
        self.offered.get(zone_id)?.get(instance_type).copied()
    }

    /// Hourly pay-as-you-go price of a type in a region.
    pub fn hourly_price(&self, t: &InstanceType, region_id: &str) -> f64 {
        let factor = self.region(region_id).map_or(1.0, |r| r.price_factor);
        round3(t.hourly_price * factor)
    }
}

/// Rounds to three decimals.
pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_is_consistent() {
        let c = Catalog::embedded("cn-hangzhou").unwrap();
        assert!(c.regions.len() >= 10);
        for r in [
            "cn-hangzhou",
            "cn-shanghai",
            "cn-beijing",
            "cn-shenzhen",
            "cn-zhangjiakou",
            "ap-southeast-1",
        ] {
            assert!(c.region(r).is_some(), "{r}");
        }
        for gpu in ["T4", "A10", "V100", "A100", "H800"] {
            assert!(
                c.families
                    .iter()
                    .any(|f| f.gpu_model.as_deref() == Some(gpu)),
                "{gpu}"
            );
        }
        assert_eq!(
            c.base_stock("cn-hangzhou-h", "ecs.gn7i-c8g1.2xlarge"),
            Some(StockStatus::WithoutStock)
        );
        assert_eq!(c.base_stock("cn-hangzhou-h", "ecs.gn7-c12g1.3xlarge"), None);
        assert_eq!(c.region_of_zone("ap-southeast-1-b"), Some("ap-southeast-1"));
        // Every PAI image URI has its region filled in.
        assert!(c.pai_images.iter().all(|i| !i.image_uri.contains('{')));
        // PAI specs are ECS types.
        assert!(c.types.iter().any(|t| t.pai_dlc && t.gpu_amount > 0));
    }
}
