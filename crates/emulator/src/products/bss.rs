//! BSS OpenAPI: pay-as-you-go prices of ECS modules.

use serde_json::{Value, json};

use super::{Ctx, Outcome, ok};
use crate::catalog::round3;
use crate::error::ApiError;
use crate::state::State;

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    match cx.action {
        "GetPayAsYouGoPrice" => pay_as_you_go(state, cx),
        _ => Ok(None),
    }
}

/// `k1:v1,k2:v2` module configs.
fn parse_config(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once(':')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

fn pay_as_you_go(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let product = p.require("ProductCode")?;
    if !product.eq_ignore_ascii_case("ecs") {
        return Err(ApiError::invalid(
            "ProductCode",
            format!("`{product}` is not priced by the emulator (only ecs)"),
        ));
    }
    let subscription = p.require("SubscriptionType")?;
    if subscription != "PayAsYouGo" {
        return Err(ApiError::invalid("SubscriptionType", "must be PayAsYouGo"));
    }
    let region = p.get_nonempty("Region").unwrap_or(&cx.region).to_owned();
    if state.catalog.region(&region).is_none() {
        return Err(ApiError::invalid(
            "Region",
            format!("`{region}` is not a region"),
        ));
    }
    let modules = p.objects("ModuleList");
    if modules.is_empty() {
        return Err(ApiError::missing("ModuleList"));
    }
    let mut details: Vec<Value> = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        let at = |f: &str| format!("ModuleList.{}.{f}", i + 1);
        let code = m
            .get("ModuleCode")
            .ok_or_else(|| ApiError::missing(&at("ModuleCode")))?;
        let config = parse_config(
            m.get("Config")
                .ok_or_else(|| ApiError::missing(&at("Config")))?,
        );
        let get = |k: &str| {
            config
                .iter()
                .find(|(ck, _)| ck == k)
                .map(|(_, v)| v.as_str())
        };
        let unit = match code.as_str() {
            "InstanceType" => {
                let t = get("InstanceType")
                    .ok_or_else(|| ApiError::invalid(&at("Config"), "names no InstanceType"))?;
                let ty = state.catalog.instance_type(t).ok_or_else(|| {
                    ApiError::invalid(&at("Config"), format!("`{t}` is not an instance type"))
                })?;
                state.catalog.hourly_price(ty, &region)
            }
            "SystemDisk" | "DataDisk" => {
                let prefix = code.as_str();
                let category = get(&format!("{prefix}.Category")).unwrap_or("cloud_efficiency");
                let size: f64 = get(&format!("{prefix}.Size"))
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(40.0);
                let per_gib = match category {
                    "cloud_efficiency" => 0.0005,
                    "cloud_ssd" => 0.001,
                    "cloud_auto" => 0.0013,
                    _ => 0.0014,
                };
                round3(per_gib * size)
            }
            "InternetMaxBandwidthOut" => {
                let mbps: f64 = get("InternetMaxBandwidthOut")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.0);
                round3(0.063 * mbps)
            }
            other => {
                return Err(ApiError::invalid(
                    &at("ModuleCode"),
                    format!("`{other}` is not priced by the emulator"),
                ));
            }
        };
        details.push(json!({
            "ModuleCode": code,
            "UnitPrice": unit,
            "OriginalCost": unit,
            "CostAfterDiscount": unit,
            "InvoiceDiscount": 0.0,
        }));
    }
    ok(json!({
        "Code": "Success",
        "Message": "Successful!",
        "Success": true,
        "Data": {
            "Currency": state.catalog.currency,
            "ModuleDetails": {"ModuleDetail": details},
            "PromotionDetails": {"PromotionDetail": []},
        }
    }))
}
