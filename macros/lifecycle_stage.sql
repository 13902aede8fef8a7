{#- The lifecycle stage of a person at one date, from their order history up to that date
    (every threshold is a var, documented in dbt_project.yml). Used by customer_lifecycle_history for
    every period end, so past periods are reconstructed with the same rule as today.
      orders                  completed orders up to the date
      days_since_first_order  days from the first completed order to the date
      days_since_last_order   days from the last completed order to the date
      days_gap_before_last    days between the last order and the one before it (null if one)
      is_identified           the person is known (customer_id, email or phone)
      days_since_reactivation days from the latest order placed churned_days or more after the
                              one before it (a return after a lapse) to the date (null if none)
    Rules, first match wins:
      no order: lead when identified, else anonymous_visitor
      lapsed:      last order churned_days or more ago
      at_risk:     last order more than active_days ago
      reactivated: the last order came after a gap of churned_days or more, or the latest such
                   order was placed at most reactivated_days ago (so a return followed by
                   more orders within a month still shows as reactivated)
      new_customer: one order, placed within new_customer_days
      loyal:       loyal_min_orders or more orders (and, from above, active)
      active:      otherwise (ordered within active_days) -#}
{% macro lifecycle_stage(orders, days_since_first_order, days_since_last_order, days_gap_before_last, is_identified, days_since_reactivation) -%}
    case
        when coalesce({{ orders }}, 0) = 0 then
            case when {{ is_identified }} then 'lead' else 'anonymous_visitor' end
        when {{ days_since_last_order }} >= {{ var('churned_days') }} then 'lapsed'
        when {{ days_since_last_order }} > {{ var('active_days') }} then 'at_risk'
        when {{ days_gap_before_last }} >= {{ var('churned_days') }}
            or {{ days_since_reactivation }} <= {{ var('reactivated_days') }} then 'reactivated'
        when {{ orders }} = 1 and {{ days_since_first_order }} <= {{ var('new_customer_days') }}
            then 'new_customer'
        when {{ orders }} >= {{ var('loyal_min_orders') }} then 'loyal'
        else 'active'
    end
{%- endmacro %}

