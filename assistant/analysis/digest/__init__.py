"""Digest analysis: pure functions over a chat's normalized posts, assembled by `build.build_digest`."""

from __future__ import annotations

from assistant.analysis.digest.build import SCHEMA_VERSION, ChatContext, DigestResult, build_digest

__all__ = ["SCHEMA_VERSION", "ChatContext", "DigestResult", "build_digest"]
