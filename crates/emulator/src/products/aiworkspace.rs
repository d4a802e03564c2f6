//! PAI AI Workspace: workspaces, images with their labels, datasets, code
//! sources and quotas, all from the catalog.

use serde_json::{Value, json};

use super::{Ctx, Outcome, ok};
use crate::catalog::{CodeSource, Dataset, PaiImage, Workspace};
use crate::error::ApiError;
use crate::params::page_of;
use crate::state::State;

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    match cx.action {
        "ListWorkspaces" => list_workspaces(state, cx),
        "GetWorkspace" => {
            let id = cx.path_param("WorkspaceId")?;
            let w = state
                .catalog
                .workspaces
                .iter()
                .find(|w| w.workspace_id == id)
                .ok_or_else(|| {
                    ApiError::not_found("WorkspaceNotFound", format!("workspace {id}"))
                })?;
            let mut v = workspace_json(state, w);
            v["DisplayName"] = json!(w.name);
            v["Owner"] = json!({
                "UserId": state.account_id, "UserKp": state.account_id,
                "UserName": "emulator", "DisplayName": "emulator",
            });
            ok(v)
        }
        "ListImages" => list_images(state, cx),
        "GetImage" => {
            let id = cx.path_param("ImageId")?;
            let image = state
                .catalog
                .pai_images
                .iter()
                .find(|i| i.image_id == id)
                .ok_or_else(|| ApiError::not_found("ImageNotFound", format!("image {id}")))?;
            let mut v = image_json(state, image);
            if let Some(m) = v.as_object_mut() {
                m.remove("ImageId");
            }
            ok(v)
        }
        "ListImageLabels" => list_image_labels(state, cx),
        "ListDatasets" => list_datasets(state, cx),
        "GetDataset" => {
            let id = cx.path_param("DatasetId")?;
            let d = state
                .catalog
                .datasets
                .iter()
                .find(|d| d.dataset_id == id)
                .ok_or_else(|| ApiError::not_found("DatasetNotFound", format!("dataset {id}")))?;
            let mut v = dataset_json(state, d);
            if let Some(m) = v.as_object_mut() {
                for k in [
                    "Edition",
                    "ImportInfo",
                    "IsShared",
                    "LatestVersion",
                    "MountAccess",
                    "MountAccessReadWriteRoleIdList",
                    "SharingConfig",
                    "SourceDatasetId",
                    "SourceDatasetVersion",
                    "TagTemplateType",
                ] {
                    m.remove(k);
                }
            }
            ok(v)
        }
        "ListCodeSources" => list_code_sources(state, cx),
        "GetCodeSource" => {
            let id = cx.path_param("CodeSourceId")?;
            let c = state
                .catalog
                .code_sources
                .iter()
                .find(|c| c.code_source_id == id)
                .ok_or_else(|| {
                    ApiError::not_found("CodeSourceNotFound", format!("code source {id}"))
                })?;
            ok(code_source_json(state, c))
        }
        "ListQuotas" => {
            let name = cx.params.get_nonempty("Name");
            let quotas: Vec<Value> = state
                .catalog
                .quotas
                .iter()
                .filter(|q| name.is_none_or(|n| q.name.contains(n)))
                .map(|q| {
                    json!({
                        "Id": q.quota_id, "Name": q.name, "DisplayName": q.name,
                        "QuotaType": q.resource_type, "Mode": "isolate", "ProductCode": "PAI",
                        "Specs": [{"Name": "GPUType", "Value": q.gpu_type}],
                    })
                })
                .collect();
            let total = quotas.len();
            ok(json!({"Quotas": quotas, "TotalCount": total}))
        }
        _ => Ok(None),
    }
}

fn workspace_json(state: &State, w: &Workspace) -> Value {
    json!({
        "WorkspaceId": w.workspace_id,
        "WorkspaceName": w.name,
        "Description": w.description,
        "Creator": state.account_id,
        "AdminNames": ["emulator"],
        "EnvTypes": ["prod"],
        "GmtCreateTime": w.created,
        "GmtModifiedTime": w.created,
        "IsDefault": w.is_default,
        "Status": "ENABLED",
        "ExtraInfos": {},
    })
}

fn list_workspaces(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let name = p.get_nonempty("WorkspaceName");
    let ids = p.list("WorkspaceIds");
    let status = p.get_nonempty("Status");
    let (number, size) = p.page(20, 1000)?;
    let matching: Vec<&Workspace> = state
        .catalog
        .workspaces
        .iter()
        .filter(|w| name.is_none_or(|n| w.name.contains(n)))
        .filter(|w| ids.is_empty() || ids.contains(&w.workspace_id))
        .filter(|_| status.is_none_or(|s| s.eq_ignore_ascii_case("ENABLED")))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|w| workspace_json(state, w))
        .collect();
    ok(json!({"Workspaces": items, "TotalCount": total, "ResourceLimits": {}}))
}

fn image_json(state: &State, i: &PaiImage) -> Value {
    json!({
        "ImageId": i.image_id,
        "Name": i.name,
        "ImageUri": i.image_uri,
        "Description": format!("official {} image", i.label("system.framework").unwrap_or("PAI")),
        "Accessibility": i.accessibility,
        "Labels": i.labels.iter().map(|l| json!({"Key": l.key, "Value": l.value})).collect::<Vec<_>>(),
        "GmtCreateTime": i.created,
        "GmtModifiedTime": i.created,
        "UserId": state.account_id,
        "ParentUserId": state.account_id,
        "WorkspaceId": "",
        "Size": i.size_gib,
    })
}

