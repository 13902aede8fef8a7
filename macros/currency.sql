{#- Amounts in the reporting currency (var reporting_currency), through seeds/currency_rates.csv:
    amount x (USD per unit of its currency) / (USD per unit of the reporting currency), rounded
    to cents. Every staged amount is converted by these two macros (stg_raw__orders,
    stg_raw__order_items, stg_raw__campaigns). -#}

{#- The CTEs the conversion reads: `rates` (one row per currency) and `reporting_rate` (the
    reporting currency's row). A model puts them in its `with` and joins `rates` on its currency. -#}
{% macro currency_rate_ctes() -%}
rates as (
    select * from {{ ref('currency_rates') }}
),

reporting_rate as (
    select usd_per_unit from rates
    where currency_code = '{{ var("reporting_currency") }}'
)
{%- endmacro %}


{#- `amount` (an SQL expression) in the currency of the joined `rates` row, converted to the
    reporting currency, as decimal(18, 2). With unknown_is_reporting, an amount without a rates
    row (an order line whose order is unknown) is taken as already in the reporting currency. -#}
{% macro to_reporting_currency(amount, unknown_is_reporting=false) -%}
    {%- set rate = 'coalesce(rates.usd_per_unit, reporting_rate.usd_per_unit)' if unknown_is_reporting
        else 'rates.usd_per_unit' -%}
    cast(
        {{ round_double('cast(' ~ amount ~ ' * ' ~ rate ~ ' as double) / reporting_rate.usd_per_unit', 2) }}
        as decimal(18, 2)
    )
{%- endmacro %}
