-- marts.annual_reviews: one row per annual review, with the statutory clocks as at the as-at date.
-- 15-day paperwork standard (the LA's; :paperwork_days), the regulations' 14 days beside it, the
-- 4-week decision (28 days), the 12-month cycle, and phase-transfer deadlines (15 Feb / 31 Mar).
with

events as (
    select * from staging.review_events
),

tracker_history as (
    -- the tracker's first recorded meeting: before it, earlier reviews are simply not on record
    select min(held_date) as history_start from events
),

cycle as (
    select
        e.*,
        lag(e.held_date) over (
            partition by e.person_id, e.plan_id order by e.held_date
        ) as previous_meeting_date
    from events e
),

clocks as (
    select
        c.*,
        -- the 12-month cycle runs from the previous meeting, or from the plan's start for its first
        -- review; a first review of a plan that started before the tracker's history cannot be judged
        case
            when c.previous_meeting_date is not null then c.previous_meeting_date
            when c.plan_start_date >= h.history_start then c.plan_start_date
        end as cycle_anchor_date,
        c.held_date + :paperwork_days as paperwork_deadline,
        c.held_date + 28 as decision_deadline,
        case
            when c.review_type <> 'Phase Transfer' then null
            when c.age_at_academic_year_start >= 15 then make_date(c.academic_start_year + 1, 3, 31)
            else make_date(c.academic_start_year + 1, 2, 15)
        end as phase_transfer_deadline
    from cycle c
    cross join tracker_history h
),

final as (
    select
        person_key,
        school_urn,
        officer_key,
        review_type,
        cast(academic_start_year as varchar) || '-'
            || substr(cast(academic_start_year + 1 as varchar), 3, 2) as academic_year,
        due_date,
        meeting_date,
        paperwork_received_date,
        paperwork_known - held_date as days_to_paperwork,
        paperwork_deadline,
        case
            when held_date is null then null
            when paperwork_known is not null then
                case when paperwork_known - held_date <= :paperwork_days then 'on_time' else 'late' end
            when :as_at > paperwork_deadline then 'outstanding_late'
            else 'pending'
        end as paperwork_status,
        case
            when held_date is null or paperwork_known is null then null
            when paperwork_known - held_date <= 14 then 1 else 0
        end as paperwork_within_14_days,
        decision_date,
        decision_known - held_date as days_to_decision,
        decision_deadline,
        case
            when held_date is null then null
            when decision_known is not null then
                case when decision_known - held_date <= 28 then 'on_time' else 'late' end
            when :as_at > decision_deadline then 'outstanding_late'
            else 'pending'
        end as decision_status,
        outcome,
        previous_meeting_date,
        cycle_anchor_date,
        case
            when held_date is null or cycle_anchor_date is null then null
            when held_date <= cast(cycle_anchor_date + interval '12 months' as date) then 1 else 0
        end as held_within_12_months,
        phase_transfer_deadline,
        final_amended_date,
        case
            when phase_transfer_deadline is null then null
            when final_known is not null then
                case when final_known <= phase_transfer_deadline then 'on_time' else 'late' end
            when :as_at > phase_transfer_deadline then 'outstanding_late'
            else 'pending'
        end as phase_transfer_status,
        :as_at as as_at
    from clocks
)

select * from final
