-- foi.comparators (helper): the areas the LA is benchmarked against - itself, England, its region and
-- its ten statistical neighbours (closest first), named as the DfE release names them
-- (foi.statistical_neighbours maps the four names the neighbour list spells differently).
with

la as (
    select * from foi.la_identity
),

neighbours as (
    select * from foi.statistical_neighbours
),

final as (
    select 1 as sort_order, 'This LA' as comparator, 'z' as neighbour_rank, 'Local authority' as geographic_level,
           la.la_name as la_name, cast(null as varchar) as region_name
    from la
    union all
    select 2, 'England', 'z', 'National', cast(null as varchar), cast(null as varchar)
    from la
    union all
    select 3, 'Region', 'z', 'Regional', cast(null as varchar), la.region_name
    from la
    union all
    select 3 + n.neighbour_rank, 'Statistical neighbour', cast(n.neighbour_rank as varchar), 'Local authority',
           n.neighbour_la_name, cast(null as varchar)
    from neighbours n
    join la on la.la_name = n.la_name
)

select * from final
