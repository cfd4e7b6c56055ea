"""The Slack front door: the Bolt app factory, listeners, Block Kit builders and payload parsing."""
