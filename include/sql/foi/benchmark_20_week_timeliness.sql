-- foi.benchmark_20_week_timeliness: EHC plans issued in the calendar year and the percentage within 20 weeks,
-- including and excluding exceptions (DfE timeliness_20_week.csv, all EHC plans issued)
-- for the LA, England, its region and its ten statistical neighbours (foi.comparators), the published
-- figures exactly as the DfE release gives them (ref.dfe_timeliness_20_week); a neighbour the release lacks for a year is x.
-- The statistical neighbours' average is the mean of their published percentages, to 1 decimal place.
with

published as (
    select * from ref.dfe_timeliness_20_week where breakdown_topic = 'All EHC plans issued' and breakdown = 'All EHC plans issued'
),

comparators as (
    select * from foi.comparators
),

periods as (
    select distinct time_period, time_identifier from published
),

matched as (
    select
        p.time_period,
        p.time_identifier,
        c.sort_order,
        c.comparator,
        c.neighbour_rank,
        c.geographic_level,
        c.la_name as wanted_la_name,
        c.region_name as wanted_region_name,
        d.new_la_code,
        d.old_la_code,
        d.la_name,
        d.region_name,
        d.plans_issued_den,
        d.plans_issued_within_20_weeks,
        d.pc_plans_issued_within_20_weeks,
        d.plans_issued_den_ex,
        d.plans_issued_20_weeks_ex,
        d.pc_plans_issued_20_weeks_ex
    from periods p
    cross join comparators c
    left join published d
        on d.time_period = p.time_period
        and d.geographic_level = c.geographic_level
        and (c.geographic_level = 'National'
             or (c.geographic_level = 'Regional' and d.region_name = c.region_name)
             or (c.geographic_level = 'Local authority' and d.la_name = c.la_name))
),

neighbour_average as (
    select
        time_period,
        time_identifier,
        cast(cast(round(cast(avg(case when translate(pc_plans_issued_within_20_weeks, '0123456789.', '') = '' and pc_plans_issued_within_20_weeks <> ''
                                      then cast(pc_plans_issued_within_20_weeks as double precision) end) as numeric), 1)
                  as double precision) as varchar) as pc_plans_issued_within_20_weeks,
        cast(cast(round(cast(avg(case when translate(pc_plans_issued_20_weeks_ex, '0123456789.', '') = '' and pc_plans_issued_20_weeks_ex <> ''
                                      then cast(pc_plans_issued_20_weeks_ex as double precision) end) as numeric), 1)
                  as double precision) as varchar) as pc_plans_issued_20_weeks_ex
    from matched
    where comparator = 'Statistical neighbour'
    group by time_period, time_identifier
),

final as (
    select
        cast(m.time_period as integer) as time_period,
        m.time_identifier,
        m.geographic_level,
        case when m.geographic_level = 'Local authority' then coalesce(m.new_la_code, 'x') else 'z' end as new_la_code,
        case when m.geographic_level = 'Local authority' then coalesce(m.old_la_code, 'x') else 'z' end as old_la_code,
        case when m.geographic_level = 'Local authority' then coalesce(m.la_name, m.wanted_la_name) else 'z' end
            as la_name,
        case when m.geographic_level = 'National' then 'z'
             else coalesce(m.region_name, m.wanted_region_name, 'x') end as region_name,
        m.comparator,
        m.neighbour_rank,
        m.sort_order,
        coalesce(m.plans_issued_den, 'x') as plans_issued_den,
        coalesce(m.plans_issued_within_20_weeks, 'x') as plans_issued_within_20_weeks,
        coalesce(m.pc_plans_issued_within_20_weeks, 'x') as pc_plans_issued_within_20_weeks,
        coalesce(m.plans_issued_den_ex, 'x') as plans_issued_den_ex,
        coalesce(m.plans_issued_20_weeks_ex, 'x') as plans_issued_20_weeks_ex,
        coalesce(m.pc_plans_issued_20_weeks_ex, 'x') as pc_plans_issued_20_weeks_ex
    from matched m
    union all
    select
        cast(a.time_period as integer),
        a.time_identifier,
        'Statistical neighbours',
        'z',
        'z',
        'z',
        'z',
        'Statistical neighbours average',
        'z',
        99,
        'z',
        'z',
        coalesce(a.pc_plans_issued_within_20_weeks, 'x'),
        'z',
        'z',
        coalesce(a.pc_plans_issued_20_weeks_ex, 'x')
    from neighbour_average a
)

select * from final
