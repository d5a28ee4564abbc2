-- pack.cost_per_pupil: average yearly high-needs cost per funded pupil by provision type, the last five
-- complete financial years before the as-at date (marts.spend_by_provision_type; the year in progress
-- is left out: a part-year average understates the cost).
with

spend as (
    select * from marts.spend_by_provision_type
),

complete as (
    select distinct financial_year from spend
    where financial_year < case when extract(month from :as_at) >= 4
        then cast(extract(year from :as_at) as varchar) else cast(extract(year from :as_at) - 1 as varchar) end
),

years as (
    select financial_year from complete order by financial_year desc limit 5
),

final as (
    select s.financial_year, s.provision_type, s.pupils, s.avg_cost_per_pupil
    from spend s
    join years y on y.financial_year = s.financial_year
)

select * from final order by financial_year, provision_type
