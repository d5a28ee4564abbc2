-- foi.annual_review_timeliness: annual reviews held per calendar year (meeting date, up to the as-at
-- date) by review type, with the paperwork (LA standard, 15 days) and decision (4 weeks) outcomes from
-- marts.annual_reviews, and a Total row per year. Two 4-week rates: ours (decisions due: late and
-- outstanding count against it) and the DfE's pc_decsion_4weeks (decided reviews only).
with

reviews as (
    select * from marts.annual_reviews where meeting_date <= :as_at
),

dated as (
    select r.*, cast(extract(year from r.meeting_date) as integer) as meeting_year
    from reviews r
),

la as (
    select * from foi.la_identity
),

grouped as (
    select
        meeting_year as time_period,
        case when grouping(review_type) = 1 then 'Total' else review_type end as review_type,
        count(*) as reviews_held,
        sum(case when paperwork_status = 'on_time' then 1 else 0 end) as paperwork_on_time,
        sum(case when paperwork_status = 'late' then 1 else 0 end) as paperwork_late,
        sum(case when paperwork_status = 'outstanding_late' then 1 else 0 end) as paperwork_outstanding_late,
        sum(case when paperwork_status = 'pending' then 1 else 0 end) as paperwork_pending,
        sum(case when decision_status = 'on_time' then 1 else 0 end) as decision_on_time,
        sum(case when decision_status = 'late' then 1 else 0 end) as decision_late,
        sum(case when decision_status = 'outstanding_late' then 1 else 0 end) as decision_outstanding_late,
        sum(case when decision_status = 'pending' then 1 else 0 end) as decision_pending
    from dated
    group by grouping sets ((meeting_year, review_type), (meeting_year))
),

final as (
    select
        g.time_period,
        'Calendar year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        g.review_type,
        g.reviews_held,
        g.paperwork_on_time,
        g.paperwork_late,
        g.paperwork_outstanding_late,
        g.paperwork_pending,
        round(cast(100.0 * g.paperwork_on_time
            / nullif(g.paperwork_on_time + g.paperwork_late + g.paperwork_outstanding_late, 0) as numeric), 1)
            as pct_paperwork_on_time,
        g.decision_on_time,
        g.decision_late,
        g.decision_outstanding_late,
        g.decision_pending,
        round(cast(100.0 * g.decision_on_time
            / nullif(g.decision_on_time + g.decision_late + g.decision_outstanding_late, 0) as numeric), 1)
            as pct_due_decisions_within_4_weeks,
        round(cast(100.0 * g.decision_on_time / nullif(g.decision_on_time + g.decision_late, 0) as numeric), 1)
            as pc_decsion_4weeks
    from grouped g
    cross join la
)

select * from final
