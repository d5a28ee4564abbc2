-- staging.person_need_category: each person's latest primary (rank 1) need and its category in the
-- banded funding framework: Cat 1 communication and interaction (SLCN, ASD), Cat 2 cognition and
-- learning (SPLD, MLD, SLD, PMLD, DS), Cat 3 SEMH, Cat 4 sensory and/or physical (HI, VI, MSI, PD);
-- OTH has no category.
with

needs as (
    select n.plan_id, n.need_code, n.recorded_date, p.person_id, p.start_date
    from {{ source('core', 'need') }} n
    join {{ source('core', 'plan') }} p on p.plan_id = n.plan_id
    where n.need_rank = 1
),

latest as (
    select person_id, need_code,
           row_number() over (partition by person_id order by start_date desc, recorded_date desc) as rn
    from needs
),

final as (
    select
        person_id,
        need_code as primary_need,
        case
            when need_code in ('SLCN', 'ASD') then 'Cat 1'
            when need_code in ('SPLD', 'MLD', 'SLD', 'PMLD', 'DS') then 'Cat 2'
            when need_code = 'SEMH' then 'Cat 3'
            when need_code in ('HI', 'VI', 'MSI', 'PD') then 'Cat 4'
        end as need_category
    from latest
    where rn = 1
)

select * from final
