-- marts.caseload_by_role: per quarter end and role/grade, how many officers held cases and their
-- average and highest caseloads (the FOI question: caseloads per officer by pay band since 2018).
with

caseloads as (
    select * from {{ ref('coordinator_caseload') }}
),

final as (
    select
        quarter_end,
        role,
        grade,
        count(*) as officers,
        sum(fte) as total_fte,
        sum(active_plans) as active_plans,
        round(cast(avg(active_plans) as numeric), 1) as avg_caseload,
        max(active_plans) as max_caseload,
        {{ as_at() }} as as_at
    from caseloads
    group by quarter_end, role, grade
)

select * from final
