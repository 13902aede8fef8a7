{#- The lifecycle stage of every person at the end of every month since they were first seen,
    plus as_of_date itself, reconstructed from what was known at each date (so a warehouse built
    today still shows what last March looked like in last March). The SQL is the macro
    lifecycle_history_sql (macros/lifecycle_history.sql), shared with the weekly history. -#}
{{ lifecycle_history_sql('month') }}
