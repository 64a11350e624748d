//! The sandbox's vocabulary: the request as read, the reply to send, and
//! Auth0's error shapes and query/body checks every endpoint shares.

use axum::body::Bytes;
use axum::http::header::HeaderMap;
use serde_json::{Map, Value, json};

/// Which part of the tenant a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Management,
    Token,
    DeviceCode,
    Other,
}

impl Kind {
    pub(crate) fn of(path: &str) -> Kind {
        if path == "/api/v2" || path.starts_with("/api/v2/") {
            Kind::Management
        } else if path == "/oauth/token" || path == "/connect/token" {
            Kind::Token
        } else if path == "/oauth/device/code" || path == "/connect/device" {
            Kind::DeviceCode
        } else {
            Kind::Other
        }
    }
}

/// A request, read whole.
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Query,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    /// A header's value as text, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// True when the body was sent as a form.
    pub fn is_form(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
    }

    /// The body as an object of strings, when it is a form.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

/// The query string, decoded.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pub pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        Query {
            pairs: raw
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        }
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when the parameter is present.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// Refuses parameters the endpoint does not know, like Auth0's query validation.
    pub fn only(&self, allowed: &[&str]) -> Result<(), Reply> {
        match self
            .pairs
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((name, _)) => Err(query_error(format!(
                "Additional properties not allowed: {name}"
            ))),
            None => Ok(()),
        }
    }

    /// A boolean parameter (`true`/`false`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, Reply> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(query_error_on(
                name,
                "Expected type boolean but found type string".to_owned(),
            )),
        }
    }

    /// An integer parameter within bounds.
    pub fn integer(&self, name: &str, min: u64, max: Option<u64>) -> Result<Option<u64>, Reply> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        let value: u64 = text.parse().map_err(|_| {
            query_error_on(
                name,
                "Expected type integer but found type string".to_owned(),
            )
        })?;
        if value < min {
            return Err(query_error_on(
                name,
                format!("Number must be greater than or equal to {min}"),
            ));
        }
        if let Some(max) = max
            && value > max
        {
            return Err(query_error_on(
                name,
                format!("Number must be less than or equal to {max}"),
            ));
        }
        Ok(Some(value))
    }
}

/// What a handler answers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: ReplyBody,
    pub headers: Vec<(&'static str, String)>,
}

/// A reply's body.
#[derive(Debug, Clone)]
pub(crate) enum ReplyBody {
    Json(Value),
    Html(String),
    Empty,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, value: Value) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(value),
            headers: Vec::new(),
        }
    }

    /// A reply without a body (204).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: ReplyBody::Empty,
            headers: Vec::new(),
        }
    }

    /// An HTML page.
    pub fn html(status: u16, page: String) -> Reply {
        Reply {
            status,
            body: ReplyBody::Html(page),
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// The HTTP reason phrase Auth0 puts in `error`.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        s if s < 500 => "Bad Request",
        _ => "Internal Server Error",
    }
}

/// A Management API error: `{statusCode, error, message, errorCode?}`.
pub(crate) fn api_error(status: u16, message: impl Into<String>, code: Option<&str>) -> Reply {
    let mut body = Map::new();
    body.insert("statusCode".into(), json!(status));
    body.insert("error".into(), json!(reason(status)));
    body.insert("message".into(), json!(message.into()));
    if let Some(code) = code {
        body.insert("errorCode".into(), json!(code));
    }
    Reply::json(status, Value::Object(body))
}

/// `400 invalid_body` with Auth0's "Payload validation error" wording.
pub(crate) fn body_error(detail: impl AsRef<str>) -> Reply {
    api_error(
        400,
        format!("Payload validation error: '{}'.", detail.as_ref()),
        Some("invalid_body"),
    )
}

/// `400 invalid_body` naming the property.
pub(crate) fn body_error_on(property: &str, detail: impl AsRef<str>) -> Reply {
    api_error(
        400,
        format!(
            "Payload validation error: '{}' on property {property}.",
            detail.as_ref()
        ),
        Some("invalid_body"),
    )
}

/// `400 invalid_query_string`.
pub(crate) fn query_error(detail: impl AsRef<str>) -> Reply {
    api_error(
        400,
        format!("Query validation error: '{}'.", detail.as_ref()),
        Some("invalid_query_string"),
    )
}

/// `400 invalid_query_string` naming the parameter.
pub(crate) fn query_error_on(name: &str, detail: String) -> Reply {
    api_error(
        400,
        format!("Query validation error: '{detail}' on property {name}."),
        Some("invalid_query_string"),
    )
}

/// An OAuth error from the token endpoints: `{error, error_description}`.
pub(crate) fn oauth_error(status: u16, error: &str, description: impl Into<String>) -> Reply {
    Reply::json(
        status,
        json!({"error": error, "error_description": description.into()}),
    )
}

/// The JSON type name Auth0 uses in validation messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The request body as a JSON object, or Auth0's 400.
pub(crate) fn json_object(request: &Request) -> Result<Map<String, Value>, Reply> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(body_error("Expected type object but found type null"));
    }
    if request.is_form() {
        let mut map = Map::new();
        for (k, v) in request.form() {
            map.insert(k, Value::String(v));
        }
        return Ok(map);
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(body_error(format!(
            "Expected type object but found type {}",
            type_name(&other)
        ))),
        Err(_) => Err(api_error(
            400,
            "Invalid request payload JSON format",
            Some("invalid_body"),
        )),
    }
}

/// Refuses properties outside `allowed`, naming them like Auth0 does.
pub(crate) fn only_properties(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), Reply> {
    let unknown: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(body_error(format!(
            "Additional properties not allowed: {}",
            unknown.join(",")
        )))
    }
}

/// Decodes `%XX` escapes in a path segment (invalid escapes stay as they are).
pub(crate) fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// Escapes text for HTML.
pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
