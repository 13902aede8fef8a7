{#- One row per resolved person: the identifiers that make them up. A person with a deletion
    request is not here (nor, so, in any model built from this one): between the request and
    `lifecycle forget`, which purges their raw rows, only the identity models themselves and the
    staging of the delivery hold them. -#}
with

graph as (
    select * from {{ ref('int_identity_graph') }}
),

nodes as (
    select * from {{ ref('int_identity_nodes') }}
),

unresolved_orders as (
    -- guest orders with no usable identifier are persons of their own
    select customer_key, order_id, email, ordered_at
    from {{ ref('int_orders_resolved') }}
    where resolved_by = 'order_id'
),

members as (
    select graph.customer_key, nodes.id_type, nodes.id_value, nodes.first_seen_at, nodes.last_seen_at
    from graph
    inner join nodes on graph.node = nodes.node
),

-- members has one row per identifier (node is unique in the graph and in the nodes), so a plain
-- count counts distinct identifiers: count(distinct) built a hash table per count
from_graph as (
    select
        customer_key,
        min(case when id_type = 'customer_id' then id_value end) as customer_id,
        count(case when id_type = 'customer_id' then id_value end) as customer_ids,
        min(case when id_type = 'email' then id_value end) as email,
        count(case when id_type = 'email' then id_value end) as emails,
        count(case when id_type = 'phone' then id_value end) as phones,
        count(case when id_type = 'anonymous_id' then id_value end) as anonymous_ids,
        count(case when id_type = 'device_id' then id_value end) as devices,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        -- when the person first became known (lifecycle history: anonymous before, lead after)
        min(case when id_type in ('customer_id', 'email', 'phone') then first_seen_at end)
            as first_identified_at
    from members
    group by 1
),

from_orders as (
    select
        customer_key,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        0 as customer_ids,
        email,
        case when email is null then 0 else 1 end as emails,
        0 as phones,
        0 as anonymous_ids,
        0 as devices,
        ordered_at as first_seen_at,
        ordered_at as last_seen_at,
        case when email is not null then ordered_at end as first_identified_at
    from unresolved_orders
),

deleted as (
    select customer_key from {{ ref('int_deleted_customer_keys') }}
),

final as (
    select
        *,
        customer_ids > 0 or emails > 0 or phones > 0 as is_identified
    from (
        select * from from_graph
        union all
        select * from from_orders
    ) as persons
    where customer_key not in (select customer_key from deleted)
)

select * from final
