#!/bin/sh
# Install normdesk for the current user, from the unpacked release tarball (no root needed):
#
#     ./install.sh               # into ~/.local (or $PREFIX)
#     ./install.sh --uninstall   # remove what it installed (your data folder stays)
#
# Puts the app in $PREFIX/lib/<name>, a `<name>` command in $PREFIX/bin, the menu entry in
# $PREFIX/share/applications and the icon in $PREFIX/share/icons/hicolor/512x512/apps.
# Names come from branding.sh, written beside this script by packaging/linux/make_linux.sh.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/branding.sh"
PREFIX=${PREFIX:-$HOME/.local}
APP_DIR="$PREFIX/lib/$BRAND_NAME"
BIN="$PREFIX/bin/$BRAND_NAME"
DESKTOP="$PREFIX/share/applications/$BRAND_DESKTOP_ID.desktop"
ICON="$PREFIX/share/icons/hicolor/512x512/apps/$BRAND_DESKTOP_ID.png"

refresh_menus() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$PREFIX/share/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$APP_DIR"
    rm -f "$BIN" "$DESKTOP" "$ICON"
    refresh_menus
    echo "$BRAND_DISPLAY_NAME removed (its data folder and settings were kept)"
    exit 0
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--uninstall]" >&2
    exit 2
fi

mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$(dirname "$DESKTOP")" "$(dirname "$ICON")"
rm -rf "$APP_DIR.new"
cp -R "$HERE/$BRAND_NAME" "$APP_DIR.new"
rm -rf "$APP_DIR"
mv "$APP_DIR.new" "$APP_DIR"
ln -sf "$APP_DIR/$BRAND_NAME" "$BIN"
cp "$HERE/icon.png" "$ICON"
sed -e "s|@DISPLAY_NAME@|$BRAND_DISPLAY_NAME|" -e "s|@SUMMARY@|$BRAND_SUMMARY|" \
    -e "s|@EXEC@|\"$APP_DIR/$BRAND_NAME\"|" -e "s|@ICON@|$BRAND_DESKTOP_ID|" \
    -e "s|@CATEGORIES@|$BRAND_CATEGORIES|" -e "s|@MIME_TYPES@|$BRAND_MIME_TYPES|" \
    "$HERE/app.desktop.in" > "$DESKTOP"
refresh_menus
echo "$BRAND_DISPLAY_NAME $BRAND_VERSION installed: $BIN (menu entry $DESKTOP)"
case ":$PATH:" in
    *":$PREFIX/bin:"*) ;;
    *) echo "note: $PREFIX/bin is not on your PATH" ;;
esac
