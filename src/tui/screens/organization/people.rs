//! The People pane: members and pending invitations, adding, inviting and removing.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::Block;

use super::{OrganizationScreen, Task, date, looks_like_email};
use crate::portal::{Action, Invitation, Member};
use crate::tui::ctx::{Ctx, Overlay, StatusKind, ViewCtx};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::{Cmd, RequestId};
use crate::tui::widgets::confirm::{ConfirmKind, ConfirmOverlay};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::panel::{self, Columns, Prompt};
use crate::tui::widgets::text;

/// The People pane: members, then pending invitations.
#[derive(Debug, Default)]
pub struct People {
    pub members: Vec<Member>,
    pub invitations: Vec<Invitation>,
    pub loaded: bool,
    pub loading: Option<RequestId>,
    pub load_error: Option<String>,
    /// Why invitations are not listed (a missing scope), when they are not.
    pub invitations_hidden: Option<String>,
    pub selected: usize,
    pub offset: usize,
    /// The email address `a` is about to add.
    pub adding: Option<TextInput>,
}

/// One row of the People pane.
#[derive(Debug, Clone, Copy)]
pub enum Person<'a> {
    Member(&'a Member),
    Invitation(&'a Invitation),
}

impl People {
    pub(super) fn len(&self) -> usize {
        self.members.len() + self.invitations.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn get(&self, index: usize) -> Option<Person<'_>> {
        match self.members.get(index) {
            Some(member) => Some(Person::Member(member)),
            None => self
                .invitations
                .get(index - self.members.len())
                .map(Person::Invitation),
        }
    }
}

impl OrganizationScreen {
    /// Loads the members and, when the admin app may read them, the invitations.
    pub(super) fn load_people(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(id) = self.people.loading.take() {
            ctx.cmd(Cmd::Cancel { id });
        }
        self.people.load_error = None;
        if ctx.refuse(Action::Members) {
            return;
        }
        self.people.invitations_hidden = ctx.perms.why_not(Action::Invitations);
        let id = ctx.request_id();
        self.people.loading = Some(id);
        ctx.cmd(Cmd::ListPeople {
            id,
            organization_id: self.organization.id.clone(),
            invitations: self.people.invitations_hidden.is_none(),
        });
    }

    pub(super) fn start_person(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        email: &str,
        doing: &str,
    ) {
        self.task = Some(Task::Person {
            id,
            email: email.to_owned(),
        });
        ctx.status(StatusKind::Info, format!("{doing} {}…", email));
    }

    /// Keys while the email prompt is open: Enter adds, Esc cancels.
    pub(super) fn adding_key(
        &mut self,
        ctx: &mut Ctx<'_>,
        event: &KeyEvent,
        action: Option<KeyAction>,
    ) {
        let Some(adding) = self.people.adding.as_mut() else {
            return;
        };
        match action {
            Some(KeyAction::Back) => self.people.adding = None,
            Some(KeyAction::Submit) => {
                let email = adding.value().trim().to_owned();
                if !looks_like_email(&email) {
                    ctx.status(
                        StatusKind::Error,
                        format!("{:?} is not an email address", text::clean(&email)),
                    );
                } else if self.task.as_ref().is_some_and(Task::in_flight) {
                    ctx.status(StatusKind::Error, "another change is still running");
                } else {
                    self.people.adding = None;
                    let id = ctx.request_id();
                    self.start_person(ctx, id, &email, "adding");
                    ctx.cmd(Cmd::AddMember {
                        id,
                        organization_id: self.organization.id.clone(),
                        email,
                    });
                }
            }
            _ => {
                adding.handle_key(event);
            }
        }
    }
    /// Keys on the People pane.
    pub(super) fn people_key(&mut self, ctx: &mut Ctx<'_>, action: Option<KeyAction>) {
        let page = Self::page_rows(ctx);
        let at = self.people.selected;
        if let Some(to) = panel::moved(action, at, page) {
            return self.select(ctx, to);
        }
        match action {
            Some(KeyAction::Reload) => self.load_people(ctx),
            Some(KeyAction::Back) => self.back(ctx),
            Some(KeyAction::SwitchPane) => self.switch_pane(ctx),
            Some(KeyAction::AddPerson) => {
                if self.task.as_ref().is_some_and(Task::in_flight) {
                    ctx.status(StatusKind::Error, "another change is still running");
                } else if !ctx.refuse(Action::AddMember) {
                    self.people.adding = Some(TextInput::default());
                }
            }
            Some(KeyAction::RemovePerson) => {
                let kind = match self.people.get(self.people.selected) {
                    None => {
                        ctx.status(StatusKind::Info, "no one selected");
                        return;
                    }
                    Some(Person::Member(member)) => {
                        if ctx.refuse(Action::RemoveMember) {
                            return;
                        }
                        let Some(email) = member.email.clone() else {
                            ctx.status(
                                StatusKind::Error,
                                "this member has no email address: remove them in the Auth0 Dashboard",
                            );
                            return;
                        };
                        ConfirmKind::RemoveMember {
                            email,
                            user_id: member.user_id.clone(),
                        }
                    }
                    Some(Person::Invitation(invitation)) => {
                        if ctx.refuse(Action::RevokeInvitation) {
                            return;
                        }
                        ConfirmKind::RevokeInvitation {
                            invitation_id: invitation.id.clone(),
                            email: invitation.email.clone(),
                        }
                    }
                };
                ctx.out
                    .overlays
                    .push(Overlay::Confirm(ConfirmOverlay::new(kind)));
            }
            _ => {}
        }
    }

    /// The people table: members, then pending invitations.
    pub(super) fn draw_people(
        &self,
        vc: &ViewCtx<'_>,
        frame: &mut Frame,
        table_rect: Rect,
        block: Block<'static>,
    ) -> (usize, Option<Line<'static>>) {
        let theme = vc.theme;
        let people = &self.people;
        let area_rows = vc.spacing.rows_fit(table_rect.height.saturating_sub(3));
        let rows = (people.offset..people.len())
            .take(area_rows)
            .filter_map(|i| people.get(i))
            .map(|person| match person {
                Person::Member(m) => vec![
                    Line::styled(m.email.as_deref().unwrap_or("—"), theme.text),
                    Line::styled(m.name.as_deref().unwrap_or(""), theme.text),
                    Line::styled(m.user_id.as_str(), theme.muted),
                ],
                Person::Invitation(i) => vec![
                    Line::styled(i.email.as_str(), theme.text),
                    Line::styled("invited", theme.warn),
                    Line::styled(
                        format!("expires {}", date(i.expires_at.as_deref())),
                        theme.muted,
                    ),
                ],
            });
        let columns = Columns {
            block,
            header: &["Email", "Name", "User id / invitation"],
            widths: &[
                Constraint::Fill(2),
                Constraint::Fill(1),
                Constraint::Length(30),
            ],
            spacing: 2,
            row_gap: vc.spacing.row_gap,
        };
        let selection = (!people.is_empty()).then_some((people.selected, people.offset));
        panel::table(frame, table_rect, theme, columns, rows, selection);
        let message = if people.loading.is_some() {
            Some(Line::styled(
                format!("{} loading people…", vc.spinner()),
                theme.warn,
            ))
        } else if let Some(error) = &people.load_error {
            Some(Line::styled(format!("✗ {error} (R retries)"), theme.error))
        } else if people.loaded && people.is_empty() {
            let text = if vc.perms.why_not(Action::AddMember).is_some() {
                "No members or invitations yet."
            } else {
                "No members or invitations yet: a adds someone by email."
            };
            Some(Line::styled(text, theme.muted))
        } else {
            people
                .invitations_hidden
                .as_ref()
                .filter(|_| people.loaded)
                .map(|reason| {
                    Line::styled(format!("Invitations not listed: {reason}"), theme.muted)
                })
        };
        let shown = people.len().saturating_sub(people.offset).min(area_rows);
        (shown, message)
    }
}

pub(super) fn draw_adding(vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect, adding: &TextInput) {
    let theme = vc.theme;
    let intro = vec![
        Line::styled(
            "The user with this email address joins the organization.",
            theme.muted,
        ),
        Line::styled(
            "No user has it? You are offered an invitation instead.",
            theme.muted,
        ),
    ];
    let value = adding.value().trim();
    let error = (!value.is_empty() && value.contains(char::is_whitespace))
        .then_some("an email address has no spaces");
    panel::prompt(
        vc,
        frame,
        area,
        Prompt {
            title: "Add a member",
            intro,
            label: "Email",
            input: adding,
            hint: "Enter adds · Esc cancels",
            error,
            padding: 0,
        },
    );
}
