"""The team's settings: channels, weekly slot, posting targets, post languages, cross-posting; every change audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from assistant.models.accounts import ConnectedAccount
from assistant.models.base import require_id
from assistant.models.workspaces import Workspace
from assistant.services.team import audit

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_HOUR = 9
COLUMN_FIELDS = ("comms_channel_id", "comms_usergroup_id", "digest_channel_id", "timezone")
JSON_FIELDS = ("weekly_weekday", "weekly_hour", "yammer_crosspost", "yammer_group_id", "post_langs", "x_monthly_budget")
MAX_MONTHLY_BUDGET = 1_000_000.0
DEFAULT_POST_LANGS = ("en",)
MAX_POST_LANGS = 3  # app.bsky.feed.post `langs` holds at most three
# A BCP 47 tag as Bluesky's `language` format takes it: a 2-3 letter language, then subtags (script, region...).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


class SettingsError(ValueError):
    """A setting value that cannot be used; `field` names the form block."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class WeeklySlot:
    weekday: int  # 0 = Monday
    hour: int
    timezone: str

    def describe(self) -> str:
        return f"{WEEKDAYS[self.weekday]}s at {self.hour:02d}:00 ({self.timezone})"


def weekly_slot(workspace: Workspace) -> WeeklySlot:
    settings = workspace.settings or {}
    return WeeklySlot(
        weekday=int(settings.get("weekly_weekday", DEFAULT_WEEKDAY)),
        hour=int(settings.get("weekly_hour", DEFAULT_HOUR)),
        timezone=workspace.timezone or "Europe/London",
    )


def yammer_crosspost(workspace: Workspace) -> bool:
    return bool((workspace.settings or {}).get("yammer_crosspost", False))


def yammer_group_id(workspace: Workspace) -> str | None:
    value = (workspace.settings or {}).get("yammer_group_id")
    return str(value) if value else None


def post_langs(workspace: Workspace | None) -> tuple[str, ...]:
    """The languages the team's chat posts declare on Bluesky (`langs`), English unless set."""
    value = (workspace.settings or {}).get("post_langs") if workspace is not None else None
    return tuple(value) if value else DEFAULT_POST_LANGS


def _language_tags(value: Any) -> list[str] | None:
    """ "en, cy" as ["en", "cy"]; None when blank (the default); SettingsError naming what is wrong."""
    tags = [part.strip() for part in re.split(r"[,\s]+", str(value or "")) if part.strip()]
    if not tags:
        return None
    wrong = [tag for tag in tags if not _LANGUAGE_TAG.fullmatch(tag)]
    if wrong:
        raise SettingsError(
            "post_langs", f"{wrong[0][:40]!r} is not a language tag; use tags like en, cy or pt-BR, comma-separated."
        )
    if len(tags) > MAX_POST_LANGS:
        raise SettingsError("post_langs", f"Bluesky takes at most {MAX_POST_LANGS} languages a post.")
    return list(dict.fromkeys(tags))


def x_monthly_budget(workspace: Workspace | None) -> float | None:
    """The team's monthly X budget in US dollars (None: no budget set)."""
    value = (workspace.settings or {}).get("x_monthly_budget") if workspace is not None else None
    return float(value) if value is not None else None


def _budget(value: Any) -> float | None:
    text = str(value or "").strip().lstrip("$").replace(",", "")
    if not text:
        return None
    try:
        budget = float(text)
    except ValueError:
        raise SettingsError("x_monthly_budget", "The budget is a number of US dollars, e.g. 200.") from None
    if not 0 <= budget <= MAX_MONTHLY_BUDGET or budget != budget:
        raise SettingsError("x_monthly_budget", f"The budget is between $0 and ${MAX_MONTHLY_BUDGET:,.0f} a month.")
    return round(budget, 2)


