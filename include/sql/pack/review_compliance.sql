-- pack.review_compliance: annual reviews held per month, the 24 calendar months to the month before the
-- as-at date (months with none show 0), and how many met the paperwork standard and the 4-week decision
-- (marts.review_compliance, month rows). Reviews still inside their deadline are counted as "not yet
-- due", so held = on time + late + not yet due exactly (an additive group: disclosure control then
-- protects the difference too).
with

months as (
    select * from marts.review_compliance where grouping_level = 'month'
),

bounds as (
    select
        cast(extract(year from :as_at - interval '1' day) as integer) * 12
            + cast(extract(month from :as_at - interval '1' day) as integer) - 1 as last_index
),

spine as (
    select
        cast(floor((b.last_index - g.k) / 12.0) as integer) * 100 + mod(b.last_index - g.k, 12) + 1 as month
    from bounds b
    cross join generate_series(0, 23) as g(k)
),

window_months as (
    select
        s.month,
        coalesce(m.reviews_held, 0) as reviews_held,
        coalesce(m.paperwork_on_time, 0) as paperwork_on_time,
        coalesce(m.paperwork_late + m.paperwork_outstanding_late, 0) as paperwork_late,
        coalesce(m.decision_on_time, 0) as decision_on_time,
        coalesce(m.decision_late + m.decision_outstanding_late, 0) as decision_late
    from spine s
    left join months m on m.meeting_month = s.month
),

final as (
    select
        month,
        reviews_held,
        paperwork_on_time,
        paperwork_late,
        reviews_held - paperwork_on_time - paperwork_late as paperwork_not_yet_due,
        decision_on_time,
        decision_late,
        reviews_held - decision_on_time - decision_late as decision_not_yet_due
    from window_months
)

select * from final order by month
