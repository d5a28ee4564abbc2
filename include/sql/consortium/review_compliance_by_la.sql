-- consortium.review_compliance_by_la: annual-review compliance by LA and academic year (paperwork
-- standard and the 4-week decision), with the consortium's own row (la_code 'ALL'); rates from counts.
with

by_la as (
    select
        la_code,
        academic_year,
        reviews_held,
        paperwork_on_time,
        paperwork_late + paperwork_outstanding_late as paperwork_late_or_outstanding,
        decision_on_time,
        decision_late + decision_outstanding_late as decision_late_or_outstanding
    from consortium.review_compliance
    where grouping_level = 'academic_year'
),

consortium_total as (
    select
        'ALL' as la_code,
        academic_year,
        sum(reviews_held) as reviews_held,
        sum(paperwork_on_time) as paperwork_on_time,
        sum(paperwork_late_or_outstanding) as paperwork_late_or_outstanding,
        sum(decision_on_time) as decision_on_time,
        sum(decision_late_or_outstanding) as decision_late_or_outstanding
    from by_la
    group by academic_year
),

unioned as (
    select * from by_la
    union all
    select * from consortium_total
),

final as (
    select
        la_code,
        academic_year,
        reviews_held,
        paperwork_on_time,
        paperwork_late_or_outstanding,
        round(cast(100.0 * paperwork_on_time
            / nullif(paperwork_on_time + paperwork_late_or_outstanding, 0) as numeric), 1) as pct_paperwork_on_time,
        decision_on_time,
        decision_late_or_outstanding,
        round(cast(100.0 * decision_on_time
            / nullif(decision_on_time + decision_late_or_outstanding, 0) as numeric), 1) as pct_decision_on_time
    from unioned
)

select * from final
