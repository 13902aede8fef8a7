{#- Raw contact details per person, for the messaging syncs that must send to them. Kept out of
    the BI-facing marts; grant this schema only to the reverse-ETL role. Only persons in scope
    (no deletion request), with an email or a customer record (int_customer_contact_details). -#}
with

contacts as (
    select * from {{ ref('int_customer_contact_details') }}
),

final as (
    select
        customer_key,
        customer_id,
        email,
        phone_e164,
        first_name,
        last_name,
        country_code,
        region,
        city,
        postal_code
    from contacts
    where email is not null or has_customer_record
)

select * from final
