//! The request model that generated operation code fills in and the
//! transport sends.

use std::fmt::Display;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::encode::encode_segment;
use crate::error::Error;
use crate::retry::{Idempotency, RetryPolicy};

/// How a product's API is shaped on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiStyle {
    /// RPC: `POST /` with the action in a header and parameters in the
    /// query string (or a form body).
    Rpc,
    /// ROA (and Function Compute): resource paths, query, headers and a JSON
    /// or raw body.
    Roa,
}

/// Static facts about one operation, emitted by the code generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationMeta {
    /// Action name, e.g. `DescribeInstances`.
    pub action: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template (`/` for RPC, e.g. `/api/v1/jobs/{JobId}` for ROA).
    pub path: &'static str,
    /// Whether the operation only reads. Reads are retried freely; writes
    /// only with an idempotency token or when the request never left.
    pub read_only: bool,
}

/// Per-call settings that override the client's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Read timeout of each attempt.
    pub read_timeout: Option<Duration>,
    /// Retry policy of this call.
    pub retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// Empty options: everything from the client's configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the per-attempt read timeout.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// `application/x-www-form-urlencoded` parameters (RPC `in: formData`).
    Form(Params),
    /// A JSON document.
    Json(Vec<u8>),
    /// Raw bytes with their content type (for example a JSON string that the
    /// API takes verbatim).
    Raw {
        /// The bytes.
        bytes: Vec<u8>,
        /// Their content type.
        content_type: String,
    },
}

/// An ordered list of wire parameters (`name`, `value`), with the encoders
/// of the RPC parameter styles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The parameters, in insertion order.
    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Adds a plain value (`simple` style for scalars).
    pub fn push(&mut self, name: impl Into<String>, value: impl Display) {
        self.0.push((name.into(), value.to_string()));
    }

    /// Adds an optional plain value.
    pub fn push_opt<V: Display>(&mut self, name: &str, value: Option<V>) {
        if let Some(v) = value {
            self.push(name, v);
        }
    }

    /// `simple` style for lists: the values comma-joined in one parameter.
    pub fn push_simple_list<V: Display>(&mut self, name: &str, values: &[V]) {
        let joined = values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.push(name, joined);
    }

    /// `json` style: the value JSON-encoded into one parameter.
    pub fn push_json<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        let text = serde_json::to_string(value)
            .map_err(|e| Error::validation(name, format!("cannot be JSON-encoded: {e}")))?;
        self.push(name, text);
        Ok(())
    }

    /// `repeatList` and `flat` styles: lists become `Name.1`, `Name.2`, ...;
    /// objects become `Name.Field`; nested freely (`Tag.1.Key`,
    /// `SystemDisk.Category`, `DataDisk.1.Size`). Nulls are left out.
    pub fn push_flattened<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), Error> {
        let value = serde_json::to_value(value)
            .map_err(|e| Error::validation(name, format!("cannot be encoded: {e}")))?;
        self.flatten(name.to_owned(), &value);
        Ok(())
    }

    fn flatten(&mut self, prefix: String, value: &Value) {
        match value {
            Value::Null => {}
            Value::Bool(b) => self.0.push((prefix, b.to_string())),
            Value::Number(n) => self.0.push((prefix, n.to_string())),
            Value::String(s) => self.0.push((prefix, s.clone())),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.flatten(format!("{prefix}.{}", i + 1), item);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.flatten(format!("{prefix}.{k}"), v);
                }
            }
        }
    }
}

impl From<Vec<(String, String)>> for Params {
    fn from(value: Vec<(String, String)>) -> Self {
        Self(value)
    }
}

/// One operation call, ready for the transport.
#[derive(Debug, Clone)]
pub struct Request {
    meta: &'static OperationMeta,
    path: String,
    query: Params,
    headers: Vec<(String, String)>,
    body: Body,
    idempotency_token: bool,
    options: CallOptions,
}

impl Request {
    /// A request for `meta`, with the path template still unexpanded.
    pub fn new(meta: &'static OperationMeta) -> Self {
        Self {
            meta,
            path: meta.path.to_owned(),
            query: Params::new(),
            headers: Vec::new(),
            body: Body::Empty,
            idempotency_token: false,
            options: CallOptions::default(),
        }
    }

