{#- Current consent per person, channel and purpose: the latest recorded change up to
    as_of_date wins. Null = never asked (treated as not granted by audiences). Two changes
    recorded at the same instant are a tie the data cannot break: revoked wins, because
    contacting someone who withdrew consent is the costly mistake. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

latest as (
    select
        graph.customer_key,
        consents.channel,
        consents.purpose,
        consents.consent_status,
        row_number() over (
            partition by graph.customer_key, consents.channel, consents.purpose
            order by
                consents.recorded_at desc,
                case when consents.consent_status = 'revoked' then 0 else 1 end
        ) as recency_rank
    from {{ ref('stg_raw__consents') }} as consents
    cross join as_of
    inner join graph on graph.node = {{ identity_node('customer_id', 'consents.customer_id') }}
    where consents.recorded_at < as_of.as_of_at
),

final as (
    select
        customer_key,
        {% for channel, purposes in consent_purposes_by_channel().items() %}
        {% set outer_last = loop.last %}
        {% for purpose in purposes %}
        max(case when channel = '{{ channel }}' and purpose = '{{ purpose }}' then consent_status end)
            as {{ channel }}_{{ purpose }}_consent{{ ',' if not (loop.last and outer_last) }}
        {% endfor %}
        {% endfor %}
    from latest
    where recency_rank = 1
    group by 1
)

select * from final
