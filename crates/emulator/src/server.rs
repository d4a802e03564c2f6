//! The HTTP server and the request pipeline: body limit, control routes,
//! product detection, signature verification, routing, injected faults and
//! latency, spec validation, the product handler, and the answer (request
//! id, success status, schema check, access log).

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use alibabacloud_core::clock::SharedClock;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as IncomingBody;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::auth::{Incoming, Verifier};
use crate::clock::{VirtualClock, iso_seconds};
use crate::control::{CreateFailure, MAX_LOG, RequestRecord, Rules};
use crate::error::ApiError;
use crate::params::Params;
use crate::product::{ErrorStyle, Product};
use crate::products::{self, Ctx, Reply};
use crate::spec::{Operation, Specs};
use crate::state::State;
use crate::synth::{conforms, fill_request_id, synthesize};
use crate::validate;

/// Settings fixed at start.
#[derive(Debug)]
pub(crate) struct Settings {
    pub region: String,
    pub strict_responses: bool,
    pub max_body_bytes: usize,
}

/// Everything a request needs, shared by all connections.
#[derive(Debug)]
pub(crate) struct Shared {
    pub settings: Settings,
    pub verifier: Verifier,
    pub wall_clock: SharedClock,
    pub clock: VirtualClock,
    state: Mutex<State>,
    rules: Mutex<Rules>,
    log: Mutex<VecDeque<RequestRecord>>,
    counter: AtomicU64,
    salt: u64,
}

impl Shared {
    pub fn new(
        settings: Settings,
        verifier: Verifier,
        wall_clock: SharedClock,
        clock: VirtualClock,
        state: State,
        salt: u64,
    ) -> Self {
        Self {
            settings,
            verifier,
            wall_clock,
            clock,
            state: Mutex::new(state),
            rules: Mutex::new(Rules::default()),
            log: Mutex::new(VecDeque::new()),
            counter: AtomicU64::new(0),
            salt,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn rules(&self) -> MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn log(&self) -> MutexGuard<'_, VecDeque<RequestRecord>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh request id, UUID-shaped and upper-case like the real ones.
    pub fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let a = splitmix(self.salt ^ n);
        let b = splitmix(a ^ n.rotate_left(17));
        let h = format!("{a:016X}{b:016X}");
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    fn record(&self, record: RequestRecord) {
        let mut log = self.log();
        if log.len() >= MAX_LOG {
            log.pop_front();
        }
        log.push_back(record);
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Accepts connections until `shutdown` fires.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = shared.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |req| {
                            let shared = shared.clone();
                            async move { Ok::<_, Infallible>(handle(shared, req).await) }
                        });
                        let _ = http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// An answer before it becomes an HTTP response.
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub product: Option<Product>,
    pub action: Option<String>,
    pub code: Option<String>,
}

impl Answer {
    pub fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            content_type: "application/json;charset=utf-8",
            headers: Vec::new(),
            body: serde_json::to_vec(value).unwrap_or_default(),
            product: None,
            action: None,
            code: None,
        }
    }

    fn error(
        e: &ApiError,
        product: Option<Product>,
        action: Option<&str>,
        request_id: &str,
        host: &str,
    ) -> Self {
        let mut a = Self::json(e.status, &e.body(product, request_id, host));
        a.product = product;
        a.action = action.map(str::to_owned);
        a.code = Some(e.code.clone());
        a
    }
}

