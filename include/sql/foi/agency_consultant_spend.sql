-- foi.agency_consultant_spend: net spend on agency staff (6101) and consultants (6102) per financial year
-- since 2014-15. record_status says what an empty year means: 'nil' when the ledger covers the year and
-- shows no spend on the account, 'not_held' when the ledger extract starts after the year.
with

ledger as (
    select * from core.ledger_line where posting_date <= :as_at
),

la as (
    select * from foi.la_identity
),

accounts as (
    select * from (values ('6101', 'Agency staff'), ('6102', 'Consultants')) as a(account_code, spend_type)
),

coverage as (
    select min(financial_year) as first_year from ledger
),

years as (
    select
        cast(g.y as integer) as start_year,
        cast(g.y as varchar) || '-' || right(cast(g.y + 1 as varchar), 2) as financial_year
    from generate_series(:first_financial_year, 2100) as g(y)
    where g.y <= case when extract(month from :as_at) >= 4 then extract(year from :as_at)
                      else extract(year from :as_at) - 1 end
),

spend as (
    select
        financial_year,
        account_code,
        sum(amount) as amount,
        count(*) as lines,
        count(distinct supplier) as suppliers
    from ledger
    where account_code in ('6101', '6102')
    group by financial_year, account_code
),

final as (
    select
        y.start_year * 100 + mod(y.start_year + 1, 100) as time_period,
        'Financial year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        a.spend_type,
        case
            when c.first_year is null or y.financial_year < c.first_year then 'not_held'
            when s.lines is null then 'nil'
            else 'held'
        end as record_status,
        case
            when c.first_year is null or y.financial_year < c.first_year then null
            else coalesce(s.amount, 0)
        end as amount,
        case
            when c.first_year is null or y.financial_year < c.first_year then null
            else coalesce(s.suppliers, 0)
        end as suppliers
    from years y
    cross join accounts a
    cross join coverage c
    cross join la
    left join spend s on s.financial_year = y.financial_year and s.account_code = a.account_code
)

select * from final
