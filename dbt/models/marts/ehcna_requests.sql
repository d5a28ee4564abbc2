-- marts.ehcna_requests: one row per request for an EHC needs assessment, with the statutory clocks
-- counted from the day the request was received: the decision whether to assess within 6 weeks (42 days,
-- SEND Regulations 2014 reg 5(3)), the decision not to issue within 16 weeks (112 days, reg 10(1)), the
-- final plan within 20 weeks (140 days, reg 13(2); reg 13(3) exceptions flagged), and the DfE's bands.
-- One request, one row: a request with more than one assessment row takes the latest (highest
-- assessment id), as the SEN2 return does. A withdrawal (W, dated or not) is not a decision: it is in
-- neither the numerator nor the denominator of any timeliness measure. A date after the as-at date has
-- not happened yet.
with

requests as (
    select * from {{ source('core', 'request') }} where received_date <= {{ as_at() }}
),

assessments as (
    select * from {{ ref('latest_assessments') }}
),

persons as (
    select person_id, person_key from {{ source('core', 'person') }}
),

known as (
    select
        r.*,
        case
            when r.decision in ('Y', 'N', 'W') and (r.decision_date is null or r.decision_date <= {{ as_at() }})
                then r.decision
        end as decision_known,
        case when r.decision_date <= {{ as_at() }} then r.decision_date end as decision_date_known,
        case
            when a.outcome in ('Y', 'N') and a.outcome_date <= {{ as_at() }} then a.outcome
            when a.outcome = 'W' and (a.outcome_date is null or a.outcome_date <= {{ as_at() }}) then 'W'
        end as outcome_known,
        case when a.outcome_date <= {{ as_at() }} then a.outcome_date end as outcome_date_known,
        a.week20_exception,
        a.mediation as assessment_mediation,
        a.tribunal as assessment_tribunal,
        a.other_mediation,
        a.other_tribunal
    from requests r
    left join assessments a on a.request_id = r.request_id
),

final as (
    select
        p.person_key,
        k.received_date,
        cast(extract(year from k.received_date) as integer) as received_year,
        k.request_source,
        k.decision_known as decision,
        k.decision_date_known as decision_date,
        case when k.decision_known in ('Y', 'N') then cast(extract(year from k.decision_date_known) as integer)
        end as decision_year,
        case when k.decision_known in ('Y', 'N') then k.decision_date_known - k.received_date end as days_to_decision,
        case
            when k.decision_known = 'W' then null
            when k.decision_known in ('Y', 'N') then
                case when k.decision_date_known - k.received_date <= 42 then 1
                     when k.decision_date_known is not null then 0 end
            when {{ as_at() }} - k.received_date > 42 then 0
        end as decision_within_6_weeks,
        k.outcome_known as assessment_outcome,
        case when k.outcome_known in ('Y', 'N') then k.outcome_date_known end as outcome_date,
        case when k.outcome_known in ('Y', 'N') then cast(extract(year from k.outcome_date_known) as integer)
        end as outcome_year,
        case when k.outcome_known in ('Y', 'N') then k.outcome_date_known - k.received_date end as days_to_outcome,
        case when k.outcome_known in ('Y', 'N') then
            round(cast((k.outcome_date_known - k.received_date) / 7.0 as numeric), 1) end as weeks_to_outcome,
        case
            when k.outcome_known = 'Y' then
                case when k.outcome_date_known - k.received_date <= 140 then 1 else 0 end
        end as plan_within_20_weeks,
        case
            when k.outcome_known = 'Y' then
                case
                    when k.outcome_date_known - k.received_date <= 140 then 'within_20_weeks'
                    when k.outcome_date_known - k.received_date <= 364 then '20_to_52_weeks'
                    else 'over_52_weeks'
                end
        end as timeliness_band,
        case
            when k.outcome_known = 'N' then
                case when k.outcome_date_known - k.received_date <= 112 then 1 else 0 end
        end as not_issue_within_16_weeks,
        coalesce(k.week20_exception, 0) as week20_exception,
        k.mediation,
        k.tribunal,
        k.assessment_mediation,
        k.assessment_tribunal,
        k.other_mediation,
        k.other_tribunal,
        {{ as_at() }} as as_at
    from known k
    join persons p on p.person_id = k.person_id
)

select * from final
