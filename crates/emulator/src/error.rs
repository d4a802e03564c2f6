//! Service errors as the emulator answers them, rendered in the error style
//! of each product.

use serde_json::{Value, json};

use crate::product::{ErrorStyle, Product};

/// An error answer: HTTP status, error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A required parameter is absent.
    pub fn missing(name: &str) -> Self {
        Self::new(
            400,
            "MissingParameter",
            format!("the required parameter \"{name}\" is missing"),
        )
    }

    /// A parameter value is not acceptable.
    pub fn invalid(name: &str, why: impl std::fmt::Display) -> Self {
        Self::new(
            400,
            "InvalidParameter",
            format!("the parameter \"{name}\" is invalid: {why}"),
        )
    }

    /// A resource does not exist (404).
    pub fn not_found(code: &str, what: impl std::fmt::Display) -> Self {
        Self::new(404, code, format!("{what} does not exist"))
    }

    /// The resource is in a state that does not allow the operation.
    pub fn bad_status(code: &str, message: impl Into<String>) -> Self {
        Self::new(403, code, message)
    }

    /// Renders the body in the style of `product` (RPC style when unknown).
    pub fn body(&self, product: Option<Product>, request_id: &str, host: &str) -> Value {
        let style = product.map_or(ErrorStyle::Rpc, Product::error_style);
        match style {
            ErrorStyle::Rpc => json!({
                "RequestId": request_id,
                "HostId": host,
                "Code": self.code,
                "Message": self.message,
                "Recommend": format!("http://{host}/_emulator/requests?id={request_id}"),
            }),
            ErrorStyle::Pascal => json!({
                "RequestId": request_id,
                "Code": self.code,
                "Message": self.message,
            }),
            ErrorStyle::Camel => json!({
                "requestId": request_id,
                "code": self.code,
                "message": self.message,
            }),
            ErrorStyle::Snake => json!({
                "request_id": request_id,
                "code": self.code,
                "message": self.message,
            }),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        let e = ApiError::missing("RegionId");
        let rpc = e.body(Some(Product::Ecs), "R1", "127.0.0.1:1");
        assert_eq!(rpc["Code"], "MissingParameter");
        assert_eq!(rpc["RequestId"], "R1");
        assert!(rpc["Message"].as_str().unwrap().contains("RegionId"));
        let cs = e.body(Some(Product::Cs), "R2", "h");
        assert_eq!(cs["requestId"], "R2");
        let sysom = e.body(Some(Product::Sysom), "R3", "h");
        assert_eq!(sysom["request_id"], "R3");
    }
}
