//! Unit tests of [`crate::config`].

use super::*;
use std::fs;
use std::time::Duration;

struct Fixture {
    dir: tempfile::TempDir,
    request: ConfigRequest,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("config")).unwrap();
        fs::create_dir_all(dir.path().join("work")).unwrap();
        let request = ConfigRequest {
            profile: None,
            env_file: None,
            flags: FlagValues::default(),
            cwd: dir.path().join("work"),
            env: BTreeMap::new(),
            config_dir: dir.path().join("config"),
        };
        Self { dir, request }
    }

    fn config_toml(&self, text: &str) -> &Self {
        fs::write(self.dir.path().join("config/config.toml"), text).unwrap();
        self
    }

    fn dotenv(&self, text: &str) -> &Self {
        fs::write(self.dir.path().join("work/.env"), text).unwrap();
        self
    }

    fn env(&mut self, name: &str, value: &str) -> &mut Self {
        self.request.env.insert(name.to_owned(), value.to_owned());
        self
    }

    fn settings(&self) -> Settings {
        match load(&self.request).unwrap() {
            Loaded::Tenant(settings) => settings,
            Loaded::Unconfigured(_) => panic!("expected a configured tenant"),
        }
    }

    fn error(&self) -> ConfigError {
        load(&self.request).unwrap_err()
    }
}

const FULL_DOTENV: &str = "PLUGIN_AUTH0_M2M_DOMAIN=dotenv.eu.auth0.com\n\
    PLUGIN_AUTH0_M2M_CLIENT_ID=dotenv-id\n\
    PLUGIN_AUTH0_M2M_CLIENT_SECRET=dotenv-secret\n\
    PLUGIN_AUTH0_M2M_API_AUDIENCE=https://api.example.com/\n\
    PLUGIN_AUTH0_M2M_API_SCOPE=\"read:orders write:orders\"\n";

#[test]
fn nothing_configured_means_the_sandbox() {
    let fixture = Fixture::new();
    assert!(matches!(
        load(&fixture.request).unwrap(),
        Loaded::Unconfigured(_)
    ));
}

#[test]
fn dotenv_in_the_working_directory_configures_a_tenant() {
    let fixture = Fixture::new();
    fixture.dotenv(FULL_DOTENV);
    let settings = fixture.settings();
    assert_eq!(settings.base_url, "https://dotenv.eu.auth0.com");
    assert_eq!(settings.client_id, "dotenv-id");
    assert_eq!(settings.client_secret.expose_secret(), "dotenv-secret");
    assert_eq!(settings.api_audience, "https://api.example.com/");
    assert_eq!(settings.api_scope, vec!["read:orders", "write:orders"]);
    assert_eq!(settings.issuer(), "https://dotenv.eu.auth0.com/");
    assert_eq!(
        settings.management_audience(),
        "https://dotenv.eu.auth0.com/api/v2/"
    );
    assert!(!settings.sandbox);
}

#[test]
fn a_management_domain_and_token_settings_are_read_from_file_and_environment() {
    let mut fixture = Fixture::new();
    fixture.dotenv(FULL_DOTENV);
    let settings = fixture.settings();
    assert_eq!(settings.management_base(), "https://dotenv.eu.auth0.com");
    assert_eq!(settings.token, TokenSettings::default());
    assert_eq!(settings.token.leeway, 60);

    fixture.config_toml(
        "management_domain = \"acme.eu.auth0.com\"\ntoken_scope = \"read:orders  write:orders\"\n\
         token_audience_param = \"resource\"\ntoken_auth_method = \"client_secret_basic\"\n\
         leeway_seconds = 15\n",
    );
    let settings = fixture.settings();
    // Tokens stay on the (custom) domain; the Management API goes to the canonical one.
    assert_eq!(settings.issuer(), "https://dotenv.eu.auth0.com/");
    assert_eq!(
        settings.management_audience(),
        "https://acme.eu.auth0.com/api/v2/"
    );
    assert_eq!(
        settings.token,
        TokenSettings {
            scope: Some("read:orders write:orders".to_owned()),
            resource: true,
            basic_auth: Some(true),
            leeway: 15,
        }
    );

    fixture.env("PLUGIN_AUTH0_M2M_MANAGEMENT_DOMAIN", "other.us.auth0.com");
    fixture.env("AUTH0_M2M_TOKEN_AUTH_METHOD", "client_secret_post");
    let settings = fixture.settings();
    assert_eq!(settings.management_base(), "https://other.us.auth0.com");
    assert_eq!(settings.token.basic_auth, Some(false));

    fixture.env("PLUGIN_AUTH0_M2M_LEEWAY_SECONDS", "a minute");
    let error = fixture.error().to_string();
    assert!(error.contains("PLUGIN_AUTH0_M2M_LEEWAY_SECONDS"), "{error}");
    assert!(error.contains("0 to 3600"), "{error}");
    fixture.env("PLUGIN_AUTH0_M2M_LEEWAY_SECONDS", "30");
    fixture.env("PLUGIN_AUTH0_M2M_TOKEN_AUDIENCE_PARAM", "aud");
    assert!(fixture.error().to_string().contains("audience or resource"));
    fixture.env("PLUGIN_AUTH0_M2M_TOKEN_AUDIENCE_PARAM", "audience");
    fixture.env(
        "PLUGIN_AUTH0_M2M_MANAGEMENT_DOMAIN",
        "http://evil.example.com",
    );
    assert!(fixture.error().to_string().contains("MANAGEMENT_DOMAIN"));
}

