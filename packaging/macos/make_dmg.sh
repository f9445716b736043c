#!/usr/bin/env bash
# macOS: a compressed .dmg from dist/<display name>.app (made by `pyinstaller normdesk.spec` on a Mac):
#
#     bash packaging/macos/make_dmg.sh [DIST]           (DIST defaults to ./dist)
#
# The image holds the app and a link to /Applications (drag to install). Optional signing and
# notarization, when the environment names them:
#   CODESIGN_IDENTITY="Developer ID Application: ..."   signs the app (hardened runtime), then the dmg
#   NOTARY_PROFILE=name                                  notarizes with `xcrun notarytool` (a keychain
#                                                        profile from `notarytool store-credentials`)
#                                                        and staples the ticket
# Names, version and bundle id come from packaging/branding.py (PYTHON picks the interpreter).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIST=$(cd "${1:-$ROOT/dist}" && pwd)
eval "$("${PYTHON:-python3}" "$ROOT/packaging/branding.py" sh)"
APP="$DIST/$BRAND_DISPLAY_NAME.app"
[ -d "$APP" ] || { echo "make_dmg: no $APP (run pyinstaller normdesk.spec on macOS first)" >&2; exit 2; }
command -v hdiutil >/dev/null || { echo "make_dmg: hdiutil not found: run this on macOS" >&2; exit 2; }

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --deep --force --timestamp --options runtime --sign "$CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict "$APP"
fi

DMG="$DIST/$BRAND_NAME-$BRAND_VERSION-macos-$(uname -m).dmg"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "$BRAND_DISPLAY_NAME $BRAND_VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
fi
echo "make_dmg: $DMG ($(du -h "$DMG" | cut -f1))"
