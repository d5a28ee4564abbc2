-- forecast.special_places: the places at the state-funded special schools in the LA's own area (GIAS
-- SchoolCapacity of each open school whose establishment type is special; staging.school_provision), the
-- capacity the projected special-school demand is set against.
with

schools as (
    select urn, name, capacity, provision_type, la_code from staging.school_provision
),

final as (
    select
        count(*) as special_schools,
        coalesce(sum(capacity), 0) as places,
        sum(case when capacity is null then 1 else 0 end) as schools_without_capacity
    from schools
    where provision_type = 'la_special' and la_code = :la_code
)

select * from final
