-- marts.transfers_in: every EHC plan transferred in from another LA by the as-at date, with the two
-- clocks SEND Regulations 2014 reg 15 starts on the day of the transfer: the notice to the family within
-- 6 weeks - that the plan has been transferred, whether the LA proposes to assess, and when it will review
-- the plan (reg 15(4); the CMS records no date for the notice, so only its deadline is shown) - and the
-- first review, before the later of 12 months from the plan being made or last reviewed and 3 months from
-- the transfer (reg 15(5)). The old LA's last review is on the tracker only if it was recorded there;
-- otherwise the 12 months run from the plan's start (the date it was made, reg 15(3)(a)).
with

plans as (
    select * from {{ source('core', 'plan') }} where transfer_in_date is not null and transfer_in_date <= {{ as_at() }}
),

persons as (
    select person_id, person_key from {{ source('core', 'person') }}
),

meetings as (
    select person_id, meeting_date from {{ source('core', 'review') }} where meeting_date is not null and meeting_date <= {{ as_at() }}
),

before_transfer as (
    select p.plan_id, max(m.meeting_date) as last_review_before_transfer
    from plans p
    join meetings m on m.person_id = p.person_id and m.meeting_date >= p.start_date and m.meeting_date < p.transfer_in_date
    group by p.plan_id
),

first_review as (
    select p.plan_id, min(m.meeting_date) as first_review_date
    from plans p
    join meetings m on m.person_id = p.person_id and m.meeting_date >= p.transfer_in_date
        and (p.cease_date is null or m.meeting_date <= p.cease_date)
    group by p.plan_id
),

clocks as (
    select
        p.*,
        b.last_review_before_transfer,
        f.first_review_date,
        cast(p.transfer_in_date + 42 as date) as notice_due_date,
        greatest(cast(coalesce(b.last_review_before_transfer, p.start_date) + interval '12 months' as date),
                 cast(p.transfer_in_date + interval '3 months' as date)) as first_review_due_by
    from plans p
    left join before_transfer b on b.plan_id = p.plan_id
    left join first_review f on f.plan_id = p.plan_id
),

final as (
    select
        pe.person_key,
        c.transferred_from_la,
        c.transfer_in_date,
        c.start_date as plan_start_date,
        c.cease_date,
        c.notice_due_date,
        c.last_review_before_transfer,
        c.first_review_due_by,
        c.first_review_date,
        case
            when c.first_review_date is not null then
                case when c.first_review_date <= c.first_review_due_by then 'on_time' else 'late' end
            when c.cease_date <= c.first_review_due_by and c.cease_date <= {{ as_at() }} then 'ceased_before_due'
            when {{ as_at() }} > c.first_review_due_by then 'outstanding_late'
            else 'pending'
        end as first_review_status,
        {{ as_at() }} - c.transfer_in_date as days_since_transfer,
        {{ as_at() }} as as_at
    from clocks c
    join persons pe on pe.person_id = c.person_id
)

select * from final
