//! The one error type of the SDK.

use std::fmt;
use std::time::Duration;

use crate::credentials::CredentialsError;

/// Boxed source error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Longest body excerpt kept in an error.
const SNIPPET_LEN: usize = 256;

/// Every way a call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error.
    #[error("{}", fmt_service(*status, code, message, request_id.as_deref()))]
    Service {
        /// HTTP status.
        status: u16,
        /// Error code (`Throttling.User`, `InvalidParameter`, ...).
        code: String,
        /// Message from the service.
        message: String,
        /// Request id, to quote to support.
        request_id: Option<String>,
        /// Diagnosis URL the service recommends.
        recommend: Option<String>,
        /// Host that answered.
        host_id: Option<String>,
    },
    /// The request could not be sent or the response not read.
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
        /// Whether the request may have reached the server. `false` means it
        /// provably did not (for example the connection was refused), which
        /// makes even a non-idempotent call safe to retry.
        maybe_sent: bool,
        /// Underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A connect or read timeout, or the total time budget, ran out.
    #[error("timed out ({kind}) after {elapsed:?}")]
    Timeout {
        /// Which timeout fired.
        kind: TimeoutKind,
        /// How long was spent.
        elapsed: Duration,
    },
    /// No usable credentials.
    #[error("credentials: {0}")]
    Credentials(#[from] CredentialsError),
    /// A parameter was rejected before anything was sent.
    #[error("invalid parameter `{param}`: {reason}")]
    Validation {
        /// Parameter name, as the API spells it.
        param: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A response could not be parsed.
    #[error("could not parse {context}: body starts with {body_snippet:?}")]
    Deserialize {
        /// What was being parsed, and the parser's message.
        context: String,
        /// The start of the body.
        body_snippet: String,
    },
}

/// Which timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection.
    Connect,
    /// Waiting for or reading the response.
    Read,
    /// The whole call, retries included.
    Total,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Read => "read",
            TimeoutKind::Total => "total",
        })
    }
}

fn fmt_service(status: u16, code: &str, message: &str, request_id: Option<&str>) -> String {
    let mut s = format!("{code} (HTTP {status})");
    if !message.is_empty() {
        s.push_str(": ");
        s.push_str(message);
    }
    if let Some(id) = request_id {
        s.push_str(" [request id ");
        s.push_str(id);
        s.push(']');
    }
    s
}

/// Codes that mean "slow down".
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "Throttling.System",
    "RequestLimitExceeded",
    "Throttling.Concurrent",
    "Sysom.TooManyRequests",
];

/// Codes that mean "no capacity for this there".
const OUT_OF_STOCK_CODES: &[&str] = &[
    "OperationDenied.NoStock",
    "Zone.NotOnSale",
    "InvalidResourceType.NotSupported",
    "InvalidInstanceType.ZoneNotSupported",
    "ResourceNotAvailable",
];

impl Error {
    /// A validation error for `param`.
    pub fn validation(param: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            param: param.into(),
            reason: reason.into(),
        }
    }

    /// A deserialization error with the start of `body`.
    pub fn deserialize(context: impl Into<String>, body: &[u8]) -> Self {
        Error::Deserialize {
            context: context.into(),
            body_snippet: snippet(body),
        }
    }

    /// The service error code, if this is a service error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The request id, if the service gave one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service asked us to slow down.
    pub fn is_throttling(&self) -> bool {
        match self {
            Error::Service { status, code, .. } => {
                *status == 429 || THROTTLING_CODES.iter().any(|c| code == c)
            }
            _ => false,
        }
    }

    /// Whether trying again later may succeed: throttling, 5xx, transport
    /// failures and timeouts. Whether a retry is *safe* also depends on the
    /// operation; the transport decides that.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Service { status, code, .. } => {
                *status >= 500 || code == "ServiceUnavailable" || self.is_throttling()
            }
            Error::Transport { .. } => true,
            Error::Timeout { kind, .. } => *kind != TimeoutKind::Total,
            _ => false,
        }
    }

    /// The resource does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Service { status, code, .. } => {
                *status == 404
                    || code.contains("NotFound")
                    || code.contains("NotExist")
                    || code.ends_with(".NotFound")
            }
            _ => false,
        }
    }

    /// The requested capacity is not available (ECS stock errors).
    pub fn is_out_of_stock(&self) -> bool {
        match self {
            Error::Service { code, .. } => OUT_OF_STOCK_CODES.iter().any(|c| code == c),
            _ => false,
        }
    }

    /// Builds the error for a non-2xx response from its status and body.
    ///
    /// Understands the RPC shape (`Code`, `Message`, `RequestId`, `HostId`,
    /// `Recommend`), the ROA shape (`code`, `message`, `requestId`) and
    /// anything else (HTML from a proxy, an empty body), which becomes an
    /// error carrying the status and a short snippet.
    pub fn from_response(status: u16, header_request_id: Option<&str>, body: &[u8]) -> Self {
        let parsed: Option<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_slice(body).ok();
        let field = |names: &[&str]| -> Option<String> {
            let map = parsed.as_ref()?;
            names.iter().find_map(|n| match map.get(*n) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        let code = field(&["Code", "code", "ErrorCode", "errorCode"]);
        let message = field(&["Message", "message", "ErrorMessage", "errorMessage", "Msg"]);
        let request_id = field(&["RequestId", "requestId", "request_id"])
            .or_else(|| header_request_id.map(str::to_owned));
        let (code, message) = match (code, message) {
            (Some(c), m) => (c, m.unwrap_or_default()),
            (None, m) => {
                let message = m.unwrap_or_else(|| {
                    if body.is_empty() {
                        "empty response body".to_owned()
                    } else {
                        format!("unexpected response body: {}", snippet(body))
                    }
                });
                (fallback_code(status).to_owned(), message)
            }
        };
        Error::Service {
            status,
            code,
            message,
            request_id,
            recommend: field(&["Recommend", "recommend"]),
            host_id: field(&["HostId", "hostId"]),
        }
    }
}

fn fallback_code(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 | 403 => "Forbidden",
        404 => "NotFound",
        429 => "Throttling",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        s if s >= 500 => "InternalError",
        _ => "UnknownError",
    }
}