def check(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise submitted values (raises SettingsError naming the field)."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "timezone":
            try:
                ZoneInfo(str(value))
            except (ZoneInfoNotFoundError, ValueError):
                raise SettingsError(
                    "timezone", f"{value!r} is not a time zone; use an IANA name like Europe/London."
                ) from None
            clean[key] = str(value)
        elif key == "weekly_weekday":
            if int(value) not in range(7):
                raise SettingsError("weekly_weekday", "Pick a weekday.")
            clean[key] = int(value)
        elif key == "weekly_hour":
            if int(value) not in range(24):
                raise SettingsError("weekly_hour", "The hour is 0 to 23.")
            clean[key] = int(value)
        elif key == "post_langs":
            clean[key] = _language_tags(value)
        elif key == "x_monthly_budget":
            clean[key] = _budget(value)
        elif key.startswith("target:"):
            try:
                target = int(str(value).strip())
            except ValueError:
                raise SettingsError(key, "The target is a whole number of posts a day.") from None
            if not 0 <= target <= 100:
                raise SettingsError(key, "The target is between 0 and 100 posts a day.")
            clean[key] = target
        elif key in COLUMN_FIELDS or key in JSON_FIELDS:
            clean[key] = (value or None) if key in COLUMN_FIELDS else (None if value == "" else value)
        else:
            raise SettingsError(key, f"Unknown setting {key}.")
    return clean


def update_settings(
    session: Session, *, workspace: Workspace, changes: dict[str, Any], actor: str, now: datetime
) -> list[str]:
    """Apply the changed values (one audit entry each, with before and after); returns the names changed."""
    changed: list[str] = []
    for key, value in check(changes).items():
        if key.startswith("target:"):
            account = session.get(ConnectedAccount, int(key.split(":", 1)[1]))
            if account is None or account.workspace_id != workspace.id or account.daily_post_target == value:
                continue
            before: Any = account.daily_post_target
            account.daily_post_target = value
            account.updated_at = now
            session.add(account)
        elif key in COLUMN_FIELDS:
            before = getattr(workspace, key)
            if before == value or (key == "timezone" and not value):
                continue
            setattr(workspace, key, value)
        else:
            before = (workspace.settings or {}).get(key)
            if before == value:
                continue
            workspace.settings = {**(workspace.settings or {}), key: value}
        changed.append(key)
        audit.log(session, "settings.changed", workspace, actor=actor, setting=key, before=before, after=value)
    if changed:
        workspace.updated_at = now
        session.add(workspace)
    session.commit()
    return changed


def accounts_for_targets(session: Session, workspace_id: int) -> list[ConnectedAccount]:
    return list(session.exec(select(ConnectedAccount).where(ConnectedAccount.workspace_id == workspace_id)))


def current(session: Session, workspace_id: int) -> dict[str, Any]:
    """The settings form's values as stored: channels, weekly slot, Yammer, languages, X budget, posting targets."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise SettingsError("timezone", "This workspace is not set up yet; try again.")
    slot = weekly_slot(workspace)
    return {
        "comms_usergroup_id": workspace.comms_usergroup_id,
        "comms_channel_id": workspace.comms_channel_id,
        "digest_channel_id": workspace.digest_channel_id,
        "weekday": slot.weekday,
        "hour": slot.hour,
        "timezone": slot.timezone,
        "yammer_crosspost": yammer_crosspost(workspace),
        "yammer_group_id": yammer_group_id(workspace),
        "post_langs": post_langs(workspace),
        "x_monthly_budget": x_monthly_budget(workspace),
        "targets": [
            (require_id(a), a.handle, a.daily_post_target) for a in accounts_for_targets(session, workspace_id)
        ],
    }


def update(session: Session, *, workspace_id: int, changes: dict[str, Any], actor: str, now: datetime) -> list[str]:
    """update_settings for the workspace with this id (commits); returns the names changed."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise SettingsError("timezone", "This workspace is not set up yet; try again.")
    return update_settings(session, workspace=workspace, changes=changes, actor=actor, now=now)
