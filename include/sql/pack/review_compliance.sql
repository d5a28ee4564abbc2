-- pack.review_compliance: annual reviews held per month over the last 24 months and how many met
-- the paperwork standard and the 4-week decision (marts.review_compliance, month rows; pending excluded).
with

months as (
    select * from marts.review_compliance where grouping_level = 'month'
),

final as (
    select
        meeting_month as month,
        reviews_held,
        paperwork_on_time,
        paperwork_late + paperwork_outstanding_late as paperwork_late,
        decision_on_time,
        decision_late + decision_outstanding_late as decision_late
    from months
    where meeting_month > (extract(year from :as_at) - 2) * 100 + extract(month from :as_at)
        and meeting_month <= extract(year from :as_at) * 100 + extract(month from :as_at)
)

select * from final order by month
