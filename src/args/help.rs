//! The long help texts: `--help`'s configuration and examples, the sandbox's, the
//! `--faults` grammar.

/// `m2m-portal --help`: configuration, then examples.
pub(super) const TOP_AFTER_HELP: &str = "\
Without a subcommand, opens the TUI; with no configuration the TUI runs against an \
embedded sandbox tenant (SANDBOX badge). Subcommands need a configured tenant, or \
--sandbox for a throwaway one; without either they refuse (exit 2).

Configuration (later sources win):
  1. config.toml in the config directory (see --version): top-level keys domain,
     client_id, client_secret (or client_secret_env = \"VAR\"), api_audience, api_scope,
     clipboard, clipboard_clear_seconds, theme (TUI: default, high-contrast or mono),
     stale_days (key inventory, default 90);
     [profiles.NAME] sections, picked with --profile NAME
  2. .env in the working directory (or --env-file PATH)
  3. the environment
  4. --domain, --client-id, --audience, --scope (before the subcommand)

Variables (.env or environment):
  PLUGIN_AUTH0_M2M_DOMAIN         tenant domain, e.g. acme.eu.auth0.com
  PLUGIN_AUTH0_M2M_CLIENT_ID      the portal's admin app (Machine to Machine, Management API)
  PLUGIN_AUTH0_M2M_CLIENT_SECRET  its client secret
  PLUGIN_AUTH0_M2M_API_AUDIENCE   identifier of the API the keys are for
  PLUGIN_AUTH0_M2M_API_SCOPE      scopes granted to new keys, space separated
  PLUGIN_AUTH0_M2M_LOGIN_CLIENT_ID  native app for `login` (device flow); then the admin
                                  app's id and secret may be left out
  M2M_PORTAL_CREDENTIALS          where `login`/`secret set` keep credentials: auto
                                  (OS keyring, else a 0600 file), keyring or file
  M2M_CLIENT_SECRET               `token` only: the key's secret (else stdin, typed hidden)
  NO_COLOR                        any non-empty value: no colours; the TUI uses the mono
                                  theme unless --theme or config.toml's theme says otherwise

Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 refused by Auth0.

Examples:
  m2m-portal                                    open the TUI
  m2m-portal --presenter                        demo on a projector (high-contrast, secrets masked)
  m2m-portal doctor                             check sign-in and the admin app's scopes
  m2m-portal login --profile prod               sign in as yourself (URL, code, QR code)
  m2m-portal orgs list --search acme            organizations whose name contains acme
  m2m-portal orgs create acme --display-name \"Acme Inc\"
  m2m-portal clients provision --org acme --json
  m2m-portal clients rotate CLIENT_ID --verify  asks to confirm at a terminal (--yes in scripts)
  m2m-portal clients revoke CLIENT_ID --org acme --yes
  M2M_CLIENT_SECRET=... m2m-portal token --client-id CLIENT_ID --org acme
  m2m-portal jwt decode eyJ...                  (or pipe the token on stdin)
  m2m-portal --sandbox clients provision --org acme   try it against a throwaway tenant
  m2m-portal sandbox --addr 127.0.0.1:8787      serve a sandbox tenant; prints its .env block";

/// `m2m-portal sandbox --help`: which global flags apply, and examples.
pub(super) const SANDBOX_AFTER_HELP: &str = "\
Of the global flags only -v/--verbose applies here; --profile, --env-file, --sandbox and \
--no-color are ignored (the sandbox reads no configuration).

Prints the .env block (PLUGIN_AUTH0_M2M_*) that points at it, then serves until Ctrl-C.

Examples:
  m2m-portal sandbox --addr 127.0.0.1:0 --seed large:20000 --rate 2
  m2m-portal sandbox --faults 'POST /api/v2/clients=503@first:1'
  m2m-portal sandbox --state tenant.json
  m2m-portal sandbox --provider-paths --alg ES256 --basic-only   (an OIDC provider unlike Auth0)";

/// `--faults` grammar (docs/SANDBOX.md is not shipped with the binary).
pub(super) const FAULTS_HELP: &str = "\
Injected failures. SPEC is RULE[;RULE...], each RULE is
  [METHOD ] PATH=ACTION[+ACTION...][@WHEN]
METHOD: GET, POST, PATCH, PUT, DELETE or * (default: any)
PATH:   a request path; * matches any characters, / included
ACTION: a STATUS 400..599 (the endpoint's own error shape; 429 with rate-limit headers)
        drop            close the connection without carrying the request out
        lost            carry the request out, then close without answering
        delay:D         wait D (250ms, 2s, 1m) first; alone or with a status or drop
        hostile         an error whose message and code are terminal control sequences
        huge            10 MiB: an error message that long, or 100,000 organizations
        repeat-cursor   a checkpoint page answers with the cursor it was asked for
        forever         a token answers expires_in and exp of u64::MAX
        html            an HTML page (200 unless a STATUS is given), as from a proxy
        empty           no body at all (403 unless a STATUS is given)
WHEN:   first:K (the first K matching calls), P% (that probability) or always (default)
Rules are tried in order; the first that fires wins. Examples:
  'POST /api/v2/clients=503@first:1'
  'GET /api/v2/organizations*=delay:1500ms@30%'
  '*/api/v2/*=429@10%; POST /oauth/token=drop@first:1'";
