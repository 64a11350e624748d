//! The gateway side: the exact configuration an API gateway needs to check this
//! tenant's tokens (`m2m-portal gateway TARGET`), and the words a gateway would
//! use for each failed check (`m2m-portal gateway check`).
//!
//! Everything here is pure: [`Facts`] come from the tenant's discovery document
//! and JWKS (portal/token.rs), the guides are text built from them. Values are
//! put into each format with that format's quoting (JSON, YAML double-quoted
//! scalars, nginx strings, Lua escapes), so a hostile issuer cannot break out.

use serde::Serialize;
use serde_json::{Value, json};

use crate::jwt::Check;

/// The gateways a guide is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// AWS API Gateway HTTP API, built-in JWT authorizer.
    AwsJwt,
    /// AWS API Gateway with a Lambda authorizer (Node.js, `jose`).
    AwsLambda,
    /// Kong's bundled `jwt` plugin, declarative configuration (YAML).
    Kong,
    /// NGINX Plus `auth_jwt` (open-source nginx has no JWT check).
    Nginx,
    /// Any gateway: the checks in plain words.
    Generic,
}

impl Target {
    /// Every target, in the order `gateway` prints them.
    pub const ALL: [Target; 5] = [
        Target::AwsJwt,
        Target::AwsLambda,
        Target::Kong,
        Target::Nginx,
        Target::Generic,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::AwsJwt => "aws-jwt",
            Target::AwsLambda => "aws-lambda",
            Target::Kong => "kong",
            Target::Nginx => "nginx",
            Target::Generic => "generic",
        }
    }
}

/// What a gateway must know about the tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    /// The tenant's name as shown (`tenant.eu.auth0.com`).
    pub tenant: String,
    /// Exact `iss`, trailing slash included.
    pub issuer: String,
    /// Where the signing keys are.
    pub jwks_uri: String,
    /// The API identifier `aud` must hold.
    pub audience: String,
    /// Where keys get their tokens.
    pub token_endpoint: String,
    /// Algorithms to pin (from discovery, RS256 by default).
    pub algorithms: Vec<String>,
    /// Clock leeway in seconds.
    pub leeway: u64,
    /// The JWKS's keys (for gateways that take a PEM instead of a JWKS URL).
    #[serde(skip)]
    pub keys: Vec<Value>,
}

/// One piece of configuration or code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// What it is, e.g. `aws apigatewayv2 create-authorizer --cli-input-json`.
    pub name: String,
    /// `json`, `yaml`, `javascript`, `nginx` or `text`.
    pub language: String,
    pub text: String,
}

/// A gateway's guide: snippets and what they do not cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guide {
    pub target: String,
    pub title: String,
    pub snippets: Vec<Snippet>,
    pub notes: Vec<String>,
}

fn snippet(name: &str, language: &str, text: String) -> Snippet {
    Snippet {
        name: name.to_owned(),
        language: language.to_owned(),
        text,
    }
}

