"""Rendering: Jinja2 templates for HTML and text, and escaping for Slack mrkdwn."""
