-- consortium.timeliness_by_la: EHC needs assessment timeliness by LA and calendar year, with the
-- consortium's own row (la_code 'ALL'). Rates are recomputed from summed counts, never averaged.
with

by_la as (
    select
        la_code,
        time_period,
        requests_received,
        plans_issued_den,
        plans_issued_within_20_weeks,
        plans_issued_den_ex,
        plans_issued_20_weeks_ex
    from consortium.ehcna_timeliness
),

consortium_total as (
    select
        'ALL' as la_code,
        time_period,
        sum(requests_received) as requests_received,
        sum(plans_issued_den) as plans_issued_den,
        sum(plans_issued_within_20_weeks) as plans_issued_within_20_weeks,
        sum(plans_issued_den_ex) as plans_issued_den_ex,
        sum(plans_issued_20_weeks_ex) as plans_issued_20_weeks_ex
    from by_la
    group by time_period
),

unioned as (
    select * from by_la
    union all
    select * from consortium_total
),

final as (
    select
        la_code,
        time_period,
        requests_received,
        plans_issued_den,
        plans_issued_within_20_weeks,
        round(cast(100.0 * plans_issued_within_20_weeks / nullif(plans_issued_den, 0) as numeric), 1)
            as pc_plans_issued_within_20_weeks,
        round(cast(100.0 * plans_issued_20_weeks_ex / nullif(plans_issued_den_ex, 0) as numeric), 1)
            as pc_plans_issued_20_weeks_ex
    from unioned
)

select * from final
