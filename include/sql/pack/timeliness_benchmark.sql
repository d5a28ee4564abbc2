-- pack.timeliness_benchmark: % of new EHC plans issued within 20 weeks, including and excluding
-- exception cases, for this LA (as published), its region and England (foi.benchmark_20_week_timeliness).
with

published as (
    select * from foi.benchmark_20_week_timeliness where comparator in ('This LA', 'Region', 'England')
),

recent as (
    select distinct time_period from published order by time_period desc limit 6
),

final as (
    select
        p.time_period as year,
        p.comparator,
        case when p.pc_plans_issued_within_20_weeks in ('c', 'x', 'z', 'u', 'low', '') then null
             else cast(p.pc_plans_issued_within_20_weeks as numeric) end as pct_within_20_weeks,
        case when p.pc_plans_issued_20_weeks_ex in ('c', 'x', 'z', 'u', 'low', '') then null
             else cast(p.pc_plans_issued_20_weeks_ex as numeric) end as pct_within_20_weeks_ex
    from published p
    join recent r on r.time_period = p.time_period
)

select * from final order by year, comparator
