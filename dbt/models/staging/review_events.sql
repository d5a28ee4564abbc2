-- staging.review_events: each tracker review with what was known on the as-at date, the plan it
-- belongs to (with its transfer in from another LA, if any), and what the phase-transfer deadline
-- depends on: the child's age at the start of the academic year, whether the review's school is a
-- post-16 institution (GIAS type mapped to the DfE's FE columns) and the person's next placement start
-- after the review (a move between post-16 institutions).
with

reviews as (
    select * from {{ source('core', 'review') }}
),

persons as (
    select person_id, person_key, dob from {{ source('core', 'person') }}
),

plans as (
    select plan_id, person_id, start_date, cease_date, transfer_in_date, transferred_from_la from {{ source('core', 'plan') }}
),

post_16_types as (
    select t.value as type_name
    from {{ ref('dfe_setting_types') }} t
    join {{ ref('dfe_setting_columns') }} c on c.dfe_column = t.dfe_column
    where t.kind = 'gias_type' and c.group_column = 'fe_total'
),

post_16_schools as (
    select s.urn from {{ source('core', 'school') }} s join post_16_types t on t.type_name = s.type_name
),

placement_starts as (
    select p.person_id, pl.entry_date
    from {{ source('core', 'placement') }} pl
    join {{ source('core', 'plan') }} p on p.plan_id = pl.plan_id
    where pl.entry_date is not null
),

officers as (
    select officer_key, lower(trim(name)) as name_key from {{ source('core', 'officer') }}
),

known as (
    -- as at the as-at date: anything dated after it has not happened yet
    select
        r.*,
        coalesce(r.meeting_date, r.due_date) as review_date,
        case when r.meeting_date <= {{ as_at() }} then r.meeting_date end as held_date,
        case when r.paperwork_received_date <= {{ as_at() }} then r.paperwork_received_date end as paperwork_known,
        case when r.decision_date <= {{ as_at() }} then r.decision_date end as decision_known,
        case when r.final_amended_date <= {{ as_at() }} then r.final_amended_date end as final_known
    from reviews r
),

with_plan as (
    select
        k.*,
        p.plan_id,
        p.start_date as plan_start_date,
        p.transfer_in_date,
        p.transferred_from_la,
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

matched as (
    select * from with_plan where plan_rank = 1
),

next_placements as (
    select m.person_id, m.review_type, m.review_date, m.source_file, m.source_row,
           min(ps.entry_date) as next_placement_date
    from matched m
    join placement_starts ps on ps.person_id = m.person_id and ps.entry_date > m.review_date
    group by m.person_id, m.review_type, m.review_date, m.source_file, m.source_row
),

final as (
    select
        w.*,
        pe.person_key,
        o.officer_key,
        coalesce(w.school_urn in (select urn from post_16_schools), false) as school_is_post_16,
        n.next_placement_date,
        cast(case when extract(month from w.review_date) >= 9 then extract(year from w.review_date)
                  else extract(year from w.review_date) - 1 end as integer) as academic_start_year,
        cast(
            (case when extract(month from w.review_date) >= 9 then extract(year from w.review_date)
                  else extract(year from w.review_date) - 1 end)
            - extract(year from pe.dob)
            - case when extract(month from pe.dob) * 100 + extract(day from pe.dob) > 831 then 1 else 0 end
        as integer) as age_at_academic_year_start
    from matched w
    left join persons pe on pe.person_id = w.person_id
    left join officers o on o.name_key = lower(trim(w.coordinator))
    left join next_placements n
        on n.person_id = w.person_id and n.review_type = w.review_type
        and n.review_date is not distinct from w.review_date
        and n.source_file is not distinct from w.source_file
        and n.source_row is not distinct from w.source_row
)

select * from final
