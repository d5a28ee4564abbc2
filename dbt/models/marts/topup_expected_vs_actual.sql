-- marts.topup_expected_vs_actual: by school and financial year, the banded top-up the awards imply
-- (each pupil's band x the band rate in force on 1 April, pro-rated by the days the pupil was placed
-- at the school that year) against what the ledger shows paid (account 5101).
with

lines as (
    select * from {{ source('core', 'ledger_line') }} where account_code in (select account_code from {{ source('ref', 'account_code') }} where banded_topup) and urn is not null and person_id is not null
),

awards as (
    select
        person_id,
        urn,
        financial_year,
        cast(substr(financial_year, 1, 4) as integer) as fy_start_year,
        max(band) as band,
        sum(amount) as actual
    from lines
    group by person_id, urn, financial_year
),

categories as (
    select * from {{ ref('person_need_category') }}
),

rates as (
    select * from {{ source('core', 'banding_rate') }}
),

rated as (
    select
        a.*,
        (select max(r.annual_amount) from rates r
          where r.band = a.band
            and (r.category = c.need_category or c.need_category is null)
            and r.effective_from = (select max(r2.effective_from) from rates r2
                                     where r2.band = a.band
                                       and r2.effective_from <= make_date(a.fy_start_year, 4, 1))
        ) as annual_rate
    from awards a
    left join categories c on c.person_id = a.person_id
),

placed as (
    select
        r.person_id, r.urn, r.financial_year,
        sum(
            (least(coalesce(pl.leaving_date, make_date(r.fy_start_year + 1, 3, 31)), make_date(r.fy_start_year + 1, 3, 31))
             - greatest(coalesce(pl.entry_date, make_date(r.fy_start_year, 4, 1)), make_date(r.fy_start_year, 4, 1)) + 1)
        ) as placed_days,
        make_date(r.fy_start_year + 1, 4, 1) - make_date(r.fy_start_year, 4, 1) as fy_days
    from rated r
    join {{ source('core', 'plan') }} p on p.person_id = r.person_id
    join {{ source('core', 'placement') }} pl on pl.plan_id = p.plan_id and pl.urn = r.urn
        and (pl.entry_date is null or pl.entry_date <= make_date(r.fy_start_year + 1, 3, 31))
        and (pl.leaving_date is null or pl.leaving_date >= make_date(r.fy_start_year, 4, 1))
    group by r.person_id, r.urn, r.financial_year, r.fy_start_year
),

pupil_expected as (
    select
        r.*,
        case when pd.placed_days is null then null
             else least(1.0, 1.0 * pd.placed_days / pd.fy_days) end as year_fraction,
        r.annual_rate * coalesce(least(1.0, 1.0 * pd.placed_days / pd.fy_days), 1.0) as expected
    from rated r
    left join placed pd on pd.person_id = r.person_id and pd.urn = r.urn and pd.financial_year = r.financial_year
),

final as (
    select
        e.urn as school_urn,
        s.name as school_name,
        e.financial_year,
        count(*) as pupils,
        sum(case when e.year_fraction is null then 1 else 0 end) as pupils_without_placement,
        round(cast(sum(e.expected) as numeric), 2) as expected_topup,
        sum(e.actual) as actual_topup,
        round(cast(sum(e.actual) - sum(e.expected) as numeric), 2) as gap,
        {{ as_at() }} as as_at
    from pupil_expected e
    left join {{ ref('school_provision') }} s on s.urn = e.urn
    group by e.urn, s.name, e.financial_year
)

select * from final
