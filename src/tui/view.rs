//! The pure view: the screen's frame (title, status line, footer) around the current screen and its overlays.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::app::{MIN_HEIGHT, MIN_WIDTH, Model, Route, layout};
use crate::tui::ctx::{Overlay, StatusKind, ViewCtx};
use crate::tui::keymap;
// The edge through which tenant text is drawn (made safe before it is laid out).
use crate::tui::widgets::text as edge;

/// Draws the whole app. Pure: reads the model, writes the frame.
pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let theme = &model.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = vec![
            Line::styled("Please enlarge the terminal", theme.warn),
            Line::styled(
                format!(
                    "{MIN_WIDTH}x{MIN_HEIGHT} needed, now {}x{}",
                    area.width, area.height
                ),
                theme.muted,
            ),
            // "q quits", as the keymap has it.
            Line::styled(
                keymap::footer(keymap::Context::TooSmall, false)
                    .map(|b| format!("{} {}", b.label, b.hint))
                    .collect::<Vec<_>>()
                    .join(" · "),
                theme.muted,
            ),
        ];
        let top = area.height.saturating_sub(3) / 2;
        let rect = Rect::new(area.x, area.y + top, area.width, area.height.min(3));
        frame.render_widget(
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            rect,
        );
        return;
    }
    let vc = ViewCtx {
        theme,
        spacing: model.spacing,
        options: &model.options,
        perms: &model.perms,
        tenant: &model.tenant,
        now: model.now,
        frame: model.frame,
    };
    let [title, body, status, footer] = layout(area);
    draw_title(model, frame, title);
    match model.screen() {
        Some(screen) => screen.view(&vc, frame, body),
        None => model.signin.view(&vc, frame, body),
    }
    draw_status_line(model, &vc, frame, status);
    frame.render_widget(Paragraph::new(footer_line(model)), footer);
    for (i, overlay) in model.overlays.iter().enumerate() {
        match overlay {
            Overlay::Help(help) => help.view(&vc, frame, body, help_first(model, i), |action| {
                model.disabled(action)
            }),
            Overlay::Error(error) => error.view(&vc, frame, body),
            Overlay::Confirm(confirm) => confirm.view(&vc, frame, body),
            Overlay::Reveal(reveal) => reveal.view(&vc, frame, body),
            Overlay::Device(device) => device.view(&vc, frame, body, model.can_open_browser),
            Overlay::Profiles(picker) => picker.view(&vc, frame, body),
        }
    }
}

/// The keys the help at `overlays[at]` lists first: those of the overlay it covers
/// (the reveal's, say), else the screen's.
fn help_first(model: &Model, at: usize) -> keymap::Context {
    at.checked_sub(1)
        .and_then(|below| model.overlays.get(below))
        .map_or_else(|| model.screen_context(), |o| o.context().0)
}

/// The title row. The badges (SANDBOX, READ-ONLY, PRESENTER) say what kind of session this
/// is, so they always show: when the row is too narrow the tenant's name goes first (the status
/// line shows it too), then the breadcrumbs are cut, and the badges keep the right edge.
fn draw_title(model: &Model, frame: &mut Frame, area: Rect) {
    let badges = title_badges(model);
    for with_tenant in [true, false] {
        let line = Line::from([title_start(model, with_tenant), badges.clone()].concat());
        if line.width() <= usize::from(area.width) {
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
    }
    let badges = Line::from(badges);
    let badges_width = u16::try_from(badges.width())
        .unwrap_or(u16::MAX)
        .min(area.width);
    let [start, end] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(badges_width)])
        .spacing(1)
        .areas(area);
    frame.render_widget(Paragraph::new(Line::from(title_start(model, false))), start);
    frame.render_widget(Paragraph::new(badges), end);
}

/// The app, the tenant (when `with_tenant`), the profile, the operator and the breadcrumbs.
fn title_start(model: &Model, with_tenant: bool) -> Vec<Span<'static>> {
    let theme = &model.theme;
    let mut spans = vec![Span::styled(" m2m-portal ", theme.title)];
    if with_tenant {
        spans.push(edge::span(format!("{} ", model.tenant.name), theme.muted));
    }
    // Which profile and who: a named profile, and the operator once signed in.
    if let Some(profile) = &model.profile {
        spans.push(edge::span(format!("[{profile}] "), theme.title));
    }
    if let Some(state) = &model.operator {
        let who = state.session.operator.label();
        let style = if state.ended { theme.error } else { theme.ok };
        let ended = if state.ended { " (ended)" } else { "" };
        spans.push(edge::span(format!("as {who}{ended} "), style));
    }
    spans.push(edge::span(
        format!("› {} ", breadcrumbs(model).join(" › ")),
        theme.text,
    ));
    spans
}

fn breadcrumbs(model: &Model) -> Vec<String> {
    let mut crumbs = vec!["Sign in".to_owned()];
    if model.route() != Route::SignIn {
        crumbs = vec!["Organizations".to_owned()];
    }
    if model.keys().is_some() && model.route() != Route::SignIn {
        crumbs.push("Keys".to_owned());
    }
    if matches!(model.route(), Route::Organization | Route::Token)
        && let Some(s) = model.organization()
    {
        crumbs.push(s.title());
    }
    if model.route() == Route::Token {
        crumbs.push("Test token".to_owned());
    }
    crumbs
}

