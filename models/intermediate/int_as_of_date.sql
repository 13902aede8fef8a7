{#- The single date everything is measured "as of": var as_of_date when set, else the day of the
    latest staged order, or of the latest staged event when that is later but at most
    as_of_max_days_after_last_order days after the latest order. Rebuilding the same data gives
    the same answer whatever day it is, and one event from a device whose clock is months ahead
    (still before the load time, so not quarantined as future) does not move the date of every
    measure and leave the models without a labelled snapshot (issue 20). Without any staged order
    the latest event decides. as_of_at is the end of that day (exclusive bound for "up to
    as_of_date"). -#}
with

latest_order as (
    select max(ordered_at) as latest_order_at from {{ ref('stg_raw__orders') }}
),

latest as (
    select latest_order_at as latest_at from latest_order
    union all
    select max(events.event_at)
    from {{ ref('stg_raw__events') }} as events
    cross join latest_order
    where latest_order.latest_order_at is null
        or events.event_at <= {{ dbt.dateadd('day', var('as_of_max_days_after_last_order'), 'latest_order.latest_order_at') }}
),

final as (
    select
        {% if var('as_of_date') %}
        max(cast('{{ var("as_of_date") }}' as date)) as as_of_date
        {% else %}
        cast(max(latest_at) as date) as as_of_date
        {% endif %}
    from latest
)

select
    as_of_date,
    cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as {{ dbt.type_timestamp() }}) as as_of_at
from final
