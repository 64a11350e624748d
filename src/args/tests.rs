//! Unit tests of [`crate::args`].

#![allow(clippy::unwrap_used)]
use super::*;
use clap::CommandFactory;

#[test]
fn command_line_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn override_flags_go_before_the_subcommand() {
    let cli = Cli::try_parse_from([
        "m2m-portal",
        "--client-id",
        "admin",
        "token",
        "--client-id",
        "key",
    ])
    .unwrap();
    assert_eq!(cli.client_id.as_deref(), Some("admin"));
    assert!(
        matches!(cli.command, Some(Command::Token { ref client_id, .. }) if client_id == "key")
    );
}

fn theme_of(
    args: &[&str],
    file: Option<config::ThemeName>,
    no_color_env: bool,
) -> config::ThemeName {
    let cli =
        Cli::try_parse_from(std::iter::once("m2m-portal").chain(args.iter().copied())).unwrap();
    let mut settings = Settings::for_tenant(
        "https://a.auth0.com",
        "id",
        crate::secret::Secret::new("s".to_owned()),
        "aud",
        "",
    );
    settings.theme = file;
    let options = cli.tui_options(&settings, no_color_env);
    crate::tui::theme::pick(options.theme, options.no_color, options.presenter)
}

#[test]
fn the_theme_comes_from_the_flag_then_the_file_then_no_color_then_presenter() {
    use config::ThemeName::*;
    assert_eq!(theme_of(&[], None, false), Default);
    assert_eq!(theme_of(&[], None, true), Mono, "NO_COLOR picks mono");
    assert_eq!(theme_of(&["--no-color"], None, false), Mono);
    assert_eq!(theme_of(&["--presenter"], None, false), HighContrast);
    assert_eq!(theme_of(&["--presenter"], None, true), Mono);
    assert_eq!(
        theme_of(&["--theme", "high-contrast"], None, true),
        HighContrast
    );
    assert_eq!(theme_of(&["--theme", "default"], None, true), Default);
    assert_eq!(
        theme_of(&["--theme", "mono", "--presenter"], None, false),
        Mono
    );
    // The user's file outranks NO_COLOR and presenter; --theme and --no-color outrank the file.
    assert_eq!(theme_of(&[], Some(HighContrast), true), HighContrast);
    assert_eq!(theme_of(&["--presenter"], Some(Default), false), Default);
    assert_eq!(theme_of(&["--no-color"], Some(HighContrast), false), Mono);
    assert_eq!(
        theme_of(&["--theme", "default"], Some(Mono), false),
        Default
    );
}

#[test]
fn an_unknown_theme_is_a_usage_error_listing_the_themes() {
    let err = Cli::try_parse_from(["m2m-portal", "--theme", "neon"]).unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    assert!(text.contains("default, high-contrast, mono"), "{text}");
    let help = Cli::command().render_long_help().to_string();
    for name in ["default", "high-contrast", "mono"] {
        assert!(help.contains(name), "{name} missing from --help:\n{help}");
    }
}

#[test]
fn the_client_secret_is_not_an_argument_of_token() {
    let err = Cli::try_parse_from([
        "m2m-portal",
        "token",
        "--client-id",
        "key",
        "--client-secret",
        "s",
    ])
    .unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
}
