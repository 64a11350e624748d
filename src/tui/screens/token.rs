//! The token inspector: gateway checks, expiry countdown, coloured header and claims, raw token.

use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Wrap};
use serde_json::Value;

use crate::gateway::{self, Target};
use crate::portal::{Organization, TokenReport};
use crate::text::duration;
use crate::tui::ctx::{Ctx, Nav, ViewCtx};
use crate::tui::keymap::KeyAction;
use crate::tui::msg::Cmd;
use crate::tui::theme::Theme;
use crate::tui::widgets::text;

/// A fetched test token being inspected.
#[derive(Debug)]
pub struct TokenScreen {
    pub report: TokenReport,
    pub organization: Option<Organization>,
    pub scroll: u16,
    /// The furthest scroll that still shows content (set when drawn).
    pub max_scroll: std::cell::Cell<u16>,
    /// When it was fetched (the expiry falls back to `expires_in` from here).
    pub fetched_at: SystemTime,
    /// The gateway panel, when open: an index into [`Target::ALL`].
    pub gateway: Option<usize>,
}

impl TokenScreen {
    /// Shows a report.
    pub fn new(report: TokenReport, organization: Option<Organization>, now: SystemTime) -> Self {
        Self {
            report,
            organization,
            scroll: 0,
            max_scroll: std::cell::Cell::new(u16::MAX),
            fetched_at: now,
            gateway: None,
        }
    }

    /// When the token expires, in seconds since the epoch.
    pub fn expires_at(&self) -> u64 {
        self.report
            .claims
            .get("exp")
            .and_then(Value::as_u64)
            .unwrap_or_else(|| secs(self.fetched_at) + self.report.expires_in)
    }

    /// True while the countdown still runs.
    pub fn expires_after(&self, now: SystemTime) -> bool {
        self.expires_at() > secs(now)
    }

    /// Scrolls by some lines.
    pub fn scroll_by(&mut self, lines: i32) {
        let max = i32::from(self.max_scroll.get());
        self.scroll = u16::try_from((i32::from(self.scroll) + lines).clamp(0, max.max(0)))
            .unwrap_or(u16::MAX);
    }

    /// Handles a key.
    pub fn key(&mut self, ctx: &mut Ctx<'_>, action: Option<KeyAction>) {
        match action {
            Some(KeyAction::Up) => self.scroll_by(-1),
            Some(KeyAction::Down) => self.scroll_by(1),
            Some(KeyAction::PageUp) => self.scroll_by(-10),
            Some(KeyAction::PageDown) => self.scroll_by(10),
            Some(KeyAction::Home) => self.scroll = 0,
            Some(KeyAction::End) => self.scroll = self.max_scroll.get(),
            Some(KeyAction::Copy) => ctx.cmd(Cmd::Copy {
                what: "the token".to_owned(),
                text: self.report.access_token.clone(),
            }),
            Some(KeyAction::Gateway) => {
                // off -> aws-jwt -> aws-lambda -> kong -> nginx -> generic -> off
                self.gateway = match self.gateway {
                    None => Some(0),
                    Some(i) if i + 1 < Target::ALL.len() => Some(i + 1),
                    Some(_) => None,
                };
                self.scroll = 0;
            }
            // Esc closes the gateway panel first, then the inspector.
            Some(KeyAction::Back) if self.gateway.is_some() => {
                self.gateway = None;
                self.scroll = 0;
            }
            Some(KeyAction::Back) => ctx.out.nav = Some(Nav::Back),
            _ => {}
        }
    }

