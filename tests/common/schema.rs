//! Validates Management API bodies against Auth0's own OpenAPI description
//! (`tests/fixtures/auth0/management-api.openapi.json`, OpenAPI 3.1 = JSON Schema 2020-12).
//!
//! Each operation's schema is compiled together with a copy of the definitions
//! it reaches, so the spec's `#/components/...` references resolve inside it
//! and nothing is fetched. One validator is compiled per operation body (or
//! query parameter) on first use and kept for the life of the test process.

use jsonschema::{Draft, Validator};
use serde_json::Map;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// Where the schema lives in the project (a user's clone has no `../shared`).
pub const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/auth0/management-api.openapi.json"
);

/// The spec's paths are relative to this prefix of the real URL.
const API_PREFIX: &str = "/api/v2";

/// The loaded spec and the validators compiled from it so far.
struct Spec {
    document: Value,
    templates: Vec<Template>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

/// One path template of the spec, split into segments (`{id}` matches any one segment).
struct Template {
    raw: String,
    segments: Vec<String>,
}

impl Template {
    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(t, s)| is_placeholder(t) || t == s)
    }

    /// Literal segments win over placeholders (`/organizations/name/{name}` over `/organizations/{id}/...`).
    fn literal_count(&self) -> usize {
        self.segments.iter().filter(|s| !is_placeholder(s)).count()
    }
}

fn is_placeholder(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(SPEC_PATH)
            .unwrap_or_else(|e| panic!("cannot read {SPEC_PATH}: {e}"));
        let mut document: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SPEC_PATH} is not JSON: {e}"));
        // The list responses are `oneOf` over wrapper shapes that can both match
        // (an empty page fits several): accept a body that matches any of them.
        one_of_to_any_of(&mut document);
        let mut templates: Vec<Template> = document["paths"]
            .as_object()
            .unwrap_or_else(|| panic!("{SPEC_PATH} has no paths"))
            .keys()
            .map(|raw| Template {
                raw: raw.clone(),
                segments: split_path(raw).into_iter().map(str::to_owned).collect(),
            })
            .collect();
        templates.sort_by_key(|t| std::cmp::Reverse(t.literal_count()));
        Spec {
            document,
            templates,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

fn one_of_to_any_of(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(branches) = map.remove("oneOf") {
                map.insert("anyOf".to_owned(), branches);
            }
            map.values_mut().for_each(one_of_to_any_of);
        }
        Value::Array(items) => items.iter_mut().for_each(one_of_to_any_of),
        _ => {}
    }
}

fn split_path(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Strips the query and the `/api/v2` prefix: `/api/v2/organizations?take=2` → `/organizations`.
fn spec_relative(path_with_query: &str) -> &str {
    let path = path_with_query
        .split_once('?')
        .map_or(path_with_query, |(p, _)| p);
    path.strip_prefix(API_PREFIX).unwrap_or(path)
}

/// The spec's path template for a concrete path, e.g. `/organizations/{id}` for `/api/v2/organizations/org_1`.
pub fn match_template(path_with_query: &str) -> Option<&'static str> {
    let segments = split_path(spec_relative(path_with_query));
    spec()
        .templates
        .iter()
        .find(|t| t.matches(&segments))
        .map(|t| t.raw.as_str())
}

