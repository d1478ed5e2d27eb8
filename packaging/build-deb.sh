#!/usr/bin/env bash
# Build agentprobe_<version>_<arch>.deb: the project and its Python dependencies in a
# private virtualenv at /opt/agentprobe (Debian's own python3-* packages are older than
# what agentprobe needs), the agent's systemd user unit, the collector's and the capture
# service's hardened system units (with the capture user and the call spool), and the
# tray's XDG autostart entry.
#
#   packaging/build-deb.sh [--out DIR] [--no-deps]
#
# --no-deps packages agentprobe alone (no PyPI access needed): enough to check the
# package layout and units, not to run the agent.
set -euo pipefail
cd "$(dirname "$0")/.."

out="dist"
deps=1
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --no-deps) deps=0; shift ;;
        *) echo "usage: $0 [--out DIR] [--no-deps]" >&2; exit 2 ;;
    esac
done

python=/usr/bin/python3   # the target's interpreter: the venv links to it
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
prefix=/opt/agentprobe
venv="$stage$prefix"

"$python" -m venv --without-pip "$venv"
# The wheel is built with the development interpreter (pip fetches the build backend);
# pip then installs into the venv by its interpreter (pip >= 22.3): no pip ships inside.
builder="${BUILD_PYTHON:-.venv/bin/python}"
[ -x "$builder" ] || builder=python3
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
"$builder" -m pip wheel --quiet --no-deps -w "$stage/wheel" .
wheel=$(ls "$stage"/wheel/agentprobe-*.whl)
pip=("$builder" -m pip --python "$venv/bin/python" install --quiet --no-compile)
if [ "$deps" = 1 ]; then
    "${pip[@]}" "$wheel[tray]"
else
    "${pip[@]}" --no-deps "$wheel"
fi
rm -rf "$stage/wheel"
# Scripts were written for the staging path; point them at the installed one.
grep -rlI --null "$venv" "$venv/bin" | xargs -0 -r sed -i "s|$venv|$prefix|g"
find "$venv" -name __pycache__ -type d -prune -exec rm -rf {} +

install -D -m 0644 packaging/systemd/agentprobe.service "$stage/usr/lib/systemd/user/agentprobe.service"
install -D -m 0644 packaging/systemd/agentprobe-collector.service \
    "$stage/usr/lib/systemd/system/agentprobe-collector.service"
install -D -m 0644 packaging/systemd/agentprobe-capture.service \
    "$stage/usr/lib/systemd/system/agentprobe-capture.service"
install -D -m 0644 packaging/sysusers/agentprobe.conf "$stage/usr/lib/sysusers.d/agentprobe.conf"
install -D -m 0644 packaging/tmpfiles/agentprobe.conf "$stage/usr/lib/tmpfiles.d/agentprobe.conf"
install -D -m 0644 packaging/systemd/agentprobe-collector@.service \
    "$stage/usr/lib/systemd/system/agentprobe-collector@.service"
install -D -m 0644 packaging/haproxy/agentprobe-collector.cfg \
    "$stage/usr/share/doc/agentprobe/haproxy/agentprobe-collector.cfg"
install -D -m 0644 packaging/xdg/agentprobe-tray.desktop "$stage/etc/xdg/autostart/agentprobe-tray.desktop"
mkdir -p "$stage/usr/bin"
ln -s "$prefix/bin/agentprobe" "$stage/usr/bin/agentprobe"

mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: agentprobe
Version: $version
Architecture: $arch
Maintainer: agentprobe developers <agentprobe@localhost>
Depends: python3 (>= 3.11), python3 (<< 3.12)
Recommends: pulseaudio-utils
Section: net
Priority: optional
Description: call-quality checks for work-from-home contact-center agents
 The agent (agentprobe run, a systemd user service) checks bandwidth, the voice
 path, headset noise and software versions and reports to the collector; the
 collector (agentprobe collector serve, a hardened system service) stores reports
 and shows the fleet.
CONTROL
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers agentprobe.conf || true
    systemd-tmpfiles --create agentprobe.conf || true
fi
if [ "$1" = configure ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
    systemctl --global enable agentprobe.service || true
fi
POSTINST
cat > "$stage/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ] && command -v systemctl >/dev/null 2>&1; then
    systemctl --global disable agentprobe.service || true
    systemctl stop agentprobe-collector.service || true
    systemctl stop agentprobe-capture.service || true
fi
PRERM
cat > "$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
    rm -rf /var/spool/agentprobe /var/lib/agentprobe-capture
    if getent passwd agentprobe-capture >/dev/null; then userdel agentprobe-capture || true; fi
    if getent group agentprobe >/dev/null; then groupdel agentprobe || true; fi
fi
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"

mkdir -p "$out"
package="$out/agentprobe_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$package" >/dev/null
echo "$package"
