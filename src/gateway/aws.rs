//! AWS API Gateway: the HTTP API JWT authorizer, and a Lambda authorizer for REST APIs.

use serde_json::{Value, json};

use super::{Facts, Guide, Snippet, Target, quoted, snippet};

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

pub(super) fn aws_jwt(facts: &Facts) -> Guide {
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

pub(super) fn aws_lambda(facts: &Facts) -> Guide {
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
