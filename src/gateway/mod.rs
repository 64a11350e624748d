//! The gateway side: the exact configuration an API gateway needs to check this
//! tenant's tokens (`m2m-portal gateway TARGET`), and the words a gateway would
//! use for each failed check (`m2m-portal gateway check`).
//!
//! Everything here is pure: [`Facts`] come from the tenant's discovery document
//! and JWKS (portal/token.rs), the guides are text built from them. Values are
//! put into each format with that format's quoting (JSON, YAML double-quoted
//! scalars, nginx strings, Lua escapes), so a hostile issuer cannot break out.

use serde::Serialize;
use serde_json::Value;

use crate::jwt::Check;

mod aws;
mod kong;
mod nginx;

pub use aws::aws_jwt_authorizer;
pub use kong::{jwk_to_pem, kong_yaml};
pub use nginx::nginx_conf;

use aws::{aws_jwt, aws_lambda};
use kong::kong;
use nginx::nginx;

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
    use super::kong::lua_quoted;
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
