-- foi.school_spend: high-needs payments for individual children (accounts 5101-5105) coded to a school
-- (URN) per financial year, with the children funded and the average per child, and a Total row
-- that adds the schools up.
with

ledger as (
    select * from core.ledger_line
    where account_code in (select account_code from ref.account_code where high_needs)
      and posting_date <= :as_at
      and urn is not null
),

schools as (
    select * from staging.school_provision
),

la as (
    select * from foi.la_identity
),

lines as (
    select
        cast(left(l.financial_year, 4) as integer) as start_year,
        cast(l.urn as varchar) as school_urn,
        l.person_id,
        l.amount
    from ledger l
),

by_school as (
    select start_year, school_urn, sum(amount) as amount, count(distinct person_id) as children
    from lines
    group by start_year, school_urn
),

-- the total adds the schools up (a child funded at two schools counts twice), so it is additive
grouped as (
    select * from by_school
    union all
    select start_year, 'Total', sum(amount), sum(children)
    from by_school
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
        g.school_urn,
        case when g.school_urn = 'Total' then 'All schools'
             else coalesce(s.name, 'Not in GIAS') end as school_name,
        case when g.school_urn = 'Total' then 'Total'
            else case s.provision_type
                when 'mainstream' then 'Mainstream school'
                when 'la_special' then 'State-funded special school'
                when 'independent_or_nonmaintained' then 'Independent or non-maintained school'
                when 'alternative_provision' then 'Alternative provision or pupil referral unit'
                when 'post_16' then 'Further education or other post-16'
                else 'Not known'
            end
        end as provision_type,
        g.amount,
        g.children,
        round(cast(g.amount / nullif(g.children, 0) as numeric), 2) as spend_per_child
    from grouped g
    cross join la
    left join schools s on g.school_urn <> 'Total' and cast(s.urn as varchar) = g.school_urn
)

select * from final
