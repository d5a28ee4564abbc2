-- pack.placement_mix: where children and young people with EHC plans are placed, as a share of all
-- plans: this LA beside each LA of its region, the region and England (latest DfE caseload release).
-- The pack works out the shares (in Python, so both engines round alike).
with

release as (
    select * from ref.dfe_caseload where breakdown_topic = 'All EHC plans' and breakdown = 'All EHC plans'
),

identity as (
    select * from foi.la_identity
),

latest as (
    select max(time_period) as time_period from release
),

numbers as (
    select
        r.time_period,
        r.geographic_level,
        coalesce(r.la_name, r.region_name, 'England') as area,
        case when r.geographic_level = 'National' then 'England'
             when r.geographic_level = 'Regional' then 'Region'
             when r.la_name = i.la_name then 'This LA' else 'Region LA' end as comparator,
        case when r.ehcplans in ('c', 'x', 'z', 'u', 'low', '') then null else cast(r.ehcplans as numeric) end as plans,
        case when r.mainstream_total in ('c', 'x', 'z', 'u', 'low', '') then null else cast(r.mainstream_total as numeric) end as mainstream_total,
        case when r.mainstream_independent in ('c', 'x', 'z', 'u', 'low', '') then 0 else cast(r.mainstream_independent as numeric) end as mainstream_independent,
        case when r.special_total in ('c', 'x', 'z', 'u', 'low', '') then null else cast(r.special_total as numeric) end as special_total,
        case when r.special_independent in ('c', 'x', 'z', 'u', 'low', '') then 0 else cast(r.special_independent as numeric) end as special_independent,
        case when r.fe_total in ('c', 'x', 'z', 'u', 'low', '') then 0 else cast(r.fe_total as numeric) end as post_16
    from release r
    cross join identity i
    join latest l on l.time_period = r.time_period
    where r.geographic_level = 'National'
        or (r.geographic_level = 'Regional' and r.region_name = i.region_name)
        or (r.geographic_level = 'Local authority' and r.region_name = i.region_name)
),

final as (
    select
        time_period,
        area,
        comparator,
        plans,
        mainstream_total - mainstream_independent as mainstream,
        special_total - special_independent as special,
        mainstream_independent + special_independent as independent,
        post_16,
        plans - mainstream_total - special_total - post_16 as other
    from numbers
    where plans > 0 and mainstream_total is not null and special_total is not null
)

select * from final
order by case comparator when 'This LA' then 0 when 'Region LA' then 1 when 'Region' then 2 else 3 end, area
