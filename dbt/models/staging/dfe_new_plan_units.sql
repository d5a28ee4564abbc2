-- staging.dfe_new_plan_units: the new EHC plans of each DfE calendar year (newplans.csv,
-- sen_need_newplans.csv), as the SEN2 return of the next January reports them: plans this LA issued
-- (AssessmentOutcome Y dated from the start of the year to the census day, on the request's latest
-- assessment; the latest plan of that assessment) that started in the year. Plans transferred in are
-- historical in the return and not new. The setting is the one the plan names (staging.dfe_named_placements);
-- the primary need is known only for plans still held on the census day (the return records needs in
-- ActivePlans only), else "not recorded".
with

days as (
    select * from {{ ref('census_days') }}
),

latest_assessment as (
    select * from {{ ref('latest_assessments') }}
),

latest_plan as (
    select *
    from (
        select p.*, row_number() over (partition by p.assessment_id order by p.plan_id desc) as rn
        from {{ source('core', 'plan') }} p
        where p.assessment_id is not null
    ) ranked
    where rn = 1
),

issued as (
    select
        d.census_year,
        d.census_date,
        p.plan_id,
        p.start_date,
        pe.dob,
        upper(trim(pe.sex)) as sex,
        coalesce(eth.label, 'Unclassified') as ethnicity
    from days d
    join latest_plan p on p.start_date between d.period_start and d.period_end
    join latest_assessment a on a.assessment_id = p.assessment_id
    join {{ source('core', 'request') }} r on r.request_id = a.request_id
    join {{ source('core', 'person') }} pe on pe.person_id = r.person_id and pe.person_id = p.person_id
    left join {{ ref('dfe_ethnicity') }} eth on eth.code = upper(trim(pe.ethnicity))
    where a.outcome = 'Y' and a.outcome_date between d.period_start and d.census_date
      and r.decision = 'Y' and (r.decision_date is null or r.decision_date <= d.census_date)
      and nullif(trim(r.exported_to_la), '') is null
),

final as (
    select
        i.census_year,
        i.plan_id,
        i.start_date,
        i.sex,
        i.ethnicity,
        cast(extract(year from i.start_date) - extract(year from i.dob)
             - case when extract(month from i.dob) * 100 + extract(day from i.dob)
                         > extract(month from i.start_date) * 100 + extract(day from i.start_date) then 1 else 0 end
             as integer) as age_at_start,
        coalesce(n.dfe_column, 'placement_unknown') as dfe_column,
        u.need_code
    from issued i
    left join {{ ref('dfe_named_placements') }} n on n.census_year = i.census_year and n.plan_id = i.plan_id
    left join {{ ref('dfe_plan_units') }} u on u.census_year = i.census_year and u.plan_id = i.plan_id
)

select * from final
