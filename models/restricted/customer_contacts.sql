{#- Raw contact details per person, for the messaging syncs that must send to them. Kept out of
    the BI-facing marts; grant this schema only to the reverse-ETL role. People with a deletion
    request are left out. -#}
with

persons as (
    select customer_key, customer_id, email from {{ ref('int_persons') }}
),

customers as (
    select * from {{ ref('stg_raw__customers') }}
),

final as (
    select
        persons.customer_key,
        persons.customer_id,
        coalesce(customers.email, persons.email) as email,
        customers.phone_e164,
        customers.first_name,
        customers.last_name,
        customers.country_code,
        customers.region,
        customers.city,
        customers.postal_code
    from persons
    left join customers on persons.customer_id = customers.customer_id
    where persons.customer_key not in (select customer_key from {{ ref('int_deleted_customer_keys') }})
        and (persons.email is not null or customers.customer_id is not null)
)

select * from final
