{#- The key is unique among the rows of the newest delivery and every other row with one of
    their keys: on an accumulating table (events, staged once per delivery) each build checks
    what its delivery added against everything before, in a pass over the key column, instead
    of grouping every key ever delivered (a million customers: 42M event ids, more memory than
    the build). A build of a single delivery (a full load) checks every row. -#}
{% test unique_in_newest_delivery(model, column_name) %}

with

newest_keys as (
    select distinct {{ column_name }}
    from {{ model }}
    where _loaded_at = (select max(_loaded_at) from {{ model }})
)

select {{ column_name }}, count(*) as n_rows
from {{ model }}
where {{ column_name }} in (select {{ column_name }} from newest_keys)
group by {{ column_name }}
having count(*) > 1

{% endtest %}
