{#- The single date everything is measured "as of". var as_of_date when set, else the latest
    valid order or event timestamp, so rebuilding the same data gives the same answer whatever
    day it is. as_of_at is the end of that day (exclusive bound for "up to as_of_date"). -#}
with

latest as (
    select max(ordered_at) as latest_at from {{ ref('stg_raw__orders') }}
    union all
    select max(event_at) from {{ ref('stg_raw__events') }}
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
