#!/usr/bin/env bash
# System packages the project uses when they can be had, installed from Debian's archive:
#   chromium            headless browser for the studio's end-to-end tests (Playwright drives it
#                       through executable_path; Playwright's own browser download is never used)
#   musescore3          `mscore3 -o score.pdf score.musicxml` proves our MusicXML opens in real
#                       notation software, and gives engraved PDFs when present
#   libcairo2           cairosvg draws verovio's SVG pages into a PDF when MuseScore is absent
#   fluid-soundfont-gm  FluidR3_GM, a better General MIDI SoundFont (MIT licence) than the
#                       TimGM6mb.sf2 that pretty_midi's wheel ships (GPL-2)
# Nothing here is required: without them the tests that need one skip and say which is missing.
set -u
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v mscore3 >/dev/null 2>&1 || want+=(musescore3)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || want+=(fluid-soundfont-gm)
ldconfig -p 2>/dev/null | grep -q 'libcairo.so.2' || want+=(libcairo2)
[ ${#want[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: no apt-get here; install ${want[*]} by hand for the full test suite" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
echo "install-system-deps: installing ${want[*]}" >&2
$SUDO apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null 2>&1 \
  || echo "install-system-deps: could not install ${want[*]}; the tests that need them will skip" >&2
exit 0
