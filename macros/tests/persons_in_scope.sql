{#- Every row's person is in scope (macro person_in_scope): nobody with a deletion request,
    nobody first seen after as_of_date, no key the identity graph does not know. On every table
    after identity that has a row per person (or per person and something). -#}
{% test persons_in_scope(model, column_name='customer_key') %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and not {{ person_in_scope(column_name) }}

{% endtest %}