/// JSON Pointer escaping for one reference token (RFC 6901), percent-encoded
/// where a URI fragment may not hold the character (the `{}` of templates).
fn escape_pointer(token: &str) -> String {
    token
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// A validator for the schema at `pointer` in the spec, compiled once per process.
fn validator_at(pointer: &str) -> Result<Arc<Validator>, String> {
    let spec = spec();
    let mut cache = spec
        .validators
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(validator) = cache.get(pointer) {
        return Ok(Arc::clone(validator));
    }
    let root = self_contained(&spec.document, pointer)?;
    let validator = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .build(&root)
        .map_err(|e| format!("cannot compile the schema at {pointer}: {e}"))?;
    let validator = Arc::new(validator);
    cache.insert(pointer.to_owned(), Arc::clone(&validator));
    Ok(validator)
}

/// The schema at `pointer` (a URI fragment) with a copy of every definition it
/// reaches, each at its place in the spec, so its `#/components/...` references
/// resolve inside it. Much cheaper to compile than the whole document per operation.
fn self_contained(document: &Value, pointer: &str) -> Result<Value, String> {
    let json_pointer = pointer.replace("%7B", "{").replace("%7D", "}");
    let schema = document
        .pointer(&json_pointer)
        .ok_or_else(|| format!("the spec has nothing at {json_pointer}"))?;
    let mut root = match schema {
        Value::Object(map) => map.clone(),
        other => {
            return Err(format!(
                "the schema at {json_pointer} is not an object: {other}"
            ));
        }
    };
    let mut pending = Vec::new();
    local_refs(schema, &mut pending);
    let mut copied = HashSet::new();
    while let Some(target) = pending.pop() {
        if !copied.insert(target.clone()) {
            continue;
        }
        let definition = document
            .pointer(&target)
            .ok_or_else(|| format!("{json_pointer} refers to #{target}, which the spec lacks"))?;
        local_refs(definition, &mut pending);
        insert_at(&mut root, &target, definition.clone());
    }
    Ok(Value::Object(root))
}

/// Every `"$ref": "#/..."` in a schema, as JSON pointers.
fn local_refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str)
                && let Some(pointer) = target.strip_prefix('#')
            {
                out.push(pointer.to_owned());
            }
            map.values().for_each(|v| local_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| local_refs(v, out)),
        _ => {}
    }
}

/// Puts `value` at a JSON pointer inside `root`, creating objects on the way.
fn insert_at(root: &mut Map<String, Value>, pointer: &str, value: Value) {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut node = root;
    for token in parents {
        let child = node
            .entry(token.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !child.is_object() {
            *child = Value::Object(Map::new());
        }
        let Value::Object(map) = child else {
            return;
        };
        node = map;
    }
    node.insert(last.clone(), value);
}

/// Checks `body` against the validator at `pointer`; the error lists every violation.
fn check(pointer: &str, what: &str, body: &Value) -> Result<(), String> {
    let validator = validator_at(pointer)?;
    let errors: Vec<String> = validator
        .iter_errors(body)
        .take(10)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_owned() } else { at };
            format!("  at {at}: {e} (schema {})", e.schema_path())
        })
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    let mut shown = serde_json::to_string(body).unwrap_or_default();
    if shown.len() > 2000 {
        shown.truncate(2000);
        shown.push_str("...");
    }
    Err(format!(
        "{what} does not match Auth0's schema:\n{}\n  got: {shown}",
        errors.join("\n")
    ))
}

/// The spec's operation object for a method and concrete path, or an error naming what is missing.
fn operation(method: &str, path_with_query: &str) -> Result<(&'static str, String), String> {
    let template = match_template(path_with_query).ok_or_else(|| {
        format!(
            "{method} {path_with_query}: no path of the Management API description matches {}",
            spec_relative(path_with_query)
        )
    })?;
    let method = method.to_ascii_lowercase();
    if spec().document["paths"][template].get(&method).is_none() {
        return Err(format!(
            "{} {path_with_query}: the Management API description has no {} for {template}",
            method.to_ascii_uppercase(),
            method.to_ascii_uppercase()
        ));
    }
    Ok((template, method))
}

/// Validates a Management API response body (`None` = no body) for its status.
///
/// A 2xx must be a status the spec lists for the operation, with a body exactly
/// when the spec gives one. Other statuses are checked only where the spec gives
/// a schema for them (Auth0's description has none for its errors).
pub fn validate_management_response(
    method: &str,
    path_with_query: &str,
    status: u16,
    body: Option<&Value>,
) -> Result<(), String> {
    let success = (200..300).contains(&status);
    let (template, method_key) = match operation(method, path_with_query) {
        Ok(found) => found,
        Err(e) if success => return Err(e),
        // An error answer to a path or method Auth0 does not have (404, 405): nothing to check.
        Err(_) => return Ok(()),
    };
    let what = format!("{method} {path_with_query} → {status} (spec: {template})");
    let response =
        &spec().document["paths"][template][&method_key]["responses"][status.to_string()];
    if response.is_null() {
        return if success {
            Err(format!(
                "{what}: the spec lists no {status} for this operation"
            ))
        } else {
            Ok(())
        };
    }
    let has_schema = response["content"]["application/json"]["schema"].is_object();
    match (has_schema, body) {
        (true, Some(body)) => {
            let pointer = format!(
                "/paths/{}/{method_key}/responses/{status}/content/application~1json/schema",
                escape_pointer(template)
            );
            check(&pointer, &format!("response body of {what}"), body)
        }
        (true, None) if success => Err(format!("{what}: the spec gives a JSON body, got none")),
        (false, Some(body)) if success && !body.is_null() => Err(format!(
            "{what}: the spec gives no body for this status, got {body}"
        )),
        _ => Ok(()),
    }
}

