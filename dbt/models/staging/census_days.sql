-- staging.census_days: the SEN2 census (reference) day of each collection year up to the as-at date, the
-- one calendar every census-day figure uses (the DfE measures mart, the FOI census tables, the pack), with
-- the collection period it closes (the previous calendar year) and the DfE time_period labels of both.
-- The days are the DfE's survey days as in include/sen2/census_days.csv (the SEN2 return reads that file;
-- tests/marts/test_dfe_measures.py keeps the two identical); a year neither lists falls back to the third
-- Thursday of January (2021 was the second: 14 January).
with

published as (
    select cast(v.census_year as integer) as census_year, cast(v.census_day as date) as census_date
    from (values
        (2015, '2015-01-15'), (2016, '2016-01-21'), (2017, '2017-01-19'), (2018, '2018-01-18'),
        (2019, '2019-01-17'), (2020, '2020-01-16'), (2021, '2021-01-14'), (2022, '2022-01-20'),
        (2023, '2023-01-19'), (2024, '2024-01-18'), (2025, '2025-01-16'), (2026, '2026-01-15'),
        (2027, '2027-01-21')
    ) as v(census_year, census_day)
),

years as (
    select cast(g.y as integer) as census_year
    from generate_series(2015, cast(extract(year from {{ as_at() }}) as integer)) as g(y)
),

third_thursdays as (
    select y.census_year, make_date(y.census_year, 1, 15 + cast(d.k as integer)) as census_date
    from years y
    cross join generate_series(0, 6) as d(k)
    where extract(dow from make_date(y.census_year, 1, 15 + cast(d.k as integer))) = 4
),

final as (
    select
        y.census_year,
        coalesce(p.census_date, t.census_date) as census_date,
        p.census_date is not null as published_day,
        make_date(y.census_year - 1, 1, 1) as period_start,
        make_date(y.census_year - 1, 12, 31) as period_end,
        y.census_year - 1 as calendar_time_period,
        (y.census_year - 1) * 100 + mod(y.census_year, 100) as academic_time_period
    from years y
    left join published p on p.census_year = y.census_year
    left join third_thursdays t on t.census_year = y.census_year
)

select * from final where census_date <= {{ as_at() }}