fn title_badges(model: &Model) -> Vec<Span<'static>> {
    let theme = &model.theme;
    let mut spans = Vec::new();
    if model.tenant.sandbox {
        spans.push(Span::styled(" SANDBOX ", theme.badge));
        spans.push(Span::raw(" "));
    }
    if model.options.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme.badge));
        spans.push(Span::raw(" "));
    }
    if model.options.presenter {
        spans.push(Span::styled(" PRESENTER ", theme.badge));
    }
    spans
}

/// The status line: spinner, clipboard countdown and the last action's result on the left;
/// tenant, signed-in app and read-only on the right (they give way first on narrow terminals).
fn draw_status_line(model: &Model, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = vc.theme;
    let mut left = status_prefix(model, vc);
    let prefix_width = Line::from(left.clone()).width();
    let status = model.status.as_ref().map(|status| {
        let style = match status.kind {
            StatusKind::Info => theme.text,
            StatusKind::Ok => theme.ok,
            StatusKind::Error => theme.error,
        };
        // Measured to fit, so made safe first (a `Status` is already; this keeps it so).
        (edge::clean(&status.text), style)
    });
    if let Some((text, style)) = &status {
        left.push(Span::styled(text.clone(), *style));
    }
    let mut right = vec![edge::span(&model.tenant.name, theme.muted)];
    if let Some(sign_in) = &model.perms.sign_in {
        right.push(edge::span(
            format!(" · {}", sign_in.admin_client_id),
            theme.muted,
        ));
    }
    if model.options.read_only {
        right.push(Span::styled(" · read-only: changes disabled", theme.warn));
    }
    let right = Line::from(right);
    let wanted = u16::try_from(right.width() + 1).unwrap_or(u16::MAX);
    let left_line = Line::from(left);
    let left_width = u16::try_from(left_line.width()).unwrap_or(u16::MAX);
    // The message wins the space; the tenant keeps what is left (at least its read-only note).
    let right_width = wanted.min(
        area.width
            .saturating_sub(left_width.saturating_add(1))
            .max(area.width / 3),
    );
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(right_width)])
            .spacing(1)
            .areas(area);
    // A message longer than its room is cut, and says how to read it whole.
    let left_line = match status {
        Some((text, style)) if left_line.width() > usize::from(left_area.width) => {
            const MORE: &str = "… (! shows all)";
            let room = usize::from(left_area.width)
                .saturating_sub(prefix_width)
                .saturating_sub(MORE.chars().count());
            let mut spans = left_line.spans;
            spans.pop();
            spans.push(Span::styled(fit_width(&text, room), style));
            spans.push(Span::styled(MORE, theme.muted));
            Line::from(spans)
        }
        _ => left_line,
    };
    frame.render_widget(Paragraph::new(left_line), left_area);
    frame.render_widget(
        Paragraph::new(right).alignment(Alignment::Right),
        right_area,
    );
}

/// What the status line starts with: the spinner, a rate-limit wait and the
/// clipboard's countdown.
fn status_prefix(model: &Model, vc: &ViewCtx<'_>) -> Vec<Span<'static>> {
    let theme = vc.theme;
    let mut left = Vec::new();
    let rate_wait = model.rate_limit_wait();
    if model.busy() || rate_wait.is_some() {
        left.push(Span::styled(format!("{} ", vc.spinner()), theme.warn));
    }
    if let Some(wait) = rate_wait {
        // Waiting, not frozen: a request is held back until Auth0's bucket refills.
        left.push(Span::styled(
            format!("Auth0 rate limit: waiting {:.1} s… │ ", wait.as_secs_f64()),
            theme.warn,
        ));
    }
    if let Some(left_secs) = model
        .clipboard_clears_at
        .and_then(|at| crate::tui::ctx::countdown_secs(at, model.now))
    {
        left.push(Span::styled(
            format!("clipboard clears in {left_secs}s │ "),
            theme.warn,
        ));
    }
    left
}

/// The longest start of `text` that fits in `width` terminal columns.
fn fit_width(text: &str, width: usize) -> String {
    let mut used = 0;
    text.chars()
        .take_while(|c| {
            used += ratatui::text::Span::raw(c.to_string()).width();
            used <= width
        })
        .collect()
}

fn footer_line(model: &Model) -> Line<'static> {
    let theme = &model.theme;
    let (context, global) = model.context();
    let mut bindings: Vec<&keymap::Binding> = keymap::footer(context, global).collect();
    // Too wide for the terminal: the context's own hints give way from the last
    // one, but never Esc or the global ones (help and quit always show).
    let width = |bindings: &[&keymap::Binding]| -> usize {
        bindings
            .iter()
            .map(|b| 2 + Span::raw(b.label).width() + Span::raw(b.hint).width())
            .sum()
    };
    while width(&bindings) > usize::from(model.size.width) {
        let Some(last) = bindings.iter().rposition(|b| {
            b.action != keymap::KeyAction::Back && !b.contexts.contains(&keymap::Context::Global)
        }) else {
            break;
        };
        bindings.remove(last);
    }
    let mut spans = Vec::new();
    for binding in bindings {
        let disabled = model.disabled(binding.action).is_some();
        let (key_style, text_style) = if disabled {
            (theme.muted, theme.muted)
        } else {
            (theme.key, theme.muted)
        };
        spans.push(Span::styled(format!(" {}", binding.label), key_style));
        spans.push(Span::styled(format!(" {}", binding.hint), text_style));
    }
    Line::from(spans)
}
