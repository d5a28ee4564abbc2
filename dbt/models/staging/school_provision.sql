-- staging.school_provision: each GIAS establishment's provision type, the one definition every spend
-- mart uses. Special schools are found by establishment TYPE (special academies sit in the
-- `Academies` group in GIAS): `la_special` is every state-funded special school (maintained, academy,
-- free); independent schools (special or not) and non-maintained special schools are
-- `independent_or_nonmaintained`; `Special post 16 institution` and colleges are `post_16`.
with

schools as (
    select * from {{ source('core', 'school') }}
),

final as (
    select
        urn,
        name,
        la_code,
        type_name,
        type_group,
        phase,
        capacity,
        case
            when lower(type_name) like '%special post 16%' then 'post_16'
            when lower(type_name) like '%non-maintained special%' or type_group = 'Independent schools'
                then 'independent_or_nonmaintained'
            when lower(type_name) like '%special%' then 'la_special'
            when type_group = 'Colleges' or lower(type_name) like '%further education%'
                 or lower(type_name) like '%sixth form%' then 'post_16'
            when lower(type_name) like '%pupil referral%' or lower(type_name) like '%alternative provision%'
                then 'alternative_provision'
            else 'mainstream'
        end as provision_type
    from schools
)

select * from final
