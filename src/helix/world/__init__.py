"""The simulated system: pure, deterministic, no I/O and no printing."""
