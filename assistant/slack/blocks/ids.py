"""Every action, callback, block and event id the app registers, in one place (the manifest test reads these)."""

from __future__ import annotations

COMMAND = "/outreach"

# Actions
HELP_SHOW_SUBCOMMAND = "help_show_subcommand"
HOME_REFRESH = "home_refresh"
HOME_REQUEST_MAPPING = "home_request_mapping"
HOME_SCHEDULE_CHAT = "home_schedule_chat"
HOME_ADD_CONTACT = "home_add_contact"

ACTIONS = (HELP_SHOW_SUBCOMMAND, HOME_REFRESH)

# Shortcuts (global and message) and view callbacks: added by the features that own them.
GLOBAL_SHORTCUTS: tuple[str, ...] = ()
MESSAGE_SHORTCUTS: tuple[str, ...] = ()
VIEW_CALLBACKS: tuple[str, ...] = ()

# Events the app subscribes to
EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")

# Blocks
HELP_BLOCK = "help_subcommands"
HOME_HEADER = "home_header"
