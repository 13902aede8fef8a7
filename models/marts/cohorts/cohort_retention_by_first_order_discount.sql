{#- cohort_retention split by whether the first order used a discount (amount or code); see macro
    cohort_retention. -#}
{{ cohort_retention('is_first_order_discounted') }}
