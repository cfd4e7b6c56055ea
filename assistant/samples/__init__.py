"""Synthetic data for demos, tests and benchmarks (e.g. a realistic hashtag chat as twarc2 JSONL)."""
