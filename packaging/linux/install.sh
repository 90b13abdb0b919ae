#!/bin/sh
# Add Curator to your desktop (menu entry, icons, `curator` and `curator-gui` on PATH),
# for you alone: nothing outside your home folder changes. Run it from the unpacked
# folder; run it again after moving the folder. `./install.sh --uninstall` removes it.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
APP_ID=io.github.curator.Curator
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
BIN=$HOME/.local/bin

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$DATA/applications/$APP_ID.desktop" "$DATA/metainfo/$APP_ID.metainfo.xml" \
        "$BIN/curator" "$BIN/curator-gui"
  find "$DATA/icons/hicolor" -name "$APP_ID.*" -delete 2>/dev/null || true
  echo "Curator removed from the desktop (the folder $HERE is left as it is)."
  exit 0
fi

mkdir -p "$DATA/applications" "$DATA/metainfo" "$BIN"
cp -R "$HERE/share/icons/." "$DATA/icons/"
cp "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$DATA/metainfo/"
# The menu entry starts this folder's program by its full path.
sed -e "s|^Exec=curator-gui|Exec=\"$HERE/curator-gui\"|" \
    -e "s|^TryExec=curator-gui|TryExec=$HERE/curator-gui|" \
    "$HERE/share/applications/$APP_ID.desktop" > "$DATA/applications/$APP_ID.desktop"
ln -sf "$HERE/curator" "$BIN/curator"
ln -sf "$HERE/curator-gui" "$BIN/curator-gui"
command -v update-desktop-database >/dev/null 2>&1 && \
  update-desktop-database -q "$DATA/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && \
  gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
echo "Curator is in your applications menu; \`curator\` and \`curator-gui\` are in $BIN."
