"""The Jinja2 environment: templates shipped in the package, autoescape for HTML, StrictUndefined."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from assistant.render.mrkdwn import escape as mrkdwn_escape
from assistant.render.wording import counted, in_words, plural, when


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("assistant", "render/templates"),
        autoescape=select_autoescape(["html", "htm", "xml", "svg"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mrkdwn"] = mrkdwn_escape
    env.filters["counted"] = counted  # {{ n | counted("answer") }}: "1 answer", "2 answers"
    env.filters["in_words"] = in_words  # {{ n | in_words("earlier chat") }}: "one earlier chat"
    env.filters["plural"] = lambda singular, count: plural(singular, count)
    env.filters["when"] = when  # {{ iso | when(zone) }}: "Thu 12 Mar, 21:05" in the team's zone
    env.filters["localtime"] = lambda value, zone="UTC", fmt="%a %d %b %Y %H:%M %Z": value.astimezone(
        ZoneInfo(zone)
    ).strftime(fmt)
    return env


def render(template: str, **context: object) -> str:
    """Render a packaged template by name (e.g. "digest/archive.html")."""
    return environment().get_template(template).render(**context)
