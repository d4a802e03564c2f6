//! The transport every generated client sends through: endpoint, signing,
//! retries, timeouts, bounded responses and tracing.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};

use crate::config::Config;
use crate::credentials::Credentials;
use crate::encode::encode_param;
use crate::endpoint::{self, Endpoint, ServiceInfo};
use crate::error::{Error, TimeoutKind};
use crate::request::{Body, Request};
use crate::retry::should_retry;
use crate::sign::{self, SignableRequest, SigningKey};

/// Name and version that start the User-Agent.
pub const USER_AGENT: &str = concat!("alibabacloud-rust-sdk/", env!("CARGO_PKG_VERSION"));

/// A connection to one product API, built from a [`Config`]. Cheap to clone;
/// clones share one connection pool.
#[derive(Clone)]
pub struct ServiceClient {
    inner: Arc<Inner>,
}

struct Inner {
    service: &'static ServiceInfo,
    config: Config,
    endpoint: Result<Endpoint, String>,
    http: Result<reqwest::Client, String>,
    user_agent: String,
}

impl fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceClient")
            .field("product", &self.inner.service.product)
            .field("version", &self.inner.service.version)
            .field("endpoint", &self.inner.endpoint)
            .field("config", &self.inner.config)
            .finish()
    }
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Response {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The request id from the `x-acs-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        header_request_id(&self.headers)
    }

    /// Parses the body as JSON into `T`. An empty body parses as `{}`.
    pub fn json<T: DeserializeOwned>(&self, context: &str) -> Result<T, Error> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &self.body
        };
        serde_json::from_slice(body)
            .map_err(|e| Error::deserialize(format!("{context} response ({e})"), &self.body))
    }
}

fn header_request_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-acs-request-id")
        .and_then(|v| v.to_str().ok())
}

impl ServiceClient {
    /// A client for `service` configured by `config`. Problems with the
    /// endpoint or the HTTP stack are reported by the first call.
    pub fn new(config: &Config, service: &'static ServiceInfo) -> Self {
        let endpoint = endpoint::resolve(
            service,
            config.region(),
            config.account_id(),
            config.endpoint_override(),
        )
        .map_err(|e| e.to_string());
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout())
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(proxy) = config.proxy() {
            match reqwest::Proxy::all(proxy) {
                Ok(p) => builder = builder.proxy(p),
                Err(e) => {
                    return Self::broken(config, service, endpoint, format!("proxy: {e}"));
                }
            }
        } else {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| e.to_string());
        let mut user_agent = format!(
            "{USER_AGENT} ({} {}) {}/{}",
            std::env::consts::OS,
            std::env::consts::ARCH,
            service.product,
            service.version
        );
        if let Some(suffix) = config.user_agent_suffix() {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        Self {
            inner: Arc::new(Inner {
                service,
                config: config.clone(),
                endpoint,
                http,
                user_agent,
            }),
        }
    }

    fn broken(
        config: &Config,
        service: &'static ServiceInfo,
        endpoint: Result<Endpoint, String>,
        why: String,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                service,
                config: config.clone(),
                endpoint,
                http: Err(why),
                user_agent: USER_AGENT.to_owned(),
            }),
        }
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The product this client talks to.
    pub fn service(&self) -> &'static ServiceInfo {
        self.inner.service
    }

    /// The resolved endpoint.
    pub fn endpoint(&self) -> Result<&Endpoint, Error> {
        self.inner
            .endpoint
            .as_ref()
            .map_err(|e| Error::validation("endpoint", e.clone()))
    }

    /// Sends `request` and parses a JSON response into `T`.
    pub async fn send_json<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        let action = request.meta().action;
        self.send(request).await?.json(action)
    }

    /// Sends `request`, retrying as the policy and the operation allow, and
    /// returns the 2xx response or the last error.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let span = tracing::info_span!(
            "alibabacloud.call",
            product = self.inner.service.product,
            action = request.meta().action,
            attempt = field::Empty,
            request_id = field::Empty,
            status = field::Empty,
        );
        self.send_with_retries(request, span.clone())
            .instrument(span)
            .await
    }

    async fn send_with_retries(
        &self,
        request: Request,
        span: tracing::Span,
    ) -> Result<Response, Error> {
        let endpoint = self.endpoint()?;
        let http = self
            .inner
            .http
            .as_ref()
            .map_err(|e| Error::validation("http client", e.clone()))?;
        let policy = request
            .options()
            .retry
            .clone()
            .unwrap_or_else(|| self.inner.config.retry_policy().clone());
        let read_timeout = request
            .options()
            .read_timeout
            .unwrap_or(self.inner.config.read_timeout());
        let idempotency = request.idempotency();
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let budget = policy
                .max_total()
                .map(|total| total.saturating_sub(started.elapsed()));
            let result = self
                .attempt(http, endpoint, &request, read_timeout, budget, started)
                .await;
            let err = match result {
                Ok(response) => {
                    span.record("status", response.status);
                    if let Some(id) = response.request_id() {
                        span.record("request_id", id);
                    }
                    tracing::debug!(status = response.status, "call succeeded");
                    return Ok(response);
                }
                Err(err) => err,
            };
            if let Some(id) = err.request_id() {
                span.record("request_id", id);
            }
            if let Some(status) = err.status() {
                span.record("status", status);
            }
            if attempt >= policy.max_attempts() || !should_retry(&err, idempotency) {
                tracing::debug!(error = %err, "call failed");
                return Err(err);
            }
            let backoff = policy.backoff(attempt);
            if let Some(total) = policy.max_total() {
                if started.elapsed() + backoff >= total {
                    tracing::debug!(error = %err, "retry budget exhausted");
                    return Err(err);
                }
            }
            tracing::info!(error = %err, ?backoff, "retrying");
            tokio::time::sleep(backoff).await;
        }
    }

    async fn attempt(
        &self,
        http: &reqwest::Client,
        endpoint: &Endpoint,
        request: &Request,
        read_timeout: Duration,
        budget: Option<Duration>,
        started: Instant,
    ) -> Result<Response, Error> {
        let credentials = self
            .inner
            .config
            .credentials_provider()
            .provide_credentials()
            .await?;
        let prepared = self.prepare(endpoint, request, &credentials)?;
        let (limit, kind) = match budget {
            Some(b) if b < read_timeout => (b, TimeoutKind::Total),
            _ => (read_timeout, TimeoutKind::Read),
        };
        let max = self.inner.config.max_response_bytes();
        let exchange = async {
            let response = http
                .execute(prepared)
                .await
                .map_err(|e| map_reqwest_error(e, started))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = read_bounded(response, max).await?;
            Ok::<_, Error>((status, headers, body))
        };
        let (status, headers, body) = match tokio::time::timeout(limit, exchange).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(Error::Timeout {
                    kind,
                    elapsed: started.elapsed(),
                });
            }
        };
        if (200..300).contains(&status) {
            Ok(Response {
                status,
                headers,
                body,
            })
        } else {
            Err(Error::from_response(
                status,
                header_request_id(&headers),
                &body,
            ))
        }
    }

    /// Builds the signed HTTP request.
    fn prepare(
        &self,
        endpoint: &Endpoint,
        request: &Request,
        credentials: &Credentials,
    ) -> Result<reqwest::Request, Error> {
        let meta = request.meta();
        let service = self.inner.service;
        let (body, content_type): (Vec<u8>, Option<&str>) = match request.body() {
            Body::Empty => (Vec::new(), None),
            Body::Form(params) => (
                form_encode(params.as_slice()).into_bytes(),
                Some("application/x-www-form-urlencoded"),
            ),
            Body::Json(bytes) => (bytes.clone(), Some("application/json")),
            Body::Raw {
                bytes,
                content_type,
            } => (bytes.clone(), Some(content_type.as_str())),
        };
        let now = self.inner.config.clock().now();
        let mut headers: Vec<(String, String)> = Vec::with_capacity(10 + request.headers().len());
        headers.push(("host".into(), endpoint.host_header().to_owned()));
        headers.push(("x-acs-action".into(), meta.action.to_owned()));
        headers.push(("x-acs-version".into(), service.version.to_owned()));
        headers.push(("x-acs-date".into(), sign::format_date(now)));
        headers.push(("x-acs-signature-nonce".into(), sign::new_nonce()));
        if let Some(ct) = content_type {
            headers.push(("content-type".into(), ct.to_owned()));
        }
        if let Some(token) = credentials.security_token() {
            headers.push(("x-acs-security-token".into(), token.to_owned()));
        }
        headers.extend(request.headers().iter().cloned());
        let query = request.query().as_slice();
        let signature = sign::sign(
            &SignableRequest {
                method: meta.method,
                path: request.path(),
                query,
                headers: &headers,
                body: &body,
            },
            SigningKey {
                access_key_id: credentials.access_key_id(),
                access_key_secret: credentials.access_key_secret(),
            },
        );

        let mut url = endpoint.origin();
        url.push_str(request.path());
        if !query.is_empty() {
            url.push('?');
            url.push_str(&sign::canonical_query(query));
        }
        let url = reqwest::Url::parse(&url)
            .map_err(|e| Error::validation("path", format!("cannot form a URL: {e}")))?;
        let method = reqwest::Method::from_bytes(meta.method.as_bytes())
            .map_err(|_| Error::validation("method", meta.method.to_owned()))?;
        let mut http_request = reqwest::Request::new(method, url);
        let map = http_request.headers_mut();
        for (name, value) in headers.iter().filter(|(n, _)| n != "host") {
            insert_header(map, name, value)?;
        }
        insert_header(map, sign::CONTENT_SHA256_HEADER, &signature.content_sha256)?;
        insert_header(map, "authorization", &signature.authorization)?;
        insert_header(map, "user-agent", &self.inner.user_agent)?;
        insert_header(map, "accept", "application/json")?;
        if !body.is_empty() {
            *http_request.body_mut() = Some(body.into());
        }
        Ok(http_request)
    }
}

fn insert_header(map: &mut HeaderMap, name: &str, value: &str) -> Result<(), Error> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::validation(name, "is not a valid header name"))?;
    let header_value = HeaderValue::from_str(value)
        .map_err(|_| Error::validation(name, "header value contains invalid characters"))?;
    map.append(header_name, header_value);
    Ok(())
}

/// `k=v&...` with RFC 3986 encoding, in the given order.
fn form_encode(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(encode_param(k));
        out.push('=');
        out.extend(encode_param(v));
    }
    out
}

fn map_reqwest_error(e: reqwest::Error, started: Instant) -> Error {
    if e.is_connect() {
        if e.is_timeout() {
            return Error::Timeout {
                kind: TimeoutKind::Connect,
                elapsed: started.elapsed(),
            };
        }
        return Error::Transport {
            message: format!("could not connect: {}", error_chain(&e)),
            maybe_sent: false,
            source: Some(Box::new(e)),
        };
    }
    if e.is_timeout() {
        return Error::Timeout {
            kind: TimeoutKind::Read,
            elapsed: started.elapsed(),
        };
    }
    Error::Transport {
        message: error_chain(&e),
        maybe_sent: !e.is_builder(),
        source: Some(Box::new(e)),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

async fn read_bounded(mut response: reqwest::Response, max: usize) -> Result<Bytes, Error> {
    let too_large = |n: u64| Error::Transport {
        message: format!("response body of {n} bytes or more exceeds the {max}-byte limit"),
        maybe_sent: true,
        source: None,
    };
    if let Some(len) = response.content_length() {
        if len > max as u64 {
            return Err(too_large(len));
        }
    }
    let mut buf = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| Error::Transport {
        message: format!("reading the response failed: {}", error_chain(&e)),
        maybe_sent: true,
        source: Some(Box::new(e)),
    })? {
        if buf.len() + chunk.len() > max {
            return Err(too_large((buf.len() + chunk.len()) as u64));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_uses_rfc3986() {
        let p = vec![
            ("a b".to_owned(), "x*y".to_owned()),
            ("c".to_owned(), "~".to_owned()),
        ];
        assert_eq!(form_encode(&p), "a%20b=x%2Ay&c=~");
    }
}
