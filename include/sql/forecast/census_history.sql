-- forecast.census_history (read by the forecast, never stored: it is person-level): every child with an
-- EHC plan active on the January census day (third Thursday of January, as SEN2 counts) of each year up
-- to the as-at date, one row per child and census year, with the primary need recorded by that day, the
-- setting group of the setting attended that day (the lowest-ranked placement open on the day) and the
-- national curriculum year (age on 31 August before the census, less 4: age 5 is Year 1).
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

schools as (
    select urn, provision_type from staging.school_provision
),

january_days as (
    select
        cast(g.y as integer) as census_year,
        make_date(cast(g.y as integer), 1, 15 + cast(d.k as integer)) as census_date
    from generate_series(2012, 2100) as g(y)
    cross join generate_series(0, 6) as d(k)
),

census as (
    select census_year, census_date
    from january_days
    where extract(dow from census_date) = 4  -- Thursday: the 15th-21st holds the third one
      and census_date <= :as_at
),

active as (
    select
        c.census_year,
        c.census_date,
        p.plan_id,
        p.person_id,
        -- a child with two plans open on the day (a transfer overlapping) counts once: the later plan
        row_number() over (partition by c.census_year, p.person_id order by p.start_date desc, p.plan_id desc) as rn
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
    where a.rn = 1
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
    where a.rn = 1
),

grouped as (
    select
        a.census_year,
        a.person_id,
        coalesce(n.need_code, 'NR') as need_code,
        case
            when s.plan_id is null then 'other'
            when s.urn is not null then
                case sc.provision_type
                    when 'mainstream' then 'mainstream'
                    when 'la_special' then 'special'
                    when 'independent_or_nonmaintained' then 'independent'
                    when 'alternative_provision' then 'alternative_provision'
                    when 'post_16' then 'post_16'
                    else 'other'
                end
            when s.ukprn is not null then 'post_16'
            when s.setting_code = 'EYP' then 'early_years'
            else 'other'
        end as setting_group,
        (a.census_year - 1) - cast(extract(year from pe.dob) as integer)
            - case when extract(month from pe.dob) >= 9 then 1 else 0 end - 4 as ncy
    from active a
    left join need_at n on n.census_year = a.census_year and n.plan_id = a.plan_id and n.rn = 1
    left join placed s on s.census_year = a.census_year and s.plan_id = a.plan_id and s.rn = 1
    left join schools sc on sc.urn = s.urn
    left join people pe on pe.person_id = a.person_id
    where a.rn = 1
),

final as (
    select census_year, person_id, need_code, setting_group, ncy from grouped
)

select * from final order by census_year, person_id
