-- pack.special_school_places: places at each LA special school and how many are filled by the LA's own
-- pupils, per academic year, the last five years (foi.special_school_places).
with

places as (
    select * from foi.special_school_places
),

years as (
    select distinct time_period from places order by time_period desc limit 5
),

final as (
    select p.time_period, p.school_urn, p.school_name, p.places, p.la_pupils
    from places p
    join years y on y.time_period = p.time_period
)

select * from final order by time_period, school_name
