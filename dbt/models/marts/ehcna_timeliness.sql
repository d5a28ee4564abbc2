-- marts.ehcna_timeliness: by calendar year, as known on the as-at date, in the DfE's definitions and
-- column names (requests.csv, assessments.csv, timeliness_20_week.csv; docs/dfe_measures.md): requests
-- received in the year and their outcome; the decisions whether to assess made in the year, whenever the
-- request was received, within and after 6 weeks (withdrawals are not decisions); EHC plans issued in
-- the year (by issue date) within 20 weeks, 20-52 weeks and after 52 weeks, including and excluding
-- exception cases, and the average weeks to issue; decisions not to issue within and after 16 weeks;
-- mediation and tribunal counts. (marts.dfe_measures holds the same as each SEN2 return reports them on
-- its census day, with breakdowns.)
with

requests as (
    select * from {{ ref('ehcna_requests') }}
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
        sum(case when timeliness_band = '20_to_52_weeks' and week20_exception = 0 then 1 else 0 end)
            as plans_issued_gt20weeks_ltyear_ex,
        sum(case when timeliness_band = 'over_52_weeks' then 1 else 0 end) as plans_issued_gt_1_year,
        sum(case when timeliness_band = 'over_52_weeks' and week20_exception = 0 then 1 else 0 end)
            as plans_issued_gt_1_year_ex,
        round(cast(avg(days_to_outcome) / 7.0 as numeric), 1) as avg_weeks_to_issue,
        round(cast(avg(case when week20_exception = 0 then days_to_outcome end) / 7.0 as numeric), 1)
            as avg_weeks_to_issue_ex
    from requests
    where assessment_outcome = 'Y' and outcome_year is not null
    group by outcome_year
),

not_issued as (
    select
        outcome_year as time_period,
        sum(case when not_issue_within_16_weeks = 1 then 1 else 0 end) as outcome_decision_within_time,
        sum(case when not_issue_within_16_weeks = 0 then 1 else 0 end) as outcome_decision_over_time
    from requests
    where assessment_outcome = 'N' and outcome_year is not null
    group by outcome_year
),

assessment_disputes as (
    select
        outcome_year as time_period,
        sum(case when assessment_mediation = 1 then 1 else 0 end) as number_assess_mediation,
        sum(case when assessment_tribunal = 1 then 1 else 0 end) as number_assess_tribunal,
        sum(case when assessment_mediation = 1 and assessment_tribunal = 1 then 1 else 0 end)
            as number_asssess_mediation_tribunal,
        sum(case when other_mediation = 1 then 1 else 0 end) as number_other_mediation,
        sum(case when other_tribunal = 1 then 1 else 0 end) as number_other_tribunal,
        sum(case when other_mediation = 1 and other_tribunal = 1 then 1 else 0 end) as number_other_mediation_tribunal
    from requests
    where assessment_outcome in ('Y', 'N') and outcome_year is not null
    group by outcome_year
),

received as (
    select
        received_year as time_period,
        count(*) as requests_received,
        sum(case when decision = 'Y' then 1 else 0 end) as decided_to_assess,
        sum(case when decision = 'N' then 1 else 0 end) as decided_not_to_assess,
        sum(case when decision = 'W' then 1 else 0 end) as withdrawn,
        sum(case when decision is null then 1 else 0 end) as undecided,
        sum(case when mediation = 1 then 1 else 0 end) as mediation_related_request,
        sum(case when tribunal = 1 then 1 else 0 end) as tribunal_related_request,
        sum(case when mediation = 1 and tribunal = 1 then 1 else 0 end) as tribunal_after_mediation_request
    from requests
    group by received_year
),

decided as (
    -- the DfE's 6-week population: decisions whether to assess made in the year, whenever received
    select
        decision_year as time_period,
        count(*) as decisions_made,
        sum(case when decision_within_6_weeks = 1 then 1 else 0 end) as request_outcome_six_weeks,
        sum(case when decision_within_6_weeks = 0 then 1 else 0 end) as request_outcome_over_6_weeks
    from requests
    where decision in ('Y', 'N') and decision_year is not null
    group by decision_year
),

