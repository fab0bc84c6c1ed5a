#!/usr/bin/env bash
# The system packages Setting Records needs, in one place, for `make run`, `make test` and CI.
#
#   bash system-packages.sh app          what the app needs to run (WeasyPrint's libraries, fonts)
#   bash system-packages.sh test         the above, and what the tests need (pdftotext, Chromium)
#   bash system-packages.sh test report  print what is present and what is missing; change nothing
#
# On Debian or Ubuntu as root, missing packages are installed (one `apt-get update`, then one
# `apt-get install`). Without root, or on another system, it stops with the exact command to run
# and exits 1. When everything is present it prints nothing and exits 0.
#
# Chromium is optional outside CI: where it cannot be installed the browser tests skip and say
# why. Under CI=true it is required like everything else.
set -euo pipefail

# Debian package | what it is for | how to tell it is there on another system
# ("lib:NAME" is a shared library found by the dynamic loader, "cmd:NAME" a command on PATH).
APP_PACKAGES=(
  "libpango-1.0-0|WeasyPrint lays out the record pack with Pango|lib:pango-1.0"
  "libpangoft2-1.0-0|Pango's FreeType fonts, for WeasyPrint|lib:pangoft2-1.0"
  "libharfbuzz-subset0|WeasyPrint embeds only the glyphs a pack uses|lib:harfbuzz-subset"
  "fonts-dejavu-core|the record pack's font|font:DejaVu Sans"
)
TEST_PACKAGES=(
  "poppler-utils|pdftotext and pdftoppm, to read and look at generated packs|cmd:pdftotext"
)
OPTIONAL_TEST_PACKAGES=(
  "chromium|the real browser the browser tests drive|cmd:chromium"
)
BREW_APP="brew install pango harfbuzz font-dejavu"
BREW_TEST="brew install poppler && brew install --cask chromium"

usage() { echo "usage: bash system-packages.sh app|test [report]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
scope=$1
mode=${2:-install}
case "$scope" in app | test) ;; *) usage ;; esac
case "$mode" in install | report) ;; *) usage ;; esac

required=("${APP_PACKAGES[@]}")
optional=()
if [ "$scope" = test ]; then
  required+=("${TEST_PACKAGES[@]}")
  if [ "${CI:-}" = true ]; then required+=("${OPTIONAL_TEST_PACKAGES[@]}"); else optional+=("${OPTIONAL_TEST_PACKAGES[@]}"); fi
fi

name_of() { echo "${1%%|*}"; }
probe_of() { echo "${1##*|}"; }
purpose_of() { local rest=${1#*|}; echo "${rest%|*}"; }

is_debian() { command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; }

present() {
  local entry=$1
  if is_debian; then
    dpkg-query -W -f='${Status}' "$(name_of "$entry")" 2>/dev/null | grep -q "install ok installed"
    return
  fi
  local probe
  probe=$(probe_of "$entry")
  case "$probe" in
    cmd:*) command -v "${probe#cmd:}" >/dev/null 2>&1 ;;
    lib:*)
      local lib=${probe#lib:}
      { command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q "lib$lib\.so"; } ||
        ls /opt/homebrew/lib/"lib$lib".* /usr/local/lib/"lib$lib".* >/dev/null 2>&1
      ;;
    font:*) command -v fc-list >/dev/null 2>&1 && fc-list | grep -qi "${probe#font:}" ;;
  esac
}

missing=()
missing_optional=()
for entry in "${required[@]}"; do present "$entry" || missing+=("$entry"); done
for entry in ${optional[@]+"${optional[@]}"}; do present "$entry" || missing_optional+=("$entry"); done

if [ "$mode" = report ]; then
  echo "System packages for '$scope' (CI=${CI:-false}):"
  for entry in "${required[@]}" ${optional[@]+"${optional[@]}"}; do
    state=present
    present "$entry" || state=MISSING
    printf '  %-22s %-8s %s\n' "$(name_of "$entry")" "$state" "$(purpose_of "$entry")"
  done
  exit 0
fi

[ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ] && exit 0

names() { local entry; for entry in "$@"; do printf '%s ' "$(name_of "$entry")"; done; }

if is_debian && [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: $(names "${missing[@]}" ${missing_optional[@]+"${missing_optional[@]}"})"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -q \
    $(names "${missing[@]}" ${missing_optional[@]+"${missing_optional[@]}"}) >/dev/null
  exit 0
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "Note: $(names "${missing_optional[@]}")is not installed, so the browser tests will be skipped." >&2
  echo "      To run them: sudo apt-get install -y $(names "${missing_optional[@]}")" >&2
  exit 0
fi

{
  echo "Setting Records needs these system packages, which are not installed:"
  for entry in "${missing[@]}"; do printf '  %-22s %s\n' "$(name_of "$entry")" "$(purpose_of "$entry")"; done
  echo
  echo "Install them, then run this command again:"
  echo "  Debian or Ubuntu:  sudo apt-get update && sudo apt-get install -y $(names "${missing[@]}" ${missing_optional[@]+"${missing_optional[@]}"})"
  if [ "$scope" = test ]; then
    echo "  macOS (Homebrew):  $BREW_APP && $BREW_TEST"
  else
    echo "  macOS (Homebrew):  $BREW_APP"
  fi
} >&2
exit 1
