"""httpcore_lite's benchmarks: ``python3 dev.py bench`` (or ``python -m benchmarks``)."""
