-- marts.ehcna_requests: one row per request for an EHC needs assessment, with the statutory clocks:
-- decision to assess within 6 weeks (42 days), decision not to issue within 16 weeks (112 days),
-- final plan within 20 weeks (140 days) of the request, and the DfE timeliness bands.
with

requests as (
    select * from core.request where received_date <= :as_at
),

assessments as (
    select * from core.assessment
),

persons as (
    select person_id, person_key from core.person
),

known as (
    select
        r.*,
        case when r.decision_date <= :as_at then r.decision end as decision_known,
        case when r.decision_date <= :as_at then r.decision_date end as decision_date_known,
        case when a.outcome_date <= :as_at then a.outcome end as outcome_known,
        case when a.outcome_date <= :as_at then a.outcome_date end as outcome_date_known,
        a.week20_exception
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
        k.decision_date_known - k.received_date as days_to_decision,
        case
            when k.decision_date_known is not null then
                case when k.decision_date_known - k.received_date <= 42 then 1 else 0 end
            when :as_at - k.received_date > 42 then 0
        end as decision_within_6_weeks,
        k.outcome_known as assessment_outcome,
        k.outcome_date_known as outcome_date,
        cast(extract(year from k.outcome_date_known) as integer) as outcome_year,
        k.outcome_date_known - k.received_date as days_to_outcome,
        round(cast((k.outcome_date_known - k.received_date) / 7.0 as numeric), 1) as weeks_to_outcome,
        case
            when k.outcome_known = 'Y' and k.outcome_date_known is not null then
                case when k.outcome_date_known - k.received_date <= 140 then 1 else 0 end
        end as plan_within_20_weeks,
        case
            when k.outcome_known = 'Y' and k.outcome_date_known is not null then
                case
                    when k.outcome_date_known - k.received_date <= 140 then 'within_20_weeks'
                    when k.outcome_date_known - k.received_date <= 364 then '20_to_52_weeks'
                    else 'over_52_weeks'
                end
        end as timeliness_band,
        case
            when k.outcome_known = 'N' and k.outcome_date_known is not null then
                case when k.outcome_date_known - k.received_date <= 112 then 1 else 0 end
        end as not_issue_within_16_weeks,
        coalesce(k.week20_exception, 0) as week20_exception,
        k.mediation,
        k.tribunal,
        :as_at as as_at
    from known k
    join persons p on p.person_id = k.person_id
)

select * from final
