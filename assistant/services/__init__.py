"""Use cases: plain functions taking a Session and inputs; no Slack objects inside."""
