{{ config(materialized='view') }}

{#- The feature snapshots with their labels, computed at read time from the orders after each
    snapshot and as_of_date (so a label that matures as as_of_date moves on needs no rebuild of
    int_customer_snapshot_features):
      purchased_within_horizon  an order within purchase_horizon_days after the snapshot
      churned_within_horizon    no order within churn_horizon_days after the snapshot
    A label is null while its horizon is not fully observed by as_of_date (snapshot_at + horizon
    after as_of_at), and for the scoring snapshot. Orders after as_of_at are never read: a
    matured horizon ends before it. -#}
{%- set purchase_days = var('purchase_horizon_days') | int -%}
{%- set churn_days = var('churn_horizon_days') | int -%}
{%- set longest = [purchase_days, churn_days] | max -%}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

features as (
    select
        *,
        cast({{ dbt.dateadd('day', 1, 'snapshot_date') }} as {{ dbt.type_timestamp() }}) as snapshot_at
    from {{ ref('int_customer_snapshot_features') }}
),

snapshot_bounds as (
    select distinct
        snapshot_date,
        snapshot_at
    from features
),

orders as (
    {{ feature_snapshot_orders() }}
),

-- the first order after each snapshot within the longest horizon (at most a few snapshots per
-- order, so this stays small)
next_orders as (
    select
        snapshot_bounds.snapshot_date,
        orders.customer_key,
        min(orders.ordered_at) as next_order_at
    from snapshot_bounds
    cross join as_of
    inner join orders
        on snapshot_bounds.snapshot_at <= orders.ordered_at
        and orders.ordered_at < {{ dbt.dateadd('day', longest, 'snapshot_bounds.snapshot_at') }}
        and as_of.as_of_at > orders.ordered_at
    group by snapshot_bounds.snapshot_date, orders.customer_key
),

final as (
    select
        features.*,
        features.snapshot_date = as_of.as_of_date as is_scoring_snapshot,
        -- labels (after the snapshot; null when the horizon is not fully observed)
        case
            when features.snapshot_date = as_of.as_of_date then null
            when {{ dbt.dateadd('day', purchase_days, 'features.snapshot_at') }} > as_of.as_of_at then null
            when next_orders.next_order_at < {{ dbt.dateadd('day', purchase_days, 'features.snapshot_at') }} then 1
            else 0
        end as purchased_within_horizon,
        case
            when features.snapshot_date = as_of.as_of_date then null
            when {{ dbt.dateadd('day', churn_days, 'features.snapshot_at') }} > as_of.as_of_at then null
            when next_orders.next_order_at < {{ dbt.dateadd('day', churn_days, 'features.snapshot_at') }} then 0
            else 1
        end as churned_within_horizon
    from features
    cross join as_of
    left join next_orders
        on features.snapshot_date = next_orders.snapshot_date
        and features.customer_key = next_orders.customer_key
)

select * from final
