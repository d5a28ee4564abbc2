-- staging.dfe_plan_units: every plan held on each census day (staging.census_plans) with what the DfE's
-- census-day tables count it by, as the SEN2 return reports it on that day (sen2/scope.py, figures.py):
-- the person's sex and ages, the setting of the rank-1 placement open that day (staging.placement_settings;
-- the latest started if more than one), the primary need recorded by that day, the personal budget, and
-- the latest review meeting on or before the day since the LA has held the plan, with its decision
-- (known only when dated on or before the day). One row per plan and census year.
with

plans as (
    select * from {{ ref('census_plans') }}
),

persons as (
    select pe.person_id, pe.dob, upper(trim(pe.sex)) as sex, coalesce(eth.label, 'Unclassified') as ethnicity
    from {{ source('core', 'person') }} pe
    left join {{ ref('dfe_ethnicity') }} eth on eth.code = upper(trim(pe.ethnicity))
),

plan_details as (
    select plan_id, personal_budget, organised_arrangements, nullif(upper(trim(direct_payments)), '') as direct_payments
    from {{ source('core', 'plan') }}
),

placed as (
    select
        p.census_year,
        p.plan_id,
        s.dfe_column,
        row_number() over (partition by p.census_year, p.plan_id
                           order by s.entry_date desc nulls last, s.placement_id desc) as rn
    from plans p
    join {{ ref('placement_settings') }} s
        on s.plan_id = p.plan_id
        and s.placement_rank = 1
        and (s.entry_date is null or s.entry_date <= p.census_date)
        and (s.leaving_date is null or s.leaving_date > p.census_date)
),

needs as (
    select
        p.census_year,
        p.plan_id,
        upper(trim(n.need_code)) as need_code,
        row_number() over (partition by p.census_year, p.plan_id order by n.recorded_date desc nulls last) as rn
    from plans p
    join {{ source('core', 'need') }} n
        on n.plan_id = p.plan_id and n.need_rank = 1 and (n.recorded_date is null or n.recorded_date <= p.census_date)
),

reviews as (
    select
        p.census_year,
        p.plan_id,
        r.meeting_date,
        case when r.decision_date <= p.census_date then r.decision_date end as decision_date,
        case when r.decision_date <= p.census_date then
            case lower(trim(r.outcome)) when 'maintain' then 'M' when 'amend' then 'A' when 'cease' then 'C' end
        end as outcome,
        row_number() over (partition by p.census_year, p.plan_id
                           order by r.meeting_date desc, r.decision_date desc nulls last) as rn
    from plans p
    join {{ source('core', 'review') }} r
        on r.person_id = p.person_id
        and r.meeting_date is not null
        and r.meeting_date <= p.census_date
        and r.meeting_date >= p.local_start_date
),

dated as (
    select
        p.census_year,
        p.census_date,
        p.plan_id,
        p.person_id,
        p.start_date,
        pe.sex,
        pe.ethnicity,
        pe.dob,
        cast(extract(year from p.census_date) - extract(year from pe.dob)
             - case when extract(month from pe.dob) * 100 + extract(day from pe.dob)
                         > extract(month from p.census_date) * 100 + extract(day from p.census_date) then 1 else 0 end
             as integer) as age,
        cast(extract(year from p.start_date) - extract(year from pe.dob)
             - case when extract(month from pe.dob) * 100 + extract(day from pe.dob)
                         > extract(month from p.start_date) * 100 + extract(day from p.start_date) then 1 else 0 end
             as integer) as age_at_start,
        cast(extract(year from p.census_date) - extract(year from p.start_date)
             - case when extract(month from p.start_date) * 100 + extract(day from p.start_date)
                         > extract(month from p.census_date) * 100 + extract(day from p.census_date) then 1 else 0 end
             as integer) as years_in_place,
        -- the academic age (on 31 August before the day): Year 1 = 5, Year 11 = 15
        cast((case when extract(month from p.census_date) >= 9 then extract(year from p.census_date)
                   else extract(year from p.census_date) - 1 end)
             - extract(year from pe.dob) - case when extract(month from pe.dob) >= 9 then 1 else 0 end as integer)
            as academic_age
    from plans p
    join persons pe on pe.person_id = p.person_id
),

final as (
    select
        d.census_year,
        d.census_date,
        d.plan_id,
        d.start_date,
        d.sex,
        d.ethnicity,
        d.age,
        d.age_at_start,
        d.years_in_place,
        case
            when s.dfe_column is null then 'placement_unknown'
            -- not in education (other) and of compulsory school age on the (January) census day: Year 1 to
            -- Year 11, or a reception child already five by 31 December
            when s.dfe_column = 'neet_other'
                 and (d.academic_age between 5 and 15 or (d.academic_age = 4 and extract(month from d.dob) >= 9))
                then 'neet_other_csa'
            else s.dfe_column
        end as dfe_column,
        n.need_code,
        pd.personal_budget,
        pd.organised_arrangements,
        pd.direct_payments,
        r.meeting_date as review_meeting_date,
        r.decision_date as review_decision_date,
        r.outcome as review_outcome,
        -- a review is expected once the plan is 12 months old (the DfE's annual_reviews.csv; the XML has
        -- only StartDate, so a plan transferred in counts from its start too)
        cast(d.start_date + interval '12 months' as date) <= d.census_date as review_expected
    from dated d
    left join placed s on s.census_year = d.census_year and s.plan_id = d.plan_id and s.rn = 1
    left join needs n on n.census_year = d.census_year and n.plan_id = d.plan_id and n.rn = 1
    left join reviews r on r.census_year = d.census_year and r.plan_id = d.plan_id and r.rn = 1
    left join plan_details pd on pd.plan_id = d.plan_id
)

select * from final