#[test]
fn discovered_endpoints_must_be_https_or_loopback() {
    assert!(is_safe_endpoint("https://idp.example.com/connect/token"));
    assert!(is_safe_endpoint("http://127.0.0.1:8787/oauth/token"));
    assert!(is_safe_endpoint("http://localhost:8787/oauth/token"));
    assert!(is_safe_endpoint("http://[::1]:8787/oauth/token"));
    assert!(!is_safe_endpoint("http://idp.example.com/oauth/token"));
    assert!(!is_safe_endpoint("ftp://idp.example.com/token"));
    assert!(!is_safe_endpoint("not a url"));
}

#[test]
fn precedence_is_file_then_dotenv_then_environment_then_flags() {
    let mut fixture = Fixture::new();
    fixture.config_toml(
        "domain = \"file.auth0.com\"\nclient_id = \"file-id\"\nclient_secret = \"file-secret\"\n\
         api_audience = \"file-aud\"\napi_scope = \"file:scope\"\n",
    );
    // File alone.
    let settings = fixture.settings();
    assert_eq!(settings.client_id, "file-id");
    assert_eq!(settings.api_scope, vec!["file:scope"]);

    fixture.dotenv("PLUGIN_AUTH0_M2M_CLIENT_ID=dotenv-id\nPLUGIN_AUTH0_M2M_API_AUDIENCE=dotenv-aud\nPLUGIN_AUTH0_M2M_DOMAIN=dotenv.auth0.com\n");
    let settings = fixture.settings();
    assert_eq!(settings.client_id, "dotenv-id");
    assert_eq!(settings.api_audience, "dotenv-aud");
    assert_eq!(settings.client_secret.expose_secret(), "file-secret");

    fixture.env("PLUGIN_AUTH0_M2M_CLIENT_ID", "env-id");
    fixture.env("PLUGIN_AUTH0_M2M_DOMAIN", "env.auth0.com");
    let settings = fixture.settings();
    assert_eq!(settings.client_id, "env-id");
    assert_eq!(settings.api_audience, "dotenv-aud");

    fixture.request.flags.client_id = Some("flag-id".to_owned());
    let settings = fixture.settings();
    assert_eq!(settings.client_id, "flag-id");
    assert_eq!(settings.base_url, "https://env.auth0.com");
    assert_eq!(settings.api_scope, vec!["file:scope"]);
}

#[test]
fn names_without_the_plugin_prefix_are_accepted_and_the_prefixed_name_wins() {
    let mut fixture = Fixture::new();
    fixture
        .env("AUTH0_M2M_DOMAIN", "bare.auth0.com")
        .env("AUTH0_M2M_CLIENT_ID", "bare-id")
        .env("AUTH0_M2M_CLIENT_SECRET", "bare-secret")
        .env("AUTH0_M2M_API_AUDIENCE", "bare-aud");
    let settings = fixture.settings();
    assert_eq!(settings.base_url, "https://bare.auth0.com");
    assert_eq!(settings.client_id, "bare-id");
    assert!(settings.api_scope.is_empty());

    fixture.env("PLUGIN_AUTH0_M2M_CLIENT_ID", "plugin-id");
    assert_eq!(fixture.settings().client_id, "plugin-id");
}

