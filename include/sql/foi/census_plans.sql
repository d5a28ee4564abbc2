-- foi.census_plans (helper, dropped after the build: it is person-level): every EHC plan active on the
-- January census day (third Thursday of January, as SEN2 counts) of each year up to the as-at date,
-- with its primary need recorded by that day, the person's date of birth, and the setting attended
-- that day (the lowest-ranked placement open on the day).
with

plans as (
    select plan_id, person_id, start_date, cease_date from core.plan
),

needs as (
    select plan_id, need_code, recorded_date from core.need where need_rank = 1
),

placements as (
    select plan_id, urn, ukprn, setting_code, placement_rank, entry_date, leaving_date from core.placement
),

people as (
    select person_id, dob from core.person
),

january_days as (
    select
        cast(g.y as integer) as census_year,
        make_date(cast(g.y as integer), 1, 15 + cast(d.k as integer)) as census_date
    from generate_series(2015, 2100) as g(y)
    cross join generate_series(0, 6) as d(k)
),

census as (
    select census_year, census_date
    from january_days
    where extract(dow from census_date) = 4  -- Thursday: the 15th-21st holds the third one
      and census_date <= :as_at
),

active as (
    select c.census_year, c.census_date, p.plan_id, p.person_id
    from census c
    join plans p on p.start_date <= c.census_date and (p.cease_date is null or p.cease_date > c.census_date)
),

need_at as (
    select
        a.census_year,
        a.plan_id,
        n.need_code,
        row_number() over (partition by a.census_year, a.plan_id order by n.recorded_date desc nulls last) as rn
    from active a
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
                           order by pl.placement_rank, pl.entry_date desc nulls last) as rn
    from active a
    join placements pl on pl.plan_id = a.plan_id
        and (pl.entry_date is null or pl.entry_date <= a.census_date)
        and (pl.leaving_date is null or pl.leaving_date >= a.census_date)
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
    from active a
    left join need_at n on n.census_year = a.census_year and n.plan_id = a.plan_id and n.rn = 1
    left join placed s on s.census_year = a.census_year and s.plan_id = a.plan_id and s.rn = 1
    left join people pe on pe.person_id = a.person_id
)

select * from final
