"""Benchmarks with their own commands; not part of the test run."""
