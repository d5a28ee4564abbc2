-- pack.plans_trend: EHC plans at each January census, this LA beside its region and England, as the
-- DfE publishes them (foi.benchmark_plans, from ref.dfe_caseload); the last five years.
with

published as (
    select * from foi.benchmark_plans where comparator in ('This LA', 'Region', 'England')
),

recent as (
    select distinct time_period from published order by time_period desc limit 5
),

final as (
    select
        p.time_period,
        p.comparator,
        case when p.ehcplans in ('c', 'x', 'z', 'u', 'low', '') then null else cast(p.ehcplans as numeric) end as plans
    from published p
    join recent r on r.time_period = p.time_period
)

select * from final order by time_period, comparator
