-- forecast.spend_history: high-needs spend and funded pupils by financial year and provision type
-- (marts.spend_by_provision_type), the years complete before the as-at date (a part year understates a
-- year's cost); the forecast divides each by the plans in the matching setting groups on the January
-- census day inside that year to get the observed cost per plan.
with

spend as (
    select financial_year, provision_type, amount, pupils from marts.spend_by_provision_type
),

final as (
    select financial_year, provision_type, amount, pupils
    from spend
    where financial_year < case when extract(month from :as_at) >= 4
        then cast(extract(year from :as_at) as varchar) else cast(extract(year from :as_at) - 1 as varchar) end
)

select * from final order by financial_year, provision_type
