-- foi.census_plans (helper, dropped after the build: it is person-level): every EHC plan held on the
-- January census day of each year up to the as-at date - staging.census_plans, the one definition of
-- "active on census day" the SEN2 return and the DfE measures use (a plan transferred in counts from its
-- transfer-in date; the days are the DfE's survey days, staging.census_days) - with its primary need
-- recorded by that day, the person's date of birth, and the setting attended that day: the rank-1
-- placement open that day (started on or before it, not left on or before it; the latest started).
with

plans as (
    select census_year, census_date, plan_id, person_id from staging.census_plans
),

needs as (
    select plan_id, need_code, recorded_date from core.need where need_rank = 1
),

placements as (
    select placement_id, plan_id, urn, ukprn, setting_code, placement_rank, entry_date, leaving_date from core.placement
),

people as (
    select person_id, dob from core.person
),

need_at as (
    select
        a.census_year,
        a.plan_id,
        n.need_code,
        row_number() over (partition by a.census_year, a.plan_id order by n.recorded_date desc nulls last) as rn
    from plans a
    join needs n on n.plan_id = a.plan_id and (n.recorded_date is null or n.recorded_date <= a.census_date)
),

placed as (
    select
        a.census_year,
        a.plan_id,
        pl.urn,
        pl.ukprn,
        pl.setting_code,
        row_number() over (partition by a.census_year, a.plan_id
                           order by pl.entry_date desc nulls last, pl.placement_id desc) as rn
    from plans a
    join placements pl on pl.plan_id = a.plan_id
        and pl.placement_rank = 1
        and (pl.entry_date is null or pl.entry_date <= a.census_date)
        and (pl.leaving_date is null or pl.leaving_date > a.census_date)
),

final as (
    select
        a.census_year,
        a.census_date,
        a.plan_id,
        a.person_id,
        pe.dob,
        n.need_code,
        s.plan_id is not null as has_placement,
        s.urn,
        s.ukprn,
        s.setting_code
    from plans a
    left join need_at n on n.census_year = a.census_year and n.plan_id = a.plan_id and n.rn = 1
    left join placed s on s.census_year = a.census_year and s.plan_id = a.plan_id and s.rn = 1
    left join people pe on pe.person_id = a.person_id
)

select * from final
