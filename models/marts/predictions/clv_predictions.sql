{#- Published CLV predictions per buyer: a typed, contract-enforced copy of the Python model
    int_clv_predictions. The 30/90/365-day horizons are fixed columns; predicted_orders is the
    clv_horizon_days horizon whatever it is set to. expected_next_order_date looks forward: the
    day by which the next order is as likely as not given the buyer is alive (as_of_date plus
    days_to_next_order rounded up, at least the next day), null when that lies beyond
    clv_horizon_days. -#}
with

predictions as (
    select * from {{ ref('int_clv_predictions') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

final as (
    select
        cast(predictions.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(predictions.probability_alive as {{ type_double() }}) as probability_alive,
        cast(predictions.probability_alive_model as {{ dbt.type_string() }}) as probability_alive_model,
        cast(predictions.expected_purchases_30d as {{ type_double() }}) as expected_purchases_30d,
        cast(predictions.expected_purchases_90d as {{ type_double() }}) as expected_purchases_90d,
        cast(predictions.expected_purchases_365d as {{ type_double() }}) as expected_purchases_365d,
        cast(predictions.expected_order_value as {{ type_double() }}) as expected_order_value,
        cast(predictions.predicted_clv as {{ type_double() }}) as predicted_clv,
        cast(predictions.clv_tier as {{ dbt.type_string() }}) as clv_tier,
        cast(predictions.frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(predictions.monetary_value as {{ type_double() }}) as monetary_value,
        cast(predictions.predicted_orders as {{ type_double() }}) as predicted_orders,
        case when predictions.days_to_next_order is not null then
            cast({{ dbt.dateadd(
                'day',
                'cast(greatest(1, ceil(predictions.days_to_next_order)) as ' ~ dbt.type_int() ~ ')',
                'as_of.as_of_date') }} as date)
        end as expected_next_order_date
    from predictions
    cross join as_of
)

select * from final