    /// The operation.
    pub fn meta(&self) -> &'static OperationMeta {
        self.meta
    }

    /// Substitutes `{name}` in the path with `value`, percent-encoded as one
    /// segment. An empty value is a validation error: it would address a
    /// different resource.
    pub fn path_param(&mut self, name: &str, value: impl Display) -> Result<(), Error> {
        let value = value.to_string();
        if value.is_empty() {
            return Err(Error::validation(
                name,
                "must not be empty (it is part of the path)",
            ));
        }
        let placeholder = format!("{{{name}}}");
        if !self.path.contains(&placeholder) {
            return Err(Error::validation(
                name,
                format!("no `{placeholder}` in path {}", self.meta.path),
            ));
        }
        let encoded = encode_segment(&value).to_string();
        self.path = self.path.replace(&placeholder, &encoded);
        Ok(())
    }

    /// The path as it goes on the wire.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Query parameters.
    pub fn query(&self) -> &Params {
        &self.query
    }

    /// Query parameters, to add to.
    pub fn query_mut(&mut self) -> &mut Params {
        &mut self.query
    }

    /// Form body parameters (switches the body to a form).
    pub fn form_mut(&mut self) -> &mut Params {
        if !matches!(self.body, Body::Form(_)) {
            self.body = Body::Form(Params::new());
        }
        match &mut self.body {
            Body::Form(p) => p,
            _ => unreachable!("body was just set to a form"),
        }
    }

    /// Adds a header.
    pub fn header(&mut self, name: impl Into<String>, value: impl Display) {
        self.headers.push((name.into(), value.to_string()));
    }

    /// Extra headers.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Sets a JSON body.
    pub fn json_body<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| Error::validation("body", format!("cannot be JSON-encoded: {e}")))?;
        self.body = Body::Json(bytes);
        Ok(())
    }

    /// Sets a raw body.
    pub fn raw_body(&mut self, bytes: impl Into<Vec<u8>>, content_type: impl Into<String>) {
        self.body = Body::Raw {
            bytes: bytes.into(),
            content_type: content_type.into(),
        };
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Marks that the request carries an idempotency token (for example ECS
    /// `ClientToken`), which makes a write safe to retry.
    pub fn set_idempotency_token(&mut self, present: bool) {
        self.idempotency_token = present;
    }

    /// How safely this request can be repeated.
    pub fn idempotency(&self) -> Idempotency {
        if self.meta.read_only {
            Idempotency::Idempotent
        } else if self.idempotency_token {
            Idempotency::Token
        } else {
            Idempotency::Unsafe
        }
    }

    /// Per-call overrides.
    pub fn options(&self) -> &CallOptions {
        &self.options
    }

    /// Replaces the per-call overrides.
    pub fn set_options(&mut self, options: CallOptions) {
        self.options = options;
    }
}

impl Request {
    /// A stable, human-readable rendering of what this request puts on the
    /// wire (before signing): action, method and path, the query sorted by
    /// name, the operation's own headers sorted by name, and the body (form
    /// fields sorted by name; JSON and other bodies as sent). Meant for
    /// snapshot tests and debugging; per-call options are not shown.
    ///
    /// ```text
    /// DescribeInstances POST /
    ///   query RegionId=cn-hangzhou
    ///   query Tag.1.Key=env
    ///   idempotency token
    /// ```
    pub fn render(&self) -> String {
        use std::fmt::Write as _;

        fn sorted(params: &[(String, String)]) -> Vec<&(String, String)> {
            let mut v: Vec<_> = params.iter().collect();
            v.sort();
            v
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} {} {}",
            self.meta.action, self.meta.method, self.path
        );
        for (k, v) in sorted(self.query.as_slice()) {
            let _ = writeln!(out, "  query {k}={v}");
        }
        for (k, v) in sorted(&self.headers) {
            let _ = writeln!(out, "  header {k}: {v}");
        }
        match &self.body {
            Body::Empty => {}
            Body::Form(params) => {
                let _ = writeln!(out, "  form");
                for (k, v) in sorted(params.as_slice()) {
                    let _ = writeln!(out, "    {k}={v}");
                }
            }
            Body::Json(bytes) => {
                let _ = writeln!(out, "  json {}", String::from_utf8_lossy(bytes));
            }
            Body::Raw {
                bytes,
                content_type,
            } => {
                let _ = writeln!(
                    out,
                    "  raw ({content_type}) {}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
        if self.idempotency_token {
            let _ = writeln!(out, "  idempotency token");
        }
        out
    }
}

/// A fresh idempotency token (for `ClientToken` parameters the caller left empty).
pub fn new_client_token() -> String {
    crate::sign::new_nonce()
}

#[cfg(test)]
mod tests {
    use super::*;

    static GET_JOB: OperationMeta = OperationMeta {
        action: "GetJob",
        method: "GET",
        path: "/api/v1/jobs/{JobId}",
        read_only: true,
    };

    #[derive(Serialize)]
    struct Tag {
        #[serde(rename = "Key")]
        key: &'static str,
        #[serde(rename = "Value", skip_serializing_if = "Option::is_none")]
        value: Option<&'static str>,
    }

    #[test]
    fn repeat_list_of_objects_is_numbered_from_one() {
        let mut p = Params::new();
        p.push_flattened(
            "Tag",
            &[
                Tag {
                    key: "a",
                    value: Some("1"),
                },
                Tag {
                    key: "b",
                    value: None,
                },
            ],
        )
        .unwrap();
        assert_eq!(
            p.as_slice(),
            &[
                ("Tag.1.Key".to_owned(), "a".to_owned()),
                ("Tag.1.Value".to_owned(), "1".to_owned()),
                ("Tag.2.Key".to_owned(), "b".to_owned()),
            ]
        );
    }

    #[test]
    fn flat_object_uses_dotted_names() {
        let mut p = Params::new();
        p.push_flattened(
            "SystemDisk",
            &serde_json::json!({"Category": "cloud_essd", "Size": 40, "Encrypted": false}),
        )
        .unwrap();
        assert_eq!(p.get("SystemDisk.Category"), Some("cloud_essd"));
        assert_eq!(p.get("SystemDisk.Size"), Some("40"));
        assert_eq!(p.get("SystemDisk.Encrypted"), Some("false"));
    }

    #[test]
    fn json_and_simple_styles() {
        let mut p = Params::new();
        p.push_json("InstanceIds", &["i-1", "i-2"]).unwrap();
        p.push_simple_list("Ids", &["a", "b"]);
        assert_eq!(p.get("InstanceIds"), Some(r#"["i-1","i-2"]"#));
        assert_eq!(p.get("Ids"), Some("a,b"));
    }

    #[test]
    fn path_params_are_encoded_as_one_segment() {
        let mut r = Request::new(&GET_JOB);
        r.path_param("JobId", "dlc/1 2").unwrap();
        assert_eq!(r.path(), "/api/v1/jobs/dlc%2F1%202");
        assert_eq!(r.idempotency(), Idempotency::Idempotent);
    }

    #[test]
    fn empty_or_unknown_path_params_are_rejected() {
        let mut r = Request::new(&GET_JOB);
        let e = r.path_param("JobId", "").unwrap_err();
        assert!(matches!(e, Error::Validation { ref param, .. } if param == "JobId"));
        assert!(r.path_param("Nope", "x").is_err());
    }

    #[test]
    fn render_is_sorted_and_shows_the_body() {
        static RUN: OperationMeta = OperationMeta {
            action: "RunInstances",
            method: "POST",
            path: "/",
            read_only: false,
        };
        let mut r = Request::new(&RUN);
        r.query_mut().push("ZoneId", "cn-hangzhou-h");
        r.query_mut().push("Amount", 2);
        r.form_mut().push("UserData", "x y");
        r.header("x-b", "2");
        r.header("x-a", "1");
        r.set_idempotency_token(true);
        assert_eq!(
            r.render(),
            "RunInstances POST /\n  query Amount=2\n  query ZoneId=cn-hangzhou-h\n  \
             header x-a: 1\n  header x-b: 2\n  form\n    UserData=x y\n  idempotency token\n"
        );
        let mut r = Request::new(&GET_JOB);
        r.json_body(&serde_json::json!({"b": 1})).unwrap();
        assert_eq!(
            r.render(),
            "GetJob GET /api/v1/jobs/{JobId}\n  json {\"b\":1}\n"
        );
    }

    #[test]
    fn writes_need_a_token_to_be_idempotent() {
        static RUN: OperationMeta = OperationMeta {
            action: "RunInstances",
            method: "POST",
            path: "/",
            read_only: false,
        };
        let mut r = Request::new(&RUN);
        assert_eq!(r.idempotency(), Idempotency::Unsafe);
        r.set_idempotency_token(true);
        assert_eq!(r.idempotency(), Idempotency::Token);
    }
}
