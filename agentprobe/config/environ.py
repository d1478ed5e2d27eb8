"""The environment the agent runs OS tools in: the C locale, so their output is English.

Tools translated with gettext (pactl, nmcli, iw's neighbours) print labels and values
such as "Corked: áno" in the user's language; LC_ALL=C selects the untranslated
messages (POSIX.1-2017 §8.2: LC_ALL overrides every LC_* category and LANG), and GNU
gettext ignores LANGUAGE when the locale is "C". LANGUAGE is dropped all the same, for
tools that read it directly.
"""

from __future__ import annotations

from collections.abc import Mapping


def c_locale(environ: Mapping[str, str]) -> dict[str, str]:
    """A copy of `environ` with LC_ALL=C and LANG=C, and LANGUAGE removed."""
    env = {key: value for key, value in environ.items() if key != "LANGUAGE"}
    env.update(LC_ALL="C", LANG="C")
    return env
