//! Kong: the jwt plugin pinned to the tenant's keys, with a Lua check of `aud`.

use serde_json::Value;

use super::{Facts, Guide, Target, quoted, snippet};

/// A Lua string literal: every byte but letters, digits and a few safe signs as `\ddd`
/// (LuaJIT has no `\u`).
pub(super) fn lua_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b":/.-_".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("\\{byte:03}"));
        }
    }
    out.push('"');
    out
}

/// A JWKS key as a PEM public key (Kong takes PEMs, not a JWKS URL).
pub fn jwk_to_pem(jwk: &Value) -> Option<String> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let field = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(|v| engine.decode(v).ok())
    };
    match jwk.get("kty").and_then(Value::as_str)? {
        "RSA" => {
            use rsa::pkcs8::EncodePublicKey;
            let key = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&field("n")?),
                rsa::BigUint::from_bytes_be(&field("e")?),
            )
            .ok()?;
            key.to_public_key_pem(rsa::pkcs8::LineEnding::LF).ok()
        }
        "EC" => {
            use p256::pkcs8::EncodePublicKey;
            let mut point = vec![0x04];
            point.extend(field("x")?);
            point.extend(field("y")?);
            let key = p256::PublicKey::from_sec1_bytes(&point).ok()?;
            key.to_public_key_pem(p256::pkcs8::LineEnding::LF).ok()
        }
        _ => None,
    }
}

/// The keys a gateway may pin: signing keys whose algorithm is allowed.
fn pinnable_keys(facts: &Facts) -> Vec<(String, String, String)> {
    facts
        .keys
        .iter()
        .filter(|k| {
            k.get("use")
                .and_then(Value::as_str)
                .is_none_or(|u| u == "sig")
        })
        .filter_map(|k| {
            let alg = k
                .get("alg")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| match k.get("kty").and_then(Value::as_str) {
                    Some("EC") => Some("ES256".to_owned()),
                    Some("RSA") => Some("RS256".to_owned()),
                    _ => None,
                })?;
            if !facts.algorithms.contains(&alg) {
                return None;
            }
            let kid = k
                .get("kid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            Some((kid, alg, jwk_to_pem(k)?))
        })
        .collect()
}

/// Kong's declarative configuration (`kong.yml`) for the bundled `jwt` plugin.
pub fn kong_yaml(facts: &Facts) -> String {
    let keys = pinnable_keys(facts);
    let mut yaml = String::new();
    yaml.push_str("_format_version: \"3.0\"\n");
    yaml.push_str(&format!(
        "# Tenant {tenant}: issuer {issuer}, keys from {jwks}\n",
        tenant = crate::text::sanitize(&facts.tenant),
        issuer = crate::text::sanitize(&facts.issuer),
        jwks = crate::text::sanitize(&facts.jwks_uri),
    ));
    yaml.push_str(
        "services:\n\
         - name: customer-api\n\
         \x20 url: http://upstream.internal:8080\n\
         \x20 routes:\n\
         \x20 - name: customer-api\n\
         \x20   paths:\n\
         \x20   - /\n\
         \x20 plugins:\n\
         \x20 - name: jwt\n\
         \x20   config:\n\
         \x20     header_names:\n\
         \x20     - authorization\n\
         \x20     key_claim_name: iss\n\
         \x20     claims_to_verify:\n\
         \x20     - exp\n",
    );
    yaml.push_str(&format!(
        "\x20     maximum_expiration: 0\n\
         \x20 - name: post-function\n\
         \x20   config:\n\
         \x20     access:\n\
         \x20     - {lua}\n",
        lua = quoted(&kong_lua(facts)),
    ));
    yaml.push_str(
        "consumers:\n\
         - username: auth0-m2m\n\
         \x20 jwt_secrets:\n",
    );
    // Kong keys a credential by iss, so one key per issuer: the first allowed one.
    if let Some((kid, alg, pem)) = keys.first() {
        yaml.push_str(&format!(
            "\x20 - key: {issuer}\n\
             \x20   algorithm: {alg}\n\
             \x20   rsa_public_key: {pem}\n\
             \x20   tags:\n\
             \x20   - {kid}\n",
            issuer = quoted(&facts.issuer),
            alg = quoted(alg),
            pem = quoted(pem),
            kid = quoted(&format!("kid:{kid}")),
        ));
    } else {
        yaml.push_str(&format!(
            "\x20 - key: {issuer}\n\
             \x20   algorithm: \"RS256\"\n\
             \x20   rsa_public_key: \"PASTE THE PEM OF THE KEY FROM THE JWKS\"\n",
            issuer = quoted(&facts.issuer),
        ));
    }
    yaml
}

/// The `post-function` that checks what the `jwt` plugin does not: `aud` and `org_id`.
fn kong_lua(facts: &Facts) -> String {
    format!(
        "local jwt = kong.request.get_header('authorization') or '' \
         local payload = jwt:match('^[Bb]earer%s+[^.]+%.([^.]+)%.') \
         if not payload then return kong.response.exit(401, {{ message = 'Unauthorized' }}) end \
         payload = payload:gsub('-', '+'):gsub('_', '/') \
         local claims = require('cjson.safe').decode(ngx.decode_base64(payload .. string.rep('=', (4 - #payload % 4) % 4)) or '') \
         if type(claims) ~= 'table' then return kong.response.exit(401, {{ message = 'Unauthorized' }}) end \
         local want = {aud} local ok = claims.aud == want \
         if type(claims.aud) == 'table' then for _, a in ipairs(claims.aud) do if a == want then ok = true end end end \
         if not ok then return kong.response.exit(401, {{ message = 'Invalid audience' }}) end \
         if type(claims.org_id) ~= 'string' or claims.org_id == '' then return kong.response.exit(403, {{ message = 'No organization' }}) end \
         kong.service.request.set_header('X-Org-Id', claims.org_id)",
        aud = lua_quoted(&facts.audience),
    )
}

pub(super) fn kong(facts: &Facts) -> Guide {
    Guide {
        target: Target::Kong.name().to_owned(),
        title: "Kong Gateway, jwt plugin (declarative kong.yml)".to_owned(),
        snippets: vec![snippet("kong.yml", "yaml", kong_yaml(facts))],
        notes: vec![
            format!(
                "Kong's jwt plugin takes a PEM, not a JWKS URL: the key above is the tenant's current key from {}. When the tenant rotates its signing key, generate this file again (or use Kong Enterprise's openid-connect plugin with issuer {}).",
                facts.jwks_uri, facts.issuer
            ),
            "The jwt plugin finds the credential by iss (key_claim_name: iss) and checks the signature and exp; the post-function checks aud and requires org_id, which it passes upstream as X-Org-Id.".to_owned(),
            format!(
                "Kong's exp check allows no leeway setting; keep the gateway's clock in sync (this tool checks with {} s).",
                facts.leeway
            ),
        ],
    }
}
