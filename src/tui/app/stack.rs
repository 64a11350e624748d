//! The screens the user has opened, one on top of the other above the sign-in
//! screen (which is always there, at the bottom): the top one shows and has the
//! keys; `Back` pops it. Every per-screen dispatch (keys, paste, mouse, resize,
//! drawing, help) happens here, in one place.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::Route;
use crate::tui::ctx::{Ctx, ViewCtx};
use crate::tui::keymap::{Context, KeyAction};
use crate::tui::msg::{Cmd, Msg};
use crate::tui::screens::keys::KeysScreen;
use crate::tui::screens::organization::OrganizationScreen;
use crate::tui::screens::organizations::OrganizationsScreen;
use crate::tui::screens::token::TokenScreen;

/// A screen opened above the sign-in screen.
pub enum Screen {
    Organizations(OrganizationsScreen),
    Organization(OrganizationScreen),
    Token(TokenScreen),
    /// The tenant's key inventory.
    Keys(KeysScreen),
}

impl Screen {
    /// Which screen this is.
    pub fn route(&self) -> Route {
        match self {
            Screen::Organizations(_) => Route::Organizations,
            Screen::Organization(_) => Route::Organization,
            Screen::Token(_) => Route::Token,
            Screen::Keys(_) => Route::Keys,
        }
    }

    /// A request of this screen's is in flight.
    pub fn busy(&self) -> bool {
        match self {
            Screen::Organizations(s) => s.busy(),
            Screen::Organization(s) => s.busy(),
            Screen::Keys(s) => s.busy(),
            Screen::Token(_) => false,
        }
    }

    /// The keymap context while this screen has the keys, and whether global keys apply.
    pub fn context(&self) -> (Context, bool) {
        match self {
            Screen::Organizations(s) if s.typing() => (Context::Input, false),
            Screen::Organizations(_) => (Context::Organizations, true),
            Screen::Organization(s) if s.typing() => (Context::Input, false),
            Screen::Organization(s) => (s.context(), true),
            Screen::Token(_) => (Context::Token, true),
            Screen::Keys(s) if s.typing() => (Context::Input, false),
            Screen::Keys(_) => (Context::Keys, true),
        }
    }

    /// The screen's own keymap context, whether or not a field has the keys.
    pub fn help_context(&self) -> Context {
        match self {
            Screen::Organizations(_) => Context::Organizations,
            Screen::Organization(s) => s.context(),
            Screen::Token(_) => Context::Token,
            Screen::Keys(_) => Context::Keys,
        }
    }

    pub fn key(&mut self, ctx: &mut Ctx<'_>, event: &KeyEvent, action: Option<KeyAction>) {
        match self {
            Screen::Organizations(s) => s.key(ctx, event, action),
            Screen::Organization(s) => s.key(ctx, event, action),
            Screen::Token(s) => s.key(ctx, action),
            Screen::Keys(s) => s.key(ctx, event, action),
        }
    }

    pub fn paste(&mut self, text: &str) {
        match self {
            Screen::Organizations(s) => s.paste(text),
            Screen::Organization(s) => s.paste(text),
            Screen::Keys(s) if s.filtering => s.filter.paste(text),
            Screen::Keys(_) | Screen::Token(_) => {}
        }
    }

    pub fn mouse(&mut self, ctx: &mut Ctx<'_>, event: MouseEvent) {
        match self {
            Screen::Organizations(s) => s.mouse(ctx, event),
            Screen::Organization(s) => s.mouse(ctx, event),
            Screen::Token(s) => match event.kind {
                MouseEventKind::ScrollDown => s.scroll_by(3),
                MouseEventKind::ScrollUp => s.scroll_by(-3),
                _ => {}
            },
            Screen::Keys(_) => {}
        }
    }

    pub fn resized(&mut self, ctx: &mut Ctx<'_>) {
        match self {
            Screen::Organizations(s) => s.resized(ctx),
            Screen::Organization(s) => s.resized(ctx),
            Screen::Keys(s) => s.resized(ctx),
            Screen::Token(_) => {}
        }
    }

