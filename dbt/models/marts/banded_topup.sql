-- marts.banded_topup: mainstream banded top-up spend (account 5101) per financial year, band and the
-- pupil's need category, with pupils funded and the average per pupil.
with

lines as (
    select * from {{ source('core', 'ledger_line') }} where account_code in (select account_code from {{ source('ref', 'account_code') }} where banded_topup)
),

categories as (
    select * from {{ ref('person_need_category') }}
),

final as (
    select
        l.financial_year,
        l.band,
        coalesce(c.need_category, 'Not known') as need_category,
        sum(l.amount) as amount,
        count(distinct l.person_id) as pupils,
        round(cast(sum(l.amount) / nullif(count(distinct l.person_id), 0) as numeric), 2) as avg_per_pupil,
        {{ as_at() }} as as_at
    from lines l
    left join categories c on c.person_id = l.person_id
    group by l.financial_year, l.band, coalesce(c.need_category, 'Not known')
)

select * from final
