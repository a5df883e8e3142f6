"""Benchmarks: scripts that measure the portal and print figures (see docs/performance.md)."""
