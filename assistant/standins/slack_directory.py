"""The Slack stand-in's directory methods: users.info, usergroups.users.list, conversations.members and .open."""

from __future__ import annotations

from typing import Any

from assistant.standins.slack_workspace import TEAM_ID, Workspace


def users_info(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    person = workspace.users.get(str(args.get("user") or ""))
    if person is None:
        return {"ok": False, "error": "user_not_found"}
    return {
        "ok": True,
        "user": {
            "id": person.id,
            "team_id": TEAM_ID,
            "name": person.name,
            "real_name": person.real_name,
            "deleted": person.deleted,
            "color": "9f69e7",
            "tz": person.tz,
            "tz_label": person.tz,
            "tz_offset": 0,
            "is_admin": person.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": {
                "real_name": person.real_name,
                "display_name": person.name,
                "real_name_normalized": person.real_name,
                "display_name_normalized": person.name,
                "avatar_hash": "ge3b51ca72de",
                "title": person.title,
                "phone": "",
                "skype": "",
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
                "team": TEAM_ID,
                "fields": None,
                "first_name": person.real_name.split()[0],
                "last_name": person.real_name.split()[-1],
                "image_24": "https://example.invalid/24.png",
                "image_32": "https://example.invalid/32.png",
                "image_48": "https://example.invalid/48.png",
                "image_72": "https://example.invalid/72.png",
                "image_192": "https://example.invalid/192.png",
                "image_512": "https://example.invalid/512.png",
                # as on Slack: the address only for a token granted users:read.email, the key absent otherwise
                **({"email": person.email} if person.email and "users:read.email" in workspace.granted() else {}),
            },
        },
    }


def usergroup_users(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    group = str(args.get("usergroup") or "")
    if group not in workspace.usergroups:
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": list(workspace.usergroups[group])}


def conversation_members(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel") or "")
    if channel not in workspace.channel_members:
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "members": list(workspace.channel_members[channel]), "response_metadata": {"next_cursor": ""}}


def conversation_open(workspace: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    users = str(args.get("users") or "")
    if not users:
        return {"ok": False, "error": "users_list_not_supplied"}
    return {"ok": True, "channel": {"id": "D" + users.split(",")[0].removeprefix("U")}}
