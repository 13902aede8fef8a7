{#- Acquisition cohorts (month of first completed order) x months since; see macro cohort_retention. -#}
{{ cohort_retention() }}
