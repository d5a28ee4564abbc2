-- pack.timeliness_by_month: new EHC plans issued per month over the last 24 months and how many within
-- 20 weeks, including and excluding exception cases (marts.ehcna_requests, by issue date). The "not
-- within" columns make issued = within + not within explicit, so disclosure control protects the difference.
with

issued as (
    select * from marts.ehcna_requests
    where assessment_outcome = 'Y' and outcome_date is not null
        and outcome_date <= :as_at and outcome_date > :as_at - interval '730' day
),

final as (
    select
        cast(extract(year from outcome_date) as integer) * 100 + cast(extract(month from outcome_date) as integer) as month,
        count(*) as plans_issued,
        sum(case when plan_within_20_weeks = 1 then 1 else 0 end) as within_20_weeks,
        sum(case when week20_exception = 0 then 1 else 0 end) as plans_issued_ex,
        sum(case when week20_exception = 0 and plan_within_20_weeks = 1 then 1 else 0 end) as within_20_weeks_ex,
        sum(case when plan_within_20_weeks = 1 then 0 else 1 end) as not_within_20_weeks,
        sum(case when week20_exception = 0 and plan_within_20_weeks = 0 then 1 else 0 end)
            + sum(case when week20_exception = 0 and plan_within_20_weeks is null then 1 else 0 end) as not_within_20_weeks_ex
    from issued
    group by 1
)

select * from final order by month
