{#- The lifecycle stage of every person on every day it can change (first seen, identified, each
    order, each threshold an order crosses; as_of_date included), with the rules and SQL of
    customer_lifecycle_history (macro lifecycle_history_sql, grain 'change'). Between two of these
    days the stage is constant, so the day the current stage began, and the stage before it, are
    read here exactly (customer_lifecycle.stage_since, previous_stage) rather than at month ends. -#}
{{ lifecycle_history_sql('change') }}
