-- marts.spend_by_provision_type: pupil-level high-needs spend (accounts 5101-5105) per financial year
-- and provision type, with the average yearly cost per funded pupil (the FOI 9169 question).
-- A pupil funded in two provision types in one year counts in each.
with

ledger as (
    select l.financial_year, l.person_id, l.amount,
           coalesce(s.provision_type,
                    case when l.account_code = '5105' then 'alternative_provision'
                         when l.account_code = '5104' then 'post_16'
                         else 'unknown' end) as provision_type
    from core.ledger_line l
    left join staging.school_provision s on s.urn = l.urn
    where l.account_code in ('5101', '5102', '5103', '5104', '5105')
),

final as (
    select
        financial_year,
        provision_type,
        sum(amount) as amount,
        count(distinct person_id) as pupils,
        round(cast(sum(amount) / nullif(count(distinct person_id), 0) as numeric), 2) as avg_cost_per_pupil,
        :as_at as as_at
    from ledger
    group by financial_year, provision_type
)

select * from final
