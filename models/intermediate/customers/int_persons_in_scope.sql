{#- The persons in scope: the people the warehouse describes, counts and contacts as of
    as_of_date. A resolved person (int_persons) is in scope when
      - they have no deletion request (int_deleted_customer_keys; int_persons already leaves
        them out for erasure, the rule is stated here again so it reads whole in one place), and
      - they were first seen by as_of_date: first_seen_at before as_of_at (the midnight after
        as_of_date), or never seen at a known time. People first seen later do not exist yet.
    Every model after identity that is about people reads its persons here, and a fact keyed by
    person (an order, a message, an event) is kept with macro person_in_scope, which reads this
    model; yml tests check a table with the generic test persons_in_scope. The rule is written
    once, here (tests/python/test_one_place.py fails on a second copy). -#}
with

persons as (
    select * from {{ ref('int_persons') }}
),

deleted as (
    select customer_key from {{ ref('int_deleted_customer_keys') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

final as (
    select persons.*
    from persons
    cross join as_of
    where persons.customer_key not in (select customer_key from deleted)
        and (persons.first_seen_at is null or persons.first_seen_at < as_of.as_of_at)
)

select * from final
