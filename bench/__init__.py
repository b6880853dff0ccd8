"""Herald's benchmarks: `make bench` (python -m bench) runs them all and prints a table.

Every figure is a ratio or a count measured in the same run as its baseline,
so the verdicts hold on a small, noisy machine. Nothing here talks to
anything but 127.0.0.1.
"""
