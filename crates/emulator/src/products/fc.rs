//! Function Compute 3.0: functions (create, get, list, delete) and
//! invocations.
//!
//! A code package (`code.zipFile`, a Base64 zip) whose stored (uncompressed)
//! entries include a shell script (`*.sh`) is treated as a handler that
//! runs that script: an invocation answers
//! `{"exitCode": N, "output": "..."}` from the script simulation of
//! [`super::script`]. Other functions answer a fixed text.

use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::{Ctx, Outcome, Reply, json_i64, ok};
use crate::clock::iso_seconds;
use crate::control::LiveResource;
use crate::error::ApiError;
use crate::params::token_page;
use crate::product::Product;
use crate::spec::Specs;
use crate::state::State;
use crate::synth::prune;

/// Runtimes the emulator accepts.
const RUNTIMES: [&str; 13] = [
    "python3.9",
    "python3.10",
    "python3.12",
    "nodejs16",
    "nodejs18",
    "nodejs20",
    "java11",
    "go1",
    "php7.2",
    "custom",
    "custom.debian10",
    "custom.debian11",
    "custom-container",
];

/// A function.
#[derive(Debug, Clone)]
pub(crate) struct Function {
    pub name: String,
    pub region: String,
    /// The stored definition (members of the `Function` schema).
    pub definition: Value,
    pub failure: Option<String>,
    pub created: SystemTime,
    /// The first shell script (`*.sh`) of the code package, if any.
    pub shell_script: Option<String>,
}

/// FC state.
#[derive(Debug, Default)]
pub(crate) struct FcState {
    pub functions: BTreeMap<String, Function>,
}

pub(crate) fn live(state: &State, out: &mut Vec<LiveResource>) {
    for f in state.fc.functions.values() {
        out.push(LiveResource {
            product: Product::Fc,
            kind: "function",
            id: f.name.clone(),
            region: f.region.clone(),
            status: "Active".to_owned(),
            created: iso_seconds(f.created),
        });
    }
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found("FunctionNotFound", format!("function {name}"))
}

pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    match cx.action {
        "CreateFunction" => create(state, cx),
        "GetFunction" => {
            let name = cx.path_param("functionName")?;
            let f = state
                .fc
                .functions
                .get(name)
                .ok_or_else(|| not_found(name))?;
            ok(f.definition.clone())
        }
        "ListFunctions" => {
            let prefix = cx.params.get_nonempty("prefix");
            let limit = cx.params.get_i64("limit")?.unwrap_or(20).clamp(1, 100);
            let matching: Vec<&Function> = state
                .fc
                .functions
                .values()
                .filter(|f| prefix.is_none_or(|p| f.name.starts_with(p)))
                .collect();
            let (page, next) = token_page(
                &matching,
                cx.params.get("nextToken"),
                usize::try_from(limit).unwrap_or(20),
            )?;
            let items: Vec<Value> = page.into_iter().map(|f| f.definition.clone()).collect();
            ok(json!({"functions": items, "nextToken": next}))
        }
        "DeleteFunction" => {
            let name = cx.path_param("functionName")?;
            state
                .fc
                .functions
                .remove(name)
                .ok_or_else(|| not_found(name))?;
            Ok(Some(Reply::Empty))
        }
        "InvokeFunction" => invoke(state, cx),
        _ => Ok(None),
    }
}

/// Function names: letters, digits, `_` and `-`, starting with a letter or
/// `_`, at most 128 characters.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn create(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let body = cx.json.ok_or_else(|| ApiError::missing("body"))?;
    let name = cx
        .body_str("functionName")
        .ok_or_else(|| ApiError::missing("functionName"))?;
    if !valid_name(&name) {
        return Err(ApiError::invalid(
            "functionName",
            format!("`{name}` is not a valid function name"),
        ));
    }
    let runtime = cx
        .body_str("runtime")
        .ok_or_else(|| ApiError::missing("runtime"))?;
    if !RUNTIMES.contains(&runtime.as_str()) {
        return Err(ApiError::invalid(
            "runtime",
            format!("`{runtime}` is not a supported runtime"),
        ));
    }
    if state.fc.functions.contains_key(&name) {
        return Err(ApiError::new(
            409,
            "FunctionAlreadyExists",
            format!("function {name} already exists"),
        ));
    }
    if runtime == "custom-container"
        && cx
            .body_field("customContainerConfig")
            .and_then(|c| c.get("image"))
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(ApiError::missing("customContainerConfig.image"));
    }
    let code_size = cx
        .body_field("code")
        .and_then(|c| c.get("zipFile"))
        .and_then(Value::as_str)
        .map_or(0, |z| B64.decode(z.trim()).map_or(0, |b| b.len()));
    let shell_script = cx
        .body_field("code")
        .and_then(|c| c.get("zipFile"))
        .and_then(Value::as_str)
        .and_then(|z| B64.decode(z.trim()).ok())
        .and_then(|zip| {
            stored_entries(&zip)
                .into_iter()
                .find(|(name, _)| name.ends_with(".sh"))
                .map(|(_, data)| String::from_utf8_lossy(&data).into_owned())
        });
    let spec = Specs::get().product(Product::Fc);
    let schema = spec
        .file
        .schemas
        .get("Function")
        .expect("the FC spec defines Function");
    let mut definition = prune(spec, body, schema);
    let id = state.uuid();
    let checksum: String = state.hex(16).chars().filter(char::is_ascii_digit).collect();
    let now = iso_seconds(cx.now);
    let defaults = json!({
        "functionId": id,
        "functionArn": format!("acs:fc:{}:{}:functions/{name}", cx.region, state.account_id),
        "createdTime": now,
        "lastModifiedTime": now,
        "codeSize": code_size,
        "codeChecksum": format!("1{checksum}"),
        "memorySize": 512,
        "cpu": 0.35,
        "diskSize": 512,
        "timeout": 3,
        "instanceConcurrency": 1,
        "internetAccess": true,
        "state": "Active",
        "stateReason": "",
        "stateReasonCode": "",
        "lastUpdateStatus": "Successful",
        "lastUpdateStatusReason": "",
        "lastUpdateStatusReasonCode": "",
        "description": "",
        "environmentVariables": {},
    });
    if let (Some(out), Some(d)) = (definition.as_object_mut(), defaults.as_object()) {
        for (k, v) in d {
            if !out.contains_key(k) || out[k].is_null() {
                out.insert(k.clone(), v.clone());
            }
        }
        if let Some(mem) = cx.body_i64("memorySize") {
            out.insert("memorySize".to_owned(), json!(mem));
        }
    }
    state.fc.functions.insert(
        name.clone(),
        Function {
            name,
            region: cx.region.clone(),
            definition: definition.clone(),
            failure: cx.fail_after_create.map(str::to_owned),
            shell_script,
            created: cx.now,
        },
    );
    ok(definition)
}

