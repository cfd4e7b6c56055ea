"""Yammer / Viva Engage REST v1 client (delegated bearer token from Entra ID or Yammer OAuth)."""
