//! Members, invitations and one-step onboarding, against the sandbox over real
//! HTTP. Every request body is checked against Auth0's schema, every answer
//! against the contract.
#![allow(clippy::unwrap_used)]

mod common;

use m2m_portal::commands::{Input, Output, run_with};
use m2m_portal::portal::{
    OnboardRequest, OnboardStep, Portal, PortalOptions, StepState, TokenRequest,
};
use m2m_portal::sandbox::{Sandbox, SandboxOptions};

struct Tenant {
    sandbox: Sandbox,
    portal: Portal,
    _dir: tempfile::TempDir,
}

impl Tenant {
    async fn start(faults: &str) -> Self {
        let sandbox = Sandbox::start(SandboxOptions {
            record: true,
            faults: faults.parse().unwrap(),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let settings = sandbox.settings();
        let dir = tempfile::tempdir().unwrap();
        let portal = Portal::with_options(
            &settings,
            PortalOptions {
                audit_log: Some(dir.path().join("audit.jsonl")),
                retry: None,
            },
        )
        .unwrap();
        Self {
            sandbox,
            portal,
            _dir: dir,
        }
    }

    async fn run(&self, args: &[&str]) -> Output {
        run_with(
            args,
            self.portal.settings(),
            Input {
                audit_log: Some(self._dir.path().join("audit.jsonl")),
                ..Input::default()
            },
        )
        .await
    }

    fn audit(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("audit.jsonl")).unwrap_or_default()
    }

    /// Checks every body against the schema and the contract, then stops.
    async fn finish(self) {
        for exchange in self.sandbox.exchanges() {
            if let Some(body) = exchange
                .request_body
                .as_ref()
                .filter(|_| exchange.path.starts_with("/api/v2/"))
            {
                common::schema::validate_management_request(&exchange.method, &exchange.path, body)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        common::check_exchanges(&self.sandbox).unwrap_or_else(|e| panic!("{e}"));
        self.sandbox.shutdown().await;
    }
}

fn request(name: &str, email: &str, invite: bool) -> OnboardRequest {
    OnboardRequest {
        name: name.to_owned(),
        display_name: Some("NewCo Ltd".to_owned()),
        email: email.to_owned(),
        invite,
        key_name: None,
    }
}

fn quiet(_: OnboardStep, _: StepState) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_listed_added_once_and_removed() {
    let tenant = Tenant::start("").await;
    let portal = &tenant.portal;
    let acme = portal.find_organization("acme").await.unwrap();
    assert!(portal.members(&acme.id).await.unwrap().is_empty());

    let added = portal
        .add_member(&acme.id, "dev@newco.example")
        .await
        .unwrap();
    assert!(added.added);
    let again = portal
        .add_member(&acme.id, "DEV@newco.example")
        .await
        .unwrap();
    assert!(!again.added, "a member is not added twice");
    let members = portal.members(&acme.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].email.as_deref(), Some("dev@newco.example"));

    let nobody = portal
        .add_member(&acme.id, "nobody@nowhere.example")
        .await
        .unwrap_err();
    assert_eq!(nobody.code(), Some("no_user"));
    assert!(nobody.hint().unwrap().contains("Invite"));

    portal
        .remove_member(&acme.id, "dev@newco.example")
        .await
        .unwrap();
    assert!(portal.members(&acme.id).await.unwrap().is_empty());
    let gone = portal
        .remove_member(&acme.id, "dev@newco.example")
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("not_a_member"));
    let audit = tenant.audit();
    assert!(audit.contains("\"add_member\""), "{audit}");
    assert!(audit.contains("\"remove_member\""), "{audit}");
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_sent_once_listed_and_revoked() {
    let tenant = Tenant::start("").await;
    let portal = &tenant.portal;
    let acme = portal.find_organization("acme").await.unwrap();
    let sent = portal.invite(&acme.id, "new@person.example").await.unwrap();
    assert!(sent.created && sent.email_sent);
    assert!(sent.invitation.id.starts_with("uinv_"));
    let again = portal.invite(&acme.id, "NEW@person.example").await.unwrap();
    assert!(!again.created, "a pending invitation is adopted");
    assert_eq!(again.invitation.id, sent.invitation.id);
    let pending = portal.invitations(&acme.id).await.unwrap();
    assert_eq!(pending.len(), 1);
    // The sandbox shows the invitation it "sent".
    let snapshot = tenant.sandbox.snapshot();
    let shown = &snapshot["invitations"][&acme.id][0];
    assert_eq!(shown["invitee"]["email"], "new@person.example");
    assert_eq!(shown["email_sent"], true);

    portal
        .revoke_invitation(&acme.id, &sent.invitation.id)
        .await
        .unwrap();
    assert!(portal.invitations(&acme.id).await.unwrap().is_empty());
    let missing = portal
        .revoke_invitation(&acme.id, &sent.invitation.id)
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("inexistent_invitation"));
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inviting_without_a_login_application_names_the_variable() {
    let tenant = Tenant::start("").await;
    let mut settings = tenant.portal.settings().clone();
    settings.invite_client_id = None;
    let portal = Portal::new(&settings).unwrap();
    let acme = portal.find_organization("acme").await.unwrap();
    let error = portal.invite(&acme.id, "a@b.example").await.unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert!(
        error
            .hint()
            .unwrap()
            .contains("PLUGIN_AUTH0_M2M_INVITE_CLIENT_ID")
    );
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_a_new_customer_makes_the_organization_member_and_a_key_that_works() {
    let tenant = Tenant::start("").await;
    let portal = &tenant.portal;
    let steps = std::sync::Mutex::new(Vec::new());
    let record = |step: OnboardStep, state: StepState| steps.lock().unwrap().push((step, state));
    let report = portal
        .onboard(&request("newco", "dev@newco.example", false), &record)
        .await
        .unwrap();
    assert!(report.organization_created);
    assert_eq!(report.organization.name, "newco");
    assert_eq!(
        report.organization.display_name.as_deref(),
        Some("NewCo Ltd")
    );
    assert!(report.member.as_ref().unwrap().added);
    assert!(report.invitation.is_none());
    let key = report.key.clone().unwrap();
    assert_eq!(
        key.organization_id.as_deref(),
        Some(report.organization.id.as_str())
    );
    let done: Vec<OnboardStep> = steps
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, s)| *s == StepState::Done)
        .map(|(step, _)| *step)
        .collect();
    assert_eq!(
        done,
        [
            OnboardStep::Organization,
            OnboardStep::Person,
            OnboardStep::Key
        ]
    );

    // The key proves itself and carries the new organization's id.
    let token = portal
        .test_token(TokenRequest {
            client_id: key.client_id.clone(),
            client_secret: key.client_secret.clone(),
            organization: Some(report.organization.id.clone()),
            audience: None,
        })
        .await
        .unwrap();
    assert_eq!(token.claims["org_id"], report.organization.id.as_str());
    assert!(token.checks.iter().all(|c| c.ok), "{:?}", token.checks);

    // Again: everything is adopted, nothing duplicated.
    let before = tenant.sandbox.snapshot();
    let again = portal
        .onboard(&request("newco", "dev@newco.example", false), &quiet)
        .await
        .unwrap();
    assert!(!again.organization_created);
    assert!(!again.member.unwrap().added);
    assert!(again.key.is_none());
    assert_eq!(
        again.existing_key.unwrap().client_id,
        key.client_id,
        "the existing key is adopted"
    );
    assert_eq!(tenant.sandbox.snapshot(), before);
    // The audit log has the changes, never the secret.
    assert!(!tenant.audit().contains(key.client_secret.expose_secret()));
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_someone_without_a_user_invites_them_only_when_asked() {
    let tenant = Tenant::start("").await;
    let portal = &tenant.portal;
    let before = tenant.sandbox.snapshot();
    let refused = portal
        .onboard(&request("freshco", "boss@freshco.example", false), &quiet)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("no_user"));
    assert!(refused.hint().unwrap().contains("--invite"), "{refused:?}");
    assert!(
        refused.message().contains("The tenant is as it was before"),
        "{refused:?}"
    );
    assert_eq!(
        tenant.sandbox.snapshot(),
        before,
        "the organization was undone"
    );

    let report = portal
        .onboard(&request("freshco", "boss@freshco.example", true), &quiet)
        .await
        .unwrap();
    assert!(report.member.is_none());
    let invitation = report.invitation.unwrap();
    assert!(invitation.created);
    assert_eq!(invitation.invitation.email, "boss@freshco.example");
    assert!(report.key.is_some());
    tenant.finish().await;
}

/// A fault at each step leaves exactly what existed before, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_at_any_step_undoes_what_this_run_made() {
    let cases = [
        (
            "POST /api/v2/organizations=500",
            "dev@newco.example",
            false,
            "find or create the organization",
        ),
        (
            "POST /api/v2/organizations/*/members=500",
            "dev@newco.example",
            false,
            "add the member",
        ),
        (
            "POST /api/v2/organizations/*/invitations=500",
            "x@y.example",
            true,
            "add the member or invite",
        ),
        (
            "POST /api/v2/clients=500",
            "dev@newco.example",
            false,
            "provision the key",
        ),
        (
            "POST /api/v2/clients=500",
            "x@y.example",
            true,
            "provision the key",
        ),
        (
            "POST /api/v2/organizations/*/client-grants=500",
            "dev@newco.example",
            false,
            "provision the key",
        ),
    ];
    for (fault, email, invite, at) in cases {
        let tenant = Tenant::start(fault).await;
        let before = tenant.sandbox.snapshot();
        let error = tenant
            .portal
            .onboard(&request("newco", email, invite), &quiet)
            .await
            .unwrap_err();
        assert!(error.message().contains(at), "{fault}: {error:?}");
        assert!(
            error.message().contains("as it was before")
                || error.message().contains("Nothing was changed"),
            "{fault}: {error:?}"
        );
        assert_eq!(
            tenant.sandbox.snapshot(),
            before,
            "{fault}: something was left"
        );
        tenant.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_members_and_invitations_commands() {
    let tenant = Tenant::start("").await;
    let added = tenant
        .run(&[
            "orgs",
            "members",
            "add",
            "--org",
            "acme",
            "--email",
            "dev@newco.example",
            "--json",
        ])
        .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(added.json().unwrap()["added"], true);
    let listed = tenant
        .run(&["orgs", "members", "list", "--org", "acme", "--json"])
        .await;
    assert_eq!(listed.json().unwrap()[0]["email"], "dev@newco.example");
    let human = tenant
        .run(&["orgs", "members", "list", "--org", "acme"])
        .await;
    assert!(
        human.stdout.contains("dev@newco.example"),
        "{}",
        human.stdout
    );

    // Off a terminal, removing needs --yes.
    let refused = tenant
        .run(&[
            "orgs",
            "members",
            "remove",
            "--org",
            "acme",
            "--email",
            "dev@newco.example",
        ])
        .await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    let removed = tenant
        .run(&[
            "orgs",
            "members",
            "remove",
            "--org",
            "acme",
            "--email",
            "dev@newco.example",
            "--yes",
        ])
        .await;
    assert_eq!(removed.code, 0, "{}", removed.stderr);

    // No user: the hint says how to invite them.
    let nobody = tenant
        .run(&[
            "orgs",
            "members",
            "add",
            "--org",
            "acme",
            "--email",
            "x@y.example",
        ])
        .await;
    assert_eq!(nobody.code, 1);
    assert!(
        nobody.stderr.contains("orgs invitations create"),
        "{}",
        nobody.stderr
    );

    let invited = tenant
        .run(&[
            "orgs",
            "invitations",
            "create",
            "--org",
            "acme",
            "--email",
            "x@y.example",
            "--json",
        ])
        .await;
    assert_eq!(invited.code, 0, "{}", invited.stderr);
    let id = invited.json().unwrap()["id"].as_str().unwrap().to_owned();
    let pending = tenant
        .run(&["orgs", "invitations", "list", "--org", "acme"])
        .await;
    assert!(pending.stdout.contains(&id), "{}", pending.stdout);
    let revoked = tenant
        .run(&[
            "orgs",
            "invitations",
            "revoke",
            "--org",
            "acme",
            &id,
            "--yes",
        ])
        .await;
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    let none = tenant
        .run(&["orgs", "invitations", "list", "--org", "acme", "--json"])
        .await;
    assert_eq!(none.json().unwrap(), serde_json::json!([]));
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_onboard_prints_the_documented_json_and_adopts_on_a_second_run() {
    let tenant = Tenant::start("").await;
    let args = [
        "onboard",
        "--org",
        "newco",
        "--display-name",
        "NewCo Ltd",
        "--email",
        "dev@newco.example",
        "--json",
    ];
    let first = tenant.run(&args).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let doc = first.json().unwrap();
    let org_id = doc["organization"]["id"].as_str().unwrap().to_owned();
    assert_eq!(doc["organization"]["name"], "newco");
    assert_eq!(doc["organization"]["created"], true);
    assert_eq!(doc["member"]["email"], "dev@newco.example");
    assert_eq!(doc["member"]["added"], true);
    assert!(doc["invitation"].is_null());
    assert_eq!(doc["key"]["organization_id"], org_id.as_str());
    assert!(doc["key"]["client_secret"].as_str().unwrap().len() >= 32);
    assert_eq!(doc["gateway_claim"]["org_id"], org_id.as_str());
    // Progress went to stderr.
    assert!(
        first.stderr.contains("done   provision the key"),
        "{}",
        first.stderr
    );

    let second = tenant.run(&args).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    let doc = second.json().unwrap();
    assert_eq!(doc["organization"]["created"], false);
    assert_eq!(doc["member"]["added"], false);
    assert!(doc["key"].is_null());
    assert!(doc["existing_key"]["client_id"].is_string());

    // The human report names the gateway claim; an invitation when asked.
    let human = tenant
        .run(&[
            "onboard",
            "--org",
            "freshco",
            "--email",
            "boss@freshco.example",
            "--invite",
        ])
        .await;
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains("Invited: boss@freshco.example"),
        "{}",
        human.stdout
    );
    assert!(human.stderr.contains("org_id claim"), "{}", human.stderr);
    tenant.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_onboard_failure_exits_1_and_says_what_exists() {
    let tenant = Tenant::start("POST /api/v2/clients=500").await;
    let before = tenant.sandbox.snapshot();
    let out = tenant
        .run(&["onboard", "--org", "newco", "--email", "dev@newco.example"])
        .await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("FAILED provision the key"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("The tenant is as it was before"),
        "{}",
        out.stderr
    );
    assert_eq!(tenant.sandbox.snapshot(), before);
    tenant.finish().await;
}
