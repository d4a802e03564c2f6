//! HTTP and response helpers shared by the network providers.
//!
//! Everything here is careful about secrets: request URLs are never printed
//! with their query string, reqwest errors are stripped of their URL, and
//! successful bodies (which hold credentials) are never quoted.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `User-Agent` of the providers' requests.
pub(crate) const USER_AGENT: &str = concat!(
    "alibabacloud-rust-sdk/",
    env!("CARGO_PKG_VERSION"),
    " (credentials)"
);

/// Longest piece of an error body quoted in an error message.
const BODY_EXCERPT_LEN: usize = 160;

/// A failed exchange with a credentials endpoint.
#[derive(Debug)]
pub(crate) enum HttpFailure {
    /// No connection could be made (refused, unreachable, connect timeout).
    Connect(String),
    /// Connected (or still connecting) but no complete answer in time.
    Timeout(String),
    /// Anything else: broken connection, unreadable body, ...
    Other(String),
}

impl HttpFailure {
    pub(crate) fn message(&self) -> &str {
        match self {
            HttpFailure::Connect(m) | HttpFailure::Timeout(m) | HttpFailure::Other(m) => m,
        }
    }
}

/// A response: status and body bytes.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// Sends `request` with a total `timeout` and reads the whole body.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Response, HttpFailure> {
    let response = request
        .header("user-agent", USER_AGENT)
        .timeout(timeout)
        .send()
        .await
        .map_err(classify_error)?;
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-acs-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.map_err(classify_error)?;
    Ok(Response {
        status,
        request_id,
        body: body.to_vec(),
    })
}

fn classify_error(error: reqwest::Error) -> HttpFailure {
    let message = describe_error(&error);
    if error.is_connect() {
        HttpFailure::Connect(message)
    } else if error.is_timeout() {
        HttpFailure::Timeout(message)
    } else {
        HttpFailure::Other(message)
    }
}

/// A reqwest error as text, without its URL (which may carry a token in the
/// query string), followed by its causes.
pub(crate) fn describe_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "could not read the response"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Parses an expiry time such as `2026-11-24T08:00:00Z`.
pub(crate) fn parse_expiration(text: &str) -> Result<SystemTime, String> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(SystemTime::from)
        .map_err(|_| format!("invalid Expiration {text:?} (expected e.g. 2026-11-24T08:00:00Z)"))
}

/// Parses a JSON object. The error never quotes the body.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("response is not a JSON object".to_owned()),
        Err(e) => Err(format!(
            "response is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    }
}

/// A non-empty string field of a JSON object.
pub(crate) fn str_field(map: &Map<String, Value>, name: &str) -> Option<String> {
    match map.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// A required string field; the error names the field, never a value.
pub(crate) fn required_field(map: &Map<String, Value>, name: &str) -> Result<String, String> {
    str_field(map, name).ok_or_else(|| format!("response has no {name}"))
}

/// Describes an error response: the HTTP status and, when the body is JSON,
/// the service's code, message and request id. `secrets` are removed from
/// anything quoted.
pub(crate) fn error_reason(response: &Response, secrets: &[&str]) -> String {
    let mut reason = format!("HTTP {}", response.status);
    match json_object(&response.body) {
        Ok(map) => {
            let code = str_field(&map, "Code").or_else(|| str_field(&map, "code"));
            let message = str_field(&map, "Message").or_else(|| str_field(&map, "message"));
            let request_id = str_field(&map, "RequestId")
                .or_else(|| str_field(&map, "requestId"))
                .or_else(|| response.request_id.clone());
            if let Some(code) = code {
                reason.push_str(", code ");
                reason.push_str(&code);
            }
            if let Some(message) = message {
                reason.push_str(": ");
                reason.push_str(&message);
            }
            if let Some(id) = request_id {
                reason.push_str(" [request id ");
                reason.push_str(&id);
                reason.push(']');
            }
        }
        Err(_) => {
            let text = String::from_utf8_lossy(&response.body);
            let text = text.trim();
            if !text.is_empty() {
                let mut excerpt: String = text.chars().take(BODY_EXCERPT_LEN).collect();
                if text.chars().count() > BODY_EXCERPT_LEN {
                    excerpt.push('…');
                }
                reason.push_str(": ");
                reason.push_str(&excerpt);
            }
            if let Some(id) = &response.request_id {
                reason.push_str(" [request id ");
                reason.push_str(id);
                reason.push(']');
            }
        }
    }
    scrub(reason, secrets)
}

/// Replaces every occurrence of each secret in `text`.
pub(crate) fn scrub(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets {
        // Very short values would mangle unrelated text and are not worth
        // hiding; real secrets are long.
        if secret.len() >= 4 && text.contains(secret) {
            text = text.replace(secret, "** redacted **");
        }
    }
    text
}

/// A URL as it may be shown: scheme, host, port and path, without user info
/// and query string.
pub(crate) fn display_url(url: &url::Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        shown.push(':');
        shown.push_str(&port.to_string());
    }
    shown.push_str(url.path());
    if url.query().is_some() {
        shown.push_str("?…");
    }
    shown
}

/// Turns an endpoint setting into a base URL: a bare host gets `https://`,
/// a trailing `/` is dropped.
pub(crate) fn base_url(endpoint: &str) -> String {
    let endpoint = endpoint.trim().trim_end_matches('/');
    if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("https://{endpoint}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_parses_utc() {
        let t = parse_expiration("2026-11-24T08:00:00Z").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_795_507_200);
        assert!(parse_expiration("tomorrow").is_err());
    }

    #[test]
    fn urls_are_shown_without_query_or_user() {
        let url = url::Url::parse("http://user:pw@127.0.0.1:8080/creds?token=abc").unwrap();
        assert_eq!(display_url(&url), "http://127.0.0.1:8080/creds?…");
    }

    #[test]
    fn endpoints_become_base_urls() {
        assert_eq!(base_url("sts.aliyuncs.com"), "https://sts.aliyuncs.com");
        assert_eq!(base_url("http://127.0.0.1:1/"), "http://127.0.0.1:1");
    }

    #[test]
    fn error_reasons_quote_code_and_scrub_secrets() {
        let response = Response {
            status: 403,
            request_id: None,
            body:
                br#"{"Code":"NoPermission","Message":"key FAKE-SECRET-x is bad","RequestId":"R-1"}"#
                    .to_vec(),
        };
        let reason = error_reason(&response, &["FAKE-SECRET-x"]);
        assert_eq!(
            reason,
            "HTTP 403, code NoPermission: key ** redacted ** is bad [request id R-1]"
        );
    }
}
