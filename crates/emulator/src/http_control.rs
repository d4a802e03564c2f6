//! The control API over HTTP, under the reserved path `/_emulator/`. It is
//! not signed: the emulator listens on loopback only.
//!
//! | method and path | body / query | effect |
//! |---|---|---|
//! | `GET /_emulator/health` | | `{"status":"ok"}` |
//! | `GET /_emulator/clock` | | virtual time |
//! | `POST /_emulator/clock/advance` | `{"seconds": 60}` | moves virtual time |
//! | `POST /_emulator/latency` | `{"target": "ecs:RunInstances", "millis": 200}` | delays matching calls (`target`: `*`, a product, or `product:Action`) |
//! | `DELETE /_emulator/latency` | | removes every delay |
//! | `POST /_emulator/faults` | `{"target": "ecs", "fault": "throttle", "count": 3}` | answers the next calls with `throttle`, `server_error`, `unavailable` or `error` (with `status`, `code`, `message`) |
//! | `DELETE /_emulator/faults` | | removes pending faults and create failures |
//! | `POST /_emulator/stock` | `{"zone": "cn-hangzhou-h", "instance_type": "ecs.g7.large", "status": "WithoutStock"}` | sets stock |
//! | `POST /_emulator/create-failures` | `{"target": "pai-dlc:CreateJob", "mode": "fail_after_create", "reason": "..."}` or `{"target": "ecs:RunInstances", "mode": "reject", "fault": "error", "status": 403, "code": "...", "message": "..."}` | fails the next matching create |
//! | `GET /_emulator/resources` | | the leak report |
//! | `GET /_emulator/requests` | `?id=<request id>` | the request log |
//! | `DELETE /_emulator/requests` | | empties the request log |

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::catalog::StockStatus;
use crate::clock::{iso_seconds, unix_seconds};
use crate::control::{Control, CreateFailure, Fault, Selector};
use crate::server::{Answer, Shared};

fn bad(message: impl Into<String>) -> Answer {
    Answer::json(400, &json!({"error": message.into()}))
}

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

fn text<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    field(body, name).and_then(Value::as_str)
}

fn selector(body: &Value) -> Result<Selector, Answer> {
    text(body, "target").unwrap_or("*").parse().map_err(bad)
}

fn fault(body: &Value) -> Result<Fault, Answer> {
    match text(body, "fault").unwrap_or("error") {
        "throttle" => Ok(Fault::Throttle),
        "server_error" => Ok(Fault::ServerError),
        "unavailable" => Ok(Fault::Unavailable),
        "error" => {
            let status = field(body, "status").and_then(Value::as_u64).unwrap_or(400);
            let status = u16::try_from(status)
                .ok()
                .filter(|s| (400..600).contains(s))
                .ok_or_else(|| bad("status must be between 400 and 599"))?;
            let code = text(body, "code").ok_or_else(|| bad("an error fault needs a code"))?;
            Ok(Fault::error(
                status,
                code,
                text(body, "message").unwrap_or("injected by the emulator"),
            ))
        }
        other => Err(bad(format!(
            "`{other}` is not throttle, server_error, unavailable or error"
        ))),
    }
}

/// Serves one control request.
pub(crate) fn handle(
    shared: &Arc<Shared>,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> Answer {
    let control = Control {
        shared: shared.clone(),
    };
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return bad(format!("the body is not JSON: {e}")),
        }
    };
    let route = path.trim_start_matches("/_emulator").trim_end_matches('/');
    let done = || Answer::json(200, &json!({"ok": true}));
    match (method, route) {
        ("GET", "" | "/health") => Answer::json(200, &json!({"status": "ok"})),
        ("GET", "/clock") => {
            let now = control.now();
            Answer::json(
                200,
                &json!({"now": iso_seconds(now), "unix": unix_seconds(now)}),
            )
        }
        ("POST", "/clock/advance") => {
            let Some(seconds) = field(&body, "seconds")
                .and_then(Value::as_f64)
                .filter(|s| s.is_finite() && *s >= 0.0)
            else {
                return bad("give a non-negative number of seconds");
            };
            control.advance(Duration::from_secs_f64(seconds));
            let now = control.now();
            Answer::json(
                200,
                &json!({"now": iso_seconds(now), "unix": unix_seconds(now)}),
            )
        }
        ("POST", "/latency") => {
            let sel = match selector(&body) {
                Ok(s) => s,
                Err(a) => return a,
            };
            let Some(millis) = field(&body, "millis").and_then(Value::as_u64) else {
                return bad("give millis");
            };
            control.set_latency(sel, Duration::from_millis(millis));
            done()
        }
        ("DELETE", "/latency") => {
            control.clear_latency();
            done()
        }
        ("POST", "/faults") => {
            let (sel, fault) = match (selector(&body), fault(&body)) {
                (Ok(s), Ok(f)) => (s, f),
                (Err(a), _) | (_, Err(a)) => return a,
            };
            let count = field(&body, "count").and_then(Value::as_u64).unwrap_or(1);
            control.fail_next(sel, fault, u32::try_from(count).unwrap_or(u32::MAX));
            done()
        }
        ("DELETE", "/faults") => {
            control.clear_faults();
            done()
        }
        ("POST", "/stock") => {
            let (Some(zone), Some(ty)) = (text(&body, "zone"), text(&body, "instance_type")) else {
                return bad("give zone and instance_type");
            };
            let status: StockStatus = match text(&body, "status").unwrap_or("WithoutStock").parse()
            {
                Ok(s) => s,
                Err(e) => return bad(e),
            };
            match control.set_stock(zone, ty, status) {
                Ok(()) => done(),
                Err(e) => bad(e),
            }
        }
        ("POST", "/create-failures") => {
            let sel = match selector(&body) {
                Ok(s) => s,
                Err(a) => return a,
            };
            let failure = match text(&body, "mode").unwrap_or("reject") {
                "reject" => match fault(&body) {
                    Ok(f) => CreateFailure::Reject(f),
                    Err(a) => return a,
                },
                "fail_after_create" => CreateFailure::FailAfterCreate {
                    reason: text(&body, "reason")
                        .unwrap_or("failure injected by the emulator")
                        .to_owned(),
                },
                other => return bad(format!("`{other}` is not reject or fail_after_create")),
            };
            control.fail_next_create(sel, failure);
            done()
        }
        ("GET", "/resources") => Answer::json(200, &json!({"resources": control.live_resources()})),
        ("GET", "/requests") => {
            let id = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.into_owned());
            let requests: Vec<_> = control
                .requests()
                .into_iter()
                .filter(|r| id.as_ref().is_none_or(|i| &r.request_id == i))
                .collect();
            Answer::json(200, &json!({"requests": requests}))
        }
        ("DELETE", "/requests") => {
            control.clear_requests();
            done()
        }
        _ => Answer::json(
            404,
            &json!({"error": format!("no control route {method} {path}")}),
        ),
    }
}
