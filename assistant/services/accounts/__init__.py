"""The team's public accounts: connecting, credentials and hand-over."""
