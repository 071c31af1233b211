"""Benchmarks of our ingestion against the alternatives a team would otherwise reach for.

``python -m bench`` starts the simulator once per (N, latency), runs every contender
in its own fresh process several times, and writes ``bench/results.json`` and
``bench/results.md``. See ``bench/README.md``.
"""