#[test]
fn a_profile_overrides_the_top_level_and_can_name_the_secret_variable() {
    let mut fixture = Fixture::new();
    fixture.config_toml(
        "domain = \"prod.auth0.com\"\nclient_id = \"prod-id\"\nclient_secret = \"prod-secret\"\napi_audience = \"aud\"\n\
         clipboard = \"osc52\"\nclipboard_clear_seconds = 5\n\
         [profiles.staging]\ndomain = \"staging.auth0.com\"\nclient_id = \"staging-id\"\nclient_secret_env = \"STAGING_SECRET\"\n",
    );
    fixture.env("STAGING_SECRET", "from-named-variable");
    fixture.request.profile = Some("staging".to_owned());
    let settings = fixture.settings();
    assert_eq!(settings.base_url, "https://staging.auth0.com");
    assert_eq!(settings.client_id, "staging-id");
    assert_eq!(
        settings.client_secret.expose_secret(),
        "from-named-variable"
    );
    assert_eq!(settings.api_audience, "aud");
    assert_eq!(settings.clipboard, ClipboardMode::Osc52);
    assert_eq!(settings.clipboard_clear, Duration::from_secs(5));
    assert_eq!(settings.profile.as_deref(), Some("staging"));
}

#[test]
fn the_theme_is_read_from_the_top_level_and_a_profile_overrides_it() {
    let mut fixture = Fixture::new();
    fixture.config_toml(
        "domain = \"prod.auth0.com\"\nclient_id = \"id\"\nclient_secret = \"s\"\napi_audience = \"aud\"\n\
         theme = \"mono\"\n\
         [profiles.demo]\ntheme = \"high-contrast\"\n[profiles.plain]\nclient_id = \"other\"\n",
    );
    assert_eq!(fixture.settings().theme, Some(ThemeName::Mono));
    fixture.request.profile = Some("demo".to_owned());
    assert_eq!(fixture.settings().theme, Some(ThemeName::HighContrast));
    fixture.request.profile = Some("plain".to_owned());
    assert_eq!(fixture.settings().theme, Some(ThemeName::Mono));
}

#[test]
fn no_theme_in_the_file_leaves_the_choice_to_the_tui_and_the_sandbox_keeps_the_theme() {
    let fixture = Fixture::new();
    fixture.config_toml("domain = \"a.auth0.com\"\nclient_id = \"id\"\nclient_secret = \"s\"\napi_audience = \"aud\"\n");
    assert_eq!(fixture.settings().theme, None);
    fixture.config_toml("theme = \"high-contrast\"\n");
    let Loaded::Unconfigured(preferences) = load(&fixture.request).unwrap() else {
        panic!("a theme alone configures no tenant");
    };
    assert_eq!(preferences.theme, Some(ThemeName::HighContrast));
    let mut settings = Settings::for_tenant(
        "http://127.0.0.1:1",
        "id",
        Secret::new("s".to_owned()),
        "aud",
        "",
    );
    preferences.apply(&mut settings);
    assert_eq!(settings.theme, Some(ThemeName::HighContrast));
}

#[test]
fn an_unknown_theme_names_the_choices_and_where_it_was_written() {
    let mut fixture = Fixture::new();
    fixture.config_toml("[profiles.demo]\ntheme = \"solarized\"\n");
    fixture.request.profile = Some("demo".to_owned());
    let error = fixture.error();
    let text = error.to_string();
    assert!(
        matches!(error, ConfigError::Invalid { ref name, .. } if name == "theme"),
        "{error:?}"
    );
    assert!(text.contains("\"solarized\""), "{text}");
    assert!(text.contains("default, high-contrast, mono"), "{text}");
    assert!(text.contains("profile demo in"), "{text}");
}

#[test]
fn a_profile_can_be_read_only_or_presenter_and_the_top_level_is_the_default() {
    let mut fixture = Fixture::new();
    fixture.config_toml(
        "domain = \"prod.auth0.com\"\nclient_id = \"id\"\nclient_secret = \"s\"\napi_audience = \"aud\"\n\
         presenter = true\n\
         [profiles.prod]\nread_only = true\n\
         [profiles.demo]\ndomain = \"demo.auth0.com\"\npresenter = false\n",
    );
    let top = fixture.settings();
    assert!(!top.read_only);
    assert!(top.presenter, "the top level's presenter applies");
    fixture.request.profile = Some("prod".to_owned());
    let prod = fixture.settings();
    assert!(prod.read_only);
    assert!(prod.presenter, "inherited from the top level");
    fixture.request.profile = Some("demo".to_owned());
    let demo = fixture.settings();
    assert!(!demo.read_only);
    assert!(!demo.presenter, "the profile overrides the top level");

    let listed = profiles(&fixture.request.config_dir).unwrap();
    assert_eq!(
        listed,
        vec![
            ProfileSummary {
                name: "demo".to_owned(),
                domain: Some("demo.auth0.com".to_owned()),
                read_only: false,
                presenter: false,
            },
            ProfileSummary {
                name: "prod".to_owned(),
                domain: Some("prod.auth0.com".to_owned()),
                read_only: true,
                presenter: true,
            },
        ]
    );
}

