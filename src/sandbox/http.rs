//! The raw request in, the reply out: the router, reading bodies, faults
//! and recording. The shapes it speaks live in [`super::vocab`].

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::http::{Response, StatusCode};
use axum::routing::{MethodFilter, MethodRouter, any, on};
use serde_json::{Map, Value};

use super::vocab::{Kind, Query, Reply, ReplyBody, Request, api_error};
use super::{Exchange, Shared, device, discovery, faults, lock, management, tokens};

/// Request bodies larger than this are refused (Auth0 refuses large payloads too).
const MAX_BODY: usize = 1024 * 1024;

/// An endpoint: the request read whole in, Auth0's answer out.
type Endpoint = fn(&Shared, &Request) -> Reply;

/// What an axum handler of the tenant returns (named: closures cannot return `impl Future`).
type Answer = std::pin::Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// The tenant's routes. Every route, the fallbacks included, goes through
/// [`exchange`], so counting, the body limit, faults and recording are the
/// same everywhere; handlers take the raw request so that no extractor
/// rejection can answer with a body Auth0 would not send.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::discovery),
        )
        .route(
            "/.well-known/jwks.json",
            get(|shared, _| discovery::jwks(shared)),
        )
        .route(
            "/activate",
            get(device::activate_page).post(endpoint(device::activate_submit)),
        )
        .route("/", get(|shared, _| device::home_page(shared)))
        .route(
            "/oauth/token",
            to(MethodFilter::POST, tokens::token_endpoint),
        )
        .route(
            "/connect/token",
            to(MethodFilter::POST, tokens::provider_token_endpoint),
        )
        .route("/discovery/keys", get(discovery::provider_jwks))
        .route(
            "/oauth/device/code",
            to(MethodFilter::POST, device::device_code),
        )
        .route(
            "/connect/device",
            to(MethodFilter::POST, tokens::provider_device_code),
        )
        // management.rs matches the segments itself, for Auth0's 404 and 405 bodies.
        .route("/api/v2", any(endpoint(management::handle)))
        .route("/api/v2/", any(endpoint(management::handle)))
        .route("/api/v2/{*rest}", any(endpoint(management::handle)))
        .method_not_allowed_fallback(endpoint(not_found))
        .fallback(endpoint(not_found))
        .with_state(shared)
}

/// An axum handler serving `endpoint` through [`exchange`].
fn endpoint(
    endpoint: Endpoint,
) -> impl Fn(State<Arc<Shared>>, axum::extract::Request) -> Answer + Clone + Send + Sync + 'static {
    move |State(shared), request| Box::pin(exchange(shared, request, endpoint))
}

/// `endpoint` for the methods in `filter`.
fn to(filter: MethodFilter, endpoint_fn: Endpoint) -> MethodRouter<Arc<Shared>> {
    on(filter, endpoint(endpoint_fn))
}

/// `endpoint` for GET only: axum would also answer HEAD with it, which the tenant never did.
fn get(endpoint_fn: Endpoint) -> MethodRouter<Arc<Shared>> {
    to(MethodFilter::GET, endpoint_fn).on(MethodFilter::HEAD, endpoint(not_found))
}

fn not_found(_: &Shared, _: &Request) -> Reply {
    api_error(404, "Not Found", None)
}

/// Serves one request: faults first, then the endpoint; records the exchange.
async fn exchange(
    shared: Arc<Shared>,
    request: axum::extract::Request,
    endpoint: Endpoint,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| path.clone(), |pq| pq.as_str().to_owned());
    let kind = Kind::of(&path);
    match kind {
        Kind::Management => shared.management_requests.fetch_add(1, Ordering::Relaxed),
        Kind::Token => shared.token_requests.fetch_add(1, Ordering::Relaxed),
        Kind::DeviceCode => shared.device_code_requests.fetch_add(1, Ordering::Relaxed),
        Kind::Other => 0,
    };
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let reply = api_error(
                413,
                "Payload content length greater than maximum allowed: 1048576",
                None,
            );
            return respond(&shared, kind, &method, &path_and_query, None, reply);
        }
    };
    let request = Request {
        method: method.clone(),
        query: Query::parse(parts.uri.query()),
        path,
        headers: parts.headers,
        body: bytes,
    };

    let fault = lock(&shared.faults).pick(&request.method, &request.path);
    let mut reply = None;
    let mut lost = false;
    let mut repeat_cursor = false;
    let mut forever = false;
    if let Some(fault) = fault {
        forever = fault.forever;
        lost = fault.lost;
        repeat_cursor = fault.repeat_cursor;
        shared.faults_injected.fetch_add(1, Ordering::Relaxed);
        if let Some(delay) = fault.delay {
            tokio::time::sleep(delay).await;
        }
        if fault.drop {
            return dropped();
        }
        reply = faults::special_reply(&shared, kind, &fault);
    }
    let mut reply = match reply {
        Some(reply) => reply,
        None => endpoint(&shared, &request),
    };
    if repeat_cursor {
        repeat_the_cursor(&mut reply, request.query.get("from"));
    }
    if forever {
        tokens::never_expiring(&shared, &mut reply);
    }
    let request_body = if shared.record && kind != Kind::Other {
        recorded_body(&request)
    } else {
        None
    };
    let response = respond(&shared, kind, &method, &path_and_query, request_body, reply);
    if lost {
        // Carried out and recorded, but the client never hears the answer.
        return dropped();
    }
    response
}

/// A broken checkpoint listing: the page answers with the cursor it was asked
/// for (or, on the first page, keeps its own), so a client that trusts `next`
/// would ask for the same page forever.
fn repeat_the_cursor(reply: &mut Reply, from: Option<&str>) {
    if let (ReplyBody::Json(Value::Object(body)), Some(from)) = (&mut reply.body, from)
        && body.contains_key("next")
    {
        body.insert("next".into(), Value::String(from.to_owned()));
    }
}

/// A response whose body fails at once: hyper then closes the connection
/// without writing an answer, which is what a "drop" fault means.
fn dropped() -> Response<Body> {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, _>(std::io::Error::other(
            "connection dropped by an injected fault",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// The request body as recorded; a client secret sent to the token endpoint is
/// redacted, since recorded exchanges end up in test failure output.
fn recorded_body(request: &Request) -> Option<Value> {
    if request.body.is_empty() {
        return None;
    }
    let mut body = if request.is_form() {
        let map: Map<String, Value> = request
            .form()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Value::Object(map)
    } else {
        serde_json::from_slice(&request.body).ok()?
    };
    if Kind::of(&request.path) != Kind::Management
        && let Some(secret) = body.get_mut("client_secret")
    {
        *secret = Value::String("[REDACTED]".into());
    }
    Some(body)
}

fn respond(
    shared: &Shared,
    kind: Kind,
    method: &str,
    path_and_query: &str,
    request_body: Option<Value>,
    reply: Reply,
) -> Response<Body> {
    let (content_type, bytes, response_body) = match reply.body {
        ReplyBody::Json(value) => {
            let bytes = serde_json::to_vec(&value).unwrap_or_default();
            ("application/json; charset=utf-8", bytes, Some(value))
        }
        ReplyBody::Html(page) => ("text/html; charset=utf-8", page.into_bytes(), None),
        ReplyBody::Empty => ("", Vec::new(), None),
    };
    if shared.record && kind != Kind::Other {
        lock(&shared.exchanges).push(Exchange {
            method: method.to_owned(),
            path: path_and_query.to_owned(),
            status: reply.status,
            request_body,
            response_body,
        });
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if !content_type.is_empty() {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
