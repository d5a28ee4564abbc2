-- marts.coordinator_caseload: plans held by each officer at each quarter end since January 2018
-- (first quarter end 31 March 2018), with role, grade and FTE. A plan counts at a quarter end when it
-- is active that day (started, not yet ceased) and assigned to the officer that day.
with

quarter_ends as (
    select cast(g.quarter_start - interval '1 day' as date) as quarter_end
    from generate_series(timestamp '2018-04-01', timestamp '2040-01-01', interval '3 months') as g(quarter_start)
),

officers as (
    select * from {{ source('core', 'officer') }}
),

assignments as (
    select * from {{ source('core', 'coordinator_assignment') }}
),

plans as (
    select plan_id, start_date, cease_date from {{ source('core', 'plan') }}
),

held as (
    select q.quarter_end, a.officer_id, count(distinct a.plan_id) as active_plans
    from quarter_ends q
    join assignments a on a.from_date <= q.quarter_end and (a.to_date is null or a.to_date >= q.quarter_end)
    join plans p on p.plan_id = a.plan_id
        and p.start_date <= q.quarter_end and (p.cease_date is null or p.cease_date > q.quarter_end)
    where q.quarter_end <= {{ as_at() }}
    group by q.quarter_end, a.officer_id
),

employed as (
    select q.quarter_end, o.*
    from quarter_ends q
    join officers o on (o.start_date is null or o.start_date <= q.quarter_end)
        and (o.end_date is null or o.end_date >= q.quarter_end)
    where q.quarter_end <= {{ as_at() }}
),

final as (
    select
        e.officer_key,
        e.role,
        e.grade,
        e.fte,
        e.is_agency,
        e.quarter_end,
        coalesce(h.active_plans, 0) as active_plans,
        round(cast(coalesce(h.active_plans, 0) / nullif(e.fte, 0) as numeric), 1) as plans_per_fte,
        {{ as_at() }} as as_at
    from employed e
    left join held h on h.quarter_end = e.quarter_end and h.officer_id = e.officer_id
    where e.role like '%Co-ordinator%' or h.active_plans is not null
)

select * from final
