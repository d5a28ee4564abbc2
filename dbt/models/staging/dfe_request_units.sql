-- staging.dfe_request_units: the requests for an EHC needs assessment each DfE calendar year counts, as
-- the SEN2 return of the next January reports them on its census day (sen2/scope.py): every request
-- received in the year (the requests table's outcome counts), and every decision whether to assess made
-- in the year whenever the request was received (the 6-week measure: the release's
-- request_outcome_six_weeks + request_outcome_over_6_weeks equals no sum of outcomes of the year's
-- requests - Coventry 2024: 414 + 579 = 993, decided 639 + 288 = 927 - and tracks the decisions carried
-- over from the year before; see docs/dfe_measures.md). The outcome on the census day: Y or N (decided,
-- dated on or before the day, or undated), W (withdrawn: never a decision, dated or not), else A
-- (no decision yet; a decision dated after the census day has not happened yet).
with

days as (
    select * from {{ ref('census_days') }}
),

requests as (
    select r.*, pe.dob, upper(trim(pe.sex)) as sex, coalesce(eth.label, 'Unclassified') as ethnicity
    from {{ source('core', 'request') }} r
    join {{ source('core', 'person') }} pe on pe.person_id = r.person_id
    left join {{ ref('dfe_ethnicity') }} eth on eth.code = upper(trim(pe.ethnicity))
),

known as (
    select
        d.census_year,
        d.period_start,
        d.period_end,
        r.request_id,
        r.received_date,
        r.rya,
        r.mediation,
        r.tribunal,
        r.dob,
        r.sex,
        r.ethnicity,
        case
            when r.decision in ('Y', 'N', 'W') and (r.decision_date is null or r.decision_date <= d.census_date)
                then r.decision
            else 'A'
        end as outcome,
        case when r.decision_date <= d.census_date then r.decision_date end as decision_date
    from days d
    join requests r
        on r.received_date <= d.period_end
        and (r.received_date >= d.period_start or r.decision_date between d.period_start and d.period_end)
),

final as (
    select
        census_year,
        request_id,
        received_date,
        outcome,
        decision_date,
        sex,
        ethnicity,
        cast(extract(year from received_date) - extract(year from dob)
             - case when extract(month from dob) * 100 + extract(day from dob)
                         > extract(month from received_date) * 100 + extract(day from received_date) then 1 else 0 end
             as integer) as age,
        case when received_date >= period_start then 1 else 0 end as received_in_year,
        case when outcome in ('Y', 'N') and decision_date between period_start and period_end then 1 else 0 end
            as decided_in_year,
        case when outcome in ('Y', 'N') and decision_date between period_start and period_end
                  and decision_date - received_date <= 42 then 1 else 0 end as decided_within_6_weeks,
        case when rya = 1 then 1 else 0 end as rya,
        -- the return carries mediation and tribunal flags with a decision (Y or N) only
        case when outcome in ('Y', 'N') and mediation = 1 then 1 else 0 end as mediation,
        case when outcome in ('Y', 'N') and tribunal = 1 then 1 else 0 end as tribunal
    from known
)

select * from final
