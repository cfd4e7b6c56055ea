"""The weekly digest of a team."""
