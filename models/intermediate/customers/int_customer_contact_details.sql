{#- Where each person in scope can be reached: their email (the customer record's, else one the
    identity graph knows), phone in E.164, name and address from the customer record. Written once
    for everything that needs it: restricted.customer_contacts publishes the rows with an email
    or a customer record, customer_profiles hashes the email and phone (has_email, has_phone),
    int_customer_reachability checks that a channel has an address. -#}
with

persons as (
    select customer_key, customer_id, email from {{ ref('int_persons_in_scope') }}
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
        customers.postal_code,
        customers.customer_id is not null as has_customer_record
    from persons
    left join customers on persons.customer_id = customers.customer_id
)

select * from final
