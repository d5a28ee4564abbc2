-- staging.dfe_setting_types: how a placement maps to a setting column of the DfE's caseload table - the
-- rows of include/sen2/dfe_setting_types.csv, which the SEN2 sign-off reads (a test keeps the two
-- identical). kind gias_type: the GIAS TypeOfEstablishment (name) of the URN or UKPRN; sen_setting: the
-- SENSetting code; other: fallbacks (a UKPRN not in GIAS, nothing recorded).
with

mapping as (
    select cast(v.kind as varchar) as kind, cast(v.value as varchar) as value, cast(v.dfe_column as varchar) as dfe_column
    from (values
        ('gias_type', 'Community school', 'mainstream_la_maintained'),
        ('gias_type', 'Foundation school', 'mainstream_la_maintained'),
        ('gias_type', 'Voluntary aided school', 'mainstream_la_maintained'),
        ('gias_type', 'Voluntary controlled school', 'mainstream_la_maintained'),
        ('gias_type', 'Local authority nursery school', 'mainstream_la_maintained'),
        ('gias_type', 'Academy converter', 'mainstream_academy'),
        ('gias_type', 'Academy sponsor led', 'mainstream_academy'),
        ('gias_type', 'Academy 16-19 converter', 'mainstream_academy'),
        ('gias_type', 'Academy 16-19 sponsor led', 'mainstream_academy'),
        ('gias_type', 'Free schools', 'mainstream_free_school'),
        ('gias_type', 'Free schools 16 to 19', 'mainstream_free_school'),
        ('gias_type', 'University technical college', 'mainstream_free_school'),
        ('gias_type', 'Studio schools', 'mainstream_free_school'),
        ('gias_type', 'Other independent school', 'mainstream_independent'),
        ('gias_type', 'Community special school', 'special_la_maintained'),
        ('gias_type', 'Foundation special school', 'special_la_maintained'),
        ('gias_type', 'Academy special converter', 'special_academy_free'),
        ('gias_type', 'Academy special sponsor led', 'special_academy_free'),
        ('gias_type', 'Free schools special', 'special_academy_free'),
        ('gias_type', 'Other independent special school', 'special_independent'),
        ('gias_type', 'Non-maintained special school', 'special_non_maintained'),
        ('gias_type', 'Pupil referral unit', 'ap_pru_la_maintained'),
        ('gias_type', 'Academy alternative provision converter', 'ap_pru_academy'),
        ('gias_type', 'Academy alternative provision sponsor led', 'ap_pru_academy'),
        ('gias_type', 'Free schools alternative provision', 'ap_pru_free_school'),
        ('gias_type', 'Further education', 'general_fe_tertiary_colleges'),
        ('gias_type', 'Sixth form centres', 'general_fe_tertiary_colleges'),
        ('gias_type', 'Special post 16 institution', 'specialist_post_16_institutions'),
        ('gias_type', 'Online provider', 'online_provider'),
        ('gias_type', 'Welsh establishment', 'w_settings'),
        ('gias_type', 'Service children''s education', 'other_schools'),
        ('gias_type', 'Offshore schools', 'other_schools'),
        ('gias_type', 'Secure units', 'other_schools'),
        ('gias_type', 'British schools overseas', 'other_schools'),
        ('gias_type', 'Miscellaneous', 'other_schools'),
        ('sen_setting', 'EHE', 'elective_home_education'),
        ('sen_setting', 'OLA', 'other_arrangements_la'),
        ('sen_setting', 'OPA', 'other_arrangements_parents'),
        ('sen_setting', 'EYP', 'nm_early_years'),
        ('sen_setting', 'NEET', 'neet'),
        ('sen_setting', 'NIEC', 'neet_ntci'),
        ('sen_setting', 'NIEO', 'neet_other'),
        ('sen_setting', 'OTH', 'other_placement_settings'),
        ('other', 'ukprn', 'ukrlp_provider'),
        ('other', 'unknown', 'placement_unknown')
    ) as v(kind, value, dfe_column)
)

select * from mapping
