-- marts.review_compliance: annual-review compliance rolled up by academic year, month of meeting,
-- school and coordinator (one row per group; `grouping_level` says which). Our rates exclude reviews
-- still within their deadline (pending), so they measure only what could already be judged: the LA's
-- 15-day paperwork standard and the regulations' 2 weeks (regs 20(7), 21(7)) beside it, decisions due
-- within 4 weeks (reg 20(10)), amendment notices within 4 weeks and final amended plans within 8 weeks of
-- them (reg 22). pc_decsion_4weeks is the DfE's measure under the DfE's name (annual_reviews.csv): decided
-- reviews only, so an undecided review never lowers it.
with

reviews as (
    select * from {{ ref('annual_reviews') }} where meeting_date <= {{ as_at() }}
),

shaped as (
    select
        r.*,
        cast(extract(year from r.meeting_date) as integer) * 100
            + cast(extract(month from r.meeting_date) as integer) as meeting_month
    from reviews r
),

grouped as (
    select
        case
            when grouping(meeting_month) = 0 then 'month'
            when grouping(school_urn) = 0 then 'school'
            when grouping(officer_key) = 0 then 'coordinator'
            else 'academic_year'
        end as grouping_level,
        case when grouping(meeting_month) = 0 then null else academic_year end as academic_year,
        case when grouping(meeting_month) = 0 then meeting_month end as meeting_month,
        case when grouping(school_urn) = 0 then school_urn end as school_urn,
        case when grouping(officer_key) = 0 then officer_key end as officer_key,
        count(*) as reviews_held,
        sum(case when paperwork_status = 'on_time' then 1 else 0 end) as paperwork_on_time,
        sum(case when paperwork_status = 'late' then 1 else 0 end) as paperwork_late,
        sum(case when paperwork_status = 'outstanding_late' then 1 else 0 end) as paperwork_outstanding_late,
        sum(case when paperwork_status = 'pending' then 1 else 0 end) as paperwork_pending,
        sum(case when paperwork_status_14_days = 'on_time' then 1 else 0 end) as paperwork_within_14_days,
        sum(case when paperwork_status_14_days = 'late' then 1 else 0 end) as paperwork_late_14_days,
        sum(case when paperwork_status_14_days = 'outstanding_late' then 1 else 0 end)
            as paperwork_outstanding_late_14_days,
        sum(case when paperwork_status_14_days = 'pending' then 1 else 0 end) as paperwork_pending_14_days,
        sum(case when decision_status = 'on_time' then 1 else 0 end) as decision_on_time,
        sum(case when decision_status = 'late' then 1 else 0 end) as decision_late,
        sum(case when decision_status = 'outstanding_late' then 1 else 0 end) as decision_outstanding_late,
        sum(case when decision_status = 'pending' then 1 else 0 end) as decision_pending,
        sum(case when amendment_notice_status = 'on_time' then 1 else 0 end) as amendment_notice_on_time,
        sum(case when amendment_notice_status in ('late', 'outstanding_late') then 1 else 0 end)
            as amendment_notice_late,
        sum(case when final_amended_status = 'on_time' then 1 else 0 end) as final_amended_on_time,
        sum(case when final_amended_status in ('late', 'outstanding_late') then 1 else 0 end) as final_amended_late,
        sum(case when held_within_12_months = 1 then 1 else 0 end) as held_within_12_months,
        sum(case when held_within_12_months is not null then 1 else 0 end) as cycle_assessable
    from shaped
    group by grouping sets (
        (academic_year),
        (meeting_month),
        (academic_year, school_urn),
        (academic_year, officer_key)
    )
),

final as (
    select
        g.*,
        round(cast(100.0 * paperwork_on_time
            / nullif(paperwork_on_time + paperwork_late + paperwork_outstanding_late, 0) as numeric), 1)
            as pct_paperwork_on_time,
        round(cast(100.0 * paperwork_within_14_days
            / nullif(paperwork_within_14_days + paperwork_late_14_days + paperwork_outstanding_late_14_days, 0)
            as numeric), 1) as pct_paperwork_within_14_days,
        round(cast(100.0 * decision_on_time
            / nullif(decision_on_time + decision_late + decision_outstanding_late, 0) as numeric), 1)
            as pct_due_decisions_within_4_weeks,
        round(cast(100.0 * decision_on_time / nullif(decision_on_time + decision_late, 0) as numeric), 1)
            as pc_decsion_4weeks,
        round(cast(100.0 * amendment_notice_on_time / nullif(amendment_notice_on_time + amendment_notice_late, 0)
            as numeric), 1) as pct_amendment_notice_within_4_weeks,
        round(cast(100.0 * final_amended_on_time / nullif(final_amended_on_time + final_amended_late, 0)
            as numeric), 1) as pct_final_amended_within_8_weeks,
        round(cast(100.0 * held_within_12_months / nullif(cycle_assessable, 0) as numeric), 1)
            as pct_held_within_12_months,
        {{ as_at() }} as as_at
    from grouped g
)

select * from final
