-- marts.annual_reviews: one row per annual review, with the statutory clocks as at the as-at date
-- (SEND Regulations 2014; docs/dfe_measures.md):
-- - the paperwork (the review report): the LA's 15-day standard (:paperwork_days) and the regulations'
--   2 weeks (14 days, regs 20(7) and 21(7)) beside it;
-- - the decision to maintain, amend or cease within 4 weeks (28 days) of the meeting (reg 20(10)); when
--   amending, the proposed amendments come with it (reg 22(2); R (L, M, P) v Devon CC [2022] EWHC 493
--   (Admin)), and the final amended plan within 8 weeks (56 days) of that amendment notice (reg 22(3));
-- - the review within 12 months of the last one, or of the plan's start (Children and Families Act 2014
--   s44(1)); the first review after a plan transferred in from another LA by the later of 12 months from
--   the plan being made or last reviewed and 3 months from the transfer (reg 15(5));
-- - phase transfers (reg 18): reviewed and amended by 15 February of the calendar year of the transfer,
--   31 March for a move from secondary school to a post-16 institution (a school sixth form included),
--   and at least 5 months before a move between post-16 institutions (reg 18(2)). A phase-transfer
--   review that decides to maintain or cease needs no amended plan: it is complete on its decision.
with

events as (
    select * from {{ ref('review_events') }}
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

anchored as (
    select
        c.*,
        -- the first review after a transfer in (none since the transfer date)
        c.transfer_in_date is not null and c.review_date >= c.transfer_in_date
            and (c.previous_meeting_date is null or c.previous_meeting_date < c.transfer_in_date)
            as first_after_transfer,
        -- the 12-month cycle runs from the previous meeting, or from the plan's start for its first review;
        -- a first review of a plan that started before the tracker's history cannot be judged (unless
        -- transferred in: the old LA's reviews are never on our tracker, reg 15(5) counts from the start)
        case
            when c.previous_meeting_date is not null then c.previous_meeting_date
            when c.plan_start_date >= h.history_start or c.transfer_in_date is not null then c.plan_start_date
        end as cycle_anchor_date
    from cycle c
    cross join tracker_history h
),

clocks as (
    select
        a.*,
        case
            when a.cycle_anchor_date is null then null
            when a.first_after_transfer then greatest(cast(a.cycle_anchor_date + interval '12 months' as date),
                                                      cast(a.transfer_in_date + interval '3 months' as date))
            else cast(a.cycle_anchor_date + interval '12 months' as date)
        end as review_due_by,
        a.held_date + {{ var('paperwork_days') }} as paperwork_deadline,
        a.held_date + 14 as paperwork_deadline_14_days,
        a.held_date + 28 as decision_deadline,
        -- the amended plan named for the transfer: reg 18(2) for a young person already at a post-16
        -- institution (transfer: the next placement's start, else 1 September), else reg 18(1) by the
        -- age on 31 August of the review's academic year - the next standard transfer is into reception
        -- at 4, juniors at 7, secondary at 11, post-16 at 16 (a Year 5 review transfers two Februaries on)
        case
            when a.review_type <> 'Phase Transfer' then null
            when a.school_is_post_16 then '18(2)'
            when a.age_at_academic_year_start is null then null
            when a.age_at_academic_year_start >= 11 then '18(1)(a)'
            else '18(1)(b)'
        end as phase_transfer_rule,
        case
            when a.review_type <> 'Phase Transfer' then null
            when a.school_is_post_16 then
                cast(coalesce(a.next_placement_date, make_date(a.academic_start_year + 1, 9, 1))
                     - interval '5 months' as date)
            when a.age_at_academic_year_start is null then null
            when a.age_at_academic_year_start >= 16 then make_date(a.academic_start_year + 1, 3, 31)
            when a.age_at_academic_year_start >= 11
                then make_date(a.academic_start_year + 16 - a.age_at_academic_year_start, 3, 31)
            else make_date(a.academic_start_year
                           + case when a.age_at_academic_year_start < 4 then 4
                                  when a.age_at_academic_year_start < 7 then 7 else 11 end
                           - a.age_at_academic_year_start, 2, 15)
        end as phase_transfer_deadline,
        case when a.review_date >= a.transfer_in_date then a.transfer_in_date end as plan_transfer_in_date,
        lower(trim(a.outcome)) as outcome_key,
        case when a.draft_amended_date <= {{ as_at() }} then a.draft_amended_date end as draft_known
    from anchored a
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
                case when paperwork_known - held_date <= {{ var('paperwork_days') }} then 'on_time' else 'late' end
            when {{ as_at() }} > paperwork_deadline then 'outstanding_late'
            else 'pending'
        end as paperwork_status,
        case
            when held_date is null then null
            when paperwork_known is not null then
                case when paperwork_known - held_date <= 14 then 'on_time' else 'late' end
            when {{ as_at() }} > paperwork_deadline_14_days then 'outstanding_late'
            else 'pending'
        end as paperwork_status_14_days,
        case
            when held_date is null then null
            when paperwork_known is not null then case when paperwork_known - held_date <= 14 then 1 else 0 end
            when {{ as_at() }} > paperwork_deadline_14_days then 0
        end as paperwork_within_14_days,
        decision_date,
        decision_known - held_date as days_to_decision,
        decision_deadline,
        case
            when held_date is null then null
            when decision_known is not null then
                case when decision_known - held_date <= 28 then 'on_time' else 'late' end
            when {{ as_at() }} > decision_deadline then 'outstanding_late'
            else 'pending'
        end as decision_status,
        outcome,
        draft_amended_date,
        case
            -- amending: the decision and the proposed amendments (the amendment notice) within 4 weeks
            when held_date is null or outcome_key is distinct from 'amend' then null
            when decision_known is not null and draft_known is not null then
                case when greatest(decision_known, draft_known) - held_date <= 28 then 'on_time' else 'late' end
            when {{ as_at() }} > decision_deadline then 'outstanding_late'
            else 'pending'
        end as amendment_notice_status,
        cast(draft_known + 56 as date) as final_amended_deadline,
        case
            when held_date is null or outcome_key is distinct from 'amend' or draft_known is null then null
            when final_known is not null then
                case when final_known - draft_known <= 56 then 'on_time' else 'late' end
            when {{ as_at() }} > draft_known + 56 then 'outstanding_late'
            else 'pending'
        end as final_amended_status,
        previous_meeting_date,
        cycle_anchor_date,
        plan_transfer_in_date as transfer_in_date,
        review_due_by,
        case
            when held_date is null or review_due_by is null then null
            when held_date <= review_due_by then 1 else 0
        end as held_within_12_months,
        phase_transfer_rule,
        phase_transfer_deadline,
        final_amended_date,
        case
            when phase_transfer_deadline is null then null
            -- complete: the final amended plan; a decision to maintain or cease needs none
            when outcome_key in ('maintain', 'cease') and decision_known is not null then
                case when decision_known <= phase_transfer_deadline then 'on_time' else 'late' end
            when final_known is not null then
                case when final_known <= phase_transfer_deadline then 'on_time' else 'late' end
            when {{ as_at() }} > phase_transfer_deadline then 'outstanding_late'
            else 'pending'
        end as phase_transfer_status,
        {{ as_at() }} as as_at
    from clocks
)

select * from final
