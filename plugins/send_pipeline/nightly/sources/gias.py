"""GIAS (Get Information about Schools): the establishments extract, `edubasealldata*.csv`, weekly.

The newest file in the inbox replaces the last (a snapshot); its URNs are what placements, reviews,
consultations and ledger lines may name (`urns`).
"""
from __future__ import annotations

from send_pipeline.nightly.sources.model import INT, C, Entity, Source

SCHOOL = Entity("school", "schools", "edubasealldata*.csv", (
    C("URN", "urn", INT, not_null=True), C("LA (code)", "la_code"), C("LA (name)", "la_name"),
    C("EstablishmentNumber", "establishment_number"), C("EstablishmentName", "name"),
    C("TypeOfEstablishment (name)", "type_name"), C("EstablishmentTypeGroup (name)", "type_group"),
    C("EstablishmentStatus (name)", "status"), C("PhaseOfEducation (name)", "phase"),
    C("StatutoryLowAge", "low_age", INT), C("StatutoryHighAge", "high_age", INT),
    C("Postcode", "postcode"), C("UKPRN", "ukprn"), C("SchoolCapacity", "capacity", INT),
    C("ResourcedProvisionOnRoll", "resourced_provision_on_roll", INT),
    C("SenUnitOnRoll", "sen_unit_on_roll", INT),
), key=("urn",), load="snapshot",
    key_set="urns")

SOURCE = Source("schools", reader="inbox_files", landing="newest_file", entities=(SCHOOL,),
                freshness_hours=24 * 8, about="the GIAS extract: weekly")
