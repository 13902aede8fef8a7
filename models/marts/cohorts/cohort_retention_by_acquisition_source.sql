{#- cohort_retention split by how the customers were acquired (first-touch source, as in
    customer_profiles.acquisition_source); see macro cohort_retention. -#}
{{ cohort_retention('acquisition_source') }}