#[test]
fn a_read_only_flag_that_is_not_a_boolean_is_refused() {
    let fixture = Fixture::new();
    fixture.config_toml("[profiles.prod]\nread_only = \"yes\"\n");
    assert!(matches!(
        profiles(&fixture.request.config_dir),
        Err(ConfigError::File { .. })
    ));
    let empty = Fixture::new();
    assert!(profiles(&empty.request.config_dir).unwrap().is_empty());
}

#[test]
fn an_unknown_profile_lists_the_known_ones() {
    let mut fixture = Fixture::new();
    fixture.config_toml("[profiles.staging]\ndomain = \"s.auth0.com\"\n[profiles.prod]\n");
    fixture.request.profile = Some("stagign".to_owned());
    let err = fixture.error();
    assert!(matches!(err, ConfigError::UnknownProfile { .. }));
    assert!(err.to_string().contains("prod, staging"), "{err}");
}

#[test]
fn a_missing_secret_variable_named_by_a_profile_is_an_error() {
    let mut fixture = Fixture::new();
    fixture.config_toml("domain = \"a.auth0.com\"\nclient_id = \"id\"\napi_audience = \"aud\"\nclient_secret_env = \"NOPE\"\n");
    let err = fixture.error();
    assert!(err.to_string().contains("NOPE"), "{err}");
    fixture.env("PLUGIN_AUTH0_M2M_CLIENT_SECRET", "direct");
    assert_eq!(fixture.settings().client_secret.expose_secret(), "direct");
}

#[test]
fn a_missing_required_value_names_the_variable() {
    let mut fixture = Fixture::new();
    fixture
        .env("PLUGIN_AUTH0_M2M_DOMAIN", "a.auth0.com")
        .env("PLUGIN_AUTH0_M2M_CLIENT_ID", "id")
        .env("PLUGIN_AUTH0_M2M_API_AUDIENCE", "aud");
    let err = fixture.error();
    assert!(matches!(err, ConfigError::Missing { .. }));
    assert!(
        err.to_string()
            .starts_with("PLUGIN_AUTH0_M2M_CLIENT_SECRET is not set"),
        "{err}"
    );
}

#[test]
fn a_partial_configuration_without_domain_is_an_error_not_the_sandbox() {
    let mut fixture = Fixture::new();
    fixture.env("PLUGIN_AUTH0_M2M_CLIENT_ID", "id");
    assert!(
        fixture
            .error()
            .to_string()
            .contains("PLUGIN_AUTH0_M2M_DOMAIN")
    );
}

#[test]
fn an_empty_value_names_the_variable_and_its_source() {
    let fixture = Fixture::new();
    fixture.dotenv(&FULL_DOTENV.replace("CLIENT_ID=dotenv-id", "CLIENT_ID="));
    let err = fixture.error();
    assert!(matches!(err, ConfigError::Empty { .. }));
    let text = err.to_string();
    assert!(text.contains("PLUGIN_AUTH0_M2M_CLIENT_ID"), "{text}");
    assert!(text.contains(".env"), "{text}");
}

#[test]
fn a_bad_flag_value_names_the_flag_once() {
    let mut fixture = Fixture::new();
    fixture.dotenv(FULL_DOTENV);
    fixture.request.flags.domain = Some("http://tenant.auth0.com".into());
    let text = fixture.error().to_string();
    assert!(text.starts_with("--domain is not valid: "), "{text}");
    assert!(!text.contains("(from --domain)"), "{text}");
    fixture.request.flags.domain = None;
    fixture.request.flags.client_id = Some(" ".into());
    assert_eq!(fixture.error().to_string(), "--client-id is empty");
}

#[test]
fn plain_http_is_refused_for_a_remote_host_naming_the_variable() {
    let fixture = Fixture::new();
    fixture.dotenv(&FULL_DOTENV.replace("dotenv.eu.auth0.com", "http://tenant.auth0.com"));
    let err = fixture.error();
    let text = err.to_string();
    assert!(text.contains("PLUGIN_AUTH0_M2M_DOMAIN"), "{text}");
    assert!(text.contains("loopback"), "{text}");
}

