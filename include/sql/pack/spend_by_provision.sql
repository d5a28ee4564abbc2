-- pack.spend_by_provision: high-needs spend by provision type and financial year, with the pupils it
-- paid for and the average cost per pupil, the last five financial years (marts.spend_by_provision_type).
with

spend as (
    select * from marts.spend_by_provision_type
),

years as (
    select distinct financial_year from spend order by financial_year desc limit 5
),

final as (
    select s.financial_year, s.provision_type, s.amount, s.pupils, s.avg_cost_per_pupil
    from spend s
    join years y on y.financial_year = s.financial_year
)

select * from final order by financial_year, provision_type
