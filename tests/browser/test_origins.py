"""The extension's origin list (extension/origins.js), run in Node with a stand-in `chrome`.

Which sites the page script is registered on decides where the extension runs at all:
IT's managed list wins, then the options page's, then the built-in softphone list, and
only https patterns (or http on localhost/127.0.0.1) survive, without ports (Chrome
match patterns cannot carry one).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ORIGINS_JS = Path(__file__).resolve().parents[2] / "extension" / "origins.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js absent (Debian package nodejs)")

SCRIPT = """
const [managed, local] = JSON.parse(process.argv[1]);
const area = (value) => ({get: async () => (value === null ? {} : {origins: value})});
globalThis.chrome = {storage: {managed: area(managed), local: area(local)}};
const {allowedOrigins, DEFAULT_ORIGINS} = await import(process.argv[2]);
const result = await allowedOrigins();
console.log(JSON.stringify({...result, defaults: DEFAULT_ORIGINS.length}));
"""


def allowed(managed: Any, local: Any = None) -> dict[str, Any]:
    done = subprocess.run(
        [str(NODE), "--input-type=module", "-e", SCRIPT, json.dumps([managed, local]),
         ORIGINS_JS.as_uri()],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_without_a_list_the_built_in_softphones_apply() -> None:
    result = allowed(None)
    assert result["source"] == "built-in" and len(result["origins"]) == result["defaults"] == 13
    assert "https://*.my.connect.aws/*" in result["origins"]
    assert "https://flex.twilio.com/*" in result["origins"]


def test_its_managed_list_wins_and_is_cleaned() -> None:
    managed = [
        "https://softphone.example.com",
        "https://*.example.org/*",
        "HTTPS://Upper.Example.com/*",
        "http://127.0.0.1:8080",
        "http://intranet.example.com/*",
        "<all_urls>",
        "*://*/*",
        "https://*/*",
        "file:///etc/*",
        42,
    ]
    result = allowed(managed, ["https://user-choice.example.com/*"])
    assert result == {
        "origins": [
            "https://softphone.example.com/*",
            "https://*.example.org/*",
            "https://upper.example.com/*",
            "http://127.0.0.1/*",
        ],
        "source": "managed",
        "defaults": 13,
    }


def test_the_options_list_applies_when_it_sets_none() -> None:
    result = allowed(None, ["https://softphone.example.com/*"])
    assert result["source"] == "options" and result["origins"] == [
        "https://softphone.example.com/*"
    ]


def test_an_empty_managed_list_means_nowhere() -> None:
    assert allowed([])["origins"] == []
