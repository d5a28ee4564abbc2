-- staging.dfe_assessment_units: the EHC needs assessments each DfE calendar year counts (assessments.csv,
-- timeliness_20_week.csv), as the SEN2 return of the next January reports them on its census day
-- (sen2/scope.py): one assessment per request (the latest assessment id, as everywhere), for requests the
-- LA decided to assess and did not export. The year's assessments are those decided in it - a plan issued
-- (AssessmentOutcome Y) or a decision not to issue (N), by the outcome date - and those withdrawn whose
-- decision to assess was made in it (a withdrawal carries no date in the return). An assessment still
-- open is in no year's count: the release's national figures hold 62 outstanding of 105,340 in 2024.
with

days as (
    select * from {{ ref('census_days') }}
),

latest_assessment as (
    select * from {{ ref('latest_assessments') }}
),

assessed as (
    select
        r.request_id, r.received_date, r.decision, r.decision_date, pe.dob, upper(trim(pe.sex)) as sex,
        coalesce(eth.label, 'Unclassified') as ethnicity,
        a.assessment_id, a.outcome, a.outcome_date, a.week20_exception, a.mediation, a.tribunal,
        a.other_mediation, a.other_tribunal
    from {{ source('core', 'request') }} r
    join {{ source('core', 'person') }} pe on pe.person_id = r.person_id
    left join {{ ref('dfe_ethnicity') }} eth on eth.code = upper(trim(pe.ethnicity))
    join latest_assessment a on a.request_id = r.request_id
    where r.decision = 'Y' and nullif(trim(r.exported_to_la), '') is null
),

known as (
    select
        d.census_year,
        d.period_start,
        d.period_end,
        x.*,
        case
            when x.outcome in ('Y', 'N') and x.outcome_date between d.period_start and d.census_date then x.outcome
            when x.outcome = 'W' and (x.outcome_date is null or x.outcome_date <= d.census_date)
                 and x.decision_date between d.period_start and d.period_end then 'W'
        end as outcome_in_year
    from days d
    join assessed x
        on (x.decision_date is null or x.decision_date <= d.census_date)
),

final as (
    select
        census_year,
        assessment_id,
        request_id,
        received_date,
        outcome_in_year as outcome,
        outcome_date,
        sex,
        ethnicity,
        cast(extract(year from received_date) - extract(year from dob)
             - case when extract(month from dob) * 100 + extract(day from dob)
                         > extract(month from received_date) * 100 + extract(day from received_date) then 1 else 0 end
             as integer) as age,
        outcome_date - received_date as days_to_outcome,
        case when week20_exception = 1 then 1 else 0 end as week20_exception,
        case when mediation = 1 and outcome_in_year in ('Y', 'N') then 1 else 0 end as mediation,
        case when tribunal = 1 and outcome_in_year in ('Y', 'N') then 1 else 0 end as tribunal,
        case when other_mediation = 1 and outcome_in_year in ('Y', 'N') then 1 else 0 end as other_mediation,
        case when other_tribunal = 1 and outcome_in_year in ('Y', 'N') then 1 else 0 end as other_tribunal
    from known
    where outcome_in_year is not null
      and (outcome_in_year = 'W' or outcome_date <= period_end)
)

select * from final