/// A JSON string literal (also a valid YAML double-quoted scalar and JS string).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A string for nginx configuration: double-quoted, `"`, `\` and `$` escaped,
/// control characters dropped (nginx has no escape for them).
fn nginx_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Lua string literal: every byte but letters, digits and a few safe signs as `\ddd`
/// (LuaJIT has no `\u`).
fn lua_quoted(text: &str) -> String {
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

/// Writes a guide for one gateway.
pub fn guide(target: Target, facts: &Facts) -> Guide {
    match target {
        Target::AwsJwt => aws_jwt(facts),
        Target::AwsLambda => aws_lambda(facts),
        Target::Kong => kong(facts),
        Target::Nginx => nginx(facts),
        Target::Generic => generic(facts),
    }
}

/// The JSON for `aws apigatewayv2 create-authorizer --cli-input-json`.
pub fn aws_jwt_authorizer(facts: &Facts) -> Value {
    json!({
        "ApiId": "YOUR_HTTP_API_ID",
        "AuthorizerType": "JWT",
        "Name": "auth0-m2m",
        "IdentitySource": ["$request.header.Authorization"],
        "JwtConfiguration": {
            "Issuer": facts.issuer,
            "Audience": [facts.audience],
        },
    })
}

fn aws_jwt(facts: &Facts) -> Guide {
    let config = serde_json::to_string_pretty(&aws_jwt_authorizer(facts)).unwrap_or_default();
    let mut notes = vec![
        format!(
            "API Gateway reads the issuer's {}.well-known/openid-configuration and takes the keys from {} (it caches them and follows key rotation itself).",
            facts.issuer, facts.jwks_uri
        ),
        "The issuer must be exact, trailing slash included; a token whose iss differs by the slash is refused with 401.".to_owned(),
        "The authorizer checks the signature, iss, aud, exp and nbf; it does not check org_id: map $context.authorizer.claims.org_id into a request header or parameter for the integration, and have the backend (or a Lambda authorizer, `gateway aws-lambda`) refuse a token without one.".to_owned(),
        "Scopes: set AuthorizationScopes on a route to require scopes from the token's scope claim.".to_owned(),
    ];
    if facts.algorithms.iter().any(|a| a != "RS256") {
        notes.push(format!(
            "This tenant allows {}: the JWT authorizer accepts RSA signatures only, so an ES256 token needs a Lambda authorizer.",
            facts.algorithms.join(", ")
        ));
    }
    Guide {
        target: Target::AwsJwt.name().to_owned(),
        title: "AWS API Gateway (HTTP API), JWT authorizer".to_owned(),
        snippets: vec![
            snippet(
                "aws apigatewayv2 create-authorizer --cli-input-json file://authorizer.json",
                "json",
                config,
            ),
            moesif(facts),
        ],
        notes,
    }
}

fn aws_lambda(facts: &Facts) -> Guide {
    let algorithms = serde_json::to_string(&facts.algorithms).unwrap_or_default();
    let code = format!(
        r#"// Lambda authorizer for an HTTP API (payload format 2.0, simple responses). npm install jose
import {{ createRemoteJWKSet, jwtVerify }} from "jose";

const ISSUER = {issuer};
const AUDIENCE = {audience};
// Kept across invocations of a warm Lambda: keys are cached for 10 min, and an
// unknown kid (key rotation) refetches them at most every 30 s.
const JWKS = createRemoteJWKSet(new URL({jwks}), {{
  cacheMaxAge: 600_000,
  cooldownDuration: 30_000,
}});

export const handler = async (event) => {{
  const match = /^Bearer (.+)$/i.exec(event.headers?.authorization ?? "");
  if (!match) return {{ isAuthorized: false }};
  try {{
    const {{ payload }} = await jwtVerify(match[1], JWKS, {{
      algorithms: {algorithms}, // pinned: never "none", never HS256 with a public key
      issuer: ISSUER, // exact, trailing slash included
      audience: AUDIENCE,
      clockTolerance: {leeway}, // seconds of clock skew allowed on exp and nbf
      requiredClaims: ["exp", "org_id"],
    }});
    if (typeof payload.org_id !== "string" || payload.org_id === "") {{
      return {{ isAuthorized: false }};
    }}
    return {{
      isAuthorized: true,
      context: {{ org_id: payload.org_id, client_id: payload.azp ?? payload.sub }},
    }};
  }} catch {{
    return {{ isAuthorized: false }};
  }}
}};
"#,
        issuer = quoted(&facts.issuer),
        audience = quoted(&facts.audience),
        jwks = quoted(&facts.jwks_uri),
        leeway = facts.leeway,
    );
    let checks = format!(
        "1. alg pinned to {algs}: refuse \"none\" and HS256 (a gateway that accepts HS256 with the public key as the secret accepts forged tokens).\n\
         2. kid from the header chooses the key in {jwks}; cache the JWKS, refetch on an unknown kid (rate limited), never per request.\n\
         3. iss is exactly {issuer}\n\
         4. aud is, or contains, {audience}\n\
         5. exp is in the future ({leeway} s leeway; nbf and iat not in the future).\n\
         6. org_id is present: it names the customer; pass it on in the authorizer context.\n",
        algs = facts.algorithms.join(", "),
        jwks = facts.jwks_uri,
        issuer = facts.issuer,
        audience = facts.audience,
        leeway = facts.leeway,
    );
    Guide {
        target: Target::AwsLambda.name().to_owned(),
        title: "AWS API Gateway, Lambda authorizer".to_owned(),
        snippets: vec![
            snippet("the checks a Lambda authorizer must make", "text", checks),
            snippet("authorizer.mjs", "javascript", code),
            moesif(facts),
        ],
        notes: vec![
            "Configure the authorizer with identity source $request.header.Authorization and enable simple responses; cache its result by that header for at most the token's lifetime.".to_owned(),
        ],
    }
}

/// Moesif's `identifyCompany`, reading `org_id` from what the authorizer verified.
fn moesif(facts: &Facts) -> Snippet {
    let _ = facts;
    snippet(
        "Moesif (moesif-aws-lambda): the company is the token's org_id",
        "javascript",
        r#"const moesif = require("moesif-aws-lambda");

const moesifOptions = {
  applicationId: process.env.MOESIF_APPLICATION_ID,
  // The authorizer verified the token: read org_id from what it passed on,
  // never from an unverified Authorization header.
  identifyCompany: (event, context) =>
    event.requestContext?.authorizer?.lambda?.org_id ?? // Lambda authorizer context
    event.requestContext?.authorizer?.jwt?.claims?.org_id, // JWT authorizer claims
  identifyUser: (event, context) =>
    event.requestContext?.authorizer?.lambda?.client_id ??
    event.requestContext?.authorizer?.jwt?.claims?.azp,
};

exports.handler = moesif(moesifOptions, exports.handler);
"#
        .to_owned(),
    )
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

fn kong(facts: &Facts) -> Guide {
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

/// NGINX Plus configuration for `auth_jwt`.
pub fn nginx_conf(facts: &Facts) -> String {
    format!(
        r#"# NGINX Plus (R29+): auth_jwt. Open-source nginx has no JWT check; use
# auth_request to a verifier (the Lambda authorizer's checks), or njs.
map $jwt_claim_iss $m2m_iss_ok {{
    {issuer} 1;
    default 0;
}}
# An aud array arrives comma-joined.
map $jwt_claim_aud $m2m_aud_ok {{
    {audience} 1;
    "~(^|,){audience_re}(,|$)" 1;
    default 0;
}}
map $jwt_claim_org_id $m2m_org_ok {{
    "" 0;
    default 1;
}}

proxy_cache_path /var/cache/nginx/jwks levels=1 keys_zone=jwks:1m max_size=1m;

server {{
    listen 443 ssl;

    location / {{
        auth_jwt "customer-api";
        auth_jwt_type signed;
        auth_jwt_key_request /_jwks;
        auth_jwt_leeway {leeway}s;
        auth_jwt_require $m2m_iss_ok $m2m_aud_ok error=401;
        auth_jwt_require $m2m_org_ok error=403;
        proxy_set_header X-Org-Id $jwt_claim_org_id;
        proxy_pass http://upstream.internal:8080;
    }}

    # The tenant's keys, fetched by subrequest and cached for an hour.
    location = /_jwks {{
        internal;
        proxy_cache jwks;
        proxy_cache_valid 200 1h;
        proxy_pass {jwks};
    }}
}}
"#,
        issuer = nginx_quoted(&facts.issuer),
        audience = nginx_quoted(&facts.audience),
        audience_re = nginx_regex(&facts.audience),
        leeway = facts.leeway,
        jwks = nginx_url(&facts.jwks_uri),
    )
}

/// The audience escaped for an nginx regex (no quotes inside the quoted pattern).
fn nginx_regex(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_control() || c == '"' {
            continue;
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out.replace("\\$", "\\x24")
}

/// A URL for `proxy_pass`: only characters a URL may hold.
fn nginx_url(url: &str) -> String {
    url.chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, ';' | '{' | '}' | '"' | '\'' | '$'))
        .collect()
}

fn nginx(facts: &Facts) -> Guide {
    let mut notes = vec![
        "This is NGINX Plus's auth_jwt module; open-source nginx cannot check a JWT on its own.".to_owned(),
        "auth_jwt picks the key by kid and checks the signature and exp/nbf (with the leeway); the maps check iss, aud and that org_id is present.".to_owned(),
    ];
    if facts.algorithms.len() > 1 {
        notes.push(format!(
            "auth_jwt accepts any algorithm the JWKS key supports; the tenant allows {}.",
            facts.algorithms.join(", ")
        ));
    }
    Guide {
        target: Target::Nginx.name().to_owned(),
        title: "NGINX Plus, auth_jwt".to_owned(),
        snippets: vec![snippet("nginx.conf", "nginx", nginx_conf(facts))],
        notes,
    }
}

fn generic(facts: &Facts) -> Guide {
    let text = format!(
        "issuer (iss, exact):     {issuer}\n\
         audience (aud):          {audience}\n\
         JWKS:                    {jwks}\n\
         token endpoint:          {token}\n\
         algorithms (pinned):     {algs}\n\
         clock leeway:            {leeway} s\n\
         customer:                the org_id claim (required)\n\
         \n\
         A gateway must, for every request:\n\
         1. take the token from `Authorization: Bearer ...`;\n\
         2. refuse alg none and any algorithm but {algs};\n\
         3. choose the key by the header's kid from the JWKS (cached; refetched on an unknown kid, rate limited);\n\
         4. verify the signature, then iss, aud and exp (nbf, iat), each exactly;\n\
         5. require org_id and pass it upstream as the customer's identity.\n\
         An HS256 token is checked with the API's shared signing secret, not with the JWKS: a gateway that\n\
         verifies HS256 with a public key accepts forgeries.\n",
        issuer = facts.issuer,
        audience = facts.audience,
        jwks = facts.jwks_uri,
        token = facts.token_endpoint,
        algs = facts.algorithms.join(", "),
        leeway = facts.leeway,
    );
    Guide {
        target: Target::Generic.name().to_owned(),
        title: "Any gateway".to_owned(),
        snippets: vec![
            snippet("the checks", "text", text),
            snippet(
                "Moesif (moesif-nodejs, Express): the company is the verified token's org_id",
                "javascript",
                "const moesif = require(\"moesif-nodejs\");\n\napp.use(moesif({\n  applicationId: process.env.MOESIF_APPLICATION_ID,\n  // req.auth is set by the JWT middleware that verified the token (express-oauth2-jwt-bearer).\n  identifyCompany: (req, res) => req.auth?.payload?.org_id,\n  identifyUser: (req, res) => req.auth?.payload?.azp ?? req.auth?.payload?.sub,\n}));\n"
                    .to_owned(),
            ),
        ],
        notes: Vec::new(),
    }
}

/// A failed check in a gateway's words: what the gateway answers and what to fix.
pub fn explain(check: &Check, facts: &Facts, decoded: Option<&crate::jwt::Decoded>) -> String {
    let alg = decoded.and_then(|d| d.alg()).unwrap_or("");
    match check.name.as_str() {
        "signature" if alg.to_ascii_uppercase().starts_with("HS") => format!(
            "401 Unauthorized. The token is signed with {alg}, a shared secret: a gateway checks it with the API's signing secret, not with the JWKS at {}. Set the API's signing algorithm to RS256 in Auth0 (APIs > Settings) to have it checked with public keys.",
            facts.jwks_uri
        ),
        "signature" if alg.eq_ignore_ascii_case("none") => {
            "401 Unauthorized. An unsigned token is never accepted: anyone could have written it.".to_owned()
        }
        "signature" => format!(
            "401 Unauthorized: the gateway cannot verify the signature with the keys at {} (algorithms pinned: {}). A token from another tenant, an altered token, or a key rotated away.",
            facts.jwks_uri,
            facts.algorithms.join(", ")
        ),
        "issuer" => format!(
            "401 Unauthorized: the authorizer's issuer is {}; the token's iss must be exactly that, trailing slash included. Was the token issued by another tenant or on another (custom) domain?",
            facts.issuer
        ),
        "audience" => format!(
            "401 Unauthorized (AWS: \"invalid audience\"): the authorizer accepts aud {}. Request the token with that audience.",
            facts.audience
        ),
        "expiry" => format!(
            "401 Unauthorized: the token is outside its lifetime (the gateway allows {} s of clock skew). Fetch a new token; if it is fresh, check the clocks.",
            facts.leeway
        ),
        "org_id" => "403 Forbidden from your authorizer: without org_id the gateway cannot tell which customer calls. The key's client grant must be linked to the organization, and the token requested with organization=ORG (or the client's default organization set).".to_owned(),
        _ => check.detail.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn facts(issuer: &str) -> Facts {
        Facts {
            tenant: "t".into(),
            issuer: issuer.into(),
            jwks_uri: "https://t/keys".into(),
            audience: "https://api\"; evil".into(),
            token_endpoint: "https://t/token".into(),
            algorithms: vec!["RS256".into()],
            leeway: 60,
            keys: Vec::new(),
        }
    }

    #[test]
    fn hostile_values_stay_inside_their_quotes() {
        let f = facts("https://t/\"\n}\nevil {");
        let aws = aws_jwt_authorizer(&f);
        assert_eq!(aws["JwtConfiguration"]["Issuer"], f.issuer);
        let conf = nginx_conf(&f);
        assert!(conf.contains(r#""https://t/\"}evil {" 1;"#), "{conf}");
        assert!(lua_quoted("a'b\"c").starts_with("\"a\\039b\\034c"));
    }
}
