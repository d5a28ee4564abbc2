-- foi.ehcna_requests_and_plans: per calendar year, requests for an EHC needs assessment received and
-- their outcome, the decisions whether to assess made in the year (whenever the request was received:
-- the DfE's 6-week population; a withdrawal is not a decision) within and after 6 weeks, and new EHC plans
-- issued with their timeliness in the DfE's timeliness_20_week.csv definitions (plans counted in the year
-- issued), all from marts.ehcna_timeliness.
with

timeliness as (
    select * from marts.ehcna_timeliness
),

la as (
    select * from foi.la_identity
),

final as (
    select
        t.time_period,
        'Calendar year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        t.requests_received,
        t.decided_to_assess,
        t.decided_not_to_assess,
        t.withdrawn,
        t.undecided,
        t.decisions_made,
        t.request_outcome_six_weeks as decisions_within_6_weeks,
        t.request_outcome_over_6_weeks as decisions_after_6_weeks,
        t.request_outcome_six_weeks_pc as pc_decisions_within_6_weeks,
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
    cross join la
    where t.time_period <= extract(year from :as_at)
)

select * from final
