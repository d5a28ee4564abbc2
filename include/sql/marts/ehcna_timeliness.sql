-- marts.ehcna_timeliness: by calendar year, in the DfE's timeliness_20_week.csv definitions: EHC plans
-- issued in the year (by issue date), within 20 weeks, 20-52 weeks and over 52 weeks, including and
-- excluding exception cases; plus requests received and decisions to assess within 6 weeks.
with

requests as (
    select * from marts.ehcna_requests
),

issued as (
    select
        outcome_year as time_period,
        count(*) as plans_issued_den,
        sum(case when week20_exception = 0 then 1 else 0 end) as plans_issued_den_ex,
        sum(case when timeliness_band = 'within_20_weeks' then 1 else 0 end) as plans_issued_within_20_weeks,
        sum(case when timeliness_band = 'within_20_weeks' and week20_exception = 0 then 1 else 0 end)
            as plans_issued_20_weeks_ex,
        sum(case when timeliness_band = '20_to_52_weeks' then 1 else 0 end) as plans_issued_gt20weeks_ltyear,
        sum(case when timeliness_band = 'over_52_weeks' then 1 else 0 end) as plans_issued_gt_1_year
    from requests
    where assessment_outcome = 'Y' and outcome_year is not null
    group by outcome_year
),

received as (
    select
        received_year as time_period,
        count(*) as requests_received,
        sum(case when decision = 'Y' then 1 else 0 end) as decided_to_assess,
        sum(case when decision = 'N' then 1 else 0 end) as decided_not_to_assess,
        sum(case when decision_within_6_weeks = 1 then 1 else 0 end) as decisions_within_6_weeks,
        sum(case when decision_date is not null then 1 else 0 end) as decisions_made
    from requests
    group by received_year
),

years as (
    select time_period from issued
    union
    select time_period from received
),

final as (
    select
        y.time_period,
        'Calendar year' as time_identifier,
        coalesce(r.requests_received, 0) as requests_received,
        coalesce(r.decided_to_assess, 0) as decided_to_assess,
        coalesce(r.decided_not_to_assess, 0) as decided_not_to_assess,
        round(cast(100.0 * r.decisions_within_6_weeks / nullif(r.decisions_made, 0) as numeric), 1)
            as pc_decisions_within_6_weeks,
        coalesce(i.plans_issued_den, 0) as plans_issued_den,
        coalesce(i.plans_issued_den_ex, 0) as plans_issued_den_ex,
        coalesce(i.plans_issued_within_20_weeks, 0) as plans_issued_within_20_weeks,
        coalesce(i.plans_issued_20_weeks_ex, 0) as plans_issued_20_weeks_ex,
        round(cast(100.0 * i.plans_issued_within_20_weeks / nullif(i.plans_issued_den, 0) as numeric), 1)
            as pc_plans_issued_within_20_weeks,
        round(cast(100.0 * i.plans_issued_20_weeks_ex / nullif(i.plans_issued_den_ex, 0) as numeric), 1)
            as pc_plans_issued_20_weeks_ex,
        coalesce(i.plans_issued_gt20weeks_ltyear, 0) as plans_issued_gt20weeks_ltyear,
        coalesce(i.plans_issued_gt_1_year, 0) as plans_issued_gt_1_year,
        :as_at as as_at
    from years y
    left join issued i on i.time_period = y.time_period
    left join received r on r.time_period = y.time_period
)

select * from final
