"""Tests of the X API v2 client, its budgets, costs, OAuth and spec conformance."""
