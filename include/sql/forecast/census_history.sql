-- forecast.census_history (read by the forecast, never stored: it is person-level): every child with an
-- EHC plan active on the January census day of each year up to the as-at date, one row per child and
-- census year, with the primary need recorded by that day, the setting group of the setting attended
-- that day and the national curriculum year (age on 31 August before the census, less 4: age 5 is
-- Year 1). The census-day plans are foi.census_plans's definition (third Thursday of January, as SEN2
-- counts; the lowest-ranked placement open on the day): forecast.history reads that file as the
-- `census_plans` import, so the two can never count differently.
with

census_plans as (
    select * from foi.census_plans
),

schools as (
    select urn, provision_type from staging.school_provision
),

one_per_child as (
    select
        c.*,
        -- a child with two plans open on the day (a transfer overlapping) counts once: the later plan
        row_number() over (partition by c.census_year, c.person_id order by c.plan_id desc) as rn
    from census_plans c
),

grouped as (
    select
        c.census_year,
        c.person_id,
        coalesce(c.need_code, 'NR') as need_code,
        case
            when not c.has_placement then 'other'
            when c.urn is not null then
                case sc.provision_type
                    when 'mainstream' then 'mainstream'
                    when 'la_special' then 'special'
                    when 'independent_or_nonmaintained' then 'independent'
                    when 'alternative_provision' then 'alternative_provision'
                    when 'post_16' then 'post_16'
                    else 'other'
                end
            when c.ukprn is not null then 'post_16'
            when c.setting_code = 'EYP' then 'early_years'
            else 'other'
        end as setting_group,
        (c.census_year - 1) - cast(extract(year from c.dob) as integer)
            - case when extract(month from c.dob) >= 9 then 1 else 0 end - 4 as ncy
    from one_per_child c
    left join schools sc on sc.urn = c.urn
    where c.rn = 1
),

final as (
    select census_year, person_id, need_code, setting_group, ncy from grouped
)

select * from final order by census_year, person_id
