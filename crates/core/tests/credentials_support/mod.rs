//! Helpers shared by the `credentials_*` integration tests.
//!
//! Every key here is fake, and every server listens on loopback.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use alibabacloud_core::clock::ManualClock;
use alibabacloud_core::credentials::ProviderConfig;
use alibabacloud_core::env::Env;
use alibabacloud_core::sign::{SignableRequest, SigningKey, sign};

/// The secret that must never show up in any formatted output.
pub const FAKE_SECRET: &str = "FAKE-SECRET-do-not-print";
/// A fake AccessKey id.
pub const FAKE_ID: &str = "LTAIFAKEKEYID0000";
/// A fake STS token.
pub const FAKE_TOKEN: &str = "FAKE-STS-TOKEN-do-not-print";

/// 2026-11-24T07:00:00Z: one hour before [`EXPIRATION`].
pub fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_503_600)
}

/// Expiry of the credentials the fake servers hand out.
pub const EXPIRATION: &str = "2026-11-24T08:00:00Z";

/// A clock frozen at [`start`].
pub fn clock() -> ManualClock {
    ManualClock::new(start())
}

/// An HTTP client that never goes through a proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// Provider settings reading `vars` (home directory `home`) with `clock`.
pub fn config(vars: &[(&str, &str)], home: Option<&Path>, clock: &ManualClock) -> ProviderConfig {
    ProviderConfig::new(Env::fake(vars.iter().copied(), home.map(Path::to_path_buf)))
        .with_clock(Arc::new(clock.clone()))
        .with_http_client(client())
        .with_metadata_http_client(client())
}

/// A successful STS AssumeRole / AssumeRoleWithOIDC body.
pub fn sts_success(access_key_id: &str) -> serde_json::Value {
    serde_json::json!({
        "RequestId": "REQ-STS-1",
        "AssumedRoleUser": {"Arn": "acs:ram::1234567890:role/fake/session", "AssumedRoleId": "3000:session"},
        "Credentials": {
            "AccessKeyId": access_key_id,
            "AccessKeySecret": FAKE_SECRET,
            "SecurityToken": FAKE_TOKEN,
            "Expiration": EXPIRATION
        }
    })
}

/// A successful metadata / credentials-URI body.
pub fn flat_success(access_key_id: &str) -> serde_json::Value {
    serde_json::json!({
        "Code": "Success",
        "AccessKeyId": access_key_id,
        "AccessKeySecret": FAKE_SECRET,
        "SecurityToken": FAKE_TOKEN,
        "Expiration": EXPIRATION,
        "LastUpdated": "2026-11-24T07:00:00Z"
    })
}

/// Recomputes the ACS3-HMAC-SHA256 signature of a received request with
/// `secret` and checks it against its Authorization header.
pub fn assert_signed_v3(request: &wiremock::Request, access_key_id: &str, secret: &str) {
    let authorization = request
        .headers
        .get("authorization")
        .expect("Authorization header")
        .to_str()
        .expect("ascii");
    assert!(
        authorization.starts_with(&format!("ACS3-HMAC-SHA256 Credential={access_key_id},")),
        "{authorization}"
    );
    let query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| name.as_str() != "authorization")
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().expect("ascii").to_owned(),
            )
        })
        .collect();
    let expected = sign(
        &SignableRequest {
            method: request.method.as_str(),
            path: request.url.path(),
            query: &query,
            headers: &headers,
            body: &request.body,
        },
        SigningKey {
            access_key_id,
            access_key_secret: secret,
        },
    );
    assert_eq!(authorization, expected.authorization);
}

/// The value of header `name` of a received request.
pub fn header_value<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The form body of a received request, decoded.
pub fn form(request: &wiremock::Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Value of `name` in decoded pairs.
pub fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