async fn handle(shared: Arc<Shared>, req: Request<IncomingBody>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_owned();
    let raw_path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let request_id = shared.request_id();
    let host = headers
        .iter()
        .find(|(k, _)| k == "host")
        .map_or_else(|| "127.0.0.1".to_owned(), |(_, v)| v.clone());

    let answer = match Limited::new(body, shared.settings.max_body_bytes)
        .collect()
        .await
    {
        Err(_) => Answer::error(
            &ApiError::new(
                413,
                "RequestEntityTooLarge",
                "the request body is too large",
            ),
            None,
            None,
            &request_id,
            &host,
        ),
        Ok(collected) => {
            let body = collected.to_bytes();
            if raw_path == "/_emulator" || raw_path.starts_with("/_emulator/") {
                crate::http_control::handle(&shared, &method, &raw_path, &raw_query, &body)
            } else if products::k8s::is_k8s_request(&raw_path, &headers) {
                products::k8s::handle(&shared, &method, &raw_path, &raw_query, &headers, &body)
            } else {
                let input = Input {
                    method: &method,
                    raw_path: &raw_path,
                    raw_query: &raw_query,
                    headers: &headers,
                    body: &body,
                    request_id: &request_id,
                    host: &host,
                };
                dispatch(&shared, &input).await
            }
        }
    };

    if !raw_path.starts_with("/_emulator") {
        tracing::info!(
            target: "alibabacloud_emulator::access",
            "{method} {} {} {} {} request_id={request_id} {}ms",
            answer.product.map_or("-", Product::code),
            answer.action.as_deref().unwrap_or("-"),
            answer.status,
            answer.code.as_deref().unwrap_or("-"),
            started.elapsed().as_millis()
        );
        shared.record(RequestRecord {
            request_id: request_id.clone(),
            method: method.clone(),
            product: answer.product,
            action: answer.action.clone(),
            status: answer.status,
            code: answer.code.clone(),
            at: iso_seconds(shared.clock.now()),
        });
    }

    let mut builder = Response::builder()
        .status(answer.status)
        .header("content-type", answer.content_type)
        .header("x-acs-request-id", &request_id);
    for (k, v) in &answer.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(Full::new(Bytes::from(answer.body)))
        .unwrap_or_else(|_| {
            let mut r = Response::new(Full::new(Bytes::from_static(b"{}")));
            *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
}

/// The raw request.
struct Input<'a> {
    method: &'a str,
    raw_path: &'a str,
    raw_query: &'a str,
    headers: &'a [(String, String)],
    body: &'a [u8],
    request_id: &'a str,
    host: &'a str,
}

impl Input<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

/// Whether an operation creates something (create failures apply to it).
fn is_create(op: &Operation, action: &str) -> bool {
    op.operation_type.as_deref() == Some("create")
        || ["Create", "Run", "Invoke", "Allocate", "Clone", "Submit"]
            .iter()
            .any(|p| action.starts_with(p))
}

async fn dispatch(shared: &Shared, input: &Input<'_>) -> Answer {
    let specs = Specs::get();
    let query: Vec<(String, String)> = url::form_urlencoded::parse(input.raw_query.as_bytes())
        .into_owned()
        .collect();
    let fail = |e: ApiError, product: Option<Product>, action: Option<&str>| {
        Answer::error(&e, product, action, input.request_id, input.host)
    };

    // 1. The product, from the API version (or, for ROA/FC, the path).
    let mut routed: Option<(String, HashMap<String, String>)> = None;
    let product = match input.header("x-acs-version") {
        Some(v) => match Product::from_version(v.trim()) {
            Some(p) => p,
            None => {
                return fail(
                    ApiError::new(
                        400,
                        "InvalidVersion",
                        format!("`{v}` is not an API version served here"),
                    ),
                    None,
                    None,
                );
            }
        },
        None => match specs.route_any(input.method, input.raw_path) {
            Some((p, action, params)) => {
                routed = Some((action.to_owned(), params));
                p
            }
            None => {
                return fail(
                    ApiError::new(400, "InvalidVersion", "the x-acs-version header is missing"),
                    None,
                    None,
                );
            }
        },
    };

    // 2. The signature.
    let incoming = Incoming {
        method: input.method,
        raw_path: input.raw_path,
        query: &query,
        headers: input.headers,
        body: input.body,
    };
    if let Err(e) = shared.verifier.verify(&incoming, shared.wall_clock.now()) {
        return fail(e, Some(product), input.header("x-acs-action"));
    }

    // 3. The operation.
    let spec = specs.product(product);
    let header_action = input.header("x-acs-action").map(str::to_owned).or_else(|| {
        product
            .is_rpc()
            .then(|| {
                query
                    .iter()
                    .find(|(k, _)| k == "Action")
                    .map(|(_, v)| v.clone())
            })
            .flatten()
    });
    let not_found = |action: &str, why: String| {
        fail(
            ApiError::new(404, "InvalidAction.NotFound", why),
            Some(product),
            Some(action),
        )
    };
    let (action, path_params) = if product.is_rpc() {
        let Some(action) = header_action else {
            return fail(
                ApiError::new(
                    400,
                    "MissingParameter",
                    "the x-acs-action header is missing",
                ),
                Some(product),
                None,
            );
        };
        if spec.operation(&action).is_none() {
            return not_found(
                &action,
                format!(
                    "`{action}` is not an operation of {product} {}",
                    product.version()
                ),
            );
        }
        if input.raw_path != "/" || !matches!(input.method, "GET" | "POST") {
            return not_found(
                &action,
                format!("{product} operations are served at GET or POST /"),
            );
        }
        (action, HashMap::new())
    } else {
        match (header_action, routed) {
            (Some(action), _) => {
                let Some(op) = spec.operation(&action) else {
                    return not_found(
                        &action,
                        format!(
                            "`{action}` is not an operation of {product} {}",
                            product.version()
                        ),
                    );
                };
                let matched = spec
                    .match_action(&action, input.raw_path)
                    .filter(|_| op.method.eq_ignore_ascii_case(input.method));
                match matched {
                    Some(params) => (action, params),
                    None => {
                        return not_found(
                            &action,
                            format!(
                                "{action} is served at {} {}, not {} {}",
                                op.method, op.path, input.method, input.raw_path
                            ),
                        );
                    }
                }
            }
            (None, Some(routed)) => routed,
            (None, None) => match spec.route(input.method, input.raw_path) {
                Some((a, params)) => (a.to_owned(), params),
                None => {
                    return not_found(
                        "-",
                        format!(
                            "no {product} operation is served at {} {}",
                            input.method, input.raw_path
                        ),
                    );
                }
            },
        }
    };
    let op = spec
        .operation(&action)
        .expect("the action was resolved from this spec");
    let fail_here = |e: ApiError| fail(e, Some(product), Some(action.as_str()));

    // 4. Injected latency, faults and create failures.
    let (latency, fault, create) = {
        let mut rules = shared.rules();
        let latency = rules.latency_for(product, &action);
        let fault = rules.take_fault(product, &action);
        let create = if fault.is_none() && is_create(op, &action) {
            rules.take_create(product, &action)
        } else {
            None
        };
        (latency, fault, create)
    };
    if let Some(d) = latency {
        tokio::time::sleep(d).await;
    }
    if let Some(f) = fault {
        return fail_here(f.to_api_error(product));
    }

    // 5. Parameters and spec validation.
    let mut pairs = query.clone();
    let is_form = input
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if product.is_rpc() && is_form {
        pairs.extend(url::form_urlencoded::parse(input.body).into_owned());
    }
    let params = Params::new(pairs);
    let checked = match validate::check(spec, op, &params, input.headers, input.body) {
        Ok(c) => c,
        Err(e) => return fail_here(e),
    };
    let fail_after_create = match create {
        Some(CreateFailure::Reject(f)) => return fail_here(f.to_api_error(product)),
        Some(CreateFailure::FailAfterCreate { reason }) => Some(reason),
        None => None,
    };

    // 6. The handler.
    let region = resolve_region(
        shared,
        product,
        &params,
        &path_params,
        checked.json.as_ref(),
    );
    let ctx = Ctx {
        product,
        action: &action,
        params: &params,
        path: &path_params,
        headers: input.headers,
        body: input.body,
        json: checked.json.as_ref(),
        now: shared.clock.now(),
        region,
        fail_after_create: fail_after_create.as_deref(),
    };
    let outcome = {
        let mut state = shared.state();
        state.tick(ctx.now);
        products::handle(&mut state, &ctx)
    };

    // 7. The answer.
    let status = op.response.as_ref().map_or(200, |r| r.status);
    let schema = op.response.as_ref().and_then(|r| r.schema.as_ref());
    let mut answer = match outcome {
        Err(e) => return fail_here(e),
        Ok(Some(Reply::Json(mut value))) => {
            if let Some(schema) = schema {
                fill_request_id(spec, schema, &mut value, input.request_id);
                if shared.settings.strict_responses {
                    if let Err(problem) = conforms(spec, &value, schema) {
                        tracing::error!(%product, %action, %problem, "emulator answer does not fit the response schema");
                        return fail_here(ApiError::new(
                            500,
                            "InternalError",
                            format!(
                                "emulator bug: the {action} answer does not fit its schema: {problem}"
                            ),
                        ));
                    }
                }
            } else {
                add_style_request_id(product, &mut value, input.request_id);
            }
            Answer::json(status, &value)
        }
        Ok(Some(Reply::Raw {
            status,
            content_type,
            headers,
            body,
        })) => Answer {
            status,
            content_type,
            headers,
            body,
            product: None,
            action: None,
            code: None,
        },
        Ok(Some(Reply::Empty)) => Answer {
            status,
            content_type: "application/json;charset=utf-8",
            headers: Vec::new(),
            body: Vec::new(),
            product: None,
            action: None,
            code: None,
        },
        Ok(None) => synthesized(spec, op, product, status, input.request_id),
    };
    answer.product = Some(product);
    answer.action = Some(action.clone());
    answer
}

/// The schema-shaped answer of an operation the emulator does not model.
fn synthesized(
    spec: &crate::spec::ProductSpec,
    op: &Operation,
    product: Product,
    status: u16,
    request_id: &str,
) -> Answer {
    match op.response.as_ref().and_then(|r| r.schema.as_ref()) {
        Some(schema) => {
            let resolved = spec.resolve(schema);
            match (resolved.type_name(), resolved.format.as_deref()) {
                (Some("string"), Some("binary")) => Answer {
                    status,
                    content_type: "application/octet-stream",
                    headers: Vec::new(),
                    body: Vec::new(),
                    product: None,
                    action: None,
                    code: None,
                },
                (Some("string"), _) => Answer {
                    status,
                    content_type: "text/plain;charset=utf-8",
                    headers: Vec::new(),
                    body: Vec::new(),
                    product: None,
                    action: None,
                    code: None,
                },
                _ => {
                    let mut value = synthesize(spec, schema);
                    fill_request_id(spec, schema, &mut value, request_id);
                    Answer::json(status, &value)
                }
            }
        }
        None => {
            if status == 204 {
                return Answer {
                    status,
                    content_type: "application/json;charset=utf-8",
                    headers: Vec::new(),
                    body: Vec::new(),
                    product: None,
                    action: None,
                    code: None,
                };
            }
            let mut value = json!({});
            add_style_request_id(product, &mut value, request_id);
            Answer::json(status, &value)
        }
    }
}

/// Adds the request id under the product's usual member name.
fn add_style_request_id(product: Product, value: &mut Value, request_id: &str) {
    let key = match product.error_style() {
        ErrorStyle::Rpc | ErrorStyle::Pascal => "RequestId",
        ErrorStyle::Camel => "requestId",
        ErrorStyle::Snake => "request_id",
    };
    if let Some(map) = value.as_object_mut() {
        map.entry(key)
            .or_insert_with(|| Value::String(request_id.to_owned()));
    }
}

/// The region a call addresses: `RegionId` (RPC), the EAS cluster id (a
/// region), ACK's `region_id`, else the emulator's region. (ROA endpoints
/// are regional hosts; with an endpoint override the host carries no region.)
fn resolve_region(
    shared: &Shared,
    product: Product,
    params: &Params,
    path: &HashMap<String, String>,
    json: Option<&Value>,
) -> String {
    let default = shared.settings.region.clone();
    let candidate = match product {
        p if p.is_rpc() => params.get_nonempty("RegionId").map(str::to_owned),
        Product::Eas => path.get("ClusterId").cloned(),
        Product::Cs => json
            .and_then(|j| j.get("region_id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| params.get_nonempty("region_id").map(str::to_owned)),
        _ => None,
    };
    candidate.filter(|r| !r.is_empty()).unwrap_or(default)
}
