//! Auth0's body checks: types, lengths, enums, string arrays and metadata.

use serde_json::{Map, Value};

use crate::sandbox::vocab::{Reply, body_error_on, type_name};

pub(super) fn expect_string<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    label: &str,
) -> Result<Option<&'a str>, Reply> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(body_error_on(
            label,
            format!("Expected type string but found type {}", type_name(other)),
        )),
    }
}

pub(super) fn check_length(value: &str, label: &str, min: usize, max: usize) -> Result<(), Reply> {
    let len = value.chars().count();
    if len < min {
        return Err(body_error_on(
            label,
            format!("String is too short ({len} chars), minimum {min}"),
        ));
    }
    if len > max {
        return Err(body_error_on(
            label,
            format!("String is too long ({len} chars), maximum {max}"),
        ));
    }
    Ok(())
}

pub(super) fn check_type(
    body: &Map<String, Value>,
    name: &str,
    expected: &str,
) -> Result<(), Reply> {
    let Some(value) = body.get(name) else {
        return Ok(());
    };
    let found = type_name(value);
    let ok = match expected {
        "number" => matches!(found, "number" | "integer"),
        "object|null" => matches!(found, "object" | "null"),
        "integer|null" => matches!(found, "integer" | "null"),
        other => found == other,
    };
    if ok {
        Ok(())
    } else {
        Err(body_error_on(
            name,
            format!("Expected type {expected} but found type {found}"),
        ))
    }
}

pub(super) fn check_enum(
    body: &Map<String, Value>,
    name: &str,
    allowed: &[&str],
) -> Result<(), Reply> {
    match body.get(name) {
        None => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(Value::String(s)) => Err(body_error_on(name, format!("No enum match for: \"{s}\""))),
        Some(other) => Err(body_error_on(
            name,
            format!("Expected type string but found type {}", type_name(other)),
        )),
    }
}

pub(super) fn check_string_array(
    body: &Map<String, Value>,
    name: &str,
    max_len: usize,
) -> Result<(), Reply> {
    let Some(value) = body.get(name) else {
        return Ok(());
    };
    let Value::Array(items) = value else {
        return Err(body_error_on(
            name,
            format!("Expected type array but found type {}", type_name(value)),
        ));
    };
    for item in items {
        match item {
            Value::String(s) => check_length(s, name, 1, max_len)?,
            other => {
                return Err(body_error_on(
                    name,
                    format!("Expected type string but found type {}", type_name(other)),
                ));
            }
        }
    }
    Ok(())
}

/// `{key: string ≤255}` with at most `max` keys (organization and client metadata).
pub(super) fn check_metadata(
    body: &Map<String, Value>,
    name: &str,
    max: usize,
    allow_null_values: bool,
) -> Result<(), Reply> {
    let Some(value) = body.get(name) else {
        return Ok(());
    };
    let Value::Object(map) = value else {
        return Err(body_error_on(
            name,
            format!("Expected type object but found type {}", type_name(value)),
        ));
    };
    if map.len() > max {
        return Err(body_error_on(
            name,
            format!("Too many properties defined ({}), maximum {max}", map.len()),
        ));
    }
    for (key, value) in map {
        let label = format!("{name}.{key}");
        match value {
            Value::String(s) => check_length(s, &label, 0, 255)?,
            Value::Null if allow_null_values => {}
            other => {
                return Err(body_error_on(
                    &label,
                    format!("Expected type string but found type {}", type_name(other)),
                ));
            }
        }
        check_length(key, &label, 1, 255)?;
    }
    Ok(())
}
