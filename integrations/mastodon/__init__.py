"""Mastodon: a hashtag-timeline client over httpx and the status/account parser (one instance's view only)."""
