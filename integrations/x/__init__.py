"""X (Twitter) API v2: the client, its query builder, rate-limit budgets, cost meter and OAuth 2.0 PKCE."""
