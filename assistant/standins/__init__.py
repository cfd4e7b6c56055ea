"""Local stand-ins for outside services, used by `outreach demo`, the tests and the benchmarks."""
