#!/bin/sh
# macOS: the .dmg of Hotspot Manager (see docs/packaging.md). Run on macOS after
#   python packaging/build.py prepare bundle
# which leaves "dist/Hotspot Manager.app". Makes, in dist/:
#   hotspot-manager-VERSION-macos-ARCH.dmg, holding the app, a link to /Applications,
#   "Install capture permission (ChmodBPF).pkg" (the BPF helper), its uninstaller and a
#   README.
set -eu

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
APP="dist/Hotspot Manager.app"
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' hotspot_manager/__init__.py)
ARCH=$(uname -m)
WORK=build/packaging/macos
OUT="dist/hotspot-manager-$VERSION-macos-$ARCH.dmg"

test -d "$APP" || { echo "build-dmg.sh: no $APP; run packaging/build.py bundle first" >&2; exit 1; }

rm -rf "$WORK"
mkdir -p "$WORK/payload/Library/LaunchDaemons" \
    "$WORK/payload/Library/Application Support/Hotspot Manager/ChmodBPF" "$WORK/dmg"

# 1. The BPF helper as an installer package, as Wireshark ships ChmodBPF
cp packaging/macos/ChmodBPF/io.github.hotspot_manager.ChmodBPF.plist \
    "$WORK/payload/Library/LaunchDaemons/"
cp packaging/macos/ChmodBPF/ChmodBPF \
    "$WORK/payload/Library/Application Support/Hotspot Manager/ChmodBPF/"
chmod 0755 "$WORK/payload/Library/Application Support/Hotspot Manager/ChmodBPF/ChmodBPF" \
    packaging/macos/pkg-scripts/postinstall
pkgbuild --root "$WORK/payload" --scripts packaging/macos/pkg-scripts \
    --identifier io.github.hotspot_manager.ChmodBPF --version "$VERSION" \
    --install-location / --ownership recommended \
    "$WORK/dmg/Install capture permission (ChmodBPF).pkg"

# 2. The disk image: the app, /Applications, the helper, its uninstaller, a README
# (ditto keeps the app's symlinks and its ad-hoc code signature intact)
ditto "$APP" "$WORK/dmg/Hotspot Manager.app"
ln -s /Applications "$WORK/dmg/Applications"
cp packaging/macos/uninstall-ChmodBPF.command "$WORK/dmg/Uninstall capture permission.command"
cp packaging/macos/README-macos.txt "$WORK/dmg/README.txt"
rm -f "$OUT"
hdiutil create -volname "Hotspot Manager $VERSION" -srcfolder "$WORK/dmg" \
    -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$OUT"
echo "build-dmg.sh: $ROOT/$OUT"
