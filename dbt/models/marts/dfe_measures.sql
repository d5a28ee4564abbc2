-- marts.dfe_measures: for this LA, every measure of the DfE's "Education, health and care plans" release
-- tables requests, assessments, timeliness_20_week, annual_reviews, caseload, newplans, ceased_plans,
-- sen_needs_all_plans, sen_need_newplans and personal_budgets, named exactly as the release's columns, in
-- the release's long layout (time_period, time_identifier, breakdown_topic, breakdown) so it sits beside
-- ref.dfe_<table> (marts.dfe_measures_published sets the two side by side). Each collection year's figures
-- are those its SEN2 return reports on its census day (staging.census_days): calendar-year tables for the
-- year before it, census-day tables ("Academic year" 202425 = January 2025) for that day; the SEN2 sign-off
-- computes the same from the file and a test proves the two agree. Breakdowns: "All ..." and every one
-- the warehouse can compute - age, sex, ethnicity, type of placement, years the plan has been held. Definitions, with
-- their sources, are in docs/dfe_measures.md. Percentages: to 1 decimal place, half up; NULL when the base
-- is 0. Only the years from the warehouse's first record to the as-at date.
with

first_record as (
    select min(d) as first_date
    from (
        select min(received_date) as d from {{ source('core', 'request') }}
        union all
        select min(start_date) as d from {{ source('core', 'plan') }}
    ) x
),

years as (
    select c.*
    from {{ ref('census_days') }} c
    cross join first_record f
    where c.period_end >= f.first_date
),

setting_columns as (
    select * from {{ ref('dfe_setting_columns') }}
),

needs as (
    select cast(v.need as varchar) as need, cast(v.position as integer) as position
    from (values ('asd', 1), ('hi', 2), ('mld', 3), ('msi', 4), ('oth', 5), ('pd', 6), ('pmld', 7), ('semh', 8),
                 ('slcn', 9), ('sld', 10), ('spld', 11), ('vi', 12), ('need_unknown', 13)) as v(need, position)
),

