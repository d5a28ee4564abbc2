-- marts.overdue_reviews: plans the LA holds on the as-at date whose annual review is overdue: no review
-- meeting within 12 months of the last one (or of the plan's start, for a plan never reviewed; Children
-- and Families Act 2014 s44(1)). A plan transferred in from another LA and not reviewed since is due by
-- the later of 12 months from it being made or last reviewed and 3 months from the transfer (SEND
-- Regulations 2014 reg 15(5)): a plan transferred in 2 months ago is never overdue. Held = started, held
-- by this LA (from its transfer-in date) and not ceased by the as-at date, as on the census day.
with

plans as (
    select * from {{ source('core', 'plan') }}
    where start_date <= {{ as_at() }} and coalesce(transfer_in_date, start_date) <= {{ as_at() }}
      and (cease_date is null or cease_date > {{ as_at() }})
),

persons as (
    select person_id, person_key from {{ source('core', 'person') }}
),

last_reviews as (
    select p.plan_id, max(r.meeting_date) as last_review_date
    from plans p
    join {{ source('core', 'review') }} r
        on r.person_id = p.person_id and r.meeting_date >= p.start_date and r.meeting_date <= {{ as_at() }}
    group by p.plan_id
),

current_coordinator as (
    select plan_id, officer_key
    from (
        select a.plan_id, o.officer_key,
               row_number() over (partition by a.plan_id order by a.from_date desc) as rn
        from {{ source('core', 'coordinator_assignment') }} a
        join {{ source('core', 'officer') }} o on o.officer_id = a.officer_id
        where a.from_date <= {{ as_at() }} and (a.to_date is null or a.to_date >= {{ as_at() }})
    ) ranked
    where rn = 1
),

current_school as (
    select plan_id, urn as school_urn
    from (
        select plan_id, urn,
               row_number() over (partition by plan_id order by placement_rank, entry_date desc) as rn
        from {{ source('core', 'placement') }}
        where (entry_date is null or entry_date <= {{ as_at() }}) and (leaving_date is null or leaving_date > {{ as_at() }})
    ) ranked
    where rn = 1
),

due as (
    select
        p.plan_id,
        p.person_id,
        p.start_date as plan_start_date,
        p.transfer_in_date,
        l.last_review_date,
        case
            when p.transfer_in_date is not null and (l.last_review_date is null or l.last_review_date < p.transfer_in_date)
                then greatest(cast(coalesce(l.last_review_date, p.start_date) + interval '12 months' as date),
                              cast(p.transfer_in_date + interval '3 months' as date))
            else cast(coalesce(l.last_review_date, p.start_date) + interval '12 months' as date)
        end as review_due_by,
        case
            when p.transfer_in_date is not null and (l.last_review_date is null or l.last_review_date < p.transfer_in_date)
                then 'transfer_in'
            when l.last_review_date is not null then 'last_review'
            else 'plan_start'
        end as due_rule
    from plans p
    left join last_reviews l on l.plan_id = p.plan_id
),

final as (
    select
        pe.person_key,
        c.officer_key,
        s.school_urn,
        d.plan_start_date,
        d.transfer_in_date,
        d.last_review_date,
        d.due_rule,
        d.review_due_by,
        {{ as_at() }} - d.review_due_by as days_overdue,
        {{ as_at() }} as as_at
    from due d
    join persons pe on pe.person_id = d.person_id
    left join current_coordinator c on c.plan_id = d.plan_id
    left join current_school s on s.plan_id = d.plan_id
    where d.review_due_by < {{ as_at() }}
)

select * from final
