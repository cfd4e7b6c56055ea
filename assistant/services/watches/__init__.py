"""Watches: channels following a hashtag, account or keyword."""
