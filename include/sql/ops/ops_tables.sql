-- Operational tables: what every run extracted, loaded and quarantined. No personal data here:
-- records are located by file + row or by the source's own id, never by name, UPN or date of birth.

CREATE TABLE IF NOT EXISTS ops.run_log (
    run_id           VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    entity           VARCHAR NOT NULL,
    as_at            DATE,
    extract_mode     VARCHAR,          -- full | incremental | files | unchanged
    rows_extracted   BIGINT,
    rows_loaded      BIGINT,
    rows_quarantined BIGINT,
    rows_warned      BIGINT,
    reconciled       BOOLEAN,
    status           VARCHAR,          -- loaded | unchanged | partial (files of the source stopped)
    message          VARCHAR,
    loaded_at        TIMESTAMP
);

CREATE TABLE IF NOT EXISTS ops.loaded_file (
    sha256     VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    run_id     VARCHAR NOT NULL,
    rows_in    BIGINT,
    loaded_at  TIMESTAMP
);

CREATE TABLE IF NOT EXISTS ops.watermark (
    entity          VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    low_watermark   TIMESTAMP,
    high_watermark  TIMESTAMP,
    recorded_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS ops.quarantine (
    run_id       VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    entity       VARCHAR NOT NULL,
    source_file  VARCHAR,
    source_row   BIGINT,
    record_key   VARCHAR,
    rule         VARCHAR,
    column_name  VARCHAR,
    reason       VARCHAR
);

-- Warnings (rows loaded but flagged) are recorded exactly as quarantined rows are: one definition.
CREATE TABLE IF NOT EXISTS ops.quality_warning AS SELECT * FROM ops.quarantine WHERE 1 = 0;

-- Keys of CMS rows quarantined and not loaded since: re-extracted by the next incremental run.
CREATE TABLE IF NOT EXISTS ops.open_quarantine (
    entity      VARCHAR NOT NULL,
    record_key  VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL
);

-- What the retention task deleted: raw landing partitions and run quality folders past retention.
CREATE TABLE IF NOT EXISTS ops.purge_log (
    run_id      VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,   -- landing | quality
    path        VARCHAR NOT NULL,
    bytes       BIGINT,
    created_at  TIMESTAMP,
    purged_at   TIMESTAMP
)
;

-- Every mart build: the as-at date it was built for (a rerun of an older night never rewinds the marts:
-- nightly/marts.py reads the latest row) and the run's own as-at when that differed.
CREATE TABLE IF NOT EXISTS ops.marts_build (
    run_id      VARCHAR NOT NULL,
    la_code     VARCHAR,
    as_at       DATE NOT NULL,
    run_as_at   DATE,
    built_at    TIMESTAMP
);

-- The LA a run belongs to (multi-LA consortium mode: each LA's warehouse records its own code).
ALTER TABLE ops.run_log ADD COLUMN IF NOT EXISTS la_code VARCHAR;
ALTER TABLE ops.quarantine ADD COLUMN IF NOT EXISTS la_code VARCHAR;
ALTER TABLE ops.quality_warning ADD COLUMN IF NOT EXISTS la_code VARCHAR;

-- Rows this run deleted because the CMS no longer has them, its key scan (nightly/deletions.py), cascades included.
ALTER TABLE ops.run_log ADD COLUMN IF NOT EXISTS rows_deleted BIGINT
