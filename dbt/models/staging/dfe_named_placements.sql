-- staging.dfe_named_placements: the setting each plan names (Section I) on a reference day, as the SEN2
-- return's PlanDetail reports it (sen2/scope.py `_plan_detail_table`): the rank-1 placement named in the
-- plan that had started by the plan's cease date (if it ceased on or before the census day) or else the
-- census day, preferring one still current that day, then the latest started. One row per plan and census
-- year, for the plans the DfE's new-plan and ceased-plan tables count.
with

days as (
    select * from {{ ref('census_days') }}
),

plans as (
    select p.plan_id, p.start_date, p.cease_date
    from {{ source('core', 'plan') }} p
    join {{ source('core', 'person') }} pe on pe.person_id = p.person_id
),

reference_days as (
    select
        d.census_year,
        p.plan_id,
        case when p.cease_date <= d.census_date then p.cease_date else d.census_date end as reference_date
    from days d
    join plans p on p.start_date <= d.census_date and (p.cease_date is null or p.cease_date >= d.period_start)
),

ranked as (
    select
        r.census_year,
        r.plan_id,
        s.dfe_column,
        row_number() over (
            partition by r.census_year, r.plan_id
            order by case when s.leaving_date is null or s.leaving_date >= r.reference_date then 1 else 0 end desc,
                     s.entry_date desc nulls last, s.placement_id desc
        ) as rn
    from reference_days r
    join {{ ref('placement_settings') }} s
        on s.plan_id = r.plan_id
        and s.named_in_plan = 1
        and s.placement_rank = 1
        and (s.entry_date is null or s.entry_date <= r.reference_date)
)

select census_year, plan_id, dfe_column from ranked where rn = 1
