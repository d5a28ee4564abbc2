-- staging.census_plans: every EHC plan the LA holds on each January census day - the one definition of
-- "active on census day" that the DfE measures mart, the FOI census tables and the pack
-- use, and the SEN2 return applies (sen2/scope.py `held`, include/sql/sen2/reconcile.sql):
-- started on or before the day, held by this LA by then (a plan transferred in counts from its
-- transfer-in date, not from the old LA's start) and not ceased on or before the day (a plan ceasing on
-- the census day is not held that day). Only plans of people the CMS holds (as the return requires).
with

days as (
    select * from {{ ref('census_days') }}
),

plans as (
    select p.plan_id, p.person_id, p.assessment_id, p.start_date, p.transfer_in_date, p.transferred_from_la,
           p.cease_date, coalesce(p.transfer_in_date, p.start_date) as local_start_date
    from {{ source('core', 'plan') }} p
    join {{ source('core', 'person') }} pe on pe.person_id = p.person_id
),

final as (
    select
        d.census_year,
        d.census_date,
        p.*
    from days d
    join plans p
        on p.start_date <= d.census_date
        and p.local_start_date <= d.census_date
        and (p.cease_date is null or p.cease_date > d.census_date)
)

select * from final