    pub fn view(&self, vc: &ViewCtx<'_>, frame: &mut Frame, area: Rect) {
        match self {
            Screen::Organizations(s) => s.view(vc, frame, area),
            Screen::Organization(s) => s.view(vc, frame, area),
            Screen::Token(s) => s.view(vc, frame, area),
            Screen::Keys(s) => s.view(vc, frame, area),
        }
    }

    /// Hands a reply to the screen (the one it was addressed to, see `replies::addressee`).
    pub fn reply(&mut self, ctx: &mut Ctx<'_>, msg: Msg) {
        match self {
            Screen::Organizations(s) => s.reply(ctx, msg),
            Screen::Organization(s) => s.reply(ctx, msg),
            Screen::Keys(s) => s.reply(ctx, msg),
            // The inspector asks for nothing: the app answers its test token.
            Screen::Token(_) => {}
        }
    }

    /// The cancels for the screen's requests in flight, as it closes.
    pub fn cancel_all(self) -> Vec<Cmd> {
        match self {
            Screen::Organization(s) => s.cancel_all(),
            Screen::Keys(s) => s.cancel_all(),
            Screen::Organizations(_) | Screen::Token(_) => Vec::new(),
        }
    }
}

/// Finds the one screen of a kind in the stack (there is at most one of each).
macro_rules! find {
    ($name:ident, $variant:ident, $ty:ty) => {
        pub fn $name(&self) -> Option<&$ty> {
            self.screens.iter().find_map(|s| match s {
                Screen::$variant(s) => Some(s),
                _ => None,
            })
        }
    };
    ($name:ident, $name_mut:ident, $variant:ident, $ty:ty) => {
        find!($name, $variant, $ty);

        pub fn $name_mut(&mut self) -> Option<&mut $ty> {
            self.screens.iter_mut().find_map(|s| match s {
                Screen::$variant(s) => Some(s),
                _ => None,
            })
        }
    };
}

/// The screens above the sign-in screen, the top one last.
#[derive(Default)]
pub struct Stack {
    screens: Vec<Screen>,
}

impl Stack {
    find!(
        organizations,
        organizations_mut,
        Organizations,
        OrganizationsScreen
    );
    find!(
        organization,
        organization_mut,
        Organization,
        OrganizationScreen
    );
    find!(token, Token, TokenScreen);
    find!(keys, keys_mut, Keys, KeysScreen);

    /// The screen that shows; `None`: the sign-in screen.
    pub fn top(&self) -> Option<&Screen> {
        self.screens.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Screen> {
        self.screens.last_mut()
    }

    /// Which screen shows.
    pub fn route(&self) -> Route {
        self.top().map_or(Route::SignIn, Screen::route)
    }

    /// Opens a screen on top. One of its kind already open goes first, with every
    /// screen above it (it is dropped as it stands, as a replaced screen always was).
    pub fn push(&mut self, screen: Screen) {
        let route = screen.route();
        if let Some(at) = self.screens.iter().position(|s| s.route() == route) {
            self.screens.truncate(at);
        }
        self.screens.push(screen);
    }

    /// The open screen of a kind, wherever it is in the stack.
    pub fn find_mut(&mut self, route: Route) -> Option<&mut Screen> {
        self.screens.iter_mut().find(|s| s.route() == route)
    }

    /// Closes the top screen.
    pub fn pop(&mut self) -> Option<Screen> {
        self.screens.pop()
    }

    /// Closes every screen, top first (back to the sign-in screen).
    pub fn clear(&mut self) -> Vec<Screen> {
        let mut closed = std::mem::take(&mut self.screens);
        closed.reverse();
        closed
    }

    /// Every open screen, bottom first.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Screen> {
        self.screens.iter_mut()
    }

    /// A request of one of the open screens is in flight.
    pub fn busy(&self) -> bool {
        self.screens.iter().any(Screen::busy)
    }

    /// A bulk rotation is running in the key inventory (its secrets must be shown first).
    pub fn rotating(&self) -> bool {
        self.keys().is_some_and(|k| k.rotation.is_some())
    }
}
