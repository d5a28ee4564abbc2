-- pack.forecast_plans: EHC plans on each January census day, recorded and projected by the baseline
-- sufficiency forecast (marts.forecast_plans, built by send_forecast after the previous pack), the last
-- five recorded years and every projected one, with the projection's interval; whole numbers.
with

plans as (
    select * from marts.forecast_plans where scenario = 'baseline' and breakdown = 'total'
),

recorded as (
    select census_year from plans where kind = 'recorded' order by census_year desc limit 5
),

final as (
    select
        p.census_year,
        p.kind,
        cast(round(cast(p.plans as numeric)) as integer) as plans,
        cast(round(cast(p.plans_lower as numeric)) as integer) as plans_lower,
        cast(round(cast(p.plans_upper as numeric)) as integer) as plans_upper,
        cast(round(cast(p.new_plans as numeric)) as integer) as new_plans
    from plans p
    where p.kind = 'projected' or p.census_year in (select census_year from recorded)
)

select * from final order by census_year
