"""The team itself: its workspace row, members' roles, settings and the audit log."""
