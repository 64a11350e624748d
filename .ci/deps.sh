#!/bin/sh
# System tools the test suite needs beyond Rust: Xvfb and xclip for the
# system-clipboard test (tests/clipboard_xvfb.rs), groff to render the generated
# man page and bash to load the generated completions (tests/cli_commands.rs). Idempotent: installs only
# what is missing. Called by .ci/run; safe to run by hand.
set -eu

missing=""
command -v Xvfb >/dev/null 2>&1 || missing="$missing xvfb"
command -v xclip >/dev/null 2>&1 || missing="$missing xclip"
command -v groff >/dev/null 2>&1 || missing="$missing groff-base"
command -v bash >/dev/null 2>&1 || missing="$missing bash"

if [ -z "$missing" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: please install:$missing (no apt-get on this system)" >&2
    exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

echo "deps: installing$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086 # the package list is meant to split
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
