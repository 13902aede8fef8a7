{#- Staged events with their person, narrow: what the models that count events read (when,
    what, which product, who). The person is the one of the event's identifier set
    (int_event_identifier_persons); null when the event carries only placeholder or shared
    identifiers. The identifiers are matched null-safely: cleaned values are never '', so ''
    stands for a missing one. -#}
with

events as (
    select
        event_id,
        user_id,
        email,
        anonymous_id,
        device_id,
        event_at,
        event_name,
        product_id,
        product_category,
        product_price,
        product_quantity
    from {{ ref('stg_raw__events') }}
),

identifier_persons as (
    select user_id, email, anonymous_id, device_id, customer_key
    from {{ ref('int_event_identifier_persons') }}
),

final as (
    select
        -- ids
        events.event_id,
        identifier_persons.customer_key,
        events.product_id,

        -- strings
        events.event_name,
        events.product_category,

        -- numerics
        events.product_price,
        events.product_quantity,

        -- booleans
        events.user_id is not null or events.email is not null as is_identified_event,

        -- timestamps
        events.event_at

    from events
    left join identifier_persons
        on coalesce(events.user_id, '') = coalesce(identifier_persons.user_id, '')
        and coalesce(events.email, '') = coalesce(identifier_persons.email, '')
        and coalesce(events.anonymous_id, '') = coalesce(identifier_persons.anonymous_id, '')
        and coalesce(events.device_id, '') = coalesce(identifier_persons.device_id, '')
)

select * from final