years as (
    select time_period from issued
    union
    select time_period from received
    union
    select time_period from decided
    union
    select time_period from not_issued
),

final as (
    select
        y.time_period,
        'Calendar year' as time_identifier,
        coalesce(r.requests_received, 0) as requests_received,
        coalesce(r.decided_to_assess, 0) as decided_to_assess,
        coalesce(r.decided_not_to_assess, 0) as decided_not_to_assess,
        coalesce(r.withdrawn, 0) as withdrawn,
        coalesce(r.undecided, 0) as undecided,
        coalesce(d.decisions_made, 0) as decisions_made,
        coalesce(d.request_outcome_six_weeks, 0) as request_outcome_six_weeks,
        coalesce(d.request_outcome_over_6_weeks, 0) as request_outcome_over_6_weeks,
        round(cast(100.0 * d.request_outcome_six_weeks / nullif(d.decisions_made, 0) as numeric), 1)
            as request_outcome_six_weeks_pc,
        coalesce(i.plans_issued_den, 0) as plans_issued_den,
        coalesce(i.plans_issued_den_ex, 0) as plans_issued_den_ex,
        coalesce(i.plans_issued_within_20_weeks, 0) as plans_issued_within_20_weeks,
        coalesce(i.plans_issued_20_weeks_ex, 0) as plans_issued_20_weeks_ex,
        round(cast(100.0 * i.plans_issued_within_20_weeks / nullif(i.plans_issued_den, 0) as numeric), 1)
            as pc_plans_issued_within_20_weeks,
        round(cast(100.0 * i.plans_issued_20_weeks_ex / nullif(i.plans_issued_den_ex, 0) as numeric), 1)
            as pc_plans_issued_20_weeks_ex,
        coalesce(i.plans_issued_gt20weeks_ltyear, 0) as plans_issued_gt20weeks_ltyear,
        coalesce(i.plans_issued_gt20weeks_ltyear_ex, 0) as plans_issued_gt20weeks_ltyear_ex,
        coalesce(i.plans_issued_gt_1_year, 0) as plans_issued_gt_1_year,
        coalesce(i.plans_issued_gt_1_year_ex, 0) as plans_issued_gt_1_year_ex,
        i.avg_weeks_to_issue,
        i.avg_weeks_to_issue_ex,
        coalesce(n.outcome_decision_within_time, 0) as outcome_decision_within_time,
        coalesce(n.outcome_decision_over_time, 0) as outcome_decision_over_time,
        round(cast(100.0 * n.outcome_decision_within_time
            / nullif(n.outcome_decision_within_time + n.outcome_decision_over_time, 0) as numeric), 1)
            as outcome_decision_within_time_pc,
        coalesce(r.mediation_related_request, 0) as mediation_related_request,
        coalesce(r.tribunal_related_request, 0) as tribunal_related_request,
        coalesce(r.tribunal_after_mediation_request, 0) as tribunal_after_mediation_request,
        coalesce(m.number_assess_mediation, 0) as number_assess_mediation,
        coalesce(m.number_assess_tribunal, 0) as number_assess_tribunal,
        coalesce(m.number_asssess_mediation_tribunal, 0) as number_asssess_mediation_tribunal,
        coalesce(m.number_other_mediation, 0) as number_other_mediation,
        coalesce(m.number_other_tribunal, 0) as number_other_tribunal,
        coalesce(m.number_other_mediation_tribunal, 0) as number_other_mediation_tribunal,
        {{ as_at() }} as as_at
    from years y
    left join issued i on i.time_period = y.time_period
    left join received r on r.time_period = y.time_period
    left join decided d on d.time_period = y.time_period
    left join not_issued n on n.time_period = y.time_period
    left join assessment_disputes m on m.time_period = y.time_period
)

select * from final
