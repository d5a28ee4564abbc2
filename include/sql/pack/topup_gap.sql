-- pack.topup_gap: schools ranked by the size of the gap between the top-up their pupils' bands imply and
-- the top-up paid, in the last complete financial year before the as-at date (marts.topup_expected_vs_actual).
-- The pack shows the first ten (the public version: the first ten with at least the threshold of pupils,
-- so a school's place in the list never bounds a suppressed amount).
with

topup as (
    select * from marts.topup_expected_vs_actual
),

last_year as (
    select max(financial_year) as financial_year from topup
    where financial_year < case when extract(month from :as_at) >= 4
        then cast(extract(year from :as_at) as varchar) else cast(extract(year from :as_at) - 1 as varchar) end
),

final as (
    select
        t.financial_year,
        t.school_urn,
        coalesce(t.school_name, 'URN ' || cast(t.school_urn as varchar)) as school_name,
        t.pupils, t.expected_topup, t.actual_topup, t.gap
    from topup t
    join last_year l on l.financial_year = t.financial_year
    where t.gap is not null
)

select * from final order by abs(gap) desc, school_urn
