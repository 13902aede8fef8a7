{#- One audience: the common column layout, the consent filter of its channel
    and a reason per member. Every audience model is a single call, so the layout cannot drift;
    every column is cast, so the enforced contract does not depend on upstream types. -#}
{% macro audience(name, channel, condition, reason, offer) %}

with

profiles as (
    select * from {{ ref('customer_profiles') }}
),

contacts as (
    select * from {{ ref('int_audience_contacts') }}
),

reachability as (
    select * from {{ ref('int_customer_reachability') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

final as (
    select
        cast('{{ name }}' as {{ dbt.type_string() }}) as audience,
        cast(profiles.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(profiles.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast('{{ channel }}' as {{ dbt.type_string() }}) as channel,
        cast(contacts.google_email_sha256 as {{ dbt.type_string() }}) as email_sha256,
        cast(contacts.google_phone_sha256 as {{ dbt.type_string() }}) as phone_sha256,
        cast(contacts.google_first_name_sha256 as {{ dbt.type_string() }}) as first_name_sha256,
        cast(contacts.google_last_name_sha256 as {{ dbt.type_string() }}) as last_name_sha256,
        cast(profiles.country_code as {{ dbt.type_string() }}) as country,
        cast(contacts.google_zip as {{ dbt.type_string() }}) as postal_code,
        cast(profiles.language as {{ dbt.type_string() }}) as language,
        cast(profiles.timezone as {{ dbt.type_string() }}) as timezone,
        cast(profiles.best_send_hour_local as {{ dbt.type_int() }}) as best_send_hour_local,
        cast({{ offer }} as {{ dbt.type_string() }}) as recommended_offer,
        cast({{ reason }} as {{ dbt.type_string() }}) as reason,
        cast(as_of.as_of_at as {{ dbt.type_timestamp() }}) as computed_at,
        cast(as_of.as_of_at as {{ dbt.type_timestamp() }}) as updated_at
    from profiles
    cross join as_of
    inner join contacts on profiles.customer_key = contacts.customer_key
    inner join reachability on profiles.customer_key = reachability.customer_key
    where reachability.can_{{ channel }}
        and ({{ condition }})
)

select * from final

{% endmacro %}
