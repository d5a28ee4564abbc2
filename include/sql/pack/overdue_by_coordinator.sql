-- pack.overdue_by_coordinator: plans whose annual review is overdue at the as-at date, by co-ordinator
-- (pseudonymised officer_key, with the role they hold), the fifteen with the most.
with

overdue as (
    select * from marts.overdue_reviews where officer_key is not null
),

roles as (
    select officer_key, max(role) as role from marts.coordinator_caseload group by officer_key
),

final as (
    select
        o.officer_key,
        coalesce(r.role, 'Co-ordinator') as role,
        count(*) as overdue_reviews
    from overdue o
    left join roles r on r.officer_key = o.officer_key
    group by o.officer_key, r.role
    order by count(*) desc, o.officer_key
    limit 15
)

select * from final
