-- pack.requests_and_plans: requests for an EHC needs assessment received and new EHC plans issued, per
-- calendar year, for the five complete years before the as-at date (marts.ehcna_timeliness).
with

timeliness as (
    select * from marts.ehcna_timeliness
),

final as (
    select
        time_period as year,
        requests_received,
        plans_issued_den as plans_issued
    from timeliness
    where time_period < extract(year from :as_at) and time_period >= extract(year from :as_at) - 5
)

select * from final order by year
