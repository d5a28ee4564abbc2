-- foi.school_consultations: consultations sent to schools about naming them in an EHC plan, and the
-- schools' responses, by academic year sent and type of school (GIAS), with a Total row per year.
with

consultations as (
    select * from core.consultation where sent_date <= :as_at
),

schools as (
    select * from staging.school_provision
),

la as (
    select * from foi.la_identity
),

typed as (
    select
        c.*,
        case when extract(month from c.sent_date) >= 9 then cast(extract(year from c.sent_date) as integer)
             else cast(extract(year from c.sent_date) as integer) - 1 end as start_year,
        case
            when c.urn is null then 'No school named in the consultation'
            when s.urn is null then 'Not known'
            when s.provision_type = 'la_special' and s.type_group = 'Special schools' then 'Special - LA maintained'
            when s.provision_type = 'la_special' then 'Special - academy or free school'
            when s.provision_type = 'independent_or_nonmaintained' and lower(s.type_name) like '%special%'
                then 'Special - independent or non-maintained'
            when s.provision_type = 'independent_or_nonmaintained' then 'Mainstream - independent'
            when s.provision_type = 'alternative_provision' then 'Alternative provision or pupil referral unit'
            when s.provision_type = 'post_16' then 'Post-16 or further education'
            when s.type_group = 'Local authority maintained schools' then 'Mainstream - LA maintained'
            else 'Mainstream - academy or free school'
        end as school_type,
        -- a response dated after the as-at date was not known then; 'No response' carries no date
        case when c.response_date <= :as_at or c.response = 'No response' then c.response end as response_known
    from consultations c
    left join schools s on s.urn = c.urn
),

grouped as (
    select
        start_year,
        case when grouping(school_type) = 1 then 'Total' else school_type end as school_type,
        count(*) as consultations,
        sum(case when response_known = 'Accepted' then 1 else 0 end) as accepted,
        sum(case when response_known = 'Declined' then 1 else 0 end) as declined,
        sum(case when response_known = 'No response' then 1 else 0 end) as no_response,
        sum(case when response_known is null or response_known not in ('Accepted', 'Declined', 'No response')
                 then 1 else 0 end) as awaiting_or_not_recorded
    from typed
    group by grouping sets ((start_year, school_type), (start_year))
),

final as (
    select
        g.start_year * 100 + mod(g.start_year + 1, 100) as time_period,
        'Academic year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        g.school_type,
        g.consultations,
        g.accepted,
        g.declined,
        g.no_response,
        g.awaiting_or_not_recorded,
        round(cast(100.0 * g.declined / nullif(g.consultations, 0) as numeric), 1) as pct_declined
    from grouped g
    cross join la
)

select * from final