fn invoke(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    let name = cx.path_param("functionName")?.to_owned();
    let f = state
        .fc
        .functions
        .get(&name)
        .ok_or_else(|| not_found(&name))?
        .clone();
    let request_marker = state.uuid();
    let mut headers = vec![("x-fc-request-id".to_owned(), request_marker.clone())];
    if cx
        .header("x-fc-invocation-type")
        .is_some_and(|t| t.eq_ignore_ascii_case("Async"))
    {
        let task = cx
            .header("x-fc-async-task-id")
            .map_or_else(|| state.uuid(), str::to_owned);
        headers.push(("x-fc-async-task-id".to_owned(), task));
        return Ok(Some(Reply::Raw {
            status: 202,
            content_type: "text/plain",
            headers,
            body: Vec::new(),
        }));
    }
    let memory = f
        .definition
        .get("memorySize")
        .and_then(json_i64)
        .unwrap_or(512);
    let log = format!(
        "FC Invoke Start RequestId: {request_marker}\n[emulator] function {name} invoked with {} byte(s) of payload\nFC Invoke End RequestId: {request_marker}, Duration: 12.00 ms, Billed Duration: 13 ms, Memory Size: {memory} MB",
        cx.body.len()
    );
    if cx
        .header("x-fc-log-type")
        .is_some_and(|t| t.eq_ignore_ascii_case("Tail"))
    {
        headers.push(("x-fc-log-result".to_owned(), B64.encode(log.as_bytes())));
    }
    let body = match &f.failure {
        Some(reason) => {
            headers.push((
                "x-fc-error-type".to_owned(),
                "UnhandledInvocationError".to_owned(),
            ));
            json!({"errorMessage": reason, "errorType": "Error"})
                .to_string()
                .into_bytes()
        }
        None => match &f.shell_script {
            Some(text) => {
                let run = super::script::run(text);
                json!({"exitCode": run.exit_code, "output": run.output})
                    .to_string()
                    .into_bytes()
            }
            None => format!(
                "emulated invocation of {name}: received {} byte(s)\n",
                cx.body.len()
            )
            .into_bytes(),
        },
    };
    Ok(Some(Reply::Raw {
        status: 200,
        content_type: "text/plain",
        headers,
        body,
    }))
}

/// The stored (method 0) entries of a zip archive, read from its local
/// headers; compressed entries and archives with data descriptors are
/// skipped.
fn stored_entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let u16_at = |i: usize| -> Option<usize> {
        Some(usize::from(u16::from_le_bytes(
            zip.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    let u32_at = |i: usize| -> Option<usize> {
        usize::try_from(u32::from_le_bytes(zip.get(i..i + 4)?.try_into().ok()?)).ok()
    };
    let mut out = Vec::new();
    let mut at = 0;
    while zip.get(at..at + 4) == Some(&[0x50, 0x4b, 0x03, 0x04][..]) {
        let (Some(flags), Some(method), Some(size), Some(name_len), Some(extra_len)) = (
            u16_at(at + 6),
            u16_at(at + 8),
            u32_at(at + 18),
            u16_at(at + 26),
            u16_at(at + 28),
        ) else {
            break;
        };
        if flags & 0x8 != 0 {
            break;
        }
        let name_start = at + 30;
        let data_start = name_start + name_len + extra_len;
        let (Some(name), Some(data)) = (
            zip.get(name_start..name_start + name_len),
            zip.get(data_start..data_start + size),
        ) else {
            break;
        };
        if method == 0 {
            out.push((String::from_utf8_lossy(name).into_owned(), data.to_vec()));
        }
        at = data_start + size;
    }
    out
}
