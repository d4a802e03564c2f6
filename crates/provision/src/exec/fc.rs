//! Function Compute 3.0: create a function that runs the script, invoke it
//! once, delete it (P8).
//!
//! The script is packaged inline as the function's code, in the
//! `CreateFunction` shape of FC 3.0 (`code.zipFile`: a Base64 zip): the zip
//! holds `script.sh` and a small Python handler (`index.handler`, runtime
//! `python3.10`) that runs it with `bash` and answers
//! `{"exitCode": N, "output": "..."}`. The function is deleted after the
//! invocation, on failure and on cancellation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::{ExecError, PollSettings, check_quotes, retry_until, unique_name};
use crate::ConfirmedQuote;
use crate::product::Product;

/// The handler packaged with the script.
const HANDLER: &str = r#"import json
import os
import subprocess


def handler(event, context):
    here = os.path.dirname(os.path.abspath(__file__))
    done = subprocess.run(
        ["bash", os.path.join(here, "script.sh")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd="/tmp",
    )
    return json.dumps({
        "exitCode": done.returncode,
        "output": done.stdout.decode("utf-8", "replace"),
    })
"#;

/// The function to create.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// Prefix of the function name (default `provision-fn`).
    pub name_prefix: String,
    /// Invocation timeout in seconds (default 600; FC allows up to 86400).
    pub timeout_secs: i32,
}

impl Default for FunctionSpec {
    fn default() -> Self {
        Self {
            name_prefix: "provision-fn".into(),
            timeout_secs: 600,
        }
    }
}

/// The result of the invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionOutput {
    /// The function that ran (already deleted).
    pub function_name: String,
    /// Exit code of the script (0 here: non-zero is
    /// [`ExecError::ScriptFailed`]).
    pub exit_code: i64,
    /// Its output.
    pub output: String,
    /// The invocation log (`x-fc-log-result`, decoded), when returned.
    pub log: Option<String>,
}

