-- marts.person: one row per person known to the CMS, pseudonymised for analysts.
-- No name, UPN/ULN, postcode or full date of birth: birth year and age at the as-at date only.
with

persons as (
    select * from {{ source('core', 'person') }}
),

plans as (
    select * from {{ source('core', 'plan') }}
),

plan_summary as (
    select
        person_id,
        count(*) as plans_ever,
        min(start_date) as first_plan_start,
        max(case when start_date <= {{ as_at() }} and (cease_date is null or cease_date > {{ as_at() }}) then 1 else 0 end)
            as has_active_plan
    from plans
    group by person_id
),

final as (
    select
        p.person_key,
        p.sex,
        p.ethnicity,
        cast(extract(year from p.dob) as integer) as birth_year,
        cast(
            extract(year from {{ as_at() }}) - extract(year from p.dob)
            - case when extract(month from p.dob) * 100 + extract(day from p.dob)
                        > extract(month from {{ as_at() }}) * 100 + extract(day from {{ as_at() }}) then 1 else 0 end
        as integer) as age_at_as_at,
        case when p.upn_problem is null then 1 else 0 end as identifier_ok,
        coalesce(s.plans_ever, 0) as plans_ever,
        cast(extract(year from s.first_plan_start) as integer) as first_plan_year,
        coalesce(s.has_active_plan, 0) as has_active_plan,
        {{ as_at() }} as as_at
    from persons p
    left join plan_summary s on s.person_id = p.person_id
)

select * from final
