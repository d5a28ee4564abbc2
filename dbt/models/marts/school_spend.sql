-- marts.school_spend: SEND cost-centre ledger spend by school (URN), financial year (April-March) and
-- account code, with the pupils it funded (distinct CMS IDs on the lines) and spend per pupil.
-- Lines without a URN (transport, agency staff, consultants, home tuition) have school_urn NULL.
with

ledger as (
    select * from {{ source('core', 'ledger_line') }}
),

schools as (
    select * from {{ ref('school_provision') }}
),

grouped as (
    select
        urn as school_urn,
        financial_year,
        account_code,
        max(account_description) as account_description,
        sum(amount) as amount,
        count(distinct person_id) as pupils,
        count(*) as lines
    from ledger
    group by urn, financial_year, account_code
),

final as (
    select
        g.school_urn,
        s.name as school_name,
        coalesce(s.provision_type,
                 (select a.provision_type from {{ source('ref', 'account_code') }} a where a.account_code = g.account_code)) as provision_type,
        g.financial_year,
        g.account_code,
        g.account_description,
        g.amount,
        g.pupils,
        g.lines,
        round(cast(g.amount / nullif(g.pupils, 0) as numeric), 2) as spend_per_pupil,
        {{ as_at() }} as as_at
    from grouped g
    left join schools s on s.urn = g.school_urn
)

select * from final
