//! nginx: `auth_jwt` (NGINX Plus) with the issuer and audience checks.

use super::{Facts, Guide, Target, snippet};

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

pub(super) fn nginx(facts: &Facts) -> Guide {
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