/// Validates a Management API request body against the operation's request schema.
///
/// Operations that take no body accept only an absent or empty one.
pub fn validate_management_request(
    method: &str,
    path_with_query: &str,
    body: &Value,
) -> Result<(), String> {
    let (template, method_key) = operation(method, path_with_query)?;
    let what = format!("request body of {method} {path_with_query} (spec: {template})");
    let request = &spec().document["paths"][template][&method_key]["requestBody"];
    if !request["content"]["application/json"]["schema"].is_object() {
        let empty = body.is_null() || body.as_object().is_some_and(|m| m.is_empty());
        return if empty {
            Ok(())
        } else {
            Err(format!("{what}: the operation takes no body, got {body}"))
        };
    }
    let pointer = format!(
        "/paths/{}/{method_key}/requestBody/content/application~1json/schema",
        escape_pointer(template)
    );
    check(&pointer, &what, body)
}

/// Validates the query of a Management API request against the operation's
/// declared query parameters: each must be one the spec lists, and its value
/// (read as the parameter's type) must match the parameter's schema.
pub fn validate_management_query(method: &str, path_with_query: &str) -> Result<(), String> {
    let Some((_, query)) = path_with_query.split_once('?') else {
        return Ok(());
    };
    let (template, method_key) = operation(method, path_with_query)?;
    let document = &spec().document;
    let declared: Vec<(usize, &Value)> = document["paths"][template][&method_key]["parameters"]
        .as_array()
        .map(|params| {
            params
                .iter()
                .enumerate()
                .filter(|(_, p)| p["in"] == "query")
                .collect()
        })
        .unwrap_or_default();
    let what = format!("query of {method} {path_with_query} (spec: {template})");
    let mut values: Vec<(String, Vec<String>)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (query_decode(name), query_decode(value));
        match values.iter_mut().find(|(n, _)| *n == name) {
            Some((_, all)) => all.push(value),
            None => values.push((name, vec![value])),
        }
    }
    let mut wrong = Vec::new();
    for (name, given) in values {
        let Some((index, param)) = declared.iter().find(|(_, p)| p["name"] == name.as_str()) else {
            let known: Vec<&str> = declared
                .iter()
                .filter_map(|(_, p)| p["name"].as_str())
                .collect();
            wrong.push(format!(
                "  {name}: not a query parameter of this operation (it has: {})",
                known.join(", ")
            ));
            continue;
        };
        let value = typed_query_value(&param["schema"], &given);
        let pointer = format!(
            "/paths/{}/{method_key}/parameters/{index}/schema",
            escape_pointer(template)
        );
        if let Err(e) = check(&pointer, &format!("parameter {name}"), &value) {
            wrong.push(format!("  {e}"));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{what} breaks Auth0's schema:\n{}",
            wrong.join("\n")
        ))
    }
}

/// A query value as JSON of the parameter's type (a value that does not parse
/// stays a string, so the schema reports the wrong type).
fn typed_query_value(schema: &Value, given: &[String]) -> Value {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            spec().document.pointer(pointer).unwrap_or(&Value::Null)
        }
        None => schema,
    };
    let one = |text: &str| match schema["type"].as_str() {
        Some("integer") => text
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.to_owned()), Value::from),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    };
    if schema["type"] == "array" {
        Value::Array(given.iter().map(|v| Value::String(v.clone())).collect())
    } else if given.len() == 1 {
        one(&given[0])
    } else {
        // A scalar parameter given twice: let the schema refuse the array.
        Value::Array(given.iter().map(|v| one(v)).collect())
    }
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte).
fn query_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| char::from(b).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