/// The start of a body as text, at most a few hundred characters.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_LEN * 4)]);
    let text = text.trim();
    let mut out: String = text.chars().take(SNIPPET_LEN).collect();
    if text.chars().count() > SNIPPET_LEN {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_error_body_parses() {
        let body = br#"{"RequestId":"R1","HostId":"ecs.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control.","Recommend":"https://example.invalid/diag"}"#;
        let e = Error::from_response(400, None, body);
        assert_eq!(e.code(), Some("Throttling.User"));
        assert_eq!(e.request_id(), Some("R1"));
        assert!(e.is_throttling());
        assert!(e.is_retryable());
        match &e {
            Error::Service {
                recommend, host_id, ..
            } => {
                assert_eq!(recommend.as_deref(), Some("https://example.invalid/diag"));
                assert_eq!(host_id.as_deref(), Some("ecs.aliyuncs.com"));
            }
            other => panic!("{other:?}"),
        }
        let text = e.to_string();
        assert!(text.contains("Throttling.User (HTTP 400)"), "{text}");
        assert!(text.contains("R1"), "{text}");
    }

    #[test]
    fn roa_error_body_parses() {
        let body = br#"{"code":"JobNotFound","message":"job dlc1 not found","requestId":"R2"}"#;
        let e = Error::from_response(404, None, body);
        assert_eq!(e.code(), Some("JobNotFound"));
        assert_eq!(e.request_id(), Some("R2"));
        assert!(e.is_not_found());
        assert!(!e.is_retryable());
    }

    #[test]
    fn html_from_a_proxy_gives_status_and_snippet() {
        let body = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
        let e = Error::from_response(502, Some("HDR-ID"), body);
        assert_eq!(e.code(), Some("BadGateway"));
        assert_eq!(e.request_id(), Some("HDR-ID"));
        assert!(e.is_retryable());
        let text = e.to_string();
        assert!(text.contains("HTTP 502"), "{text}");
        assert!(text.contains("<h1>502 Bad Gateway</h1>"), "{text}");
    }

    #[test]
    fn empty_body_is_named() {
        let e = Error::from_response(503, None, b"");
        assert_eq!(e.code(), Some("ServiceUnavailable"));
        assert!(e.to_string().contains("empty response body"));
    }

    #[test]
    fn snippet_is_bounded() {
        let long = vec![b'x'; 10_000];
        let s = snippet(&long);
        assert!(s.chars().count() <= SNIPPET_LEN + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn out_of_stock_codes() {
        for code in [
            "OperationDenied.NoStock",
            "Zone.NotOnSale",
            "InvalidResourceType.NotSupported",
        ] {
            let body = format!(r#"{{"Code":"{code}","Message":"m","RequestId":"r"}}"#);
            assert!(Error::from_response(403, None, body.as_bytes()).is_out_of_stock());
        }
        assert!(!Error::from_response(403, None, br#"{"Code":"Forbidden.RAM"}"#).is_out_of_stock());
    }

    #[test]
    fn validation_names_the_parameter() {
        let e = Error::validation("RegionId", "is required");
        assert_eq!(e.to_string(), "invalid parameter `RegionId`: is required");
    }
}
