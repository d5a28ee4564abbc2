-- staging.dfe_setting_columns: the DfE's setting columns in the release's order, the total each belongs
-- to and the label of its "Type of placement" breakdown - the rows of include/sen2/dfe_setting_columns.csv
-- (the SEN2 sign-off reads that file; a test keeps the two identical).
with

setting_columns as (
    select
        cast(v.position as integer) as position,
        cast(v.dfe_column as varchar) as dfe_column,
        cast(v.group_column as varchar) as group_column,
        cast(v.label as varchar) as label,
        cast(v.group_label as varchar) as group_label
    from (values
        (1, 'mainstream_la_maintained', 'mainstream_total', 'Mainstream - LA maintained', 'Mainstream - total'),
        (2, 'mainstream_la_maintained_resourced_provision', 'mainstream_total', 'Mainstream - LA maintained (resourced provision)', 'Mainstream - total'),
        (3, 'mainstream_la_maintained_senunit', 'mainstream_total', 'Mainstream - LA maintained (SEN unit)', 'Mainstream - total'),
        (4, 'mainstream_academy', 'mainstream_total', 'Mainstream - academy', 'Mainstream - total'),
        (5, 'mainstream_academy_resourced_provision', 'mainstream_total', 'Mainstream - academy (resourced provision)', 'Mainstream - total'),
        (6, 'mainstream_academy_senunit', 'mainstream_total', 'Mainstream - academy (SEN unit)', 'Mainstream - total'),
        (7, 'mainstream_free_school', 'mainstream_total', 'Mainstream - free school', 'Mainstream - total'),
        (8, 'mainstream_free_school_resourced_provision', 'mainstream_total', 'Mainstream - free school (resourced provision)', 'Mainstream - total'),
        (9, 'mainstream_free_school_senunit', 'mainstream_total', 'Mainstream - free school (SEN unit)', 'Mainstream - total'),
        (10, 'mainstream_independent', 'mainstream_total', 'Mainstream - independent', 'Mainstream - total'),
        (11, 'special_la_maintained', 'special_total', 'Special - LA maintained', 'Special - total'),
        (12, 'special_academy_free', 'special_total', 'Special - Academy/free schools', 'Special - total'),
        (13, 'special_independent', 'special_total', 'Special - independent', 'Special - total'),
        (14, 'special_non_maintained', 'special_total', 'Special - non-maintained', 'Special - total'),
        (15, 'ap_pru_academy', 'ap_pru_total', 'AP/PRU - academy', 'AP/PRU - total'),
        (16, 'ap_pru_free_school', 'ap_pru_total', 'AP/PRU - free school', 'AP/PRU - total'),
        (17, 'ap_pru_la_maintained', 'ap_pru_total', 'AP/PRU - LA maintained', 'AP/PRU - total'),
        (18, 'general_fe_tertiary_colleges', 'fe_total', 'FE - general FE and tertiary colleges', 'FE - total'),
        (19, 'specialist_post_16_institutions', 'fe_total', 'FE - specialist post-16 institutions', 'FE - total'),
        (20, 'ukrlp_provider', 'fe_total', 'FE - UKRLP provider', 'FE - total'),
        (21, 'elective_home_education', 'ed_elsewhere', 'Educated elsewhere - elective home education', 'Educated elsewhere - total'),
        (22, 'other_arrangements_la', 'ed_elsewhere', 'Educated elsewhere - other arrangements by LA', 'Educated elsewhere - total'),
        (23, 'other_arrangements_parents', 'ed_elsewhere', 'Educated elsewhere - other arrangements by parents', 'Educated elsewhere - total'),
        (24, 'online_provider', 'ed_elsewhere', 'Educated elsewhere - online provider', 'Educated elsewhere - total'),
        (25, 'w_settings', 'ed_elsewhere', 'Educated elsewhere - Welsh establishment', 'Educated elsewhere - total'),
        (26, 'other_schools', 'ed_elsewhere', 'Educated elsewhere - other schools and establishments', 'Educated elsewhere - total'),
        (27, 'other_placement_settings', 'ed_elsewhere', 'Educated elsewhere - other placement settings', 'Educated elsewhere - total'),
        (28, 'neet', 'ed_elsewhere', 'Educated elsewhere - NEET', 'Educated elsewhere - total'),
        (29, 'neet_ntci', 'ed_elsewhere', 'Educated elsewhere - not in education or training (notice to cease issued)', 'Educated elsewhere - total'),
        (30, 'neet_other', 'ed_elsewhere', 'Educated elsewhere - not in education or training (other)', 'Educated elsewhere - total'),
        (31, 'neet_other_csa', 'ed_elsewhere', 'Educated elsewhere - not in education or training (compulsory school age)', 'Educated elsewhere - total'),
        (32, 'nm_early_years', null, 'Non-maintained early years', null),
        (33, 'placement_unknown', null, 'Placement not recorded', null)
    ) as v(position, dfe_column, group_column, label, group_label)
)

select * from setting_columns
