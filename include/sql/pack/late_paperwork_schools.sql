-- pack.late_paperwork_schools: the ten schools with the most annual reviews whose paperwork reached the
-- LA late (or is late and still outstanding), reviews held in the 12 months to the as-at date.
with

reviews as (
    select * from marts.annual_reviews
    where meeting_date <= :as_at and meeting_date > :as_at - interval '365' day and school_urn is not null
),

schools as (
    select urn, name from staging.school_provision
),

by_school as (
    select
        school_urn,
        count(*) as reviews_held,
        sum(case when paperwork_status in ('late', 'outstanding_late') then 1 else 0 end) as paperwork_late
    from reviews
    group by school_urn
),

final as (
    select
        b.school_urn,
        coalesce(s.name, cast(b.school_urn as varchar)) as school_name,
        b.reviews_held,
        b.paperwork_late
    from by_school b
    left join schools s on s.urn = b.school_urn
    where b.paperwork_late > 0
    order by b.paperwork_late desc, b.school_urn
    limit 10
)

select * from final
