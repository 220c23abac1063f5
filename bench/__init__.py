"""Benchmarks: reproducible from one command each, with same-run baselines."""
