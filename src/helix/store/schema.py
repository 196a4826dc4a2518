"""The store's tables: every ``CREATE`` statement, run when a store is opened for writing.

Runs and their indicators, events and snapshots; experiments (:mod:`helix.store.experiments`),
calibrations (:mod:`helix.store.calibrations`) and discoveries (:mod:`helix.store.discoveries`). Adding a column here means adding it to
its writer in the subject's module.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    scenario_name VARCHAR,
    scenario_json JSON,
    seed UBIGINT,
    helix_version VARCHAR,
    started TIMESTAMP,
    finished TIMESTAMP,
    status VARCHAR,
    error VARCHAR,
    experiment_id VARCHAR,
    variant VARCHAR,
    replicate INTEGER,
    sweep_point INTEGER
);
-- What a run of an experiment kept of its indicators (helix.experiments.keep): NULL is every
-- indicator (runs outside experiments, and every run stored before experiments kept less).
ALTER TABLE runs ADD COLUMN IF NOT EXISTS kept JSON;
CREATE TABLE IF NOT EXISTS indicators (
    run_id VARCHAR,
    date VARCHAR,
    city VARCHAR,
    district VARCHAR,
    sector VARCHAR,
    indicator VARCHAR,
    value DOUBLE
);
CREATE TABLE IF NOT EXISTS firm_events (
    run_id VARCHAR,
    date VARCHAR,
    firm_id BIGINT,
    city VARCHAR,
    sector VARCHAR,
    event VARCHAR,
    amount DOUBLE,
    origin VARCHAR,
    institution VARCHAR
);
-- Stores written before firms' origins were recorded gain the columns (NULL in old runs).
ALTER TABLE firm_events ADD COLUMN IF NOT EXISTS origin VARCHAR;
ALTER TABLE firm_events ADD COLUMN IF NOT EXISTS institution VARCHAR;
CREATE TABLE IF NOT EXISTS firm_snapshots (
    run_id VARCHAR,
    date VARCHAR,
    firm_id BIGINT,
    city VARCHAR,
    sector VARCHAR,
    age_months INTEGER,
    employees DOUBLE,
    revenue DOUBLE,
    valuation DOUBLE
);
-- Experiments (helix.experiments): the file as given and resolved, its sweep points, each
-- run's outcomes, and the summary (mean and 90% band per variant, difference from the
-- baseline with its confidence interval, Sobol or Morris indices per parameter).
CREATE TABLE IF NOT EXISTS experiments (
    experiment_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    file VARCHAR,
    file_text VARCHAR,
    resolved_json JSON,
    total_runs INTEGER,
    helix_version VARCHAR,
    created TIMESTAMP,
    updated TIMESTAMP
);
CREATE TABLE IF NOT EXISTS experiment_points (
    experiment_id VARCHAR,
    sweep_point INTEGER,
    parameter VARCHAR,
    key VARCHAR,
    value DOUBLE
);
CREATE TABLE IF NOT EXISTS experiment_outcomes (
    experiment_id VARCHAR,
    run_id VARCHAR,
    variant VARCHAR,
    replicate INTEGER,
    sweep_point INTEGER,
    outcome VARCHAR,
    value DOUBLE
);
CREATE TABLE IF NOT EXISTS experiment_summaries (
    experiment_id VARCHAR,
    variant VARCHAR,
    outcome VARCHAR,
    statistic VARCHAR,
    parameter VARCHAR,
    value DOUBLE,
    low DOUBLE,
    high DOUBLE,
    n INTEGER,
    failed INTEGER
);
CREATE VIEW IF NOT EXISTS experiment_sensitivity AS
    SELECT experiment_id, variant, outcome, parameter, statistic AS "index", value,
        high - value AS conf
    FROM experiment_summaries WHERE parameter IS NOT NULL;
-- Calibrations (helix.experiments.calibration): the best candidate of a study, its fit per
-- target over fresh seeds, the identifiability of each free parameter, the correlation of the
-- parameters among the top trials, and profiles re-run along each parameter.
CREATE TABLE IF NOT EXISTS calibrations (
    calibration_id VARCHAR PRIMARY KEY,
    created TIMESTAMP,
    scenario_name VARCHAR,
    study_name VARCHAR,
    study_file VARCHAR,
    trials INTEGER,
    seeds JSON,
    fit_seeds JSON,
    scale DOUBLE,
    until VARCHAR,
    best_trial INTEGER,
    best_loss DOUBLE,
    fit_loss DOUBLE,
    best_values JSON,
    calibrated_toml VARCHAR,
    scenario_json JSON,
    command VARCHAR,
    helix_version VARCHAR
);
CREATE TABLE IF NOT EXISTS calibration_fit (
    calibration_id VARCHAR,
    target VARCHAR,
    indicator VARCHAR,
    statistic VARCHAR,
    comparison VARCHAR,
    simulated_mean DOUBLE,
    simulated_sd DOUBLE,
    simulated_first_mean DOUBLE,
    report DOUBLE,
    tolerance DOUBLE,
    within BOOLEAN,
    seeds_within DOUBLE,
    seeds INTEGER,
    loss DOUBLE,
    source VARCHAR
);
CREATE TABLE IF NOT EXISTS calibration_parameters (
    calibration_id VARCHAR,
    parameter VARCHAR,
    low DOUBLE,
    high DOUBLE,
    log_scale BOOLEAN,
    start_value DOUBLE,
    best DOUBLE,
    top_mean DOUBLE,
    top_sd DOUBLE,
    top_q10 DOUBLE,
    top_q90 DOUBLE,
    top_width DOUBLE,
    profile_low DOUBLE,
    profile_high DOUBLE,
    profile_width DOUBLE,
    importance DOUBLE,
    verdict VARCHAR
);
CREATE TABLE IF NOT EXISTS calibration_correlations (
    calibration_id VARCHAR,
    parameter VARCHAR,
    other VARCHAR,
    correlation DOUBLE
);
CREATE TABLE IF NOT EXISTS calibration_profiles (
    calibration_id VARCHAR,
    parameter VARCHAR,
    value DOUBLE,
    loss DOUBLE
);
-- The best-fitting candidates held against the validation facts (helix calibrate --facts N):
-- their rank by fit, trial, loss, how many facts each passed and which it failed, and which
-- one was shipped.
CREATE TABLE IF NOT EXISTS calibration_facts (
    calibration_id VARCHAR,
    rank INTEGER,
    trial INTEGER,
    loss DOUBLE,
    passed INTEGER,
    facts INTEGER,
    failed VARCHAR,
    error VARCHAR,
    chosen BOOLEAN
);
-- Scenario discoveries (helix discover, helix.ema.discovery): PRIM over a stored experiment's
-- runs for a rule on one outcome; each box of the peeling trajectory, every box's limits on
-- every swept parameter (with quasi-p values where it restricts one), and each parameter's
-- range and feature score.
CREATE TABLE IF NOT EXISTS discoveries (
    discovery_id VARCHAR PRIMARY KEY,
    experiment_id VARCHAR,
    experiment VARCHAR,
    file VARCHAR,
    variant VARCHAR,
    rule VARCHAR,
    outcome VARCHAR,
    comparison VARCHAR,
    value DOUBLE,
    cases INTEGER,
    of_interest INTEGER,
    left_out INTEGER,
    threshold DOUBLE,
    chosen_box INTEGER,
    why VARCHAR,
    ema_version VARCHAR,
    helix_version VARCHAR,
    created TIMESTAMP
);
CREATE TABLE IF NOT EXISTS discovery_boxes (
    discovery_id VARCHAR,
    box INTEGER,
    coverage DOUBLE,
    density DOUBLE,
    mass DOUBLE,
    restricted INTEGER
);
CREATE TABLE IF NOT EXISTS discovery_limits (
    discovery_id VARCHAR,
    box INTEGER,
    parameter VARCHAR,
    low DOUBLE,
    high DOUBLE,
    restricted BOOLEAN,
    quasi_p_low DOUBLE,
    quasi_p_high DOUBLE
);
CREATE TABLE IF NOT EXISTS discovery_parameters (
    discovery_id VARCHAR,
    parameter VARCHAR,
    role VARCHAR,
    key VARCHAR,
    low DOUBLE,
    high DOUBLE,
    score DOUBLE
);
"""
