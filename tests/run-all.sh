#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine and run them all:
# Debian packages for the real rigs (PulseAudio, PostgreSQL, Chromium, Xvfb, iperf3...),
# a virtualenv with the project and its dev tools, then lint, types and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# One line per rig, so it is clear why each package is here.
DEBS=(
    pulseaudio pulseaudio-utils libportaudio2 portaudio19-dev libasound2-plugins sox espeak-ng   # virtual microphone; voices for the noise-class tests
    postgresql                                                                   # PostgreSQL store
    haproxy                                                                      # several collectors behind a balancer
    chromium fonts-dejavu-core                                                   # dashboard and browser extension in a real browser
    xvfb xdotool x11-utils imagemagick                                           # tray on a virtual X display
    iproute2 iperf3 iputils-ping                                                 # namespaced, shaped network
    systemd                                                                      # systemd-analyze verify
    tshark                                                                       # independent RTP stream analysis for call figures (dumpcap with it)
    coturn                                                                       # a real TURN relay (ChannelData, Send/Data indications) for capture and browser calls
    miniupnpd-nftables                                                           # a real UPnP IGD home router whose reboot the agent must notice
    nodejs                                                                       # the extension's origin list, run in Node
)
missing=()
for package in "${DEBS[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[dev]'

.venv/bin/ruff check agentprobe tests bench tools
.venv/bin/ruff format --check agentprobe tests bench tools
.venv/bin/python tools/import_graph.py
.venv/bin/mypy
.venv/bin/pytest -q -p no:cacheprovider "$@"
