{#- Macros shared by dbt and the Python runner (send_pipeline.nightly.models renders them with plain
    Jinja: keep them to var(), target.type and SQL text, no adapter calls). -#}

{#- The run's as-at date as a DATE literal (var as_at: an ISO date the pipeline controls, never data). -#}
{% macro as_at() -%}
DATE '{{ var("as_at") }}'
{%- endmacro %}

{#- Every staging and mart table gets its LA (var la_code, a checked 3-digit code) unless it has one. -#}
{% macro la_code_column(relation) -%}
alter table {{ relation }} add column if not exists la_code varchar default '{{ var("la_code") }}'
{%- endmacro %}

{#- Schemas are exactly `staging` and `marts` (dbt's default would prefix the target's schema). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
{{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
