"""Clients for the outside services: X, twarc archives, Mastodon, Bluesky, Yammer."""
