-- staging.review_events: each tracker review with what was known on the as-at date, the plan it
-- belongs to, and the child's age at the start of the academic year (for phase-transfer deadlines).
with

reviews as (
    select * from core.review
),

persons as (
    select person_id, person_key, dob from core.person
),

plans as (
    select plan_id, person_id, start_date, cease_date from core.plan
),

officers as (
    select officer_key, lower(trim(name)) as name_key from core.officer
),

known as (
    -- as at the as-at date: anything dated after it has not happened yet
    select
        r.*,
        coalesce(r.meeting_date, r.due_date) as review_date,
        case when r.meeting_date <= :as_at then r.meeting_date end as held_date,
        case when r.paperwork_received_date <= :as_at then r.paperwork_received_date end as paperwork_known,
        case when r.decision_date <= :as_at then r.decision_date end as decision_known,
        case when r.final_amended_date <= :as_at then r.final_amended_date end as final_known
    from reviews r
),

with_plan as (
    select
        k.*,
        p.plan_id,
        p.start_date as plan_start_date,
        row_number() over (
            partition by k.person_id, k.review_type, k.review_date, k.source_file, k.source_row
            order by p.start_date desc
        ) as plan_rank
    from known k
    left join plans p
        on p.person_id = k.person_id
        and p.start_date <= k.review_date
        and (p.cease_date is null or p.cease_date >= k.review_date)
),

final as (
    select
        w.*,
        pe.person_key,
        o.officer_key,
        cast(case when extract(month from w.review_date) >= 9 then extract(year from w.review_date)
                  else extract(year from w.review_date) - 1 end as integer) as academic_start_year,
        cast(
            (case when extract(month from w.review_date) >= 9 then extract(year from w.review_date)
                  else extract(year from w.review_date) - 1 end)
            - extract(year from pe.dob)
            - case when extract(month from pe.dob) * 100 + extract(day from pe.dob) > 831 then 1 else 0 end
        as integer) as age_at_academic_year_start
    from with_plan w
    left join persons pe on pe.person_id = w.person_id
    left join officers o on o.name_key = lower(trim(w.coordinator))
    where w.plan_rank = 1
)

select * from final
