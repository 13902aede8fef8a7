-- Every person in scope (int_persons_in_scope: seen by as_of_date, deletion requests excluded)
-- has exactly one current stage: one is_current row in customer_lifecycle_history and one row in
-- customer_lifecycle; nobody else has either. Returns the people for whom that is false.
with

persons as (
    select customer_key from {{ ref('int_persons_in_scope') }}
),

current_rows as (
    select customer_key, count(*) as current_rows
    from {{ ref('customer_lifecycle_history') }}
    where is_current
    group by 1
),

lifecycle_rows as (
    select customer_key, count(*) as lifecycle_rows
    from {{ ref('customer_lifecycle') }}
    group by 1
),

everyone as (
    select customer_key from persons
    union
    select customer_key from current_rows
    union
    select customer_key from lifecycle_rows
),

checks as (
    select
        everyone.customer_key,
        persons.customer_key is not null as is_expected,
        coalesce(current_rows.current_rows, 0) as current_rows,
        coalesce(lifecycle_rows.lifecycle_rows, 0) as lifecycle_rows
    from everyone
    left join persons on everyone.customer_key = persons.customer_key
    left join current_rows on everyone.customer_key = current_rows.customer_key
    left join lifecycle_rows on everyone.customer_key = lifecycle_rows.customer_key
)

select * from checks
where not is_expected or current_rows != 1 or lifecycle_rows != 1
