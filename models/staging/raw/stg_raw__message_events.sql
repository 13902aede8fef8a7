{#- Message events, one row per message_event_id, that passed every check (see base_raw__message_events for the rules). -#}
with

message_events as (
    select * from {{ ref('base_raw__message_events') }}
    where quarantine_reason is null
),

final as (
    select
        message_event_id,
        message_id,
        campaign_id,
        customer_id,
        channel,
        message_event,
        variant,
        occurred_at,
        _loaded_at
    from message_events
)

select * from final
