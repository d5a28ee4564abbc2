-- foi.special_school_places: state-funded special schools in the LA's area with their places (GIAS
-- capacity: held for the latest census year only) and the LA's children with EHC plans placed there on
-- each January census day (foi.census_plans), with a Total row per year.
with

schools as (
    select * from staging.school_provision
    where provision_type = 'la_special' and la_code = :la_code
),

census_plans as (
    select * from foi.census_plans
),

la as (
    select * from foi.la_identity
),

years as (
    select distinct census_year from census_plans
),

latest as (
    select max(census_year) as census_year from years
),

placed as (
    select census_year, urn, count(*) as la_pupils
    from census_plans
    where urn is not null
    group by census_year, urn
),

grid as (
    select
        y.census_year,
        cast(s.urn as varchar) as school_urn,
        s.name as school_name,
        case when s.type_group = 'Special schools' then 'Special - LA maintained'
             else 'Special - academy or free school' end as school_type,
        case when y.census_year = l.census_year then s.capacity end as places,
        coalesce(p.la_pupils, 0) as la_pupils
    from years y
    cross join schools s
    cross join latest l
    left join placed p on p.census_year = y.census_year and p.urn = s.urn
),

with_total as (
    select * from grid
    union all
    select
        census_year,
        'Total' as school_urn,
        'All state-funded special schools in the area' as school_name,
        'Total' as school_type,
        sum(places) as places,
        sum(la_pupils) as la_pupils
    from grid
    group by census_year
),

final as (
    select
        (w.census_year - 1) * 100 + mod(w.census_year, 100) as time_period,
        'Academic year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        w.school_urn,
        w.school_name,
        w.school_type,
        w.places,
        w.la_pupils,
        round(cast(100.0 * w.la_pupils / nullif(w.places, 0) as numeric), 1) as pct_places_filled_by_la
    from with_total w
    cross join la
)

select * from final
