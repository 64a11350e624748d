//! Paging the way Auth0 pages: offsets with totals, and opaque checkpoints.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::sandbox::vocab::{Reply, api_error, query_error_on};

use super::{Answer, Call, OFFSET_CAP};

/// An opaque checkpoint (`next`/`from`) that names the last item returned.
pub(super) fn checkpoint(kind: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

pub(super) fn from_checkpoint(kind: &str, text: &str) -> Result<String, Reply> {
    let bad = || query_error_on("from", "Invalid checkpoint".to_owned());
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .map(str::to_owned)
        .ok_or_else(bad)
}

/// Offset paging parameters.
pub(super) struct Offset {
    pub(super) page: u64,
    pub(super) per_page: u64,
    pub(super) include_totals: bool,
}

pub(super) fn offset(call: &Call, default_per_page: u64) -> Result<Offset, Reply> {
    let query = &call.request.query;
    Ok(Offset {
        page: query.integer("page", 0, None)?.unwrap_or(0),
        per_page: query
            .integer("per_page", 1, Some(100))?
            .unwrap_or(default_per_page),
        include_totals: query.boolean("include_totals")?.unwrap_or(false),
    })
}

impl Offset {
    pub(super) fn start(&self) -> usize {
        usize::try_from(self.page.saturating_mul(self.per_page)).unwrap_or(usize::MAX)
    }

    pub(super) fn len(&self) -> usize {
        usize::try_from(self.per_page).unwrap_or(usize::MAX)
    }

    /// Refuses a page past Auth0's cap on offset paging (1,000 records).
    pub(super) fn within_cap(&self) -> Result<(), Reply> {
        if (self.page + 1).saturating_mul(self.per_page) > OFFSET_CAP {
            return Err(api_error(
                400,
                "Requesting page exceeds the allowed maximum of 1000 records",
                Some("invalid_paging"),
            ));
        }
        Ok(())
    }

    /// This page of all `items`, wrapped as [`Offset::wrap`] does.
    pub(super) fn page_of(&self, name: &str, items: Vec<Value>) -> Reply {
        let total = items.len();
        let page = items
            .into_iter()
            .skip(self.start())
            .take(self.len())
            .collect();
        self.wrap(name, page, total)
    }

    /// A bare array, or `{<items>, start, limit, total}` with include_totals.
    pub(super) fn wrap(&self, name: &str, items: Vec<Value>, total: usize) -> Reply {
        if self.include_totals {
            let mut body = Map::new();
            body.insert(name.into(), Value::Array(items));
            body.insert("start".into(), json!(self.start()));
            body.insert("limit".into(), json!(self.per_page));
            body.insert("total".into(), json!(total));
            Reply::json(200, Value::Object(body))
        } else {
            Reply::json(200, Value::Array(items))
        }
    }
}

/// One offset page (`page`, `per_page`, `include_totals`) of keyed items.
pub(super) fn offset_page(call: &Call, name: &str, items: Vec<(String, Value)>) -> Answer {
    let paging = offset(call, 50)?;
    Ok(paging.page_of(name, items.into_iter().map(|(_, v)| v).collect()))
}

/// Checkpoint paging over items sorted by a unique key.
pub(super) fn checkpoint_page(
    call: &Call,
    kind: &str,
    name: &str,
    mut items: Vec<(String, Value)>,
) -> Answer {
    let query = &call.request.query;
    let take = query.integer("take", 1, Some(100))?.unwrap_or(50);
    let take = usize::try_from(take).unwrap_or(100);
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let after = match query.get("from") {
        Some(from) if !from.is_empty() => Some(from_checkpoint(kind, from)?),
        _ => None,
    };
    let start = match &after {
        Some(after) => items.partition_point(|(key, _)| key <= after),
        None => 0,
    };
    let rest = items.get(start..).unwrap_or_default();
    let page: Vec<&(String, Value)> = rest.iter().take(take).collect();
    let mut body = Map::new();
    if rest.len() > take
        && let Some((last, _)) = page.last()
    {
        body.insert("next".into(), json!(checkpoint(kind, last)));
    }
    body.insert(
        name.into(),
        Value::Array(page.into_iter().map(|(_, v)| v.clone()).collect()),
    );
    Ok(Reply::json(200, Value::Object(body)))
}

/// Keeps (or, with include_fields=false, drops) the listed fields.
pub(super) fn select_fields(
    call: &Call,
    object: Map<String, Value>,
) -> Result<Map<String, Value>, Reply> {
    let query = &call.request.query;
    let include = query.boolean("include_fields")?.unwrap_or(true);
    let Some(fields) = query.get("fields").filter(|f| !f.is_empty()) else {
        return Ok(object);
    };
    let fields: BTreeSet<&str> = fields.split(',').map(str::trim).collect();
    Ok(object
        .into_iter()
        .filter(|(k, _)| fields.contains(k.as_str()) == include)
        .collect())
}
