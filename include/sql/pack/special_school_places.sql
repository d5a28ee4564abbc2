-- pack.special_school_places: places at each LA special school (GIAS capacity: latest year only) and
-- how many of the LA's own pupils with EHC plans attend it on each January census day, the last five
-- academic years (foi.special_school_places, without its Total rows: the pack adds up the schools).
with

places as (
    select * from foi.special_school_places where school_urn <> 'Total'
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
