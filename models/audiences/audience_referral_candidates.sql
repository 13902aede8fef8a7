{#- NPS promoters who have not referred anyone yet. -#}
{{ audience('referral_candidates', 'email',
    "profiles.latest_nps_score >= " ~ var('nps_promoter_min_score') ~ " and profiles.referrals_made = 0",
    "'nps ' || cast(profiles.latest_nps_score as " ~ dbt.type_string() ~ ")",
    "'give 10, get 10'") }}
