-- foi.coordinator_caseloads: officers by role and pay grade at each quarter end since January 2018, with
-- the EHC plans they held that day (marts.caseload_by_role) - the FOI question "officers per pay band and
-- their caseloads per quarter since January 2018".
with

caseloads as (
    select * from marts.caseload_by_role
),

la as (
    select * from foi.la_identity
),

quarters as (
    select
        c.*,
        cast(extract(year from c.quarter_end) as integer) as quarter_year,
        cast(extract(month from c.quarter_end) as integer) as quarter_month
    from caseloads c
    where c.quarter_end >= date '2018-01-01' and c.quarter_end <= :as_at
),

final as (
    select
        q.quarter_year as time_period,
        case q.quarter_month
            when 3 then 'Calendar year Q1' when 6 then 'Calendar year Q2'
            when 9 then 'Calendar year Q3' else 'Calendar year Q4'
        end as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        q.quarter_end,
        coalesce(q.role, 'Not recorded') as role,
        coalesce(q.grade, 'Not recorded') as grade,
        q.officers,
        q.total_fte,
        q.active_plans,
        q.avg_caseload,
        q.max_caseload
    from quarters q
    cross join la
)

select * from final
