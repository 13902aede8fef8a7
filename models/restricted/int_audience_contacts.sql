{#- Hashed identifiers per person for ad networks and messaging syncs, normalized per platform
    (macro hashed_identifier). A phone without a country code already took the customer's
    country in staging (phone_e164). Only persons in scope (customer_contacts'). -#}
with

contacts as (
    select * from {{ ref('customer_contacts') }}
),

final as (
    select
        customer_key,
        customer_id,
        -- Google Customer Match
        {{ hashed_identifier('google', 'email', 'email') }} as google_email_sha256,
        {{ hashed_identifier('google', 'phone', 'phone_e164') }} as google_phone_sha256,
        {{ hashed_identifier('google', 'first_name', 'first_name') }} as google_first_name_sha256,
        {{ hashed_identifier('google', 'last_name', 'last_name') }} as google_last_name_sha256,
        {{ normalized_identifier('google', 'country', 'country_code') }} as google_country,
        {{ normalized_identifier('google', 'zip', 'postal_code') }} as google_zip,
        -- Meta Custom Audiences
        {{ hashed_identifier('meta', 'email', 'email') }} as meta_email_sha256,
        {{ hashed_identifier('meta', 'phone', 'phone_e164') }} as meta_phone_sha256,
        {{ hashed_identifier('meta', 'first_name', 'first_name') }} as meta_first_name_sha256,
        {{ hashed_identifier('meta', 'last_name', 'last_name') }} as meta_last_name_sha256,
        {{ hashed_identifier('meta', 'city', 'city') }} as meta_city_sha256,
        {{ hashed_identifier('meta', 'state', 'region') }} as meta_state_sha256,
        {{ hashed_identifier('meta', 'zip', 'postal_code') }} as meta_zip_sha256,
        {{ hashed_identifier('meta', 'country', 'country_code') }} as meta_country_sha256
    from contacts
)

select * from final
