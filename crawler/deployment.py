"""What differs between deployments: the archive URL, the contact URL, the public base URL, the
sites' base URLs, and any other ``MF_`` setting, given in the environment or with ``-s``.

Every ``MF_`` setting of ``crawler/settings.py`` may be given in the process's environment under
its own name (a cron line, a Scrapyd node's service file: Scrapyd's jobs inherit its
environment), as text, exactly as ``-s NAME=VALUE`` would give it; ``-s`` (and Scrapyd's
``setting=NAME=VALUE``) wins over the environment, which wins over the defaults. No second
configuration system: the names, the parsing and the precedence are Scrapy's settings'.

The User-Agent names the contact URL: :class:`ContactInUserAgent`, a Scrapy add-on, makes it
follow ``MF_CONTACT_URL`` however that was given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crawler import __version__

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: The prefix of our own settings (the only ones read from the environment).
PREFIX = "MF_"


def from_environment(defaults: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``MF_`` settings among ``defaults`` (a settings module's names) that ``environ``
    (default: ``os.environ``) gives, as their text. Names the settings do not define are left
    alone (the environment holds other programs' variables too)."""
    environ = os.environ if environ is None else environ
    return {name: value for name, value in environ.items() if name.startswith(PREFIX) and name in defaults}


def user_agent(contact_url: str) -> str:
    """The User-Agent of every request: the project, its version and where to reach its operator."""
    return f"ministry-feeds/{__version__} (+{contact_url})"


class ContactInUserAgent:
    """A Scrapy add-on: the User-Agent names ``MF_CONTACT_URL`` as the crawl got it (from
    ``-s``, a Scrapyd ``setting=``, the environment or the default), unless ``USER_AGENT``
    itself was given on the command line."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.getpriority("MF_CONTACT_URL") or 0
        # Both from the settings module (the environment included): USER_AGENT was built from it.
        if (settings.getpriority("USER_AGENT") or 0) < contact:
            settings.set("USER_AGENT", user_agent(settings.get("MF_CONTACT_URL")), priority=contact)
