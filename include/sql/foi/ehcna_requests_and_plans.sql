-- foi.ehcna_requests_and_plans: per calendar year, requests for an EHC needs assessment received and
-- decided (marts.ehcna_requests), and new EHC plans issued with their timeliness in the DfE's
-- timeliness_20_week.csv definitions (marts.ehcna_timeliness: plans counted in the year issued).
with

requests as (
    select * from marts.ehcna_requests
),

timeliness as (
    select * from marts.ehcna_timeliness
),

la as (
    select * from foi.la_identity
),

received as (
    select
        received_year as time_period,
        count(*) as requests_received,
        sum(case when decision = 'Y' then 1 else 0 end) as decided_to_assess,
        sum(case when decision = 'N' then 1 else 0 end) as decided_not_to_assess,
        sum(case when decision = 'W' then 1 else 0 end) as withdrawn,
        sum(case when decision is null or decision not in ('Y', 'N', 'W') then 1 else 0 end) as undecided,
        sum(case when decision in ('Y', 'N', 'W') then 1 else 0 end) as decisions_made,
        sum(case when decision in ('Y', 'N', 'W') and decision_within_6_weeks = 1 then 1 else 0 end)
            as decisions_within_6_weeks,
        sum(case when decision in ('Y', 'N', 'W') and decision_within_6_weeks = 0 then 1 else 0 end)
            as decisions_after_6_weeks
    from requests
    group by received_year
),

final as (
    select
        t.time_period,
        'Calendar year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        coalesce(r.requests_received, 0) as requests_received,
        coalesce(r.decided_to_assess, 0) as decided_to_assess,
        coalesce(r.decided_not_to_assess, 0) as decided_not_to_assess,
        coalesce(r.withdrawn, 0) as withdrawn,
        coalesce(r.undecided, 0) as undecided,
        coalesce(r.decisions_made, 0) as decisions_made,
        coalesce(r.decisions_within_6_weeks, 0) as decisions_within_6_weeks,
        coalesce(r.decisions_after_6_weeks, 0) as decisions_after_6_weeks,
        round(cast(100.0 * r.decisions_within_6_weeks / nullif(r.decisions_made, 0) as numeric), 1)
            as pc_decisions_within_6_weeks,
        t.plans_issued_den as plans_issued,
        t.plans_issued_within_20_weeks,
        t.plans_issued_gt20weeks_ltyear as plans_issued_20_to_52_weeks,
        t.plans_issued_gt_1_year as plans_issued_over_52_weeks,
        t.pc_plans_issued_within_20_weeks,
        t.plans_issued_den - t.plans_issued_den_ex as exception_cases,
        t.plans_issued_within_20_weeks - t.plans_issued_20_weeks_ex as exception_cases_within_20_weeks,
        t.plans_issued_den_ex as plans_issued_excluding_exceptions,
        t.plans_issued_20_weeks_ex as plans_issued_within_20_weeks_excluding_exceptions,
        t.pc_plans_issued_20_weeks_ex as pc_plans_issued_within_20_weeks_excluding_exceptions
    from timeliness t
    left join received r on r.time_period = t.time_period
    cross join la
    where t.time_period <= extract(year from :as_at)
)

select * from final
