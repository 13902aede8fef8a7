{#- The KPI columns of kpi_daily and kpi_monthly (formulas per column in models/marts/kpis/_kpis__models.yml), written once so both grains use the
    same formulas: typed counts, then every ratio next to its numerator and denominator. `source`
    is a relation holding the counts for one period (a day or a month). -#}
{% macro kpi_ratio(numerator, denominator, scale=1) -%}
    case when {{ denominator }} > 0
        then cast({{ scale }} * {{ numerator }} as {{ type_double() }}) / {{ denominator }} end
{%- endmacro %}

{% macro kpi_columns(source) -%}
    {%- set count = dbt.type_bigint() -%}
    {#- orders and money (every completed order) -#}
    cast({{ source }}.revenue as {{ type_money() }}) as revenue,
    cast({{ source }}.orders as {{ count }}) as orders,
    {{ kpi_ratio(source ~ '.revenue', source ~ '.orders') }} as average_order_value,
    {#- persons (deletion requests excluded); stocks at the end of the period -#}
    cast({{ source }}.buyers as {{ count }}) as buyers,
    cast({{ source }}.new_customers as {{ count }}) as new_customers,
    cast({{ source }}.customers as {{ count }}) as customers,
    cast({{ source }}.identified_users as {{ count }}) as identified_users,
    cast({{ source }}.identified_customers as {{ count }}) as identified_customers,
    {{ kpi_ratio(source ~ '.identified_customers', source ~ '.identified_users', 100) }} as activation_rate,
    cast({{ source }}.repeat_customers as {{ count }}) as repeat_customers,
    {{ kpi_ratio(source ~ '.repeat_customers', source ~ '.customers', 100) }} as repeat_customer_rate,
    cast({{ source }}.active_customers as {{ count }}) as active_customers,
    cast({{ source }}.loyal_customers as {{ count }}) as loyal_customers,
    {{ kpi_ratio(source ~ '.loyal_customers', source ~ '.repeat_customers', 100) }} as loyal_customer_rate,
    cast({{ source }}.active_users_30d as {{ count }}) as active_users_30d,
    cast({{ source }}.customers_at_start as {{ count }}) as customers_at_start,
    cast({{ source }}.customers_lapsed as {{ count }}) as customers_lapsed,
    {{ kpi_ratio(source ~ '.customers_lapsed', source ~ '.customers_at_start', 100) }} as churn_rate,
    cast({{ source }}.historic_clv_total as {{ type_money() }}) as historic_clv_total,
    {{ kpi_ratio(source ~ '.historic_clv_total', source ~ '.customers') }} as average_historic_clv,
    cast({{ source }}.predicted_clv_total as {{ type_money() }}) as predicted_clv_total,
    cast({{ source }}.clv_predicted_customers as {{ count }}) as clv_predicted_customers,
    {{ kpi_ratio(source ~ '.predicted_clv_total', source ~ '.clv_predicted_customers') }} as average_predicted_clv,
    {#- traffic -#}
    cast({{ source }}.sessions as {{ count }}) as sessions,
    cast({{ source }}.converted_sessions as {{ count }}) as converted_sessions,
    {{ kpi_ratio(source ~ '.converted_sessions', source ~ '.sessions', 100) }} as conversion_rate,
    cast({{ source }}.cart_sessions as {{ count }}) as cart_sessions,
    cast({{ source }}.abandoned_cart_sessions as {{ count }}) as abandoned_cart_sessions,
    {{ kpi_ratio(source ~ '.abandoned_cart_sessions', source ~ '.cart_sessions', 100) }} as cart_abandonment_rate,
    {#- email (holdout rows are not sends) -#}
    cast({{ source }}.emails_sent as {{ count }}) as emails_sent,
    cast({{ source }}.emails_delivered as {{ count }}) as emails_delivered,
    cast({{ source }}.email_opens as {{ count }}) as email_opens,
    cast({{ source }}.email_clicks as {{ count }}) as email_clicks,
    cast({{ source }}.email_unsubscribes as {{ count }}) as email_unsubscribes,
    cast({{ source }}.email_bounces as {{ count }}) as email_bounces,
    {{ kpi_ratio(source ~ '.email_opens', source ~ '.emails_delivered', 100) }} as email_open_rate,
    {{ kpi_ratio(source ~ '.email_clicks', source ~ '.emails_delivered', 100) }} as click_through_rate,
    {{ kpi_ratio(source ~ '.email_clicks', source ~ '.email_opens', 100) }} as click_to_open_rate,
    {{ kpi_ratio(source ~ '.email_unsubscribes', source ~ '.emails_delivered', 100) }} as unsubscribe_rate,
    {{ kpi_ratio(source ~ '.email_bounces', source ~ '.emails_sent', 100) }} as bounce_rate,
    {#- surveys -#}
    cast({{ source }}.nps_responses as {{ count }}) as nps_responses,
    cast({{ source }}.nps_promoters as {{ count }}) as nps_promoters,
    cast({{ source }}.nps_detractors as {{ count }}) as nps_detractors,
    {{ kpi_ratio('(' ~ source ~ '.nps_promoters - ' ~ source ~ '.nps_detractors)', source ~ '.nps_responses', 100) }} as nps,
    cast({{ source }}.csat_responses as {{ count }}) as csat_responses,
    cast({{ source }}.csat_satisfied as {{ count }}) as csat_satisfied,
    {{ kpi_ratio(source ~ '.csat_satisfied', source ~ '.csat_responses', 100) }} as csat
{%- endmacro %}
