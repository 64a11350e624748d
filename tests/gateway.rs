//! The gateway side (issue 11, items 3 and 4), through real HTTP against the
//! sandbox: `gateway` guides that parse and name the tenant's issuer and JWKS,
//! `gateway check`, and `token` against providers not laid out like Auth0
//! (discovery paths, PS256/ES256, Basic-only, `resource`, a custom domain with a
//! separate Management domain), and token endpoints that are not what they seem.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use m2m_portal::commands::{Input, Output, run_with};
use m2m_portal::config::Settings;
use m2m_portal::sandbox::{FaultSpec, ProviderOptions, Sandbox, SandboxOptions, SigningAlg};
use serde_json::{Value, json};

struct Tenant {
    sandbox: Sandbox,
    settings: Settings,
    dir: tempfile::TempDir,
    /// Check the recorded exchanges against Auth0's contract at the end (off when
    /// faults answer with bodies Auth0 never sends, on purpose).
    contract: bool,
}

impl Tenant {
    async fn start(options: SandboxOptions) -> Self {
        let contract = options.faults.is_empty();
        let sandbox = Sandbox::start(SandboxOptions {
            record: true,
            ..options
        })
        .await
        .unwrap();
        let settings = sandbox.settings();
        Self {
            sandbox,
            settings,
            dir: tempfile::tempdir().unwrap(),
            contract,
        }
    }

    async fn provider(provider: ProviderOptions) -> Self {
        Self::start(SandboxOptions {
            provider,
            ..SandboxOptions::default()
        })
        .await
    }

    fn input(&self, input: Input) -> Input {
        Input {
            audit_log: Some(self.dir.path().join("audit.jsonl")),
            ..input
        }
    }

    async fn run(&self, args: &[&str]) -> Output {
        run_with(args, &self.settings, self.input(Input::default())).await
    }

    async fn run_input(&self, args: &[&str], input: Input) -> Output {
        run_with(args, &self.settings, self.input(input)).await
    }

    /// Provisions a key for `org` (its secret proven by a test token) and
    /// returns (client id, secret).
    async fn key(&self, org: &str) -> (String, String) {
        let key = ok(&self
            .run(&["clients", "provision", "--org", org, "--json"])
            .await);
        (
            key["client_id"].as_str().unwrap().to_owned(),
            key["client_secret"].as_str().unwrap().to_owned(),
        )
    }

    /// `token --json` for a key, with the secret in the environment.
    async fn token(&self, client_id: &str, secret: &str) -> Output {
        self.run_input(
            &["token", "--client-id", client_id, "--json"],
            Input {
                client_secret_env: Some(secret.to_owned()),
                ..Input::default()
            },
        )
        .await
    }

    async fn finish(self) {
        if self.contract {
            common::check_exchanges(&self.sandbox).unwrap_or_else(|e| panic!("{e}"));
        }
        self.sandbox.shutdown().await;
    }
}

fn ok(output: &Output) -> Value {
    assert_eq!(
        output.code, 0,
        "stderr: {}\nstdout: {}",
        output.stderr, output.stdout
    );
    output.json().unwrap()
}

fn assert_all_checks_pass(doc: &Value) {
    for check in ["signature", "issuer", "audience", "expiry", "org_id"] {
        assert_eq!(doc["checks"][check]["ok"], true, "{check}: {doc}");
    }
}