#[test]
fn an_explicit_env_file_is_read_and_must_exist() {
    let mut fixture = Fixture::new();
    fs::write(fixture.dir.path().join("other.env"), FULL_DOTENV).unwrap();
    fixture.request.env_file = Some(fixture.dir.path().join("other.env"));
    assert_eq!(fixture.settings().client_id, "dotenv-id");
    fixture.request.env_file = Some(fixture.dir.path().join("missing.env"));
    assert!(matches!(fixture.error(), ConfigError::File { .. }));
}

#[test]
fn a_broken_config_file_is_an_error_naming_the_file() {
    let fixture = Fixture::new();
    fixture.config_toml("domain = \"a\"\ncolour = \"red\"\n");
    let err = fixture.error();
    assert!(matches!(err, ConfigError::File { .. }));
    assert!(err.to_string().contains("config.toml"), "{err}");
}

#[test]
fn a_missing_admin_secret_comes_from_the_store_and_login_makes_the_admin_app_optional() {
    let fixture = Fixture::new();
    fixture.dotenv(&FULL_DOTENV.replace("PLUGIN_AUTH0_M2M_CLIENT_SECRET=", "UNUSED_SECRET="));
    let lookup = |profile: Option<&str>| {
        assert_eq!(profile, None);
        Some(Secret::from("from-the-keyring"))
    };
    let Loaded::Tenant(settings) = load_with_store(&fixture.request, Some(&lookup)).unwrap() else {
        panic!("a tenant");
    };
    assert_eq!(settings.client_secret.expose_secret(), "from-the-keyring");
    assert!(matches!(fixture.error(), ConfigError::Missing { .. }));
    // A login application is read, but it does not stand in for the admin app:
    // Auth0 gives a person's Management token no admin scopes.
    let mut login = Fixture::new();
    login.env("PLUGIN_AUTH0_M2M_DOMAIN", "t.eu.auth0.com");
    login.env("PLUGIN_AUTH0_M2M_API_AUDIENCE", "https://api");
    login.env("PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID", "native-app");
    let err = login.error().to_string();
    assert!(err.contains("PLUGIN_AUTH0_M2M_CLIENT_ID"), "{err}");
    login.env("PLUGIN_AUTH0_M2M_CLIENT_ID", "admin-app");
    login.env("PLUGIN_AUTH0_M2M_CLIENT_SECRET", "admin-secret");
    let settings = login.settings();
    assert_eq!(settings.login_client_id.as_deref(), Some("native-app"));
    assert_eq!(settings.client_id, "admin-app");
}

#[test]
fn the_invitation_login_app_is_optional_and_read_like_the_rest() {
    let mut fixture = Fixture::new();
    fixture.dotenv(FULL_DOTENV);
    let settings = fixture.settings();
    assert_eq!(settings.invite_client_id, None);
    assert!(settings.invite_send_email);
    fixture.env("PLUGIN_AUTH0_M2M_INVITE_CLIENT_ID", "login-app");
    fixture.env("PLUGIN_AUTH0_M2M_INVITE_SEND_EMAIL", "false");
    let settings = fixture.settings();
    assert_eq!(settings.invite_client_id.as_deref(), Some("login-app"));
    assert!(!settings.invite_send_email);
    fixture.env("PLUGIN_AUTH0_M2M_INVITE_SEND_EMAIL", "maybe");
    let err = fixture.error().to_string();
    assert!(err.contains("PLUGIN_AUTH0_M2M_INVITE_SEND_EMAIL"), "{err}");
    // Alone, it does not configure a tenant.
    let mut alone = Fixture::new();
    alone.env("PLUGIN_AUTH0_M2M_INVITE_CLIENT_ID", "login-app");
    assert!(matches!(
        load(&alone.request).unwrap(),
        Loaded::Unconfigured(_)
    ));
    let from_file = Fixture::new();
    from_file.config_toml("invite_client_id = \"file-login\"\n");
    from_file.dotenv(FULL_DOTENV);
    assert_eq!(
        from_file.settings().invite_client_id.as_deref(),
        Some("file-login")
    );
}

