-- pack.timeliness_by_month: new EHC plans issued per month (by issue date) and how many within 20 weeks,
-- including and excluding exception cases (marts.ehcna_requests), every calendar month from January of
-- last year to the month before the as-at date (months with none show 0), and a 'Total' row for each
-- complete calendar year: the yearly numbers are published elsewhere (the requests section, the FOI
-- table), so disclosure control must see months and year as one additive group. The "not within"
-- columns make issued = within + not within explicit for the same reason.
with

issued as (
    select * from marts.ehcna_requests
    where assessment_outcome = 'Y' and outcome_date is not null
),

bounds as (
    select
        (cast(extract(year from :as_at) as integer) - 1) * 12 as first_index,
        cast(extract(year from :as_at - interval '1' day) as integer) * 12
            + cast(extract(month from :as_at - interval '1' day) as integer) - 1 as last_index
),

spine as (
    select
        cast(floor((b.first_index + g.k) / 12.0) as integer) as year,
        cast(floor((b.first_index + g.k) / 12.0) as integer) * 100 + mod(b.first_index + g.k, 12) + 1 as month_number
    from bounds b
    cross join generate_series(0, 35) as g(k)
    where b.first_index + g.k <= b.last_index
),

by_month as (
    select
        cast(extract(year from outcome_date) as integer) * 100 + cast(extract(month from outcome_date) as integer)
            as month_number,
        count(*) as plans_issued,
        sum(case when plan_within_20_weeks = 1 then 1 else 0 end) as within_20_weeks,
        sum(case when plan_within_20_weeks = 1 then 0 else 1 end) as not_within_20_weeks,
        sum(case when week20_exception = 0 then 1 else 0 end) as plans_issued_ex,
        sum(case when week20_exception = 0 and plan_within_20_weeks = 1 then 1 else 0 end) as within_20_weeks_ex,
        sum(case when week20_exception = 0 and coalesce(plan_within_20_weeks, 0) = 0 then 1 else 0 end)
            as not_within_20_weeks_ex
    from issued
    group by 1
),

months as (
    select
        s.year,
        cast(s.month_number as varchar) as month,
        coalesce(m.plans_issued, 0) as plans_issued,
        coalesce(m.within_20_weeks, 0) as within_20_weeks,
        coalesce(m.not_within_20_weeks, 0) as not_within_20_weeks,
        coalesce(m.plans_issued_ex, 0) as plans_issued_ex,
        coalesce(m.within_20_weeks_ex, 0) as within_20_weeks_ex,
        coalesce(m.not_within_20_weeks_ex, 0) as not_within_20_weeks_ex
    from spine s
    left join by_month m on m.month_number = s.month_number
),

year_totals as (
    select
        year,
        'Total' as month,
        sum(plans_issued) as plans_issued,
        sum(within_20_weeks) as within_20_weeks,
        sum(not_within_20_weeks) as not_within_20_weeks,
        sum(plans_issued_ex) as plans_issued_ex,
        sum(within_20_weeks_ex) as within_20_weeks_ex,
        sum(not_within_20_weeks_ex) as not_within_20_weeks_ex
    from months
    where year < extract(year from :as_at)
    group by year
),

final as (
    select * from months
    union all
    select * from year_totals
)

select * from final order by year, month