/// The one guide of `gateway TARGET --json`, and its first snippet of `language`.
fn snippet(doc: &Value, language: &str) -> String {
    doc["guide"]["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["language"] == language)
        .unwrap_or_else(|| panic!("no {language} snippet: {doc}"))["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_gateway_guide_parses_and_names_the_tenants_issuer_and_jwks() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let base = tenant.sandbox.base_url();
    let issuer = format!("{base}/");
    let jwks_uri = format!("{base}/.well-known/jwks.json");
    let audience = tenant.sandbox.api_audience();

    // AWS HTTP API JWT authorizer: create-authorizer input JSON.
    let doc = ok(&tenant.run(&["gateway", "aws-jwt", "--json"]).await);
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["jwks_uri"], jwks_uri);
    let aws: Value = serde_json::from_str(&snippet(&doc, "json")).unwrap();
    assert_eq!(aws["AuthorizerType"], "JWT");
    assert_eq!(aws["JwtConfiguration"]["Issuer"], issuer);
    assert!(
        aws["JwtConfiguration"]["Issuer"]
            .as_str()
            .unwrap()
            .ends_with('/')
    );
    assert_eq!(aws["JwtConfiguration"]["Audience"], json!([audience]));
    assert_eq!(
        aws["IdentitySource"],
        json!(["$request.header.Authorization"])
    );
    let text = doc["guide"].to_string();
    assert!(text.contains(&jwks_uri), "{text}");
    assert!(text.contains("identifyCompany") && text.contains("org_id"));

    // Kong: declarative YAML with the tenant's key as a PEM, keyed by the issuer.
    let doc = ok(&tenant.run(&["gateway", "kong", "--json"]).await);
    let yaml = snippet(&doc, "yaml");
    assert!(yaml.contains(&jwks_uri), "{yaml}");
    let kong: Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(kong["_format_version"], "3.0");
    let plugins = &kong["services"][0]["plugins"];
    assert_eq!(plugins[0]["name"], "jwt");
    assert_eq!(plugins[0]["config"]["key_claim_name"], "iss");
    assert_eq!(plugins[0]["config"]["claims_to_verify"], json!(["exp"]));
    let lua = plugins[1]["config"]["access"][0].as_str().unwrap();
    assert!(lua.contains("org_id") && lua.contains("aud"), "{lua}");
    let secret = &kong["consumers"][0]["jwt_secrets"][0];
    assert_eq!(secret["key"], issuer);
    assert_eq!(secret["algorithm"], "RS256");
    let pem = secret["rsa_public_key"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    // The PEM is the JWKS's key.
    let jwks: Value = common::http()
        .get(&jwks_uri)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = &jwks["keys"][0];
    assert_eq!(
        m2m_portal::gateway::jwk_to_pem(jwk).as_deref(),
        Some(pem),
        "the PEM must be the JWKS key"
    );
    assert_eq!(
        secret["tags"][0],
        format!("kid:{}", jwk["kid"].as_str().unwrap())
    );

    // Lambda authorizer: the checks, pinned RS256, the JWKS with caching.
    let doc = ok(&tenant.run(&["gateway", "aws-lambda", "--json"]).await);
    let code = snippet(&doc, "javascript");
    for needle in [
        "algorithms: [\"RS256\"]",
        &format!("const ISSUER = \"{issuer}\""),
        &format!("const AUDIENCE = \"{audience}\""),
        &format!("new URL(\"{jwks_uri}\")"),
        "cacheMaxAge",
        "requiredClaims: [\"exp\", \"org_id\"]",
        "clockTolerance: 60",
    ] {
        assert!(code.contains(needle), "{needle} missing:\n{code}");
    }
    let checks = snippet(&doc, "text");
    assert!(checks.contains("kid") && checks.contains("org_id is present"));

    // NGINX Plus auth_jwt, said so.
    let doc = ok(&tenant.run(&["gateway", "nginx", "--json"]).await);
    let conf = snippet(&doc, "nginx");
    assert!(conf.contains("NGINX Plus") && conf.contains("auth_jwt_key_request /_jwks;"));
    assert!(conf.contains(&format!("proxy_pass {jwks_uri};")), "{conf}");
    assert!(conf.contains(&format!("\"{issuer}\" 1;")), "{conf}");
    assert!(conf.contains("auth_jwt_leeway 60s;"));
    // Balanced braces: the file is one block structure.
    assert_eq!(conf.matches('{').count(), conf.matches('}').count());

    // Without a target: every guide, human text.
    let all = tenant.run(&["gateway"]).await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    for target in ["aws-jwt", "aws-lambda", "kong", "nginx", "generic"] {
        assert!(all.stdout.contains(&format!("({target}) ==")), "{target}");
    }
    assert!(
        all.stdout
            .contains("HS256 token is checked with the API's shared signing secret")
    );
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_check_reads_stdin_and_explains_each_failure_in_a_gateways_words() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let (client_id, secret) = tenant.key("globex").await;
    let doc = ok(&tenant.token(&client_id, &secret).await);
    let token = doc["access_token"].as_str().unwrap().to_owned();

    let good = tenant
        .run_input(
            &["gateway", "check", "-"],
            Input {
                stdin: format!("{token}\n"),
                ..Input::default()
            },
        )
        .await;
    assert_eq!(good.code, 0, "{}{}", good.stdout, good.stderr);
    assert!(good.stdout.contains("would accept"), "{}", good.stdout);
    assert!(good.stdout.contains("leeway 60 s"), "{}", good.stdout);

    // A token whose claims were changed: the signature no longer matches.
    let [header, payload, signature]: [&str; 3] =
        token.split('.').collect::<Vec<_>>().try_into().unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["aud"] = json!("https://another-api.example.com");
    claims.as_object_mut().unwrap().remove("org_id");
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let forged = format!("{header}.{forged_payload}.{signature}");
    let bad = tenant
        .run_input(
            &["gateway", "check", "--json"],
            Input {
                stdin: forged,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    let doc = bad.json().unwrap();
    assert_eq!(doc["accepted"], false);
    let check = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(check("signature")["ok"], false);
    assert!(
        check("signature")["gateway"]
            .as_str()
            .unwrap()
            .starts_with("401")
    );
    assert_eq!(check("audience")["ok"], false);
    assert!(
        check("audience")["gateway"]
            .as_str()
            .unwrap()
            .contains(&tenant.sandbox.api_audience())
    );
    // A gateway identifies the customer by org_id: without it, it refuses.
    assert_eq!(check("org_id")["ok"], false);
    assert!(
        check("org_id")["gateway"]
            .as_str()
            .unwrap()
            .starts_with("403")
    );
    assert_eq!(check("issuer")["ok"], true);
    assert_eq!(check("expiry")["ok"], true);

    // HS256: said plainly that a gateway checks it with the shared secret.
    let hs_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let hs = format!("{hs_header}.{payload}.c2lnbmF0dXJl");
    let out = tenant
        .run_input(
            &["gateway", "check"],
            Input {
                stdin: hs,
                ..Input::default()
            },
        )
        .await;
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("the token is signed with HS256; only RS256, PS256 is accepted")
            || out
                .stdout
                .contains("the token is signed with HS256; only RS256 is accepted"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("a gateway checks it with the API's signing secret, not with the JWKS"),
        "{}",
        out.stdout
    );
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_follows_discovery_to_endpoints_that_are_not_auth0s_paths() {
    for alg in [SigningAlg::Es256, SigningAlg::Ps256] {
        let tenant = Tenant::provider(ProviderOptions {
            paths: true,
            alg,
            ..ProviderOptions::default()
        })
        .await;
        let base = tenant.sandbox.base_url();
        // Auth0's paths do not serve the customer API here: a client that assumed
        // them would fail.
        let assumed = common::http()
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(assumed.status(), 404);

        let (client_id, secret) = tenant.key("globex").await;
        let doc = ok(&tenant.token(&client_id, &secret).await);
        assert_eq!(doc["header"]["alg"], alg.name(), "{doc}");
        assert_all_checks_pass(&doc);
        assert!(
            doc["checks"]["signature"]["detail"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{} signature verified", alg.name()))
        );
        let exchanges = tenant.sandbox.exchanges();
        assert!(
            exchanges
                .iter()
                .any(|e| e.path == "/connect/token" && e.status == 200),
            "the token came from the discovered endpoint"
        );

        // jwt decode --verify follows discovery too.
        let token = doc["access_token"].as_str().unwrap();
        let verified = ok(&tenant
            .run(&["jwt", "decode", token, "--verify", "--json"])
            .await);
        assert_all_checks_pass(&verified);

        // The guide pins what discovery allows.
        let guide = ok(&tenant.run(&["gateway", "aws-lambda", "--json"]).await);
        assert_eq!(guide["jwks_uri"], format!("{base}/discovery/keys"));
        assert_eq!(guide["token_endpoint"], format!("{base}/connect/token"));
        assert!(
            snippet(&guide, "javascript")
                .contains(&format!("algorithms: [\"RS256\",\"{}\"]", alg.name()))
        );
        if alg == SigningAlg::Es256 {
            let kong = ok(&tenant.run(&["gateway", "kong", "--json"]).await);
            let kong: Value = serde_norway::from_str(&snippet(&kong, "yaml")).unwrap();
            let pem = kong["consumers"][0]["jwt_secrets"][0]["rsa_public_key"]
                .as_str()
                .unwrap();
            assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        }
        tenant.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_authenticates_with_basic_when_discovery_allows_nothing_else() {
    let tenant = Tenant::provider(ProviderOptions {
        basic_only: true,
        ..ProviderOptions::default()
    })
    .await;
    let (client_id, secret) = tenant.key("globex").await;
    let doc = ok(&tenant.token(&client_id, &secret).await);
    assert_all_checks_pass(&doc);
    // The secret travelled in the Authorization header, not the form.
    let exchange = tenant
        .sandbox
        .exchanges()
        .into_iter()
        .rev()
        .find(|e| e.path == "/oauth/token" && e.status == 200)
        .unwrap();
    let body = exchange.request_body.unwrap();
    assert!(body.get("client_secret").is_none(), "{body}");
    assert!(body.get("client_id").is_none(), "{body}");

    // Forcing client_secret_post against it fails as the provider says.
    let mut post = tenant.settings.clone();
    post.token.basic_auth = Some(false);
    let refused = run_with(
        &["token", "--client-id", &client_id],
        &post,
        tenant.input(Input {
            client_secret_env: Some(secret.clone()),
            ..Input::default()
        }),
    )
    .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("client_secret_basic"),
        "{}",
        refused.stderr
    );
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_sends_resource_and_scope_when_configured() {
    let mut tenant = Tenant::provider(ProviderOptions {
        resource: true,
        ..ProviderOptions::default()
    })
    .await;
    tenant.settings.token.resource = true;
    let scope = tenant.sandbox.api_scope();
    let first_scope = scope.split_whitespace().next().unwrap().to_owned();
    tenant.settings.token.scope = Some(first_scope.clone());
    let (client_id, secret) = tenant.key("globex").await;
    let doc = ok(&tenant.token(&client_id, &secret).await);
    assert_all_checks_pass(&doc);
    assert_eq!(doc["claims"]["scope"], first_scope);
    let exchange = tenant
        .sandbox
        .exchanges()
        .into_iter()
        .rev()
        .find(|e| e.path == "/oauth/token" && e.status == 200)
        .unwrap();
    let body = exchange.request_body.unwrap();
    assert_eq!(body["resource"], tenant.sandbox.api_audience());
    assert!(body.get("audience").is_none(), "{body}");
    assert_eq!(body["scope"], first_scope);

    // Without the setting, `audience` is refused by this provider.
    tenant.settings.token.resource = false;
    let refused = tenant.token(&client_id, &secret).await;
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("resource"), "{}", refused.stderr);
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_token_domain_works_with_a_separate_management_domain() {
    let mut tenant = Tenant::provider(ProviderOptions {
        custom_domain: Some("localhost".to_owned()),
        ..ProviderOptions::default()
    })
    .await;
    let canonical = tenant.sandbox.base_url();
    let port = canonical.rsplit_once(':').unwrap().1.to_owned();
    let custom = format!("http://localhost:{port}");
    tenant.settings.base_url = custom.clone();

    // Deriving the Management API from the custom domain fails, as on Auth0.
    let derived = tenant.run(&["orgs", "list", "--json"]).await;
    assert_ne!(derived.code, 0, "{}", derived.stdout);
    assert!(
        derived.stderr.contains("Service not enabled"),
        "{}",
        derived.stderr
    );

    tenant.settings.management_base_url = Some(canonical.clone());
    assert_eq!(
        tenant.settings.management_audience(),
        format!("{canonical}/api/v2/")
    );
    let (client_id, secret) = tenant.key("globex").await;
    let doc = ok(&tenant.token(&client_id, &secret).await);
    // The issuer check stays on the domain that issued the token.
    assert_eq!(doc["claims"]["iss"], format!("{custom}/"));
    assert_all_checks_pass(&doc);
    let guide = ok(&tenant.run(&["gateway", "aws-jwt", "--json"]).await);
    assert_eq!(guide["issuer"], format!("{custom}/"));
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_that_is_not_one_is_reported_with_status_and_url() {
    // (fault on the token endpoint, what the message must say)
    let cases = [
        ("POST /oauth/token=404", "404"),
        ("POST /oauth/token=404+html", "404"),
        ("POST /oauth/token=404+empty", "404"),
        ("POST /oauth/token=403+empty", "403"),
        ("POST /oauth/token=html", "200"),
    ];
    for (fault, status) in cases {
        let tenant = Tenant::start(SandboxOptions {
            faults: fault.parse::<FaultSpec>().unwrap(),
            ..SandboxOptions::default()
        })
        .await;
        let url = format!("{}/oauth/token", tenant.sandbox.base_url());
        let out = tenant
            .run_input(
                &["token", "--client-id", "some-client", "--json"],
                Input {
                    client_secret_env: Some("some-secret".into()),
                    ..Input::default()
                },
            )
            .await;
        assert_eq!(out.code, 1, "{fault}: {}", out.stderr);
        let message = out.json().unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            message.contains(&format!("{url} answered {status}")),
            "{fault}: {message}"
        );
        assert!(
            message.contains("this is not the endpoint you think"),
            "{fault}: {message}"
        );
        assert!(!message.contains("refused"), "{fault}: {message}");
        assert!(!out.stderr.contains("some-secret"));
        tenant.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_answers_are_never_cached() {
    let tenant = Tenant::start(SandboxOptions::default()).await;
    let base = tenant.sandbox.base_url();
    for form in [
        vec![("grant_type", "client_credentials")],
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", "nobody"),
            ("client_secret", "x"),
            ("audience", "y"),
        ],
    ] {
        let reply = common::http()
            .post(format!("{base}/oauth/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.headers()["cache-control"], "no-store");
        assert_eq!(reply.headers()["pragma"], "no-cache");
    }
    let settings = &tenant.settings;
    let (client_id, secret) = tenant.key("globex").await;
    let _ = settings;
    let reply = common::http()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("audience", tenant.sandbox.api_audience().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["cache-control"], "no-store");
    assert_eq!(reply.headers()["pragma"], "no-cache");
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_expires_in_is_read_from_the_tokens_exp() {
    let tenant = Tenant::start(SandboxOptions {
        token_ttl: std::time::Duration::from_secs(600),
        provider: ProviderOptions {
            no_expires_in: true,
            ..ProviderOptions::default()
        },
        ..SandboxOptions::default()
    })
    .await;
    let (client_id, secret) = tenant.key("globex").await;
    let doc = ok(&tenant.token(&client_id, &secret).await);
    let exchange = tenant
        .sandbox
        .exchanges()
        .into_iter()
        .rev()
        .find(|e| e.path == "/oauth/token" && e.status == 200)
        .unwrap();
    assert!(exchange.response_body.unwrap().get("expires_in").is_none());
    let expires_in = doc["expires_in"].as_u64().unwrap();
    assert!((590..=600).contains(&expires_in), "{expires_in}, not 24 h");
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_env_block_names_the_settings_a_provider_option_needs() {
    let plain = Tenant::start(SandboxOptions::default()).await;
    let block = plain.sandbox.env_block();
    assert_eq!(
        block.lines().filter(|l| !l.is_empty()).count(),
        5,
        "{block}"
    );
    plain.finish().await;

    let tenant = Tenant::provider(ProviderOptions {
        custom_domain: Some("localhost".to_owned()),
        resource: true,
        ..ProviderOptions::default()
    })
    .await;
    let block = tenant.sandbox.env_block();
    let port = tenant.sandbox.local_addr().port();
    assert!(
        block.contains(&format!(
            "PLUGIN_AUTH0_M2M_DOMAIN=http://localhost:{port}\n"
        )),
        "{block}"
    );
    assert!(
        block.contains(&format!(
            "PLUGIN_AUTH0_M2M_MANAGEMENT_DOMAIN={}\n",
            tenant.sandbox.base_url()
        )),
        "{block}"
    );
    assert!(
        block.contains("PLUGIN_AUTH0_M2M_TOKEN_AUDIENCE_PARAM=resource\n"),
        "{block}"
    );
    tenant.finish().await;
}
