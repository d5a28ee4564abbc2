-- pack.forecast_places: children with EHC plans in state-funded special schools on each January census
-- day, recorded and projected by the baseline sufficiency forecast (marts.forecast_places), against the
-- places at the special schools in the LA's area (GIAS capacity, held for the latest year), the last five
-- recorded years and every projected one; whole numbers, the chance of demand above places as a %.
with

places as (
    select * from marts.forecast_places where scenario = 'baseline'
),

recorded as (
    select census_year from places where kind = 'recorded' order by census_year desc limit 5
),

final as (
    select
        p.census_year,
        p.kind,
        cast(round(cast(p.special_plans as numeric)) as integer) as special_plans,
        cast(round(cast(p.special_plans_lower as numeric)) as integer) as special_plans_lower,
        cast(round(cast(p.special_plans_upper as numeric)) as integer) as special_plans_upper,
        p.places,
        round(cast(100 * p.p_demand_exceeds_places as numeric), 0) as pct_runs_above_places
    from places p
    where p.kind = 'projected' or p.census_year in (select census_year from recorded)
)

select * from final order by census_year