/// Creates a function running `script` under `quote` (an FC quote: its
/// vCPU and memory size the function), invokes it once, deletes it.
pub async fn create_and_invoke(
    config: &alibabacloud_core::Config,
    quote: &ConfirmedQuote,
    spec: &FunctionSpec,
    script: &str,
    poll: &PollSettings,
) -> Result<FunctionOutput, ExecError> {
    check_quotes(std::slice::from_ref(quote), Product::Fc)?;
    let offer = quote.quote().offer();
    if script.trim().is_empty() {
        return Err(ExecError::Invalid("the script is empty".into()));
    }
    if offer.gpu.is_some() {
        return Err(ExecError::Invalid(
            "GPU functions need a custom container image; this path packages a shell script for a CPU runtime".into(),
        ));
    }
    if !(1..=86_400).contains(&spec.timeout_secs) {
        return Err(ExecError::Invalid(format!(
            "the function timeout must be 1 to 86400 s, not {}",
            spec.timeout_secs
        )));
    }
    let memory_mb = ((offer.memory_gib * 1024.0 / 64.0).round() as i32 * 64).max(128);
    let config = config
        .to_builder()
        .region(offer.region.clone())
        .build()
        .map_err(|e| ExecError::Invalid(format!("configuration for {}: {e}", offer.region)))?;
    let fc = alibabacloud_fc::Client::new(&config);
    let name = unique_name(&spec.name_prefix);
    let zip = zip_stored(&[
        ("index.py", HANDLER.as_bytes()),
        ("script.sh", script.as_bytes()),
    ]);
    let input = alibabacloud_fc::types::CreateFunctionInput::default()
        .with_function_name(name.clone())
        .with_runtime("python3.10")
        .with_handler("index.handler")
        .with_cpu(f64::from(offer.vcpu))
        .with_memory_size(memory_mb)
        .with_timeout(spec.timeout_secs)
        .with_description("created by alibabacloud-provision for one run")
        .with_code(
            alibabacloud_fc::types::InputCodeLocation::default().with_zip_file(B64.encode(&zip)),
        );
    let mut guard = Guard(Some((fc.clone(), name.clone(), poll.clone())));
    let outcome = async {
        fc.create_function()
            .body(input)
            .send()
            .await
            .map_err(|e| ExecError::api(format!("CreateFunction {name}"), e))?;
        tracing::info!(function = %name, "function created");
        let out = fc
            .invoke_function()
            .function_name(name.clone())
            .x_fc_log_type("Tail")
            .body(b"{}".to_vec())
            .send()
            .await
            .map_err(|e| ExecError::api(format!("InvokeFunction {name}"), e))?;
        let log = out
            .header("x-fc-log-result")
            .and_then(|l| B64.decode(l.trim()).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let body = String::from_utf8_lossy(out.body()).into_owned();
        if let Some(kind) = out.header("x-fc-error-type") {
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("errorMessage")
                        .and_then(|m| m.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| body.clone());
            return Err(ExecError::ResourceFailed {
                what: format!("function {name}"),
                status: kind.to_owned(),
                reason: message,
            });
        }
        let parsed: serde_json::Value = serde_json::from_str(&body).map_err(|_| {
            ExecError::Invalid(format!(
                "function {name} answered something other than the handler's JSON: {body:?}"
            ))
        })?;
        let exit_code = parsed.get("exitCode").and_then(serde_json::Value::as_i64);
        let output = parsed
            .get("output")
            .and_then(|o| o.as_str())
            .unwrap_or_default()
            .to_owned();
        match exit_code {
            Some(0) => Ok(FunctionOutput {
                function_name: name.clone(),
                exit_code: 0,
                output,
                log,
            }),
            Some(code) => Err(ExecError::ScriptFailed {
                exit_code: code,
                output,
                reason: String::new(),
            }),
            None => Err(ExecError::Invalid(format!(
                "function {name} answered no exit code: {body:?}"
            ))),
        }
    }
    .await;
    let left = guard.finish().await;
    match outcome {
        Ok(out) if left.is_empty() => Ok(out),
        Ok(_) => Err(ExecError::CleanupIncomplete { left }),
        Err(e) => Err(e.with_leftovers(left)),
    }
}

type Pending = (alibabacloud_fc::Client, String, PollSettings);

/// Deletes the function when dropped armed.
struct Guard(Option<Pending>);

async fn delete((fc, name, poll): Pending) -> Vec<String> {
    match retry_until(
        &poll,
        poll.release_timeout,
        |_| false,
        || fc.delete_function().function_name(name.clone()).send(),
    )
    .await
    {
        Ok(_) => {
            tracing::info!(function = %name, "function deleted");
            Vec::new()
        }
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => vec![format!("function {name}: {e}")],
    }
}

impl Guard {
    async fn finish(&mut self) -> Vec<String> {
        match self.0.take() {
            Some(p) => delete(p).await,
            None => Vec::new(),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(p) = self.0.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                tracing::warn!(function = %p.1, "FC run dropped; deleting the function in the background");
                h.spawn(async move {
                    let left = delete(p).await;
                    if !left.is_empty() {
                        tracing::error!(left = ?left, "background FC cleanup failed");
                    }
                });
            }
            Err(_) => {
                tracing::error!(function = %p.1, "FC run dropped outside a Tokio runtime; NOT deleted");
            }
        }
    }
}

/// CRC-32 (IEEE), as zip needs it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A zip archive of `files`, stored without compression (mode 0755).
fn zip_stored(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    // 1980-01-01 00:00, the zip epoch.
    let (time, date) = (0u16, 0x21u16);
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let name_len = name.len() as u16;
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, 0, time, date] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        // Made by Unix (3) version 2.0; needs 2.0; no flags; stored.
        for v in [0x0314u16, 20, 0, 0, time, date] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&(0o100_755u32 << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    let count = files.len() as u16;
    for v in [0u16, 0, count, count] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p8_crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn p8_zip_layout_is_well_formed() {
        let zip = zip_stored(&[("a.txt", b"hello"), ("script.sh", b"echo hi\n")]);
        assert_eq!(&zip[..4], b"PK\x03\x04");
        // End of central directory: two entries, directory right after the data.
        let eocd = zip.len() - 22;
        assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([zip[eocd + 10], zip[eocd + 11]]), 2);
        let cd_offset = u32::from_le_bytes(zip[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
        assert_eq!(&zip[cd_offset..cd_offset + 4], b"PK\x01\x02");
        // The first entry's data follows its 30-byte header and name.
        assert_eq!(&zip[30 + 5..30 + 10], b"hello");
    }
}
