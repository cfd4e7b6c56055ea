"""Bluesky (AT Protocol): an app-password session client for searchPosts / getPostThread and the postView parser."""
