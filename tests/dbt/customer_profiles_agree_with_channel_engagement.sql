-- The profile's messaging columns come from customer_channel_engagement: its sends per channel
-- are the sums there, no channel beats its preferred channel on clicks, a person has a preferred
-- channel exactly when some channel has an open, a click or an attributed order, and no local
-- hour beats its best send hour on opens + clicks. Returns one row per disagreement.
{%- set channels = messaging_channels() %}
with

engagement as (
    select * from {{ ref('customer_channel_engagement') }}
),

profiles as (
    select * from {{ ref('customer_profiles') }}
),

per_channel as (
    select
        customer_key,
        channel,
        sum(sends) as sends,
        sum(clicks) as clicks,
        sum(opens + clicks + attributed_orders) as engagement
    from engagement
    group by 1, 2
),

-- engagements per local hour, one column each: the best hour is compared with the greatest of
-- them (a pairing of every hour with every other was 576 rows per person)
per_hour as (
    select
        customer_key,
        {%- for hour in range(24) %}
        sum(engagements_hour_{{ '%02d' % hour }}) as hour_{{ '%02d' % hour }}{{ ',' if not loop.last }}
        {%- endfor %}
    from engagement
    group by 1
),

count_mismatches as (
    select profiles.customer_key, 'sends of ' || per_channel.channel as disagreement
    from per_channel
    left join profiles on per_channel.customer_key = profiles.customer_key
    where per_channel.sends != case per_channel.channel
        {% for channel in channels %}
        when '{{ channel }}' then profiles.{{ channel }}_sends
        {% endfor %}
        end
),

channel_mismatches as (
    select profiles.customer_key, 'channel ' || better.channel || ' has more clicks' as disagreement
    from profiles
    inner join per_channel as preferred
        on profiles.customer_key = preferred.customer_key and profiles.preferred_channel = preferred.channel
    inner join per_channel as better
        on profiles.customer_key = better.customer_key and preferred.clicks < better.clicks
),

missing_preference as (
    select profiles.customer_key, 'no preferred channel' as disagreement
    from profiles
    where profiles.preferred_channel is null
        and profiles.customer_key in (select customer_key from per_channel where engagement > 0)
),

unengaged_preference as (
    select profiles.customer_key, 'preferred channel ' || profiles.preferred_channel || ' without engagement'
        as disagreement
    from profiles
    left join per_channel
        on profiles.customer_key = per_channel.customer_key and profiles.preferred_channel = per_channel.channel
    where profiles.preferred_channel is not null
        and coalesce(per_channel.engagement, 0) = 0
),

hour_mismatches as (
    select profiles.customer_key, 'a local hour has more engagements' as disagreement
    from profiles
    inner join per_hour on profiles.customer_key = per_hour.customer_key
    where case profiles.best_send_hour_local
        {%- for hour in range(24) %}
        when {{ hour }} then per_hour.hour_{{ '%02d' % hour }}
        {%- endfor %}
        end < greatest(
        {%- for hour in range(24) %}
            per_hour.hour_{{ '%02d' % hour }}{{ ',' if not loop.last }}
        {%- endfor %}
        )
)

select * from count_mismatches
union all
select * from channel_mismatches
union all
select * from missing_preference
union all
select * from unengaged_preference
union all
select * from hour_mismatches
