#!/usr/bin/env bash
# Linux packages from the one-folder build (dist/<name>/, made by `pyinstaller normdesk.spec`):
#
#   dist/<name>.AppDir/                          an AppDir (AppRun, .desktop, icon, usr/lib/<name>)
#   dist/<name>-<version>-<arch>.AppImage        from the AppDir, when appimagetool is on PATH
#   dist/<name>-<version>-linux-<arch>.tar.gz    the app + install.sh (per-user, into ~/.local)
#
#     bash packaging/linux/make_linux.sh [DIST]      (DIST defaults to ./dist)
#
# Names, version and icon come from packaging/branding.py (PYTHON picks the interpreter).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/packaging/linux"
DIST=$(cd "${1:-$ROOT/dist}" && pwd)
eval "$("${PYTHON:-python3}" "$ROOT/packaging/branding.py" sh)"
ARCH=$(uname -m)
APP="$DIST/$BRAND_NAME"
[ -x "$APP/$BRAND_NAME" ] || { echo "make_linux: no build in $APP (run pyinstaller normdesk.spec first)" >&2; exit 2; }

desktop_entry() {  # $1: the Exec= value
    sed -e "s|@DISPLAY_NAME@|$BRAND_DISPLAY_NAME|" -e "s|@SUMMARY@|$BRAND_SUMMARY|" -e "s|@EXEC@|$1|" \
        -e "s|@ICON@|$BRAND_DESKTOP_ID|" -e "s|@CATEGORIES@|$BRAND_CATEGORIES|" \
        -e "s|@MIME_TYPES@|$BRAND_MIME_TYPES|" "$HERE/normdesk.desktop.in"
}

# -- AppDir ------------------------------------------------------------------------------------
APPDIR="$DIST/$BRAND_NAME.AppDir"
rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/lib" "$APPDIR/usr/bin" "$APPDIR/usr/share/applications" \
         "$APPDIR/usr/share/icons/hicolor/512x512/apps"
cp -R "$APP" "$APPDIR/usr/lib/$BRAND_NAME"
ln -s "../lib/$BRAND_NAME/$BRAND_NAME" "$APPDIR/usr/bin/$BRAND_NAME"
desktop_entry "$BRAND_NAME" > "$APPDIR/usr/share/applications/$BRAND_DESKTOP_ID.desktop"
ln -s "usr/share/applications/$BRAND_DESKTOP_ID.desktop" "$APPDIR/$BRAND_DESKTOP_ID.desktop"
cp "$BRAND_ICON_PNG" "$APPDIR/usr/share/icons/hicolor/512x512/apps/$BRAND_DESKTOP_ID.png"
ln -s "usr/share/icons/hicolor/512x512/apps/$BRAND_DESKTOP_ID.png" "$APPDIR/$BRAND_DESKTOP_ID.png"
ln -s "$BRAND_DESKTOP_ID.png" "$APPDIR/.DirIcon"
cat > "$APPDIR/AppRun" <<EOF
#!/bin/sh
HERE=\$(dirname "\$(readlink -f "\$0")")
exec "\$HERE/usr/lib/$BRAND_NAME/$BRAND_NAME" "\$@"
EOF
chmod +x "$APPDIR/AppRun"
echo "make_linux: AppDir $APPDIR"

if command -v appimagetool >/dev/null 2>&1; then
    IMAGE="$DIST/$BRAND_NAME-$BRAND_VERSION-$ARCH.AppImage"
    ARCH="$ARCH" appimagetool --no-appstream "$APPDIR" "$IMAGE"
    echo "make_linux: AppImage $IMAGE"
else
    echo "make_linux: appimagetool is not on PATH: no AppImage (the tarball below installs the same app)"
fi

# -- tarball with a per-user install script ----------------------------------------------------
STAGE="$DIST/$BRAND_NAME-$BRAND_VERSION-linux-$ARCH"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/$BRAND_NAME"
cp "$HERE/install.sh" "$STAGE/install.sh"
cp "$HERE/normdesk.desktop.in" "$STAGE/app.desktop.in"
cp "$BRAND_ICON_PNG" "$STAGE/icon.png"
"${PYTHON:-python3}" "$ROOT/packaging/branding.py" sh | grep -v -e '^BRAND_ROOT=' -e '^BRAND_ICON_' > "$STAGE/branding.sh"
chmod +x "$STAGE/install.sh"
tar -C "$DIST" -czf "$STAGE.tar.gz" "$(basename "$STAGE")"
rm -rf "$STAGE"
echo "make_linux: tarball $STAGE.tar.gz ($(du -h "$STAGE.tar.gz" | cut -f1))"
