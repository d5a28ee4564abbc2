-- foi.funding_per_child_by_provision: high-needs spend on individual children (accounts 5101-5105) per
-- financial year and provision type, for children holding an EHC plan at some time in the year, with the
-- average per child (the FOI 9169 question: mainstream, LA special, independent special, AP / home).
with

ledger as (
    select * from core.ledger_line
    where account_code in (select account_code from ref.account_code where high_needs)
      and posting_date <= :as_at
      and person_id is not null
),

plans as (
    select person_id, start_date, cease_date from core.plan
),

schools as (
    select * from staging.school_provision
),

la as (
    select * from foi.la_identity
),

lines as (
    select
        l.person_id,
        l.amount,
        cast(left(l.financial_year, 4) as integer) as start_year,
        coalesce(s.provision_type,
                 (select a.provision_type from ref.account_code a where a.account_code = l.account_code),
                 'unknown') as provision_type
    from ledger l
    left join schools s on s.urn = l.urn
),

with_plan as (
    select li.*
    from lines li
    where exists (
        select 1 from plans p
        where p.person_id = li.person_id
          and p.start_date <= make_date(li.start_year + 1, 3, 31)
          and (p.cease_date is null or p.cease_date >= make_date(li.start_year, 4, 1))
    )
),

labelled as (
    select
        start_year,
        person_id,
        amount,
        case provision_type
            when 'mainstream' then 'Mainstream school'
            when 'la_special' then 'State-funded special school'
            when 'independent_or_nonmaintained' then 'Independent or non-maintained school'
            when 'alternative_provision' then 'Alternative provision or home tuition'
            when 'post_16' then 'Post-16 institution'
            else 'Not known'
        end as provision_type
    from with_plan
),

by_type as (
    select start_year, provision_type, sum(amount) as amount, count(distinct person_id) as children
    from labelled
    group by start_year, provision_type
),

-- the total adds the types up (a child funded in two types counts twice), so it is additive
grouped as (
    select * from by_type
    union all
    select start_year, 'Total', sum(amount), sum(children)
    from by_type
    group by start_year
),

final as (
    select
        g.start_year * 100 + mod(g.start_year + 1, 100) as time_period,
        'Financial year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        g.provision_type,
        g.amount,
        g.children,
        round(cast(g.amount / nullif(g.children, 0) as numeric), 2) as avg_funding_per_child
    from grouped g
    cross join la
)

select * from final
