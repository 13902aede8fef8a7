{#- RFM per person as of as_of_date: recency (days since the last completed order), frequency
    (completed orders) and monetary (their revenue), each scored 1-5 by quintile among buyers
    (5 = best), and the named segment of the (R, F) scores (the commonly published map; it is in
    _segments__models.yml). People without a completed order are Prospects, unscored.
    Ties share a score: a value's quintile is 1 + floor(5 x share of buyers strictly worse), so
    the many one-order buyers all get F = 1 (DECISIONLOG "RFM quintiles with ties"); and a value
    scores at most one more than the next lower value, so a large tie group never makes the next
    value skip a score (two orders are F2, not F3). -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

persons as (
    select customer_key from {{ ref('int_persons_in_scope') }}
),

order_summary as (
    select customer_key, orders, revenue, last_order_at
    from {{ ref('int_customer_order_summary') }}
    where orders > 0
),

buyers as (
    select
        order_summary.customer_key,
        {{ dbt.datediff('order_summary.last_order_at', 'as_of.as_of_date', 'day') }} as recency_days,
        order_summary.orders as frequency,
        order_summary.revenue as monetary,
        order_summary.last_order_at
    from order_summary
    inner join persons on order_summary.customer_key = persons.customer_key
    cross join as_of
),

ranked as (
    -- rank() gives tied values the same, lowest, rank: rank - 1 = buyers strictly worse
    select
        buyers.*,
        rank() over (order by recency_days desc) - 1 as buyers_less_recent,
        rank() over (order by frequency) - 1 as buyers_less_frequent,
        rank() over (order by monetary) - 1 as buyers_spending_less,
        count(*) over () as buyer_count
    from buyers
),

quintiles as (
    select
        customer_key,
        recency_days,
        frequency,
        monetary,
        last_order_at,
        1 + cast(floor(5.0 * buyers_less_recent / buyer_count) as {{ dbt.type_int() }}) as recency_quintile,
        1 + cast(floor(5.0 * buyers_less_frequent / buyer_count) as {{ dbt.type_int() }}) as frequency_quintile,
        1 + cast(floor(5.0 * buyers_spending_less / buyer_count) as {{ dbt.type_int() }}) as monetary_quintile
    from ranked
),

{% for dimension, value, worst_first in [
    ('recency', 'recency_days', 'desc'), ('frequency', 'frequency', 'asc'), ('monetary', 'monetary', 'asc')] %}
{{ dimension }}_values as (
    -- the distinct values, worst first, each with its quintile
    select
        {{ value }} as value,
        min({{ dimension }}_quintile) as quintile,
        row_number() over (order by {{ value }} {{ worst_first }}) as value_rank
    from quintiles
    group by {{ value }}
),

{{ dimension }}_scores as (
    -- score_i = min(quintile_i, score_(i-1) + 1), solved as
    -- value_rank + the lowest (quintile - value_rank) up to this value
    select
        value,
        cast(value_rank + min(quintile - value_rank) over (
            order by value_rank rows between unbounded preceding and current row
        ) as {{ dbt.type_int() }}) as score
    from {{ dimension }}_values
),

{% endfor %}
scored as (
    select
        quintiles.customer_key,
        quintiles.recency_days,
        quintiles.frequency,
        quintiles.monetary,
        quintiles.last_order_at,
        recency_scores.score as recency_score,
        frequency_scores.score as frequency_score,
        monetary_scores.score as monetary_score
    from quintiles
    inner join recency_scores on quintiles.recency_days = recency_scores.value
    inner join frequency_scores on quintiles.frequency = frequency_scores.value
    inner join monetary_scores on quintiles.monetary = monetary_scores.value
),

final as (
    select
        -- ids
        persons.customer_key,

        -- strings
        case
            when scored.customer_key is null then 'Prospects'
            when scored.recency_score <= 2 and scored.frequency_score <= 2 then 'Hibernating'
            when scored.recency_score <= 2 and scored.frequency_score <= 4 then 'At Risk'
            when scored.recency_score <= 2 then 'Cannot Lose Them'
            when scored.recency_score = 3 and scored.frequency_score <= 2 then 'About to Sleep'
            when scored.recency_score = 3 and scored.frequency_score = 3 then 'Need Attention'
            when scored.recency_score <= 4 and scored.frequency_score >= 4 then 'Loyal'
            when scored.recency_score = 4 and scored.frequency_score = 1 then 'Promising'
            when scored.recency_score = 5 and scored.frequency_score = 1 then 'New'
            when scored.frequency_score <= 3 then 'Potential Loyalist'
            else 'Champions'
        end as rfm_segment,
        case when scored.customer_key is not null then {{ dbt.concat([
            'cast(scored.recency_score as ' ~ dbt.type_string() ~ ')',
            'cast(scored.frequency_score as ' ~ dbt.type_string() ~ ')',
            'cast(scored.monetary_score as ' ~ dbt.type_string() ~ ')']) }} end as rfm_score,

        -- numerics
        cast(scored.recency_days as {{ dbt.type_bigint() }}) as recency_days,
        cast(coalesce(scored.frequency, 0) as {{ dbt.type_bigint() }}) as frequency,
        cast(coalesce(scored.monetary, 0) as decimal(18, 2)) as monetary,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,

        -- dates
        as_of.as_of_date,

        -- timestamps
        scored.last_order_at

    from persons
    cross join as_of
    left join scored on persons.customer_key = scored.customer_key
)

select * from final