/// Parses `k1=v1,k2=v2` label filters.
fn parse_labels(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| ApiError::invalid("Labels", format!("`{pair}` is not Key=Value")))
        })
        .collect()
}

fn list_images(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let labels = parse_labels(p.get("Labels").unwrap_or_default())?;
    let name = p.get_nonempty("Name");
    let query = p.get_nonempty("Query");
    let uri = p.get_nonempty("ImageUri");
    let workspace = p.get_nonempty("WorkspaceId");
    let accessibility = p.get_nonempty("Accessibility");
    let (number, size) = p.page(20, 1000)?;
    let matching: Vec<&PaiImage> = state
        .catalog
        .pai_images
        .iter()
        // Official images are global: a workspace filter selects only that
        // workspace's custom images (the catalog has none).
        .filter(|_| workspace.is_none())
        .filter(|i| labels.iter().all(|(k, v)| i.label(k) == Some(v.as_str())))
        .filter(|i| name.is_none_or(|n| i.name.contains(n)))
        .filter(|i| query.is_none_or(|q| i.name.contains(q)))
        .filter(|i| uri.is_none_or(|u| i.image_uri == u))
        .filter(|i| accessibility.is_none_or(|a| i.accessibility == a))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|i| image_json(state, i))
        .collect();
    ok(json!({"Images": items, "TotalCount": total}))
}

fn list_image_labels(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let keys = p.list("LabelKeys");
    let filter = parse_labels(p.get("LabelFilter").unwrap_or_default())?;
    let image_id = p.get_nonempty("ImageId");
    let mut labels: Vec<(String, String)> = Vec::new();
    for i in state
        .catalog
        .pai_images
        .iter()
        .filter(|i| image_id.is_none_or(|id| i.image_id == id))
        .filter(|i| filter.iter().all(|(k, v)| i.label(k) == Some(v.as_str())))
    {
        for l in &i.labels {
            if (keys.is_empty() || keys.contains(&l.key)) && l.key != "system.imageUri" {
                let pair = (l.key.clone(), l.value.clone());
                if !labels.contains(&pair) {
                    labels.push(pair);
                }
            }
        }
    }
    labels.sort();
    let total = labels.len();
    let items: Vec<Value> = labels
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    ok(json!({"Labels": items, "TotalCount": total}))
}

fn dataset_json(state: &State, d: &Dataset) -> Value {
    json!({
        "DatasetId": d.dataset_id,
        "Name": d.name,
        "WorkspaceId": d.workspace_id,
        "DataSourceType": d.data_source_type,
        "DataType": d.data_type,
        "Uri": d.uri,
        "Property": "DIRECTORY",
        "SourceType": "USER",
        "SourceId": "",
        "Accessibility": "PRIVATE",
        "Description": format!("{} dataset", d.data_source_type),
        "GmtCreateTime": d.created,
        "GmtModifiedTime": d.created,
        "Labels": [],
        "UserId": state.account_id,
        "OwnerId": state.account_id,
        "Options": json!({"mountPath": d.mount_path}).to_string(),
        "ProviderType": "Ecs",
        "Edition": "BASIC",
        "MountAccess": "RW",
        "IsShared": false,
    })
}

fn list_datasets(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let workspace = p.get_nonempty("WorkspaceId");
    let name = p.get_nonempty("Name");
    let types = p.list("DataSourceTypes");
    let (number, size) = p.page(20, 1000)?;
    let matching: Vec<&Dataset> = state
        .catalog
        .datasets
        .iter()
        .filter(|d| workspace.is_none_or(|w| d.workspace_id == w))
        .filter(|d| name.is_none_or(|n| d.name.contains(n)))
        .filter(|d| types.is_empty() || types.contains(&d.data_source_type))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|d| dataset_json(state, d))
        .collect();
    ok(json!({"Datasets": items, "TotalCount": total}))
}

fn code_source_json(state: &State, c: &CodeSource) -> Value {
    json!({
        "CodeSourceId": c.code_source_id,
        "DisplayName": c.display_name,
        "CodeRepo": c.repo,
        "CodeBranch": c.branch,
        "CodeCommit": "",
        "CodeRepoUserName": "",
        "CodeRepoAccessToken": "",
        "MountPath": c.mount_path,
        "WorkspaceId": c.workspace_id,
        "Accessibility": "PRIVATE",
        "Description": "",
        "GmtCreateTime": c.created,
        "GmtModifyTime": c.created,
        "UserId": state.account_id,
    })
}

fn list_code_sources(state: &State, cx: &Ctx<'_>) -> Outcome {
    let p = cx.params;
    let workspace = p.get_nonempty("WorkspaceId");
    let name = p.get_nonempty("DisplayName");
    let (number, size) = p.page(20, 1000)?;
    let matching: Vec<&CodeSource> = state
        .catalog
        .code_sources
        .iter()
        .filter(|c| workspace.is_none_or(|w| c.workspace_id == w))
        .filter(|c| name.is_none_or(|n| c.display_name.contains(n)))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = page_of(&matching, number, size)
        .into_iter()
        .map(|c| code_source_json(state, c))
        .collect();
    ok(json!({"CodeSources": items, "TotalCount": total}))
}