    /// The gateway panel's lines: each failed check in a gateway's words, then the
    /// chosen gateway's configuration for this tenant.
    fn gateway_lines(&self, index: usize, theme: &Theme, lines: &mut Vec<Line<'static>>) {
        let target = Target::ALL[index.min(Target::ALL.len() - 1)];
        let Some(facts) = &self.report.gateway else {
            lines.push(Line::styled(
                "No gateway facts for this token (the tenant's discovery was not read).",
                theme.muted,
            ));
            return;
        };
        let decoded = crate::jwt::decode_unverified(self.report.access_token.expose_secret()).ok();
        for check in self.report.checks.iter().filter(|c| !c.ok) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<10} ", text::clean(&check.name)), theme.error),
                Span::styled(
                    text::clean(&gateway::explain(check, facts, decoded.as_ref())),
                    theme.text,
                ),
            ]));
        }
        let guide = gateway::guide(target, facts);
        let names: Vec<String> = Target::ALL
            .iter()
            .map(|t| {
                if *t == target {
                    format!("[{}]", t.name())
                } else {
                    t.name().to_owned()
                }
            })
            .collect();
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(
                format!("Gateway: {}  ", text::clean(&guide.title)),
                theme.title,
            ),
            Span::styled(format!("g next: {}", names.join(" ")), theme.muted),
        ]));
        for snippet in &guide.snippets {
            lines.push(Line::styled(
                format!("── {}", text::clean(&snippet.name)),
                theme.muted,
            ));
            for line in snippet.text.lines() {
                lines.push(text::line(line, theme.text));
            }
        }
        for note in &guide.notes {
            lines.push(Line::styled(
                format!("note: {}", text::clean(note)),
                theme.muted,
            ));
        }
    }

    /// Draws the inspector: the gateway checks, then the gateway panel (`g`) or the
    /// token itself. Its lines are measured for scrolling, so tenant text in them is
    /// made safe as they are built (`text::clean`, `text::span`).
    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        let theme = vc.theme;
        let mut lines = self.check_lines(theme);
        lines.push(Line::raw(""));
        if let Some(index) = self.gateway {
            self.gateway_lines(index, theme, &mut lines);
            self.draw_scrolled(theme, frame, area, " Test token: gateway ", lines);
            return;
        }
        self.token_lines(vc, &mut lines);
        self.draw_scrolled(theme, frame, area, " Test token ", lines);
    }

    /// The verdict, then each gateway check with its detail.
    fn check_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        let passed = self.report.checks.iter().filter(|c| c.ok).count();
        let total = self.report.checks.len();
        let verdict = if passed == total {
            Span::styled(
                format!("✓ accepted: all {total} gateway checks pass"),
                theme.ok,
            )
        } else {
            Span::styled(
                format!(
                    "✗ rejected: {} of {total} gateway checks fail",
                    total - passed
                ),
                theme.error,
            )
        };
        lines.push(Line::from(verdict));
        for check in &self.report.checks {
            let (mark, style) = if check.ok {
                ("✓", theme.ok)
            } else {
                ("✗", theme.error)
            };
            let mut detail = text::clean(&check.detail);
            if check.name == "org_id"
                && let Some(o) = &self.organization
            {
                detail = format!(
                    "{detail} ({})",
                    text::clean(o.display_name.as_deref().unwrap_or(&o.name))
                );
            }
            lines.push(Line::from(vec![
                Span::styled(format!("  {mark} "), style),
                Span::styled(format!("{:<10} ", text::clean(&check.name)), theme.title),
                Span::styled(detail, theme.text),
            ]));
        }
        lines
    }

    /// The token: its expiry, header, claims and the raw token (hidden while presenting).
    fn token_lines(&self, vc: &ViewCtx<'_>, lines: &mut Vec<Line<'static>>) {
        let theme = vc.theme;
        let now = secs(vc.now);
        let exp = self.expires_at();
        let countdown = if exp > now {
            Span::styled(format!("expires in {}", duration(exp - now)), theme.ok)
        } else {
            Span::styled(format!("expired {} ago", duration(now - exp)), theme.error)
        };
        lines.push(Line::from(vec![
            Span::styled("Expiry  ", theme.muted),
            countdown,
        ]));
        lines.push(Line::raw(""));
        lines.push(Line::styled("Header", theme.title));
        json_lines(&self.report.header, theme, 1, lines);
        lines.push(Line::styled("Claims", theme.title));
        json_lines(&self.report.claims, theme, 1, lines);
        lines.push(Line::raw(""));
        lines.push(Line::styled("Raw token", theme.title));
        let raw = if vc.options.presenter {
            "•••••••• (hidden while presenting; c still copies it)".to_owned()
        } else {
            self.report.access_token.expose_secret().to_owned()
        };
        lines.push(Line::styled(raw, theme.secret));
    }

    /// Draws `lines` in a bordered panel, scrolled (the scroll stops at the last line).
    fn draw_scrolled(
        &self,
        theme: &Theme,
        frame: &mut Frame,
        area: Rect,
        title: &'static str,
        lines: Vec<Line<'static>>,
    ) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(title, theme.title));
        let max = crate::tui::widgets::max_scroll(&lines, block.inner(area));
        self.max_scroll.set(max);
        frame.render_widget(
            text::paragraph(lines)
                .block(block)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll.min(max), 0)),
            area,
        );
    }
}

fn secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn scalar(value: &Value, theme: &Theme) -> Span<'static> {
    let (text, style): (String, Style) = match value {
        Value::String(s) => (format!("{:?}", text::clean(s)), theme.json_string),
        Value::Number(n) => (n.to_string(), theme.json_number),
        Value::Bool(b) => (b.to_string(), theme.json_number),
        Value::Null => ("null".to_owned(), theme.muted),
        other => (text::clean(&other.to_string()), theme.text),
    };
    Span::styled(text, style)
}

/// Pretty-prints JSON with keys, strings and numbers coloured by meaning.
fn json_lines(value: &Value, theme: &Theme, depth: usize, lines: &mut Vec<Line<'static>>) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let mut spans = vec![
                    Span::raw(pad.clone()),
                    Span::styled(format!("{:?}: ", text::clean(key)), theme.json_key),
                ];
                match value {
                    Value::Object(_) => {
                        lines.push(Line::from(spans));
                        json_lines(value, theme, depth + 1, lines);
                    }
                    Value::Array(items)
                        if items.iter().all(|v| !v.is_object() && !v.is_array()) =>
                    {
                        spans.push(Span::raw("["));
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                spans.push(Span::raw(", "));
                            }
                            spans.push(scalar(item, theme));
                        }
                        spans.push(Span::raw("]"));
                        lines.push(Line::from(spans));
                    }
                    Value::Array(items) => {
                        lines.push(Line::from(spans));
                        for item in items {
                            json_lines(item, theme, depth + 1, lines);
                        }
                    }
                    scalar_value => {
                        spans.push(scalar(scalar_value, theme));
                        lines.push(Line::from(spans));
                    }
                }
            }
        }
        other => lines.push(Line::from(vec![Span::raw(pad), scalar(other, theme)])),
    }
}

#[cfg(test)]
mod tests {
    use crate::text::duration;

    #[test]
    fn countdown_reads_in_the_apps_one_duration_style() {
        // Was "5s", "4m 59s", "23h 59m 59s" next to the checks' "24 h 0 min" (issue 13.14).
        assert_eq!(duration(5), "5 s");
        assert_eq!(duration(299), "4 min 59 s");
        assert_eq!(duration(86_399), "23 h 59 min");
    }
}
