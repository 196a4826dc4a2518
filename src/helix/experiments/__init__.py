"""What to run and where: targets, variants, replicates, sweeps, calibration, executors."""