#[test]
fn nested_expansion_is_refused_before_it_can_exhaust_memory() {
    let fixture = Fixture::new();
    let mut text = String::from("V0=aaaaaaaaaaaaaaaa\n");
    for i in 1..40 {
        text.push_str(&format!("V{i}=${{V{}}}${{V{}}}\n", i - 1, i - 1));
    }
    fixture.dotenv(&text);
    let err = fixture.error().to_string();
    assert!(err.contains("line 13"), "{err}");
    assert!(err.contains("64 KiB"), "{err}");
}

#[test]
fn modest_expansion_still_works() {
    let fixture = Fixture::new();
    fixture.dotenv(&format!(
        "TENANT=dotenv\n{}",
        FULL_DOTENV.replace("dotenv.eu", "${TENANT}.eu")
    ));
    assert_eq!(fixture.settings().base_url, "https://dotenv.eu.auth0.com");
}

#[test]
fn a_huge_or_endless_env_file_is_refused_with_its_size() {
    let mut fixture = Fixture::new();
    let big = fixture.dir.path().join("big.env");
    fs::write(&big, "A=b\n".repeat(300_000)).unwrap();
    fixture.request.env_file = Some(big);
    let err = fixture.error().to_string();
    assert!(err.contains("larger than 1024 KiB"), "{err}");
    #[cfg(unix)]
    {
        fixture.request.env_file = Some("/dev/zero".into());
        let err = fixture.error().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_as_env_file_or_config_is_refused_instead_of_hanging() {
    let mut fixture = Fixture::new();
    let fifo = fixture.dir.path().join("fifo.env");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    fixture.request.env_file = Some(fifo.clone());
    let err = fixture.error().to_string();
    assert!(err.contains("not a regular file"), "{err}");
    fixture.request.env_file = None;
    let config = fixture.dir.path().join("config/config.toml");
    std::fs::rename(&fifo, &config).unwrap();
    let err = fixture.error().to_string();
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn a_dotenv_parse_error_names_its_line() {
    let fixture = Fixture::new();
    fixture.dotenv("A=1\nB=2\nPLUGIN_AUTH0_M2M_CLIENT_SECRET=\"unterminated-s3cret\n");
    let err = fixture.error().to_string();
    assert!(err.contains("line 3"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

#[test]
fn a_dotenv_parse_error_does_not_echo_the_line() {
    let fixture = Fixture::new();
    fixture.dotenv("PLUGIN_AUTH0_M2M_CLIENT_SECRET=\"unterminated-s3cret\n");
    let err = fixture.error();
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[test]
fn domains_are_normalized() {
    let ok = [
        ("tenant.eu.auth0.com", "https://tenant.eu.auth0.com"),
        (" tenant.eu.auth0.com ", "https://tenant.eu.auth0.com"),
        (
            "https://tenant.eu.auth0.com/",
            "https://tenant.eu.auth0.com",
        ),
        (
            "https://login.example.com:8443",
            "https://login.example.com:8443",
        ),
        ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("http://localhost:8787/", "http://localhost:8787"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ];
    for (input, expected) in ok {
        assert_eq!(normalize_domain(input).as_deref(), Ok(expected), "{input}");
    }
    let bad = [
        "http://tenant.auth0.com",
        "http://10.0.0.1",
        "ftp://tenant.auth0.com",
        "https://tenant.auth0.com/api/v2",
        "https://user:pw@tenant.auth0.com",
        "",
        "https://",
    ];
    for input in bad {
        assert!(
            normalize_domain(input).is_err(),
            "{input:?} should be refused"
        );
    }
}

#[test]
fn the_stale_age_is_read_from_the_file_and_a_profile_overrides_it() {
    let mut fixture = Fixture::new();
    fixture.config_toml(
        "domain = \"prod.auth0.com\"\nclient_id = \"id\"\nclient_secret = \"s\"\napi_audience = \"aud\"\n\
         stale_days = 180\n[profiles.strict]\nstale_days = 30\n",
    );
    assert_eq!(fixture.settings().stale_days, 180);
    fixture.request.profile = Some("strict".to_owned());
    assert_eq!(fixture.settings().stale_days, 30);
    let plain = Fixture::new();
    plain.config_toml("domain = \"a.auth0.com\"\nclient_id = \"id\"\nclient_secret = \"s\"\napi_audience = \"aud\"\n");
    assert_eq!(
        plain.settings().stale_days,
        crate::portal::DEFAULT_STALE_DAYS
    );
    plain.config_toml("stale_days = 0\n");
    let error = plain.error().to_string();
    assert!(
        error.contains("stale_days") && error.contains("at least 1"),
        "{error}"
    );
}