-- ================================================================================ requests
request_cells as (
    select
        y.census_year,
        b.breakdown_topic,
        b.breakdown,
        u.received_in_year,
        u.outcome,
        u.decided_in_year,
        u.decided_within_6_weeks,
        u.rya,
        u.mediation,
        u.tribunal
    from years y
    left join {{ ref('dfe_request_units') }} u on u.census_year = y.census_year
    cross join lateral (values
        ('All requests for EHC needs assessments', 'All requests for EHC needs assessments'),
        ('Child or young persons age', case when u.request_id is null then null
                                            when u.age is null then 'Age unknown'
                                            when u.age <= 2 then 'Aged 2 and under'
                                            when u.age >= 20 then 'Aged 20 and over'
                                            else 'Aged ' || cast(u.age as varchar) end),
        ('Sex', case when u.request_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.request_id is not null then u.ethnicity end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

request_sums as (
    select
        census_year, breakdown_topic, breakdown,
        coalesce(sum(received_in_year), 0) as received,
        coalesce(sum(received_in_year * rya), 0) as rya,
        coalesce(sum(case when received_in_year = 1 and outcome = 'Y' then 1 else 0 end), 0) as assess,
        coalesce(sum(case when received_in_year = 1 and outcome = 'N' then 1 else 0 end), 0) as not_assess,
        coalesce(sum(case when received_in_year = 1 and outcome = 'A' then 1 else 0 end), 0) as not_made,
        coalesce(sum(case when received_in_year = 1 and outcome = 'W' then 1 else 0 end), 0) as withdrawn,
        coalesce(sum(decided_in_year), 0) as decided,
        coalesce(sum(decided_within_6_weeks), 0) as within_6,
        coalesce(sum(received_in_year * mediation), 0) as mediation,
        coalesce(sum(received_in_year * tribunal), 0) as tribunal,
        coalesce(sum(received_in_year * mediation * tribunal), 0) as tribunal_after_mediation
    from request_cells
    group by census_year, breakdown_topic, breakdown
),

request_measures as (
    select s.census_year, 'requests' as dfe_table, 'calendar' as period_kind, s.breakdown_topic, s.breakdown,
           m.measure, m.value
    from request_sums s
    cross join lateral (values
        ('requests_received_in_year', cast(s.received as double precision)),
        ('requests_rya', cast(s.rya as double precision)),
        ('requests_decided_to_assess', cast(s.assess as double precision)),
        ('requests_decided_not_to_assess', cast(s.not_assess as double precision)),
        ('requests_decision_not_made', cast(s.not_made as double precision)),
        ('requests_withdrawn', cast(s.withdrawn as double precision)),
        ('request_assess_pc', cast(case when s.received > 0 then floor((2000.0 * s.assess + s.received) / (2.0 * s.received)) / 10.0 end as double precision)),
        ('request_not_assess_pc', cast(case when s.received > 0 then floor((2000.0 * s.not_assess + s.received) / (2.0 * s.received)) / 10.0 end as double precision)),
        ('request_outstanding_pc', cast(case when s.received > 0 then floor((2000.0 * s.not_made + s.received) / (2.0 * s.received)) / 10.0 end as double precision)),
        ('request_withdrawn_pc', cast(case when s.received > 0 then floor((2000.0 * s.withdrawn + s.received) / (2.0 * s.received)) / 10.0 end as double precision)),
        ('request_outcome_six_weeks', cast(s.within_6 as double precision)),
        ('request_outcome_over_6_weeks', cast(s.decided - s.within_6 as double precision)),
        ('request_outcome_six_weeks_pc', cast(case when s.decided > 0 then floor((2000.0 * s.within_6 + s.decided) / (2.0 * s.decided)) / 10.0 end as double precision)),
        ('request_outcome_over_6_weeks_pc', cast(case when s.decided > 0 then floor((2000.0 * (s.decided - s.within_6) + s.decided) / (2.0 * s.decided)) / 10.0 end as double precision)),
        ('mediation_related_request', cast(s.mediation as double precision)),
        ('tribunal_related_request', cast(s.tribunal as double precision)),
        ('tribunal_after_mediation_request', cast(s.tribunal_after_mediation as double precision))
    ) as m(measure, value)
),

-- ================================================================================ assessments
assessment_cells as (
    select
        y.census_year,
        b.breakdown_topic,
        b.breakdown,
        u.assessment_id,
        u.outcome,
        u.days_to_outcome,
        u.mediation,
        u.tribunal,
        u.other_mediation,
        u.other_tribunal
    from years y
    left join {{ ref('dfe_assessment_units') }} u on u.census_year = y.census_year
    cross join lateral (values
        ('All EHC needs assessments', 'All EHC needs assessments'),
        ('Child or young persons age', case when u.assessment_id is null then null
                                            when u.age is null then 'Age unknown'
                                            when u.age <= 2 then 'Aged 2 and under'
                                            when u.age >= 20 then 'Aged 20 and over'
                                            else 'Aged ' || cast(u.age as varchar) end),
        ('Sex', case when u.assessment_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.assessment_id is not null then u.ethnicity end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

assessment_sums as (
    select
        census_year, breakdown_topic, breakdown,
        count(assessment_id) as in_year,
        coalesce(sum(case when outcome = 'Y' then 1 else 0 end), 0) as issued,
        coalesce(sum(case when outcome = 'N' then 1 else 0 end), 0) as not_issued,
        coalesce(sum(case when outcome = 'A' then 1 else 0 end), 0) as not_made,
        coalesce(sum(case when outcome = 'W' then 1 else 0 end), 0) as withdrawn,
        coalesce(sum(case when outcome = 'N' and days_to_outcome <= 112 then 1 else 0 end), 0) as within_16,
        coalesce(sum(case when outcome = 'N' and days_to_outcome > 112 then 1 else 0 end), 0) as over_16,
        coalesce(sum(mediation), 0) as mediation,
        coalesce(sum(tribunal), 0) as tribunal,
        coalesce(sum(mediation * tribunal), 0) as mediation_tribunal,
        coalesce(sum(other_mediation), 0) as other_mediation,
        coalesce(sum(other_tribunal), 0) as other_tribunal,
        coalesce(sum(other_mediation * other_tribunal), 0) as other_mediation_tribunal
    from assessment_cells
    group by census_year, breakdown_topic, breakdown
),

assessment_measures as (
    select s.census_year, 'assessments' as dfe_table, 'calendar' as period_kind, s.breakdown_topic, s.breakdown,
           m.measure, m.value
    from assessment_sums s
    cross join lateral (values
        ('assess_in_year', cast(s.in_year as double precision)),
        ('assess_issued', cast(s.issued as double precision)),
        ('assess_issued_pc', cast(case when s.in_year > 0 then floor((2000.0 * s.issued + s.in_year) / (2.0 * s.in_year)) / 10.0 end as double precision)),
        ('assess_not_issued', cast(s.not_issued as double precision)),
        ('assess_not_issued_pc', cast(case when s.in_year > 0 then floor((2000.0 * s.not_issued + s.in_year) / (2.0 * s.in_year)) / 10.0 end as double precision)),
        ('assess_not_made', cast(s.not_made as double precision)),
        ('assess_not_made_pc', cast(case when s.in_year > 0 then floor((2000.0 * s.not_made + s.in_year) / (2.0 * s.in_year)) / 10.0 end as double precision)),
        ('assess_withdrawn', cast(s.withdrawn as double precision)),
        ('assess_withdrawn_pc', cast(case when s.in_year > 0 then floor((2000.0 * s.withdrawn + s.in_year) / (2.0 * s.in_year)) / 10.0 end as double precision)),
        ('outcome_decision_within_time', cast(s.within_16 as double precision)),
        ('outcome_decision_over_time', cast(s.over_16 as double precision)),
        ('outcome_decision_within_time_pc', cast(case when s.within_16 + s.over_16 > 0 then floor((2000.0 * s.within_16 + s.within_16 + s.over_16) / (2.0 * (s.within_16 + s.over_16))) / 10.0 end as double precision)),
        ('outcome_decision_over_time_pc', cast(case when s.within_16 + s.over_16 > 0 then floor((2000.0 * s.over_16 + s.within_16 + s.over_16) / (2.0 * (s.within_16 + s.over_16))) / 10.0 end as double precision)),
        ('number_assess_mediation', cast(s.mediation as double precision)),
        ('number_assess_tribunal', cast(s.tribunal as double precision)),
        ('number_asssess_mediation_tribunal', cast(s.mediation_tribunal as double precision)),
        ('number_other_mediation', cast(s.other_mediation as double precision)),
        ('number_other_tribunal', cast(s.other_tribunal as double precision)),
        ('number_other_mediation_tribunal', cast(s.other_mediation_tribunal as double precision))
    ) as m(measure, value)
),

-- ================================================================================ timeliness_20_week
timeliness_cells as (
    select
        y.census_year,
        b.breakdown_topic,
        b.breakdown,
        u.assessment_id,
        u.days_to_outcome,
        u.week20_exception
    from years y
    left join {{ ref('dfe_assessment_units') }} u on u.census_year = y.census_year and u.outcome = 'Y'
    cross join lateral (values
        ('All EHC plans issued', 'All EHC plans issued'),
        ('Child or young persons age', case when u.assessment_id is null then null
                                            when u.age is null then 'Unknown'
                                            when u.age <= 2 then 'age 2 and under'
                                            when u.age >= 20 then 'age 20 and over'
                                            else 'age ' || cast(u.age as varchar) end),
        ('Sex', case when u.assessment_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.assessment_id is not null then u.ethnicity end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

timeliness_sums as (
    select
        census_year, breakdown_topic, breakdown,
        count(assessment_id) as den,
        coalesce(sum(case when week20_exception = 0 then 1 else 0 end), 0) as den_ex,
        coalesce(sum(case when days_to_outcome <= 140 then 1 else 0 end), 0) as within_20,
        coalesce(sum(case when days_to_outcome <= 140 and week20_exception = 0 then 1 else 0 end), 0) as within_20_ex,
        coalesce(sum(case when days_to_outcome between 141 and 364 then 1 else 0 end), 0) as to_52,
        coalesce(sum(case when days_to_outcome between 141 and 364 and week20_exception = 0 then 1 else 0 end), 0) as to_52_ex,
        coalesce(sum(case when days_to_outcome >= 365 then 1 else 0 end), 0) as over_52,
        coalesce(sum(case when days_to_outcome >= 365 and week20_exception = 0 then 1 else 0 end), 0) as over_52_ex
    from timeliness_cells
    group by census_year, breakdown_topic, breakdown
),

timeliness_measures as (
    select s.census_year, 'timeliness_20_week' as dfe_table, 'calendar' as period_kind, s.breakdown_topic,
           s.breakdown, m.measure, m.value
    from timeliness_sums s
    cross join lateral (values
        ('plans_issued_den', cast(s.den as double precision)),
        ('plans_issued_den_ex', cast(s.den_ex as double precision)),
        ('plans_issued_within_20_weeks', cast(s.within_20 as double precision)),
        ('plans_issued_20_weeks_ex', cast(s.within_20_ex as double precision)),
        ('pc_plans_issued_within_20_weeks', cast(case when s.den > 0 then floor((2000.0 * s.within_20 + s.den) / (2.0 * s.den)) / 10.0 end as double precision)),
        ('PC_plans_issued_20_weeks_ex', cast(case when s.den_ex > 0 then floor((2000.0 * s.within_20_ex + s.den_ex) / (2.0 * s.den_ex)) / 10.0 end as double precision)),
        ('plans_issued_gt20weeks_ltYear', cast(s.to_52 as double precision)),
        ('plans_issued_gt20weeks_ltYear_ex', cast(s.to_52_ex as double precision)),
        ('pc_plans_issued_gt20weeks_ltYear', cast(case when s.den > 0 then floor((2000.0 * s.to_52 + s.den) / (2.0 * s.den)) / 10.0 end as double precision)),
        ('PC_plans_issued_gt20weeks_ltYear_ex', cast(case when s.den_ex > 0 then floor((2000.0 * s.to_52_ex + s.den_ex) / (2.0 * s.den_ex)) / 10.0 end as double precision)),
        ('plans_issued_gt_1_year', cast(s.over_52 as double precision)),
        ('plans_issued_gt_1_year_ex', cast(s.over_52_ex as double precision)),
        ('pc_plans_issued_gt_1_year', cast(case when s.den > 0 then floor((2000.0 * s.over_52 + s.den) / (2.0 * s.den)) / 10.0 end as double precision)),
        ('PC_plans_issued_gt_1_year_ex', cast(case when s.den_ex > 0 then floor((2000.0 * s.over_52_ex + s.den_ex) / (2.0 * s.den_ex)) / 10.0 end as double precision))
    ) as m(measure, value)
),

-- ================================================================================ census-day plans
plan_units as (
    select
        u.*,
        c.label as setting_label,
        c.group_label as setting_group_label
    from {{ ref('dfe_plan_units') }} u
    left join setting_columns c on c.dfe_column = u.dfe_column
),

-- ================================================================================ annual_reviews
review_cells as (
    select
        y.census_year,
        y.census_date,
        b.breakdown_topic,
        b.breakdown,
        u.plan_id,
        u.review_expected,
        u.review_meeting_date,
        u.review_decision_date,
        u.review_outcome
    from years y
    left join plan_units u on u.census_year = y.census_year
    cross join lateral (values
        ('All annual reviews', 'All annual reviews'),
        ('Child or young persons age', case when u.plan_id is null then null
                                            when u.age is null then 'Age unknown'
                                            when u.age <= 2 then 'Aged 2 and under'
                                            when u.age >= 20 then 'Aged 20 and over'
                                            else 'Aged ' || cast(u.age as varchar) end),
        ('Sex', case when u.plan_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.plan_id is not null then u.ethnicity end),
        ('Type of placement', u.setting_label),
        ('Type of placement', u.setting_group_label),
        ('Years EHC plan in place', case when u.plan_id is null then null
                                         when u.years_in_place < 1 then 'Less than a year'
                                         when u.years_in_place >= 12 then '12 or more'
                                         else cast(u.years_in_place as varchar) end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

review_flags as (
    select
        r.*,
        case when r.review_expected and r.review_meeting_date is not null then 1 else 0 end as met,
        case when r.review_expected and r.review_meeting_date is not null and r.review_decision_date is not null
             then 1 else 0 end as decided
    from review_cells r
),

review_sums as (
    select
        census_year, breakdown_topic, breakdown,
        count(plan_id) as plans,
        coalesce(sum(case when review_expected then 1 else 0 end), 0) as expected,
        coalesce(sum(met), 0) as met,
        coalesce(sum(case when met = 1 and extract(year from review_meeting_date) = census_year then 1 else 0 end), 0) as met_census_year,
        coalesce(sum(case when met = 1 and extract(year from review_meeting_date) = census_year - 1 then 1 else 0 end), 0) as met_year,
        coalesce(sum(case when met = 1 and extract(year from review_meeting_date) < census_year - 1 then 1 else 0 end), 0) as met_before,
        coalesce(sum(case when decided = 1 and extract(year from review_decision_date) = census_year then 1 else 0 end), 0) as decided_census_year,
        coalesce(sum(case when decided = 1 and extract(year from review_decision_date) = census_year - 1 then 1 else 0 end), 0) as decided_year,
        coalesce(sum(case when decided = 1 and extract(year from review_decision_date) < census_year - 1 then 1 else 0 end), 0) as decided_before,
        coalesce(sum(decided), 0) as decided,
        coalesce(sum(case when met = 1 and decided = 0 and census_date - review_meeting_date <= 28 then 1 else 0 end), 0) as not_due,
        coalesce(sum(case when met = 1 and decided = 0 and census_date - review_meeting_date > 28 then 1 else 0 end), 0) as outstanding,
        coalesce(sum(case when met = 1 and review_outcome = 'A' then 1 else 0 end), 0) as amend,
        coalesce(sum(case when met = 1 and review_outcome = 'C' then 1 else 0 end), 0) as cease,
        coalesce(sum(case when met = 1 and review_outcome = 'M' then 1 else 0 end), 0) as maintain,
        coalesce(sum(case when met = 1 and review_outcome is null then 1 else 0 end), 0) as no_outcome,
        coalesce(sum(case when decided = 1 and review_decision_date - review_meeting_date <= 28 then 1 else 0 end), 0) as within_4
    from review_flags
    group by census_year, breakdown_topic, breakdown
),

review_measures as (
    select s.census_year, 'annual_reviews' as dfe_table, 'calendar' as period_kind, s.breakdown_topic, s.breakdown,
           m.measure, m.value
    from review_sums s
    cross join lateral (values
        ('total_ehc_plans', cast(s.plans as double precision)),
        ('review_expected', cast(s.expected as double precision)),
        ('review_not_expected', cast(s.plans - s.expected as double precision)),
        -- the release names the years: review_meeting_25 is a meeting between 1 January and the census day
        -- of 2025, _24 in 2024, prior_24 before (likewise review_decision25, 24, prior24)
        ('review_meeting_' || substr(cast(s.census_year as varchar), 3, 2), cast(s.met_census_year as double precision)),
        ('review_meeting_' || substr(cast(s.census_year - 1 as varchar), 3, 2), cast(s.met_year as double precision)),
        ('review_meeting_prior_' || substr(cast(s.census_year - 1 as varchar), 3, 2), cast(s.met_before as double precision)),
        ('total_review_meeting', cast(s.met as double precision)),
        ('no_review_meeting', cast(s.expected - s.met as double precision)),
        ('review_decision' || substr(cast(s.census_year as varchar), 3, 2), cast(s.decided_census_year as double precision)),
        ('review_decision' || substr(cast(s.census_year - 1 as varchar), 3, 2), cast(s.decided_year as double precision)),
        ('review_decision_prior' || substr(cast(s.census_year - 1 as varchar), 3, 2), cast(s.decided_before as double precision)),
        ('review_decision_not_due', cast(s.not_due as double precision)),
        ('review_decision_outstanding', cast(s.outstanding as double precision)),
        ('outcome_amend', cast(s.amend as double precision)),
        ('outcome_cease', cast(s.cease as double precision)),
        ('outcome_maintan', cast(s.maintain as double precision)),
        ('no_outcome', cast(s.no_outcome as double precision)),
        ('number_decsion_4weeks', cast(s.within_4 as double precision)),
        ('number_decision_gt_4weeks', cast(s.decided - s.within_4 as double precision)),
        ('pc_decsion_4weeks', cast(case when s.decided > 0 then floor((2000.0 * s.within_4 + s.decided) / (2.0 * s.decided)) / 10.0 end as double precision)),
        ('pc_decision_gt_4weeks', cast(case when s.decided > 0 then floor((2000.0 * (s.decided - s.within_4) + s.decided) / (2.0 * s.decided)) / 10.0 end as double precision))
    ) as m(measure, value)
),

-- ================================================================================ caseload, newplans
setting_cells as (
    select
        y.census_year,
        'caseload' as dfe_table,
        'academic' as period_kind,
        b.breakdown_topic,
        b.breakdown,
        u.plan_id,
        u.dfe_column
    from years y
    left join plan_units u on u.census_year = y.census_year
    cross join lateral (values
        ('All EHC plans', 'All EHC plans'),
        ('Child or young persons age', case when u.plan_id is null then null
                                            when u.age is null then 'unknown'
                                            when u.age < 3 then 'under 3'
                                            else 'age ' || cast(u.age as varchar) end),
        ('Age when plan started', case when u.plan_id is null then null
                                       when u.age_at_start is null then 'unknown'
                                       when u.age_at_start <= 2 then 'age 2 and under'
                                       when u.age_at_start >= 20 then 'age 20 and over'
                                       else 'age ' || cast(u.age_at_start as varchar) end),
        ('Sex', case when u.plan_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.plan_id is not null then u.ethnicity end),
        ('Years EHC plan in place', case when u.plan_id is null then null
                                         when u.years_in_place < 1 then 'Less than a year'
                                         when u.years_in_place >= 12 then '12 or more'
                                         else cast(u.years_in_place as varchar) end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
    union all
    select
        y.census_year,
        'newplans' as dfe_table,
        'calendar' as period_kind,
        b.breakdown_topic,
        b.breakdown,
        u.plan_id,
        u.dfe_column
    from years y
    left join {{ ref('dfe_new_plan_units') }} u on u.census_year = y.census_year
    cross join lateral (values
        ('New EHC plans', 'New EHC plans'),
        ('Age when plan started', case when u.plan_id is null then null
                                       when u.age_at_start is null then 'unknown'
                                       when u.age_at_start <= 2 then 'age 2 and under'
                                       when u.age_at_start >= 20 then 'age 20 and over'
                                       else 'age ' || cast(u.age_at_start as varchar) end),
        ('Sex', case when u.plan_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.plan_id is not null then u.ethnicity end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

setting_groups as (
    select distinct census_year, dfe_table, period_kind, breakdown_topic, breakdown,
           count(plan_id) over (partition by census_year, dfe_table, breakdown_topic, breakdown) as plans
    from setting_cells
),

setting_counts as (
    select census_year, dfe_table, breakdown_topic, breakdown, dfe_column, count(*) as n
    from setting_cells
    where plan_id is not null
    group by census_year, dfe_table, breakdown_topic, breakdown, dfe_column
),

setting_grid as (
    select g.*, c.dfe_column, c.group_column, coalesce(n.n, 0) as n
    from setting_groups g
    cross join setting_columns c
    left join setting_counts n
        on n.census_year = g.census_year and n.dfe_table = g.dfe_table and n.breakdown_topic = g.breakdown_topic
        and n.breakdown = g.breakdown and n.dfe_column = c.dfe_column
),

setting_totals as (
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown, plans, group_column as measure, sum(n) as n
    from setting_grid
    where group_column is not null
    group by census_year, dfe_table, period_kind, breakdown_topic, breakdown, plans, group_column
    union all
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown, plans, dfe_column as measure, n
    from setting_grid
    where dfe_column in ('nm_early_years', 'placement_unknown')
),

setting_measures as (
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown,
           case when dfe_table = 'caseload' then 'ehcplans' else 'new_ehc_plans' end as measure,
           cast(plans as double precision) as value
    from setting_groups
    union all
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown, dfe_column, cast(n as double precision)
    from setting_grid
    union all
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown, measure, cast(n as double precision)
    from setting_totals
    where measure not in ('nm_early_years', 'placement_unknown')
    union all
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown,
           case when measure = 'ap_pru_total' then 'AP_PRU_total_pc' else measure || '_pc' end,
           cast(case when plans > 0 then floor((2000.0 * n + plans) / (2.0 * plans)) / 10.0 end as double precision)
    from setting_totals
),

-- ================================================================================ sen_needs_all_plans, sen_need_newplans
need_cells as (
    select
        y.census_year,
        'sen_needs_all_plans' as dfe_table,
        'academic' as period_kind,
        b.breakdown_topic,
        b.breakdown,
        u.plan_id,
        u.need_code
    from years y
    left join plan_units u on u.census_year = y.census_year
    cross join lateral (values
        ('All EHC plans', 'All EHC plans'),
        ('Child or young persons age', case when u.plan_id is null then null
                                            when u.age is null then 'unknown'
                                            when u.age < 3 then 'under 3'
                                            else 'age ' || cast(u.age as varchar) end),
        ('Sex', case when u.plan_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.plan_id is not null then u.ethnicity end),
        ('Type of placement', u.setting_label),
        ('Type of placement', u.setting_group_label),
        ('Years EHC plan in place', case when u.plan_id is null then null
                                         when u.years_in_place < 1 then 'Less than a year'
                                         when u.years_in_place >= 12 then '12 or more'
                                         else cast(u.years_in_place as varchar) end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
    union all
    select
        y.census_year,
        'sen_need_newplans' as dfe_table,
        'calendar' as period_kind,
        b.breakdown_topic,
        b.breakdown,
        u.plan_id,
        u.need_code
    from years y
    left join (
        select n.*, c.label as setting_label, c.group_label as setting_group_label
        from {{ ref('dfe_new_plan_units') }} n
        left join setting_columns c on c.dfe_column = n.dfe_column
    ) u on u.census_year = y.census_year
    cross join lateral (values
        ('All EHC plans', 'All EHC plans'),
        ('Child or young persons age', case when u.plan_id is null then null
                                            when u.age_at_start is null then 'Unknown'
                                            when u.age_at_start <= 2 then 'age 2 and under'
                                            when u.age_at_start >= 20 then 'age 20 and over'
                                            else 'age ' || cast(u.age_at_start as varchar) end),
        ('Sex', case when u.plan_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.plan_id is not null then u.ethnicity end),
        ('Type of placement', u.setting_label),
        ('Type of placement', u.setting_group_label)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

need_groups as (
    select distinct census_year, dfe_table, period_kind, breakdown_topic, breakdown,
           count(plan_id) over (partition by census_year, dfe_table, breakdown_topic, breakdown) as plans
    from need_cells
),

need_counts as (
    select
        census_year, dfe_table, breakdown_topic, breakdown,
        case when need_code is null then 'need_unknown' when need_code = 'DS' then 'oth' else lower(need_code) end as need,
        count(*) as n
    from need_cells
    where plan_id is not null
    group by 1, 2, 3, 4, 5
),

need_grid as (
    select g.*, k.need, coalesce(n.n, 0) as n
    from need_groups g
    cross join needs k
    left join need_counts n
        on n.census_year = g.census_year and n.dfe_table = g.dfe_table and n.breakdown_topic = g.breakdown_topic
        and n.breakdown = g.breakdown and n.need = k.need
),

need_measures as (
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown, 'ehc_plans' as measure,
           cast(plans as double precision) as value
    from need_groups
    union all
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown, 'number_' || need, cast(n as double precision)
    from need_grid
    union all
    select census_year, dfe_table, period_kind, breakdown_topic, breakdown,
           case when need = 'need_unknown' then 'unknown_pc' else need || '_pc' end,
           cast(case when plans > 0 then floor((2000.0 * n + plans) / (2.0 * plans)) / 10.0 end as double precision)
    from need_grid
),

-- ================================================================================ ceased_plans
ceased_cells as (
    select
        y.census_year,
        b.breakdown_topic,
        b.breakdown,
        u.plan_id,
        u.cease_reason
    from years y
    left join (
        select n.*, c.label as setting_label, c.group_label as setting_group_label
        from {{ ref('dfe_ceased_units') }} n
        left join setting_columns c on c.dfe_column = n.dfe_column
    ) u on u.census_year = y.census_year
    cross join lateral (values
        ('All ceased EHC plans', 'All ceased EHC plans'),
        ('Age plan ceased', case when u.plan_id is null then null
                                 when u.age_at_cease is null then 'Age unknown'
                                 when u.age_at_cease <= 2 then 'age 2 and under'
                                 when u.age_at_cease >= 20 then 'age 20 and over'
                                 else 'age ' || cast(u.age_at_cease as varchar) end),
        ('Sex', case when u.plan_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.plan_id is not null then u.ethnicity end),
        ('Type of placement', u.setting_label),
        ('Type of placement', u.setting_group_label),
        ('Years plan held', case when u.plan_id is null then null
                                 when u.years_held < 1 then 'Under a year'
                                 when u.years_held = 1 then '1 year'
                                 when u.years_held >= 12 then '12 years and over'
                                 else cast(u.years_held as varchar) || ' years' end)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

ceased_sums as (
    select
        census_year, breakdown_topic, breakdown,
        count(plan_id) as total,
        coalesce(sum(case when cease_reason = 1 then 1 else 0 end), 0) as r1,
        coalesce(sum(case when cease_reason = 2 then 1 else 0 end), 0) as r2,
        coalesce(sum(case when cease_reason = 3 then 1 else 0 end), 0) as r3,
        coalesce(sum(case when cease_reason = 4 then 1 else 0 end), 0) as r4,
        coalesce(sum(case when cease_reason = 5 then 1 else 0 end), 0) as r5,
        coalesce(sum(case when cease_reason = 6 then 1 else 0 end), 0) as r6,
        coalesce(sum(case when cease_reason = 7 then 1 else 0 end), 0) as r7,
        coalesce(sum(case when cease_reason = 8 then 1 else 0 end), 0) as r8,
        coalesce(sum(case when cease_reason = 9 then 1 else 0 end), 0) as r9,
        coalesce(sum(case when plan_id is not null and (cease_reason is null or cease_reason not between 1 and 9)
                          then 1 else 0 end), 0) as not_recorded
    from ceased_cells
    group by census_year, breakdown_topic, breakdown
),

ceased_measures as (
    select s.census_year, 'ceased_plans' as dfe_table, 'calendar' as period_kind, s.breakdown_topic, s.breakdown,
           m.measure, m.value
    from ceased_sums s
    cross join lateral (values
        ('max_age', cast(s.r1 as double precision)),
        ('needs_met', cast(s.r2 as double precision)),
        ('he', cast(s.r3 as double precision)),
        ('employ', cast(s.r4 as double precision)),
        ('transfer', cast(s.r5 as double precision)),
        ('no_engage', cast(s.r6 as double precision)),
        ('moved_outside_eng', cast(s.r7 as double precision)),
        ('deceased', cast(s.r8 as double precision)),
        -- CeaseReason 9 "Other"; a cease without a recorded reason is not_rec (the release's data guidance
        -- describes the two the other way round, but its national figures hold not_rec = 0 and other = 837)
        ('not_rec', cast(s.not_recorded as double precision)),
        ('other', cast(s.r9 as double precision)),
        ('total_ceased', cast(s.total as double precision))
    ) as m(measure, value)
),

-- ================================================================================ personal_budgets
budget_cells as (
    select
        y.census_year,
        b.breakdown_topic,
        b.breakdown,
        u.plan_id,
        u.organised_arrangements,
        u.direct_payments
    from years y
    left join plan_units u on u.census_year = y.census_year and u.personal_budget = 1
    cross join lateral (values
        ('All personal budgets', 'All personal budgets'),
        ('Child or young persons age', case when u.plan_id is null then null
                                            when u.age is null then 'Unknown'
                                            when u.age <= 2 then 'age 2 and under'
                                            when u.age >= 20 then 'age 20 and over'
                                            else 'age ' || cast(u.age as varchar) end),
        ('Sex', case when u.plan_id is null then null when u.sex = 'F' then 'Female'
                     when u.sex = 'M' then 'Male' else 'Unknown' end),
        ('Ethnicity', case when u.plan_id is not null then u.ethnicity end),
        -- this table spells the special academies' label its own way
        ('Type of placement', case when u.dfe_column = 'special_academy_free' then 'Special - academy/free school'
                                   else u.setting_label end),
        ('Type of placement', u.setting_group_label)
    ) as b(breakdown_topic, breakdown)
    where b.breakdown is not null
),

budget_sums as (
    select
        census_year, breakdown_topic, breakdown,
        count(plan_id) as budgets,
        coalesce(sum(case when organised_arrangements = 1 then 1 else 0 end), 0) as organised,
        coalesce(sum(case when direct_payments = 'H' then 1 else 0 end), 0) as health,
        coalesce(sum(case when direct_payments = 'E' then 1 else 0 end), 0) as education,
        coalesce(sum(case when direct_payments = 'S' then 1 else 0 end), 0) as social,
        coalesce(sum(case when direct_payments = 'I' then 1 else 0 end), 0) as integrated
    from budget_cells
    group by census_year, breakdown_topic, breakdown
),

budget_measures as (
    select s.census_year, 'personal_budgets' as dfe_table, 'academic' as period_kind, s.breakdown_topic,
           s.breakdown, m.measure, m.value
    from budget_sums s
    cross join lateral (values
        ('personal_budget', cast(s.budgets as double precision)),
        ('org_arrangments', cast(s.organised as double precision)),
        ('pb_health', cast(s.health as double precision)),
        ('pb_education', cast(s.education as double precision)),
        ('pb_social', cast(s.social as double precision)),
        ('pb_integrated', cast(s.integrated as double precision))
    ) as m(measure, value)
),

-- ================================================================================ all
measures as (
    select * from request_measures
    union all select * from assessment_measures
    union all select * from timeliness_measures
    union all select * from review_measures
    union all select * from setting_measures
    union all select * from need_measures
    union all select * from ceased_measures
    union all select * from budget_measures
),

final as (
    select
        m.dfe_table,
        case when m.period_kind = 'academic' then y.academic_time_period else y.calendar_time_period end as time_period,
        case when m.period_kind = 'academic' then 'Academic year' else 'Calendar year' end as time_identifier,
        m.breakdown_topic,
        m.breakdown,
        m.measure,
        m.value
    from measures m
    join years y on y.census_year = m.census_year
)

select * from final
