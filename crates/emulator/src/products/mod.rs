//! The modelled behaviour of each product.
//!
//! A handler gets the routed, validated call and the state (locked), and
//! answers `Ok(Some(reply))`, an error, or `Ok(None)` for operations it does
//! not model, which then get a schema-shaped answer.

use std::collections::HashMap;
use std::time::SystemTime;

use serde_json::Value;

use crate::error::ApiError;
use crate::params::Params;
use crate::product::Product;
use crate::state::State;

pub(crate) mod aiworkspace;
pub(crate) mod bss;
pub(crate) mod cs;
pub(crate) mod dlc;
pub(crate) mod eas;
pub(crate) mod ecs;
pub(crate) mod fc;
pub(crate) mod k8s;
pub(crate) mod script;
pub(crate) mod sysom;
pub(crate) mod vpc;

/// One routed and validated call.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub product: Product,
    pub action: &'a str,
    /// RPC: query and form values; ROA/FC: query values.
    pub params: &'a Params,
    /// ROA/FC path parameters, decoded.
    pub path: &'a HashMap<String, String>,
    /// Headers with lower-case names.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The JSON body, when the operation takes one.
    pub json: Option<&'a Value>,
    /// Virtual time.
    pub now: SystemTime,
    /// The region the call addresses.
    pub region: String,
    /// Set when this create must fail after it succeeded (see
    /// [`crate::CreateFailure::FailAfterCreate`]).
    pub fail_after_create: Option<&'a str>,
}

impl Ctx<'_> {
    /// A path parameter.
    pub fn path_param(&self, name: &str) -> Result<&str, ApiError> {
        self.path
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::missing(name))
    }

    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A member of the JSON body.
    pub fn body_field(&self, name: &str) -> Option<&Value> {
        self.json.and_then(|j| j.get(name)).filter(|v| !v.is_null())
    }

    /// A string member of the JSON body (numbers are given as text).
    pub fn body_str(&self, name: &str) -> Option<String> {
        match self.body_field(name)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An integer member of the JSON body (also accepted as text).
    pub fn body_i64(&self, name: &str) -> Option<i64> {
        json_i64(self.body_field(name)?)
    }

    /// A boolean member of the JSON body (also accepted as text).
    pub fn body_bool(&self, name: &str) -> Option<bool> {
        json_bool(self.body_field(name)?)
    }
}

/// An integer from a JSON number or numeric string.
pub(crate) fn json_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean from a JSON bool or `"true"`/`"false"`.
pub(crate) fn json_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => crate::params::parse_bool(s),
        _ => None,
    }
}

/// A string from a JSON value (numbers and booleans as text).
pub(crate) fn json_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A JSON body with the operation's success status.
    Json(Value),
    /// A body with explicit status, content type and extra headers.
    Raw {
        status: u16,
        content_type: &'static str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// No body, with the operation's success status.
    Empty,
}

/// A handler's answer.
pub(crate) type Outcome = Result<Option<Reply>, ApiError>;

/// Dispatches to the product's handler.
pub(crate) fn handle(state: &mut State, cx: &Ctx<'_>) -> Outcome {
    match cx.product {
        Product::Ecs => ecs::handle(state, cx),
        Product::Vpc => vpc::handle(state, cx),
        Product::Fc => fc::handle(state, cx),
        Product::Cs => cs::handle(state, cx),
        Product::PaiDlc => dlc::handle(state, cx),
        Product::Eas => eas::handle(state, cx),
        Product::AiWorkspace => aiworkspace::handle(state, cx),
        Product::Sysom => sysom::handle(state, cx),
        Product::Bss => bss::handle(state, cx),
    }
}

/// A JSON reply.
pub(crate) fn ok(v: Value) -> Outcome {
    Ok(Some(Reply::Json(v)))
}
