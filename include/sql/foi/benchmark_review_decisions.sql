-- foi.benchmark_review_decisions: annual review meetings and decisions communicated within 4 weeks
-- (DfE annual_reviews.csv, all annual reviews; column names as published)
-- for the LA, England, its region and its ten statistical neighbours (foi.comparators), the published
-- figures exactly as the DfE release gives them (ref.dfe_annual_reviews); a neighbour the release lacks for a year is x.
-- The statistical neighbours' average is the mean of their published percentages, to 1 decimal place.
with

published as (
    select * from ref.dfe_annual_reviews where breakdown_topic = 'All annual reviews' and breakdown = 'All annual reviews'
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
        d.total_review_meeting,
        d.number_decsion_4weeks,
        d.number_decision_gt_4weeks,
        d.pc_decsion_4weeks
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
        cast(cast(round(cast(avg(case when translate(pc_decsion_4weeks, '0123456789.', '') = '' and pc_decsion_4weeks <> ''
                                      then cast(pc_decsion_4weeks as double precision) end) as numeric), 1)
                  as double precision) as varchar) as pc_decsion_4weeks
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
        coalesce(m.total_review_meeting, 'x') as total_review_meeting,
        coalesce(m.number_decsion_4weeks, 'x') as number_decsion_4weeks,
        coalesce(m.number_decision_gt_4weeks, 'x') as number_decision_gt_4weeks,
        coalesce(m.pc_decsion_4weeks, 'x') as pc_decsion_4weeks
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
        'z',
        coalesce(a.pc_decsion_4weeks, 'x')
    from neighbour_average a
)

select * from final
