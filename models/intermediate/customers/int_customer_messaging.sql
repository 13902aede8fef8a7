{#- Message engagement per person up to as_of_date, summed from int_customer_channel_engagement
    (the one source of truth for channel engagement, published as customer_channel_engagement):
    counts per channel, the preferred channel, the engaged channels ranked, and the local hour at
    which they open or click most. A channel needs engagement to be preferred or ranked (an open,
    a click or an order attributed to its messages): being sent messages is no preference.
    Holdout rows and persons out of scope are already left out there. -#}
with

engagement as (
    select * from {{ ref('int_customer_channel_engagement') }}
),

per_channel as (
    select
        customer_key,
        channel,
        sum(sends) as sends,
        sum(deliveries) as deliveries,
        sum(opens) as opens,
        sum(clicks) as clicks,
        sum(unsubscribes) as unsubscribes,
        sum(bounces) as bounces,
        sum(complaints) as complaints,
        coalesce(sum(attributed_orders), 0) as attributed_orders
    from engagement
    group by 1, 2
),

ranked_channels as (
    -- engaged channels only; preferred: most clicks, then opens, then attributed orders, then
    -- deliveries, then channel name
    select
        customer_key,
        channel,
        row_number() over (
            partition by customer_key
            order by clicks desc, opens desc, attributed_orders desc, deliveries desc, channel
        ) as preference_rank
    from per_channel
    where clicks + opens + attributed_orders > 0
),

channel_affinity as (
    -- every channel the person engaged with, most engaged first (Klaviyo's ranked affinity)
    select
        customer_key,
        {{ dbt.listagg('channel', "' > '", 'order by preference_rank') }} as channel_affinity
    from ranked_channels
    group by 1
),

-- each person's engagements per local hour, summed over channels and months
hour_totals as (
    select
        customer_key,
        {% for hour in range(24) %}
        coalesce(sum(engagements_hour_{{ '%02d' % hour }}), 0) as hour_{{ '%02d' % hour }}{{ ',' if not loop.last }}
        {% endfor %}
    from engagement
    group by 1
),

-- the hour with the most engagements, the earliest on a tie; none without engagement. Compared
-- across the 24 columns of one row: unpivoting them first made 24 rows per engagement row and
-- grouped those (a million customers: 67M rows into 20M groups, most of this model's time).
best_hour as (
    select
        customer_key,
        case
            {% for hour in range(24) %}
            when hour_{{ '%02d' % hour }} = most_engagements then {{ hour }}
            {% endfor %}
        end as best_send_hour_local
    from (
        select
            *,
            greatest(
                {% for hour in range(24) %}hour_{{ '%02d' % hour }}{{ ', ' if not loop.last }}{% endfor %}
            ) as most_engagements
        from hour_totals
    ) as totals
    where most_engagements > 0
),

{% set channels = messaging_channels() %}
final as (
    select
        people.customer_key,
        {% for channel in channels %}
        sum(case when per_channel.channel = '{{ channel }}' then per_channel.sends else 0 end) as {{ channel }}_sends,
        sum(case when per_channel.channel = '{{ channel }}' then per_channel.opens else 0 end) as {{ channel }}_opens,
        sum(case when per_channel.channel = '{{ channel }}' then per_channel.clicks else 0 end) as {{ channel }}_clicks,
        {% endfor %}
        sum(per_channel.sends) as total_sends,
        sum(per_channel.opens) as total_opens,
        sum(per_channel.clicks) as total_clicks,
        sum(per_channel.unsubscribes) as unsubscribes,
        sum(per_channel.bounces) as bounces,
        sum(per_channel.complaints) as complaints,
        max(case when preferred.preference_rank = 1 then preferred.channel end) as preferred_channel,
        max(channel_affinity.channel_affinity) as channel_affinity,
        max(best_hour.best_send_hour_local) as best_send_hour_local
    from (select distinct customer_key from per_channel) as people
    left join per_channel on people.customer_key = per_channel.customer_key
    left join ranked_channels as preferred
        on people.customer_key = preferred.customer_key and preferred.preference_rank = 1
    left join channel_affinity on people.customer_key = channel_affinity.customer_key
    left join best_hour on people.customer_key = best_hour.customer_key
    group by 1
)

select * from final
