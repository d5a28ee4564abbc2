-- pack.quarantine_rates: share of extracted rows quarantined, by source and night (ops.run_log), the
-- last 60 nights with rows extracted.
with

runs as (
    select * from ops.run_log where rows_extracted > 0
),

by_night as (
    select
        as_at,
        source,
        sum(rows_extracted) as rows_extracted,
        sum(rows_quarantined) as rows_quarantined
    from runs
    group by as_at, source
),

nights as (
    select distinct as_at from by_night order by as_at desc limit 60
),

final as (
    select b.as_at, b.source, b.rows_extracted, b.rows_quarantined
    from by_night b
    join nights n on n.as_at = b.as_at
)

select * from final order by as_at, source
