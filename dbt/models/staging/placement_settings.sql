-- staging.placement_settings: each placement's setting column in the DfE's tables (staging.dfe_setting_types),
-- as the SEN2 sign-off maps it (sen2/figures.py): the SENSetting code when one is recorded, else the GIAS
-- type of the URN, else of the UKPRN (a UKPRN GIAS does not know is a UKRLP provider); anything else is
-- "placement not recorded". A mainstream place (not independent) in resourced provision or an SEN unit
-- goes to that column's _resourced_provision / _senunit column. NIEO of a child of compulsory school age
-- on the census day (neet_other_csa) depends on the day: the census-day plan units split it.
with

placements as (
    select
        placement_id, plan_id, urn, nullif(trim(ukprn), '') as ukprn, nullif(upper(trim(setting_code)), '') as setting_code,
        placement_rank, entry_date, leaving_date, sen_unit, resourced_provision, named_in_plan
    from {{ source('core', 'placement') }}
),

mapping as (
    select * from {{ ref('dfe_setting_types') }}
),

school_types as (
    select urn, type_name from {{ source('core', 'school') }}
),

ukprn_types as (
    select trim(ukprn) as ukprn, min(type_name) as type_name
    from {{ source('core', 'school') }}
    where ukprn is not null and trim(ukprn) <> ''
    group by trim(ukprn)
),

mapped as (
    select
        p.*,
        coalesce(
            case
                when p.setting_code is not null then ms.dfe_column
                when p.urn is not null then mu.dfe_column
                when p.ukprn is not null then coalesce(mk.dfe_column, 'ukrlp_provider')
            end,
            'placement_unknown'
        ) as base_column
    from placements p
    left join mapping ms on ms.kind = 'sen_setting' and ms.value = p.setting_code
    left join school_types su on su.urn = p.urn
    left join mapping mu on mu.kind = 'gias_type' and mu.value = su.type_name
    left join ukprn_types sk on sk.ukprn = p.ukprn
    left join mapping mk on mk.kind = 'gias_type' and mk.value = sk.type_name
),

final as (
    select
        placement_id, plan_id, placement_rank, entry_date, leaving_date, named_in_plan,
        case
            when base_column like 'mainstream%' and base_column <> 'mainstream_independent'
                 and resourced_provision = 1 then base_column || '_resourced_provision'
            when base_column like 'mainstream%' and base_column <> 'mainstream_independent'
                 and sen_unit = 1 then base_column || '_senunit'
            else base_column
        end as dfe_column
    from mapped
)

select * from final
