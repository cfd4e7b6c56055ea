"""Outreach Assistant: connects an organisation's Slack with the public conversation on X, Mastodon and Bluesky."""

__version__ = "0.1.0"
