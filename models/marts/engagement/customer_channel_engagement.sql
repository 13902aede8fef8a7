{#- Message engagement per person, channel and month, published: the rows of
    int_customer_channel_engagement (where they are computed, so int_customer_messaging and the
    profile read the same numbers without an intermediate model reading a mart). -#}
with

engagement as (
    select * from {{ ref('int_customer_channel_engagement') }}
),

final as (
    select
        customer_key,
        channel,
        engagement_month,
        sends,
        deliveries,
        opens,
        clicks,
        unsubscribes,
        bounces,
        complaints,
        attributed_orders,
        engagements,
        {% for hour in range(24) %}
        engagements_hour_{{ '%02d' % hour }}{{ ',' if not loop.last }}
        {% endfor %}
    from engagement
)

select * from final
