"""The annual review tracker workbooks, `annual_reviews_*.xlsx` (sheet `Reviews`), re-sent during the year.

`Child Name`, `School` and `Notes` stay in the raw landing only: the warehouse keys people by CMS ID.
A re-sent workbook replaces the rows loaded from the file of the same name (`by_file`).
"""
from __future__ import annotations

from send_pipeline.nightly.sources.model import DATE, INT, C, Entity, Source

REVIEW = Entity("review", "reviews", "annual_reviews_*.xlsx", (
    C("CMS ID", "person_id", INT, not_null=True), C("School URN", "school_urn", INT),
    C("Coordinator", "coordinator"), C("Review Type", "review_type", "label", not_null=True),
    C("Review Due", "due_date", DATE), C("Meeting Date", "meeting_date", DATE),
    C("Paperwork Received", "paperwork_received_date", DATE), C("Decision Date", "decision_date", DATE),
    C("Outcome", "outcome", "label"), C("Draft Amended Plan Issued", "draft_amended_date", DATE),
    C("Final Amended Plan Issued", "final_amended_date", DATE),
), key=("person_id", "meeting_date", "review_type"), load="by_file", sheet="Reviews")

SOURCE = Source("reviews", reader="inbox_files", landing="new_files", entities=(REVIEW,),
                freshness_hours=24 * 8, about="the review tracker workbooks: at least weekly")
