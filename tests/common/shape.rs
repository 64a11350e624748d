//! "Same shape" for JSON: every field of the example is present with the same
//! JSON type, recursively; extra fields are allowed. Values are not compared
//! (examples hold placeholders), only their types.

use serde_json::Value;

/// The JSON type of a value, as the messages name it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Where `actual` lacks a field of `expected` or has another JSON type, one line each.
///
/// Paths are JSON-pointer-like, `*` standing for any element of an array
/// (`/keys/*/kid`). `optional` lists paths that may be missing (e.g. fields
/// Auth0's documentation marks as optional). For arrays, every example
/// element must be matched by some element of the answer, and a non-empty
/// example needs a non-empty answer.
pub fn shape_mismatches(expected: &Value, actual: &Value, optional: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    compare(expected, actual, "", optional, &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|line| seen.insert(line.clone()));
    out
}

fn compare(expected: &Value, actual: &Value, path: &str, optional: &[&str], out: &mut Vec<String>) {
    let shown = if path.is_empty() { "/" } else { path };
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, want_value) in want {
                let child = format!("{path}/{key}");
                match got.get(key) {
                    Some(got_value) => compare(want_value, got_value, &child, optional, out),
                    None if optional.contains(&child.as_str()) => {}
                    None => out.push(format!(
                        "{child}: missing (expected {}, e.g. {})",
                        json_type(want_value),
                        preview(want_value)
                    )),
                }
            }
        }
        (Value::Array(want), Value::Array(got)) => {
            if !want.is_empty() && got.is_empty() {
                out.push(format!(
                    "{shown}: empty array (expected elements like {})",
                    preview(&want[0])
                ));
                return;
            }
            let child = format!("{path}/*");
            for want_item in want {
                // The closest element of the answer is the one to report against.
                let best = got
                    .iter()
                    .map(|got_item| {
                        let mut found = Vec::new();
                        compare(want_item, got_item, &child, optional, &mut found);
                        found
                    })
                    .min_by_key(Vec::len);
                if let Some(found) = best {
                    out.extend(found);
                }
            }
        }
        (want, got) if json_type(want) == json_type(got) => {}
        (want, got) => out.push(format!(
            "{shown}: expected {} (e.g. {}), got {} {}",
            json_type(want),
            preview(want),
            json_type(got),
            preview(got)
        )),
    }
}

fn preview(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 80 {
        let mut cut = 77;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}
