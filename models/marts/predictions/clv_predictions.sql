{#- Published CLV predictions per buyer: a typed, contract-enforced copy of the Python model
    int_clv_predictions. The 30/90/365-day horizons are fixed columns; predicted_orders is the
    clv_horizon_days horizon whatever it is set to. -#}
with

predictions as (
    select * from {{ ref('int_clv_predictions') }}
),

final as (
    select
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(probability_alive as {{ type_double() }}) as probability_alive,
        cast(expected_purchases_30d as {{ type_double() }}) as expected_purchases_30d,
        cast(expected_purchases_90d as {{ type_double() }}) as expected_purchases_90d,
        cast(expected_purchases_365d as {{ type_double() }}) as expected_purchases_365d,
        cast(expected_order_value as {{ type_double() }}) as expected_order_value,
        cast(predicted_clv as {{ type_double() }}) as predicted_clv,
        cast(clv_tier as {{ dbt.type_string() }}) as clv_tier,
        cast(frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(monetary_value as {{ type_double() }}) as monetary_value,
        cast(predicted_orders as {{ type_double() }}) as predicted_orders
    from predictions
)

select * from final
