-- staging.latest_assessments: one EHC needs assessment per request - the latest (highest assessment id) -
-- so a request with two assessment rows is one request everywhere: the ehcna_requests mart, the DfE
-- measures' assessments and new plans (the SEN2 return keeps the same one, sen2/scope.py). Names no other
-- model in its comments: the build orders models by the names their files mention.
with

ranked as (
    select a.*, row_number() over (partition by a.request_id order by a.assessment_id desc) as rn
    from {{ source('core', 'assessment') }} a
),

final as (
    select * from ranked where rn = 1
)

select * from final
