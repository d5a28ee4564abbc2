-- pack.plans_trend: EHC plans at each January census, the last five census years: the LA's own count
-- on the census day (foi.plans_by_need_age_setting, its all-needs/all-ages/all-settings total, from the
-- CMS) beside this LA, its region and England as the DfE publishes them (foi.benchmark_plans, from
-- ref.dfe_caseload; the release runs a year behind).
with

published as (
    select time_period, comparator, ehcplans from foi.benchmark_plans
    where comparator in ('This LA', 'Region', 'England')
),

own as (
    select time_period, plans from foi.plans_by_need_age_setting
    where primary_need = 'Total' and age_band = 'Total' and setting_type = 'Total'
),

both_sources as (
    select
        time_period,
        comparator,
        case when ehcplans in ('c', 'x', 'z', 'u', 'low', '') then null else cast(ehcplans as numeric) end as plans
    from published
    union all
    select time_period, 'This LA (own records)' as comparator, cast(plans as numeric) as plans
    from own
),

recent as (
    select distinct time_period from both_sources order by time_period desc limit 5
),

final as (
    select b.time_period, b.comparator, b.plans
    from both_sources b
    join recent r on r.time_period = b.time_period
)

select * from final order by time_period, comparator
