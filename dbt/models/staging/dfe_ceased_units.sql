-- staging.dfe_ceased_units: the EHC plans each DfE calendar year counts as ceased (ceased_plans.csv), as
-- the SEN2 return of the next January reports them (NamedPlan CeaseDate and CeaseReason): plans of people
-- the CMS holds that ceased in the year while the LA held them (a plan transferred in counts from its
-- transfer-in date), with the age on the cease date, the years from the plan's start to it, the reason
-- and the setting the plan named when it ceased (staging.dfe_named_placements).
with

days as (
    select * from {{ ref('census_days') }}
),

ceased as (
    select
        d.census_year,
        p.plan_id,
        p.start_date,
        p.cease_date,
        p.cease_reason,
        pe.dob,
        upper(trim(pe.sex)) as sex,
        coalesce(eth.label, 'Unclassified') as ethnicity
    from days d
    join {{ source('core', 'plan') }} p on p.cease_date between d.period_start and d.period_end
        and coalesce(p.transfer_in_date, p.start_date) <= p.cease_date
    join {{ source('core', 'person') }} pe on pe.person_id = p.person_id
    left join {{ ref('dfe_ethnicity') }} eth on eth.code = upper(trim(pe.ethnicity))
),

final as (
    select
        c.census_year,
        c.plan_id,
        c.cease_reason,
        c.sex,
        c.ethnicity,
        cast(extract(year from c.cease_date) - extract(year from c.dob)
             - case when extract(month from c.dob) * 100 + extract(day from c.dob)
                         > extract(month from c.cease_date) * 100 + extract(day from c.cease_date) then 1 else 0 end
             as integer) as age_at_cease,
        cast(extract(year from c.cease_date) - extract(year from c.start_date)
             - case when extract(month from c.start_date) * 100 + extract(day from c.start_date)
                         > extract(month from c.cease_date) * 100 + extract(day from c.cease_date) then 1 else 0 end
             as integer) as years_held,
        coalesce(n.dfe_column, 'placement_unknown') as dfe_column
    from ceased c
    left join {{ ref('dfe_named_placements') }} n on n.census_year = c.census_year and n.plan_id = c.plan_id
)

select * from final
