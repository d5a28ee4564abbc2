-- foi.plans_by_need_age_setting: EHC plans held on the January census day (the DfE's survey day)
-- of each academic year by primary need, age band (age on 31 August before the census) and type of
-- setting (rank-1 placement; foi.census_plans), with every margin of the three-way table as 'Total' rows.
with

census_plans as (
    select * from foi.census_plans
),

schools as (
    select * from staging.school_provision
),

la as (
    select * from foi.la_identity
),

aged as (
    select
        c.*,
        -- age on 31 August before the census: birthdays from September fall after it
        (c.census_year - 1) - cast(extract(year from c.dob) as integer)
            - case when extract(month from c.dob) >= 9 then 1 else 0 end as age
    from census_plans c
),

shaped as (
    select
        a.census_year,
        case a.need_code
            when 'ASD' then 'Autistic spectrum disorder'
            when 'HI' then 'Hearing impairment'
            when 'MLD' then 'Moderate learning difficulty'
            when 'MSI' then 'Multi-sensory impairment'
            when 'PD' then 'Physical disability'
            when 'PMLD' then 'Profound and multiple learning difficulty'
            when 'SEMH' then 'Social, emotional and mental health'
            when 'SLCN' then 'Speech, language and communication needs'
            when 'SLD' then 'Severe learning difficulty'
            when 'SPLD' then 'Specific learning difficulty'
            when 'VI' then 'Visual impairment'
            when 'OTH' then 'Other difficulty or disability'
            when 'DS' then 'Other difficulty or disability'
            else 'Primary need not recorded'
        end as primary_need,
        case
            when a.age is null then 'Age not known'
            when a.age < 5 then 'Under 5'
            when a.age < 11 then 'Aged 5 to 10'
            when a.age < 16 then 'Aged 11 to 15'
            when a.age < 20 then 'Aged 16 to 19'
            else 'Aged 20 and over'
        end as age_band,
        case
            when not a.has_placement then 'No placement recorded'
            when a.urn is not null then
                case sc.provision_type
                    when 'mainstream' then 'Mainstream school'
                    when 'la_special' then 'State-funded special school'
                    when 'independent_or_nonmaintained' then 'Independent or non-maintained school'
                    when 'alternative_provision' then 'Alternative provision or pupil referral unit'
                    when 'post_16' then 'Further education or other post-16'
                    else 'Other or not known'
                end
            when a.ukprn is not null then 'Further education or other post-16'
            when a.setting_code = 'EYP' then 'Early years setting'
            when a.setting_code in ('NEET', 'NIEC', 'NIEO') then 'Not in education, employment or training'
            when a.setting_code in ('EHE', 'OLA', 'OPA', 'OTH') then 'Educated elsewhere'
            else 'Other or not known'
        end as setting_type
    from aged a
    left join schools sc on sc.urn = a.urn
),

grouped as (
    select
        census_year,
        case when grouping(primary_need) = 1 then 'Total' else primary_need end as primary_need,
        case when grouping(age_band) = 1 then 'Total' else age_band end as age_band,
        case when grouping(setting_type) = 1 then 'Total' else setting_type end as setting_type,
        count(*) as plans
    from shaped
    group by grouping sets (
        (census_year, primary_need, age_band, setting_type),
        (census_year, primary_need, age_band),
        (census_year, primary_need, setting_type),
        (census_year, age_band, setting_type),
        (census_year, primary_need),
        (census_year, age_band),
        (census_year, setting_type),
        (census_year)
    )
),

final as (
    select
        (g.census_year - 1) * 100 + mod(g.census_year, 100) as time_period,
        'Academic year' as time_identifier,
        la.geographic_level,
        la.new_la_code,
        la.old_la_code,
        la.la_name,
        g.primary_need,
        g.age_band,
        g.setting_type,
        g.plans
    from grouped g
    cross join la
)

select * from final
