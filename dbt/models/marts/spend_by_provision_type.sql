-- marts.spend_by_provision_type: pupil-level high-needs spend (accounts 5101-5105) per financial year
-- and provision type, with the average yearly cost per funded pupil (the FOI 9169 question).
-- A pupil funded in two provision types in one year counts in each.
with

ledger as (
    select l.financial_year, l.person_id, l.amount,
           coalesce(s.provision_type,
                    (select a.provision_type from {{ source('ref', 'account_code') }} a where a.account_code = l.account_code),
                    'unknown') as provision_type
    from {{ source('core', 'ledger_line') }} l
    left join {{ ref('school_provision') }} s on s.urn = l.urn
    where l.account_code in (select account_code from {{ source('ref', 'account_code') }} where high_needs)
),

final as (
    select
        financial_year,
        provision_type,
        sum(amount) as amount,
        count(distinct person_id) as pupils,
        round(cast(sum(amount) / nullif(count(distinct person_id), 0) as numeric), 2) as avg_cost_per_pupil,
        {{ as_at() }} as as_at
    from ledger
    group by financial_year, provision_type
)

select * from final
